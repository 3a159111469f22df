#include "core/optional_text.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace lvsd::core {
namespace {

TEST(OptionalText, ReadsLikeAnOptionalString) {
  OptionalText none;
  EXPECT_FALSE(none.has_value());
  EXPECT_FALSE(none);
  EXPECT_EQ(none, std::nullopt);
  EXPECT_EQ(none.value_or("fallback"), "fallback");
  EXPECT_THROW((void)none.value(), std::bad_optional_access);
  OptionalText text = std::string("/bin/true up");
  EXPECT_TRUE(text);
  EXPECT_EQ(*text, "/bin/true up");
  EXPECT_EQ(text->size(), 12u);
  EXPECT_EQ(text, std::string_view("/bin/true up"));
  EXPECT_EQ(text.get(), std::optional<std::string>("/bin/true up"));
  text = std::nullopt;
  EXPECT_FALSE(text);
  EXPECT_EQ(sizeof(OptionalText), sizeof(void*));
}

TEST(OptionalText, CopiesAreIndependentAndCompareByText) {
  OptionalText a = "x";
  OptionalText b = a;
  *b = "y";
  EXPECT_EQ(*a, "x");
  EXPECT_NE(a, b);
  b = a;
  EXPECT_EQ(a, b);
  OptionalText empty_text = "";
  EXPECT_NE(empty_text, OptionalText{});  // set to "" is not unset
  EXPECT_EQ(OptionalText{}, OptionalText{});
}

}  // namespace
}  // namespace lvsd::core
