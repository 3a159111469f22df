#pragma once
// Operator overrides on top of the desired IPVS table (lvsctl drain/undrain,
// enable/disable). Pure apart from two injected functions; time comes from
// the Scheduler.
//
//   - drain: the real server stays in the table with weight 0 (no new
//     connections) until the kernel reports 0 active connections for it, or
//     until the timeout passes; then it is removed from the table ("drained").
//     While any drain waits, the counters of the services being drained
//     (only those: never the whole table) are read every poll_interval
//     through `read_kernel`.
//   - undrain: the override is dropped; the real server is back as the health
//     layer wants it.
//   - disable: the virtual server is removed from the table; enable: back.
//
// Every change (by an operator call or a drain finishing) calls on_change();
// the daemon answers with sync.set_desired(admin.apply(health.table())).
// Overrides survive reloads; forget_missing() drops the ones whose virtual or
// real server left the configuration.
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "control/protocol.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "director/types.hpp"

namespace lvsd::control {

struct DestinationKey {
  director::ServiceKey service{};
  core::Endpoint destination{};
  auto operator<=>(const DestinationKey&) const = default;
};

enum class DrainPhase { kDraining, kDrained };

struct DrainEntry {
  DrainPhase phase = DrainPhase::kDraining;
  core::TimePoint started{};
  std::optional<core::TimePoint> deadline{};  // unset: no timeout
  bool operator==(const DrainEntry&) const = default;
};

// The overrides as values: what status shows and a restart hands over.
struct Overrides {
  std::map<DestinationKey, DrainEntry> drains{};
  std::set<director::ServiceKey> disabled{};
  bool operator==(const Overrides&) const = default;
};

struct AdminStateOptions {
  core::Duration poll_interval = std::chrono::seconds(1);
};

class AdminState {
 public:
  // The kernel's view of these services (with their destinations).
  using ReadKernel = std::function<core::Result<director::IpvsTable>(const std::set<director::ServiceKey>& services)>;

  AdminState(core::Scheduler& scheduler, ReadKernel read_kernel, std::function<void()> on_change,
             AdminStateOptions options = {});
  ~AdminState();
  AdminState(const AdminState&) = delete;
  AdminState& operator=(const AdminState&) = delete;

  // `configured` is the table the configuration asks for (before health and
  // overrides): a virtual or real server it does not hold is an error. A real
  // server given without a port must be the only one with that address.
  // Each returns whether anything changed (false: already so).
  core::Result<bool> drain(const director::IpvsTable& configured, const director::ServiceKey& service,
                           const RealServerRef& real_server, std::optional<core::Duration> timeout);
  core::Result<bool> undrain(const director::IpvsTable& configured, const director::ServiceKey& service,
                             const RealServerRef& real_server);
  // A restart in place: a drain that had finished before the re-exec is
  // taken up as finished (the real server stays out of the table).
  core::Result<bool> restore_drained(const director::IpvsTable& configured, const director::ServiceKey& service,
                                     const RealServerRef& real_server);
  core::Result<bool> disable(const director::IpvsTable& configured, const director::ServiceKey& service);
  core::Result<bool> enable(const director::ServiceKey& service);

  // `desired` with the overrides applied.
  director::IpvsTable apply(director::IpvsTable desired) const;

  // Drops overrides for virtual/real servers `configured` no longer holds.
  void forget_missing(const director::IpvsTable& configured);

  const std::map<DestinationKey, DrainEntry>& drains() const { return overrides_.drains; }
  const std::set<director::ServiceKey>& disabled() const { return overrides_.disabled; }
  const Overrides& overrides() const { return overrides_; }
  std::uint64_t kernel_read_failures() const { return kernel_read_failures_; }

 private:
  void poll();
  void arm_poll();

  core::Scheduler& scheduler_;
  ReadKernel read_kernel_;
  std::function<void()> on_change_;
  AdminStateOptions options_;
  std::unique_ptr<core::Timer> poll_timer_;
  Overrides overrides_;
  std::uint64_t kernel_read_failures_ = 0;
};

}  // namespace lvsd::control
