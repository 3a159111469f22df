#pragma once
// The lvsd process as an object. The configuration becomes the desired IPVS
// table (HealthView: minus what health checks rule out; AdminState: plus the
// operator's drains and disables), which IpvsSync keeps the kernel equal to;
// VRRP runs on the same loop. Everything slow runs off the loop through
// `offload`: reading and parsing a reload's file, and the whole-table dump
// behind `lvsctl status` and /metrics, so the loop that sends VRRP adverts
// never waits for them.
//
// Requests (reload, restart, stop; from signals or the control socket) run
// one at a time in the order RequestQueue gives (daemon/requests.hpp): a
// second signal while one runs is queued, not lost.
//
// run_daemon() builds the real parts and runs the loop; tests build a Daemon
// on the fake scheduler with fakes of the ports (daemon/daemon_ports.hpp).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/admin_state.hpp"
#include "control/handlers.hpp"
#include "control/metrics.hpp"
#include "core/clock.hpp"
#include "core/offload.hpp"
#include "daemon/announcer.hpp"
#include "daemon/daemon_ports.hpp"
#include "daemon/health_view.hpp"
#include "daemon/requests.hpp"

namespace lvsd::daemon {

struct DaemonOptions {
  std::string config_path;
  // Which IPVS services lvsd created, so a restart knows what is its own.
  std::string ownership_path = "/run/lvsd/ipvs-owned";
  // The command line, for a hitless restart (re-exec with the same arguments).
  std::vector<std::string> argv{};
  // Set by a re-exec (--handover): the state the previous image handed over.
  std::string handover_path{};
  // keepalived's config id for a keepalived.conf's @ID lines (--config-id); none: the host name's first label.
  conf::KaConfigId config_id{};
};

struct DaemonParts {
  core::Scheduler& scheduler;
  core::Offload& offload;
  VrrpControl& vrrp;
  Endpoints& endpoints;
  IpvsOpener open_ipvs;  // called when the configuration needs IPVS (once per socket)
  ConfigReader read_config;
  healthcheck::CheckScheduler::CheckerFactory make_checker;
  ProcessPorts process;
  RouteOpener open_routes{};  // called when a virtual server is announced (empty: announcements fail)
};

class Daemon {
 public:
  // `config` was read and validated by the caller (a start fails without
  // one); `resumed` is what a restart in place handed over (empty on a
  // fresh start).
  Daemon(DaemonParts parts, DaemonOptions options, LoadedConfig config, HandoverState resumed);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // VRRP first (resumed masters advertise before any slow work), then IPVS
  // (adopting what the kernel holds), health checks, the control socket.
  // False: IPVS is needed and cannot be used (the process exits 1).
  bool start();

  // Requests; each may arrive at any time and is queued behind the one that
  // runs. `done` gets the reload's outcome (every asker of a coalesced
  // reload gets the same one).
  void reload(std::function<void(control::ReloadOutcome)> done = {});
  // Re-executes in place once the queued work is done; refused while a
  // restart is already under way.
  core::Status request_restart();
  void stop();
  // SIGTERM/SIGINT: a drain first when global.announce.drain_on_stop (and
  // something is announced), else stop().
  void terminate();
  // Scale-out (lvsctl drain-node / undrain-node): whether the state changed.
  // drain_node(true) stops lvsd after global.announce.drain_grace.
  core::Result<bool> drain_node(bool then_stop);
  core::Result<bool> undrain_node();

  // Status for lvsctl and the metrics text: the kernel's counters are read
  // off the loop; `done` runs on the loop with the result.
  void snapshot(std::function<void(control::StatusSnapshot)> done);
  // The same, turned into text off the loop (`render`: the status reply
  // line, the metrics exposition); `done` gets the text on the loop.
  void render(std::function<std::string(const control::StatusSnapshot&)> render,
              std::function<void(std::string)> done);

  control::ControlHandlers control_handlers();

  const control::DaemonCounters& counters() const { return counters_; }
  const conf::Config& config() const { return *config_; }
  const RequestQueue& requests() const { return requests_; }
  const control::AdminState& admin() const { return admin_; }
  const Announcer& announcer() const { return announcer_; }
  // The desired table IPVS is kept equal to (empty without IPVS), built at
  // each call from the health view and the operator's overrides (nothing
  // keeps a copy of it).
  director::IpvsTable desired_table() const;
  bool ipvs_open() const { return ipvs_ != nullptr; }

 private:
  struct Ipvs;
  struct Collection;

  void collect(std::function<core::Offload::Continuation(control::StatusSnapshot)> finish);
  void collect_slice();
  void run_next_request();
  void start_reload();
  void finish_reload(LoadedConfig next);
  void answer_reloads(const control::ReloadOutcome& outcome);
  void start_restart();
  void run_stop();
  // Notify scripts still running: VRRP's and the checkers' (notify_up/down, quorum_up/down).
  std::size_t scripts_running() const;

  bool open_ipvs(const conf::Config& config);
  // The second IPVS socket, used only by jobs off the loop (opened lazily).
  std::shared_ptr<IpvsKernel> stats_socket();
  void push_desired();
  void apply_sync_daemons();
  void apply_ipvs_settings();
  void mark_vips();
  // Real servers' FILE_CHECKs: the track_files they name (ProcessPorts::follow_track_files).
  void follow_track_files();
  void restore_overrides(const HandoverState& resumed);
  void serve_endpoints();
  HandoverState handover_state() const;
  void on_vip(const core::IpAddress& vip, bool held);
  void on_role(const std::string& instance);
  // Scale-out: recomputes the announcements and makes lvsd's routes match.
  void refresh_announcements();
  void index_announced();
  void adopt_routes();
  bool route_table_open();

  DaemonParts parts_;
  DaemonOptions options_;
  // Immutable once loaded; shared with jobs off the loop (a reload replaces
  // the pointer, never the object).
  std::shared_ptr<const conf::Config> config_;
  std::uint64_t config_generation_ = 0;  // +1 whenever the health view takes a new config
  std::optional<conf::ContentDigest> config_digest_;
  std::shared_ptr<const conf::ReloadBasis> config_basis_;  // where config_'s virtual servers are in its file
  const HandoverState resumed_;
  std::int64_t started_unix_ms_ = 0;
  control::DaemonCounters counters_;  // the reload part (IPVS keeps its own)
  RequestQueue requests_;
  std::vector<std::function<void(control::ReloadOutcome)>> reload_waiters_;  // queued or running
  std::vector<std::function<void(control::ReloadOutcome)>> running_reload_;   // answered by the one running
  std::map<core::IpAddress, bool> held_;  // VRRP VIPs -> this node holds it now

  // Declared in dependency order: each uses only those above it, and they
  // are destroyed in reverse (the health view before the checks it
  // subscribes to; IPVS, which the others push into, last of them).
  std::unique_ptr<Ipvs> ipvs_;
  control::AdminState admin_;
  healthcheck::CheckScheduler checks_;
  HealthView health_;
  std::unique_ptr<core::Timer> request_timer_;  // runs the next request from a clean stack
  std::unique_ptr<core::Timer> endpoints_timer_;
  std::deque<std::unique_ptr<Collection>> collections_;  // status snapshots being gathered
  std::unique_ptr<core::Timer> collect_timer_;
  std::unique_ptr<core::Timer> stop_timer_;  // a stop waiting for notify scripts
  core::TimePoint stop_deadline_{};
  // Scale-out: the decision, lvsd's routes as the kernel holds them, the
  // hold deadline timer and the drain-then-stop timer.
  Announcer announcer_;
  bool announcing_ = false;  // the configuration has a virtual server with announce: true
  std::vector<AnnouncedService> announced_services_;  // those virtual servers (quorum filled per refresh)
  std::vector<std::size_t> announced_indices_;        // their index in config_->virtual_servers
  std::unique_ptr<RouteTable> routes_;
  std::vector<VipRoute> held_routes_;
  std::unique_ptr<core::Timer> announce_timer_;
  std::unique_ptr<core::Timer> drain_stop_timer_;
};

// Builds the real parts, runs until stopped; the process exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace lvsd::daemon
