#pragma once
// Keeps the kernel's IPVS table equal to the desired one: on every change of
// the desired table, and periodically (resync), it asks the reconciler for
// the minimal plan and applies it. The first reconcile and every periodic
// resync dump the kernel; a change of the desired table (reload, health
// verdict) costs no dump of the whole table: once the kernel holds exactly
// the desired table, only the services whose digest changed are read back
// and planned (one service for a weight change among 1,000), and otherwise
// the change is planned against the view the last reconcile left (what was
// dumped plus what was applied since). A periodic resync that
// finds work repairs drift (someone ran `ipvsadm -d` by hand) and logs it.
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
#include "director/types.hpp"

namespace lvsd::daemon {

class IpvsPort {
 public:
  virtual ~IpvsPort() = default;
  virtual core::Result<director::IpvsTable> dump() = 0;
  // Only these services with their destinations (a change of a few services
  // reads only them). A service the kernel lacks is left out.
  virtual core::Result<director::IpvsTable> dump_services(const std::set<director::ServiceKey>& keys) = 0;
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

  // The desired table now, rebuilt on demand (the daemon's comes from the
  // health view): a periodic resync or a reconcile after a failure plans
  // against it. IpvsSync keeps no copy of it (10,000 destinations were 0.7 MB).
  using DesiredSource = std::function<director::IpvsTable()>;

  // `owned` is what an earlier run recorded; `on_ownership_changed` is called
  // with the new record whenever it changes (the daemon saves it to a file).
  // With `async_dump`, the periodic resync reads the kernel through it (a
  // dump of 10,000 destinations must not hold the loop that sends VRRP
  // adverts); a dump that comes back after the table was changed meanwhile
  // is stale and is dropped (the next interval dumps again).
  IpvsSync(core::Scheduler& scheduler, IpvsPort& port, IpvsSyncOptions options, director::OwnershipRecord owned,
           std::function<void(const director::OwnershipRecord&)> on_ownership_changed, DesiredSource desired,
           AsyncDump async_dump = {});

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
  // What the resync timer does: reconcile(true), or with an async dump,
  // start one (if none is under way).
  void resync();
  void set_options(const IpvsSyncOptions& options);

  const director::OwnershipRecord& owned() const { return owned_; }
  const IpvsSyncCounters& counters() const { return counters_; }

 private:
  struct ServiceDigest {
    director::ServiceKey key{};
    std::uint64_t digest = 0;
    bool operator==(const ServiceDigest&) const = default;
  };
  // One per service, sorted by key.
  static std::vector<ServiceDigest> digests_of(const director::IpvsTable& table);

  void arm_resync();
  SyncOutcome reconcile_with(const director::IpvsTable& desired, bool is_resync);
  // While in_sync(): plans only the services whose digest changed.
  SyncOutcome apply_changes(director::IpvsTable desired);
  // Plans `desired` against `kernel` and applies it. `changed`: set when
  // both hold only the services that changed (apply_changes), with the
  // digests of the whole new table; unset when they are whole tables.
  SyncOutcome apply_against(const director::IpvsTable& desired, director::IpvsTable kernel, bool is_resync,
                            std::vector<ServiceDigest>* changed = nullptr);
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
  std::vector<ServiceDigest> digests_;
  bool in_sync_ = false;
  std::optional<director::IpvsTable> kernel_view_;
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
