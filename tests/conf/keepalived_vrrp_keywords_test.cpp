// The vrrp_instance / vrrp_sync_group / global_defs keywords of issue 14 that
// map onto the model: notify, mcast_src_ip, preempt, lvs_sync_daemon_interface,
// garp defaults, multicast groups, dont_track_primary, promote_secondaries,
// and strict mode with accept / no_accept. Each is read from keepalived.conf,
// from the YAML, and written back (the import's YAML reads to the same model).
#include <gtest/gtest.h>

#include <string>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

using std::chrono::seconds;

std::string instance(const std::string& extra, const std::string& state = "BACKUP", int priority = 100) {
  return "vrrp_instance VI_1 {\n state " + state + "\n interface eth0\n virtual_router_id 51\n priority " +
         std::to_string(priority) + "\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100\n }\n" + extra + "}\n";
}

TEST(KeepalivedVrrpKeywords, GenericNotifyInInstanceAndSyncGroup) {
  auto r = ka(instance(" notify \"/usr/local/bin/state.sh vip\"\n") +
              "vrrp_sync_group G {\n group {\n  VI_1\n }\n notify /usr/local/bin/group.sh\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.config->vrrp_instances[0].notify.any, "/usr/local/bin/state.sh vip");
  EXPECT_EQ(r.config->vrrp_sync_groups[0].notify.any, "/usr/local/bin/group.sh");
  expect_round_trip(*r.config);
}

TEST(KeepalivedVrrpKeywords, McastSrcIpIsTheSourceAddress) {
  auto r = ka(instance(" mcast_src_ip 10.0.0.1/24\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.config->vrrp_instances[0].unicast_src_ip->to_string(), "10.0.0.1");
  EXPECT_NE(warnings(r).find("prefix"), std::string::npos) << warnings(r);
}

TEST(KeepalivedVrrpKeywords, PreemptUndoesNopreempt) {
  auto a = ka(instance(" nopreempt\n preempt\n"));
  ASSERT_TRUE(a.ok()) << messages(a);
  EXPECT_FALSE(a.config->vrrp_instances[0].nopreempt);
  auto b = ka(instance(" preempt\n nopreempt\n"));
  ASSERT_TRUE(b.ok()) << messages(b);
  EXPECT_TRUE(b.config->vrrp_instances[0].nopreempt);
}

TEST(KeepalivedVrrpKeywords, LvsSyncDaemonInterfaceIsTheGlobalSyncDaemon) {
  auto r = ka(instance(" lvs_sync_daemon_interface eth1\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  ASSERT_TRUE(r.config->global.lvs_sync_daemon);
  EXPECT_EQ(r.config->global.lvs_sync_daemon->interface, "eth1");
  EXPECT_EQ(r.config->global.lvs_sync_daemon->vrrp_instance, "VI_1");
  EXPECT_NE(warnings(r).find("old form"), std::string::npos) << warnings(r);
  // Given twice (here with the global form): keepalived calls it an error too.
  auto twice = ka("global_defs {\n lvs_sync_daemon eth2\n}\n" + instance(" lvs_sync_daemon_interface eth1\n"));
  EXPECT_FALSE(twice.ok());
  EXPECT_NE(messages(twice).find("already set"), std::string::npos) << messages(twice);
}

TEST(KeepalivedVrrpKeywords, GlobalGarpDefaultsApplyWhereTheInstanceIsSilent) {
  auto r = ka("global_defs {\n vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 60\n"
              " vrrp_garp_master_refresh_repeat 2\n}\n" +
              instance(" garp_master_repeat 7\n") +
              "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n garp_master_refresh_repeat 4\n"
              " virtual_ipaddress {\n  10.0.0.101\n }\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& a = r.config->vrrp_instances[0];
  EXPECT_EQ(a.garp_master_delay, seconds(10));
  EXPECT_EQ(a.garp_master_repeat, 7u);  // its own
  EXPECT_EQ(a.garp_master_refresh, seconds(60));
  EXPECT_EQ(a.garp_master_refresh_repeat, 2u);
  EXPECT_EQ(r.config->vrrp_instances[1].garp_master_refresh_repeat, 4u);
  EXPECT_EQ(r.config->vrrp_instances[1].garp_master_repeat, 3u);
  expect_round_trip(*r.config);
}

TEST(KeepalivedVrrpKeywords, MulticastGroups) {
  auto r = ka("global_defs {\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n}\n" + instance(""));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.config->global.vrrp_mcast_group4->to_string(), "224.0.0.19");
  EXPECT_EQ(r.config->global.vrrp_mcast_group6->to_string(), "ff02::13");
  expect_round_trip(*r.config);
  auto bad = ka("global_defs {\n vrrp_mcast_group4 10.0.0.1\n}\n" + instance(""));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(messages(bad).find("k.conf:2:"), std::string::npos) << messages(bad);
  EXPECT_NE(messages(bad).find("not an IPv4 multicast address"), std::string::npos) << messages(bad);
}

TEST(KeepalivedVrrpKeywords, PrimaryTrackingAndPromoteSecondaries) {
  auto r = ka(instance(" dont_track_primary\n promote_secondaries\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_TRUE(r.config->vrrp_instances[0].dont_track_primary);
  EXPECT_TRUE(r.config->vrrp_instances[0].promote_secondaries);
  expect_round_trip(*r.config);
  auto plain = ka(instance(""));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain.config->vrrp_instances[0].dont_track_primary);
}

TEST(KeepalivedVrrpKeywords, StrictModeAndAcceptMode) {
  auto r = ka("global_defs {\n vrrp_strict\n}\n" + instance(""));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_TRUE(r.config->global.vrrp_strict);
  const auto& inst = r.config->vrrp_instances[0];
  EXPECT_TRUE(strict_mode(r.config->global, inst));
  EXPECT_FALSE(accept_mode(r.config->global, inst));  // strict: no accept by default
  expect_round_trip(*r.config);

  // strict_mode off in one instance, and accept / no_accept without strict mode.
  auto off = ka("global_defs {\n vrrp_strict\n}\n" + instance(" strict_mode off\n"));
  ASSERT_TRUE(off.ok()) << messages(off);
  EXPECT_FALSE(strict_mode(off.config->global, off.config->vrrp_instances[0]));
  EXPECT_TRUE(accept_mode(off.config->global, off.config->vrrp_instances[0]));
  auto no_accept = ka(instance(" no_accept\n"));
  ASSERT_TRUE(no_accept.ok()) << messages(no_accept);
  EXPECT_FALSE(accept_mode(no_accept.config->global, no_accept.config->vrrp_instances[0]));
  expect_round_trip(*no_accept.config);
  // The address owner always accepts (RFC 5798 6.1).
  auto owner = ka("global_defs {\n vrrp_strict\n}\n" + instance("", "MASTER", 255));
  ASSERT_TRUE(owner.ok()) << messages(owner);
  EXPECT_TRUE(accept_mode(owner.config->global, owner.config->vrrp_instances[0]));
}

TEST(KeepalivedVrrpKeywords, StrictModeRefusesWhatKeepalivedReportsAsAnError) {
  auto auth = ka("global_defs {\n vrrp_strict\n}\n" +
                 instance(" authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n"));
  EXPECT_FALSE(auth.ok());
  EXPECT_NE(messages(auth).find("authentication is not allowed in strict mode"), std::string::npos) << messages(auth);
  EXPECT_NE(messages(auth).find("runs without authentication"), std::string::npos) << messages(auth);

  auto master = ka("global_defs {\n vrrp_strict\n}\n" + instance("", "MASTER", 100));
  EXPECT_FALSE(master.ok());
  EXPECT_NE(messages(master).find("state MASTER needs priority 255"), std::string::npos) << messages(master);

  auto delay = ka(instance(" strict_mode\n preempt_delay 5\n"));
  EXPECT_FALSE(delay.ok());
  EXPECT_NE(messages(delay).find("preempt_delay is not allowed in strict mode"), std::string::npos)
      << messages(delay);

  auto accept_v2 = ka(instance(" strict_mode\n accept\n"));
  EXPECT_FALSE(accept_v2.ok());
  EXPECT_NE(messages(accept_v2).find("accept with VRRPv2"), std::string::npos) << messages(accept_v2);
  // With VRRPv3, accept is fine in strict mode.
  EXPECT_TRUE(ka(instance(" strict_mode\n version 3\n accept\n")).ok());
}

TEST(KeepalivedVrrpKeywords, TrackFileBlocksAndInstanceReferences) {
  auto r = ka("track_file load {\n file /run/load\n weight -2 reverse\n init_file 5 overwrite\n}\n"
              "vrrp_track_file stop {\n file /run/stop\n weight 0\n init_file\n}\n" +
              instance(" track_file {\n  load weight 254\n  stop\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  ASSERT_EQ(r.config->track_files.size(), 2u);
  const TrackFile& load = r.config->track_files[0];
  EXPECT_EQ(load.file, "/run/load");
  EXPECT_EQ(load.weight, -2);
  EXPECT_TRUE(load.reverse);
  EXPECT_EQ(load.init_file, 5);
  EXPECT_TRUE(load.init_overwrite);
  EXPECT_EQ(r.config->track_files[1].init_file, 0);  // init_file without a value: 0
  EXPECT_FALSE(r.config->track_files[1].init_overwrite);
  EXPECT_NE(warnings(r).find("vrrp_track_file is keepalived's old name"), std::string::npos) << warnings(r);
  const auto& refs = r.config->vrrp_instances[0].track_file;
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].weight, 254);
  EXPECT_FALSE(refs[1].weight.has_value());
  expect_round_trip(*r.config);

  auto unknown = ka(instance(" track_file {\n  nothere\n }\n"));
  EXPECT_FALSE(unknown.ok());
  EXPECT_NE(messages(unknown).find("no track_file named 'nothere'"), std::string::npos) << messages(unknown);
  auto relative = ka("track_file f {\n file run/x\n}\n" + instance(" track_file {\n  f\n }\n"));
  EXPECT_FALSE(relative.ok());
  EXPECT_NE(messages(relative).find("k.conf:2:7"), std::string::npos) << messages(relative);
  auto no_file = ka("track_file f {\n weight 3\n}\n" + instance(""));
  EXPECT_FALSE(no_file.ok());
  EXPECT_NE(messages(no_file).find("missing file"), std::string::npos) << messages(no_file);
}

// keepalived's default_interface: where a static address without dev goes
// (eth0 unless set), wherever in the file global_defs is.
TEST(KeepalivedVrrpKeywords, DefaultInterfaceForStaticAddresses) {
  auto r = ka("static_ipaddress {\n 10.9.0.1/24\n 10.9.1.1/24 dev eth2\n}\nglobal_defs {\n default_interface eth1\n}\n" +
              instance(""));
  ASSERT_TRUE(r.ok()) << messages(r);
  ASSERT_EQ(r.config->static_ipaddress.size(), 2u);
  EXPECT_EQ(r.config->static_ipaddress[0].dev, "eth1");
  EXPECT_EQ(r.config->static_ipaddress[1].dev, "eth2");
  EXPECT_NE(warnings(r).find("k.conf:2:2: static_ipaddress[0]: '10.9.0.1/24' has no dev: put on eth1"), std::string::npos)
      << warnings(r);
  auto plain = ka("static_ipaddress {\n 10.9.0.1/24\n}\n" + instance(""));
  ASSERT_TRUE(plain.ok()) << messages(plain);
  EXPECT_EQ(plain.config->static_ipaddress[0].dev, "eth0");
}

TEST(YamlVrrpKeywords, NewKeysReadAndRefuseBadValues) {
  auto r = load_yaml(
      "global:\n  vrrp_strict: true\n  vrrp_mcast_group4: 239.1.1.1\n"
      "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n    virtual_router_id: 51\n"
      "    virtual_ipaddress: [10.0.0.100]\n    notify: /bin/true\n    dont_track_primary: true\n"
      "    promote_secondaries: true\n    garp_master_refresh_repeat: 3\n    strict_mode: false\n    accept: false\n",
      "l.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& inst = r.config->vrrp_instances[0];
  EXPECT_EQ(inst.notify.any, "/bin/true");
  EXPECT_TRUE(inst.dont_track_primary);
  EXPECT_EQ(inst.garp_master_refresh_repeat, 3u);
  EXPECT_FALSE(strict_mode(r.config->global, inst));
  EXPECT_FALSE(accept_mode(r.config->global, inst));
  auto bad = load_yaml(
      "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n    virtual_router_id: 51\n"
      "    virtual_ipaddress: [10.0.0.100]\n    garp_master_refresh_repeat: 0\n",
      "l.yaml");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(messages(bad).find("l.yaml:6:"), std::string::npos) << messages(bad);
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

// Two instances in a sync group, with a script `chk` of weight -20.
std::string synced(const std::string& group_extra, const std::string& vi1_extra) {
  return "vrrp_script chk {\n script /bin/true\n weight -20\n}\n"
         "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n" + group_extra + "}\n"
         "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n"
         " virtual_ipaddress {\n  10.0.0.100\n }\n" + vi1_extra + "}\n"
         "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 100\n"
         " virtual_ipaddress {\n  10.0.0.101\n }\n}\n";
}

// Measured in keepalived 2.2.7: a sync group's tracked objects move every
// member with their weights, whether or not sync_group_tracking_weight is set.
TEST(KeepalivedSyncGroupTracking, TheGroupsTrackedObjectsTrackEveryMember) {
  auto r = ka(synced(" track_script {\n  chk weight -30\n }\n track_interface {\n  eth1 weight 5\n }\n"
                     " track_file {\n  f\n }\n", "") +
              "track_file f {\n file /run/f\n weight 0\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  for (const VrrpInstance& inst : r.config->vrrp_instances) {
    ASSERT_EQ(inst.track_script.size(), 1u) << inst.name;
    EXPECT_EQ(inst.track_script[0].name, "chk");
    EXPECT_EQ(inst.track_script[0].weight, -30);
    ASSERT_EQ(inst.track_interface.size(), 1u);
    EXPECT_EQ(inst.track_interface[0].name, "eth1");
    EXPECT_EQ(inst.track_interface[0].weight, 5);
    ASSERT_EQ(inst.track_file.size(), 1u);
    EXPECT_EQ(inst.track_file[0].name, "f");
  }
  expect_round_trip(*r.config);
}

// Measured: without sync_group_tracking_weight keepalived drops a member's own
// track_script entry that has a weight ("ignoring tracked script chk with
// weights due to SYNC group"); with it (or global_tracking) the weight applies.
TEST(KeepalivedSyncGroupTracking, AMembersWeightedScriptIsDroppedUnlessTheGroupKeepsWeights) {
  auto dropped = ka(synced("", " track_script {\n  chk weight -30\n }\n"));
  ASSERT_TRUE(dropped.ok()) << messages(dropped);
  EXPECT_TRUE(dropped.config->vrrp_instances[0].track_script.empty());
  EXPECT_NE(warnings(dropped).find("as keepalived 2.2.7 ignores it"), std::string::npos) << warnings(dropped);
  auto zero = ka(synced("", " track_script {\n  chk weight 0\n }\n"));  // weight 0 (FAULT) stays
  ASSERT_TRUE(zero.ok()) << messages(zero);
  EXPECT_EQ(zero.config->vrrp_instances[0].track_script.size(), 1u);
  for (const std::string keep : {" sync_group_tracking_weight\n", " global_tracking\n"}) {
    auto kept = ka(synced(keep, " track_script {\n  chk\n }\n"));
    ASSERT_TRUE(kept.ok()) << messages(kept);
    ASSERT_EQ(kept.config->vrrp_instances[0].track_script.size(), 1u) << keep;
  }
}

}  // namespace
}  // namespace lvsd::conf
