#include "daemon/ipvs_sync.hpp"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "core/log.hpp"
#include "director/operation.hpp"

namespace lvsd::daemon {

core::Result<director::TableSurvey> survey_kernel(IpvsPort& port,
                                                  std::shared_ptr<const director::ServiceDigests> expected) {
  director::TableSurveyor surveyor(std::move(expected));
  if (auto st = port.for_each_service([&](director::VirtualService vs) { surveyor.add(std::move(vs)); }); !st.ok())
    return st.error();
  return std::move(surveyor).finish();
}

IpvsSync::IpvsSync(core::Scheduler& scheduler, IpvsPort& port, IpvsSyncOptions options,
                   director::OwnershipRecord owned,
                   std::function<void(const director::OwnershipRecord&)> on_ownership_changed,
                   DesiredSource desired, AsyncSurvey async_survey)
    : scheduler_(scheduler),
      port_(port),
      options_(options),
      owned_(std::move(owned)),
      on_ownership_changed_(std::move(on_ownership_changed)),
      desired_source_(std::move(desired)),
      resync_timer_(scheduler.create_timer([this] { resync(); })),
      async_survey_(std::move(async_survey)) {}

void IpvsSync::resync() {
  // Whatever happens, the next resync comes one interval from now.
  arm_resync();
  // In sync, the kernel should hold what the digests say; otherwise (a
  // foreign service, a refused operation) the whole table is read and planned.
  auto expected = in_sync_ ? std::make_shared<const ServiceDigests>(digests_) : nullptr;
  const bool with_expected = expected != nullptr;
  if (!async_survey_) {
    ++counters_.reconciles;
    ++generation_;
    auto survey = survey_kernel(port_, std::move(expected));
    if (!survey.ok()) {
      ++counters_.dump_failures;
      forget_view();  // the next change dumps again
      core::log::get()->error("ipvs: cannot read the kernel table: {}", survey.error().message);
      return;
    }
    resync_with(std::move(*survey), with_expected);
    return;
  }
  if (dump_under_way_) return;
  dump_under_way_ = true;
  async_survey_(std::move(expected), [this, alive = std::weak_ptr<bool>(alive_), generation = generation_,
                                      with_expected](core::Result<director::TableSurvey> survey) {
    if (alive.expired()) return;
    dump_under_way_ = false;
    ++counters_.reconciles;
    if (!survey.ok()) {
      ++counters_.dump_failures;
      core::log::get()->error("ipvs: cannot read the kernel table: {}", survey.error().message);
      return;
    }
    if (generation != generation_) {
      ++counters_.stale_dumps;
      return;
    }
    resync_with(std::move(*survey), with_expected);
  });
}

SyncOutcome IpvsSync::resync_with(director::TableSurvey survey, bool expected) {
  if (!expected) return apply_against(desired_source_(), std::move(survey.differing), /*is_resync=*/true);
  ++counters_.surveys;
  // No drift: the desired table is not even built.
  if (survey.as_expected()) return {.dumped = true};
  std::set<director::ServiceKey> changed(survey.missing.begin(), survey.missing.end());
  for (const auto& vs : survey.differing.services) changed.insert(vs.service.key);
  director::IpvsTable desired = desired_source_();
  std::erase_if(desired.services, [&](const director::VirtualService& vs) { return !changed.contains(vs.service.key); });
  ServiceDigests now = digests_;  // the desired table's: it has not changed since
  return apply_against(desired, std::move(survey.differing), /*is_resync=*/true, &now);
}

void IpvsSync::set_options(const IpvsSyncOptions& options) {
  options_ = options;
  arm_resync();
}

SyncOutcome IpvsSync::set_desired(director::IpvsTable desired) {
  ++generation_;
  if (in_sync_) return apply_changes(std::move(desired));
  std::optional<director::IpvsTable> view = std::exchange(kernel_view_, std::nullopt);
  if (!view) return reconcile_with(desired, /*is_resync=*/false);
  ++counters_.reconciles;
  return apply_against(desired, std::move(*view), /*is_resync=*/false);
}

void IpvsSync::adopt_dump(director::IpvsTable kernel) {
  ++generation_;
  forget_view();
  kernel_view_ = std::move(kernel);
  arm_resync();
}

SyncOutcome IpvsSync::apply_changes(director::IpvsTable desired) {
  ++counters_.reconciles;
  ServiceDigests now = director::digests_of(desired);
  // The services added, changed or removed since the kernel was left
  // holding exactly the desired table: both lists are sorted by key.
  std::set<director::ServiceKey> changed;
  auto a = digests_.begin();
  auto b = now.begin();
  while (a != digests_.end() || b != now.end()) {
    if (b == now.end() || (a != digests_.end() && a->key < b->key)) {
      changed.insert((a++)->key);  // removed
    } else if (a == digests_.end() || b->key < a->key) {
      changed.insert((b++)->key);  // added
    } else {
      if (a->digest != b->digest) changed.insert(a->key);
      ++a;
      ++b;
    }
  }
  if (changed.empty()) {
    core::log::get()->info("ipvs: kernel already matches ({} services), no change", desired.services.size());
    return {.dumped = true};
  }
  auto kernel = port_.dump_services(changed);
  if (!kernel.ok()) {
    ++counters_.dump_failures;
    forget_view();  // the next change dumps everything
    core::log::get()->error("ipvs: cannot read the kernel table: {}", kernel.error().message);
    return {};
  }
  std::erase_if(desired.services, [&](const director::VirtualService& vs) { return !changed.contains(vs.service.key); });
  return apply_against(desired, std::move(*kernel), /*is_resync=*/false, &now);
}

void IpvsSync::forget_view() {
  kernel_view_.reset();
  digests_.clear();
  in_sync_ = false;
}

void IpvsSync::arm_resync() {
  if (options_.resync_interval.count() > 0) {
    resync_timer_->arm(options_.resync_interval);
  } else {
    resync_timer_->cancel();
  }
}

void IpvsSync::record_ownership(const director::IpvsTable& desired, const director::ReconcilePlan& plan,
                                const std::vector<std::size_t>& failed) {
  director::OwnershipRecord now_owned = director::ownership_after(owned_, desired, plan, failed);
  if (now_owned == owned_) return;
  owned_ = std::move(now_owned);
  if (on_ownership_changed_) on_ownership_changed_(owned_);
}

SyncOutcome IpvsSync::reconcile(bool is_resync) { return reconcile_with(desired_source_(), is_resync); }

SyncOutcome IpvsSync::reconcile_with(const director::IpvsTable& desired, bool is_resync) {
  auto log = core::log::get();
  SyncOutcome outcome;
  ++counters_.reconciles;
  // Whatever happens, the next resync comes one interval from now.
  arm_resync();

  ++generation_;
  auto kernel = port_.dump();
  if (!kernel.ok()) {
    ++counters_.dump_failures;
    forget_view();  // the next change dumps again
    log->error("ipvs: cannot read the kernel table: {}", kernel.error().message);
    return outcome;
  }
  return apply_against(desired, std::move(*kernel), is_resync);
}

namespace {

// Up to this many operations each gets its own info line; a larger plan (a
// first start with 1,000 services is 11,000 operations) is logged as one
// line per kind, with every operation at debug level. One line per
// operation was a tenth of a large startup's time (one write per line).
constexpr std::size_t kOperationsLoggedOneByOne = 64;

void log_plan(const director::ReconcilePlan& plan, bool is_resync) {
  auto log = core::log::get();
  if (is_resync) {
    // Drift is rare and worth every line.
    for (const auto& op : plan.operations) log->warn("ipvs: drift repaired: {}", director::describe(op));
    return;
  }
  if (plan.size() <= kOperationsLoggedOneByOne) {
    for (const auto& op : plan.operations) log->info("ipvs: {}", director::describe(op));
    return;
  }
  constexpr std::array kinds = {director::OperationKind::kNewService,     director::OperationKind::kSetService,
                                director::OperationKind::kDelService,     director::OperationKind::kNewDestination,
                                director::OperationKind::kSetDestination, director::OperationKind::kDelDestination};
  std::string counts;
  for (auto kind : kinds) {
    std::size_t n = 0;
    for (const auto& op : plan.operations) n += op.kind == kind ? 1 : 0;
    if (n > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + director::operation_kind_name(kind);
  }
  log->info("ipvs: applying {} changes: {} (each one at debug level)", plan.size(), counts);
  if (log->should_log(core::log::Level::debug)) {
    for (const auto& op : plan.operations) log->debug("ipvs: {}", director::describe(op));
  }
}

}  // namespace

SyncOutcome IpvsSync::apply_against(const director::IpvsTable& desired, director::IpvsTable kernel, bool is_resync,
                                    ServiceDigests* changed) {
  auto log = core::log::get();
  SyncOutcome outcome;
  outcome.dumped = true;
  director::ReconcilePlan plan =
      director::reconcile(desired, kernel, owned_, {.flush_foreign = options_.flush_foreign});
  outcome.planned = plan.size();
  std::vector<std::size_t> failed;
  if (plan.empty()) {
    if (!is_resync && changed == nullptr)
      log->info("ipvs: kernel already matches ({} services), no change", desired.services.size());
  } else {
    log_plan(plan, is_resync);
    const director::ApplyReport report = port_.apply(plan);
    outcome.failed = report.failures.size();
    counters_.operations_applied += report.applied;
    counters_.operation_failures += report.failures.size();
    if (is_resync) counters_.drift_repairs += report.applied;
    for (const auto& failure : report.failures) log->error("ipvs: {}", failure.message);
    failed = report.failed_indices();
    log->info("ipvs: {} {} applied, {} failed", report.applied, report.applied == 1 ? "change" : "changes",
              report.failures.size());
  }
  // Desired services that were already there are adopted as our own.
  record_ownership(desired, plan, failed);
  director::IpvsTable view = plan.empty() ? std::move(kernel) : director::table_after(std::move(kernel), plan, failed);
  // The kernel now holds exactly the desired table (also when a service is
  // listed in another order, but not with a destination listed twice, which
  // is programmed once): keep the digests only.
  ServiceDigests held = director::digests_of(view);
  const bool exact = held == director::digests_of(desired);
  if (changed != nullptr) {
    // Only the changed services were read and planned: the others still
    // hold what their digests say.
    if (exact) {
      digests_ = std::move(*changed);
      in_sync_ = true;
    } else {
      forget_view();  // the next change dumps everything
    }
  } else if (exact) {
    kernel_view_.reset();
    digests_ = std::move(held);
    in_sync_ = true;
  } else {
    digests_.clear();
    in_sync_ = false;
    kernel_view_ = std::move(view);
  }
  // A large plan (11,000 operations at a first start with 1,000 services)
  // held megabytes that are free again now: hand them back to the system
  // instead of keeping the peak as resident memory.
  if (plan.size() > kOperationsLoggedOneByOne) {
    plan = {};
    malloc_trim(0);
  }
  return outcome;
}

}  // namespace lvsd::daemon
