#include "core/sparse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lvsd::core {
namespace {

struct Rare {
  int number = 0;
  std::vector<std::string> names{};
  bool operator==(const Rare&) const = default;
};

TEST(Sparse, ReadsItsDefaultWithoutABlock) {
  const Sparse<Rare> none;
  EXPECT_FALSE(none.allocated());
  EXPECT_EQ(none->number, 0);
  EXPECT_TRUE(none->names.empty());
  EXPECT_EQ(*none, Rare{});
  EXPECT_EQ(sizeof(Sparse<Rare>), sizeof(void*));
}

TEST(Sparse, AllocatesOnlyForAValueOtherThanTheDefault) {
  Sparse<Rare> s = Rare{};
  EXPECT_FALSE(s.allocated());
  s = Rare{.number = 3};
  EXPECT_TRUE(s.allocated());
  EXPECT_EQ(s->number, 3);
  s = Rare{};  // back to the default: the block is freed
  EXPECT_FALSE(s.allocated());
  s.edit().names.push_back("x");
  EXPECT_TRUE(s.allocated());
  EXPECT_EQ(s->names, std::vector<std::string>{"x"});
}

TEST(Sparse, CopiesAreDeepAndCompareByValue) {
  Sparse<Rare> a = Rare{.number = 1, .names = {"a"}};
  Sparse<Rare> b = a;
  b.edit().names.push_back("b");
  EXPECT_EQ(a->names.size(), 1u);
  EXPECT_NE(a, b);
  b = a;
  EXPECT_EQ(a, b);
  // An edited block that holds the default equals no block at all.
  Sparse<Rare> edited;
  edited.edit();
  EXPECT_EQ(edited, Sparse<Rare>{});
  Sparse<Rare> moved = std::move(a);
  EXPECT_EQ(moved->number, 1);
}

}  // namespace
}  // namespace lvsd::core
