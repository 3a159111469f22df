// ResponseRegex: keepalived's regex, regex_options and offsets over a body.
#include "core/response_regex.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lvsd::core {
namespace {

bool search(std::string_view pattern, std::string_view body, std::size_t min = 0,
            std::optional<std::size_t> max = std::nullopt, std::vector<std::string> options = {}) {
  auto re = ResponseRegex::compile(pattern, options);
  EXPECT_TRUE(re.ok()) << re.error().message;
  if (!re) return false;
  auto matched = re->search(body, min, max);
  EXPECT_TRUE(matched.ok()) << matched.error().message;
  return matched && *matched;
}

TEST(ResponseRegex, MatchesAnywhereWithoutOffsets) {
  EXPECT_TRUE(search("wor", "hello world"));
  EXPECT_TRUE(search("^hello", "hello world"));
  EXPECT_FALSE(search("^world", "hello world"));
  EXPECT_TRUE(search("\\bworld$", "hello world"));
  EXPECT_FALSE(search("HELLO", "hello world"));
}

// The offsets are inclusive start positions in the subject (the response).
TEST(ResponseRegex, TheMatchMustStartBetweenTheOffsetsInclusive) {
  EXPECT_TRUE(search("hello", "hello world", 0, 0));
  EXPECT_FALSE(search("hello", "hello world", 1));
  EXPECT_TRUE(search("world", "hello world", 0, 6));
  EXPECT_FALSE(search("world", "hello world", 0, 5));
  EXPECT_TRUE(search("world", "hello world", 6, 6));
  EXPECT_FALSE(search("world", "hello world", 7));
  // The search starts at min_offset: "l+o w" is found at 3 ("lo w"), not 2.
  EXPECT_TRUE(search("l+o w", "hello world", 3, 3));
  // A lookbehind sees the bytes before min_offset.
  EXPECT_TRUE(search("(?<=o )world", "hello world", 6));
  // The first match from min_offset decides ("o" from 5 is at 7).
  EXPECT_FALSE(search("o", "hello world", 5, 6));
  EXPECT_TRUE(search("o", "hello world", 4, 4));
  // An offset beyond the body: no match.
  EXPECT_FALSE(search("", "abc", 4));
}

// keepalived 2.2.7 (measured) against "HTTP/1.0 200 OK\r\nContent-Length:
// 11\r\n\r\nhello world": "hello" with regex_min_offset 1 passes, with
// regex_max_offset 0 fails, "world" with regex_max_offset 6 fails: the offsets
// count from the response's first byte, and the headers are matched too.
TEST(ResponseRegex, KeepalivedsOffsetsCountFromTheResponsesFirstByte) {
  const std::string response = "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world";
  EXPECT_TRUE(search("hello", response, 1));
  EXPECT_FALSE(search("hello", response, 0, 0));
  EXPECT_FALSE(search("world", response, 0, 6));
  EXPECT_TRUE(search("(?<=o )world", response, 6));
  EXPECT_TRUE(search("Content-Length: 11", response));
}

TEST(ResponseRegex, KeepalivedOptionNamesSetPcre2Options) {
  EXPECT_TRUE(search("HELLO", "hello world", 0, std::nullopt, {"caseless"}));
  EXPECT_TRUE(search("^world", "hello\nworld", 0, std::nullopt, {"multiline"}));
  EXPECT_FALSE(search("^world", "hello\nworld"));
  EXPECT_TRUE(search("h e l l o", "hello", 0, std::nullopt, {"extended"}));
  EXPECT_EQ(regex_option_names().size(), 24u);
  EXPECT_EQ(regex_option_names().front(), "allow_empty_class");
  EXPECT_EQ(regex_option_names().back(), "use_offset_limit");
}

TEST(ResponseRegex, AnInvalidPatternOrOptionSaysWhy) {
  auto bad = ResponseRegex::compile("a(b", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "invalid regex at offset 3: missing closing parenthesis");
  auto option = ResponseRegex::compile("a", std::vector<std::string>{"bogus"});
  ASSERT_FALSE(option.ok());
  EXPECT_EQ(option.error().message, "unknown regex option 'bogus'");
}

}  // namespace
}  // namespace lvsd::core
