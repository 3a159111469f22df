// run_daemon(): the real parts behind the Daemon's ports (the netlink IPVS
// client, VRRP on the loop, the control socket and metrics, sd_notify, the
// re-exec of a hitless restart), the signals, the watchdog, and the loop.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"
#include "control/metrics.hpp"
#include "control/server.hpp"
#include "core/allocator.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/sysctl.hpp"
#include "daemon/daemon.hpp"
#include "daemon/handover.hpp"
#include "daemon/notify.hpp"
#include "daemon/notify_fifo.hpp"
#include "daemon/signals.hpp"
#include "daemon/vrrp_runtime.hpp"
#include "vrrp/notify.hpp"
#include "director/ipvs_client.hpp"
#include "healthcheck/checker.hpp"

namespace lvsd::daemon {

LoadedConfig read_configuration(const std::string& path, const PreviousConfig& previous,
                                const conf::KaConfigId& config_id) {
  LoadedConfig out;
  if (previous.yaml_digest && conf::yaml_file_unchanged(path, *previous.yaml_digest)) {
    out.unchanged = true;
    out.yaml_digest = previous.yaml_digest;
    return out;
  }
  conf::FileContent content = conf::read_config_file(path);
  conf::LoadResult result;
  if (content.error) {
    result.errors.push_back(std::move(*content.error));
  } else if (previous.config && previous.reload) {
    result = conf::reload_content(path, content.bytes, config_id, *previous.config, *previous.reload);
  } else {
    result = conf::load_content(path, content.bytes, config_id);
  }
  out.warnings = std::move(result.warnings);
  if (!result.ok()) {
    for (const auto& e : result.errors) out.errors.push_back(conf::format_error(e));
    return out;
  }
  out.config = std::move(*result.config);
  out.yaml_digest = conf::yaml_digest(path, content.bytes);
  out.reload = std::move(result.reload);
  return out;
}

namespace {

// systemd's watchdog interval ($WATCHDOG_USEC, for this process when
// $WATCHDOG_PID names it), 0 when disabled: what sd_watchdog_enabled() reads,
// without linking libsystemd (about 1 MB resident with its dependencies).
std::uint64_t watchdog_interval_usec() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr || *usec == '\0') return 0;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && *pid != '\0') {
    char* end = nullptr;
    const unsigned long long p = std::strtoull(pid, &end, 10);
    if (*end != '\0' || p != static_cast<unsigned long long>(::getpid())) return 0;
  }
  char* end = nullptr;
  const unsigned long long v = std::strtoull(usec, &end, 10);
  if (*end != '\0') return 0;
  return v;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where the old image leaves the handover for the new one (next to the
// ownership record, under /run/lvsd by default).
std::string handover_path_for(const DaemonOptions& options) { return options.ownership_path + ".handover"; }

// What the previous image handed over, if it was this very process moments
// ago (a restart in place); an empty state for a fresh start.
HandoverState take_resumed(const DaemonOptions& options) {
  auto log = core::log::get();
  if (options.handover_path.empty()) return {};
  auto state = take_handover(options.handover_path);
  if (!state.ok()) {
    log->warn("handover {}: {}; starting afresh", options.handover_path, state.error().message);
    return {};
  }
  if (!handover_applies(*state, ::getpid(), unix_now_ms())) {
    log->warn("handover {}: written by pid {} {} ms ago, not by this process just now; ignored",
              options.handover_path, state->pid, unix_now_ms() - state->written_at_ms);
    return {};
  }
  log->info("restarted in place: resuming {} VRRP instance(s) as master", state->master_instances.size());
  return std::move(*state);
}

// Starts the handed-over master instances from the VRRP configuration in the
// handover; false when there is none to start (a fresh start, an older
// image's handover, or one that does not load).
bool resume_from_handover(VrrpRuntime& vrrp, const HandoverState& resumed) {
  auto log = core::log::get();
  if (resumed.master_instances.empty() || resumed.vrrp_config.empty()) return false;
  conf::LoadResult part = conf::load_content("handover.yaml", resumed.vrrp_config);
  if (!part.ok()) {
    log->warn("handover: its VRRP configuration does not load ({}); masters resume after the file is read",
              conf::format_error(part.errors.front()));
    return false;
  }
  vrrp.resume_as_master({resumed.master_instances.begin(), resumed.master_instances.end()});
  vrrp.apply(*part.config);
  log->info("restarted in place: advertising as master while the configuration is read");
  return true;
}

// Reads the configuration on the worker thread while the loop runs (VRRP
// timers, adverts); returns once it is read.
LoadedConfig read_while_looping(core::EventLoop& loop, core::WorkerThread& worker, const std::string& path,
                                const conf::KaConfigId& config_id) {
  LoadedConfig loaded;
  // The loop thread touches `loaded` only after the continuation ran, which
  // the worker hands over under its mutex.
  worker.post([&loaded, &loop, &path, &config_id]() -> core::Offload::Continuation {
    try {
      loaded = read_configuration(path, {}, config_id);
    } catch (const std::exception& e) {  // the loop must stop whatever happens
      loaded.errors.push_back(std::string(path) + ": " + e.what());
    }
    return [&loop] { loop.stop(); };
  });
  loop.run();
  return loaded;
}

// The netlink client behind the Daemon's IpvsKernel port.
class KernelIpvs final : public IpvsKernel {
 public:
  explicit KernelIpvs(std::unique_ptr<director::IpvsClient> client) : client_(std::move(client)) {}
  core::Result<director::IpvsTable> dump() override { return client_->dump(); }
  core::Status for_each_service(const std::function<void(director::VirtualService)>& visit) override {
    return client_->for_each_service(visit);
  }
  director::ApplyReport apply(const director::ReconcilePlan& plan) override { return client_->apply(plan); }
  core::Result<std::vector<director::SyncDaemon>> sync_daemons() override { return client_->sync_daemons(); }
  core::Status start_sync_daemon(const director::SyncDaemon& d) override { return client_->start_sync_daemon(d); }
  core::Status stop_sync_daemon(director::SyncDaemonRole role) override { return client_->stop_sync_daemon(role); }
  void set_receive_timeout(std::chrono::milliseconds timeout) override { client_->set_receive_timeout(timeout); }
  core::Status set_sysctl(const std::string& name, int value) override {
    return core::write_sysctl("/proc/sys", "net/ipv4/vs/" + name, std::to_string(value));
  }
  core::Status set_timeouts(const director::Timeouts& timeouts) override { return client_->set_timeouts(timeouts); }
  core::Result<director::IpvsTable> dump_services(const std::set<director::ServiceKey>& keys) override {
    // The service list is small (no destinations); destinations are read
    // only for the services asked for.
    auto services = client_->dump_services();
    if (!services.ok()) return services.error();
    director::IpvsTable out;
    for (auto& service : *services) {
      if (!keys.contains(service.key)) continue;
      auto with_destinations = client_->dump_destinations(std::move(service));
      if (!with_destinations.ok()) return with_destinations.error();
      out.services.push_back(std::move(*with_destinations));
    }
    return out;
  }

 private:
  std::unique_ptr<director::IpvsClient> client_;
};

IpvsOpener ipvs_opener() {
  return []() -> core::Result<std::unique_ptr<IpvsKernel>> {
    auto client = director::IpvsClient::open();
    if (!client.ok()) return client.error();
    return std::unique_ptr<IpvsKernel>(std::make_unique<KernelIpvs>(std::move(*client)));
  };
}

// lvsd's routes over rtnetlink (scale-out announcements).
class KernelRoutes final : public RouteTable {
 public:
  explicit KernelRoutes(RouteClient client) : client_(std::move(client)) {}
  core::Result<std::vector<VipRoute>> list() override { return client_.list(); }
  core::Status add(const VipRoute& route) override { return client_.add(route); }
  core::Status remove(const VipRoute& route) override { return client_.remove(route); }

 private:
  RouteClient client_;
};

RouteOpener route_opener() {
  return []() -> core::Result<std::unique_ptr<RouteTable>> {
    auto client = RouteClient::open();
    if (!client.ok()) return client.error();
    return std::unique_ptr<RouteTable>(std::make_unique<KernelRoutes>(std::move(*client)));
  };
}

// The control socket and metrics: failing to open them is logged, and lvsd
// runs on (the load balancer matters more than its inspection).
class ControlEndpoints final : public Endpoints {
 public:
  explicit ControlEndpoints(core::EventLoop& loop) : loop_(loop) {}

  void serve(const conf::Global& global, control::ControlHandlers handlers, RenderMetrics metrics) override {
    auto log = core::log::get();
    if (!control_ || control_->path() != global.control_socket) {
      control_.reset();
      auto server = control::ControlServer::open(loop_, {.path = global.control_socket}, std::move(handlers));
      if (server.ok()) {
        control_ = std::move(*server);
      } else {
        log->error("control socket {}: {} (lvsctl status/reload/drain will not reach this lvsd)",
                   global.control_socket, server.error().message);
      }
    }
    if (metrics_listen_ == global.metrics && (metrics_ || !metrics_listen_)) return;
    metrics_.reset();
    metrics_listen_ = global.metrics;
    if (!metrics_listen_) return;
    auto server = control::MetricsServer::open(loop_, {.listen = *metrics_listen_}, std::move(metrics));
    if (!server.ok()) {
      log->error("metrics {}: {}", *metrics_listen_, server.error().message);
      return;
    }
    metrics_ = std::move(*server);
  }

 private:
  core::EventLoop& loop_;
  std::unique_ptr<control::ControlServer> control_;
  std::unique_ptr<control::MetricsServer> metrics_;
  std::optional<std::string> metrics_listen_;
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
  auto log = core::log::get();
  // A peer closing a socket must be an error return, never a fatal signal.
  ::signal(SIGPIPE, SIG_IGN);
  // Until the loop watches them, the daemon's signals stay blocked (pending,
  // not lost): a SIGHUP, SIGTERM or second SIGUSR2 while the configuration
  // is read, or right after a re-exec, must not kill lvsd.
  block_daemon_signals();
  std::optional<core::BulkAllocationScope> startup_allocations(std::in_place);  // until the table is programmed
  HandoverState resumed = take_resumed(options);

  core::EventLoop loop;
  core::WorkerThread worker(loop);
  // Before the VRRP runtime: its stop writes the STOP lines.
  NotifyFifos fifos(loop);
  VrrpRuntime vrrp(loop);
  vrrp.set_fifos(&fifos);
  // After a hitless restart, the handed-over masters advertise from the VRRP
  // part of the old image's configuration while the file is read and parsed
  // off the loop: a large file must not let the peer's Master_Down_Timer run
  // out. A fresh start reads the file first.
  const bool advertising = resume_from_handover(vrrp, resumed);
  LoadedConfig loaded = advertising ? read_while_looping(loop, worker, options.config_path, options.config_id)
                                    : read_configuration(options.config_path, {}, options.config_id);
  for (const auto& w : loaded.warnings) log->warn("config: {}", conf::format_error(w));
  if (loaded.config) {
    // The model the daemon keeps for as long as it runs was built while the
    // parser's tree lived, its blocks between the tree's (freed now). A copy
    // made here, then the original dropped, leaves fewer pages pinned by a
    // few live blocks. Measured, not derived (bench/memory.sh in UML, 10
    // real servers per service): USS at 10,000 / 20,000 / 50,000 real
    // servers 9,564 / - / 25,576 -> 8,976 / 12,728 / 24,620 kB, 444 / 414 /
    // 409 bytes per real server instead of 505 / - / 429; none at 1,000.
    // The same copy at the end of read_configuration() gained nothing: where
    // the copy lands in this heap is what counts, and the bench tells.
    conf::Config compact = *loaded.config;
    loaded.config = std::move(compact);
  }
  if (!loaded.config) {
    for (const auto& e : loaded.errors) log->error("config: {}", e);
    log->error("config: {}: {} error(s), configuration refused", options.config_path, loaded.errors.size());
    // Handed-over masters resign (priority 0) rather than leave their VIPs
    // on a node that is going away.
    vrrp.stop();
    return 1;
  }
  log->info("lvsd starting: {}: {}", options.config_path, conf::summary(*loaded.config));

  ControlEndpoints endpoints(loop);
  const std::string handover_path = handover_path_for(options);
  // notify_up / notify_down of real servers: reaped by the loop, killed after kNotifyTimeout.
  vrrp::SpawnScriptRunner checker_scripts(loop);
  // Real servers' FILE_CHECKs: their track_files, on the loop's one
  // directory watch (a file VRRP tracks too is watched once).
  ProcessPorts::FileListener file_changed;
  TrackFiles real_server_files(
      loop, [&file_changed](const std::string& name, long value) { if (file_changed) file_changed(name, value); },
      TrackFiles::Users::kRealServers);
  Daemon daemon(
      DaemonParts{
          .scheduler = loop.scheduler(),
          .offload = worker,
          .vrrp = vrrp,
          .endpoints = endpoints,
          .open_ipvs = ipvs_opener(),
          .read_config =
              [config_id = options.config_id](const std::string& path, const PreviousConfig& previous) {
                return read_configuration(path, previous, config_id);
              },
          .make_checker = [&loop](const healthcheck::CheckSpec& spec) { return healthcheck::make_checker(loop, spec); },
          .process = ProcessPorts{
              .notify_manager = [](std::string_view state) { notify_manager(state); },
              .hand_over = [&](const HandoverState& state) -> core::Status {
                // From here a signal waits for the new image (pending
                // across the exec) instead of being caught by this one.
                block_daemon_signals();
                auto st = write_handover(handover_path, state);
                if (st.ok()) {
                  // The new image opens the notify FIFOs again and starts
                  // their scripts: these go first (a script would outlive
                  // the exec as a child of the new image, and a FIFO this
                  // image made would never be removed).
                  fifos.suspend();
                  st = reexec_with_handover(options.argv, handover_path);
                  ::unlink(handover_path.c_str());
                  fifos.resume();
                }
                unblock_daemon_signals();  // the exec failed: this image goes on
                return st;
              },
              .unix_now_ms = unix_now_ms,
              .stop_loop = [&loop] { loop.stop(); },
              .run_script = [&checker_scripts](const std::vector<std::string>& argv, const core::ScriptPolicy& policy) {
                checker_scripts.set_policy(policy);
                checker_scripts.run(argv);
              },
              .scripts_running = [&checker_scripts] { return checker_scripts.running(); },
              .apply_fifos = [&fifos](const conf::Global& global) { fifos.apply(global); },
              .lvs_fifo_line = [&fifos](std::string_view line) { fifos.lvs(line); },
              .follow_track_files =
                  [&](const conf::Config& config, ProcessPorts::FileListener changed) {
                    file_changed = std::move(changed);
                    real_server_files.apply(config);
                    std::map<std::string, long> values;
                    for (const auto& f : config.track_files) values[f.name] = real_server_files.value(f.name);
                    return values;
                  },
              .pid = static_cast<std::int32_t>(::getpid())},
          .open_routes = route_opener()},
      options, std::move(loaded), std::move(resumed));
  if (!daemon.start()) return 1;
  startup_allocations.reset();

  // From here the loop handles the signals; those that came while they were
  // blocked are delivered now and run in order once the loop runs.
  core::SignalWatcher on_term(loop, SIGTERM, [&] { daemon.terminate(); });
  core::SignalWatcher on_int(loop, SIGINT, [&] { daemon.terminate(); });
  core::SignalWatcher on_hup(loop, SIGHUP, [&] { daemon.reload(); });
  core::SignalWatcher on_usr2(loop, SIGUSR2, [&] {
    if (auto st = daemon.request_restart(); !st.ok()) log->error("restart (SIGUSR2): {}", st.error().message);
  });
  unblock_daemon_signals();

  // systemd's watchdog (the unit's WatchdogSec): pinged from the loop itself,
  // so a loop that hangs gets lvsd restarted.
  std::unique_ptr<core::Timer> watchdog;
  const std::uint64_t watchdog_usec = watchdog_interval_usec();
  if (watchdog_usec > 0) {
    const auto every = std::chrono::microseconds(watchdog_usec / 2);
    watchdog = loop.scheduler().create_timer([&, every] {
      notify_manager("WATCHDOG=1");
      watchdog->arm(every);
    });
    watchdog->arm(every);
  }
  loop.run();
  log->info("lvsd stopped");
  return 0;
}

}  // namespace lvsd::daemon
