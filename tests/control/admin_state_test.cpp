#include "control/admin_state.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "core/fake_scheduler.hpp"

namespace lvsd::control {
namespace {

using namespace std::chrono_literals;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

const director::ServiceKey kWeb = director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.1"), 80);
const director::ServiceKey kDns = director::ServiceKey::inet(director::Protocol::kUdp, ip("10.0.0.1"), 53);

director::Destination dest(const char* address, std::uint16_t port, std::int32_t weight) {
  return director::Destination{.endpoint = {ip(address), port}, .weight = weight};
}

director::IpvsTable configured() {
  return director::IpvsTable{.services = {
                                 {.service = {{.key = kWeb}}, .destinations = {dest("10.0.0.2", 80, 3), dest("10.0.0.3", 80, 1)}},
                                 {.service = {{.key = kDns}}, .destinations = {dest("10.0.0.2", 53, 1), dest("10.0.0.2", 5353, 1)}},
                             }};
}

const director::Destination* find(const director::IpvsTable& t, const director::ServiceKey& key, const char* address,
                                  std::uint16_t port) {
  for (const auto& vs : t.services) {
    if (vs.service.key != key) continue;
    for (const auto& d : vs.destinations) {
      if (d.endpoint == core::Endpoint{ip(address), port}) return &d;
    }
  }
  return nullptr;
}

class AdminStateTest : public ::testing::Test {
 protected:
  // What the fake kernel reports: the configured table with these active counts.
  void set_active(const char* address, std::uint16_t port, std::uint32_t active) { active_[{address, port}] = active; }

  core::Result<director::IpvsTable> read_kernel(const std::set<director::ServiceKey>& services) {
    ++reads_;
    read_services_ = services;
    if (kernel_down_) return core::Error{"netlink: timed out"};
    auto t = admin_.apply(configured());  // the kernel holds what we last asked for
    for (auto& vs : t.services) {
      vs.counters.resize(vs.destinations.size());
      for (std::size_t i = 0; i < vs.destinations.size(); ++i) {
        const auto& d = vs.destinations[i];
        const auto it = active_.find({d.endpoint.address.to_string(), d.endpoint.port});
        if (it != active_.end()) vs.counters[i].active_connections = it->second;
      }
    }
    return t;
  }

  core::FakeScheduler clock_;
  int changes_ = 0;
  int reads_ = 0;
  bool kernel_down_ = false;
  std::map<std::pair<std::string, std::uint16_t>, std::uint32_t> active_;
  std::set<director::ServiceKey> read_services_;
  AdminState admin_{clock_, [this](const std::set<director::ServiceKey>& s) { return read_kernel(s); }, [this] { ++changes_; }, {.poll_interval = 1s}};
};

TEST_F(AdminStateTest, DrainSetsWeightZeroThenRemovesWhenActiveConnectionsEnd) {
  set_active("10.0.0.2", 80, 5);
  auto r = admin_.drain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_EQ(changes_, 1);
  auto t = admin_.apply(configured());
  ASSERT_NE(find(t, kWeb, "10.0.0.2", 80), nullptr);
  EXPECT_EQ(find(t, kWeb, "10.0.0.2", 80)->weight, 0);
  EXPECT_EQ(find(t, kWeb, "10.0.0.3", 80)->weight, 1);  // others untouched
  EXPECT_EQ(find(t, kDns, "10.0.0.2", 53)->weight, 1);  // same address, other service: untouched

  clock_.advance(10s);  // connections still open: stays at weight 0
  EXPECT_EQ(changes_, 1);
  EXPECT_GE(reads_, 9);
  EXPECT_EQ(admin_.drains().begin()->second.phase, DrainPhase::kDraining);

  set_active("10.0.0.2", 80, 0);
  clock_.advance(1s);
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(admin_.drains().begin()->second.phase, DrainPhase::kDrained);
  EXPECT_EQ(find(admin_.apply(configured()), kWeb, "10.0.0.2", 80), nullptr);
  // Nothing left to wait for: no more polling.
  const int reads = reads_;
  clock_.advance(60s);
  EXPECT_EQ(reads_, reads);
  EXPECT_EQ(clock_.armed_count(), 0u);
}

// A restart in place takes a finished drain up as finished: the real server
// stays out of the table from the first moment, and nothing polls.
TEST_F(AdminStateTest, RestoredDrainedServerStaysOutWithoutPolling) {
  auto r = admin_.restore_drained(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(find(admin_.apply(configured()), kWeb, "10.0.0.2", 80), nullptr);
  EXPECT_EQ(admin_.drains().begin()->second.phase, DrainPhase::kDrained);
  clock_.advance(5s);
  EXPECT_EQ(reads_, 0);
  EXPECT_FALSE(admin_.restore_drained(configured(), kWeb, {.address = ip("10.0.0.99"), .port = 80}).ok());
}

TEST_F(AdminStateTest, DrainTimeoutRemovesWithConnectionsLeft) {
  set_active("10.0.0.3", 80, 7);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.3")}, 5s).ok());
  clock_.advance(4s);
  EXPECT_NE(find(admin_.apply(configured()), kWeb, "10.0.0.3", 80), nullptr);
  clock_.advance(1s);
  EXPECT_EQ(find(admin_.apply(configured()), kWeb, "10.0.0.3", 80), nullptr);
  EXPECT_EQ(changes_, 2);
}

TEST_F(AdminStateTest, TimeoutStillAppliesWhileTheKernelCannotBeRead) {
  kernel_down_ = true;
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.3")}, 3s).ok());
  clock_.advance(2s);
  EXPECT_EQ(admin_.drains().begin()->second.phase, DrainPhase::kDraining);  // unknown counters: keep waiting
  EXPECT_EQ(admin_.kernel_read_failures(), 2u);
  clock_.advance(1s);
  EXPECT_EQ(admin_.drains().begin()->second.phase, DrainPhase::kDrained);
}

TEST_F(AdminStateTest, UndrainRestoresAndStopsWaiting) {
  set_active("10.0.0.2", 80, 2);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}, std::nullopt).ok());
  auto again = admin_.drain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // already draining, same timeout
  auto r = admin_.undrain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(admin_.apply(configured()).services[0].destinations[0].weight, 3);
  EXPECT_FALSE(*admin_.undrain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}));
  EXPECT_EQ(changes_, 2);
  // A drained one comes back too.
  set_active("10.0.0.3", 80, 0);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.3")}, std::nullopt).ok());
  clock_.advance(1s);
  EXPECT_EQ(find(admin_.apply(configured()), kWeb, "10.0.0.3", 80), nullptr);
  ASSERT_TRUE(admin_.undrain(configured(), kWeb, {.address = ip("10.0.0.3")}).ok());
  EXPECT_NE(find(admin_.apply(configured()), kWeb, "10.0.0.3", 80), nullptr);
}

TEST_F(AdminStateTest, UnknownOrAmbiguousServersAreErrors) {
  auto no_vs = admin_.drain(configured(), director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.9"), 80),
                            {.address = ip("10.0.0.2")}, std::nullopt);
  ASSERT_FALSE(no_vs.ok());
  EXPECT_EQ(no_vs.error().message, "no virtual server TCP 10.0.0.9:80 in the configuration");
  auto no_rs = admin_.drain(configured(), kWeb, {.address = ip("10.0.0.7"), .port = 80}, std::nullopt);
  ASSERT_FALSE(no_rs.ok());
  EXPECT_EQ(no_rs.error().message, "no real server 10.0.0.7:80 in virtual server TCP 10.0.0.1:80");
  auto ambiguous = admin_.drain(configured(), kDns, {.address = ip("10.0.0.2")}, std::nullopt);
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.error().message.find("ambiguous"), std::string::npos);
  EXPECT_FALSE(admin_.disable(configured(), director::ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 3)).ok());
  EXPECT_EQ(changes_, 0);
  EXPECT_TRUE(admin_.drains().empty());
}

TEST_F(AdminStateTest, DisableRemovesTheServiceAndEnableRestoresIt) {
  ASSERT_TRUE(*admin_.disable(configured(), kDns));
  EXPECT_FALSE(*admin_.disable(configured(), kDns));
  auto t = admin_.apply(configured());
  ASSERT_EQ(t.services.size(), 1u);
  EXPECT_EQ(t.services[0].service.key, kWeb);
  ASSERT_TRUE(*admin_.enable(kDns));
  EXPECT_FALSE(*admin_.enable(kDns));
  EXPECT_EQ(admin_.apply(configured()).services.size(), 2u);
  EXPECT_EQ(changes_, 2);
}

TEST_F(AdminStateTest, ForgetMissingDropsOverridesOfRemovedServers) {
  set_active("10.0.0.3", 80, 1);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.3")}, std::nullopt).ok());
  ASSERT_TRUE(admin_.disable(configured(), kDns).ok());
  director::IpvsTable reloaded = configured();
  reloaded.services[0].destinations.pop_back();  // 10.0.0.3 left the config
  reloaded.services.pop_back();                  // and the DNS service too
  admin_.forget_missing(reloaded);
  EXPECT_TRUE(admin_.drains().empty());
  EXPECT_TRUE(admin_.disabled().empty());
  EXPECT_EQ(clock_.armed_count(), 0u);
}

TEST_F(AdminStateTest, ApplyLeavesRealServersTheHealthLayerRemovedAlone) {
  set_active("10.0.0.2", 80, 1);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}, std::nullopt).ok());
  director::IpvsTable healthy = configured();
  healthy.services[0].destinations.erase(healthy.services[0].destinations.begin());  // 10.0.0.2 is down
  auto t = admin_.apply(healthy);
  ASSERT_EQ(t.services[0].destinations.size(), 1u);
  EXPECT_EQ(t.services[0].destinations[0].endpoint.address, ip("10.0.0.3"));
  EXPECT_EQ(t.services[0].destinations[0].weight, 1);
}

// A drain must not dump the whole table every poll (issue #20): only the
// services with a real server being drained are read.
TEST_F(AdminStateTest, PollReadsOnlyTheServicesBeingDrained) {
  set_active("10.0.0.2", 53, 2);
  ASSERT_TRUE(admin_.drain(configured(), kDns, {.address = ip("10.0.0.2"), .port = 53}, std::nullopt).ok());
  clock_.advance(1s);
  EXPECT_EQ(reads_, 1);
  EXPECT_EQ(read_services_, (std::set<director::ServiceKey>{kDns}));
  set_active("10.0.0.2", 80, 1);
  ASSERT_TRUE(admin_.drain(configured(), kWeb, {.address = ip("10.0.0.2"), .port = 80}, std::nullopt).ok());
  clock_.advance(1s);
  EXPECT_EQ(read_services_, (std::set<director::ServiceKey>{kWeb, kDns}));
  set_active("10.0.0.2", 53, 0);
  clock_.advance(1s);  // the DNS drain finishes here
  clock_.advance(1s);
  EXPECT_EQ(read_services_, (std::set<director::ServiceKey>{kWeb}));
}

}  // namespace
}  // namespace lvsd::control
