#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vigie::demo {

// Reference tables for synthetic French identities. Every person made from them is fictitious;
// the places and their codes are real so that addresses and NIRs are consistent.

// A French commune: its INSEE department (2 characters: "01".."95", "2A", "2B", "97" for
// overseas), the last 3 digits of its INSEE code (the NIR's commune field; Paris, Lyon and
// Marseille by arrondissement) and one of its postal codes.
struct City {
  std::string_view name;
  std::string_view department;
  std::string_view commune;
  std::string_view postal_code;
};

// Where a family name and given names come from.
enum class NameOrigin { kFrance, kCorsica, kMaghreb, kWestAfrica, kIberia, kItaly, kVietnam };

// A country of birth abroad: NIR department "99" followed by its 3-digit INSEE (COG) code.
struct BirthCountry {
  std::string_view name;
  std::string_view cog_code;
  std::string_view iso_code;
  NameOrigin origin;
};

struct NamePool {
  std::span<const std::string_view> families;
  std::span<const std::string_view> female_given;
  std::span<const std::string_view> male_given;
};

[[nodiscard]] std::span<const City> french_cities();
[[nodiscard]] std::span<const BirthCountry> birth_countries();
// The origins other than France, for families settled in France for a generation or more.
[[nodiscard]] std::span<const NameOrigin> settled_origins();
[[nodiscard]] const NamePool& name_pool(NameOrigin origin);
// Street names without a number ("rue Victor-Hugo").
[[nodiscard]] std::span<const std::string_view> street_names();
// Second address lines; may hold the tokens {n} (a number) and {l} (a letter).
[[nodiscard]] std::span<const std::string_view> address_complements();
[[nodiscard]] std::span<const std::string_view> email_domains();

// Lower-case ASCII for an e-mail local part: Latin accented letters lose their accents,
// letters, digits, '-' and '.' are kept, everything else (spaces, apostrophes) is dropped.
[[nodiscard]] std::string fold_to_ascii_lower(std::string_view utf8);

}  // namespace vigie::demo
