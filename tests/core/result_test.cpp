#include "core/result.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace lvsd::core {
namespace {

Result<int> parse_port(const std::string& s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
    return Error{"not a port: '" + s + "'"};
  int v = std::stoi(s);
  if (v > 65535) return Error{"port out of range: " + s};
  return v;
}

TEST(Result, HoldsValueOrError) {
  auto ok = parse_port("80");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 80);
  auto bad = parse_port("http");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "not a port: 'http'");
}

TEST(Result, ContextIsPrepended) {
  Error e = errno_error("open", ENOENT).context("reading /etc/lvsd.yaml");
  EXPECT_EQ(e.message, "reading /etc/lvsd.yaml: open: No such file or directory");
}

TEST(Result, VoidStatus) {
  Status good;
  EXPECT_TRUE(good.ok());
  Status bad = Error{"boom"};
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "boom");
}

}  // namespace
}  // namespace lvsd::core
