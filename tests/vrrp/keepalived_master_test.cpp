// keepalived's extensions to what a VRRP router does (keepalived.conf(5),
// measured against keepalived 2.2.7 in network namespaces): a Master's answer
// to a lower-priority advert (lower_prio_no_advert, garp_lower_prio_repeat /
// _delay, notify_master_rx_lower_pri), higher_prio_send_advert,
// down_timer_adverts and vrrp_startup_delay. The Fsm decides; the Instance
// turns it into adverts, announcements and timers on the FakeScheduler.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/fake_scheduler.hpp"
#include "vrrp/fsm.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/sync_group.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Actions = std::vector<Action>;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

FsmConfig fsm_config(std::uint8_t priority = 100) {
  return FsmConfig{.name = "VI_1",
                   .version = Version::kV2,
                   .priority = priority,
                   .advert_interval = Centiseconds{100},
                   .primary_address = ip("10.0.0.5")};
}

event::AdvertReceived advert(std::uint8_t priority, const char* source = "10.0.0.9") {
  return event::AdvertReceived{.priority = priority, .source = ip(source), .advert_interval = Centiseconds{100}};
}

Fsm master(FsmConfig c) {
  Fsm fsm(std::move(c));
  (void)fsm.handle(event::Startup{});
  (void)fsm.handle(event::MasterDownTimerFired{});
  return fsm;
}

bool has(const Actions& actions, const Action& a) { return std::find(actions.begin(), actions.end(), a) != actions.end(); }
bool sends_advert(const Actions& actions) {
  return std::any_of(actions.begin(), actions.end(), [](const Action& a) { return std::holds_alternative<action::SendAdvert>(a); });
}

// ---- the Fsm

TEST(KeepalivedMaster, LowerPrioNoAdvertKeepsQuietButStillAnnouncesAndNotifies) {
  FsmConfig c = fsm_config(200);
  c.lower_prio_no_advert = true;
  Fsm fsm = master(c);
  // The Adver_Timer is not restarted either: the next advert comes on schedule (measured).
  EXPECT_EQ(fsm.handle(advert(100)), (Actions{action::LowerPriorityHeard{.priority = 200}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(KeepalivedMaster, DefaultAnswersALowerAdvertAtOnce) {
  Fsm fsm = master(fsm_config(200));
  const Actions a = fsm.handle(advert(100));
  EXPECT_TRUE(has(a, action::SendAdvert{.priority = 200}));
  EXPECT_TRUE(has(a, action::StartAdverTimer{.interval = seconds(1)}));
  EXPECT_TRUE(has(a, action::LowerPriorityHeard{.priority = 200}));
}

TEST(KeepalivedMaster, HigherPrioSendAdvertSendsOneAdvertBeforeYielding) {
  FsmConfig c = fsm_config(100);
  c.higher_prio_send_advert = true;
  Fsm fsm = master(c);
  const Actions a = fsm.handle(advert(200));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.front(), Action{action::SendAdvert{.priority = 100}});
  EXPECT_EQ(std::count_if(a.begin(), a.end(), [](const Action& x) { return std::holds_alternative<action::SendAdvert>(x); }), 1);
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(KeepalivedMaster, HigherPrioSendAdvertAlsoOnAnEqualPriorityWithHigherAddress) {
  FsmConfig c = fsm_config(100);
  c.higher_prio_send_advert = true;
  Fsm fsm = master(c);  // we are 10.0.0.5
  EXPECT_TRUE(sends_advert(fsm.handle(advert(100, "10.0.0.40"))));
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(KeepalivedMaster, ByDefaultAMasterYieldsSilently) {
  Fsm fsm = master(fsm_config(100));
  EXPECT_FALSE(sends_advert(fsm.handle(advert(200))));
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(KeepalivedMaster, DownTimerAdvertsReplacesTheRfcsThree) {
  // keepalived: Master_Down_Interval = down_timer_adverts x Master_Adver_Interval + Skew_Time.
  FsmConfig c = fsm_config(100);
  c.down_timer_adverts = 1;
  Fsm fsm(c);
  const core::Duration skew = skew_time(Version::kV2, 100, Centiseconds{100});
  EXPECT_EQ(fsm.master_down_interval(), seconds(1) + skew);
  EXPECT_TRUE(has(fsm.handle(event::Startup{}), action::StartMasterDownTimer{.interval = seconds(1) + skew}));
  EXPECT_EQ(master_down_interval(Version::kV2, 100, Centiseconds{100}, 100), seconds(100) + skew);
  EXPECT_EQ(master_down_interval(Version::kV2, 100, Centiseconds{100}), seconds(3) + skew);
}

TEST(KeepalivedStartupDelay, FirstMasterDownTimerRunsTheDelayLonger) {
  Fsm fsm(fsm_config(100));
  const Actions a = fsm.handle(event::Startup{.delay = milliseconds(2500)});
  EXPECT_EQ(fsm.state(), State::kBackup);  // BACKUP at once, as keepalived logs it
  EXPECT_TRUE(has(a, action::StartMasterDownTimer{.interval = milliseconds(2500) + fsm.master_down_interval()}));
  // After the first: the usual interval.
  EXPECT_TRUE(has(fsm.handle(advert(200)), action::StartMasterDownTimer{.interval = fsm.master_down_interval()}));
}

TEST(KeepalivedStartupDelay, AnOwnerWaitsTheDelayInBackup) {
  Fsm fsm(fsm_config(255));
  const Actions a = fsm.handle(event::Startup{.delay = seconds(2)});
  EXPECT_EQ(fsm.state(), State::kBackup);
  EXPECT_TRUE(has(a, action::StartMasterDownTimer{.interval = seconds(2)}));
  (void)fsm.handle(event::MasterDownTimerFired{});
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(KeepalivedStartupDelay, NoDelayForAResumedMaster) {
  Fsm fsm(fsm_config(100));
  (void)fsm.handle(event::Startup{.resume_master = true, .delay = seconds(5)});
  EXPECT_EQ(fsm.state(), State::kMaster);
}

// ---- the Instance

class CountingAdverts final : public AdvertPort {
 public:
  core::Status send(std::span<const std::uint8_t>, const core::IpAddress&) override {
    ++sent;
    return {};
  }
  int sent = 0;
};

class NoVips final : public VipPort {
 public:
  core::Status add(const VipSpec&) override { return {}; }
  core::Status remove(const VipSpec&) override { return {}; }
  core::Result<std::vector<InterfaceAddress>> list(core::AddressFamily, int) override {
    return std::vector<InterfaceAddress>{};
  }
};

class CountingAnnouncer final : public AnnouncePort {
 public:
  core::Status announce(const core::IpAddress&) override {
    ++announced;
    return {};
  }
  int announced = 0;
};

InstanceConfig instance_config() {
  return InstanceConfig{.name = "VI_1",
                        .interface = "eth0",
                        .ifindex = 1,
                        .version = Version::kV2,
                        .family = core::AddressFamily::kIpv4,
                        .vrid = 51,
                        .priority = 200,
                        .advert_interval = Centiseconds{100},
                        .primary_address = ip("10.0.0.1"),
                        .vips = {VipSpec{.prefix = {ip("10.0.0.100"), 24}, .ifindex = 1}},
                        .garp_master_repeat = 5,
                        .garp_master_delay = core::Duration::zero(),
                        .garp_lower_prio_repeat = 2,
                        .garp_lower_prio_delay = seconds(2)};
}

Datagram advert_from(const char* source, std::uint8_t priority) {
  Advert a{.version = Version::kV2, .vrid = 51, .priority = priority, .advert_interval = Centiseconds{100},
           .addresses = {ip("10.0.0.100")}};
  const core::IpAddress group = vrrp_multicast_group(core::AddressFamily::kIpv4);
  return Datagram{.payload = encode(a, ip(source), group).value(),
                  .meta = {.source = ip(source), .destination = group, .ttl = 255, .ifindex = 1}};
}

struct Rig {
  explicit Rig(InstanceConfig c = instance_config()) : instance(sched, std::move(c), adverts, vips, announcer) {
    instance.set_lower_priority_listener([this](const Instance&, std::uint8_t p) { heard.push_back(p); });
  }
  void become_master() {
    instance.start();
    sched.advance(instance.fsm().master_down_interval());
    ASSERT_EQ(instance.state(), State::kMaster);
  }
  core::FakeScheduler sched;
  CountingAdverts adverts;
  NoVips vips;
  CountingAnnouncer announcer;
  Instance instance;
  std::vector<std::uint8_t> heard;
};

TEST(KeepalivedMasterInstance, LowerAdvertGetsTheLowerPrioBurstNowAndAfterTheDelay) {
  // Measured (keepalived 2.2.7, garp_lower_prio_repeat 2, garp_lower_prio_delay 2):
  // an advert and 2 ARPs within 8 ms, 2 more ARPs 2.00 s later.
  Rig rig;
  rig.become_master();
  const int adverts = rig.adverts.sent, announced = rig.announcer.announced;
  rig.instance.on_datagram(advert_from("10.0.0.2", 100));
  EXPECT_EQ(rig.adverts.sent, adverts + 1);
  EXPECT_EQ(rig.announcer.announced, announced + 2);
  EXPECT_EQ(rig.heard, (std::vector<std::uint8_t>{200}));
  EXPECT_EQ(rig.instance.status().lower_priority_adverts, 1u);
  rig.sched.advance(seconds(2) - milliseconds(1));
  EXPECT_EQ(rig.announcer.announced, announced + 2);
  rig.sched.advance(milliseconds(1));
  EXPECT_EQ(rig.announcer.announced, announced + 4);
}

TEST(KeepalivedMasterInstance, RepeatZeroAnnouncesNothing) {
  InstanceConfig c = instance_config();
  c.garp_lower_prio_repeat = 0;
  Rig rig(c);
  rig.become_master();
  const int announced = rig.announcer.announced;
  rig.instance.on_datagram(advert_from("10.0.0.2", 100));
  rig.sched.advance(seconds(10));
  EXPECT_EQ(rig.announcer.announced, announced);
  EXPECT_EQ(rig.heard.size(), 1u);  // the notification does not depend on the ARPs
}

TEST(KeepalivedMasterInstance, NoSecondBurstAfterLeavingMaster) {
  Rig rig;
  rig.become_master();
  rig.instance.on_datagram(advert_from("10.0.0.2", 100));
  const int announced = rig.announcer.announced;
  rig.instance.on_datagram(advert_from("10.0.0.3", 250));
  ASSERT_EQ(rig.instance.state(), State::kBackup);
  rig.sched.advance(seconds(2));
  EXPECT_EQ(rig.announcer.announced, announced);
}

TEST(KeepalivedMasterInstance, LowerPrioNoAdvertSendsNoAdvert) {
  InstanceConfig c = instance_config();
  c.lower_prio_no_advert = true;
  Rig rig(c);
  rig.become_master();
  const int adverts = rig.adverts.sent;
  rig.instance.on_datagram(advert_from("10.0.0.2", 100));
  EXPECT_EQ(rig.adverts.sent, adverts);
  EXPECT_EQ(rig.heard.size(), 1u);
}

TEST(KeepalivedStartupDelayInstance, TheDelayCountsFromStartWhileScriptsAreAwaited) {
  InstanceConfig c = instance_config();
  c.track_script = {TrackedScript{.name = "chk", .weight = 0}};
  Rig rig(c);
  rig.instance.start(false, seconds(3));
  rig.sched.advance(seconds(1));
  rig.instance.on_script("chk", true);  // starts now, 2 s of the delay left
  ASSERT_EQ(rig.instance.state(), State::kBackup);
  const core::Duration mdi = rig.instance.fsm().master_down_interval();
  rig.sched.advance(seconds(2) + mdi - milliseconds(1));
  EXPECT_EQ(rig.instance.state(), State::kBackup);
  rig.sched.advance(milliseconds(1));
  EXPECT_EQ(rig.instance.state(), State::kMaster);
}

TEST(KeepalivedMasterInstance, TheOtherSyncGroupMembersAnnounceToo) {
  // keepalived: a member that hears a lower advert has each other member send its lower-prio ARPs.
  Rig a;
  InstanceConfig c = instance_config();
  c.name = "VI_2";
  c.vrid = 52;
  c.garp_lower_prio_repeat = 3;
  Rig b(c);
  a.become_master();
  b.become_master();
  SyncGroup group("G", {&a.instance, &b.instance});
  const int before = b.announcer.announced;
  a.instance.on_datagram(advert_from("10.0.0.2", 100));
  group.member_heard_lower_priority(a.instance);
  EXPECT_EQ(b.announcer.announced, before + 3);
  EXPECT_TRUE(b.heard.empty());  // b heard nothing itself: no notify for it
  b.sched.advance(seconds(2));
  EXPECT_EQ(b.announcer.announced, before + 6);
}

}  // namespace
}  // namespace lvsd::vrrp
