#include "daemon/handover.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace lvsd::daemon {
namespace {

TEST(Handover, EncodeDecodeRoundTrip) {
  const HandoverState state{.pid = 4242, .written_at_ms = 1'700'000'000'123, .master_instances = {"VI_1", "VI_web"},
                            .started_at_ms = 1'699'999'000'000,
                            .disabled_virtual_servers = {"UDP 10.0.0.1:53"},
                            .drains = {{.virtual_server = "TCP 10.0.0.1:80", .real_server = "10.0.0.2:80",
                                        .deadline_unix_ms = 1'700'000'300'000},
                                       {.virtual_server = "FWM 5", .real_server = "10.0.0.3:0", .drained = true}},
                            .vrrp_config = "vrrp_instances:\n  - name: VI_1\n"};
  auto decoded = decode_handover(encode_handover(state));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, state);
}

TEST(Handover, MalformedTextIsAnError) {
  EXPECT_FALSE(decode_handover("").ok());
  EXPECT_FALSE(decode_handover("{\"version\":1").ok());
  EXPECT_FALSE(decode_handover("[]").ok());
  EXPECT_FALSE(decode_handover(R"({"version":2,"pid":1,"written_at_ms":1,"master_instances":[]})").ok());
  EXPECT_FALSE(decode_handover(R"({"version":1,"pid":"1","written_at_ms":1,"master_instances":[]})").ok());
  EXPECT_FALSE(decode_handover(R"({"version":1,"pid":1,"written_at_ms":1,"master_instances":[3]})").ok());
  EXPECT_FALSE(decode_handover(R"({"version":1,"pid":1,"master_instances":[]})").ok());
  EXPECT_FALSE(decode_handover(R"({"version":1,"pid":1,"written_at_ms":1,"master_instances":[],"drains":[{}]})").ok());
  EXPECT_FALSE(
      decode_handover(R"({"version":1,"pid":1,"written_at_ms":1,"master_instances":[],"disabled_virtual_servers":[1]})")
          .ok());
  EXPECT_FALSE(decode_handover(R"({"version":1,"pid":1,"written_at_ms":1,"master_instances":[],"vrrp_config":5})").ok());
}

TEST(Handover, AppliesOnlyToTheSameProcessAndWhenFresh) {
  const HandoverState state{.pid = 100, .written_at_ms = 10'000, .master_instances = {"VI_1"}};
  EXPECT_TRUE(handover_applies(state, 100, 10'500));
  EXPECT_FALSE(handover_applies(state, 101, 10'500)) << "another pid: a stale file of an earlier lvsd";
  EXPECT_FALSE(handover_applies(state, 100, 10'000 + 31'000)) << "too old";
  EXPECT_FALSE(handover_applies(state, 100, 9'000)) << "from the future";
}

TEST(Handover, WriteThenTakeRemovesTheFile) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/lvsd-handover-test-" + std::to_string(::getpid());
  const HandoverState state{.pid = ::getpid(), .written_at_ms = 5, .master_instances = {"a"}};
  ASSERT_TRUE(write_handover(path, state).ok());
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto taken = take_handover(path);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_EQ(*taken, state);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(take_handover(path).ok()) << "a second take finds nothing";
}

}  // namespace
}  // namespace lvsd::daemon
