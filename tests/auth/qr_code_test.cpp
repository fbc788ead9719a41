#include "auth/qr_code.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <qrencode.h>

#include "auth/totp.hpp"

namespace vigie::auth {
namespace {

using namespace std::string_literals;

constexpr std::string_view kLineStart = "\x1b[30;107m";
constexpr std::string_view kLineEnd = "\x1b[0m";

const std::string kUri = [] {
  const std::string_view seed = "12345678901234567890";
  const std::vector<uint8_t> secret(seed.begin(), seed.end());
  return std::string(otpauth_uri("jdupont", secret).view());
}();

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "last line lacks its newline";
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The (top, bottom) modules of each character cell of one line, dark = true.
std::vector<std::pair<bool, bool>> cells_of(std::string_view visible) {
  std::vector<std::pair<bool, bool>> cells;
  while (!visible.empty()) {
    if (visible.starts_with(" ")) {
      cells.emplace_back(false, false);
      visible.remove_prefix(1);
    } else if (visible.starts_with("\u2580")) {
      cells.emplace_back(true, false);
      visible.remove_prefix(3);
    } else if (visible.starts_with("\u2584")) {
      cells.emplace_back(false, true);
      visible.remove_prefix(3);
    } else if (visible.starts_with("\u2588")) {
      cells.emplace_back(true, true);
      visible.remove_prefix(3);
    } else {
      ADD_FAILURE() << "unexpected character in the QR rendering";
      break;
    }
  }
  return cells;
}

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

TEST(QrCodeTest, RendersTheModulesOfLibqrencodeWithAQuietZone) {
  Result<std::string> rendered = render_qr_for_terminal(kUri);
  ASSERT_TRUE(rendered.has_value()) << rendered.error().message;

  const std::unique_ptr<QRcode, QrcodeFree> expected(
      QRcode_encodeString(kUri.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  ASSERT_NE(expected, nullptr);
  const int width = expected->width;
  EXPECT_EQ(width, 17 + 4 * expected->version);
  const int size = width + 2 * static_cast<int>(kQrQuietZoneModules);

  const std::vector<std::string> lines = lines_of(*rendered);
  ASSERT_EQ(lines.size(), static_cast<size_t>((size + 1) / 2));
  // Modules as drawn, one row per module row (plus the light half row below an odd size).
  std::vector<std::vector<bool>> drawn;
  for (const std::string& line : lines) {
    std::string_view visible = line;
    ASSERT_TRUE(visible.starts_with(kLineStart));
    ASSERT_TRUE(visible.ends_with(kLineEnd));
    visible.remove_prefix(kLineStart.size());
    visible.remove_suffix(kLineEnd.size());
    const std::vector<std::pair<bool, bool>> cells = cells_of(visible);
    ASSERT_EQ(cells.size(), static_cast<size_t>(size));
    std::vector<bool> top;
    std::vector<bool> bottom;
    for (const auto& [upper, lower] : cells) {
      top.push_back(upper);
      bottom.push_back(lower);
    }
    drawn.push_back(top);
    drawn.push_back(bottom);
  }
  for (int row = 0; row < static_cast<int>(drawn.size()); ++row) {
    for (int column = 0; column < size; ++column) {
      const int symbol_row = row - static_cast<int>(kQrQuietZoneModules);
      const int symbol_column = column - static_cast<int>(kQrQuietZoneModules);
      const bool inside =
          symbol_row >= 0 && symbol_row < width && symbol_column >= 0 && symbol_column < width;
      const bool dark = inside && (expected->data[symbol_row * width + symbol_column] & 1) != 0;
      ASSERT_EQ(drawn[row][column], dark) << "row " << row << " column " << column;
    }
  }
}

TEST(QrCodeTest, TheUriNeedsAVersionWithinItsByteCapacity) {
  // Level M byte-mode capacity of version 7 is 122 bytes: an otpauth URI for a usual login fits
  // a small symbol that phones read from a terminal.
  ASSERT_LE(kUri.size(), 122u);
  Result<std::string> rendered = render_qr_for_terminal(kUri);
  ASSERT_TRUE(rendered.has_value());
  const std::unique_ptr<QRcode, QrcodeFree> expected(
      QRcode_encodeString(kUri.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  ASSERT_NE(expected, nullptr);
  EXPECT_LE(expected->version, 7);
}

TEST(QrCodeTest, RefusesTextItCannotEncode) {
  for (const std::string& text : {"abc\0def"s, std::string(3000, 'x')}) {
    Result<std::string> rendered = render_qr_for_terminal(text);
    ASSERT_FALSE(rendered.has_value()) << text.size();
    EXPECT_EQ(rendered.error().code, ErrorCode::kInvalidInput);
    Result<std::string> svg = render_qr_svg(text);
    ASSERT_FALSE(svg.has_value()) << text.size();
    EXPECT_EQ(svg.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(QrCodeTest, TheSvgDrawsOneSquareForEachDarkModuleOfLibqrencodeInsideTheQuietZone) {
  Result<std::string> svg = render_qr_svg(kUri);
  ASSERT_TRUE(svg.has_value()) << svg.error().message;
  const std::unique_ptr<QRcode, QrcodeFree> expected(
      QRcode_encodeString(kUri.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  ASSERT_NE(expected, nullptr);
  const int width = expected->width;
  const int quiet = static_cast<int>(kQrQuietZoneModules);
  const int size = width + 2 * quiet;
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg->find("viewBox=\"0 0 " + std::to_string(size) + " " + std::to_string(size) + "\""),
            std::string::npos);
  std::string squares;
  for (int row = 0; row < width; ++row) {
    for (int column = 0; column < width; ++column) {
      if ((expected->data[row * width + column] & 1) != 0) {
        squares +=
            "M" + std::to_string(column + quiet) + "," + std::to_string(row + quiet) + "h1v1h-1z";
      }
    }
  }
  EXPECT_NE(svg->find("d=\"" + squares + "\""), std::string::npos);
  EXPECT_EQ(svg->find(kUri), std::string::npos) << "the secret is drawn, never written out";
}

}  // namespace
}  // namespace vigie::auth
