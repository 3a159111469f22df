#include "daemon/sync_daemon.hpp"

#include <gtest/gtest.h>

#include "conf/loader.hpp"

namespace lvsd::daemon {
namespace {

using director::SyncDaemonRole;

conf::Config load(const std::string& yaml) {
  auto r = conf::load_yaml(yaml, "t.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : conf::format_error(r.errors.front()));
  return r.config.value_or(conf::Config{});
}

constexpr const char* kInstance = R"(
vrrp_instances:
  - { name: VI_1, state: BACKUP, interface: eth0, virtual_router_id: 51, priority: 50,
      virtual_ipaddress: ["192.168.152.100/24"] }
)";

TEST(SyncDaemon, NoneConfiguredNoneWanted) { EXPECT_TRUE(wanted_sync_daemons(conf::Config{}).empty()); }

TEST(SyncDaemon, FollowsTheInstancesConfiguredState) {
  auto config = load(std::string("global:\n  lvs_sync_daemon: { interface: eth0, vrrp_instance: VI_1, sync_id: 5 }\n") +
                     kInstance);
  auto wanted = wanted_sync_daemons(config);
  ASSERT_EQ(wanted.size(), 1u);
  EXPECT_EQ(wanted[0].role, SyncDaemonRole::kBackup);
  EXPECT_EQ(wanted[0].interface, "eth0");
  EXPECT_EQ(wanted[0].sync_id, 5u);
}

TEST(SyncDaemon, FollowsTheInstancesCurrentRoleWhenVrrpRuns) {
  auto config = load(std::string("global:\n  lvs_sync_daemon: { interface: eth0, vrrp_instance: VI_1, sync_id: 5 }\n") +
                     kInstance);
  auto as_master = wanted_sync_daemons(config, SyncDaemonRole::kMaster);
  ASSERT_EQ(as_master.size(), 1u);
  EXPECT_EQ(as_master[0].role, SyncDaemonRole::kMaster);
  // Becoming master after running as backup: stop the backup, start the master.
  const SyncDaemonPlan plan = plan_sync_daemons(wanted_sync_daemons(config, SyncDaemonRole::kBackup), as_master);
  EXPECT_EQ(plan.stop, std::vector<SyncDaemonRole>{SyncDaemonRole::kBackup});
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].role, SyncDaemonRole::kMaster);
}

TEST(SyncDaemon, WithoutAnInstanceRunsBothRoles) {
  auto config = load("global:\n  lvs_sync_daemon: { interface: eth0 }\n");
  auto wanted = wanted_sync_daemons(config);
  ASSERT_EQ(wanted.size(), 2u);
  EXPECT_EQ(wanted[0].role, SyncDaemonRole::kMaster);
  EXPECT_EQ(wanted[1].role, SyncDaemonRole::kBackup);
}

TEST(SyncDaemon, UnchangedDaemonIsLeftRunningChangedOneRestarted) {
  director::SyncDaemon running{.role = SyncDaemonRole::kMaster, .interface = "eth0", .sync_id = 5};
  running.max_payload = 1472;  // as the kernel reports it
  running.port = 8848;
  running.ttl = 1;
  director::SyncDaemon wanted{.role = SyncDaemonRole::kMaster, .interface = "eth0", .sync_id = 5};
  auto plan = plan_sync_daemons({running}, {wanted});
  EXPECT_TRUE(plan.stop.empty());
  EXPECT_TRUE(plan.start.empty());

  wanted.sync_id = 6;
  plan = plan_sync_daemons({running}, {wanted});
  ASSERT_EQ(plan.stop.size(), 1u);
  ASSERT_EQ(plan.start.size(), 1u);
  EXPECT_EQ(plan.start[0].sync_id, 6u);

  plan = plan_sync_daemons({running}, {});
  EXPECT_EQ(plan.stop, std::vector<SyncDaemonRole>{SyncDaemonRole::kMaster});
  EXPECT_TRUE(plan.start.empty());
}

}  // namespace
}  // namespace lvsd::daemon
