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
//     a FILE_CHECK (keepalived's, on a track_file) is up or down from the
//     number its file holds (set_file_value) and moves the weight by it
//     (healthcheck/file_check.hpp); it never waits for a first probe;
//     unknown (not in the pool) while some check has no verdict yet and none
//     is down, except after keep_until_checked() for destinations the kernel
//     already had when lvsd started.
//
// start_up (per virtual server) and alpha (per real server and per check,
// conf::check_starts_up): a check of a start_up virtual server without alpha
// starts up; a real server whose checks all start up is in the pool from the
// start at its configured weight (no slow-start ramp), and leaves it once a
// check has failed `fall` times. Any other check starts with no verdict: its
// real server joins after that check's first pass (and every other check's).
//
// ha_suspend: the daemon tells set_address_held() which VRRP addresses this
// node holds. A virtual server with ha_suspend whose address VRRP manages but
// this node does not hold has its checks paused (CheckScheduler::set_paused):
// no probe runs for it and its real servers keep their state (and their place
// in table()) until the address is held again. Addresses VRRP never mentioned
// are not under VRRP: their virtual servers are never suspended; so are
// fwmark services (they have no address).
//
// Every real server transition (up, down, unknown) is logged once, with the
// check and its reason ("... -> 10.0.0.11:80: down (HTTP_GET: HTTP 503 on
// /health; was up)"), and counted; status() gives per real server figures.
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
#include "control/status.hpp"
#include "core/clock.hpp"
#include "director/types.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/check_spec.hpp"
#include "healthcheck/quorum.hpp"

namespace lvsd::daemon {

// One conf check of `rs` in `vs`, in the health-check library's terms (pure).
// `global` gives MISC_CHECK its script user and enable_script_security.
healthcheck::CheckSpec to_check_spec(const conf::VirtualServer& vs, const conf::RealServer& rs,
                                     const conf::Check& check, const conf::Global& global = {});

struct HealthViewCounters {
  std::uint64_t transitions_up = 0;     // real servers that became up
  std::uint64_t transitions_down = 0;   // real servers that became down
  std::uint64_t transitions = 0;        // every real server transition (also to unknown)
  std::uint64_t check_results = 0;      // probe results delivered to real servers
  std::uint64_t checks_passed = 0;      // ... of which passed
  std::uint64_t checks_failed = 0;      // ... of which failed
  std::uint64_t quorum_lost = 0;        // virtual servers that lost their quorum
  std::uint64_t quorum_regained = 0;
};

enum class RealServerState : std::uint8_t { kUnknown, kUp, kDown };
std::string_view to_string(RealServerState state);

// The last probe result a real server heard (from any of its checks).
struct LastCheck {
  std::string check{};    // "HTTP_GET"
  bool passed = false;
  std::string reason{};   // "HTTP 503 on /health"
  core::Duration latency{0};
  core::TimePoint at{};
};

// What `lvsctl status` and the metrics read about one real server.
struct RealServerHealth {
  std::string real_server{};  // "10.0.0.11:80"
  RealServerState state = RealServerState::kUnknown;
  core::TimePoint state_since{};   // when it entered `state` (configuration time for the first state)
  std::optional<int> weight{};     // its weight in table() now; unset: not in the table
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
  std::uint64_t transitions = 0;
  std::optional<LastCheck> last_check{};
  // Probe durations of its checks, by keyword ("HTTP_GET"; checks of one
  // kind summed): each check keeps its own while it stays configured.
  std::map<std::string, control::LatencyHistogram> check_durations{};
};

struct VirtualServerHealth {
  std::string virtual_server{};   // "TCP 10.0.0.100:80"; with a group "TCP group NAME"
  // Its IPVS services as director::describe() names them: its own, or every
  // member of its group (which share its real servers' health and its quorum).
  std::vector<std::string> services{};
  bool quorum_met = false;
  bool sorry_server_active = false;
  bool checks_suspended = false;  // ha_suspend and the address is not held
  std::vector<RealServerHealth> real_servers{};  // config order
};

class HealthView {
 public:
  HealthView(core::Scheduler& scheduler, healthcheck::CheckScheduler& checks, std::function<void()> on_change);

  // Runs a real server's notify_up / notify_down (argv, as the global
  // script_user) when a check takes it up, or from up to down; keepalived
  // runs none at start or on reload, and neither does this. Unset: none run.
  using RunScript = std::function<void(const std::vector<std::string>& argv, const core::ScriptPolicy& policy)>;
  // The same runner serves quorum_up / quorum_down (see report_quorum).
  void set_script_runner(RunScript run) { run_script_ = std::move(run); }

  // keepalived's `omega`, at a stop of lvsd: for each virtual server with
  // omega, the notify_down (and RS FIFO line) of every real server that is
  // up, then its quorum_down (and VS DOWN line) whatever the quorum.
  // Returns how many scripts it started.
  std::size_t run_stop_scripts();
  // Takes the lvs notify FIFO lines (daemon/fifo_lines.hpp): a real server's
  // RS line when notify_up / notify_down would run, a virtual server's VS
  // line when its quorum is reached (UP) or lost (DOWN). Unset: none.
  using FifoLine = std::function<void(std::string_view line)>;
  void set_fifo_writer(FifoLine write) { fifo_line_ = std::move(write); }
  ~HealthView();  // unsubscribes every check
  HealthView(const HealthView&) = delete;
  HealthView& operator=(const HealthView&) = delete;

  // Takes a new (valid) configuration: subscribes new and changed checks,
  // unsubscribes removed ones, keeps the rest. Does not call on_change(); the
  // caller reads table() afterwards. Slots are matched by position first, so
  // a reload that changes nothing reuses every slot and subscription (no
  // index, no allocation per real server; only each check's identity is
  // rebuilt to compare it).
  void set_config(const conf::Config& config);

  // Called once at start, after set_config, with the kernel's table: real
  // servers whose destination the kernel already holds (a restart of lvsd)
  // stay in the pool at their configured weight until their checks give a
  // verdict, instead of leaving it until the first check passes. A fresh
  // start (empty kernel) still adds a checked real server only once it passed.
  void keep_until_checked(const director::IpvsTable& kernel);

  // The number track_file `name` holds now (read at start and whenever it
  // changes; a missing file holds 0): applied to the FILE_CHECKs naming it.
  // Calls on_change() when the table changed.
  void set_file_value(const std::string& name, long value);

  // VRRP: whether this node holds `address` now (see ha_suspend at the top).
  // Pauses or resumes the checks of the virtual servers it concerns; does not
  // call on_change() (the table does not change).
  void set_address_held(const core::IpAddress& address, bool held);

  // The desired IPVS table now (see the top of this file).
  director::IpvsTable table() const;

  const HealthViewCounters& counters() const { return counters_; }
  // Per virtual server and real server, in config order.
  std::vector<VirtualServerHealth> status() const;
  // The same in slices (a status of 10,000 real servers is built over a few
  // loop turns): virtual servers [first, first + count) appended to `out`.
  std::size_t virtual_server_count() const { return virtual_servers_.size(); }
  // Whether virtual server `index` (config order) has its quorum now.
  bool quorum_met(std::size_t index) const;
  void append_status(std::size_t first, std::size_t count, std::vector<VirtualServerHealth>& out) const;
  // Checks currently subscribed (one per configured check of every real server).
  std::size_t check_count() const;

 private:
  using State = RealServerState;
  struct CheckSlot;
  struct FileSlot;
  struct RealServerSlot;
  struct VirtualServerSlot;

  // Subscribes rs's checks of the new configuration: unchanged ones are kept
  // (see the top of this file); replaced ones go to `to_unsubscribe`.
  void set_checks(RealServerSlot& rs, const conf::VirtualServer& vs_conf, const conf::RealServer& rs_conf,
                  std::vector<CheckSlot> old_checks, bool suspended,
                  std::vector<healthcheck::SubscriptionId>& to_unsubscribe);
  // "TCP 10.0.0.100:80 -> 10.0.0.11:80" (built for a log line, not kept).
  std::string label(const RealServerSlot& rs) const;
  // The reason of check's last result ("" before its first).
  std::string_view last_reason(const CheckSlot& check) const;
  std::optional<LastCheck> last_check(const RealServerSlot& rs) const;

  void on_check_event(RealServerSlot& rs, const healthcheck::CheckEvent& event);
  // Recomputes rs's state; logs and counts a transition. True if its entry in
  // the table may have changed. `ramp`: a move to up starts the slow-start ramp.
  // The logged reason: the first down check's last result, else that of
  // `cause` (the check whose result this is), else `reason`.
  bool refresh_real_server(RealServerSlot& rs, std::string_view reason, bool ramp = true,
                           const CheckSlot* cause = nullptr, const FileSlot* file_cause = nullptr);
  // True when ha_suspend should pause vs's checks now.
  bool suspended(bool ha_suspend, const std::optional<core::IpAddress>& address) const;
  // Pauses or resumes vs's checks to match suspended(); logs a change.
  void apply_suspension(VirtualServerSlot& vs);
  // rs's weight in table() at `now`, unset when it is not in it.
  std::optional<int> table_weight(const VirtualServerSlot& vs, const RealServerSlot& rs, core::TimePoint now) const;
  // rs's destination in configured_table() of the configuration.
  static director::Destination configured_destination(const VirtualServerSlot& vs, const RealServerSlot& rs);
  // Feeds the live weight sum to the quorum. True if the decision changed.
  bool refresh_quorum(VirtualServerSlot& vs);
  // After a check's result: runs quorum_up / quorum_down and writes the VS
  // FIFO line when the quorum differs from what was last reported. A new
  // virtual server counts as reported up with start_up (keepalived without
  // `alpha` starts it so), down without (with `alpha`); a reload keeps it.
  void report_quorum(VirtualServerSlot& vs);
  // Runs `command` (split into words) as the global script_user; false if
  // it is empty or there is no runner.
  bool run_script(const std::string& command);
  // A real server went up or down: its RS line on the lvs FIFO, and its
  // notify_up / notify_down. True if a script was started.
  bool notify_real_server(const RealServerSlot& rs, bool up);
  void arm_slow_start_timer();
  void notify();
  // The scheduler's time, or set_config()'s while it runs (see config_now_).
  core::TimePoint time_now() const { return config_now_ ? *config_now_ : scheduler_.now(); }

  core::Scheduler& scheduler_;
  // Read once per set_config(): every slot it makes or takes up starts at
  // the same instant. Reading the clock per real server was a system call
  // each where clock_gettime has no vDSO (inside user-mode-linux: 0.5 s of
  // a 10,000-real-server start, bench/reload-scale.md).
  std::optional<core::TimePoint> config_now_;
  healthcheck::CheckScheduler& checks_;
  std::function<void()> on_change_;
  RunScript run_script_;
  FifoLine fifo_line_;
  // configured_table() of the configuration is kept in the slots (compact,
  // see VirtualServerSlot); no copy of the conf structs is kept.
  std::vector<std::unique_ptr<VirtualServerSlot>> virtual_servers_;  // config order
  conf::Global global_{};  // of the configuration: script user and security for MISC_CHECK
  std::unique_ptr<core::Timer> slow_start_timer_;
  bool any_slow_start_ = false;  // skip the scan when no real server ramps
  std::map<core::IpAddress, bool> vrrp_addresses_;  // address -> held by this node
  std::map<std::string, long> file_values_;         // track_file name -> its number (set_file_value)
  HealthViewCounters counters_;
};

}  // namespace lvsd::daemon
