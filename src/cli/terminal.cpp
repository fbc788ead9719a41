#include "cli/terminal.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace vigie::cli {

namespace {

constexpr size_t kMaxSecretLength = 1024;

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written <= 0) {
      return;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace

bool interactive() { return ::isatty(STDIN_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1; }

std::optional<crypto::SecretBytes> read_secret_from_terminal(std::string_view prompt) {
  FileDescriptor tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (tty.get() < 0) {
    return std::nullopt;
  }
  termios saved{};
  if (::tcgetattr(tty.get(), &saved) != 0) {
    return std::nullopt;
  }
  termios silent = saved;
  silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  silent.c_lflag |= ECHONL;
  write_all(tty.get(), prompt);
  if (::tcsetattr(tty.get(), TCSAFLUSH, &silent) != 0) {
    return std::nullopt;
  }
  crypto::SecretBytes buffer(kMaxSecretLength);
  size_t length = 0;
  bool complete = false;
  char character = 0;
  while (::read(tty.get(), &character, 1) == 1) {
    if (character == '\n' || character == '\r') {
      complete = true;
      break;
    }
    if (length == buffer.size()) {
      break;
    }
    buffer.data()[length++] = static_cast<uint8_t>(character);
  }
  character = 0;
  ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
  if (!complete) {
    return std::nullopt;
  }
  return crypto::SecretBytes::copy_of(std::span<const uint8_t>(buffer.data(), length));
}

bool confirm_on_terminal(std::string_view question) {
  FileDescriptor tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (tty.get() < 0) {
    return false;
  }
  write_all(tty.get(), fmt::format("{} [o/N] ", question));
  char answer = 0;
  if (::read(tty.get(), &answer, 1) != 1) {
    return false;
  }
  return answer == 'y' || answer == 'Y' || answer == 'o' || answer == 'O';
}

ProgressBar::ProgressBar(std::string label, size_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (enabled_) {
    std::fputs("\n", stderr);
  }
}

void ProgressBar::update(size_t done) {
  if (!enabled_ || total_ == 0) {
    return;
  }
  constexpr size_t kWidth = 30;
  const size_t filled = done * kWidth / total_;
  fmt::print(stderr, "\r{} [{}{}] {}/{}", label_, std::string(filled, '#'),
             std::string(kWidth - filled, '.'), done, total_);
  std::fflush(stderr);
}

}  // namespace vigie::cli
