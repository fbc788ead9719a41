#include "auth/qr_code.hpp"

#include <cerrno>
#include <memory>

#include <qrencode.h>

#include <fmt/format.h>

namespace vigie::auth {

namespace {

constexpr std::string_view kLineStart = "\x1b[30;107m";  // black on bright white
constexpr std::string_view kLineEnd = "\x1b[0m";
constexpr std::string_view kUpperHalf = "\u2580";  // ▀
constexpr std::string_view kLowerHalf = "\u2584";  // ▄
constexpr std::string_view kFullBlock = "\u2588";  // █

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// The symbol of `text` with its quiet zone: dark(row, column) over size × size modules.
class QrModules {
 public:
  static Result<QrModules> encode(std::string_view text) {
    if (text.find('\0') != std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "texte impossible à coder en QR (octet nul)",
                  "text cannot be QR-encoded (NUL byte)");
    }
    const std::string terminated(text);
    errno = 0;
    std::unique_ptr<QRcode, QrcodeFree> code(
        QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (code == nullptr) {
      if (errno == ERANGE) {
        return fail(ErrorCode::kInvalidInput, "texte trop long pour un code QR",
                    "text too long for a QR code");
      }
      return fail(ErrorCode::kInternal, "le code QR n'a pu être produit", "QR encoding failed");
    }
    return QrModules(std::move(code));
  }

  [[nodiscard]] int size() const { return code_->width + 2 * kQuiet; }

  // Outside the symbol (quiet zone, and beyond the last row or column) every module is light.
  [[nodiscard]] bool dark(int row, int column) const {
    const int width = code_->width;
    const int symbol_row = row - kQuiet;
    const int symbol_column = column - kQuiet;
    if (symbol_row < 0 || symbol_row >= width || symbol_column < 0 || symbol_column >= width) {
      return false;
    }
    return (code_->data[symbol_row * width + symbol_column] & 1) != 0;
  }

 private:
  static constexpr int kQuiet = static_cast<int>(kQrQuietZoneModules);
  explicit QrModules(std::unique_ptr<QRcode, QrcodeFree> code) : code_(std::move(code)) {}
  std::unique_ptr<QRcode, QrcodeFree> code_;
};

}  // namespace

Result<std::string> render_qr_for_terminal(std::string_view text) {
  auto modules = QrModules::encode(text);
  if (!modules) {
    return tl::unexpected(modules.error());
  }
  const int size = modules->size();
  auto dark = [&](int row, int column) { return modules->dark(row, column); };
  std::string out;
  for (int row = 0; row < size; row += 2) {
    out.append(kLineStart);
    for (int column = 0; column < size; ++column) {
      const bool top = dark(row, column);
      const bool bottom = dark(row + 1, column);
      if (top && bottom) {
        out.append(kFullBlock);
      } else if (top) {
        out.append(kUpperHalf);
      } else if (bottom) {
        out.append(kLowerHalf);
      } else {
        out.push_back(' ');
      }
    }
    out.append(kLineEnd);
    out.push_back('\n');
  }
  return out;
}

Result<std::string> render_qr_svg(std::string_view text) {
  auto modules = QrModules::encode(text);
  if (!modules) {
    return tl::unexpected(modules.error());
  }
  const int size = modules->size();
  std::string path;
  for (int row = 0; row < size; ++row) {
    for (int column = 0; column < size; ++column) {
      if (modules->dark(row, column)) {
        path += fmt::format("M{},{}h1v1h-1z", column, row);
      }
    }
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" width=\"{1}\" "
      "height=\"{1}\" shape-rendering=\"crispEdges\"><rect width=\"{0}\" height=\"{0}\" "
      "fill=\"#fff\"/><path fill=\"#000\" d=\"{2}\"/></svg>",
      size, size * 4, path);
}

}  // namespace vigie::auth
