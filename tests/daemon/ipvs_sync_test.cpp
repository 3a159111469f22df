// IpvsSync against an in-memory kernel, with fake time: no socket, no sleep.
#include "daemon/ipvs_sync.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/fake_scheduler.hpp"
#include "tests/daemon/fake_ipvs_kernel.hpp"

namespace lvsd::daemon {
namespace {

using namespace std::chrono_literals;
using director::Destination;
using director::ForwardMethod;
using director::IpvsTable;
using director::OperationKind;
using director::ServiceKey;
using director::VirtualService;
using test_support::FakeKernel;

core::IpAddress ip(const char* s) { return core::IpAddress::parse(s).value(); }

VirtualService web(const char* vip, std::vector<int> weights) {
  VirtualService vs;
  vs.service.key = ServiceKey::inet(director::Protocol::kTcp, ip(vip), 80);
  vs.service.scheduler = "rr";
  int host = 11;
  for (int w : weights) {
    Destination d;
    d.endpoint = {ip(("10.0.0." + std::to_string(host++)).c_str()), 80};
    d.forward = ForwardMethod::kDirectRoute;
    d.weight = w;
    vs.destinations.push_back(d);
  }
  return vs;
}

class IpvsSyncTest : public ::testing::Test {
 protected:
  IpvsSync make(IpvsSyncOptions options = {}, director::OwnershipRecord owned = {}) {
    return IpvsSync(
        sched, kernel, options, std::move(owned),
        [this](const director::OwnershipRecord& r) {
          saved = r;
          ++saves;
        },
        [this] {
          ++source_builds;
          return source_table;
        });
  }
  // What the daemon does: the source changes, then it tells IpvsSync.
  SyncOutcome push(IpvsSync& sync, IpvsTable table) {
    source_table = table;
    return sync.set_desired(std::move(table));
  }
  IpvsTable source_table;  // what the desired source gives
  int source_builds = 0;   // how often it was asked to
  core::FakeScheduler sched;
  FakeKernel kernel;
  director::OwnershipRecord saved;
  int saves = 0;
};

TEST_F(IpvsSyncTest, ProgramsAnEmptyKernelAndOwnsWhatItCreated) {
  auto sync = make();
  IpvsTable desired{.services = {web("10.0.0.100", {1, 1})}};
  auto outcome = push(sync, desired);
  EXPECT_TRUE(outcome.dumped);
  EXPECT_EQ(outcome.planned, 3u);  // NEW_SERVICE + 2 NEW_DEST
  EXPECT_EQ(outcome.failed, 0u);
  ASSERT_EQ(kernel.table.services.size(), 1u);
  EXPECT_EQ(kernel.table.services[0].destinations.size(), 2u);
  EXPECT_TRUE(saved.owns(desired.services[0].service.key));
  EXPECT_EQ(saves, 1);
}

TEST_F(IpvsSyncTest, UnchangedTableMakesNoWrite) {
  auto sync = make();
  push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  const int applies_before = kernel.applies;
  auto outcome = sync.reconcile();
  EXPECT_EQ(outcome.planned, 0u);
  EXPECT_EQ(kernel.applies, applies_before);
}

// What a reload of an unchanged file relies on to skip pushing the table.
TEST_F(IpvsSyncTest, InSyncOnlyWhileTheKernelHoldsExactlyTheDesiredTable) {
  auto sync = make();
  EXPECT_FALSE(sync.in_sync());  // nothing reconciled yet
  push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  EXPECT_TRUE(sync.in_sync());
  kernel.refuse = web("10.0.0.101", {1}).service.key;  // e.g. an unknown scheduler module
  push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1})}});
  EXPECT_FALSE(sync.in_sync());  // a refused operation is still pending
  kernel.refuse = {};
  push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1})}});
  EXPECT_TRUE(sync.in_sync());  // pushed again: applied now
  kernel.fail_dumps = true;
  sync.reconcile(true);
  EXPECT_FALSE(sync.in_sync());  // the kernel could not be read
}

TEST_F(IpvsSyncTest, RestartAdoptsMatchingKernelWithoutWriting) {
  kernel.table.services.push_back(web("10.0.0.100", {1, 1}));  // left by the previous run
  auto sync = make();
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  EXPECT_EQ(outcome.planned, 0u);
  EXPECT_EQ(kernel.applies, 0);
  EXPECT_TRUE(sync.owned().owns(kernel.table.services[0].service.key));  // adopted
  EXPECT_EQ(saves, 1);
}

TEST_F(IpvsSyncTest, AdoptedStartupDumpIsNotReadAgainAndResyncStillRuns) {
  kernel.table.services.push_back(web("10.0.0.100", {1, 1}));
  auto sync = make({.resync_interval = 30s});
  sync.adopt_dump(kernel.table);
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1})}});
  EXPECT_EQ(kernel.dumps, 0);
  EXPECT_EQ(outcome.planned, 2u);  // NEW_SERVICE + NEW_DEST for the new one
  sched.advance(30s);
  EXPECT_EQ(kernel.dumps, 1);
}

TEST_F(IpvsSyncTest, PeriodicResyncRepairsDriftOnce) {
  auto sync = make({.resync_interval = 30s});
  push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  kernel.table.services[0].destinations.pop_back();  // ipvsadm -d by hand
  sched.advance(29s);
  EXPECT_EQ(kernel.table.services[0].destinations.size(), 1u);
  sched.advance(1s);
  EXPECT_EQ(kernel.table.services[0].destinations.size(), 2u);
  EXPECT_EQ(sync.counters().drift_repairs, 1u);
  const int applies = kernel.applies;
  sched.advance(30s);  // nothing drifted since: a dump, no write
  EXPECT_EQ(kernel.applies, applies);
  EXPECT_EQ(sync.counters().drift_repairs, 1u);
}

TEST_F(IpvsSyncTest, OneWeightChangeIsOneSetDest) {
  auto sync = make();
  push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1, 1})}});
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1, 5})}});
  EXPECT_EQ(outcome.planned, 1u);
  EXPECT_EQ(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.101"), 80))->destinations[1].weight, 5);
}

TEST_F(IpvsSyncTest, ChangeOfDesiredTableIsPlannedWithoutADump) {
  auto sync = make({.resync_interval = 30s});
  push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  EXPECT_EQ(kernel.dumps, 1);  // the first reconcile reads the kernel
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1, 4})}});  // a reload
  EXPECT_EQ(kernel.dumps, 1);
  EXPECT_EQ(outcome.planned, 1u);
  EXPECT_EQ(kernel.table.services[0].destinations[1].weight, 4);
  sched.advance(30s);  // the periodic resync does read it
  EXPECT_EQ(kernel.dumps, 2);
}

TEST_F(IpvsSyncTest, ForeignServicesStayUnlessFlushForeign) {
  kernel.table.services.push_back(web("10.9.9.9", {1}));  // made by someone else
  auto sync = make();
  push(sync, {.services = {web("10.0.0.100", {1})}});
  EXPECT_NE(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.9.9.9"), 80)), nullptr);
  // A service we created and no longer want is removed.
  push(sync, {});
  EXPECT_EQ(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.100"), 80)), nullptr);
  EXPECT_NE(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.9.9.9"), 80)), nullptr);
  EXPECT_TRUE(sync.owned().services.empty());

  sync.set_options({.resync_interval = 30s, .flush_foreign = true});
  sync.reconcile();
  EXPECT_TRUE(kernel.table.services.empty());
}

TEST_F(IpvsSyncTest, UnreadableKernelChangesNothingAndRetriesNextInterval) {
  auto sync = make({.resync_interval = 10s});
  kernel.fail_dumps = true;
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1})}});
  EXPECT_FALSE(outcome.dumped);
  EXPECT_EQ(kernel.applies, 0);
  EXPECT_EQ(sync.counters().dump_failures, 1u);
  kernel.fail_dumps = false;
  sched.advance(10s);
  EXPECT_EQ(kernel.table.services.size(), 1u);
}

TEST_F(IpvsSyncTest, RefusedServiceIsNotOwnedAndOthersStillProgrammed) {
  auto sync = make();
  kernel.refuse = ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.100"), 80);
  auto outcome = push(sync, {.services = {web("10.0.0.100", {1}), web("10.0.0.101", {1})}});
  EXPECT_EQ(outcome.failed, 2u);  // its NEW_SERVICE and NEW_DEST
  EXPECT_EQ(sync.counters().operation_failures, 2u);
  EXPECT_NE(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.101"), 80)), nullptr);
  EXPECT_FALSE(sync.owned().owns(kernel.refuse));
  EXPECT_TRUE(sync.owned().owns(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.101"), 80)));
}

}  // namespace
}  // namespace lvsd::daemon

namespace lvsd::daemon {
namespace {

// A plan above the one-line-per-operation threshold (a large first start)
// is applied whole, and the view it leaves lets the next change be planned
// without a dump: exactly the one operation that differs.
TEST_F(IpvsSyncTest, LargePlanLeavesAnExactViewForTheNextChange) {
  auto sync = make();
  IpvsTable desired;
  for (int i = 0; i < 40; ++i) {
    desired.services.push_back(web(("10.1.0." + std::to_string(i + 1)).c_str(), {1, 1, 1}));
  }
  SyncOutcome first = push(sync, desired);
  EXPECT_EQ(first.planned, 160u);  // 40 NEW_SERVICE + 120 NEW_DEST
  EXPECT_EQ(first.failed, 0u);
  EXPECT_EQ(kernel.table.services.size(), 40u);
  EXPECT_EQ(sync.owned().services.size(), 40u);
  desired.services[39].destinations[2].weight = 7;
  SyncOutcome next = push(sync, desired);
  EXPECT_EQ(next.planned, 1u);
  EXPECT_EQ(kernel.dumps, 1);
  EXPECT_EQ(kernel.table.services[39].destinations[2].weight, 7);
}

// Once the kernel holds exactly the desired table, IpvsSync keeps only a
// digest per service: a change reads back from the kernel the services whose
// digest changed (added, changed, removed), and plans only those.
TEST_F(IpvsSyncTest, InSyncAChangeReadsBackOnlyTheServicesThatChanged) {
  auto sync = make();
  IpvsTable t;
  for (int i = 0; i < 40; ++i) t.services.push_back(web(("10.1.0." + std::to_string(i + 1)).c_str(), {1, 1, 1}));
  push(sync, t);
  EXPECT_EQ(kernel.dumps, 1);
  EXPECT_TRUE(sync.in_sync());
  t.services[17].destinations[1].weight = 5;
  EXPECT_EQ(push(sync, t).planned, 1u);  // one SET_DEST
  EXPECT_EQ(kernel.table.services[17].destinations[1].weight, 5);
  EXPECT_EQ(kernel.service_dumps, 1);
  EXPECT_EQ(kernel.dumped_services, 1u);
  EXPECT_EQ(push(sync, t).planned, 0u);  // the same table: nothing read at all
  EXPECT_EQ(kernel.service_dumps, 1);
  const ServiceKey removed = t.services[3].service.key;
  t.services.erase(t.services.begin() + 3);
  t.services.push_back(web("10.2.0.1", {1}));
  EXPECT_EQ(push(sync, t).planned, 3u);  // DEL_SERVICE; NEW_SERVICE and its NEW_DEST
  EXPECT_EQ(kernel.service_dumps, 2);
  EXPECT_EQ(kernel.dumped_services, 2u);  // + the removed one (the added one is not in the kernel yet)
  EXPECT_EQ(kernel.find(removed), nullptr);
  EXPECT_FALSE(sync.owned().owns(removed));
  EXPECT_EQ(kernel.table.services.size(), 40u);
  EXPECT_TRUE(sync.in_sync());
  EXPECT_EQ(kernel.dumps, 1);  // never the whole table
}

// The view is kept once, as the desired table itself, only when it is exactly
// that table; each case below must still plan against what the kernel holds.
TEST_F(IpvsSyncTest, ViewSharedWithTheDesiredTableOnlyWhenItIsExactlyThat) {
  auto key = [](const char* vip) { return ServiceKey::inet(director::Protocol::kTcp, ip(vip), 80); };
  // Succeeded: the view is the desired table. Each later change still plans
  // exactly the difference, with no dump.
  {
    auto sync = make();
    push(sync, {.services = {web("10.0.0.100", {1, 1})}});
    EXPECT_EQ(push(sync, {.services = {web("10.0.0.100", {1, 3})}}).planned, 1u);
    EXPECT_EQ(push(sync, {.services = {web("10.0.0.100", {1, 3})}}).planned, 0u);
    EXPECT_EQ(push(sync, {.services = {web("10.0.0.100", {1})}}).planned, 1u);  // DEL_DEST
    EXPECT_EQ(kernel.table.services[0].destinations.size(), 1u);
    EXPECT_EQ(kernel.dumps, 1);
  }
  // A foreign service in the kernel: the view is not the desired table.
  kernel.table = {};
  kernel.table.services.push_back(web("10.9.9.9", {1}));
  {
    auto sync = make({.resync_interval = 0s, .flush_foreign = false});
    push(sync, {.services = {web("10.0.0.100", {1})}});
    sync.set_options({.resync_interval = 0s, .flush_foreign = true});
    EXPECT_EQ(push(sync, {.services = {web("10.0.0.100", {1})}}).planned, 1u);  // DEL_SERVICE of the foreign
    EXPECT_EQ(kernel.find(key("10.9.9.9")), nullptr);
  }
  // A refused operation: the view lacks it, so the next change retries it.
  kernel.table = {};
  kernel.refuse = key("10.0.0.101");
  {
    auto sync = make();
    IpvsTable desired{.services = {web("10.0.0.100", {1}), web("10.0.0.101", {1})}};
    EXPECT_EQ(push(sync, desired).failed, 2u);  // NEW_SERVICE and its NEW_DEST
    kernel.refuse = {};
    EXPECT_EQ(push(sync, desired).planned, 2u);
    EXPECT_NE(kernel.find(key("10.0.0.101")), nullptr);
  }
  // A destination listed twice is programmed once: the view has it once.
  kernel.table = {};
  {
    auto sync = make();
    VirtualService twice = web("10.0.0.100", {1, 1});
    twice.destinations.push_back(twice.destinations[0]);
    IpvsTable desired{.services = {twice}};
    EXPECT_EQ(push(sync, desired).planned, 3u);
    desired.services[0].destinations[2].weight = 9;  // the second listing: ignored
    EXPECT_EQ(push(sync, desired).planned, 0u);
    desired.services[0].destinations.pop_back();
    EXPECT_EQ(push(sync, desired).planned, 0u);
    EXPECT_EQ(kernel.table.services[0].destinations.size(), 2u);
  }
}

}  // namespace
}  // namespace lvsd::daemon

namespace lvsd::daemon {
namespace {

// With an async dump (the daemon's: off the loop), the periodic resync
// never reads the kernel on the caller's stack, repairs drift when the dump
// comes back, and drops a dump that a write overtook (it would undo it).
TEST_F(IpvsSyncTest, AsyncResyncRepairsDriftAndDropsAStaleDump) {
  using Done = std::function<void(core::Result<director::TableSurvey>)>;
  std::vector<Done> pending;
  std::vector<std::shared_ptr<const director::ServiceDigests>> expected;
  IpvsSync sync(
      sched, kernel, {.resync_interval = 30s}, {}, [](const director::OwnershipRecord&) {}, [this] { return source_table; },
      [&](std::shared_ptr<const director::ServiceDigests> e, Done done) {
        expected.push_back(std::move(e));
        pending.push_back(std::move(done));
      });
  // What the offload thread would run.
  auto survey_now = [&](std::size_t i) { return survey_kernel(kernel, expected.at(i)).value(); };
  push(sync, {.services = {web("10.0.0.100", {1, 1})}});
  const int dumps = kernel.dumps;
  kernel.table.services[0].destinations.pop_back();  // someone ran ipvsadm -d
  sched.advance(30s);
  EXPECT_EQ(kernel.dumps, dumps);  // no dump on the loop
  ASSERT_EQ(pending.size(), 1u);
  sched.advance(30s);  // the next interval while one is under way: no second dump
  ASSERT_EQ(pending.size(), 1u);
  ASSERT_NE(expected[0], nullptr);  // in sync: compared by digest
  pending[0](survey_now(0));
  pending.clear();
  expected.clear();
  EXPECT_EQ(kernel.table.services[0].destinations.size(), 2u);
  EXPECT_EQ(sync.counters().drift_repairs, 1u);

  // A dump taken before a change of the desired table comes back after it.
  sched.advance(30s);
  ASSERT_EQ(pending.size(), 1u);
  kernel.table.services[0].destinations.pop_back();  // drift the survey sees
  const director::TableSurvey before_change = survey_now(0);
  ASSERT_FALSE(before_change.as_expected());
  push(sync, {.services = {web("10.0.0.100", {1, 1, 1})}});
  const int applies = kernel.applies;
  pending[0](before_change);
  EXPECT_EQ(kernel.applies, applies);  // nothing planned from the old picture
  EXPECT_EQ(sync.counters().stale_dumps, 1u);
  EXPECT_EQ(kernel.table.services[0].destinations.size(), 3u);
}

// In sync, a periodic resync compares the kernel with the digests it keeps:
// the desired table is built (and planned) only for drift, and then only
// the drifted services are planned.
TEST_F(IpvsSyncTest, ResyncInSyncBuildsTheDesiredTableOnlyForDrift) {
  auto sync = make({.resync_interval = 30s});
  push(sync, {.services = {web("10.0.0.100", {1, 1}), web("10.0.0.101", {1, 1}), web("10.0.0.102", {1})}});
  ASSERT_TRUE(sync.in_sync());
  const int builds = source_builds;
  const int applies = kernel.applies;
  sched.advance(30s);  // nothing drifted
  EXPECT_EQ(source_builds, builds);
  EXPECT_EQ(kernel.applies, applies);
  EXPECT_EQ(sync.counters().surveys, 1u);

  // By hand: one weight changed, one service deleted.
  kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.101"), 80))->destinations[0].weight = 7;
  std::erase_if(kernel.table.services, [](const VirtualService& vs) { return vs.service.key.endpoint.address == ip("10.0.0.102"); });
  sched.advance(30s);
  EXPECT_EQ(source_builds, builds + 1);
  EXPECT_EQ(sync.counters().drift_repairs, 3u);  // SET_DEST, NEW_SERVICE, NEW_DEST
  EXPECT_EQ(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.101"), 80))->destinations[0].weight, 1);
  ASSERT_NE(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.102"), 80)), nullptr);
  EXPECT_TRUE(sync.in_sync());
  EXPECT_EQ(push(sync, source_table).planned, 0u);

  // Someone else's service appears: left alone, and from then on the
  // whole table is read and planned.
  kernel.table.services.push_back(web("10.9.9.9", {1}));
  sched.advance(30s);
  EXPECT_NE(kernel.find(ServiceKey::inet(director::Protocol::kTcp, ip("10.9.9.9"), 80)), nullptr);
  EXPECT_EQ(sync.counters().drift_repairs, 3u);
  EXPECT_FALSE(sync.in_sync());
  const auto surveys = sync.counters().surveys;
  sched.advance(30s);
  EXPECT_EQ(sync.counters().surveys, surveys);
  EXPECT_EQ(kernel.table.services.size(), 4u);
}

}  // namespace
}  // namespace lvsd::daemon
