// Tests for driftwatch/adapters/detail/json_reader.hpp: the strict JSON reader
// the Alertmanager bridge parses network input with. Accepts RFC 8259
// documents (escapes, surrogate pairs, numbers) and rejects, with the byte
// offset, everything RFC 8259 does not allow plus what we refuse on purpose
// (duplicate keys, out-of-range numbers, input past the size/depth bounds).
#include <driftwatch/adapters/detail/json_reader.hpp>

#include <string>

#include "test_support.hpp"

using driftwatch::detail::json_limits;
using driftwatch::detail::json_value;
using driftwatch::detail::parse_json;
using driftwatch_test::contains;

TEST_CASE("json_reader parses every kind of value") {
  const json_value v = parse_json(
      " {\"a\": [1, -2.5, 3e2, 0, -0, 1E-2, 0.125], \"b\": {\"t\": true, \"f\": false, \"n\": null},"
      " \"s\": \"x\", \"e\": {}, \"l\": []}\r\n\t");
  REQUIRE(v.is_object());
  REQUIRE(v.object.size() == 5);
  CHECK(v.object[0].first == "a");  // input order kept
  const json_value* a = v.find("a");
  REQUIRE(a != nullptr);
  REQUIRE(a->is_array());
  REQUIRE(a->array.size() == 7);
  CHECK(a->array[0].number == 1);
  CHECK(a->array[1].number == -2.5);
  CHECK(a->array[2].number == 300);
  CHECK(a->array[5].number == 0.01);
  CHECK(a->array[6].number == 0.125);
  const json_value* b = v.find("b");
  REQUIRE(b != nullptr);
  CHECK(b->find("t")->is_bool());
  CHECK(b->find("t")->boolean);
  CHECK_FALSE(b->find("f")->boolean);
  CHECK(b->find("n")->is_null());
  CHECK(v.find("s")->string == "x");
  CHECK(v.find("e")->is_object());
  CHECK(v.find("e")->object.empty());
  CHECK(v.find("l")->array.empty());
  CHECK(v.find("missing") == nullptr);
  CHECK(a->find("x") == nullptr);  // not an object
  CHECK(parse_json("42").number == 42);
  CHECK(parse_json("\"top\"").string == "top");
  CHECK(parse_json("null").is_null());
}

TEST_CASE("json_reader decodes string escapes and surrogate pairs to UTF-8") {
  CHECK(parse_json(R"("q\" b\\ s\/ \b\f\n\r\t")").string == "q\" b\\ s/ \b\f\n\r\t");
  CHECK(parse_json(R"("\u0041\u00e9\u20AC")").string == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(parse_json(R"("\u0000")").string == std::string(1, '\0'));
  // U+1F600 as a surrogate pair, and as raw UTF-8.
  CHECK(parse_json(R"("\uD83D\uDE00")").string == "\xF0\x9F\x98\x80");
  CHECK(parse_json("\"\xF0\x9F\x98\x80\"").string == "\xF0\x9F\x98\x80");
  CHECK(parse_json(R"("\udbff\udfff")").string == "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST_CASE("json_reader rejects malformed documents with the byte offset") {
  struct bad_case {
    const char* text;
    const char* message;
  };
  const bad_case cases[] = {
      {"", "at byte 0: unexpected end of input"},
      {"   ", "unexpected end of input"},
      {"{", "expected a string key"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\":1,}", "expected a string key"},
      {"[1,]", "unexpected character"},
      {"[1 2]", "expected ',' or ']'"},
      {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
      {"{'a':1}", "expected a string key"},
      {"[1] x", "at byte 4: unexpected content after the JSON value"},
      {"tru", "invalid literal"},
      {"nul", "invalid literal"},
      {"True", "unexpected character"},
      {"NaN", "unexpected character"},
      {"Infinity", "unexpected character"},
      {"-Infinity", "expected a digit"},
      {"01", "leading zero"},
      {"-01", "leading zero"},
      {"+1", "unexpected character"},
      {".5", "unexpected character"},
      {"5.", "expected a digit after the decimal point"},
      {"1e", "expected a digit in the exponent"},
      {"1e+", "expected a digit in the exponent"},
      {"1e999", "out of the range"},
      {"-1e999", "out of the range"},
      {"\"abc", "unterminated string"},
      {"\"a\\", "unterminated escape"},
      {"\"\\x\"", "invalid escape"},
      {"\"\\u12\"", "hex digit"},
      {"\"\\u12G4\"", "hex digit"},
      {"\"\\uD83D\"", "high surrogate not followed"},
      {"\"\\uD83Dx\"", "high surrogate not followed"},
      {"\"\\uD83D\\u0041\"", "high surrogate not followed"},
      {"\"\\uDE00\"", "lone low surrogate"},
      {"\"tab\there\"", "raw control character"},
      {"\"new\nline\"", "raw control character"},
      {"\"\xC3\"", "invalid UTF-8"},
      {"\"\xC0\xAF\"", "invalid UTF-8"},          // overlong '/'
      {"\"\xED\xA0\x80\"", "invalid UTF-8"},      // encoded surrogate
      {"\"\xF4\x90\x80\x80\"", "invalid UTF-8"},  // above U+10FFFF
      {"\"\xFF\"", "invalid UTF-8"},
      {"{\"a\":1,\"b\":2,\"a\":3}", "at byte 0: duplicate key \"a\""},
      {"/* c */ 1", "unexpected character"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK_THROWS_AS(parse_json(c.text), driftwatch::error);
    CHECK_THROWS_WITH(parse_json(c.text), contains(c.message));
  }
}

TEST_CASE("json_reader enforces its size and depth limits") {
  json_limits limits;
  limits.max_depth = 3;
  CHECK_NOTHROW(parse_json("[[[1]]]", limits));
  CHECK_NOTHROW(parse_json("{\"a\":{\"b\":[]}}", limits));
  CHECK_THROWS_WITH(parse_json("[[[[1]]]]", limits), contains("nesting deeper than the limit of 3"));
  CHECK_THROWS_WITH(parse_json("{\"a\":{\"b\":{\"c\":[]}}}", limits), contains("nesting deeper"));
  // The default depth bound keeps a hostile document from exhausting the stack.
  const std::string deep(100000, '[');
  CHECK_THROWS_WITH(parse_json(deep), contains("nesting deeper than the limit of 32"));
  limits.max_bytes = 8;
  CHECK_NOTHROW(parse_json("[1,2,3]", limits));
  CHECK_THROWS_WITH(parse_json("[1,2,3,4]", limits), contains("9 bytes, more than the limit of 8"));
}

TEST_CASE("json_reader: many keys cost a sort, and duplicates among them are found") {
  std::string many = "{";
  for (int i = 0; i < 20000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  CHECK(parse_json(many + "}").object.size() == 20000);
  CHECK_THROWS_WITH(parse_json(many + ",\"k12345\":0}"), contains("duplicate key \"k12345\""));
}
