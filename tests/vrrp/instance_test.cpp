// The running instance driven with FakeScheduler and fake ports: no
// sockets, no sleeping.
#include "vrrp/instance.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/fake_scheduler.hpp"
#include "vrrp/notify.hpp"
#include "vrrp/sync_group.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

struct SentAdvert {
  Advert advert;
  core::IpAddress destination;
};

class FakeAdverts final : public AdvertPort {
 public:
  core::Status send(std::span<const std::uint8_t> payload, const core::IpAddress& destination) override {
    ReceivedMeta meta{.source = source, .destination = destination, .ttl = 255, .ifindex = 1};
    LocalExpectations local{.version = Version::kV2, .vrid = 51, .advert_interval = Centiseconds{100},
                            .vips = {ip("10.0.0.100")}};
    // Decoded as the receiving peer would: a unicast destination is a peer in unicast mode.
    if (destination != vrrp_multicast_group(core::AddressFamily::kIpv4)) local.unicast_peers = {source};
    auto decoded = decode(payload, meta, local);
    if (auto* ok = std::get_if<ReceivedAdvert>(&decoded)) sent.push_back({ok->advert, destination});
    return {};
  }
  core::IpAddress source = ip("10.0.0.1");
  std::vector<SentAdvert> sent;
};

class FakeVips final : public VipPort {
 public:
  core::Status add(const VipSpec& vip) override {
    present.insert(vip.prefix.address);
    ++adds;
    return {};
  }
  core::Status remove(const VipSpec& vip) override {
    present.erase(vip.prefix.address);
    ++removes;
    return {};
  }
  core::Result<std::vector<InterfaceAddress>> list(core::AddressFamily, int) override {
    std::vector<InterfaceAddress> out;
    for (const auto& a : present) out.push_back({.prefix = {a, 32}, .ifindex = 1});
    return out;
  }
  std::set<core::IpAddress> present;
  int adds = 0, removes = 0;
};

class FakeAnnouncer final : public AnnouncePort {
 public:
  core::Status announce(const core::IpAddress& vip) override {
    announced.push_back(vip);
    return {};
  }
  std::vector<core::IpAddress> announced;
};

InstanceConfig config(std::uint8_t priority = 100) {
  return InstanceConfig{.name = "VI_1",
                        .interface = "eth0",
                        .ifindex = 1,
                        .version = Version::kV2,
                        .family = core::AddressFamily::kIpv4,
                        .vrid = 51,
                        .priority = priority,
                        .advert_interval = Centiseconds{100},
                        .primary_address = ip("10.0.0.1"),
                        .vips = {VipSpec{.prefix = {ip("10.0.0.100"), 24}, .ifindex = 1}},
                        .garp_master_repeat = 3,
                        .garp_master_delay = seconds(5),
                        .garp_lower_prio_repeat = 3};
}

// A peer's advert as the socket would hand it over.
Datagram advert_from(const char* source, std::uint8_t priority, std::uint8_t vrid = 51) {
  Advert a{.version = Version::kV2, .vrid = vrid, .priority = priority, .advert_interval = Centiseconds{100},
           .addresses = {ip("10.0.0.100")}};
  const core::IpAddress group = vrrp_multicast_group(core::AddressFamily::kIpv4);
  auto bytes = encode(a, ip(source), group);
  return Datagram{.payload = bytes.value(),
                  .meta = {.source = ip(source), .destination = group, .ttl = 255, .ifindex = 1}};
}

struct Rig {
  explicit Rig(InstanceConfig c = config()) : instance(sched, std::move(c), adverts, vips, announcer) {
    instance.set_state_listener([this](const Instance&, State from, State to) { changes.emplace_back(from, to); });
  }
  core::Duration master_down(std::uint8_t priority = 100) {
    return master_down_interval(Version::kV2, priority, Centiseconds{100});
  }
  core::FakeScheduler sched;
  FakeAdverts adverts;
  FakeVips vips;
  FakeAnnouncer announcer;
  Instance instance;
  std::vector<std::pair<State, State>> changes;
};

TEST(Instance, BecomesMasterAfterMasterDownIntervalWithVipAdvertAndGarp) {
  Rig rig;
  rig.instance.start();
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_TRUE(rig.vips.present.empty());
  rig.sched.advance(rig.master_down() - milliseconds(1));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  rig.sched.advance(milliseconds(1));
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_TRUE(rig.vips.present.contains(ip("10.0.0.100")));
  ASSERT_EQ(rig.adverts.sent.size(), 1u);
  EXPECT_EQ(rig.adverts.sent[0].advert.priority, 100);
  EXPECT_EQ(rig.adverts.sent[0].destination, ip("224.0.0.18"));
  EXPECT_EQ(rig.announcer.announced.size(), 3u);  // garp_master_repeat
  // Adverts every Advertisement_Interval while master.
  rig.sched.advance(seconds(3));
  EXPECT_EQ(rig.adverts.sent.size(), 4u);
  const auto st = rig.instance.status();
  EXPECT_EQ(st.adverts_sent, 4u);
  EXPECT_EQ(st.transitions_into[static_cast<std::size_t>(State::kMaster)], 1u);
  ASSERT_TRUE(st.last_transition);
  EXPECT_EQ(st.last_transition->from, State::kBackup);
  EXPECT_EQ(st.last_transition->to, State::kMaster);
  EXPECT_EQ(st.master_address, ip("10.0.0.1"));
  EXPECT_EQ(rig.changes, (std::vector<std::pair<State, State>>{{State::kInitialize, State::kBackup},
                                                               {State::kBackup, State::kMaster}}));
}

// keepalived's virtual_ipaddress_excluded: added and removed with the VIPs,
// never listed in an advert, and a peer's advert without it still matches.
TEST(Instance, ExcludedAddressesMoveWithTheVipsButStayOutOfAdverts) {
  InstanceConfig c = config();
  c.vips.push_back(VipSpec{.prefix = {ip("10.0.0.101"), 24}, .ifindex = 1, .in_advert = false});
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_TRUE(rig.vips.present.contains(ip("10.0.0.101")));
  // FakeAdverts decodes with only 10.0.0.100 expected: an advert listing the
  // excluded address too would be dropped as an address mismatch.
  ASSERT_EQ(rig.adverts.sent.size(), 1u);
  EXPECT_EQ(rig.adverts.sent[0].advert.addresses, std::vector<core::IpAddress>{ip("10.0.0.100")});
  // A higher-priority peer's advert (listing 10.0.0.100 only) is accepted: both go.
  rig.instance.on_datagram(advert_from("10.0.0.2", 200));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_TRUE(rig.vips.present.empty());
}

TEST(Instance, BackupStaysBackupWhileAHigherMasterAdvertises) {
  Rig rig;
  rig.instance.start();
  for (int i = 0; i < 10; ++i) {
    rig.sched.advance(seconds(1));
    rig.instance.on_datagram(advert_from("10.0.0.2", 200));
  }
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.instance.status().master_address, ip("10.0.0.2"));
  EXPECT_EQ(rig.instance.status().adverts_received, 10u);
  EXPECT_TRUE(rig.adverts.sent.empty());
}

TEST(Instance, MasterBacksOffToHigherPriorityAndRemovesVip) {
  Rig rig;
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_datagram(advert_from("10.0.0.2", 200));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_TRUE(rig.vips.present.empty());
  EXPECT_EQ(rig.instance.status().master_address, ip("10.0.0.2"));
  // No more adverts and no GARP from a backup.
  const auto sent = rig.adverts.sent.size();
  const auto announced = rig.announcer.announced.size();
  for (int i = 0; i < 10; ++i) {
    rig.sched.advance(seconds(1));
    rig.instance.on_datagram(advert_from("10.0.0.2", 200));
  }
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.adverts.sent.size(), sent);
  EXPECT_EQ(rig.announcer.announced.size(), announced);
}

TEST(Instance, StopResignsWithPriorityZeroAndReleasesVips) {
  Rig rig;
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_TRUE(rig.vips.present.contains(ip("10.0.0.100")));
  rig.instance.stop();
  EXPECT_EQ(rig.instance.state(), State::kInitialize);
  ASSERT_FALSE(rig.adverts.sent.empty());
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 0);
  EXPECT_TRUE(rig.vips.present.empty());
  EXPECT_EQ(rig.sched.armed_count(), 0u);  // no timer left to fire
}

TEST(Instance, BackupTakesOverAfterSkewTimeWhenTheMasterResigns) {
  Rig rig(config(50));
  rig.instance.start();
  rig.instance.on_datagram(advert_from("10.0.0.2", 100));
  rig.instance.on_datagram(advert_from("10.0.0.2", 0));
  rig.sched.advance(skew_time(Version::kV2, 50, Centiseconds{100}));
  EXPECT_EQ(rig.instance.state(), State::kMaster);
}

TEST(Instance, GarpBurstRepeatsAfterDelayAndOnRefresh) {
  InstanceConfig c = config();
  c.garp_master_repeat = 2;
  c.garp_master_delay = seconds(5);
  c.garp_master_refresh = seconds(60);
  c.garp_master_refresh_repeat = 3;  // a periodic burst has its own count (keepalived's default 1)
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  EXPECT_EQ(rig.announcer.announced.size(), 2u);
  rig.sched.advance(milliseconds(4999));
  EXPECT_EQ(rig.announcer.announced.size(), 2u);
  rig.sched.advance(milliseconds(1));
  EXPECT_EQ(rig.announcer.announced.size(), 4u);
  rig.sched.advance(seconds(55));
  EXPECT_EQ(rig.announcer.announced.size(), 7u);
  rig.sched.advance(seconds(60));
  EXPECT_EQ(rig.announcer.announced.size(), 10u);
  // Not master any more: no further announcements.
  for (int i = 0; i < 130; ++i) {
    rig.instance.on_datagram(advert_from("10.0.0.2", 200));
    rig.sched.advance(seconds(1));
  }
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.announcer.announced.size(), 10u);
}

TEST(Instance, NoSecondBurstWhenDelayIsZero) {
  InstanceConfig c = config();
  c.garp_master_delay = core::Duration::zero();
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  rig.sched.advance(seconds(30));
  EXPECT_EQ(rig.announcer.announced.size(), 3u);
}

TEST(Instance, LeftoverVipIsRemovedAtStart) {
  Rig rig;
  rig.vips.present.insert(ip("10.0.0.100"));  // left by a crashed run
  rig.vips.present.insert(ip("10.0.0.1"));    // the primary address stays
  rig.instance.start();
  EXPECT_FALSE(rig.vips.present.contains(ip("10.0.0.100")));
  EXPECT_TRUE(rig.vips.present.contains(ip("10.0.0.1")));
  EXPECT_EQ(rig.vips.removes, 1);
}

TEST(Instance, ReassertsAgainstALowerMasterAfterSplitBrain) {
  Rig rig;
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  const auto announced = rig.announcer.announced.size();
  const auto sent = rig.adverts.sent.size();
  rig.instance.on_datagram(advert_from("10.0.0.2", 50));
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_EQ(rig.adverts.sent.size(), sent + 1);
  EXPECT_EQ(rig.announcer.announced.size(), announced + 3);
}

TEST(Instance, DropsAreCountedByReason) {
  Rig rig;
  rig.instance.start();
  rig.instance.on_datagram(advert_from("10.0.0.2", 200, /*vrid=*/52));
  Datagram low_ttl = advert_from("10.0.0.2", 200);
  low_ttl.meta.ttl = 64;
  rig.instance.on_datagram(low_ttl);
  const auto st = rig.instance.status();
  EXPECT_EQ(st.dropped[static_cast<std::size_t>(DropReason::kWrongVrid)], 1u);
  EXPECT_EQ(st.dropped[static_cast<std::size_t>(DropReason::kWrongTtl)], 1u);
  EXPECT_EQ(st.adverts_received, 0u);
  EXPECT_EQ(st.master_address, std::nullopt);
}

// Issue #17: an attacker off the segment sent one advert to the master's own
// address (it arrived with TTL 63, priority 200); the master went BACKUP and
// removed the VIP. Each case must leave the master in charge, counted by reason.
Datagram routed_advert(Version version, const core::IpAddress& destination, std::uint8_t priority,
                       std::vector<core::IpAddress> addresses = {ip("10.0.0.100")}) {
  Advert a{.version = version, .vrid = 51, .priority = priority, .advert_interval = Centiseconds{100},
           .addresses = std::move(addresses)};
  const core::IpAddress source = ip("192.0.2.7");
  return Datagram{.payload = encode(a, source, destination).value(),
                  .meta = {.source = source, .destination = destination, .ttl = 63, .ifindex = 1}};
}

void expect_master_keeps_vip(Rig& rig, const Datagram& d, DropReason reason) {
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_datagram(d);
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_EQ(rig.vips.present, std::set<core::IpAddress>{ip("10.0.0.100")});
  const auto st = rig.instance.status();
  EXPECT_EQ(st.dropped[static_cast<std::size_t>(reason)], 1u) << to_string(reason);
  EXPECT_EQ(st.adverts_received, 0u);
}

TEST(Instance, MasterIgnoresARoutedAdvertToItsOwnAddress) {
  for (const Version v : {Version::kV2, Version::kV3}) {
    InstanceConfig c = config();
    c.version = v;
    Rig rig(c);
    rig.instance.start();
    rig.sched.advance(rig.master_down());
    expect_master_keeps_vip(rig, routed_advert(v, ip("10.0.0.1"), 200), DropReason::kWrongDestination);
    rig.sched.advance(seconds(10));
    EXPECT_EQ(rig.instance.state(), State::kMaster);
  }
}

TEST(Instance, UnicastMasterIgnoresARoutedAdvertFromItsPeer) {
  InstanceConfig c = config();
  c.version = Version::kV3;
  c.unicast_peers = {ip("192.0.2.7")};
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  expect_master_keeps_vip(rig, routed_advert(Version::kV3, ip("10.0.0.1"), 200), DropReason::kWrongTtl);
}

TEST(Instance, UnicastTtlCheckOffAcceptsARoutedPeer) {
  InstanceConfig c = config();
  c.version = Version::kV3;
  c.unicast_peers = {ip("192.0.2.7")};
  c.check_unicast_ttl = false;
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_datagram(routed_advert(Version::kV3, ip("10.0.0.1"), 200));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.instance.status().adverts_received, 1u);
}

TEST(Instance, V3MasterIgnoresAnAdvertForOtherAddresses) {
  InstanceConfig c = config();
  c.version = Version::kV3;
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  Datagram d = routed_advert(Version::kV3, vrrp_multicast_group(core::AddressFamily::kIpv4), 200, {ip("10.0.0.99")});
  d.meta.ttl = 255;
  d.meta.source = ip("10.0.0.2");
  d.payload = encode(Advert{.version = Version::kV3, .vrid = 51, .priority = 200,
                            .advert_interval = Centiseconds{100}, .addresses = {ip("10.0.0.99")}},
                     d.meta.source, d.meta.destination).value();
  expect_master_keeps_vip(rig, d, DropReason::kAddressMismatch);
}

TEST(Instance, TrackedInterfaceWithoutWeightSendsToFaultAndBack) {
  InstanceConfig c = config();
  c.track_interface = {{.name = "eth1", .weight = 0}};
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_link("eth9", false);  // not tracked
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_link("eth1", false);
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 0);
  EXPECT_TRUE(rig.vips.present.empty());
  EXPECT_EQ(rig.instance.status().interfaces_down, std::vector<std::string>{"eth1"});
  rig.sched.advance(seconds(30));
  EXPECT_EQ(rig.instance.state(), State::kFault);
  rig.instance.on_link("eth1", true);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  rig.sched.advance(rig.master_down());
  EXPECT_EQ(rig.instance.state(), State::kMaster);
}

TEST(Instance, TrackedInterfaceWithWeightLowersPriority) {
  InstanceConfig c = config();
  c.track_interface = {{.name = "eth1", .weight = -60}};
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  rig.instance.on_link("eth1", false);
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 40);
  EXPECT_EQ(rig.instance.status().effective_priority, 40);
  // A peer at 50 now wins.
  rig.instance.on_datagram(advert_from("10.0.0.2", 50));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  rig.instance.on_link("eth1", true);
  EXPECT_EQ(rig.instance.status().effective_priority, 100);
}

TEST(Instance, StartsInFaultWhenATrackedLinkIsDown) {
  InstanceConfig c = config();
  c.track_interface = {{.name = "eth1", .weight = 0}};
  Rig rig(c);
  rig.instance.on_link("eth1", false);
  rig.instance.start();
  EXPECT_EQ(rig.instance.state(), State::kFault);
  rig.sched.advance(seconds(10));
  EXPECT_EQ(rig.instance.state(), State::kFault);
}

// keepalived's weight rule (keepalived.conf(5), track_interface): positive
// weights count while up, negative ones while down; reverse negates.
TEST(Instance, TrackedWeightFollowsKeepalivedsRule) {
  EXPECT_EQ(tracked_weight(10, false, true), 10);
  EXPECT_EQ(tracked_weight(10, false, false), 0);
  EXPECT_EQ(tracked_weight(-10, false, true), 0);
  EXPECT_EQ(tracked_weight(-10, false, false), -10);
  // reverse negates, at the same moments (keepalived 2.2.7, measured: a
  // process down with weight 10 reverse and one with -7 reverse: 100 -> 107).
  EXPECT_EQ(tracked_weight(10, true, true), -10);
  EXPECT_EQ(tracked_weight(10, true, false), 0);
  EXPECT_EQ(tracked_weight(-10, true, true), 0);
  EXPECT_EQ(tracked_weight(-10, true, false), 10);
  EXPECT_EQ(tracked_weight(0, false, false), 0);
}

TEST(Instance, PositiveTrackedInterfaceWeightIsAddedWhileUp) {
  InstanceConfig c = config();
  c.track_interface = {{.name = "eth1", .weight = 20}};
  Rig rig(c);
  rig.instance.start();
  EXPECT_EQ(rig.instance.status().effective_priority, 120);
  rig.instance.on_link("eth1", false);
  EXPECT_EQ(rig.instance.status().effective_priority, 100);
  rig.instance.on_link("eth1", true);
  EXPECT_EQ(rig.instance.status().effective_priority, 120);
}

TEST(Instance, TrackedScriptWeightMovesPriorityAndClampsTo1Through254) {
  InstanceConfig c = config();
  c.track_script = {{.name = "chk_up", .weight = 200}, {.name = "chk_down", .weight = -150}};
  Rig rig(c);
  rig.instance.start();  // weighted scripts do not hold the start; unknown counts as failing
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.instance.status().effective_priority, 1);  // 100 - 150, clamped
  rig.instance.on_script("chk_down", true);
  EXPECT_EQ(rig.instance.status().effective_priority, 100);
  rig.instance.on_script("chk_up", true);
  EXPECT_EQ(rig.instance.status().effective_priority, 254);  // 300, clamped below the owner's 255
  rig.instance.on_script("other", false);  // not tracked
  EXPECT_EQ(rig.instance.status().effective_priority, 254);
  rig.instance.on_script("chk_down", false);
  EXPECT_EQ(rig.instance.status().effective_priority, 150);
}

TEST(Instance, UnweightedTrackedScriptHoldsTheStartThenFaults) {
  InstanceConfig c = config();
  c.track_script = {{.name = "chk", .weight = 0}};
  Rig rig(c);
  rig.instance.start();
  EXPECT_EQ(rig.instance.state(), State::kInitialize);
  EXPECT_TRUE(rig.instance.status().waiting_for_scripts);
  rig.sched.advance(seconds(10));
  EXPECT_TRUE(rig.adverts.sent.empty());
  rig.instance.on_script("chk", true);  // the first result starts it
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_FALSE(rig.instance.status().waiting_for_scripts);
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_script("chk", false);
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 0);  // resigns
  EXPECT_TRUE(rig.vips.present.empty());
  EXPECT_EQ(rig.instance.status().interfaces_down, std::vector<std::string>{"script chk"});
  rig.instance.on_script("chk", true);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
}

TEST(Instance, ReversedUnweightedScriptFaultsWhileItSucceeds) {
  InstanceConfig c = config();
  c.track_script = {{.name = "chk", .weight = 0, .reverse = true}};
  Rig rig(c);
  rig.instance.start();
  rig.instance.on_script("chk", true);
  EXPECT_EQ(rig.instance.state(), State::kFault);
  rig.instance.on_script("chk", false);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
}

// keepalived 2.2.7's track_file rule, as measured against it (weight 1 by
// default; value x weight, negated with reverse; -254 or less is FAULT; weight
// 0: any value but 0 is FAULT).
TEST(Instance, TrackFileEffectFollowsKeepalived) {
  EXPECT_EQ(track_file_effect(3, 1, false), (FileEffect{.fault = false, .delta = 3}));
  EXPECT_EQ(track_file_effect(7, 2, true), (FileEffect{.fault = false, .delta = -14}));
  EXPECT_EQ(track_file_effect(253, -1, false), (FileEffect{.fault = false, .delta = -253}));
  EXPECT_TRUE(track_file_effect(254, -1, false).fault);
  EXPECT_TRUE(track_file_effect(1, 0, false).fault);
  EXPECT_FALSE(track_file_effect(0, 0, false).fault);
  EXPECT_TRUE(track_file_effect(0, 0, true).fault);
  EXPECT_EQ(track_file_effect(1L << 40, 254, false).delta, 100000);  // bounded, no overflow
  EXPECT_EQ(parse_track_file_value("  12\n"), 12);
  EXPECT_EQ(parse_track_file_value("-5"), -5);
  EXPECT_EQ(parse_track_file_value("abc"), 0);
  EXPECT_EQ(parse_track_file_value(""), 0);
  EXPECT_EQ(parse_track_file_value("7 apples"), 7);
}

// What `lvsctl status` shows of each tracked object: its state and what it
// does to the priority now (or FAULT), by keepalived's rules.
TEST(Instance, StatusListsEveryTrackedObjectWithItsEffect) {
  InstanceConfig c = config();
  c.track_interface = {{.name = "eth1", .weight = -20}, {.name = "eth2", .weight = 0}};
  c.track_script = {{.name = "chk", .weight = 15}, {.name = "gate", .weight = 0, .reverse = true}};
  c.track_file = {{.name = "load", .weight = -2}};
  c.track_process = {{.name = "haproxy", .weight = 0}, {.name = "cron", .weight = 5}};
  Rig rig(c);
  rig.instance.on_link("eth1", false);
  rig.instance.on_script("chk", true);
  rig.instance.on_file("load", 4);
  using E = TrackedEffect;
  EXPECT_EQ(rig.instance.status().tracked,
            (std::vector<E>{{.kind = "interface", .name = "eth1", .state = "down", .fault = false, .delta = -20},
                            {.kind = "interface", .name = "eth2", .state = "up", .fault = false, .delta = 0},
                            {.kind = "script", .name = "chk", .state = "up", .fault = false, .delta = 15},
                            // no result yet: counts as down, which `reverse` makes good
                            {.kind = "script", .name = "gate", .state = "unknown", .fault = false, .delta = 0},
                            {.kind = "process", .name = "haproxy", .state = "unknown", .fault = false, .delta = 0},
                            {.kind = "process", .name = "cron", .state = "unknown", .fault = false, .delta = 0},
                            {.kind = "file", .name = "load", .state = "value 4", .fault = false, .delta = -8}}));
  rig.instance.on_script("gate", false);
  rig.instance.on_script("gate", true);  // reverse: up is FAULT
  rig.instance.on_file("load", 127);     // -254: FAULT
  rig.instance.on_process("haproxy", false);
  rig.instance.on_process("cron", true);
  const auto tracked = rig.instance.status().tracked;
  EXPECT_TRUE(tracked[3].fault);
  EXPECT_EQ(tracked[4], (E{.kind = "process", .name = "haproxy", .state = "down", .fault = true, .delta = 0}));
  EXPECT_EQ(tracked[5], (E{.kind = "process", .name = "cron", .state = "up", .fault = false, .delta = 5}));
  EXPECT_EQ(tracked[6], (E{.kind = "file", .name = "load", .state = "value 127", .fault = true, .delta = 0}));
}

TEST(Instance, TrackedFileMovesPriorityAndFaults) {
  InstanceConfig c = config();
  c.track_file = {{.name = "load", .weight = -1}, {.name = "stop", .weight = 0}};
  Rig rig(c);
  rig.instance.on_file("load", 30);
  rig.instance.start();
  EXPECT_EQ(rig.instance.status().effective_priority, 70);
  rig.instance.on_file("load", -300);  // -1 x -300: +300, clamped below the owner's 255
  EXPECT_EQ(rig.instance.status().effective_priority, 254);
  rig.instance.on_file("load", 253);
  EXPECT_EQ(rig.instance.status().effective_priority, 1);
  rig.instance.on_file("load", 254);  // -254: FAULT
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.instance.status().interfaces_down, std::vector<std::string>{"file load"});
  rig.instance.on_file("load", 0);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.instance.status().effective_priority, 100);
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_file("stop", 1);
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 0);  // resigns
  rig.instance.on_file("other", 5);  // not tracked
  rig.instance.on_file("stop", 0);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
}

// vrrp_track_process: track_script's rule on the process's quorum, told
// before the instance starts (a weight-0 process that is down starts it in
// FAULT); a process tracked by the instance and by its sync group counts twice.
TEST(Instance, TrackedProcessMovesPriorityAndFaults) {
  InstanceConfig c = config();
  c.track_process = {{.name = "web", .weight = -60}, {.name = "db", .weight = 0}, {.name = "up", .weight = 10}};
  Rig rig(c);
  rig.instance.on_process("web", true);
  rig.instance.on_process("db", true);
  rig.instance.on_process("up", true);
  rig.instance.start();
  EXPECT_EQ(rig.instance.status().effective_priority, 110);
  rig.instance.on_process("web", false);
  EXPECT_EQ(rig.instance.status().effective_priority, 50);
  rig.instance.on_process("web", true);
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.instance.state(), State::kMaster);
  rig.instance.on_process("db", false);
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.adverts.sent.back().advert.priority, 0);  // resigns
  EXPECT_EQ(rig.instance.status().interfaces_down, std::vector<std::string>{"process db"});
  rig.instance.on_process("db", true);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
}

TEST(Instance, ProcessDownBeforeStartStartsInFault) {
  InstanceConfig c = config();
  c.track_process = {{.name = "db", .weight = 0}, {.name = "db", .weight = -20}};  // its own and its group's
  Rig rig(c);
  rig.instance.on_process("db", false);
  rig.instance.start();
  EXPECT_EQ(rig.instance.state(), State::kFault);
  EXPECT_EQ(rig.instance.status().effective_priority, 80);
  rig.instance.on_process("db", true);
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  EXPECT_EQ(rig.instance.status().effective_priority, 100);
}

TEST(Instance, AddressOwnerIgnoresTrackingWeights) {
  InstanceConfig c = config();
  c.priority = 255;
  c.track_script = {{.name = "chk", .weight = -100}};
  c.track_interface = {{.name = "eth1", .weight = -50}};
  Rig rig(c);
  rig.instance.start();
  rig.instance.on_link("eth1", false);
  rig.instance.on_script("chk", false);
  EXPECT_EQ(rig.instance.state(), State::kMaster);
  EXPECT_EQ(rig.instance.status().effective_priority, 255);
}

TEST(Instance, StopWhileWaitingForScriptsNeverStarts) {
  InstanceConfig c = config();
  c.track_script = {{.name = "chk", .weight = 0}};
  Rig rig(c);
  rig.instance.start();
  rig.instance.stop();
  rig.instance.on_script("chk", true);
  EXPECT_EQ(rig.instance.state(), State::kInitialize);
  EXPECT_TRUE(rig.adverts.sent.empty());
}

TEST(Instance, AdvertiseNowSendsAtOnceOnlyWhenMaster) {
  Rig rig;
  rig.instance.start();
  rig.instance.advertise_now();
  EXPECT_TRUE(rig.adverts.sent.empty());
  rig.sched.advance(rig.master_down());
  const auto sent = rig.adverts.sent.size();
  rig.sched.advance(milliseconds(500));
  rig.instance.advertise_now();
  EXPECT_EQ(rig.adverts.sent.size(), sent + 1);
  // The Adver_Timer restarted: the next one is a full interval later.
  rig.sched.advance(milliseconds(999));
  EXPECT_EQ(rig.adverts.sent.size(), sent + 1);
  rig.sched.advance(milliseconds(1));
  EXPECT_EQ(rig.adverts.sent.size(), sent + 2);
}

TEST(Instance, UnicastPeersGetEachAdvert) {
  InstanceConfig c = config();
  c.unicast_peers = {ip("10.0.0.2"), ip("10.0.0.3")};
  Rig rig(c);
  rig.instance.start();
  rig.sched.advance(rig.master_down());
  ASSERT_EQ(rig.adverts.sent.size(), 2u);
  EXPECT_EQ(rig.adverts.sent[0].destination, ip("10.0.0.2"));
  EXPECT_EQ(rig.adverts.sent[1].destination, ip("10.0.0.3"));
}

// ---------------------------------------------------------------- sync groups

struct GroupRig {
  GroupRig() {
    InstanceConfig c1 = config();
    c1.track_interface = {{.name = "eth1", .weight = 0}};
    InstanceConfig c2 = config();
    c2.name = "VI_2";
    c2.vrid = 52;
    c2.vips = {VipSpec{.prefix = {ip("10.0.0.101"), 24}, .ifindex = 1}};
    a = std::make_unique<Instance>(sched, c1, adverts, vips, announcer);
    b = std::make_unique<Instance>(sched, c2, adverts, vips, announcer);
    group = std::make_unique<SyncGroup>("G", std::vector<Instance*>{a.get(), b.get()});
    for (Instance* i : {a.get(), b.get()}) {
      i->set_state_listener([this](const Instance& who, State from, State to) {
        if (auto s = group->member_changed(const_cast<Instance&>(who), from, to)) group_states.push_back(*s);
      });
    }
  }
  core::FakeScheduler sched;
  FakeAdverts adverts;
  FakeVips vips;
  FakeAnnouncer announcer;
  std::unique_ptr<Instance> a, b;
  std::unique_ptr<SyncGroup> group;
  std::vector<State> group_states;
};

TEST(SyncGroup, MembersGoToFaultTogetherAndComeBack) {
  GroupRig rig;
  rig.a->start();
  rig.b->start();
  rig.sched.advance(seconds(4));
  ASSERT_EQ(rig.a->state(), State::kMaster);
  ASSERT_EQ(rig.b->state(), State::kMaster);
  rig.a->on_link("eth1", false);
  EXPECT_EQ(rig.a->state(), State::kFault);
  EXPECT_EQ(rig.b->state(), State::kFault);
  EXPECT_TRUE(rig.vips.present.empty());
  rig.a->on_link("eth1", true);
  EXPECT_EQ(rig.a->state(), State::kBackup);
  EXPECT_EQ(rig.b->state(), State::kBackup);
  EXPECT_EQ(rig.group_states.back(), State::kBackup);
}

TEST(SyncGroup, OneBecomingMasterTakesTheOthersAlong) {
  GroupRig rig;
  rig.a->start();
  rig.b->start();
  // VI_2 keeps hearing a master; VI_1's master goes silent.
  for (int i = 0; i < 3; ++i) {
    rig.sched.advance(seconds(1));
    rig.b->on_datagram(advert_from("10.0.0.2", 200, 52));
  }
  rig.sched.advance(milliseconds(700));
  ASSERT_EQ(rig.a->state(), State::kMaster);
  EXPECT_EQ(rig.b->state(), State::kMaster);
  EXPECT_TRUE(rig.vips.present.contains(ip("10.0.0.101")));
}

TEST(SyncGroup, OneFallingBackToBackupTakesTheOthersAlong) {
  GroupRig rig;
  rig.a->start();
  rig.b->start();
  rig.sched.advance(seconds(4));
  ASSERT_EQ(rig.b->state(), State::kMaster);
  rig.a->on_datagram(advert_from("10.0.0.2", 200));
  EXPECT_EQ(rig.a->state(), State::kBackup);
  EXPECT_EQ(rig.b->state(), State::kBackup);
  EXPECT_TRUE(rig.vips.present.empty());
  EXPECT_EQ(rig.group_states, (std::vector<State>{State::kBackup, State::kMaster, State::kBackup}));
}

// ---------------------------------------------------------------- notify

TEST(Notify, GenericScriptGetsKeepalivedArguments) {
  NotifyConfig n{.master = "/usr/local/bin/to-master 'a b'", .any = "/bin/notify.sh --x"};
  const auto cmds = notify_commands(n, NotifySubject::kInstance, "VI_1", State::kMaster, 100);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"/usr/local/bin/to-master", "a b"}));
  EXPECT_EQ(cmds[1], (std::vector<std::string>{"/bin/notify.sh", "--x", "INSTANCE", "VI_1", "MASTER", "100"}));
  const auto stop = notify_commands(n, NotifySubject::kGroup, "G", State::kInitialize, 50);
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0], (std::vector<std::string>{"/bin/notify.sh", "--x", "GROUP", "G", "STOP", "50"}));
  NotifyConfig fault_only{.fault = "/bin/f"};
  EXPECT_EQ(notify_commands(fault_only, NotifySubject::kInstance, "VI_1", State::kFault, 1).size(), 1u);
  EXPECT_TRUE(notify_commands(fault_only, NotifySubject::kInstance, "VI_1", State::kBackup, 1).empty());
}

}  // namespace
}  // namespace lvsd::vrrp
