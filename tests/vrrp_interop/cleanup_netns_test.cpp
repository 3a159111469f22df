// netns tier: `lvsd --cleanup` after a crash. Host a is the master that
// "crashed": its VIP is still on eth0 and nothing sends adverts. Host b runs
// a real keepalived 2.2.7 BACKUP with a long advert_int, so it would take
// 15+ s to take over by timeout. The priority-0 advert sent by cleanup makes
// it take over within Skew_Time (RFC 3768 6.4.2 / RFC 5798 6.4.2) and the
// VIP leaves a. A second run finds nothing and does nothing, quietly.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/log.hpp"
#include "daemon/cleanup.hpp"
#include "tests/vrrp_interop/harness.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::interop {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

// Captures what the process logger prints while it lives.
class LogCapture {
 public:
  std::vector<std::string> lines() const { return capture_.lines(); }

 private:
  core::log::Capture capture_{core::log::Level::trace, 256};
};

struct CleanupCase {
  int subnet;
  int version;
  bool unicast;
};

void crash_then_cleanup(const CleanupCase& c) {
  PairTopology pair(c.subnet);
  const std::string a_addr = pair.a->address(), b_addr = pair.b->address();
  RouterSpec master{.initial_master = true,
                    .priority = 100,
                    .vrid = 60,
                    .version = c.version,
                    .advert_int = milliseconds(5000),
                    .pass = c.version == 2 ? "secret" : "",
                    .vips = {pair.vip + "/32"}};
  RouterSpec backup = master;
  backup.initial_master = false;
  backup.priority = 50;
  if (c.unicast) {
    master.unicast_src = a_addr;
    master.unicast_peers = {b_addr};
    backup.unicast_src = b_addr;
    backup.unicast_peers = {a_addr};
  }
  // What the crashed lvsd left behind.
  ASSERT_EQ(pair.a->run("ip addr add " + pair.vip + "/32 dev eth0").exit_code, 0);
  Router keepalived(*pair.b, Implementation::kKeepalived, backup);
  keepalived.start();
  ASSERT_TRUE(keepalived.wait_for_state("BACKUP", milliseconds(5000))) << keepalived.log();

  auto probe_a = VipProbe::open(*pair.a);
  auto probe_b = VipProbe::open(*pair.b);
  ASSERT_TRUE(probe_a.ok() && probe_b.ok());
  const core::IpAddress vip = ip(pair.vip);
  ASSERT_TRUE(probe_a->holds(vip));
  ASSERT_FALSE(probe_b->holds(vip));

  const std::string config = write_temp_file("cleanup", lvsd_yaml(master));
  const daemon::CleanupOptions options{.ownership_path = config + ".owned"};
  const auto t0 = Clock::now();
  const int rc = in_netns(*pair.a, [&] { return daemon::run_cleanup_file(config, options); });
  EXPECT_EQ(rc, 0);
  EXPECT_FALSE(probe_a->holds(vip)) << pair.a->run("ip addr").output;

  const auto skew = vrrp::skew_time(c.version == 2 ? vrrp::Version::kV2 : vrrp::Version::kV3, 50,
                                    std::chrono::duration_cast<vrrp::Centiseconds>(master.advert_int));
  const auto bound = std::chrono::duration_cast<milliseconds>(skew) + milliseconds(100);
  ASSERT_TRUE(test::wait_until([&] { return probe_b->holds(vip); }, milliseconds(5000), milliseconds(5)))
      << keepalived.log();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  EXPECT_LE(took, bound) << "backup took over after " << took.count() << " ms; Skew_Time + 100 ms is "
                         << bound.count() << " ms\n"
                         << keepalived.log();
  EXPECT_FALSE(probe_a->holds(vip));

  // After a clean stop (or a second run) there is nothing to do: no change, nothing logged at info.
  const core::log::Capture at_info(core::log::Level::info);  // message texts only: the level picks them
  EXPECT_EQ(in_netns(*pair.a, [&] { return daemon::run_cleanup_file(config, options); }), 0);
  EXPECT_EQ(at_info.lines(), std::vector<std::string>{});
  EXPECT_FALSE(probe_a->holds(vip));
  EXPECT_TRUE(probe_b->holds(vip));
  EXPECT_TRUE(keepalived.running());
  ::unlink(config.c_str());
}

TEST(CleanupNetns, V2PassMulticastBackupTakesOverWithinSkewTime) {
  crash_then_cleanup({.subnet = 171, .version = 2, .unicast = false});
}

TEST(CleanupNetns, V3UnicastBackupTakesOverWithinSkewTime) {
  crash_then_cleanup({.subnet = 172, .version = 3, .unicast = true});
}

TEST(CleanupNetns, FlushOnStopWithoutIpvsIsSkipped) {
  // The host kernel has no IPVS: cleanup says so and succeeds; the ownership file stays.
  test::Topology topo;
  auto& a = topo.add_host("a", "10.173.0.1/24");
  const std::string config = write_temp_file(
      "cleanup-flush",
      "global:\n  lvs_flush_on_stop: true\n" +
          lvsd_yaml({.initial_master = true, .vrid = 61, .vips = {"10.173.0.100/32"}}));
  const std::string owned = config + ".owned";
  {
    std::ofstream(owned) << "# lvsd ipvs ownership v1\nTCP 10.173.0.100:80\n";
  }
  LogCapture capture;
  EXPECT_EQ(in_netns(a, [&] { return daemon::run_cleanup_file(config, {.ownership_path = owned}); }), 0);
  bool said_so = false;
  for (const auto& line : capture.lines()) said_so = said_so || line.find("IPVS is not available") != std::string::npos;
  if (test::run_command("test -d /proc/net/ip_vs || grep -q ip_vs /proc/modules").exit_code != 0) {
    EXPECT_TRUE(said_so);
  }
  ::unlink(owned.c_str());
  ::unlink(config.c_str());
}

TEST(CleanupNetns, InvalidConfigFailsAndTouchesNothing) {
  test::Topology topo;
  auto& a = topo.add_host("a", "10.174.0.1/24");
  ASSERT_EQ(a.run("ip addr add 10.174.0.100/32 dev eth0").exit_code, 0);
  const std::string config = write_temp_file("cleanup-bad", "vrrp_instances:\n  - name: VI_1\n    priority: 900\n");
  EXPECT_EQ(in_netns(a, [&] { return daemon::run_cleanup_file(config, {.ownership_path = config + ".owned"}); }), 1);
  EXPECT_NE(a.run("ip -o addr show dev eth0").output.find("10.174.0.100/32"), std::string::npos);
  ::unlink(config.c_str());
}

}  // namespace
}  // namespace lvsd::interop
