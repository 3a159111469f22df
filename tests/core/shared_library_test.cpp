#include "core/shared_library.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace lvsd::core {
namespace {

TEST(SharedLibrary, BindsWhatTheLibraryHas) {
  auto lib = SharedLibrary::open("libc.so.6");
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  decltype(&::strlen) my_strlen = nullptr;
  ASSERT_TRUE(lib->bind(my_strlen, "strlen"));
  EXPECT_EQ(my_strlen("lvsd"), 4u);
  EXPECT_TRUE(lib->missing().empty());
}

TEST(SharedLibrary, AMissingFunctionIsNamed) {
  auto lib = SharedLibrary::open("libc.so.6");
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  void (*fn)() = nullptr;
  EXPECT_FALSE(lib->bind(fn, "lvsd_no_such_function"));
  EXPECT_EQ(fn, nullptr);
  EXPECT_FALSE(lib->bind(fn, "lvsd_another_missing_one"));
  EXPECT_EQ(lib->missing(), "libc.so.6 has no lvsd_no_such_function");  // the first one
}

TEST(SharedLibrary, AMissingLibraryIsAnErrorWithTheReason) {
  auto lib = SharedLibrary::open("liblvsd-no-such-library.so.9");
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.error().message.find("liblvsd-no-such-library.so.9"), std::string::npos) << lib.error().message;
}

}  // namespace
}  // namespace lvsd::core
