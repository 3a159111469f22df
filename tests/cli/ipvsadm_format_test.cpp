// lvsctl's ipvsadm-compatible output, compared byte for byte with what
// ipvsadm 1.31 printed for the same table (captured in the UML kernel; see
// tests/cli/data). The kernel tier compares against a live ipvsadm too.
#include "cli/ipvsadm_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sys/socket.h>

#include <fstream>
#include <sstream>

namespace lvsd::cli {
namespace {

using namespace director;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

Destination dest(const char* addr, std::uint16_t port, ForwardMethod fwd, int weight) {
  Destination d;
  d.endpoint = {ip(addr), port};
  d.forward = fwd;
  d.weight = weight;
  return d;
}

// The table the capture was made from, in the order the kernel dumped it.
IpvsTable sample_table() {
  IpvsTable t;
  {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(Protocol::kTcp, ip("192.168.152.100"), 443);
    vs.service.scheduler = "wrr";
    vs.service.flags = kServiceFlagPersistent;
    vs.service.persistence_timeout_s = 300;
    vs.service.persistence_prefix = 24;
    vs.destinations.push_back(dest("192.168.152.133", 443, ForwardMethod::kTunnel, 3));
    t.services.push_back(vs);
  }
  {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(Protocol::kTcp, ip("10.0.0.100"), 80);
    vs.service.scheduler = "rr";
    vs.destinations.push_back(dest("10.0.0.11", 80, ForwardMethod::kDirectRoute, 1));
    auto masq = dest("10.0.0.12", 8080, ForwardMethod::kNat, 65535);
    masq.upper_threshold = 100;
    masq.lower_threshold = 10;
    vs.destinations.push_back(masq);
    auto gue = dest("10.0.0.14", 80, ForwardMethod::kTunnel, 0);
    gue.tunnel_type = TunnelType::kGue;
    gue.tunnel_port = 6080;
    vs.destinations.push_back(gue);
    t.services.push_back(vs);
  }
  {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(Protocol::kUdp, ip("10.0.0.100"), 53);
    vs.service.scheduler = "sh";
    vs.service.flags = kServiceFlagScheduler1 | kServiceFlagScheduler2 | kServiceFlagOnePacket;
    vs.destinations.push_back(dest("10.0.0.11", 53, ForwardMethod::kDirectRoute, 1));
    t.services.push_back(vs);
  }
  {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(Protocol::kSctp, ip("10.0.0.100"), 9);
    vs.service.scheduler = "rr";
    t.services.push_back(vs);
  }
  {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(Protocol::kTcp, ip("2001:db8::100"), 80);
    vs.service.scheduler = "mh";
    vs.service.flags = kServiceFlagPersistent;
    vs.service.persistence_timeout_s = 360;
    vs.destinations.push_back(dest("2001:db8::1", 80, ForwardMethod::kDirectRoute, 1));
    t.services.push_back(vs);
  }
  {
    VirtualService vs;
    vs.service.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 7);
    vs.service.scheduler = "lc";
    vs.destinations.push_back(dest("10.0.0.13", 0, ForwardMethod::kDirectRoute, 1));
    t.services.push_back(vs);
  }
  return t;
}

std::string captured(const std::string& name) {
  std::ifstream in(std::string(LVSD_CLI_TEST_DATA) + "/ipvsadm-1.31-" + name + ".txt");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << name;
  return ss.str();
}

const IpvsInfo kInfo{.version = 0x010201, .connection_table_size = 4096};

struct Case {
  const char* file;
  ListOptions options;
};

class IpvsadmList : public ::testing::TestWithParam<Case> {};

TEST_P(IpvsadmList, MatchesIpvsadmByteForByte) {
  EXPECT_EQ(format_list(kInfo, sample_table(), GetParam().options), captured(GetParam().file));
}

INSTANTIATE_TEST_SUITE_P(
    Columns, IpvsadmList,
    ::testing::Values(Case{"list", {}}, Case{"stats", {.columns = ListColumns::kStats}},
                      Case{"rate", {.columns = ListColumns::kRate}},
                      Case{"exact-stats", {.columns = ListColumns::kStats, .exact = true}},
                      Case{"thresholds", {.columns = ListColumns::kThresholds}},
                      Case{"persistent-conn", {.columns = ListColumns::kPersistentConn}},
                      Case{"tun-info", {.columns = ListColumns::kTunInfo}}),
    [](const auto& param_info) {
      std::string n = param_info.param.file;
      for (auto& c : n) c = c == '-' ? '_' : c;
      return n;
    });

TEST(IpvsadmSave, MatchesIpvsadmByteForByte) { EXPECT_EQ(format_save(sample_table()), captured("save")); }

TEST(IpvsadmList, EmptyTableHasOnlyHeaders) {
  EXPECT_EQ(format_list(kInfo, IpvsTable{}, {}),
            "IP Virtual Server version 1.2.1 (size=4096)\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
  EXPECT_EQ(format_save(IpvsTable{}), "");
}

TEST(IpvsadmList, Ipv6FwmarkServiceSaysIpv6) {
  // As ipvsadm printed it under the kernel tier (tests/daemon/lvsd_group_kernel_test.cpp).
  VirtualService vs;
  vs.service.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 9);
  vs.service.scheduler = "wrr";
  EXPECT_EQ(format_list(kInfo, IpvsTable{.services = {vs}}, {}),
            "IP Virtual Server version 1.2.1 (size=4096)\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "FWM  9 IPv6 wrr\n");
}

TEST(IpvsadmCounter, ScalesLargeNumbersUnlessExact) {
  EXPECT_EQ(format_counter(0, false), "        0");
  EXPECT_EQ(format_counter(99'999'999, false), " 99999999");
  EXPECT_EQ(format_counter(100'000'000, false), "  100000K");
  EXPECT_EQ(format_counter(1'000'000'000, false), "    1000M");
  EXPECT_EQ(format_counter(100'000'000'000ULL, false), "     100G");
  EXPECT_EQ(format_counter(100'000'000'000'000ULL, false), "     100T");
  EXPECT_EQ(format_counter(123'456'789'012ULL, true), " 123456789012");
  EXPECT_EQ(format_counter(12'345'678, true), " 12345678");
}

TEST(IpvsadmJson, CarriesEveryServiceAndDestination) {
  auto j = to_json(kInfo, sample_table());
  EXPECT_EQ(j["version"], "1.2.1");
  ASSERT_EQ(j["services"].size(), 6u);
  EXPECT_EQ(j["services"][0]["address"], "192.168.152.100");
  EXPECT_EQ(j["services"][0]["persistence_prefix"], 24);
  EXPECT_EQ(j["services"][1]["destinations"][1]["forward"], "Masq");
  EXPECT_EQ(j["services"][1]["destinations"][1]["upper_threshold"], 100);
  EXPECT_EQ(j["services"][1]["destinations"][2]["tunnel"], "gue:6080:-c");
  EXPECT_EQ(j["services"][2]["scheduler_flags"], "sh-fallback,sh-port");
  EXPECT_EQ(j["services"][5]["fwmark"], 7);
  EXPECT_EQ(j["services"][5]["protocol"], "FWM");
}

// A dump lists services and destinations in the kernel's order (newest
// destination first): save and JSON come out in ipvsadm's, and each
// destination's counters stay with it.
TEST(IpvsadmJson, SaveAndJsonSortADumpAsIpvsadmDoes) {
  const IpvsTable sorted = sample_table();
  IpvsTable dumped = sorted;
  std::reverse(dumped.services.begin(), dumped.services.end());
  for (VirtualService& vs : dumped.services) {
    std::reverse(vs.destinations.begin(), vs.destinations.end());
    vs.counters.resize(vs.destinations.size());
    for (std::size_t i = 0; i < vs.destinations.size(); ++i) {
      vs.counters[i].active_connections = static_cast<std::uint32_t>(vs.destinations[i].endpoint.address.bytes()[3]);
    }
  }
  EXPECT_EQ(format_save(dumped), format_save(sorted));
  const nlohmann::json j = to_json(kInfo, dumped);
  nlohmann::json expected = to_json(kInfo, sorted);
  for (auto& service : expected["services"]) {
    for (auto& d : service["destinations"]) {
      d["active_connections"] = ip(d["address"].get<std::string>().c_str()).bytes()[3];
    }
  }
  EXPECT_EQ(j, expected);
  EXPECT_EQ(j["services"][1]["destinations"][2]["active_connections"], 14);  // 10.0.0.14
  // ipvsadm_order() gives the same order, counters beside their destinations.
  const IpvsTable reordered = ipvsadm_order(dumped);
  ASSERT_TRUE(same_settings(reordered, sorted));
  ASSERT_EQ(reordered.services[1].counters.size(), 3u);
  EXPECT_EQ(reordered.services[1].counters[2].active_connections, 14u);
}

}  // namespace
}  // namespace lvsd::cli

namespace lvsd::cli {
namespace {

// ipvsadm's order, seen in the UML kernel: the kernel dumped UDP :53, TCP
// 10.0.0.100:80 (dests .14 .12 .11), TCP 10.0.0.101:80, SCTP, TCP v6,
// TCP 192.168.152.100:443, FWM 7; ipvsadm printed TCP 192.168.152.100:443,
// TCP 10.0.0.100:80 (dests .11 .12 .14), TCP 10.0.0.101:80, UDP, SCTP, TCP
// v6, FWM 7 (the wrapped address difference puts 192.168/16 first).
TEST(IpvsadmOrder, SortsLikeIpvsadm) {
  auto svc = [](Protocol p, const char* addr, std::uint16_t port) {
    VirtualService vs;
    vs.service.key = ServiceKey::inet(p, ip(addr), port);
    return vs;
  };
  IpvsTable dumped;
  dumped.services.push_back(svc(Protocol::kUdp, "10.0.0.100", 53));
  auto web = svc(Protocol::kTcp, "10.0.0.100", 80);
  for (const char* a : {"10.0.0.14", "10.0.0.12", "10.0.0.11"}) web.destinations.push_back(dest(a, 80, ForwardMethod::kDirectRoute, 1));
  web.destinations[1].endpoint.port = 8080;
  dumped.services.push_back(web);
  dumped.services.push_back(svc(Protocol::kTcp, "10.0.0.101", 80));
  dumped.services.push_back(svc(Protocol::kSctp, "10.0.0.100", 9));
  dumped.services.push_back(svc(Protocol::kTcp, "2001:db8::100", 80));
  dumped.services.push_back(svc(Protocol::kTcp, "192.168.152.100", 443));
  VirtualService fw;
  fw.service.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 7);
  dumped.services.push_back(fw);

  auto sorted = ipvsadm_order(dumped);
  std::vector<std::string> names;
  for (const auto& vs : sorted.services) names.push_back(describe(vs.service.key));
  EXPECT_EQ(names, (std::vector<std::string>{"TCP 192.168.152.100:443", "TCP 10.0.0.100:80", "TCP 10.0.0.101:80",
                                             "UDP 10.0.0.100:53", "SCTP 10.0.0.100:9", "TCP [2001:db8::100]:80",
                                             "FWM 7"}));
  ASSERT_EQ(sorted.services[1].destinations.size(), 3u);
  EXPECT_EQ(sorted.services[1].destinations[0].endpoint.address.to_string(), "10.0.0.11");
  EXPECT_EQ(sorted.services[1].destinations[1].endpoint.address.to_string(), "10.0.0.12");
  EXPECT_EQ(sorted.services[1].destinations[2].endpoint.address.to_string(), "10.0.0.14");
}

}  // namespace
}  // namespace lvsd::cli
