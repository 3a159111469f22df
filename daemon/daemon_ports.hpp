#pragma once
// What the Daemon drives, each behind a small interface so that the orderings
// that matter (a reload advertises before slow work, a restart hands over
// after the last write, a stop resigns before anything else) are unit-tested
// on the fake scheduler. run_daemon() (daemon/run.cpp) plugs in the real
// ones: VrrpRuntime, the netlink IPVS client, the control socket and metrics.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "control/handlers.hpp"
#include "control/metrics.hpp"
#include "control/status.hpp"
#include "core/result.hpp"
#include "core/script.hpp"
#include "daemon/handover.hpp"
#include "daemon/ipvs_sync.hpp"
#include "daemon/routes.hpp"
#include "director/types.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "vrrp/instance.hpp"

namespace lvsd::daemon {

// The VRRP instances of this node (VrrpRuntime in production).
class VrrpControl {
 public:
  // "This node now holds (true) / no longer holds (false) this VIP".
  using VipListener = std::function<void(const core::IpAddress& vip, bool held)>;
  // Every state change of an instance, after its VIPs moved.
  using RoleListener = std::function<void(const std::string& instance, vrrp::State state)>;

  virtual ~VrrpControl() = default;
  virtual void set_listeners(VipListener vip, RoleListener role) = 0;
  // Hitless restart: these instances start as Master on the next apply().
  virtual void resume_as_master(std::set<std::string> instances) = 0;
  // Start and reload: the running instances match `config` afterwards.
  virtual void apply(const conf::Config& config) = 0;
  // Every master sends an advert now (before any slow work).
  virtual void advertise_masters() = 0;
  // The graceful stop: each master sends priority 0, then removes its VIPs.
  virtual void stop() = 0;
  virtual std::vector<std::string> masters() const = 0;
  virtual std::vector<vrrp::InstanceStatus> statuses() const = 0;
  virtual std::vector<control::VrrpScriptStatus> script_statuses() const = 0;  // tracked vrrp_scripts
  virtual std::optional<vrrp::State> state_of(const std::string& instance) const = 0;
  // Notify scripts still running (a stop waits a little for them: the
  // STOP notifications are started by stop() itself).
  virtual std::size_t scripts_running() const = 0;
};

// Kernel IPVS: what IpvsSync needs (dump, apply) plus the connection-sync
// daemons and the small reads of a drain.
class IpvsKernel : public IpvsPort {
 public:
  virtual core::Result<std::vector<director::SyncDaemon>> sync_daemons() = 0;
  virtual core::Status start_sync_daemon(const director::SyncDaemon& daemon) = 0;
  virtual core::Status stop_sync_daemon(director::SyncDaemonRole role) = 0;
  // Only these services with their destinations (a drain polls what it
  // drains, not the whole table). A service the kernel lacks is left out.
  virtual core::Result<director::IpvsTable> dump_services(const std::set<director::ServiceKey>& keys) = 0;
  // How long a receive may wait for the kernel's reply (the loop's socket:
  // at most the shortest VRRP advert interval).
  virtual void set_receive_timeout(std::chrono::milliseconds timeout) = 0;
  // Sets an IPVS setting of this network namespace (net.ipv4.vs.NAME).
  virtual core::Status set_sysctl(const std::string& name, int value) = 0;
  // IPVS's connection timeouts (SET_CONFIG); 0 leaves one unchanged.
  virtual core::Status set_timeouts(const director::Timeouts& timeouts) = 0;
};
using IpvsOpener = std::function<core::Result<std::unique_ptr<IpvsKernel>>()>;

// Scale-out: lvsd's routes in the kernel (daemon/routes.hpp).
class RouteTable {
 public:
  virtual ~RouteTable() = default;
  virtual core::Result<std::vector<VipRoute>> list() = 0;  // lvsd's routes only (protocol 250)
  virtual core::Status add(const VipRoute& route) = 0;
  virtual core::Status remove(const VipRoute& route) = 0;
};
using RouteOpener = std::function<core::Result<std::unique_ptr<RouteTable>>()>;

// A configuration as read (off the loop) for a start or a reload.
struct LoadedConfig {
  std::optional<conf::Config> config{};
  std::vector<conf::ConfigError> warnings{};
  std::vector<std::string> errors{};  // "file:line:col: message", when refused
  // The digest of the file's bytes when it was YAML (an unchanged reload
  // keeps the parsed configuration).
  std::optional<conf::ContentDigest> yaml_digest{};
  // Where each virtual server is in the file (the next reload may read
  // again only the one an edit changed, conf::reload_content).
  std::optional<conf::ReloadBasis> reload{};
  bool unchanged = false;  // the file still has the bytes of `previous` (nothing was parsed)
};
// What a reload knows of the running configuration's file: the digest of
// its bytes if it was YAML (unchanged, the configuration is kept) and where
// each virtual server was in them (an edit inside one reads that one alone,
// the rest taken from `config`).
struct PreviousConfig {
  std::optional<conf::ContentDigest> yaml_digest{};
  std::shared_ptr<const conf::Config> config{};
  std::shared_ptr<const conf::ReloadBasis> reload{};
};
// Reads and validates the configuration file. Runs off the loop, so it must
// not touch the daemon's state (`previous` is shared, never changed).
// read_configuration's config_id is keepalived's (lvsd --config-id), for a
// keepalived.conf's @ID lines.
using ConfigReader = std::function<LoadedConfig(const std::string& path, const PreviousConfig& previous)>;
LoadedConfig read_configuration(const std::string& path, const PreviousConfig& previous,
                                const conf::KaConfigId& config_id);

// The control socket and the metrics endpoint. serve() is called at start
// and after each reload; it (re)opens what the configuration asks for and
// keeps what did not change.
class Endpoints {
 public:
  using RenderMetrics = control::MetricsServer::Render;
  virtual ~Endpoints() = default;
  virtual void serve(const conf::Global& global, control::ControlHandlers handlers, RenderMetrics metrics) = 0;
};

// The outside world of the process.
struct ProcessPorts {
  // sd_notify ("READY=1", ...); never blocks.
  std::function<void(std::string_view)> notify_manager;
  // Writes the handover and replaces the process image; returns only on
  // failure (the caller keeps running).
  std::function<core::Status(const HandoverState&)> hand_over;
  // CLOCK_REALTIME in ms (status times, handover ages).
  std::function<std::int64_t()> unix_now_ms;
  // Stops the event loop (after a graceful stop).
  std::function<void()> stop_loop;
  // Starts a script off the loop (a real server's notify_up / notify_down);
  // unset: none run.
  std::function<void(const std::vector<std::string>& argv, const core::ScriptPolicy& policy)> run_script;
  // How many of those still run (a stop waits a moment for them); unset: 0.
  std::function<std::size_t()> scripts_running;
  // The notify FIFOs (daemon/notify_fifo.hpp): opened or changed at start and
  // on each reload, before the VRRP instances; LVS lines go to lvs_fifo_line.
  // Unset: none.
  std::function<void(const conf::Global&)> apply_fifos;
  std::function<void(std::string_view line)> lvs_fifo_line;
  // Real servers' FILE_CHECKs: follows the track_files they name (at start
  // and on each reload, TrackFiles on the loop) and returns each one's
  // number now; `changed` hears a later change. Unset: every file holds 0.
  using FileListener = std::function<void(const std::string& name, long value)>;
  std::function<std::map<std::string, long>(const conf::Config&, FileListener changed)> follow_track_files{};
  std::int32_t pid = 0;
};

}  // namespace lvsd::daemon
