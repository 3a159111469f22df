// The virtual_server / real_server keywords that give a destination its own
// forwarding or weight: lvs_method in a real_server (with keepalived's tunnel
// options), a virtual server's default weight, sorry_server_inhibit and
// sorry_server_lvs_method. Each is read from keepalived.conf, checked against
// keepalived 2.2.7's rules, and written back as YAML that reads to the same
// model.
#include <gtest/gtest.h>

#include <string>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

std::string vs(const std::string& body) {
  return "virtual_server 10.0.0.100 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n" + body + "}\n";
}

TEST(KeepalivedLvsKeywords, RealServerLvsMethodWithTunnelOptions) {
  auto r = ka(vs(" real_server 10.0.1.1 8080 {\n  lvs_method NAT\n }\n"
                 " real_server 10.0.1.2 80 {\n  lvs_method TUN type gue port 6080 remcsum\n }\n"
                 " real_server 10.0.1.3 80 {\n  lvs_method TUN type gre csum weight 3\n }\n"
                 " real_server 10.0.1.4 80 {\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& rs = r.config->virtual_servers[0].real_servers;
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].options->forwarding, (Forwarding{.lb_kind = ForwardingMethod::kNat}));
  EXPECT_EQ(rs[1].options->forwarding, (Forwarding{.lb_kind = ForwardingMethod::kTun, .tunnel_type = TunnelType::kGue,
                                          .tunnel_port = 6080, .tunnel_checksum = TunnelChecksum::kRemote}));
  EXPECT_EQ(rs[2].options->forwarding, (Forwarding{.lb_kind = ForwardingMethod::kTun, .tunnel_type = TunnelType::kGre,
                                          .tunnel_checksum = TunnelChecksum::kChecksum}));
  EXPECT_EQ(rs[2].weight, 3u);  // a keyword after the options on the same line is read
  EXPECT_FALSE(rs[3].options->forwarding.has_value());  // the virtual server's DR
  expect_round_trip(*r.config);
}

TEST(KeepalivedLvsKeywords, VirtualServerLvsMethodTakesTheTunnelOptionsToo) {
  auto r = ka("virtual_server 10.0.0.100 80 {\n lb_algo rr\n lvs_method TUN type gue port 6080 csum\n"
              " real_server 10.0.1.1 80 {\n }\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  const VirtualServer& v = r.config->virtual_servers[0];
  EXPECT_EQ(v.forwarding(), (Forwarding{.lb_kind = ForwardingMethod::kTun, .tunnel_type = TunnelType::kGue,
                                        .tunnel_port = 6080, .tunnel_checksum = TunnelChecksum::kChecksum}));
  expect_round_trip(*r.config);
}

TEST(KeepalivedLvsKeywords, KeepalivedsTunnelErrorsAreRefusedWithTheLine) {
  for (const std::string bad : {"lvs_method TUN type gue", "lvs_method TUN type ipip csum", "lvs_method TUN type gre remcsum",
                                 "lvs_method TUN port 80", "lvs_method NAT type gre", "lvs_method TUN type vxlan",
                                 "lvs_method TUN nocheck"}) {
    auto r = ka(vs(" real_server 10.0.1.1 80 {\n  " + bad + "\n }\n"));
    EXPECT_FALSE(r.ok()) << bad;
    ASSERT_FALSE(r.errors.empty()) << bad;
    EXPECT_EQ(r.errors[0].location.line, 6) << bad << "\n" << messages(r);
    EXPECT_EQ(r.errors.size(), 1u) << bad << "\n" << messages(r);
  }
}

TEST(KeepalivedLvsKeywords, VirtualServerWeightIsTheDefaultOfItsRealServers) {
  auto r = ka(vs(" real_server 10.0.1.1 80 {\n }\n weight 7\n real_server 10.0.1.2 80 {\n  weight 2\n }\n"
                 " real_server 10.0.1.3 80 {\n  weight 0\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const auto& rs = r.config->virtual_servers[0].real_servers;
  EXPECT_EQ(rs[0].weight, 7u);  // given below it: keepalived applies it once the block is read
  EXPECT_EQ(rs[1].weight, 2u);
  EXPECT_EQ(rs[2].weight, 0u);
  expect_round_trip(*r.config);
  EXPECT_FALSE(ka(vs(" weight 0\n real_server 10.0.1.1 80 {\n }\n")).ok());  // keepalived: 1-65535
}

TEST(KeepalivedLvsKeywords, SorryServerInhibitAndLvsMethod) {
  auto r = ka(vs(" sorry_server 10.0.9.9 8080\n sorry_server_inhibit\n sorry_server_lvs_method NAT\n"
                 " real_server 10.0.1.1 80 {\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const SorryServer& s = *r.config->virtual_servers[0].sorry_server;
  EXPECT_TRUE(s.inhibit_on_failure);
  EXPECT_EQ(s.forwarding, (Forwarding{.lb_kind = ForwardingMethod::kNat}));
  expect_round_trip(*r.config);
  // Above sorry_server (or without one) keepalived ignores them with an error: refused.
  auto early = ka(vs(" sorry_server_inhibit\n sorry_server 10.0.9.9 80\n real_server 10.0.1.1 80 {\n }\n"));
  ASSERT_FALSE(early.ok());
  EXPECT_NE(messages(early).find("without a sorry_server above it"), std::string::npos) << messages(early);
  EXPECT_EQ(early.errors[0].location.line, 5);
}

TEST(KeepalivedLvsKeywords, YamlRealServerForwardingNeedsLbKindAndValidTunnelSettings) {
  const std::string head =
      "virtual_servers:\n  - address: 10.0.0.100\n    port: 80\n    lb_kind: DR\n    real_servers:\n"
      "      - address: 10.0.1.1\n";
  EXPECT_TRUE(load_yaml(head + "        lb_kind: TUN\n        tunnel_type: gre\n        tunnel_checksum: csum\n", "a.yaml").ok());
  auto no_kind = load_yaml(head + "        tunnel_type: gre\n", "a.yaml");
  ASSERT_FALSE(no_kind.ok());
  EXPECT_NE(messages(no_kind).find("tunnel settings without lb_kind"), std::string::npos) << messages(no_kind);
  EXPECT_FALSE(load_yaml(head + "        lb_kind: TUN\n        tunnel_type: gue\n", "a.yaml").ok());  // port needed
  EXPECT_FALSE(load_yaml(head + "        lb_kind: TUN\n        tunnel_checksum: csum\n", "a.yaml").ok());  // ipip
  // A NAT real server in a DR service may change the port; a DR one may not.
  EXPECT_TRUE(load_yaml(head + "        port: 8080\n        lb_kind: NAT\n", "a.yaml").ok());
  EXPECT_FALSE(load_yaml(head + "        port: 8080\n", "a.yaml").ok());
}

TEST(KeepalivedLvsKeywords, LvsTimeoutsSetWhatIsGivenAndZeroLeavesTheKernels) {
  auto r = ka("global_defs {\n lvs_timeouts tcp 7200 udp 0 tcpfin 30\n}\n" + vs(" real_server 10.0.1.1 80 {\n }\n"));
  ASSERT_TRUE(r.ok()) << messages(r);
  const Global::LvsTimeouts& t = r.config->global.lvs_timeouts;
  EXPECT_EQ(t.tcp, std::chrono::seconds(7200));
  EXPECT_EQ(t.tcpfin, std::chrono::seconds(30));
  EXPECT_FALSE(t.udp.has_value());
  expect_round_trip(*r.config);
  for (const std::string bad : {"lvs_timeouts tcp", "lvs_timeouts tcp 2678401", "lvs_timeouts sctp 5"}) {
    auto b = ka("global_defs {\n " + bad + "\n}\n");
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.errors[0].location.line, 2) << messages(b);
  }
  // YAML: whole seconds up to 31 days.
  EXPECT_TRUE(load_yaml("global:\n  lvs_timeouts: {udp: 744h}\n", "a.yaml").ok());
  EXPECT_FALSE(load_yaml("global:\n  lvs_timeouts: {udp: 1500ms}\n", "a.yaml").ok());
  EXPECT_FALSE(load_yaml("global:\n  lvs_timeouts: {udp: 745h}\n", "a.yaml").ok());
  EXPECT_FALSE(load_yaml("global:\n  lvs_timeouts: {sctp: 5s}\n", "a.yaml").ok());
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

// keepalived 2.2.7: "Virtual server ...: no protocol set - defaulting to UDP"
// for an address service (a fwmark service has no protocol).
TEST(KeepalivedLvsKeywords, NoProtocolIsUdpAsInKeepalived) {
  auto r = import_keepalived("virtual_server 10.0.0.100 80 {\n real_server 10.0.1.1 80 {\n }\n}\n"
                             "virtual_server fwmark 5 {\n real_server 10.0.1.1 80 {\n }\n}\n",
                             "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->virtual_servers[0].protocol, Protocol::kUdp);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].location.line, 1);
  EXPECT_NE(r.warnings[0].message.find("defaulting to UDP"), std::string::npos);
  EXPECT_EQ(r.config->virtual_servers[1].protocol, Protocol::kTcp);  // (unused by IPVS for a fwmark)
}

}  // namespace
}  // namespace lvsd::conf
