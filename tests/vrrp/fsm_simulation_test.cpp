// Two (or more) VRRP routers driven by core::FakeScheduler: real FakeScheduler
// timers armed from the Fsm's actions, adverts encoded with the packet codec,
// carried by a fake wire and decoded on the other side. No sleeping: time only
// moves when the test advances it, so takeover times are checked exactly.
#include <gtest/gtest.h>

#include <list>
#include <map>
#include <memory>

#include "core/fake_scheduler.hpp"
#include "vrrp/fsm.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::vrrp {
namespace {

using core::FakeScheduler;
using core::TimePoint;
using std::chrono::milliseconds;
using std::chrono::seconds;

const core::IpAddress kGroup = core::IpAddress::parse("224.0.0.18").value();
const core::IpAddress kVip = core::IpAddress::parse("10.0.0.100").value();
constexpr std::uint8_t kVrid = 7;

class Wire;

class Router {
 public:
  Router(FakeScheduler& sched, Wire& wire, FsmConfig config)
      : sched_(sched), wire_(wire), config_(config), fsm_(config),
        adver_(sched.create_timer([this] { handle(event::AdverTimerFired{}); })),
        master_down_(sched.create_timer([this] { handle(event::MasterDownTimerFired{}); })),
        preempt_delay_(sched.create_timer([this] { handle(event::PreemptDelayExpired{}); })) {}

  void handle(const Event& e) {
    if (!running_) return;
    for (const Action& a : fsm_.handle(e)) execute(a);
  }
  void start() {
    running_ = true;
    handle(event::Startup{});
  }
  // kill -9: no goodbye advert, VIPs vanish with the host's state.
  void crash() {
    running_ = false;
    stop_timers();
    holds_vips_ = false;
  }
  // A fresh process with the same configuration.
  void restart() {
    fsm_ = Fsm(config_);
    start();
  }
  void receive(std::span<const std::uint8_t> bytes, const core::IpAddress& source);

  const Fsm& fsm() const { return fsm_; }
  State state() const { return fsm_.state(); }
  bool holds_vips() const { return holds_vips_; }
  int garps() const { return garps_; }
  const core::IpAddress& address() const { return config_.primary_address; }
  // When each notify (state change) happened.
  const std::vector<std::pair<TimePoint, State>>& notifications() const { return notifications_; }
  TimePoint became(State s) const {
    for (auto it = notifications_.rbegin(); it != notifications_.rend(); ++it) {
      if (it->second == s) return it->first;
    }
    return TimePoint::max();
  }
  std::size_t dropped = 0;

 private:
  void stop_timers() {
    adver_->cancel();
    master_down_->cancel();
    preempt_delay_->cancel();
  }
  void execute(const Action& a);

  FakeScheduler& sched_;
  Wire& wire_;
  FsmConfig config_;
  Fsm fsm_;
  std::unique_ptr<core::Timer> adver_, master_down_, preempt_delay_;
  bool running_ = false;
  bool holds_vips_ = false;
  int garps_ = 0;
  std::vector<std::pair<TimePoint, State>> notifications_;
};

// A shared segment. Sending schedules delivery on a zero-delay timer, so a
// receive never runs inside the sender's handle() call.
class Wire {
 public:
  explicit Wire(FakeScheduler& sched) : sched_(sched) {}
  void attach(Router* r) { routers_.push_back(r); }
  void set_link(const Router* r, bool up) {
    if (up) {
      down_.erase(std::remove(down_.begin(), down_.end(), r), down_.end());
    } else {
      down_.push_back(r);
    }
  }
  bool link_up(const Router* r) const { return std::find(down_.begin(), down_.end(), r) == down_.end(); }

  void send(const Router* from, std::vector<std::uint8_t> bytes) {
    if (!link_up(from)) return;
    // An advert storm would make FakeScheduler::advance() loop forever at one instant.
    if (++sent > kMaxAdverts) {
      ADD_FAILURE() << "more than " << kMaxAdverts << " adverts: storm";
      return;
    }
    last_sent_[from] = sched_.now();
    // Forget deliveries that already happened.
    in_flight_.remove_if([](const auto& t) { return !t->armed(); });
    for (Router* to : routers_) {
      if (to == from) continue;
      auto timer = sched_.create_timer([this, from, to, bytes] {
        if (link_up(from) && link_up(to)) to->receive(bytes, from->address());
      });
      timer->arm(core::Duration::zero());
      in_flight_.push_back(std::move(timer));
    }
  }
  // When `from` last put an advert on the wire (delivery is at the same instant).
  TimePoint last_sent(const Router* from) const { return last_sent_.at(from); }
  std::size_t sent = 0;
  static constexpr std::size_t kMaxAdverts = 100'000;

 private:
  std::map<const Router*, TimePoint> last_sent_;
  FakeScheduler& sched_;
  std::vector<Router*> routers_;
  std::vector<const Router*> down_;
  std::list<std::unique_ptr<core::Timer>> in_flight_;
};

void Router::receive(std::span<const std::uint8_t> bytes, const core::IpAddress& source) {
  if (!running_) return;
  const ReceivedMeta meta{.source = source, .destination = kGroup, .ttl = 255, .ifindex = 2};
  const LocalExpectations local{.version = config_.version,
                                .family = core::AddressFamily::kIpv4,
                                .vrid = kVrid,
                                .advert_interval = config_.advert_interval,
                                .local_is_owner = config_.priority == kPriorityOwner,
                                .vips = {kVip},
                                .own_addresses = {config_.primary_address}};
  const DecodeResult r = decode(bytes, meta, local);
  if (const auto* rx = std::get_if<ReceivedAdvert>(&r)) {
    handle(event::AdvertReceived{.priority = rx->advert.priority,
                                 .source = rx->source,
                                 .advert_interval = rx->advert.advert_interval});
  } else {
    ++dropped;
  }
}

void Router::execute(const Action& a) {
  if (const auto* send = std::get_if<action::SendAdvert>(&a)) {
    const Advert ad{.version = config_.version,
                    .vrid = kVrid,
                    .priority = send->priority,
                    .advert_interval = config_.advert_interval,
                    .addresses = {kVip}};
    wire_.send(this, encode(ad, config_.primary_address, kGroup).value());
  } else if (std::holds_alternative<action::AddVips>(a)) {
    holds_vips_ = true;
  } else if (std::holds_alternative<action::RemoveVips>(a)) {
    holds_vips_ = false;
  } else if (std::holds_alternative<action::SendGarp>(a) || std::holds_alternative<action::LowerPriorityHeard>(a)) {
    ++garps_;
  } else if (const auto* t = std::get_if<action::StartAdverTimer>(&a)) {
    adver_->arm(t->interval);
  } else if (const auto* t2 = std::get_if<action::StartMasterDownTimer>(&a)) {
    master_down_->arm(t2->interval);
  } else if (const auto* t3 = std::get_if<action::StartPreemptDelayTimer>(&a)) {
    preempt_delay_->arm(t3->delay);
  } else if (std::holds_alternative<action::StopTimers>(a)) {
    stop_timers();
  } else if (const auto* n = std::get_if<action::RunNotify>(&a)) {
    notifications_.emplace_back(sched_.now(), n->state);
  }
}

FsmConfig router_config(const char* name, const char* address, std::uint8_t priority) {
  return FsmConfig{.name = name,
                   .version = Version::kV3,
                   .priority = priority,
                   .advert_interval = Centiseconds{100},
                   .primary_address = core::IpAddress::parse(address).value()};
}

class FsmSimulation : public ::testing::Test {
 protected:
  // Advances in 10 ms steps and checks that at most one router holds the VIP
  // at every step (skipping `settle` right after a deliberate split).
  void run_for(core::Duration d) {
    const TimePoint end = sched.now() + d;
    while (sched.now() < end) {
      sched.advance(std::min<core::Duration>(milliseconds(10), end - sched.now()));
      int holders = 0;
      for (const Router* r : routers) holders += r->holds_vips() ? 1 : 0;
      if (check_single_holder) {
        EXPECT_LE(holders, 1) << "at t+" << (sched.now() - t0).count() << " ns";
      }
    }
  }
  Router& add(FsmConfig c) {
    owned.push_back(std::make_unique<Router>(sched, wire, std::move(c)));
    routers.push_back(owned.back().get());
    wire.attach(owned.back().get());
    return *owned.back();
  }

  FakeScheduler sched;
  TimePoint t0 = sched.now();
  Wire wire{sched};
  std::vector<std::unique_ptr<Router>> owned;
  std::vector<Router*> routers;
  bool check_single_holder = true;
};

TEST_F(FsmSimulation, HigherPriorityIsElectedAndBackupNeverTakesOver) {
  Router& a = add(router_config("A", "10.0.0.1", 100));
  Router& b = add(router_config("B", "10.0.0.2", 50));
  a.start();
  b.start();
  run_for(seconds(30));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  // A took over exactly at its Master_Down_Interval after startup.
  EXPECT_EQ(a.became(State::kMaster) - t0, master_down_interval(Version::kV3, 100, Centiseconds{100}));
  EXPECT_EQ(b.became(State::kMaster), TimePoint::max());
  EXPECT_TRUE(a.holds_vips());
  EXPECT_FALSE(b.holds_vips());
  EXPECT_EQ(a.garps(), 1);
  EXPECT_EQ(b.dropped, 0u);
  EXPECT_EQ(b.fsm().master_address(), a.address());
}

TEST_F(FsmSimulation, BackupTakesOverExactlyAtMasterDownIntervalAndMasterPreemptsOnReturn) {
  Router& a = add(router_config("A", "10.0.0.1", 100));
  Router& b = add(router_config("B", "10.0.0.2", 50));
  a.start();
  b.start();
  run_for(seconds(10));
  ASSERT_EQ(a.state(), State::kMaster);

  // Crash A between two adverts; B last heard it at `last`.
  sched.advance(milliseconds(370));
  a.crash();
  const TimePoint last = wire.last_sent(&a);
  ASSERT_LT(last, sched.now());
  run_for(seconds(10));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(b.became(State::kMaster) - last, master_down_interval(Version::kV3, 50, Centiseconds{100}));
  EXPECT_TRUE(b.holds_vips());

  // A comes back: B's priority-50 adverts are lower, so A discards them and
  // preempts at its own Master_Down_Interval; B steps down at that instant.
  const TimePoint restart = sched.now();
  a.restart();
  run_for(seconds(10));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_EQ(a.became(State::kMaster) - restart, master_down_interval(Version::kV3, 100, Centiseconds{100}));
  EXPECT_EQ(b.became(State::kBackup), a.became(State::kMaster));
}

TEST_F(FsmSimulation, NopreemptKeepsTheLowerPriorityMaster) {
  auto ca = router_config("A", "10.0.0.1", 100);
  ca.preempt = false;
  Router& a = add(ca);
  Router& b = add(router_config("B", "10.0.0.2", 50));
  b.start();
  run_for(seconds(5));
  ASSERT_EQ(b.state(), State::kMaster);
  a.start();
  run_for(seconds(60));
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(a.became(State::kMaster), TimePoint::max());
}

TEST_F(FsmSimulation, PreemptDelayPostponesPreemption) {
  auto ca = router_config("A", "10.0.0.1", 100);
  ca.preempt_delay = seconds(20);
  Router& a = add(ca);
  Router& b = add(router_config("B", "10.0.0.2", 50));
  b.start();
  run_for(seconds(5));
  const TimePoint start = sched.now();
  a.start();
  run_for(seconds(19));
  EXPECT_EQ(a.state(), State::kBackup);
  run_for(seconds(10));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  // After the delay ends, the next discarded advert lets the timer run out:
  // takeover within delay + Master_Down_Interval.
  EXPECT_GE(a.became(State::kMaster) - start, seconds(20));
  EXPECT_LE(a.became(State::kMaster) - start,
            seconds(20) + master_down_interval(Version::kV3, 100, Centiseconds{100}));
}

TEST_F(FsmSimulation, EqualPriorityHigherAddressWins) {
  // Same priority, same start: both time out together and both become
  // master; each hears the other, and the lower address steps down
  // (RFC 5798 6.4.3).
  check_single_holder = false;  // the instant of the double takeover
  Router& a = add(router_config("A", "10.0.0.1", 100));
  Router& b = add(router_config("B", "10.0.0.2", 100));
  a.start();
  b.start();
  run_for(seconds(5));
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(a.became(State::kBackup), b.became(State::kMaster));  // resolved in the same instant
  check_single_holder = true;
  run_for(seconds(30));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(a.fsm().transitions_into(State::kMaster), 1u);  // once, at the tie
}

TEST_F(FsmSimulation, GracefulShutdownHandsOverAfterSkewTime) {
  Router& a = add(router_config("A", "10.0.0.1", 100));
  Router& b = add(router_config("B", "10.0.0.2", 50));
  a.start();
  b.start();
  run_for(seconds(10));
  const TimePoint stop = sched.now();
  a.handle(event::Shutdown{});
  EXPECT_FALSE(a.holds_vips());
  run_for(seconds(5));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(b.became(State::kMaster) - stop, skew_time(Version::kV3, 50, Centiseconds{100}));
}

TEST_F(FsmSimulation, SplitBrainHealsToOneMasterThatReannounces) {
  // higher_prio_send_advert: whichever master hears the other first, the
  // winner hears a lower advert and announces the VIP again.
  FsmConfig ca = router_config("A", "10.0.0.1", 100), cb = router_config("B", "10.0.0.2", 50);
  ca.higher_prio_send_advert = cb.higher_prio_send_advert = true;
  Router& a = add(ca);
  Router& b = add(cb);
  a.start();
  b.start();
  run_for(seconds(10));
  check_single_holder = false;
  wire.set_link(&a, false);  // cut A off: both end up master
  run_for(seconds(10));
  ASSERT_EQ(a.state(), State::kMaster);
  ASSERT_EQ(b.state(), State::kMaster);
  const int garps_before = a.garps();
  const TimePoint reconnect = sched.now();
  wire.set_link(&a, true);
  run_for(seconds(1));  // one advert interval
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_LE(b.became(State::kBackup) - reconnect, seconds(1));
  EXPECT_GT(a.garps(), garps_before);  // the winner announces the VIP again
  check_single_holder = true;
  run_for(seconds(10));
}

}  // namespace
}  // namespace lvsd::vrrp
