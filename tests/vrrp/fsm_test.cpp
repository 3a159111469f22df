#include "vrrp/fsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <ostream>

#include "vrrp/timers.hpp"

namespace lvsd::vrrp {

// Readable failure messages for action lists (gtest prints variant
// alternatives through PrintTo found by ADL).
namespace action {
void PrintTo(const SendAdvert& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const AddVips& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const RemoveVips& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const SendGarp& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const LowerPriorityHeard& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const StartAdverTimer& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const StartMasterDownTimer& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const StartPreemptDelayTimer& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const StopTimers& a, std::ostream* os) { *os << describe(a); }
void PrintTo(const RunNotify& a, std::ostream* os) { *os << describe(a); }
}  // namespace action

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Actions = std::vector<Action>;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

FsmConfig config(std::uint8_t priority = 100) {
  return FsmConfig{.name = "VI_1",
                   .version = Version::kV3,
                   .priority = priority,
                   .advert_interval = Centiseconds{100},
                   .primary_address = ip("10.0.0.5")};
}

event::AdvertReceived advert(std::uint8_t priority, const char* source = "10.0.0.9",
                             Centiseconds interval = Centiseconds{100}) {
  return event::AdvertReceived{.priority = priority, .source = ip(source), .advert_interval = interval};
}

core::Duration mdi(std::uint8_t priority, Centiseconds interval = Centiseconds{100},
                   Version v = Version::kV3) {
  return master_down_interval(v, priority, interval);
}

Fsm started(FsmConfig c) {
  Fsm fsm(std::move(c));
  (void)fsm.handle(event::Startup{});
  return fsm;
}

Fsm master(FsmConfig c) {
  Fsm fsm = started(std::move(c));
  (void)fsm.handle(event::MasterDownTimerFired{});
  EXPECT_EQ(fsm.state(), State::kMaster);
  return fsm;
}

// ---- Initialize (RFC 5798 6.4.1)

TEST(FsmInitialize, StartupGoesToBackupWithMasterDownTimer) {
  Fsm fsm(config(100));
  EXPECT_EQ(fsm.state(), State::kInitialize);
  EXPECT_EQ(fsm.handle(event::Startup{}),
            (Actions{action::StopTimers{}, action::RemoveVips{},
                     action::StartMasterDownTimer{.interval = mdi(100)},
                     action::RunNotify{.state = State::kBackup, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kBackup);
  EXPECT_EQ(fsm.master_adver_interval(), Centiseconds{100});
  EXPECT_FALSE(fsm.master_address().has_value());
}

TEST(FsmInitialize, AddressOwnerGoesStraightToMaster) {
  Fsm fsm(config(255));
  EXPECT_EQ(fsm.handle(event::Startup{}),
            (Actions{action::StopTimers{}, action::AddVips{}, action::SendAdvert{.priority = 255},
                     action::SendGarp{}, action::StartAdverTimer{.interval = seconds(1)},
                     action::RunNotify{.state = State::kMaster, .priority = 255}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
  EXPECT_EQ(fsm.master_address(), ip("10.0.0.5"));
}

TEST(FsmInitialize, IgnoresEverythingButStartupAndTracking) {
  Fsm fsm(config());
  EXPECT_TRUE(fsm.handle(event::Shutdown{}).empty());
  EXPECT_TRUE(fsm.handle(event::MasterDownTimerFired{}).empty());
  EXPECT_TRUE(fsm.handle(event::AdverTimerFired{}).empty());
  EXPECT_TRUE(fsm.handle(event::PreemptDelayExpired{}).empty());
  EXPECT_TRUE(fsm.handle(advert(200)).empty());
  EXPECT_EQ(fsm.state(), State::kInitialize);
  EXPECT_TRUE(fsm.history().empty());
}

TEST(FsmInitialize, StartupWithTrackedInterfaceDownGoesToFault) {
  Fsm fsm(config());
  EXPECT_TRUE(fsm.handle(event::InterfaceDown{.name = "eth1"}).empty());
  EXPECT_EQ(fsm.handle(event::Startup{}),
            (Actions{action::StopTimers{}, action::RemoveVips{},
                     action::RunNotify{.state = State::kFault, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kFault);
}

TEST(FsmInitialize, ResumedMasterAdvertisesAtOnceAndKeepsItsVips) {
  Fsm fsm(config(100));
  EXPECT_EQ(fsm.handle(event::Startup{.resume_master = true}),
            (Actions{action::StopTimers{}, action::AddVips{}, action::SendAdvert{.priority = 100},
                     action::SendGarp{}, action::StartAdverTimer{.interval = seconds(1)},
                     action::RunNotify{.state = State::kMaster, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
  ASSERT_FALSE(fsm.history().empty());
  EXPECT_NE(fsm.history().back().reason.find("restart"), std::string::npos);
}

TEST(FsmInitialize, ResumedMasterWithTrackedInterfaceDownGoesToFault) {
  Fsm fsm(config(100));
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  (void)fsm.handle(event::Startup{.resume_master = true});
  EXPECT_EQ(fsm.state(), State::kFault);
}

// ---- Backup (RFC 5798 6.4.2)

TEST(FsmBackup, MasterDownTimerMakesMaster) {
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(event::MasterDownTimerFired{}),
            (Actions{action::StopTimers{}, action::AddVips{}, action::SendAdvert{.priority = 100},
                     action::SendGarp{}, action::StartAdverTimer{.interval = seconds(1)},
                     action::RunNotify{.state = State::kMaster, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmBackup, HigherPriorityAdvertRestartsMasterDownTimer) {
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(advert(150)), (Actions{action::StartMasterDownTimer{.interval = mdi(100)}}));
  EXPECT_EQ(fsm.state(), State::kBackup);
  EXPECT_EQ(fsm.master_address(), ip("10.0.0.9"));
}

TEST(FsmBackup, EqualPriorityAdvertIsAcceptedWhateverTheAddress) {
  // RFC 5798 6.4.2 compares priority only ("greater than or equal").
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(advert(100, "10.0.0.1")), (Actions{action::StartMasterDownTimer{.interval = mdi(100)}}));
  EXPECT_EQ(fsm.handle(advert(100, "10.0.0.200")), (Actions{action::StartMasterDownTimer{.interval = mdi(100)}}));
}

TEST(FsmBackup, LowerPriorityAdvertIsDiscardedWhenPreempting) {
  Fsm fsm = started(config(100));
  EXPECT_TRUE(fsm.handle(advert(99)).empty());
  EXPECT_EQ(fsm.state(), State::kBackup);
  // ... so the timer runs out and we take over.
  (void)fsm.handle(event::MasterDownTimerFired{});
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmBackup, NopreemptAcceptsLowerPriorityMaster) {
  auto c = config(100);
  c.preempt = false;
  Fsm fsm = started(c);
  EXPECT_EQ(fsm.handle(advert(10)), (Actions{action::StartMasterDownTimer{.interval = mdi(100)}}));
  EXPECT_EQ(fsm.master_address(), ip("10.0.0.9"));
}

TEST(FsmBackup, PriorityZeroWaitsOnlySkewTime) {
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(advert(0)),
            (Actions{action::StartMasterDownTimer{.interval = skew_time(Version::kV3, 100, Centiseconds{100})}}));
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(FsmBackup, V3LearnsTheMastersInterval) {
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(advert(200, "10.0.0.9", Centiseconds{20})),
            (Actions{action::StartMasterDownTimer{.interval = milliseconds(600) + std::chrono::nanoseconds(200'000'000) * 156 / 256}}));
  EXPECT_EQ(fsm.master_adver_interval(), Centiseconds{20});
  // Skew_Time for a resignation uses the learned interval too (RFC 5798 6.1).
  EXPECT_EQ(fsm.handle(advert(0)),
            (Actions{action::StartMasterDownTimer{.interval = std::chrono::nanoseconds(200'000'000) * 156 / 256}}));
}

TEST(FsmBackup, V2KeepsItsOwnInterval) {
  auto c = config(100);
  c.version = Version::kV2;
  Fsm fsm = started(c);
  EXPECT_EQ(fsm.handle(advert(200, "10.0.0.9", Centiseconds{300})),
            (Actions{action::StartMasterDownTimer{.interval = mdi(100, Centiseconds{100}, Version::kV2)}}));
  EXPECT_EQ(fsm.master_adver_interval(), Centiseconds{100});
}

TEST(FsmBackup, ShutdownStopsTimersAndGoesToInitialize) {
  Fsm fsm = started(config());
  EXPECT_EQ(fsm.handle(event::Shutdown{}),
            (Actions{action::StopTimers{}, action::RunNotify{.state = State::kInitialize, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kInitialize);
  EXPECT_EQ(notify_name(State::kInitialize), "STOP");
  // It can start again.
  (void)fsm.handle(event::Startup{});
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(FsmBackup, IgnoresAdverTimer) {
  Fsm fsm = started(config());
  EXPECT_TRUE(fsm.handle(event::AdverTimerFired{}).empty());
  EXPECT_TRUE(fsm.handle(event::Startup{}).empty());
  EXPECT_EQ(fsm.state(), State::kBackup);
}

// ---- preempt_delay

TEST(FsmPreemptDelay, LowerPriorityMasterIsKeptUntilTheDelayEnds) {
  auto c = config(100);
  c.preempt_delay = seconds(30);
  Fsm fsm(c);
  EXPECT_EQ(fsm.handle(event::Startup{}),
            (Actions{action::StopTimers{}, action::RemoveVips{}, action::StartMasterDownTimer{.interval = mdi(100)},
                     action::StartPreemptDelayTimer{.delay = seconds(30)},
                     action::RunNotify{.state = State::kBackup, .priority = 100}}));
  EXPECT_TRUE(fsm.preempt_blocked());
  EXPECT_EQ(fsm.handle(advert(50)), (Actions{action::StartMasterDownTimer{.interval = mdi(100)}}));
  EXPECT_TRUE(fsm.handle(event::PreemptDelayExpired{}).empty());
  EXPECT_FALSE(fsm.preempt_blocked());
  EXPECT_TRUE(fsm.handle(advert(50)).empty());  // now discarded: we will preempt
}

TEST(FsmPreemptDelay, AppliesAgainAfterFault) {
  auto c = config(100);
  c.preempt_delay = seconds(5);
  Fsm fsm = started(c);
  (void)fsm.handle(event::PreemptDelayExpired{});
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  const Actions back = fsm.handle(event::InterfaceUp{.name = "eth1"});
  EXPECT_NE(std::find(back.begin(), back.end(), Action{action::StartPreemptDelayTimer{.delay = seconds(5)}}),
            back.end());
  EXPECT_TRUE(fsm.preempt_blocked());
}

TEST(FsmPreemptDelay, NotUsedWithNopreempt) {
  auto c = config(100);
  c.preempt = false;
  c.preempt_delay = seconds(5);
  Fsm fsm(c);
  const Actions a = fsm.handle(event::Startup{});
  EXPECT_EQ(std::find(a.begin(), a.end(), Action{action::StartPreemptDelayTimer{.delay = seconds(5)}}), a.end());
  EXPECT_FALSE(fsm.preempt_blocked());
}

// ---- Master (RFC 5798 6.4.3)

TEST(FsmMaster, AdverTimerSendsAndRearms) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(event::AdverTimerFired{}),
            (Actions{action::SendAdvert{.priority = 100}, action::StartAdverTimer{.interval = seconds(1)}}));
}

TEST(FsmMaster, HigherPriorityMakesBackupAndLearnsInterval) {
  Fsm fsm = master(config(100));
  // keepalived's default: no advert of ours as we yield (see SplitBrainLoserAdvertisesAsItYields).
  EXPECT_EQ(fsm.handle(advert(101, "10.0.0.1", Centiseconds{50})),
            (Actions{action::StopTimers{}, action::RemoveVips{},
                     action::StartMasterDownTimer{.interval = mdi(100, Centiseconds{50})},
                     action::RunNotify{.state = State::kBackup, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kBackup);
  EXPECT_EQ(fsm.master_adver_interval(), Centiseconds{50});
  EXPECT_EQ(fsm.master_address(), ip("10.0.0.1"));
}

TEST(FsmMaster, SplitBrainLoserAdvertisesAsItYields) {
  // Two masters after a healed split brain: with higher_prio_send_advert the
  // one that yields sends one advert, and the winner answers a lower advert
  // with an advert and its announcements.
  FsmConfig loser_config = config(50);
  loser_config.higher_prio_send_advert = true;
  Fsm loser = master(loser_config);
  Fsm winner = master(config(100));
  const Actions yielded = loser.handle(advert(100, "10.0.0.1"));
  ASSERT_FALSE(yielded.empty());
  EXPECT_EQ(yielded.front(), Action{action::SendAdvert{.priority = 50}});
  EXPECT_EQ(loser.state(), State::kBackup);
  const Actions answer = winner.handle(advert(50, "10.0.0.9"));
  EXPECT_NE(std::find(answer.begin(), answer.end(), Action{action::LowerPriorityHeard{.priority = 100}}), answer.end());
  EXPECT_EQ(winner.state(), State::kMaster);
}

TEST(FsmMaster, EqualPriorityHigherAddressWins) {
  // RFC 5798 6.4.3: the primary addresses compare as unsigned integers.
  Fsm fsm = master(config(100));  // we are 10.0.0.5
  (void)fsm.handle(advert(100, "10.0.0.40"));
  EXPECT_EQ(fsm.state(), State::kBackup);
  EXPECT_EQ(fsm.history().back().reason, "equal priority, higher address 100 from 10.0.0.40");
}

TEST(FsmMaster, EqualPriorityLowerAddressLosesAndWeReassert) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(advert(100, "10.0.0.4")),
            (Actions{action::SendAdvert{.priority = 100}, action::StartAdverTimer{.interval = seconds(1)},
                     action::LowerPriorityHeard{.priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmMaster, LowerPriorityIsDiscardedButWeReassert) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(advert(99, "10.0.0.200")),
            (Actions{action::SendAdvert{.priority = 100}, action::StartAdverTimer{.interval = seconds(1)},
                     action::LowerPriorityHeard{.priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmMaster, AnswersEveryLowerAdvertAsKeepalivedDoes) {
  // keepalived 2.2.7 answers each lower advert with one of its own (measured).
  Fsm fsm = master(config(100));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(fsm.handle(advert(99, "10.0.0.200")),
              (Actions{action::SendAdvert{.priority = 100}, action::StartAdverTimer{.interval = seconds(1)},
                       action::LowerPriorityHeard{.priority = 100}}));
  }
}

TEST(FsmMaster, PriorityZeroMakesUsAdvertiseAtOnce) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(advert(0)),
            (Actions{action::SendAdvert{.priority = 100}, action::StartAdverTimer{.interval = seconds(1)}}));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmMaster, OwnAdvertLoopedBackIsIgnored) {
  Fsm fsm = master(config(100));
  EXPECT_TRUE(fsm.handle(advert(100, "10.0.0.5")).empty());
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmMaster, ShutdownResignsAndRemovesVips) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(event::Shutdown{}),
            (Actions{action::StopTimers{}, action::SendAdvert{.priority = 0}, action::RemoveVips{},
                     action::RunNotify{.state = State::kInitialize, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kInitialize);
}

TEST(FsmMaster, IgnoresStaleBackupTimers) {
  Fsm fsm = master(config(100));
  EXPECT_TRUE(fsm.handle(event::MasterDownTimerFired{}).empty());
  EXPECT_TRUE(fsm.handle(event::PreemptDelayExpired{}).empty());
  EXPECT_TRUE(fsm.handle(event::Startup{}).empty());
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmMaster, OwnerStaysMasterAgainstLowerPriorities) {
  Fsm fsm = started(config(255));
  (void)fsm.handle(advert(254, "10.0.0.200"));
  EXPECT_EQ(fsm.state(), State::kMaster);
}

// ---- Weighted tracking

TEST(FsmPriority, MasterAdvertisesANewPriorityAtOnce) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(event::PriorityChanged{.priority = 80}),
            (Actions{action::SendAdvert{.priority = 80}, action::StartAdverTimer{.interval = seconds(1)}}));
  EXPECT_EQ(fsm.priority(), 80);
  EXPECT_TRUE(fsm.handle(event::PriorityChanged{.priority = 80}).empty());  // unchanged
  EXPECT_EQ(fsm.handle(event::AdverTimerFired{}),
            (Actions{action::SendAdvert{.priority = 80}, action::StartAdverTimer{.interval = seconds(1)}}));
}

TEST(FsmPriority, BackupComparesWithItsNewPriority) {
  Fsm fsm = started(config(100));
  EXPECT_TRUE(fsm.handle(event::PriorityChanged{.priority = 50}).empty());
  EXPECT_EQ(fsm.handle(advert(90)), (Actions{action::StartMasterDownTimer{.interval = mdi(50)}}));
  EXPECT_TRUE(fsm.handle(event::PriorityChanged{.priority = 150}).empty());
  EXPECT_TRUE(fsm.handle(advert(120)).empty());  // lower than us now: discarded, we will preempt
}

TEST(FsmPriority, ZeroIsClampedToOne) {
  Fsm fsm = started(config(100));
  (void)fsm.handle(event::PriorityChanged{.priority = 0});
  EXPECT_EQ(fsm.priority(), 1);
}

// ---- Fault (tracked interfaces)

TEST(FsmFault, BackupGoesToFaultAndBack) {
  Fsm fsm = started(config(100));
  EXPECT_EQ(fsm.handle(event::InterfaceDown{.name = "eth1"}),
            (Actions{action::StopTimers{}, action::RemoveVips{},
                     action::RunNotify{.state = State::kFault, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kFault);
  EXPECT_TRUE(fsm.handle(advert(200)).empty());
  EXPECT_TRUE(fsm.handle(event::MasterDownTimerFired{}).empty());
  EXPECT_EQ(fsm.handle(event::InterfaceUp{.name = "eth1"}),
            (Actions{action::StopTimers{}, action::RemoveVips{}, action::StartMasterDownTimer{.interval = mdi(100)},
                     action::RunNotify{.state = State::kBackup, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(FsmFault, MasterResignsOnFault) {
  Fsm fsm = master(config(100));
  EXPECT_EQ(fsm.handle(event::InterfaceDown{.name = "eth1"}),
            (Actions{action::StopTimers{}, action::SendAdvert{.priority = 0}, action::RemoveVips{},
                     action::RunNotify{.state = State::kFault, .priority = 100}}));
  EXPECT_EQ(fsm.state(), State::kFault);
}

TEST(FsmFault, StaysInFaultUntilEveryTrackedInterfaceIsUp) {
  Fsm fsm = started(config(100));
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  EXPECT_TRUE(fsm.handle(event::InterfaceDown{.name = "eth2"}).empty());
  EXPECT_TRUE(fsm.handle(event::InterfaceUp{.name = "eth1"}).empty());
  EXPECT_EQ(fsm.state(), State::kFault);
  EXPECT_EQ(fsm.interfaces_down(), (std::set<std::string>{"eth2"}));
  (void)fsm.handle(event::InterfaceUp{.name = "eth2"});
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(FsmFault, UpForAnUntrackedOrAlreadyUpInterfaceChangesNothing) {
  Fsm fsm = started(config(100));
  EXPECT_TRUE(fsm.handle(event::InterfaceUp{.name = "eth9"}).empty());
  EXPECT_EQ(fsm.state(), State::kBackup);
}

TEST(FsmFault, OwnerReturnsToMaster) {
  Fsm fsm = started(config(255));
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  EXPECT_EQ(fsm.state(), State::kFault);
  (void)fsm.handle(event::InterfaceUp{.name = "eth1"});
  EXPECT_EQ(fsm.state(), State::kMaster);
}

TEST(FsmFault, ShutdownFromFault) {
  Fsm fsm = started(config(100));
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  EXPECT_EQ(fsm.handle(event::Shutdown{}),
            (Actions{action::StopTimers{}, action::RunNotify{.state = State::kInitialize, .priority = 100}}));
}

// ---- The whole [state][event] table: the state each event leads to.

TEST(FsmTable, NextStateForEveryStateAndEvent) {
  const std::vector<std::pair<const char*, Event>> events = {
      {"Startup", event::Startup{}},
      {"Shutdown", event::Shutdown{}},
      {"MasterDownTimerFired", event::MasterDownTimerFired{}},
      {"AdverTimerFired", event::AdverTimerFired{}},
      {"PreemptDelayExpired", event::PreemptDelayExpired{}},
      {"Advert 200", advert(200)},
      {"Advert 50", advert(50)},
      {"Advert 0", advert(0)},
      {"InterfaceDown", event::InterfaceDown{.name = "eth1"}},
      {"InterfaceUp", event::InterfaceUp{.name = "eth1"}},
      {"PriorityChanged", event::PriorityChanged{.priority = 120}},
  };
  constexpr State I = State::kInitialize, B = State::kBackup, M = State::kMaster, F = State::kFault;
  // Rows: Initialize, Backup, Master, Fault. Columns: the events above.
  const std::vector<std::vector<State>> expected = {
      {B, I, I, I, I, I, I, I, I, I, I},
      {B, I, M, B, B, B, B, B, F, B, B},
      {M, I, M, M, M, B, M, M, F, M, M},
      {F, I, F, F, F, F, F, F, F, B, F},
  };
  const auto reach = [](State s) {
    Fsm fsm(config(100));
    if (s == State::kInitialize) return fsm;
    (void)fsm.handle(event::Startup{});
    if (s == State::kMaster) (void)fsm.handle(event::MasterDownTimerFired{});
    if (s == State::kFault) (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
    return fsm;
  };
  for (std::size_t row = 0; row < kStateCount; ++row) {
    for (std::size_t col = 0; col < events.size(); ++col) {
      const State from = static_cast<State>(row);
      Fsm fsm = reach(from);
      ASSERT_EQ(fsm.state(), from);
      (void)fsm.handle(events[col].second);
      EXPECT_EQ(fsm.state(), expected[row][col]) << to_string(from) << " + " << events[col].first;
    }
  }
}

// ---- One transition function: history and counters

TEST(FsmTransitions, HistoryAndCountsRecordEveryChange) {
  Fsm fsm(config(100));
  (void)fsm.handle(event::Startup{});
  (void)fsm.handle(event::MasterDownTimerFired{});
  (void)fsm.handle(advert(200, "10.0.0.1"));
  (void)fsm.handle(event::InterfaceDown{.name = "eth1"});
  (void)fsm.handle(event::Shutdown{});
  ASSERT_EQ(fsm.history().size(), 5u);
  const std::vector<std::pair<State, State>> expected = {{State::kInitialize, State::kBackup},
                                                         {State::kBackup, State::kMaster},
                                                         {State::kMaster, State::kBackup},
                                                         {State::kBackup, State::kFault},
                                                         {State::kFault, State::kInitialize}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(fsm.history()[i].from, expected[i].first) << i;
    EXPECT_EQ(fsm.history()[i].to, expected[i].second) << i;
  }
  EXPECT_EQ(fsm.history()[0].reason, "startup");
  EXPECT_EQ(fsm.history()[2].reason, "higher priority 200 from 10.0.0.1");
  EXPECT_EQ(fsm.history()[3].reason, "tracked interface eth1 down");
  EXPECT_EQ(fsm.transitions_into(State::kBackup), 2u);
  EXPECT_EQ(fsm.transitions_into(State::kMaster), 1u);
  EXPECT_EQ(fsm.transitions_into(State::kFault), 1u);
  EXPECT_EQ(fsm.transitions_into(State::kInitialize), 1u);
}

TEST(FsmTransitions, HistoryIsBounded) {
  Fsm fsm = started(config(100));
  for (int i = 0; i < 40; ++i) {
    (void)fsm.handle(event::MasterDownTimerFired{});
    (void)fsm.handle(advert(200));
  }
  EXPECT_EQ(fsm.history().size(), Fsm::kHistorySize);
  EXPECT_EQ(fsm.history().back().to, State::kBackup);
  EXPECT_EQ(fsm.transitions_into(State::kMaster), 40u);
}

TEST(FsmTransitions, EveryStateChangeNotifiesExactlyOnce) {
  Fsm fsm(config(100));
  const std::vector<Event> script = {event::Startup{},          event::MasterDownTimerFired{},
                                     event::AdverTimerFired{},  advert(200),
                                     advert(0),                 event::MasterDownTimerFired{},
                                     event::InterfaceDown{.name = "e"}, event::InterfaceUp{.name = "e"},
                                     event::Shutdown{}};
  std::size_t notifies = 0;
  for (const auto& e : script) {
    const State before = fsm.state();
    const Actions a = fsm.handle(e);
    const auto n = std::count_if(a.begin(), a.end(),
                                 [](const Action& x) { return std::holds_alternative<action::RunNotify>(x); });
    EXPECT_EQ(n, before != fsm.state() ? 1 : 0) << event_name(e);
    notifies += static_cast<std::size_t>(n);
  }
  EXPECT_EQ(notifies, fsm.history().size());
}

// ---- keepalived's VIP tracking

TEST(FsmMaster, AVipDeletedUnderItResignsAndTheElectionTakesSkewTime) {
  Fsm fsm = master(config(200));
  const Actions actions = fsm.handle(event::VipDeleted{.address = "10.0.0.100"});
  EXPECT_EQ(fsm.state(), State::kBackup);
  ASSERT_FALSE(actions.empty());
  EXPECT_NE(std::find(actions.begin(), actions.end(), Action{action::SendAdvert{.priority = 0}}), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), Action{action::RemoveVips{}}), actions.end());
  // The last timer set wins: Skew_Time, as after any master's priority 0.
  const auto last_timer = std::find_if(actions.rbegin(), actions.rend(), [](const Action& a) {
    return std::holds_alternative<action::StartMasterDownTimer>(a);
  });
  ASSERT_NE(last_timer, actions.rend());
  EXPECT_EQ(std::get<action::StartMasterDownTimer>(*last_timer).interval,
            skew_time(Version::kV3, 200, Centiseconds{100}));
  // The priority-0 advert goes before the VIPs do, as in a shutdown.
  const auto advert_at = std::find(actions.begin(), actions.end(), Action{action::SendAdvert{.priority = 0}});
  const auto remove_at = std::find(actions.begin(), actions.end(), Action{action::RemoveVips{}});
  EXPECT_LT(advert_at, remove_at);
}

TEST(FsmBackup, AVipDeletedIsNothingToABackup) {
  Fsm fsm = started(config(100));
  EXPECT_TRUE(fsm.handle(event::VipDeleted{.address = "10.0.0.100"}).empty());
  EXPECT_EQ(fsm.state(), State::kBackup);
}

}  // namespace
}  // namespace lvsd::vrrp
