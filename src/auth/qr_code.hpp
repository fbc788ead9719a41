#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace vigie::auth {

// Light modules around the symbol, as the QR specification requires for scanners to find it.
inline constexpr size_t kQrQuietZoneModules = 4;

// `text` as a QR code (libqrencode, error correction level M, smallest version that fits) drawn
// for a terminal: each character cell holds two modules, one above the other, as the Unicode
// half blocks ▀ ▄ █ or a space, with the quiet zone on every side. Each line is wrapped in ANSI
// colours (black on bright white) and ends with '\n', so that dark modules stay dark on dark
// and light terminal themes alike: phone cameras do not all read inverted codes.
// kInvalidInput when `text` holds a NUL byte or is too long for a QR code.
[[nodiscard]] Result<std::string> render_qr_for_terminal(std::string_view text);

// `text` as the same QR code in SVG, for a web page: one path of 1×1 squares, black on a white
// background with the quiet zone, 4 pixels per module by default. The same errors.
[[nodiscard]] Result<std::string> render_qr_svg(std::string_view text);

}  // namespace vigie::auth
