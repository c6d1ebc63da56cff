// Tests for driftwatch/adapters/detail/json_reader.hpp: the strict JSON reader
// the Alertmanager bridge parses network input with (nlohmann-json's parser
// plus our limits). Accepts RFC 8259 documents (escapes, surrogate pairs,
// numbers) and rejects, with the byte offset for syntax errors, everything
// RFC 8259 does not allow plus what we refuse on purpose (duplicate keys,
// out-of-range numbers, input past the size/depth bounds).
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
  REQUIRE(v.size() == 5);
  REQUIRE(v.contains("a"));
  const json_value& a = v["a"];
  REQUIRE(a.is_array());
  REQUIRE(a.size() == 7);
  CHECK(a[0].get<double>() == 1);
  CHECK(a[1].get<double>() == -2.5);
  CHECK(a[2].get<double>() == 300);
  CHECK(a[5].get<double>() == 0.01);
  CHECK(a[6].get<double>() == 0.125);
  const json_value& b = v["b"];
  CHECK(b["t"].is_boolean());
  CHECK(b["t"].get<bool>());
  CHECK_FALSE(b["f"].get<bool>());
  CHECK(b["n"].is_null());
  CHECK(v["s"].get<std::string>() == "x");
  CHECK(v["e"].is_object());
  CHECK(v["e"].empty());
  CHECK(v["l"].empty());
  CHECK(v.find("missing") == v.end());
  CHECK(parse_json("42").get<double>() == 42);
  CHECK(parse_json("\"top\"").get<std::string>() == "top");
  CHECK(parse_json("null").is_null());
  // RFC 8259 lets a parser skip a UTF-8 byte order mark; nlohmann-json does.
  CHECK(parse_json("\xEF\xBB\xBF[1]").size() == 1);
}

TEST_CASE("json_reader decodes string escapes and surrogate pairs to UTF-8") {
  auto str = [](const char* text) { return parse_json(text).get<std::string>(); };
  CHECK(str(R"("q\" b\\ s\/ \b\f\n\r\t")") == "q\" b\\ s/ \b\f\n\r\t");
  CHECK(str(R"("\u0041\u00e9\u20AC")") == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(str(R"("\u0000")") == std::string(1, '\0'));
  // U+1F600 as a surrogate pair, and as raw UTF-8.
  CHECK(str(R"("\uD83D\uDE00")") == "\xF0\x9F\x98\x80");
  CHECK(str("\"\xF0\x9F\x98\x80\"") == "\xF0\x9F\x98\x80");
  CHECK(str(R"("\udbff\udfff")") == "\xF4\x8F\xBF\xBF");  // U+10FFFF
}

TEST_CASE("json_reader rejects malformed documents with the byte offset") {
  struct bad_case {
    const char* text;
    const char* message;
  };
  const bad_case cases[] = {
      {"", "at byte 0: syntax error while parsing value - unexpected end of input"},
      {"   ", "unexpected end of input"},
      {"{", "expected string literal"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\":1,}", "expected string literal"},
      {"[1,]", "unexpected ']'"},
      {"[1 2]", "expected ']'"},
      {"{\"a\":1 \"b\":2}", "expected '}'"},
      {"{'a':1}", "expected string literal"},
      {"[1] x", "at byte 4: syntax error while parsing value - invalid literal; expected end of input"},
      {"tru", "invalid literal"},
      {"nul", "invalid literal"},
      {"True", "invalid literal"},
      {"NaN", "invalid literal"},
      {"Infinity", "invalid literal"},
      {"-Infinity", "expected digit after '-'"},
      {"01", "at byte 1: syntax error while parsing value - unexpected number literal"},
      {"-01", "at byte 2: syntax error while parsing value - unexpected number literal"},
      {"+1", "invalid literal"},
      {".5", "invalid literal"},
      {"5.", "expected digit after '.'"},
      {"1e", "digit after exponent"},
      {"1e+", "expected digit after exponent sign"},
      {"1e999", "out of the range of a double"},
      {"-1e999", "out of the range of a double"},
      {"1e-999", "out of the range of a double"},
      {"[1,1e400]", "out of the range of a double"},
      {"\"abc", "missing closing quote"},
      {"\"a\\", "forbidden character after backslash"},
      {"\"\\x\"", "forbidden character after backslash"},
      {"\"\\u12\"", "4 hex digits"},
      {"\"\\u12G4\"", "4 hex digits"},
      {"\"\\uD83D\"", "must be followed by U+DC00..U+DFFF"},
      {"\"\\uD83Dx\"", "must be followed by U+DC00..U+DFFF"},
      {"\"\\uD83D\\u0041\"", "must be followed by U+DC00..U+DFFF"},
      {"\"\\uDE00\"", "must follow U+D800..U+DBFF"},
      {"\"tab\there\"", "control character U+0009 (HT) must be escaped"},
      {"\"new\nline\"", "control character U+000A (LF) must be escaped"},
      {"\"\xC3\"", "ill-formed UTF-8 byte"},
      {"\"\xC0\xAF\"", "ill-formed UTF-8 byte"},          // overlong '/'
      {"\"\xED\xA0\x80\"", "ill-formed UTF-8 byte"},      // encoded surrogate
      {"\"\xF4\x90\x80\x80\"", "ill-formed UTF-8 byte"},  // above U+10FFFF
      {"\"\xFF\"", "ill-formed UTF-8 byte"},
      {"{\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"a\""},
      {"/* c */ 1", "invalid literal"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK_THROWS_AS(parse_json(c.text), driftwatch::error);
    CHECK_THROWS_WITH(parse_json(c.text), contains(c.message));
    // The message never echoes the input: it may go back to the client.
    try {
      parse_json(c.text);
    } catch (const driftwatch::error& e) {
      CHECK_THAT(e.what(), !contains("last read"));
    }
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
  CHECK_THROWS_WITH(parse_json("[1,2,3,4]", limits), contains("input is 9 bytes, more than the limit of 8"));
}

TEST_CASE("json_reader: many keys cost a sort, and duplicates among them are found") {
  std::string many = "{";
  for (int i = 0; i < 20000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  CHECK(parse_json(many + "}").size() == 20000);
  CHECK_THROWS_WITH(parse_json(many + ",\"k12345\":0}"), contains("duplicate key \"k12345\""));
}
