#include "fhir/json.hpp"

#include <string>

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

}  // namespace
}  // namespace vigie::fhir
