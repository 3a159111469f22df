#pragma once
// Keeps the kernel's IPVS table equal to the desired one: on every change of
// the desired table, and periodically (resync), it asks the reconciler for
// the minimal plan and applies it. The first reconcile and every periodic
// resync dump the kernel; a change of the desired table (reload, health
// verdict) is planned against the view the last reconcile left (what was
// dumped plus what was applied since), so it costs no dump: with 1,000
// services a dump takes far longer than the change. A periodic resync that
// finds work repairs drift (someone ran `ipvsadm -d` by hand) and logs it.
// No socket here: the kernel is behind IpvsPort (IpvsClient in production).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"
#include "director/reconciler.hpp"
#include "director/types.hpp"

namespace lvsd::daemon {

class IpvsPort {
 public:
  virtual ~IpvsPort() = default;
  virtual core::Result<director::IpvsTable> dump() = 0;
  virtual director::ApplyReport apply(const director::ReconcilePlan& plan) = 0;
};

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
};

// What one reconcile did.
struct SyncOutcome {
  bool dumped = false;              // false: the kernel could not be read, nothing was done
  std::size_t planned = 0;          // operations in the plan
  std::size_t failed = 0;           // of those, how many the kernel refused
};

class IpvsSync {
 public:
  // Reads the whole kernel table off the loop and hands it back on the loop.
  using AsyncDump = std::function<void(std::function<void(core::Result<director::IpvsTable>)> done)>;

  // `owned` is what an earlier run recorded; `on_ownership_changed` is called
  // with the new record whenever it changes (the daemon saves it to a file).
  // With `async_dump`, the periodic resync reads the kernel through it (a
  // dump of 10,000 destinations must not hold the loop that sends VRRP
  // adverts); a dump that comes back after the table was changed meanwhile
  // is stale and is dropped (the next interval dumps again).
  IpvsSync(core::Scheduler& scheduler, IpvsPort& port, IpvsSyncOptions options, director::OwnershipRecord owned,
           std::function<void(const director::OwnershipRecord&)> on_ownership_changed, AsyncDump async_dump = {});

  // Replaces the desired table and reconciles at once.
  SyncOutcome set_desired(director::IpvsTable desired);
  // The caller already read the kernel (the daemon does at start): the next
  // set_desired() plans against this dump instead of reading it again.
  void adopt_dump(director::IpvsTable kernel);
  // Reconciles now against a fresh dump (what the periodic timer does, with
  // is_resync: then every change made is logged as a drift repair).
  // True when the last reconcile left the kernel exactly as desired (every
  // operation applied, nothing pending): pushing the same table again would
  // plan nothing.
  bool in_sync() const { return view_is_desired_; }
  SyncOutcome reconcile(bool is_resync = false);
  // What the resync timer does: reconcile(true), or with an async dump,
  // start one (if none is under way).
  void resync();
  void set_options(const IpvsSyncOptions& options);

  const director::IpvsTable& desired() const { return desired_; }
  const director::OwnershipRecord& owned() const { return owned_; }
  const IpvsSyncCounters& counters() const { return counters_; }

 private:
  void arm_resync();
  SyncOutcome apply_against(director::IpvsTable kernel, bool is_resync);
  std::optional<director::IpvsTable> take_view();
  void keep_view(director::IpvsTable view);
  void forget_view();
  void record_ownership(const director::ReconcilePlan& plan, const std::vector<std::size_t>& failed);

  core::Scheduler& scheduler_;
  IpvsPort& port_;
  IpvsSyncOptions options_;
  director::OwnershipRecord owned_;
  std::function<void(const director::OwnershipRecord&)> on_ownership_changed_;
  director::IpvsTable desired_;
  // The kernel as the last reconcile left it. When that is exactly desired_
  // (the usual case once a plan succeeded), view_is_desired_ is set and no
  // second copy is kept: 10,000 destinations are 1.4 MB.
  std::optional<director::IpvsTable> kernel_view_;
  bool view_is_desired_ = false;
  IpvsSyncCounters counters_;
  std::unique_ptr<core::Timer> resync_timer_;
  AsyncDump async_dump_;
  // Changes with every write and adoption: an async dump taken under an
  // older generation does not show what the kernel holds now.
  std::uint64_t generation_ = 0;
  bool dump_under_way_ = false;
  // Cleared by the destructor: a dump finishing later must not touch us.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lvsd::daemon
