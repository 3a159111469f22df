#pragma once
// Keeps the kernel's IPVS table equal to the desired one: on every change of
// the desired table, and periodically (resync), it asks the reconciler for
// the minimal plan and applies it. The first reconcile dumps the kernel; a
// change of the desired table (reload, health verdict) costs no dump of the
// whole table: once the kernel holds exactly the desired table, only the
// services whose digest changed are read back and planned (one service for
// a weight change among 1,000), and otherwise the change is planned against
// the view the last reconcile left (what was dumped plus what was applied
// since). A periodic resync reads the kernel service by service and, while
// in sync, keeps only the services that are not what their digest says
// (director::TableSurveyor): the desired table is built and planned only
// when it finds drift (someone ran `ipvsadm -d` by hand), which it repairs
// and logs. Every change of the desired table comes through set_desired(),
// so the digests kept are the desired table's.
// No socket here: the kernel is behind IpvsPort (IpvsClient in production).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"
#include "director/reconciler.hpp"
#include "director/survey.hpp"
#include "director/types.hpp"

namespace lvsd::daemon {

class IpvsPort {
 public:
  virtual ~IpvsPort() = default;
  virtual core::Result<director::IpvsTable> dump() = 0;
  // The whole table one service at a time (see IpvsClient::for_each_service).
  // By default from dump(), for a port that reads the table whole anyway.
  virtual core::Status for_each_service(const std::function<void(director::VirtualService)>& visit) {
    auto table = dump();
    if (!table.ok()) return table.error();
    for (auto& vs : table->services) visit(std::move(vs));
    return {};
  }
  // Only these services with their destinations (a change of a few services
  // reads only them). A service the kernel lacks is left out.
  virtual core::Result<director::IpvsTable> dump_services(const std::set<director::ServiceKey>& keys) = 0;
  virtual director::ApplyReport apply(const director::ReconcilePlan& plan) = 0;
};

// Reads the kernel through `port` and compares it with `expected` as it
// goes (director::TableSurveyor); null `expected`: the whole table.
core::Result<director::TableSurvey> survey_kernel(IpvsPort& port,
                                                  std::shared_ptr<const director::ServiceDigests> expected);

struct IpvsSyncOptions {
  std::chrono::milliseconds resync_interval{std::chrono::seconds(30)};  // 0: no periodic resync
  bool flush_foreign = false;  // global.lvs_flush: remove services lvsd does not own
};

struct IpvsSyncCounters {
  std::uint64_t reconciles = 0;
  std::uint64_t operations_applied = 0;
  std::uint64_t operation_failures = 0;
  std::uint64_t dump_failures = 0;
  std::uint64_t drift_repairs = 0;  // operations a periodic resync had to make
  std::uint64_t stale_dumps = 0;    // async resync dumps dropped: the table changed meanwhile
  std::uint64_t surveys = 0;        // periodic resyncs that compared digests instead of whole tables
};

// What one reconcile did.
struct SyncOutcome {
  bool dumped = false;              // false: the kernel could not be read, nothing was done
  std::size_t planned = 0;          // operations in the plan
  std::size_t failed = 0;           // of those, how many the kernel refused
};

class IpvsSync {
 public:
  // Runs survey_kernel(expected) off the loop and hands the result back on
  // the loop.
  using AsyncSurvey = std::function<void(std::shared_ptr<const director::ServiceDigests> expected,
                                         std::function<void(core::Result<director::TableSurvey>)> done)>;

  // The desired table now, rebuilt on demand (the daemon's comes from the
  // health view): a periodic resync or a reconcile after a failure plans
  // against it. IpvsSync keeps no copy of it (10,000 destinations were 0.7 MB).
  using DesiredSource = std::function<director::IpvsTable()>;

  // `owned` is what an earlier run recorded; `on_ownership_changed` is called
  // with the new record whenever it changes (the daemon saves it to a file).
  // With `async_survey`, the periodic resync reads the kernel through it (a
  // dump of 10,000 destinations must not hold the loop that sends VRRP
  // adverts); a survey that comes back after the table was changed
  // meanwhile is stale and is dropped (the next interval reads again).
  IpvsSync(core::Scheduler& scheduler, IpvsPort& port, IpvsSyncOptions options, director::OwnershipRecord owned,
           std::function<void(const director::OwnershipRecord&)> on_ownership_changed, DesiredSource desired,
           AsyncSurvey async_survey = {});

  // The desired table changed to `desired` (what the source gives now):
  // reconciles at once. While in_sync(), only the services whose digest
  // (director::settings_digest) differs from what the kernel was left
  // holding are read back from the kernel and planned; otherwise against the
  // last view of the kernel, or a dump of all of it.
  SyncOutcome set_desired(director::IpvsTable desired);
  // The caller already read the kernel (the daemon does at start): the next
  // set_desired() plans against this dump instead of reading it again.
  void adopt_dump(director::IpvsTable kernel);
  // Reconciles now against a fresh dump (what the periodic timer does, with
  // is_resync: then every change made is logged as a drift repair).
  // True when the last reconcile left the kernel exactly as desired (every
  // operation applied, nothing pending): pushing the same table again would
  // plan nothing.
  bool in_sync() const { return in_sync_; }
  SyncOutcome reconcile(bool is_resync = false);
  // What the resync timer does: survey the kernel (with an async survey,
  // start one if none is under way) and repair what differs.
  void resync();
  void set_options(const IpvsSyncOptions& options);

  const director::OwnershipRecord& owned() const { return owned_; }
  const IpvsSyncCounters& counters() const { return counters_; }

 private:
  using ServiceDigest = director::ServiceDigest;
  using ServiceDigests = director::ServiceDigests;

  void arm_resync();
  // What the resync does with a survey taken with `expected` digests (set
  // when it was taken in sync) or of the whole table.
  SyncOutcome resync_with(director::TableSurvey survey, bool expected);
  SyncOutcome reconcile_with(const director::IpvsTable& desired, bool is_resync);
  // While in_sync(): plans only the services whose digest changed.
  SyncOutcome apply_changes(director::IpvsTable desired);
  // Plans `desired` against `kernel` and applies it. `changed`: set when
  // both hold only the services that changed (apply_changes), with the
  // digests of the whole new table; unset when they are whole tables.
  SyncOutcome apply_against(const director::IpvsTable& desired, director::IpvsTable kernel, bool is_resync,
                            ServiceDigests* changed = nullptr);
  void forget_view();
  void record_ownership(const director::IpvsTable& desired, const director::ReconcilePlan& plan,
                        const std::vector<std::size_t>& failed);

  core::Scheduler& scheduler_;
  IpvsPort& port_;
  IpvsSyncOptions options_;
  director::OwnershipRecord owned_;
  std::function<void(const director::OwnershipRecord&)> on_ownership_changed_;
  DesiredSource desired_source_;
  // What the kernel holds after the last reconcile. When that is exactly the
  // desired table (the usual case once a plan succeeded), in_sync_ is set and
  // only the digest of each service is kept (8 bytes and its key, instead of
  // 44 per destination); otherwise (a refused operation, a foreign service)
  // the whole view, so that the next change is planned without a dump.
  ServiceDigests digests_;
  bool in_sync_ = false;
  std::optional<director::IpvsTable> kernel_view_;
  IpvsSyncCounters counters_;
  std::unique_ptr<core::Timer> resync_timer_;
  AsyncSurvey async_survey_;
  // Changes with every write and adoption: an async dump taken under an
  // older generation does not show what the kernel holds now.
  std::uint64_t generation_ = 0;
  bool dump_under_way_ = false;
  // Cleared by the destructor: a dump finishing later must not touch us.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lvsd::daemon
