// use_vmac in both front ends: keepalived's `use_vmac [NAME] [MAC]`,
// `vmac_xmit_base` and global_defs `vmac_prefix`, the YAML keys, the checks
// (keepalived 2.2.7's own reports refused with what it would do), and the
// VMAC names keepalived 2.2.7 gives (measured in a network namespace).
#include <gtest/gtest.h>

#include "conf/config.hpp"
#include "tests/conf/import_test_support.hpp"

namespace lvsd::conf {
namespace {

using test_support::ka;
using test_support::messages;
using test_support::warnings;

std::string instance(const std::string& name, int vrid, const std::string& vip, const std::string& extra,
                     const std::string& iface = "eth0") {
  return "vrrp_instance " + name + " {\n interface " + iface + "\n virtual_router_id " + std::to_string(vrid) +
         "\n" + extra + " virtual_ipaddress {\n  " + vip + "\n }\n}\n";
}

TEST(KeepalivedVmac, UseVmacWithNameAndFiveOctetMac) {
  auto r = ka(instance("VI_1", 53, "10.0.0.100/24", " use_vmac myvm 02:11:22:33:44\n vmac_xmit_base\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& inst = r.config->vrrp_instances[0];
  EXPECT_TRUE(inst.use_vmac);
  EXPECT_EQ(inst.vmac_interface, "myvm");
  EXPECT_EQ(inst.vmac_address, (std::vector<std::uint8_t>{0x02, 0x11, 0x22, 0x33, 0x44}));
  EXPECT_TRUE(inst.vmac_xmit_base);
  // keepalived 2.2.7 made myvm with 02:11:22:33:44:35 (VRID 53 the sixth octet).
  EXPECT_EQ(mac_text(vmac_mac(inst)), "02:11:22:33:44:35");
  test_support::expect_round_trip(*r.config);
}

TEST(KeepalivedVmac, DefaultMacFollowsTheFamily) {
  auto r = ka(instance("V4", 51, "10.0.0.100/24", " use_vmac\n") + instance("V6", 52, "fd00::100/64", " use_vmac\n version 3\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(mac_text(vmac_mac(r.config->vrrp_instances[0])), "00:00:5e:00:01:33");
  EXPECT_EQ(mac_text(vmac_mac(r.config->vrrp_instances[1])), "00:00:5e:00:02:34");
  EXPECT_EQ(vmac_names(r.config->vrrp_instances, r.config->global.vmac_prefix),
            (std::vector<std::string>{"vrrp.51", "vrrp.52"}));
  test_support::expect_round_trip(*r.config);
}

TEST(KeepalivedVmac, NamesAsKeepalivedGivesThem) {
  // Measured with keepalived 2.2.7: A vrrp.51, B vrrp2.51, C vrrp1.51 (its
  // own), D vrrp6.51, E vrrp3.51.
  auto r = ka(instance("A", 51, "10.9.0.100/24", " use_vmac\n", "eth0") +
              instance("B", 51, "10.8.0.100/24", " use_vmac\n", "eth1") +
              instance("C", 52, "10.8.0.101/24", " use_vmac vrrp1.51\n", "eth1") +
              instance("D", 51, "fd00:9::100/64", " use_vmac\n version 3\n", "eth0") +
              instance("E", 51, "fd00:8::100/64", " use_vmac\n version 3\n", "eth1") +
              instance("F", 60, "10.9.0.60/24", "", "eth0"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(vmac_names(r.config->vrrp_instances, "vrrp"),
            (std::vector<std::string>{"vrrp.51", "vrrp2.51", "vrrp1.51", "vrrp6.51", "vrrp3.51", ""}));
  EXPECT_EQ(vmac_names(r.config->vrrp_instances, "vm")[0], "vm.51");
}

TEST(KeepalivedVmac, VmacPrefixIsGlobal) {
  auto r = ka("global_defs {\n vmac_prefix vm\n}\n" + instance("VI_1", 7, "10.0.0.100/24", " use_vmac\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(r.config->global.vmac_prefix, "vm");
  EXPECT_EQ(vmac_names(r.config->vrrp_instances, r.config->global.vmac_prefix)[0], "vm.7");
  test_support::expect_round_trip(*r.config);
}

TEST(KeepalivedVmac, DisableLocalIgmpIsGlobal) {
  auto r = ka("global_defs {\n disable_local_igmp\n}\n" + instance("VI_1", 7, "10.0.0.100/24", " use_vmac\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_TRUE(r.config->global.disable_local_igmp);
  test_support::expect_round_trip(*r.config);
}

TEST(KeepalivedGarpExtraIf, InstanceGlobalAndOldNames) {
  auto r = ka("global_defs {\n vrrp_garp_extra_if all 100\n}\n" + instance("A", 7, "10.0.0.100/24", "") +
              instance("B", 8, "10.0.0.101/24", " garp_extra_if 30\n") +
              instance("C", 9, "10.0.0.102/24", " vmac_garp_intvl all 0\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& v = r.config->vrrp_instances;
  EXPECT_EQ(v[0].garp_extra_if, std::chrono::seconds(100));
  EXPECT_TRUE(v[0].garp_extra_if_all) << "the global default";
  EXPECT_EQ(v[1].garp_extra_if, std::chrono::seconds(30));
  EXPECT_FALSE(v[1].garp_extra_if_all) << "its own, without all";
  EXPECT_EQ(v[2].garp_extra_if, Duration::zero()) << "0: off";
  EXPECT_NE(warnings(r).find("vmac_garp_intvl is keepalived's old name of garp_extra_if"), std::string::npos)
      << warnings(r);
  test_support::expect_round_trip(*r.config);
  auto bad = ka(instance("A", 7, "10.0.0.100/24", " garp_extra_if all 90000\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(messages(bad).find("allowed [all] 0-86400 (seconds)"), std::string::npos) << messages(bad);
  auto global_zero = ka("global_defs {\n vrrp_garp_extra_if 0\n}\n" + instance("A", 7, "10.0.0.100/24", ""));
  EXPECT_FALSE(global_zero.ok()) << "keepalived's global form takes 1-86400";
}

TEST(KeepalivedVmac, UnicastSetsXmitBaseWithAWarning) {
  auto r = ka(instance("VI_1", 53, "10.0.0.100/24", " use_vmac\n unicast_peer {\n  10.0.0.2\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_TRUE(r.config->vrrp_instances[0].vmac_xmit_base);
  EXPECT_NE(warnings(r).find("k.conf:4:2: vrrp_instances[0].vmac_xmit_base: use_vmac with unicast_peer: "
                             "vmac_xmit_base is set"),
            std::string::npos)
      << warnings(r);
}

TEST(KeepalivedVmac, XmitBaseInStrictModeIsRefusedAsKeepalivedReportsIt) {
  auto r = ka("global_defs {\n vrrp_strict\n}\n" +
              instance("VI_1", 53, "10.0.0.100/24", " use_vmac\n vmac_xmit_base\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(messages(r).find("vmac_xmit_base is not allowed in strict mode"), std::string::npos) << messages(r);
}

TEST(KeepalivedVmac, BadArgumentsAreRefusedAtTheWord) {
  auto r = ka(instance("VI_1", 53, "10.0.0.100/24", " use_vmac vm0 01:00:5e:00:01\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(messages(r).find("k.conf:4:15: vrrp_instances[0].vmac_address: '01:00:5e:00:01' is a multicast MAC"),
            std::string::npos)
      << messages(r);
  auto long_name = ka(instance("VI_1", 53, "10.0.0.100/24", " use_vmac a_name_too_long_for_linux\n"));
  ASSERT_FALSE(long_name.ok());
  EXPECT_NE(messages(long_name).find("is not an interface name"), std::string::npos) << messages(long_name);
  auto bad_mac = ka(instance("VI_1", 53, "10.0.0.100/24", " use_vmac 00:zz:5e:00:01\n"));
  ASSERT_FALSE(bad_mac.ok());
  EXPECT_NE(messages(bad_mac).find("is not a MAC address"), std::string::npos) << messages(bad_mac);
}

TEST(KeepalivedVmac, TwoInstancesNamingOneVmacAreRefused) {
  auto r = ka(instance("A", 51, "10.0.0.100/24", " use_vmac vm0\n") +
              instance("B", 52, "10.0.0.101/24", " use_vmac vm0\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(messages(r).find("k.conf:12:11: vrrp_instances[1].vmac_interface: the VMAC interface 'vm0' is also the VMAC of instance 'A'"), std::string::npos) << messages(r);
  auto own = ka(instance("A", 51, "10.0.0.100/24", " use_vmac eth0\n"));
  ASSERT_FALSE(own.ok());
  EXPECT_NE(messages(own).find("is the instance's own interface"), std::string::npos) << messages(own);
}

TEST(YamlVmac, KeysAndTheirChecks) {
  const std::string head =
      "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n    virtual_router_id: 9\n"
      "    virtual_ipaddress: [10.0.0.100/24]\n";
  auto r = load_yaml(head + "    use_vmac: true\n    vmac_interface: vm9\n    vmac_address: 02:00:00:00:00:09\n",
                     "c.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  EXPECT_EQ(mac_text(vmac_mac(r.config->vrrp_instances[0])), "02:00:00:00:00:09");
  auto without = load_yaml(head + "    vmac_interface: vm9\n", "c.yaml");
  ASSERT_FALSE(without.ok());
  EXPECT_NE(messages(without).find("vmac_interface needs use_vmac: true"), std::string::npos) << messages(without);
  auto unicast = load_yaml(head + "    use_vmac: true\n    unicast_peer: [10.0.0.2]\n", "c.yaml");
  ASSERT_FALSE(unicast.ok());
  EXPECT_NE(messages(unicast).find("use_vmac with unicast_peer needs vmac_xmit_base: true"), std::string::npos)
      << messages(unicast);
  // "abcdefghijkl.200" is 16 characters.
  std::string vrid200 = head;
  vrid200.replace(vrid200.find("id: 9"), 5, "id: 200");
  auto long_prefix = load_yaml("global:\n  vmac_prefix: abcdefghijkl\n" + vrid200 + "    use_vmac: true\n", "c.yaml");
  ASSERT_FALSE(long_prefix.ok());
  EXPECT_NE(messages(long_prefix).find("'abcdefghijkl.200' is longer than 15 characters"), std::string::npos)
      << messages(long_prefix);
}

}  // namespace
}  // namespace lvsd::conf
