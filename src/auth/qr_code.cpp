#include "auth/qr_code.hpp"

#include <cerrno>
#include <memory>

#include <qrencode.h>

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

}  // namespace

Result<std::string> render_qr_for_terminal(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput, "texte impossible à coder en QR (octet nul)",
                "text cannot be QR-encoded (NUL byte)");
  }
  const std::string terminated(text);
  errno = 0;
  const std::unique_ptr<QRcode, QrcodeFree> code(
      QRcode_encodeString(terminated.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (code == nullptr) {
    if (errno == ERANGE) {
      return fail(ErrorCode::kInvalidInput, "texte trop long pour un code QR",
                  "text too long for a QR code");
    }
    return fail(ErrorCode::kInternal, "le code QR n'a pu être produit", "QR encoding failed");
  }
  const int width = code->width;
  const int quiet = static_cast<int>(kQrQuietZoneModules);
  const int size = width + 2 * quiet;
  // Outside the symbol (quiet zone, and the half row below an odd size) every module is light.
  auto dark = [&](int row, int column) {
    const int symbol_row = row - quiet;
    const int symbol_column = column - quiet;
    if (symbol_row < 0 || symbol_row >= width || symbol_column < 0 || symbol_column >= width) {
      return false;
    }
    return (code->data[symbol_row * width + symbol_column] & 1) != 0;
  };
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

}  // namespace vigie::auth
