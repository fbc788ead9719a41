#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.hpp"

namespace vigie::cli {

// True when standard input and standard error are both a terminal (someone is there to answer).
[[nodiscard]] bool interactive();

// Prints `prompt` on the controlling terminal and reads one line from it with echo off, into
// locked memory. nullopt when there is no terminal or reading failed.
[[nodiscard]] std::optional<crypto::SecretBytes> read_secret_from_terminal(std::string_view prompt);

// Asks a yes/no question on the terminal; true only for an answer starting with y, Y, o or O
// ("oui").
[[nodiscard]] bool confirm_on_terminal(std::string_view question);

// A one-line progress bar on standard error, drawn only when standard error is a terminal.
class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(size_t done);

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
};

}  // namespace vigie::cli
