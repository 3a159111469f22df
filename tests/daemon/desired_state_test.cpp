#include "daemon/desired_state.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "conf/loader.hpp"

namespace lvsd::daemon {
namespace {

conf::Config load(const std::string& yaml) {
  conf::LoadResult r = conf::load_yaml(yaml, "test.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? std::string("no config") : r.errors.front().message);
  return r.config.value_or(conf::Config{});
}

TEST(ConfiguredTable, DirectRoutingServiceWithPersistence) {
  auto config = load(R"(
virtual_servers:
  - address: 192.168.152.100
    port: 80
    protocol: TCP
    lb_algo: wrr
    lb_kind: DR
    persistence_timeout: 300s
    persistence_granularity: 255.255.255.0
    real_servers:
      - { address: 192.168.152.133, port: 80, weight: 3 }
      - { address: 192.168.152.134, port: 80, weight: 1 }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 1u);
  const auto& vs = table.services[0];
  EXPECT_EQ(director::describe(vs.service.key), "TCP 192.168.152.100:80");
  EXPECT_EQ(vs.service.scheduler, "wrr");
  EXPECT_TRUE(vs.service.persistent());
  EXPECT_EQ(vs.service.persistence_timeout_s, 300u);
  EXPECT_EQ(vs.service.persistence_prefix, std::optional<std::uint8_t>(24));
  ASSERT_EQ(vs.destinations.size(), 2u);
  EXPECT_EQ(vs.destinations[0].endpoint.address.to_string(), "192.168.152.133");
  EXPECT_EQ(vs.destinations[0].endpoint.port, 80);
  EXPECT_EQ(vs.destinations[0].weight, 3);
  EXPECT_EQ(vs.destinations[0].forward, director::ForwardMethod::kDirectRoute);
  EXPECT_EQ(vs.destinations[1].weight, 1);
}

TEST(ConfiguredTable, NatRealServerPortAndNoPersistence) {
  auto config = load(R"(
virtual_servers:
  - address: 10.0.0.100
    port: 80
    lb_algo: rr
    lb_kind: NAT
    real_servers:
      - { address: 10.0.1.1, port: 8080 }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 1u);
  EXPECT_FALSE(table.services[0].service.persistent());
  EXPECT_EQ(table.services[0].destinations[0].forward, director::ForwardMethod::kNat);
  EXPECT_EQ(table.services[0].destinations[0].endpoint.port, 8080);
}

TEST(ConfiguredTable, OnePacketSchedulingForUdp) {
  auto config = load(R"(
virtual_servers:
  - { address: 10.0.0.100, port: 53, protocol: UDP, lb_algo: rr, lb_kind: DR, ops: true,
      real_servers: [ { address: 10.0.0.11, port: 53 } ] }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 1u);
  EXPECT_TRUE(table.services[0].service.one_packet());
  // TCP cannot use it: the loader refuses.
  auto tcp = conf::load_yaml("virtual_servers:\n  - { address: 10.0.0.100, port: 80, ops: true }\n", "t.yaml");
  ASSERT_FALSE(tcp.ok());
  EXPECT_EQ(tcp.errors[0].path, "virtual_servers[0].ops");
}

TEST(ConfiguredTable, SchedulerFlagsBecomeServiceFlags) {
  auto config = load(R"(
virtual_servers:
  - { address: 10.0.0.100, port: 80, lb_algo: mh, scheduler_flags: [mh-port], lb_kind: DR,
      real_servers: [ { address: 10.0.0.11 } ] }
  - { address: 10.0.0.100, port: 81, lb_algo: sh, scheduler_flags: [sh-fallback, flag-3], lb_kind: DR,
      real_servers: [ { address: 10.0.0.11 } ] }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 2u);
  EXPECT_EQ(table.services[0].service.flags, director::kServiceFlagScheduler2);
  EXPECT_EQ(table.services[1].service.flags, director::kServiceFlagScheduler1 | director::kServiceFlagScheduler3);
}

TEST(ConfiguredTable, TunnelIpv6AndFwmark) {
  auto config = load(R"(
virtual_servers:
  - address: "2001:db8::100"
    port: 53
    protocol: UDP
    lb_algo: sh
    lb_kind: TUN
    tunnel_type: gue
    tunnel_port: 6080
    real_servers:
      - { address: "2001:db8::1", port: 53 }
  - fwmark: 7
    lb_algo: lc
    lb_kind: DR
    real_servers:
      - { address: 10.0.0.11 }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 2u);
  const auto& v6 = table.services[0];
  EXPECT_EQ(v6.service.key.family(), core::AddressFamily::kIpv6);
  EXPECT_EQ(v6.service.key.protocol, director::Protocol::kUdp);
  EXPECT_EQ(v6.destinations[0].forward, director::ForwardMethod::kTunnel);
  EXPECT_EQ(v6.destinations[0].tunnel_type, director::TunnelType::kGue);
  EXPECT_EQ(v6.destinations[0].tunnel_port, 6080);
  const auto& fw = table.services[1];
  EXPECT_TRUE(fw.service.key.is_fwmark());
  EXPECT_EQ(fw.service.key.fwmark, 7u);
  EXPECT_EQ(fw.service.key.family(), core::AddressFamily::kIpv4);
  EXPECT_EQ(fw.destinations[0].endpoint.port, 0);
}

TEST(ConfiguredTable, GroupMakesOneServicePerMemberWithTheSameRealServers) {
  auto config = load(R"(
virtual_server_groups:
  - name: web
    members:
      - {address: 10.0.0.1, port: 80}
      - {address: 10.0.0.2-4, port: 8080}
      - {fwmark: 7}
virtual_servers:
  - group: web
    lb_algo: rr
    lb_kind: NAT
    real_servers:
      - { address: 10.0.1.1, port: 81, weight: 3 }
      - { address: 10.0.1.2 }
)");
  auto table = configured_table(config);
  std::vector<std::string> keys;
  for (const auto& s : table.services) keys.push_back(director::describe(s.service.key));
  EXPECT_EQ(keys, (std::vector<std::string>{"TCP 10.0.0.1:80", "TCP 10.0.0.2:8080", "TCP 10.0.0.3:8080",
                                            "TCP 10.0.0.4:8080", "FWM 7"}));
  for (const auto& s : table.services) {
    EXPECT_EQ(s.service.scheduler, "rr");
    ASSERT_EQ(s.destinations.size(), 2u);
    EXPECT_EQ(s.destinations[0].endpoint.to_string(), "10.0.1.1:81");
    EXPECT_EQ(s.destinations[0].weight, 3);
    // Without a port of its own a real server takes each service's.
    EXPECT_EQ(s.destinations[1].endpoint.port, s.service.key.endpoint.port);
  }
  EXPECT_EQ(service_keys(config, config.virtual_servers[0]).size(), 5u);
}

TEST(ConfiguredTable, ThresholdsAndPersistenceEngine) {
  auto config = load(R"(
virtual_servers:
  - address: 10.0.0.100
    port: 5060
    protocol: UDP
    lb_algo: rr
    lb_kind: DR
    persistence_timeout: 60
    persistence_engine: sip
    real_servers:
      - { address: 10.0.1.1, port: 5060, uthreshold: 100, lthreshold: 80 }
)");
  auto table = configured_table(config);
  ASSERT_EQ(table.services.size(), 1u);
  EXPECT_EQ(table.services[0].service.persistence_engine, "sip");
  EXPECT_EQ(table.services[0].destinations[0].upper_threshold, 100u);
  EXPECT_EQ(table.services[0].destinations[0].lower_threshold, 80u);
}

}  // namespace
}  // namespace lvsd::daemon
