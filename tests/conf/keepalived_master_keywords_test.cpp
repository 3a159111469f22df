// keepalived's keywords for what a master does on hearing another router, the
// down timer, the startup delay, unicast_ttl and the per-instance / per-group
// notify_priority_changes: read from keepalived.conf (with keepalived 2.2.7's
// defaults and strict-mode rules), from the YAML, and written back.
#include <gtest/gtest.h>

#include <string>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string instance(const std::string& extra, const std::string& name = "VI_1", int vrid = 51) {
  return "vrrp_instance " + name + " {\n state BACKUP\n interface eth0\n virtual_router_id " + std::to_string(vrid) +
         "\n priority 100\n advert_int 1\n virtual_ipaddress {\n  10.0.0." + std::to_string(vrid) + "\n }\n" + extra +
         "}\n";
}

TEST(KeepalivedMasterKeywords, InstanceKeywordsAreRead) {
  auto r = ka(instance(" lower_prio_no_advert\n higher_prio_send_advert true\n garp_lower_prio_repeat 2\n"
                       " garp_lower_prio_delay 3\n down_timer_adverts 1\n"
                       " notify_master_rx_lower_pri \"/usr/local/bin/reclaim.sh eth0\"\n notify_priority_changes\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  EXPECT_EQ(v.lower_prio_no_advert, true);
  EXPECT_TRUE(v.higher_prio_send_advert);
  EXPECT_EQ(v.garp_lower_prio_repeat, 2u);
  EXPECT_EQ(v.garp_lower_prio_delay, seconds(3));
  EXPECT_EQ(v.down_timer_adverts, 1);
  EXPECT_EQ(v.notify.master_rx_lower_pri, "/usr/local/bin/reclaim.sh eth0");
  EXPECT_EQ(v.notify.priority_changes, true);
  expect_round_trip(*r.config);
}

TEST(KeepalivedMasterKeywords, DefaultsAreKeepalivedsAndWriteNothing) {
  auto r = ka(instance(""));
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  const Global& g = r.config->global;
  EXPECT_FALSE(lower_prio_no_advert(g, v));  // keepalived answers a lower advert
  EXPECT_FALSE(v.higher_prio_send_advert);
  EXPECT_EQ(garp_lower_prio_repeat(g, v), 5u);
  EXPECT_EQ(garp_lower_prio_delay(g, v), seconds(5));
  EXPECT_EQ(v.down_timer_adverts, 3);
  EXPECT_FALSE(v.unicast_ttl);
  const std::string yaml = to_yaml(*r.config);
  for (const char* key : {"lower_prio", "higher_prio", "down_timer", "unicast_ttl", "startup_delay"})
    EXPECT_EQ(yaml.find(key), std::string::npos) << key << "\n" << yaml;
}

TEST(KeepalivedMasterKeywords, GlobalDefaultsReachInstancesWithoutTheirOwn) {
  auto r = ka("global_defs {\n vrrp_lower_prio_no_advert\n vrrp_higher_prio_send_advert\n vrrp_garp_lower_prio_repeat 1\n"
              " vrrp_garp_lower_prio_delay 0\n vrrp_down_timer_adverts 2\n vrrp_startup_delay 5.5\n}\n" +
              instance("") + instance(" lower_prio_no_advert off\n garp_lower_prio_repeat 4\n down_timer_adverts 6\n", "VI_2", 52));
  ASSERT_TRUE(r.ok()) << messages(r);
  const Global& g = r.config->global;
  EXPECT_EQ(g.vrrp_startup_delay, milliseconds(5500));
  const VrrpInstance& a = r.config->vrrp_instances[0];
  EXPECT_TRUE(lower_prio_no_advert(g, a));
  EXPECT_TRUE(a.higher_prio_send_advert);
  EXPECT_EQ(garp_lower_prio_repeat(g, a), 1u);
  EXPECT_EQ(garp_lower_prio_delay(g, a), seconds(0));
  EXPECT_EQ(a.down_timer_adverts, 2);
  const VrrpInstance& b = r.config->vrrp_instances[1];
  EXPECT_FALSE(lower_prio_no_advert(g, b));
  EXPECT_EQ(garp_lower_prio_repeat(g, b), 4u);
  EXPECT_EQ(b.down_timer_adverts, 6);
  expect_round_trip(*r.config);
}

TEST(KeepalivedMasterKeywords, LowerPrioGarpsFollowTheGlobalGarpsNotTheInstances) {
  // keepalived 2.2.7 (its configuration dump): garp_lower_prio_* default to
  // the global vrrp_garp_master_*, not to the instance's garp_master_*.
  auto r = ka("global_defs {\n vrrp_garp_master_repeat 2\n}\n" + instance(" garp_master_repeat 1\n garp_master_delay 0\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  EXPECT_EQ(garp_lower_prio_repeat(r.config->global, v), 2u);
  EXPECT_EQ(garp_lower_prio_delay(r.config->global, v), seconds(5));
  expect_round_trip(*r.config);
  // vrrp_min_garp sets the global ones: one ARP, no second burst.
  auto m = ka("global_defs {\n vrrp_min_garp\n}\n" + instance(""));
  ASSERT_TRUE(m.ok()) << messages(m);
  EXPECT_EQ(garp_lower_prio_repeat(m.config->global, m.config->vrrp_instances[0]), 1u);
  EXPECT_EQ(garp_lower_prio_delay(m.config->global, m.config->vrrp_instances[0]), seconds(0));
}

TEST(KeepalivedMasterKeywords, StrictModeKeepsToTheRfc) {
  // keepalived 2.2.7 (measured): strict mode makes the defaults no advert, no
  // ARPs, no delay; setting any of them otherwise is a configuration error it resets.
  auto r = ka("global_defs {\n vrrp_strict\n vrrp_garp_lower_prio_repeat 3\n vrrp_higher_prio_send_advert\n}\n" + instance(""));
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  EXPECT_TRUE(lower_prio_no_advert(r.config->global, v));
  EXPECT_FALSE(v.higher_prio_send_advert);
  EXPECT_EQ(garp_lower_prio_repeat(r.config->global, v), 0u);
  EXPECT_EQ(garp_lower_prio_delay(r.config->global, v), seconds(0));
  for (const char* line : {" lower_prio_no_advert false\n", " higher_prio_send_advert\n", " garp_lower_prio_repeat 1\n",
                           " garp_lower_prio_delay 2\n", " down_timer_adverts 1\n"}) {
    auto bad = ka("global_defs {\n vrrp_strict\n}\n" + instance(line));
    ASSERT_FALSE(bad.ok()) << line;
    EXPECT_NE(messages(bad).find("strict mode"), std::string::npos) << messages(bad);
    EXPECT_NE(messages(bad).find("k.conf:13:"), std::string::npos) << messages(bad);
  }
}

TEST(KeepalivedMasterKeywords, UnicastTtl) {
  auto r = ka(instance(" unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }\n unicast_ttl 64\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  EXPECT_EQ(v.unicast_ttl, 64);
  // keepalived accepts unicast adverts with any TTL (measured): the peers send with 64 too.
  EXPECT_FALSE(v.check_unicast_ttl);
  EXPECT_NE(warnings(r).find("check_unicast_ttl: false"), std::string::npos) << warnings(r);
  expect_round_trip(*r.config);
  // 255 changes nothing.
  auto same = ka(instance(" unicast_peer {\n  10.0.0.2\n }\n unicast_ttl 255\n"));
  ASSERT_TRUE(same.ok()) << messages(same);
  EXPECT_TRUE(same.config->vrrp_instances[0].check_unicast_ttl);
  // Without peers keepalived reports an error and resets it; 0 lvsd cannot send.
  auto multicast = ka(instance(" unicast_ttl 64\n"));
  EXPECT_FALSE(multicast.ok());
  EXPECT_NE(messages(multicast).find("unicast_ttl needs unicast_peer"), std::string::npos) << messages(multicast);
  auto zero = ka(instance(" unicast_peer {\n  10.0.0.2\n }\n unicast_ttl 0\n"));
  EXPECT_FALSE(zero.ok());
  EXPECT_NE(messages(zero).find("k.conf:13:14: vrrp_instances[0].unicast_ttl"), std::string::npos) << messages(zero);
}

TEST(KeepalivedMasterKeywords, BadValuesAreErrorsAtTheirPlace) {
  auto r = ka(instance(" down_timer_adverts 101\n garp_lower_prio_delay 1.5\n lower_prio_no_advert maybe\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(where(r.errors), (Where{"10:21 vrrp_instances[0].down_timer_adverts",
                                    "11:24 vrrp_instances[0].garp_lower_prio_delay",
                                    "12:23 vrrp_instances[0].lower_prio_no_advert"}))
      << messages(r);
}

TEST(KeepalivedMasterKeywords, NotifyPriorityChangesInASyncGroup) {
  auto r = ka(instance("") + instance(" notify_priority_changes false\n", "VI_2", 52) +
              "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify_priority_changes\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.config->vrrp_sync_groups[0].notify.priority_changes, true);
  EXPECT_EQ(r.config->vrrp_instances[1].notify.priority_changes, false);
  expect_round_trip(*r.config);
}

TEST(MasterKeywordsYaml, ReadValidatedAndWrittenBack) {
  const std::string yaml = R"(global:
  vrrp_startup_delay: 2s
vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [10.0.0.100]
    unicast_peer: [10.0.0.2]
    unicast_ttl: 64
    check_unicast_ttl: false
    lower_prio_no_advert: true
    higher_prio_send_advert: true
    garp_lower_prio_repeat: 0
    garp_lower_prio_delay: 500ms
    down_timer_adverts: 4
    notify_master_rx_lower_pri: /usr/local/bin/reclaim.sh
    notify_priority_changes: true
vrrp_sync_groups:
  - name: G
    group: [VI_1]
    notify_priority_changes: false
)";
  auto r = load_yaml(yaml, "l.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  const VrrpInstance& v = r.config->vrrp_instances[0];
  EXPECT_EQ(r.config->global.vrrp_startup_delay, seconds(2));
  EXPECT_EQ(v.unicast_ttl, 64);
  EXPECT_EQ(v.garp_lower_prio_repeat, 0u);
  EXPECT_EQ(v.garp_lower_prio_delay, milliseconds(500));
  EXPECT_EQ(v.down_timer_adverts, 4);
  expect_round_trip(*r.config);
  auto bad = load_yaml(R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 51
    virtual_ipaddress: [10.0.0.100]
    down_timer_adverts: 0
    unicast_ttl: 300
    garp_lower_prio_repeat: 256
)", "b.yaml");
  EXPECT_EQ(where(bad.errors), (Where{"6:25 vrrp_instances[0].down_timer_adverts", "7:18 vrrp_instances[0].unicast_ttl",
                                      "8:29 vrrp_instances[0].garp_lower_prio_repeat"}))
      << messages(bad);
}

}  // namespace
}  // namespace lvsd::conf
