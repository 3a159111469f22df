// The daemon's side of keepalived's master keywords: the resolved settings an
// instance runs with (strict mode, defaults), which instances write
// MASTER_PRIORITY lines (notify_priority_changes: instance, else sync group,
// else global) and the MASTER_RX_LOWER_PRI FIFO line.
#include <gtest/gtest.h>

#include "daemon/fifo_lines.hpp"
#include "daemon/vrrp_config.hpp"

namespace lvsd::daemon {
namespace {

using std::chrono::seconds;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

conf::VrrpInstance instance(const char* name) {
  conf::VrrpInstance in{.name = name, .interface = "eth0", .virtual_router_id = 51};
  in.virtual_ipaddress.push_back(conf::VirtualIpAddress{.prefix = {ip("10.0.0.100"), 32}});
  return in;
}

vrrp::InstanceConfig resolved(const conf::VrrpInstance& in, const conf::Global& global = {}) {
  return vrrp_instance_config(in, [](const std::string&) { return 1; }, ip("10.0.0.1"), {}, {}, {}, {}, {}, global)
      .value();
}

TEST(VrrpMasterSettings, KeepalivedDefaults) {
  const vrrp::InstanceConfig c = resolved(instance("VI_1"));
  EXPECT_FALSE(c.lower_prio_no_advert);
  EXPECT_FALSE(c.higher_prio_send_advert);
  EXPECT_EQ(c.garp_lower_prio_repeat, 5u);
  EXPECT_EQ(c.garp_lower_prio_delay, seconds(5));
  EXPECT_EQ(c.down_timer_adverts, 3);
}

TEST(VrrpMasterSettings, FollowTheInstanceAndStrictMode) {
  conf::VrrpInstance in = instance("VI_1");
  in.garp_master_repeat = 2;
  in.garp_master_delay = seconds(0);
  in.down_timer_adverts = 7;
  in.higher_prio_send_advert = true;
  vrrp::InstanceConfig c = resolved(in);
  EXPECT_EQ(c.garp_lower_prio_repeat, 2u);
  EXPECT_EQ(c.garp_lower_prio_delay, seconds(0));
  EXPECT_EQ(c.down_timer_adverts, 7);
  EXPECT_TRUE(c.higher_prio_send_advert);
  conf::VrrpInstance strict = instance("VI_1");
  c = resolved(strict, conf::Global{.vrrp_strict = true});
  EXPECT_TRUE(c.lower_prio_no_advert);
  EXPECT_EQ(c.garp_lower_prio_repeat, 0u);
  EXPECT_EQ(c.garp_lower_prio_delay, seconds(0));
}

TEST(VrrpMasterSettings, NotifyPriorityChangesInstanceThenGroupThenGlobal) {
  conf::Config config;
  config.vrrp_instances = {instance("VI_1"), instance("VI_2"), instance("VI_3")};
  config.vrrp_instances[1].notify.priority_changes = false;
  config.vrrp_sync_groups.push_back(conf::VrrpSyncGroup{.name = "G", .group = {"VI_1", "VI_2"}});
  config.vrrp_sync_groups[0].notify.priority_changes = true;
  config.global.vrrp_notify_priority_changes = false;
  EXPECT_TRUE(vrrp_notify_priority_changes(config.vrrp_instances[0], config));   // the group's
  EXPECT_FALSE(vrrp_notify_priority_changes(config.vrrp_instances[1], config));  // its own
  EXPECT_FALSE(vrrp_notify_priority_changes(config.vrrp_instances[2], config));  // the global
  config.global.vrrp_notify_priority_changes = true;
  EXPECT_TRUE(vrrp_notify_priority_changes(config.vrrp_instances[2], config));
}

TEST(VrrpMasterSettings, RxLowerLineAsKeepalivedWritesIt) {
  // Measured (keepalived 2.2.7, vrrp_notify_fifo, two lower adverts heard): one line each.
  EXPECT_EQ(vrrp_rx_lower_line("VI_1", 200), "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 200\n");
}

TEST(VrrpMasterSettings, TheScriptComesWithTheNotifyConfig) {
  conf::NotifyScripts scripts;
  scripts.master_rx_lower_pri = "/usr/local/bin/reclaim.sh eth0";
  EXPECT_EQ(vrrp_notify_config(scripts, conf::Global{}).master_rx_lower_pri, "/usr/local/bin/reclaim.sh eth0");
}

}  // namespace
}  // namespace lvsd::daemon
