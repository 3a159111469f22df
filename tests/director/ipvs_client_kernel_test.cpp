// Kernel tier (inside UML): the client programs real IPVS; ipvsadm, which
// nobody here wrote, reads back what we programmed, and so does our dump.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "director/ipvs_client.hpp"
#include "director/reconciler.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::director {
namespace {

using core::Status;
using Tokens = std::vector<std::string>;

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

Tokens split(const std::string& line) {
  std::istringstream in(line);
  Tokens out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Every line of a command's output, as whitespace-separated tokens.
std::vector<Tokens> lines_of(const std::string& command) {
  auto r = test::run_command(command);
  EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output;
  std::vector<Tokens> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) out.push_back(split(line));
  return out;
}

std::string ipvsadm_list() { return test::run_command("ipvsadm -Ln").output; }

bool has_line(const std::vector<Tokens>& lines, const Tokens& want) {
  for (const Tokens& l : lines) {
    if (l == want) return true;
  }
  return false;
}

Service service(Protocol p, const std::string& vip, std::uint16_t port, const std::string& scheduler) {
  return Service{{.key = ServiceKey::inet(p, ip(vip), port), .scheduler = scheduler}};
}

Destination dest(const std::string& address, std::uint16_t port, ForwardMethod fwd, std::int32_t weight) {
  return Destination{.endpoint = {ip(address), port}, .forward = fwd, .weight = weight};
}

class IpvsKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(test::run_command("ipvsadm -C").exit_code, 0);
    auto opened = IpvsClient::open();
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    client_ = std::move(*opened);
  }
  void TearDown() override {
    test::run_command("ipvsadm -C");
    test::run_command("ipvsadm --stop-daemon master; ipvsadm --stop-daemon backup");
  }

  ApplyReport apply_from_empty(const IpvsTable& desired) {
    auto kernel = client_->dump();
    EXPECT_TRUE(kernel.ok()) << kernel.error().message;
    return client_->apply(reconcile(desired, kernel.ok() ? *kernel : IpvsTable{}, OwnershipRecord{}));
  }

  std::unique_ptr<IpvsClient> client_;
};

IpvsTable three_forwarding_methods() {
  return IpvsTable{.services = {
                       {.service = service(Protocol::kTcp, "10.10.0.1", 80, "rr"),
                        .destinations = {dest("10.20.0.1", 80, ForwardMethod::kDirectRoute, 1),
                                         dest("10.20.0.2", 80, ForwardMethod::kDirectRoute, 2)}},
                       {.service = service(Protocol::kTcp, "10.10.0.2", 80, "wrr"),
                        .destinations = {dest("10.20.0.3", 8080, ForwardMethod::kNat, 3),
                                         dest("10.20.0.4", 8081, ForwardMethod::kNat, 1)}},
                       {.service = service(Protocol::kUdp, "10.10.0.3", 53, "lc"),
                        .destinations = {dest("10.20.0.5", 53, ForwardMethod::kTunnel, 5)}},
                   }};
}

TEST_F(IpvsKernel, DrNatTunWithRrWrrLcShowInIpvsadmAndDump) {
  IpvsTable desired = three_forwarding_methods();
  ApplyReport report = apply_from_empty(desired);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  EXPECT_EQ(report.applied, 8u);

  auto lines = lines_of("ipvsadm -Ln");
  std::string text = ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.1:80", "rr"})) << text;
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.1:80", "Route", "1", "0", "0"})) << text;
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.2:80", "Route", "2", "0", "0"})) << text;
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.2:80", "wrr"})) << text;
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.3:8080", "Masq", "3", "0", "0"})) << text;
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.4:8081", "Masq", "1", "0", "0"})) << text;
  EXPECT_TRUE(has_line(lines, {"UDP", "10.10.0.3:53", "lc"})) << text;
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.5:53", "Tunnel", "5", "0", "0"})) << text;
  EXPECT_EQ(lines.size(), 3u + 3u + 5u) << text;

  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok()) << dumped.error().message;
  ASSERT_EQ(dumped->services.size(), 3u);
  EXPECT_TRUE(reconcile(desired, *dumped, OwnershipRecord{}).empty());
  EXPECT_EQ(dumped->services[0].destinations.size() + dumped->services[1].destinations.size() +
                dumped->services[2].destinations.size(),
            5u);
}

TEST_F(IpvsKernel, TunnelTypeGueShowsInTunInfo) {
  Destination gue = dest("10.20.0.6", 80, ForwardMethod::kTunnel, 1);
  gue.tunnel_type = TunnelType::kGue;
  gue.tunnel_port = 6080;
  IpvsTable desired{.services = {{.service = service(Protocol::kTcp, "10.10.0.6", 80, "rr"), .destinations = {gue}}}};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto out = test::run_command("ipvsadm -Ln --tun-info").output;
  EXPECT_NE(out.find("gue"), std::string::npos) << out;
  EXPECT_NE(out.find("6080"), std::string::npos) << out;
  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok());
  ASSERT_EQ(dumped->services.size(), 1u);
  ASSERT_EQ(dumped->services[0].destinations.size(), 1u);
  EXPECT_EQ(dumped->services[0].destinations[0].tunnel_type, TunnelType::kGue);
  EXPECT_EQ(dumped->services[0].destinations[0].tunnel_port, 6080);
}

TEST_F(IpvsKernel, Ipv6Service) {
  IpvsTable desired{.services = {{.service = service(Protocol::kTcp, "2001:db8::1", 443, "wlc"),
                                  .destinations = {dest("2001:db8::10", 443, ForwardMethod::kDirectRoute, 4)}}}};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"TCP", "[2001:db8::1]:443", "wlc"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"->", "[2001:db8::10]:443", "Route", "4", "0", "0"})) << ipvsadm_list();
  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok()) << dumped.error().message;
  EXPECT_TRUE(reconcile(desired, *dumped, OwnershipRecord{}).empty());
}

TEST_F(IpvsKernel, FwmarkServicesIpv4AndIpv6) {
  IpvsTable desired{
      .services = {{.service = Service{{.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 5), .scheduler = "sh"}},
                    .destinations = {dest("10.20.0.7", 0, ForwardMethod::kDirectRoute, 1)}},
                   {.service = Service{{.key = ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 6), .scheduler = "rr"}},
                    .destinations = {dest("2001:db8::7", 0, ForwardMethod::kDirectRoute, 2)}}}};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"FWM", "5", "sh"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.7:0", "Route", "1", "0", "0"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"FWM", "6", "IPv6", "rr"})) << ipvsadm_list();
  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok()) << dumped.error().message;
  EXPECT_TRUE(reconcile(desired, *dumped, OwnershipRecord{}).empty());
}

TEST_F(IpvsKernel, PersistenceGranularityAndOnePacket) {
  Service persistent = service(Protocol::kTcp, "10.10.0.7", 443, "wlc");
  persistent.flags = kServiceFlagPersistent;
  persistent.persistence_timeout_s = 600;
  persistent.persistence_prefix = 24;
  Service udp = service(Protocol::kUdp, "10.10.0.8", 514, "rr");
  udp.flags = kServiceFlagOnePacket;
  IpvsTable desired{.services = {{.service = persistent, .destinations = {}}, {.service = udp, .destinations = {}}}};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.7:443", "wlc", "persistent", "600", "mask", "255.255.255.0"}))
      << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"UDP", "10.10.0.8:514", "rr", "ops"})) << ipvsadm_list();
  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok()) << dumped.error().message;
  EXPECT_TRUE(reconcile(desired, *dumped, OwnershipRecord{}).empty());
}

TEST_F(IpvsKernel, BadSchedulerFailsOnlyItsOwnOperation) {
  IpvsTable desired{.services = {
                        {.service = service(Protocol::kTcp, "10.10.0.1", 80, "rr"),
                         .destinations = {dest("10.20.0.1", 80, ForwardMethod::kDirectRoute, 1)}},
                        {.service = service(Protocol::kTcp, "10.10.0.2", 80, "nosuch"), .destinations = {}},
                        {.service = service(Protocol::kTcp, "10.10.0.3", 80, "wrr"),
                         .destinations = {dest("10.20.0.3", 80, ForwardMethod::kDirectRoute, 1)}},
                    }};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].index, 2u);
  EXPECT_EQ(report.failures[0].message, "NEW_SERVICE TCP 10.10.0.2:80 (scheduler nosuch): No such file or directory");
  EXPECT_EQ(report.applied, 4u);
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.1:80", "rr"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.3:80", "wrr"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.3:80", "Route", "1", "0", "0"})) << ipvsadm_list();
}

// The last message of a batch is the one that asks for an ACK: when it
// fails, its error is the batch's only reply, and the rest stands.
TEST_F(IpvsKernel, FailingLastOperationOfABatchFailsAlone) {
  IpvsTable desired{.services = {
                        {.service = service(Protocol::kTcp, "10.10.0.1", 80, "rr"),
                         .destinations = {dest("10.20.0.1", 80, ForwardMethod::kDirectRoute, 1),
                                          dest("10.20.0.2", 80, ForwardMethod::kDirectRoute, 2)}},
                        {.service = service(Protocol::kTcp, "10.10.0.2", 80, "nosuch"), .destinations = {}},
                    }};
  ApplyReport report = apply_from_empty(desired);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].index, 3u);
  EXPECT_EQ(report.applied, 3u);
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.2:80", "Route", "2", "0", "0"})) << ipvsadm_list();
  EXPECT_FALSE(has_line(lines, {"TCP", "10.10.0.2:80", "nosuch"})) << ipvsadm_list();
}

TEST_F(IpvsKernel, SyncDaemonStartShowsInIpvsadmAndStops) {
  // A veth end to bind the sync daemon to (lo has no multicast).
  test::run_command("ip link del lvsdsync0 2>/dev/null");
  ASSERT_EQ(test::run_command("ip link add lvsdsync0 type veth peer name lvsdsync1 && ip link set lvsdsync0 up && "
                              "ip link set lvsdsync1 up")
                .exit_code,
            0);
  Status started = client_->start_sync_daemon(
      SyncDaemon{.role = SyncDaemonRole::kMaster, .interface = "lvsdsync0", .sync_id = 42});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto out = test::run_command("ipvsadm -L --daemon").output;
  EXPECT_NE(out.find("master sync daemon (mcast=lvsdsync0, syncid=42,"), std::string::npos) << out;
  auto daemons = client_->sync_daemons();
  ASSERT_TRUE(daemons.ok()) << daemons.error().message;
  ASSERT_EQ(daemons->size(), 1u);
  EXPECT_EQ((*daemons)[0].role, SyncDaemonRole::kMaster);
  EXPECT_EQ((*daemons)[0].interface, "lvsdsync0");
  EXPECT_EQ((*daemons)[0].sync_id, 42u);
  // Unset options come back as the kernel's defaults, as ipvsadm prints them.
  const SyncDaemon& d = (*daemons)[0];
  std::string shown = "maxlen=" + std::to_string(d.max_payload) + ", group=" +
                      (d.group ? d.group->to_string() : "none") + ", port=" + std::to_string(d.port) +
                      ", ttl=" + std::to_string(d.ttl) + ")";
  EXPECT_NE(out.find(shown), std::string::npos) << shown << " not in " << out;

  Status stopped = client_->stop_sync_daemon(SyncDaemonRole::kMaster);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  out = test::run_command("ipvsadm -L --daemon").output;
  EXPECT_EQ(out.find("master sync daemon"), std::string::npos) << out;
  EXPECT_TRUE(client_->sync_daemons()->empty());
  test::run_command("ip link del lvsdsync0");
}

TEST_F(IpvsKernel, SecondApplyOfSameDesiredStateMakesNoWrite) {
  IpvsTable desired = three_forwarding_methods();
  ASSERT_TRUE(apply_from_empty(desired).ok());

  // A restarted lvsd: a fresh socket, a dump, a reconcile, an apply.
  auto reopened = IpvsClient::open();
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  auto& again = *reopened;
  auto kernel = again->dump();
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  OwnershipRecord owned{.services = {desired.services[0].service.key, desired.services[1].service.key,
                                     desired.services[2].service.key}};
  ReconcilePlan plan = reconcile(desired, *kernel, owned);
  EXPECT_TRUE(plan.empty()) << describe(plan.operations[0]);
  ApplyReport report = again->apply(plan);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(again->change_messages_sent(), 0u);
  EXPECT_GT(again->messages_sent(), 0u);  // the dumps were sent
}

// IpvsSync (daemon/ipvs_sync.cpp) decides that the kernel holds exactly the
// desired table by comparing each service's settings_digest() with the
// dump's. The kernel lists a service's destinations newest first, not in the
// order they were programmed: the digests must still match, or every change
// after the first makes the daemon read the whole table again.
TEST_F(IpvsKernel, DumpListsDestinationsNewestFirstAndTheDigestsStillMatch) {
  IpvsTable desired{.services = {{.service = service(Protocol::kTcp, "10.10.0.9", 80, "rr"),
                                  .destinations = {dest("10.20.0.1", 80, ForwardMethod::kDirectRoute, 1),
                                                   dest("10.20.0.2", 80, ForwardMethod::kDirectRoute, 2),
                                                   dest("10.20.0.3", 80, ForwardMethod::kDirectRoute, 3)}}}};
  ASSERT_TRUE(apply_from_empty(desired).ok());
  auto kernel = client_->dump();
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  ASSERT_EQ(kernel->services.size(), 1u);
  const VirtualService& dumped = kernel->services[0];
  ASSERT_EQ(dumped.destinations.size(), 3u);
  // What makes this test mean something on this kernel: the order differs.
  EXPECT_EQ(dumped.destinations[0].endpoint.to_string(), "10.20.0.3:80");
  EXPECT_EQ(dumped.destinations[2].endpoint.to_string(), "10.20.0.1:80");
  EXPECT_EQ(settings_digest(dumped), settings_digest(desired.services[0]));
  // ... and a weight the kernel does not hold still shows.
  desired.services[0].destinations[1].weight = 5;
  EXPECT_NE(settings_digest(dumped), settings_digest(desired.services[0]));
}

TEST_F(IpvsKernel, DestinationDeletedByHandIsRestoredExactly) {
  IpvsTable desired = three_forwarding_methods();
  ASSERT_TRUE(apply_from_empty(desired).ok());
  ASSERT_EQ(test::run_command("ipvsadm -d -t 10.10.0.2:80 -r 10.20.0.4:8081").exit_code, 0);
  ASSERT_FALSE(has_line(lines_of("ipvsadm -Ln"), {"->", "10.20.0.4:8081", "Masq", "1", "0", "0"}));

  auto kernel = client_->dump();
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  ReconcilePlan plan = reconcile(desired, *kernel, OwnershipRecord{});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(describe(plan.operations[0]), "NEW_DEST TCP 10.10.0.2:80 -> 10.20.0.4:8081 (Masq weight 1)");
  std::uint64_t before = client_->change_messages_sent();
  ASSERT_TRUE(client_->apply(plan).ok());
  EXPECT_EQ(client_->change_messages_sent() - before, 1u);
  EXPECT_TRUE(has_line(lines_of("ipvsadm -Ln"), {"->", "10.20.0.4:8081", "Masq", "1", "0", "0"}));
  auto after = client_->dump();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(reconcile(desired, *after, OwnershipRecord{}).empty());
}

TEST_F(IpvsKernel, WeightAndSchedulerChangesAreAppliedInPlace) {
  IpvsTable desired = three_forwarding_methods();
  ASSERT_TRUE(apply_from_empty(desired).ok());
  desired.services[0].destinations[1].weight = 7;
  desired.services[1].service.scheduler = "lc";
  desired.services[2].destinations[0].forward = ForwardMethod::kDirectRoute;
  auto kernel = client_->dump();
  ASSERT_TRUE(kernel.ok());
  ReconcilePlan plan = reconcile(desired, *kernel, OwnershipRecord{});
  ASSERT_EQ(plan.size(), 3u);
  ApplyReport report = client_->apply(plan);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.2:80", "Route", "7", "0", "0"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"TCP", "10.10.0.2:80", "lc"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"->", "10.20.0.5:53", "Route", "5", "0", "0"})) << ipvsadm_list();
}

TEST_F(IpvsKernel, ForeignServiceSurvivesOwnedOneIsRemoved) {
  IpvsTable desired = three_forwarding_methods();
  ASSERT_TRUE(apply_from_empty(desired).ok());
  ASSERT_EQ(test::run_command("ipvsadm -A -t 10.99.0.1:80 -s rr").exit_code, 0);
  OwnershipRecord owned{.services = {desired.services[0].service.key, desired.services[1].service.key,
                                     desired.services[2].service.key}};
  desired.services.pop_back();  // the config no longer has the UDP service

  auto kernel = client_->dump();
  ASSERT_TRUE(kernel.ok());
  ReconcilePlan plan = reconcile(desired, *kernel, owned);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(describe(plan.operations[0]), "DEL_SERVICE UDP 10.10.0.3:53");
  ApplyReport report = client_->apply(plan);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_FALSE(has_line(lines, {"UDP", "10.10.0.3:53", "lc"})) << ipvsadm_list();
  EXPECT_TRUE(has_line(lines, {"TCP", "10.99.0.1:80", "rr"})) << ipvsadm_list();
  OwnershipRecord after = ownership_after(owned, desired, plan, report.failed_indices());
  EXPECT_FALSE(after.owns(ServiceKey::inet(Protocol::kUdp, ip("10.10.0.3"), 53)));
  EXPECT_FALSE(after.owns(ServiceKey::inet(Protocol::kTcp, ip("10.99.0.1"), 80)));
}

TEST_F(IpvsKernel, ManyRequestsGoInFewSendCalls) {
  IpvsTable desired;
  for (int s = 0; s < 200; ++s) {
    VirtualService vs{.service = service(Protocol::kTcp, "10.40." + std::to_string(s / 100) + "." +
                                                             std::to_string(s % 100 + 1), 80, "wrr"),
                      .destinations = {}};
    for (int d = 0; d < 5; ++d) {
      vs.destinations.push_back(
          dest("10.41." + std::to_string(s / 50) + "." + std::to_string((s % 50) * 5 + d + 1), 80,
               ForwardMethod::kDirectRoute, d + 1));
    }
    desired.services.push_back(vs);
  }
  ReconcilePlan plan = reconcile(desired, IpvsTable{}, OwnershipRecord{});
  ASSERT_EQ(plan.size(), 1200u);
  std::uint64_t calls_before = client_->send_calls();
  std::uint64_t receives_before = client_->receive_calls();
  ApplyReport report = client_->apply(plan);
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  EXPECT_EQ(report.applied, 1200u);
  EXPECT_LE(client_->send_calls() - calls_before, 1200u / 256 + 1);
  // Only the last message of each send asks for an ACK (and nothing fails):
  // one reply, one receive per send.
  EXPECT_LE(client_->receive_calls() - receives_before, client_->send_calls() - calls_before);
  auto dumped = client_->dump();
  ASSERT_TRUE(dumped.ok()) << dumped.error().message;
  EXPECT_EQ(dumped->services.size(), 200u);
  EXPECT_TRUE(reconcile(desired, *dumped, OwnershipRecord{}).empty());
  // ipvsadm sees all 1,000 destinations.
  auto lines = lines_of("ipvsadm -Ln");
  EXPECT_EQ(lines.size(), 3u + 200u + 1000u);
}

TEST_F(IpvsKernel, InfoTimeoutsZeroAndFlush) {
  auto info = client_->info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->version, 0x010201u);
  EXPECT_GT(info->connection_table_size, 0u);
  EXPECT_NE(ipvsadm_list().find("(size=" + std::to_string(info->connection_table_size) + ")"), std::string::npos);

  auto original = client_->timeouts();
  ASSERT_TRUE(original.ok()) << original.error().message;
  ASSERT_TRUE(client_->set_timeouts(Timeouts{.tcp_s = 901, .tcp_fin_s = 121, .udp_s = 301}).ok());
  auto changed = client_->timeouts();
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*changed, (Timeouts{.tcp_s = 901, .tcp_fin_s = 121, .udp_s = 301}));
  EXPECT_NE(test::run_command("ipvsadm -L --timeout").output.find("Timeout (tcp tcpfin udp): 901 121 301"), std::string::npos);
  ASSERT_TRUE(client_->set_timeouts(*original).ok());

  ASSERT_TRUE(apply_from_empty(three_forwarding_methods()).ok());
  EXPECT_TRUE(client_->zero().ok());
  EXPECT_TRUE(client_->zero(ServiceKey::inet(Protocol::kTcp, ip("10.10.0.1"), 80)).ok());
  Status missing = client_->zero(ServiceKey::inet(Protocol::kTcp, ip("10.77.0.1"), 80));
  EXPECT_FALSE(missing.ok());
  ASSERT_TRUE(client_->flush().ok());
  EXPECT_TRUE(client_->dump()->services.empty());
  EXPECT_EQ(lines_of("ipvsadm -Ln").size(), 3u);
}

// The benchmark's shape (1,000 services x 10 destinations): programmed in
// one apply, read back whole, and a no-change resync writes nothing. Prints
// the timings; bench/ owns the comparison with keepalived and ipvsadm.
TEST_F(IpvsKernel, TenThousandDestinationsProgramAndResyncWithoutWrites) {
  IpvsTable desired;
  for (int s = 0; s < 1000; ++s) {
    VirtualService vs{.service = service(Protocol::kTcp, "10.50." + std::to_string(s / 250) + "." +
                                                             std::to_string(s % 250 + 1), 80, "wrr"),
                      .destinations = {}};
    for (int d = 0; d < 10; ++d) {
      vs.destinations.push_back(dest("10.60." + std::to_string(s / 25) + "." + std::to_string((s % 25) * 10 + d + 1),
                                     80, ForwardMethod::kDirectRoute, 1));
    }
    desired.services.push_back(vs);
  }
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };

  auto t0 = Clock::now();
  ReconcilePlan plan = reconcile(desired, IpvsTable{}, OwnershipRecord{});
  ApplyReport report = client_->apply(plan);
  auto t1 = Clock::now();
  ASSERT_TRUE(report.ok()) << report.failures[0].message;
  EXPECT_EQ(report.applied, 11000u);

  std::uint64_t writes_before = client_->change_messages_sent();
  auto kernel = client_->dump();
  ASSERT_TRUE(kernel.ok()) << kernel.error().message;
  ReconcilePlan again = reconcile(desired, *kernel, OwnershipRecord{});
  EXPECT_TRUE(client_->apply(again).ok());
  auto t2 = Clock::now();
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(client_->change_messages_sent(), writes_before);
  std::size_t destinations = 0;
  for (const VirtualService& vs : kernel->services) destinations += vs.destinations.size();
  EXPECT_EQ(destinations, 10000u);

  auto t3 = Clock::now();
  auto listed = test::run_command("ipvsadm -Ln");
  auto t4 = Clock::now();
  EXPECT_EQ(listed.exit_code, 0);
  std::printf("[ timing ] program 1000x10: %lld ms; %llu sendmsg, %llu recvmmsg calls in all; no-change resync "
              "(dump+reconcile): %lld ms; ipvsadm -Ln: %lld ms\n",
              static_cast<long long>(ms(t1 - t0)), static_cast<unsigned long long>(client_->send_calls()),
              static_cast<unsigned long long>(client_->receive_calls()),
              static_cast<long long>(ms(t2 - t1)), static_cast<long long>(ms(t4 - t3)));
}

}  // namespace
}  // namespace lvsd::director
