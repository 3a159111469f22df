#pragma once
// Health verdicts -> the IPVS table the director should hold.
//
// HealthView subscribes every configured check to the CheckScheduler, folds
// the verdicts of each real server's checks into one state, and answers
// table(): configured_table(config) with down and unknown real servers removed
// (or kept at weight 0 with inhibit_on_failure), misc_dynamic weights applied, slow-start
// ramps applied and, while a virtual server has lost its quorum, its
// sorry_server in place of its real servers. Whenever that table changes it
// calls on_change(); the daemon answers with IpvsSync::set_desired(table()).
//
// Real server state:
//   - no checks: always up (and never ramped: it never recovers from anything);
//   - up when every one of its checks is up; down as soon as one is down;
//     unknown (not in the pool) while some check has no verdict yet and none
//     is down, except after keep_until_checked() for destinations the kernel
//     already had when lvsd started.
//
// Decisions (documented in the .cpp where they are made):
//   - conf's `retry` (extra attempts before a probe counts as failed) and
//     `fall` (failed probes to mark down) multiply: the check goes down after
//     fall * (retry + 1) consecutive failed attempts, delay_before_retry apart
//     once the first one failed. keepalived configs (fall 1, retry N) get
//     keepalived's N + 1 attempts.
//   - While the quorum is lost and a sorry_server is configured, the service
//     holds only the sorry server (weight 1, the service's forwarding method):
//     the surviving real servers leave the pool until the quorum is regained,
//     as keepalived does. Without a sorry_server the quorum changes nothing.
//   - On reload a real server keeps its state when its service and endpoint
//     remain; a check whose parameters did not change keeps its subscription
//     (and so its verdict and rise/fall counts). A changed check starts afresh
//     but inherits the verdict of the check it replaces (same real server,
//     same kind, same position among checks of that kind) until it reports,
//     so a reload that only retunes a check does not empty the pool.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "core/clock.hpp"
#include "director/types.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/check_spec.hpp"
#include "healthcheck/quorum.hpp"

namespace lvsd::daemon {

// One conf check of `rs` in `vs`, in the health-check library's terms (pure).
healthcheck::CheckSpec to_check_spec(const conf::VirtualServer& vs, const conf::RealServer& rs,
                                     const conf::Check& check);

struct HealthViewCounters {
  std::uint64_t transitions_up = 0;     // real servers that became up
  std::uint64_t transitions_down = 0;   // real servers that became down
  std::uint64_t check_results = 0;      // probe results delivered to real servers
  std::uint64_t quorum_lost = 0;        // virtual servers that lost their quorum
  std::uint64_t quorum_regained = 0;
};

class HealthView {
 public:
  HealthView(core::Scheduler& scheduler, healthcheck::CheckScheduler& checks, std::function<void()> on_change);
  ~HealthView();  // unsubscribes every check
  HealthView(const HealthView&) = delete;
  HealthView& operator=(const HealthView&) = delete;

  // Takes a new (valid) configuration: subscribes new and changed checks,
  // unsubscribes removed ones, keeps the rest. Does not call on_change(); the
  // caller reads table() afterwards.
  void set_config(const conf::Config& config);

  // Called once at start, after set_config, with the kernel's table: real
  // servers whose destination the kernel already holds (a restart of lvsd)
  // stay in the pool at their configured weight until their checks give a
  // verdict, instead of leaving it until the first check passes. A fresh
  // start (empty kernel) still adds a checked real server only once it passed.
  void keep_until_checked(const director::IpvsTable& kernel);

  // The desired IPVS table now (see the top of this file).
  director::IpvsTable table() const;

  const HealthViewCounters& counters() const { return counters_; }
  // Checks currently subscribed (one per configured check of every real server).
  std::size_t check_count() const;

 private:
  enum class State { kUnknown, kUp, kDown };
  struct CheckSlot;
  struct RealServerSlot;
  struct VirtualServerSlot;

  static std::string_view to_string(State state);
  void on_check_event(RealServerSlot& rs, CheckSlot& check, const healthcheck::CheckEvent& event);
  // Recomputes rs's state; logs and counts a transition. True if its entry in
  // the table may have changed.
  bool refresh_real_server(RealServerSlot& rs, const std::string& reason);
  // Feeds the live weight sum to the quorum. True if the decision changed.
  bool refresh_quorum(VirtualServerSlot& vs);
  void arm_slow_start_timer();
  void notify();

  core::Scheduler& scheduler_;
  healthcheck::CheckScheduler& checks_;
  std::function<void()> on_change_;
  conf::Config config_;
  std::vector<std::unique_ptr<VirtualServerSlot>> virtual_servers_;  // config order
  std::unique_ptr<core::Timer> slow_start_timer_;
  bool any_slow_start_ = false;  // skip the scan when no real server ramps
  HealthViewCounters counters_;
};

}  // namespace lvsd::daemon
