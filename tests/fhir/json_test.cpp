#include "fhir/json.hpp"

#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <gtest/gtest.h>

namespace vigie::fhir {
namespace {

std::string nested_arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(size_t depth) {
  std::string text;
  for (size_t level = 0; level < depth; ++level) {
    text += "{\"a\":";
  }
  text += "1";
  text += std::string(depth, '}');
  return text;
}

TEST(ParseJson, AcceptsAnObject) {
  Result<boost::json::object> parsed = parse_json_object(R"({"resourceType":"Patient","id":"a"})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->at("id").as_string(), "a");
}

struct InvalidJsonCase {
  std::string name;
  std::string text;
};

class ParseJsonRejects : public ::testing::TestWithParam<InvalidJsonCase> {};

TEST_P(ParseJsonRejects, WithInvalidInputAndNoContent) {
  Result<boost::json::value> parsed = parse_json(GetParam().text);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(parsed.error().message.find("byte"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("Secret"), std::string::npos) << parsed.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseJsonRejects,
    ::testing::Values(InvalidJsonCase{"Empty", ""},
                      InvalidJsonCase{"TruncatedObject", R"({"family":"Secret")"},
                      InvalidJsonCase{"TruncatedString", R"({"family":"Secr)"},
                      InvalidJsonCase{"TruncatedArray", "[1,2,"},
                      InvalidJsonCase{"TrailingContent", R"({"a":1} {"family":"Secret"})"},
                      InvalidJsonCase{"TrailingComma", R"({"family":"Secret",})"},
                      InvalidJsonCase{"Comment", "{/* Secret */}"},
                      InvalidJsonCase{"SingleQuotes", "{'family':'Secret'}"},
                      InvalidJsonCase{"InvalidUtf8", "{\"family\":\"Secret\xC3\x28\"}"},
                      InvalidJsonCase{"LoneSurrogate", R"({"family":"Secret\ud800"})"},
                      InvalidJsonCase{"NaN", R"({"value":NaN})"},
                      InvalidJsonCase{"DeepArrays", nested_arrays(10000)},
                      InvalidJsonCase{"DeepObjects", nested_objects(10000)},
                      InvalidJsonCase{"JustOverDefaultDepth", nested_arrays(65)}),
    [](const ::testing::TestParamInfo<InvalidJsonCase>& info) { return info.param.name; });

TEST(ParseJson, ReportsTheByteOffsetOfTheError) {
  Result<boost::json::value> parsed = parse_json(R"({"a":1,"b":tru})");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().message, "invalid JSON at byte 11: syntax error");
}

TEST(ParseJson, AcceptsTheDefaultDepthExactly) {
  EXPECT_TRUE(parse_json(nested_arrays(64)).has_value());
}

TEST(ParseJson, AppliesACustomDepthLimit) {
  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(parse_json(R"({"a":{"b":[1]}})", limits).has_value());
  Result<boost::json::value> parsed = parse_json(R"({"a":{"b":[[1]]}})", limits);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
}

TEST(ParseJson, RejectsADocumentOverTheSizeLimitBeforeParsing) {
  JsonLimits limits;
  limits.max_bytes = 16;
  std::string text = R"({"family":"Secret-Name"})";
  Result<boost::json::value> parsed = parse_json(text, limits);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(parsed.error().message.find("16 bytes"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("Secret"), std::string::npos);
  limits.max_bytes = text.size();
  EXPECT_TRUE(parse_json(text, limits).has_value());
}

TEST(ParseJsonObject, RejectsOtherTopLevelValues) {
  for (std::string_view text : {"[]", "1", "\"Patient\"", "null", "true"}) {
    Result<boost::json::object> parsed = parse_json_object(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(JsonText, RoundTripsCompactly) {
  std::string text =
      R"({"a":[1,2.5,5.0,-0.0,-0.001,178.69452709041775,1e+300,"é",null,true,false],"b":{},"c":"q\"\\\n\u0001"})";
  Result<boost::json::value> parsed = parse_json(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(to_json_text(*parsed), text);
  Result<boost::json::value> reparsed = parse_json(to_json_text(*parsed));
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_EQ(*reparsed, *parsed) << "numbers keep their kind: 5.0 stays a double";
}

TEST(JsonText, EscapesBetweenRunsOfPlainText) {
  boost::json::value value = {{"text", "d\u00e9but \"cit\u00e9\" \\ fin\tcol\x1f\r\nligne \b\f"},
                              {"", ""}};
  EXPECT_EQ(to_json_text(value),
            R"({"text":"début \"cité\" \\ fin\tcol\u001f\r\nligne \b\f","":""})");
  Result<boost::json::value> reparsed = parse_json(to_json_text(value));
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_EQ(*reparsed, value);
}

TEST(JsonText, IndentsWithTwoSpaces) {
  Result<boost::json::value> parsed = parse_json(R"({"a":[1,{"b":"x\"y"}],"c":{},"d":[]})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(to_pretty_json_text(*parsed),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {\n"
            "      \"b\": \"x\\\"y\"\n"
            "    }\n"
            "  ],\n"
            "  \"c\": {},\n"
            "  \"d\": []\n"
            "}");
  Result<boost::json::value> reparsed = parse_json(to_pretty_json_text(*parsed));
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_EQ(*reparsed, *parsed);
}

// FHIR decimals are significant as written: 1.50 is not 1.5 for a lab value.
TEST(JsonNumbers, KeepTheirExactTextThroughParseAndBothSerialisations) {
  for (std::string_view number :
       {"1.50", "0.10", "-0", "-0.000", "1e2", "1E+2", "2.50e-3", "100.000",
        "1.0000000000000000001", "12345678901234567890123", "999906e00001595", "1e-400", "0", "-7",
        "1.5", "5.0", "18446744073709551615", "-9223372036854775808", "178.69452709041775"}) {
    const std::string text = fmt::format(R"({{"value":{},"list":[{}]}})", number, number);
    Result<boost::json::value> parsed = parse_json(text);
    ASSERT_TRUE(parsed.has_value()) << number;
    EXPECT_EQ(to_json_text(*parsed), text);
    EXPECT_NE(to_pretty_json_text(*parsed).find(fmt::format("\"value\": {},", number)),
              std::string::npos)
        << number;
    const boost::json::value& value = parsed->at("value");
    EXPECT_EQ(json_number_text(value), std::optional<std::string>(number));
    EXPECT_TRUE(is_json_number(value)) << number;
    EXPECT_EQ(json_string(value), nullptr) << number << " is a number, not a string";
    Result<boost::json::value> reparsed = parse_json(to_json_text(*parsed));
    ASSERT_TRUE(reparsed.has_value());
    EXPECT_EQ(*reparsed, *parsed);
  }
}

TEST(JsonNumbers, AreDifferentValuesWhenWrittenDifferently) {
  Result<boost::json::value> written_with_zero = parse_json("1.50");
  Result<boost::json::value> written_without = parse_json("1.5");
  ASSERT_TRUE(written_with_zero.has_value() && written_without.has_value());
  EXPECT_NE(*written_with_zero, *written_without);
}

TEST(JsonNumbers, ACanonicalNumberStaysANativeBoostNumber) {
  Result<boost::json::value> parsed = parse_json(R"([2, -3, 1.5, 5.0, 18446744073709551615])");
  ASSERT_TRUE(parsed.has_value());
  const boost::json::array& numbers = parsed->as_array();
  EXPECT_EQ(numbers[0], boost::json::value(2));
  EXPECT_EQ(numbers[1], boost::json::value(-3));
  EXPECT_EQ(numbers[2], boost::json::value(1.5));
  EXPECT_EQ(numbers[3], boost::json::value(5.0));
  EXPECT_EQ(numbers[4], boost::json::value(uint64_t{18446744073709551615U}));
}

TEST(JsonNumbers, BuiltFromTextAreWhatTheParserMakes) {
  for (std::string_view number : {"1.50", "2", "1.5", "-0", "1e400"}) {
    std::optional<boost::json::value> built = json_number(number);
    ASSERT_TRUE(built.has_value()) << number;
    EXPECT_EQ(*built, *parse_json(number)) << number;
  }
  for (std::string_view not_a_number :
       {"", "01", "1.", ".5", "+1", "1e", "0x10", "1.5 ", "NaN", "Infinity", "\"1.5\"", "1,5"}) {
    EXPECT_FALSE(json_number(not_a_number).has_value()) << not_a_number;
  }
}

TEST(JsonNumbers, NumbersBuiltInCodeHaveTheirSerialisedText) {
  EXPECT_EQ(json_number_text(boost::json::value(42)), std::optional<std::string>("42"));
  EXPECT_EQ(json_number_text(boost::json::value(uint64_t{7})), std::optional<std::string>("7"));
  EXPECT_EQ(json_number_text(boost::json::value(5.0)), std::optional<std::string>("5.0"));
  EXPECT_EQ(json_number_text(boost::json::value(0.1)), std::optional<std::string>("0.1"));
  EXPECT_EQ(json_number_text(boost::json::value("1.5")), std::nullopt);
  EXPECT_EQ(json_number_text(boost::json::value(true)), std::nullopt);
  EXPECT_EQ(json_number_text(boost::json::value(nullptr)), std::nullopt);
}

// An attack on the representation: no string of a document may come out as a number.
TEST(JsonNumbers, AStringIsNeverTakenForANumber) {
  for (std::string_view text :
       {R"({"value":"1.50"})", R"({"value":"\u00ff1.50"})", R"({"value":"ÿ1.50"})",
        R"({"value":"\uffff1.50"})", R"({"value":"\u00001.50"})", R"({"value":"1e999999"})"}) {
    Result<boost::json::value> parsed = parse_json(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    const boost::json::value& value = parsed->at("value");
    EXPECT_NE(json_string(value), nullptr) << text;
    EXPECT_FALSE(is_json_number(value)) << text;
    EXPECT_EQ(json_number_text(value), std::nullopt) << text;
    Result<boost::json::value> reparsed = parse_json(to_json_text(*parsed));
    ASSERT_TRUE(reparsed.has_value()) << text;
    EXPECT_EQ(*reparsed, *parsed) << text;
  }
  // The raw byte that marks a number kept as text is not UTF-8: the parser refuses it.
  EXPECT_FALSE(parse_json("{\"value\":\"\xFF"
                          "1.50\"}")
                   .has_value());
  EXPECT_FALSE(parse_json("{\"\xFF"
                          "1\":2}")
                   .has_value());
}

TEST(VerifiedJsonText, IsTheCompactTextOfAValueThatReadsBack) {
  Result<boost::json::object> parsed =
      parse_json_object(R"({"resourceType":"Observation","valueQuantity":{"value":1.50}})");
  ASSERT_TRUE(parsed.has_value());
  Result<std::string> text = to_verified_json_text(*parsed);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  EXPECT_EQ(*text, to_json_text(*parsed));
}

TEST(VerifiedJsonText, RefusesWhatWouldNotReadBackEqual) {
  boost::json::object not_utf8{{"family", "Dur\xC3\x28nd"}};
  boost::json::object not_finite{{"value", std::numeric_limits<double>::infinity()}};
  boost::json::object forged_number{{"value",
                                     "\xFF"
                                     "1.5"}};
  boost::json::value too_deep = boost::json::array();
  for (int level = 0; level < 70; ++level) {
    too_deep = boost::json::array{too_deep};
  }
  boost::json::object deep{{"a", too_deep}};
  for (const boost::json::object* object : {&not_utf8, &not_finite, &forged_number, &deep}) {
    Result<std::string> text = to_verified_json_text(*object);
    ASSERT_FALSE(text.has_value());
    EXPECT_EQ(text.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(text.error().message.find("Dur"), std::string::npos) << text.error().message;
  }
}

}  // namespace
}  // namespace vigie::fhir
