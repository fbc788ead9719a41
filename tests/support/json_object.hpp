#pragma once

#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

namespace vigie::testing {

// A test's own JSON literal as an object (throws on anything else: a bug in the test).
inline boost::json::object parse_object(std::string_view text) {
  return boost::json::parse(text).as_object();
}

}  // namespace vigie::testing
