// The daemon's side of a table grows linearly (issue 19): for 1,000 and then
// 10,000 real servers (services of 10), each step from a configuration to the
// kernel and back to `lvsctl status` / `lvsctl list` allocates at most ~12x
// (allocations and bytes) for 10x the table; a quadratic step would be ~100x.
// Counted with tests/support/alloc_count.hpp (this binary holds no other
// test), not timed: times stay in bench/scale-curve.sh.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/ipvsadm_format.hpp"
#include "control/status.hpp"
#include "control/status_builder.hpp"
#include "core/fake_scheduler.hpp"
#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/health_view.hpp"
#include "daemon/ipvs_sync.hpp"
#include "daemon/status_view.hpp"
#include "director/reconciler.hpp"
#include "tests/daemon/fake_ipvs_kernel.hpp"
#include "tests/support/alloc_count.hpp"

namespace lvsd::daemon {
namespace {

using lvsd::test_support::AllocCost;
using lvsd::test_support::counted;
using lvsd::test_support::expect_linear;

core::IpAddress address(int first, std::size_t i) {
  return *core::IpAddress::parse(std::to_string(first) + "." + std::to_string(i / 62500) + "." +
                                 std::to_string(i / 250 % 250) + "." + std::to_string(i % 250 + 1));
}

// `services` DR services of 10 real servers, weight 1; with `checks`, a TCP
// check each (start_up: in the pool from the start, as without checks).
conf::Config table_config(std::size_t services, bool checks) {
  conf::Config config;
  config.virtual_servers.reserve(services);
  for (std::size_t s = 0; s < services; ++s) {
    conf::VirtualServer vs{.address = address(10, s), .port = 80, .lb_algo = "rr",
                           .lb_kind = conf::ForwardingMethod::kDr};
    vs.start_up = true;
    for (std::size_t r = 0; r < 10; ++r) {
      conf::RealServer rs{.address = address(11, s * 10 + r), .port = 80};
      if (checks) rs.checks.push_back(conf::Check{.probe = conf::TcpCheck{}, .delay_loop = std::chrono::seconds(60)});
      vs.real_servers.push_back(std::move(rs));
    }
    config.virtual_servers.push_back(std::move(vs));
  }
  return config;
}

// What each step of the daemon's pipeline allocated for one table size.
using Costs = std::map<std::string, AllocCost>;

// Never probes: the test needs no verdict (every check starts up).
class IdleChecker final : public healthcheck::Checker {
 public:
  void start(Done) override {}
  void cancel() override {}
};

Costs pipeline_costs(std::size_t services, bool checks) {
  Costs costs;
  const conf::Config config = table_config(services, checks);
  const std::size_t reals = services * 10;

  core::FakeScheduler scheduler;
  healthcheck::CheckScheduler check_scheduler(
      scheduler, [](const healthcheck::CheckSpec&) { return std::make_unique<IdleChecker>(); },
      [](core::Duration) { return core::Duration::zero(); });
  HealthView view(scheduler, check_scheduler, [] {});
  test_support::FakeKernel kernel;
  IpvsSync sync(scheduler, kernel, {.resync_interval = std::chrono::milliseconds(0)}, {},
                [](const director::OwnershipRecord&) {}, [&view] { return view.table(); });

  // Start: the health view takes the configuration, the desired table goes
  // to the (empty) kernel.
  costs["HealthView::set_config"] = counted([&] { view.set_config(config); });
  director::IpvsTable desired;
  costs["HealthView::table"] = counted([&] { desired = view.table(); });
  EXPECT_EQ(desired.services.size(), services);
  director::IpvsTable configured;
  costs["configured_table"] = counted([&] { configured = configured_table(config); });
  EXPECT_EQ(configured.services.size(), desired.services.size());
  director::ReconcilePlan plan;
  costs["reconcile (empty kernel)"] = counted([&] { plan = director::reconcile(desired, {}, {}); });
  EXPECT_EQ(plan.operations.size(), services + reals);
  costs["IpvsSync::set_desired (first)"] = counted([&] { sync.set_desired(desired); });
  EXPECT_EQ(kernel.table.services.size(), services);
  EXPECT_TRUE(sync.in_sync());
  costs["reconcile (no change)"] = counted([&] { plan = director::reconcile(desired, kernel.table, sync.owned()); });
  EXPECT_TRUE(plan.operations.empty());

  // A reload that changes nothing: the new Config is equal, not the same
  // object (a reload parses the file again).
  const conf::Config same = config;
  costs["reload, no change"] = counted([&] {
    view.set_config(same);
    sync.set_desired(view.table());
  });
  // A reload that changes one weight: one SET_DEST.
  conf::Config changed = config;
  changed.virtual_servers.back().real_servers.back().weight = 2;
  const std::uint64_t applied = sync.counters().operations_applied;
  costs["reload, one weight"] = counted([&] {
    view.set_config(changed);
    sync.set_desired(view.table());
  });
  EXPECT_EQ(sync.counters().operations_applied - applied, 1u);
  EXPECT_EQ(kernel.table.services.back().destinations.back().weight, 2);

  // `lvsctl status`: the health view's status, indexed, joined with the
  // configured table and the kernel's, as JSON.
  costs["status"] = counted([&] {
    const WallClock clock{.monotonic_now = scheduler.now(), .unix_now_ms = 1};
    const HealthIndex index = index_health(view.status(), clock);
    const director::IpvsTable configured_now = configured_table(changed);
    control::StatusSnapshot snapshot;
    snapshot.virtual_servers = control::virtual_server_status(control::StatusSources{
        .configured = configured_now,
        .kernel = &kernel.table,
        .health = [&](const director::ServiceKey& key,
                      const director::Destination& d) -> std::optional<control::RealServerHealth> {
          auto it = index.find({director::describe(key), d.endpoint.to_string()});
          if (it == index.end()) return std::nullopt;
          return it->second;
        },
        .to_unix_ms = [](core::TimePoint) { return std::int64_t{1}; }});
    EXPECT_EQ(snapshot.virtual_servers.size(), services);
    const std::string text = control::to_json(snapshot).dump();
    EXPECT_GT(text.size(), reals * 10);
  });
  // `lvsctl list` and `lvsctl list --json` of the kernel's table.
  const director::IpvsInfo info{.version = 0x010201, .connection_table_size = 4096};
  costs["lvsctl list"] = counted([&] {
    const std::string text = cli::format_list(info, kernel.table, {});
    EXPECT_GT(text.size(), reals * 40);
  });
  costs["lvsctl list --json"] = counted([&] { EXPECT_GT(cli::to_json(info, kernel.table).dump().size(), reals * 40); });
  return costs;
}

void expect_pipeline_linear(bool checks) {
  // The health view logs every real server it takes up: not needed here.
  auto log = core::log::get();
  const auto level = log->level();
  log->set_level(core::log::Level::warn);
  const Costs small = pipeline_costs(100, checks);
  const Costs large = pipeline_costs(1000, checks);
  for (const auto& [step, cost] : small) {
    SCOPED_TRACE(step);
    const AllocCost& big = large.at(step);
    // One growing string or JSON array (see expect_linear); 11.1-11.7x when
    // this test was written.
    const bool one_growing_text = step == "status" || step.starts_with("lvsctl list");
    expect_linear(cost, big, step.c_str(), one_growing_text ? 24 : 12);
    std::printf("%-32s 1,000: %8zu allocations %10zu bytes; 10,000: %9zu allocations %11zu bytes\n", step.c_str(),
                cost.allocations, cost.bytes, big.allocations, big.bytes);
  }
  log->set_level(level);
}

// The health view reads the clock once per configuration, not once per real
// server: a read is a system call where clock_gettime has no vDSO (inside
// user-mode-linux, 10,000 reads were 0.5 s of lvsd's start).
class CountingScheduler final : public core::Scheduler {
 public:
  explicit CountingScheduler(core::FakeScheduler& inner) : inner_(inner) {}
  core::TimePoint now() const override {
    ++reads;
    return inner_.now();
  }
  std::unique_ptr<core::Timer> create_timer(std::function<void()> callback) override {
    return inner_.create_timer(std::move(callback));
  }
  mutable std::size_t reads = 0;

 private:
  core::FakeScheduler& inner_;
};

TEST(DaemonScale, HealthViewReadsTheClockOncePerConfiguration) {
  auto log = core::log::get();
  const auto level = log->level();
  log->set_level(core::log::Level::warn);
  for (const bool checks : {false, true}) {
    SCOPED_TRACE(checks ? "with checks" : "without checks");
    const conf::Config config = table_config(1000, checks);
    core::FakeScheduler scheduler;
    CountingScheduler clock(scheduler);
    healthcheck::CheckScheduler check_scheduler(
        scheduler, [](const healthcheck::CheckSpec&) { return std::make_unique<IdleChecker>(); },
        [](core::Duration) { return core::Duration::zero(); });
    HealthView view(clock, check_scheduler, [] {});
    view.set_config(config);
    EXPECT_LE(clock.reads, 2u);
    // A reload that adds a virtual server: its slots start at one instant too.
    conf::Config more = table_config(1001, checks);
    clock.reads = 0;
    view.set_config(more);
    EXPECT_LE(clock.reads, 2u);
    EXPECT_EQ(view.table().services.size(), 1001u);
  }
  log->set_level(level);
}

TEST(DaemonScale, PipelineGrowsLinearly) { expect_pipeline_linear(false); }

TEST(DaemonScale, PipelineWithChecksGrowsLinearly) { expect_pipeline_linear(true); }

}  // namespace
}  // namespace lvsd::daemon
