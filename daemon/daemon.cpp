#include "daemon/daemon.hpp"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"
#include "control/admin_state.hpp"
#include "control/handlers.hpp"
#include "control/metrics.hpp"
#include "control/protocol.hpp"
#include "control/server.hpp"
#include "control/status.hpp"
#include "control/status_builder.hpp"
#include "core/allocator.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/handover.hpp"
#include "daemon/health_view.hpp"
#include "daemon/ipvs_sync.hpp"
#include "daemon/notify.hpp"
#include "daemon/status_view.hpp"
#include "daemon/sync_daemon.hpp"
#include "daemon/vrrp_runtime.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "lvsd/version.hpp"

namespace lvsd::daemon {

namespace {

struct Loaded {
  std::optional<conf::Config> config;
  std::vector<std::string> errors;  // "file:line:col: message", when refused
  // The digest of the file's bytes when it was YAML (see conf::ContentDigest).
  std::optional<conf::ContentDigest> yaml_digest;
};

Loaded load_config(const std::string& path, conf::FileContent content) {
  auto log = core::log::get();
  conf::LoadResult result;
  if (content.error) {
    result.errors.push_back(std::move(*content.error));
  } else {
    result = conf::load_content(path, content.bytes);
  }
  for (const auto& w : result.warnings) log->warn("config: {}", conf::format_error(w));
  if (!result.ok()) {
    Loaded refused;
    for (const auto& e : result.errors) {
      refused.errors.push_back(conf::format_error(e));
      log->error("config: {}", refused.errors.back());
    }
    log->error("config: {}: {} error(s), configuration refused", path, result.errors.size());
    return refused;
  }
  Loaded loaded{.config = std::move(*result.config), .errors = {},
                .yaml_digest = conf::yaml_digest(path, content.bytes)};
  // The YAML tree's pages stay in the heap for the tables built next; the
  // BulkAllocationScope around every load hands them back at its end.
  return loaded;
}

// Startup and a reload build and drop blocks of megabytes one after another
// (the YAML tree, the health view's state, desired tables, an 11,000-operation
// plan, the kernel view). With the daemon's 128 KiB mmap threshold
// (core/allocator) each of them is a fresh mmap whose every page faults in,
// and inside UML the faults cost more than building the blocks. Within this
// scope large blocks come from the heap, so each reuses the pages the one
// before freed; at its end the daemon's thresholds are set again and the heap
// is trimmed once, so what stays resident is what is still in use.
class BulkAllocationScope {
 public:
  BulkAllocationScope() {
    constexpr int kNoLimit = 1 << 30;
    mallopt(M_MMAP_THRESHOLD, kNoLimit);
    mallopt(M_TRIM_THRESHOLD, kNoLimit);
  }
  ~BulkAllocationScope() {
    core::tune_allocator();
    malloc_trim(0);
  }
  BulkAllocationScope(const BulkAllocationScope&) = delete;
  BulkAllocationScope& operator=(const BulkAllocationScope&) = delete;
};

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

// The VIPs of every VRRP instance: checks of an ha_suspend virtual server on
// one of them run only while this node holds it.
std::set<conf::IpAddress> vrrp_vips(const conf::Config& config) {
  std::set<conf::IpAddress> out;
  for (const auto& instance : config.vrrp_instances)
    for (const auto& vip : instance.virtual_ipaddress) out.insert(vip.address);
  return out;
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

IpvsSyncOptions sync_options(const conf::Config& config) {
  return IpvsSyncOptions{
      .resync_interval = std::chrono::duration_cast<std::chrono::milliseconds>(config.global.ipvs_resync_interval),
      .flush_foreign = config.global.lvs_flush};
}

// IPVS is needed only for virtual servers and the connection-sync daemon: a
// VRRP-only node runs on a kernel without ip_vs.
bool needs_ipvs(const conf::Config& config) {
  return !config.virtual_servers.empty() || config.global.lvs_sync_daemon.has_value();
}

// The role of the VRRP instance the sync daemon follows, if VRRP runs it.
std::optional<director::SyncDaemonRole> followed_role(const conf::Config& config, const VrrpRuntime& vrrp) {
  if (!config.global.lvs_sync_daemon || !config.global.lvs_sync_daemon->vrrp_instance) return std::nullopt;
  auto state = vrrp.state_of(*config.global.lvs_sync_daemon->vrrp_instance);
  if (!state) return std::nullopt;
  return *state == vrrp::State::kMaster ? director::SyncDaemonRole::kMaster : director::SyncDaemonRole::kBackup;
}

// Everything that talks to the kernel's IPVS; opened only when the config
// needs it.
struct IpvsSide {
  std::unique_ptr<director::IpvsClient> client;
  KernelIpvsPort port;
  IpvsSync sync;

  IpvsSide(std::unique_ptr<director::IpvsClient> c, core::Scheduler& scheduler, const conf::Config& config,
           director::OwnershipRecord owned, std::string ownership_path)
      : client(std::move(c)),
        port(*client),
        sync(scheduler, port, sync_options(config), std::move(owned),
             [path = std::move(ownership_path)](const director::OwnershipRecord& record) {
               if (auto st = director::save_ownership(path, record); !st.ok()) {
                 core::log::get()->error("{}: {}", path, st.error().message);
               }
             }) {}
};

std::unique_ptr<IpvsSide> open_ipvs(core::Scheduler& scheduler, const conf::Config& config,
                                    const DaemonOptions& options) {
  auto log = core::log::get();
  auto client = director::IpvsClient::open();
  if (!client.ok()) {
    log->error("cannot talk to IPVS (is the ip_vs module loaded? is lvsd root?): {}", client.error().message);
    return nullptr;
  }
  auto owned = director::load_ownership(options.ownership_path);
  if (!owned.ok()) {
    log->warn("{}: {}; starting with no recorded ownership", options.ownership_path, owned.error().message);
    owned = director::OwnershipRecord{};
  }
  return std::make_unique<IpvsSide>(std::move(*client), scheduler, config, std::move(*owned), options.ownership_path);
}

// Starts, restarts or stops the connection-sync daemons to match the config.
void apply_sync_daemons(director::IpvsClient& client, const conf::Config& config,
                        std::optional<director::SyncDaemonRole> followed) {
  auto log = core::log::get();
  auto running = client.sync_daemons();
  if (!running.ok()) {
    log->error("ipvs sync daemon: cannot read the kernel's: {}", running.error().message);
    return;
  }
  const SyncDaemonPlan plan = plan_sync_daemons(*running, wanted_sync_daemons(config, followed));
  auto role_name = [](director::SyncDaemonRole r) { return r == director::SyncDaemonRole::kMaster ? "master" : "backup"; };
  for (auto role : plan.stop) {
    if (auto st = client.stop_sync_daemon(role); !st.ok()) {
      log->error("ipvs sync daemon: {}", st.error().message);
    } else {
      log->info("ipvs sync daemon: {} stopped", role_name(role));
    }
  }
  for (const auto& d : plan.start) {
    if (auto st = client.start_sync_daemon(d); !st.ok()) {
      log->error("ipvs sync daemon: {}", st.error().message);
    } else {
      log->info("ipvs sync daemon: {} started on {} (sync id {})", role_name(d.role), d.interface, d.sync_id);
    }
  }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  auto log = core::log::get();
  // A peer closing a socket must be an error return, never a fatal signal.
  ::signal(SIGPIPE, SIG_IGN);
  // A reload asked for while the configuration is first read has nothing to
  // do: ignore it instead of dying (the loop catches SIGHUP from then on).
  ::signal(SIGHUP, SIG_IGN);
  std::optional<BulkAllocationScope> startup_allocations(std::in_place);  // until the table is programmed
  Loaded loaded = load_config(options.config_path, conf::read_config_file(options.config_path));
  if (!loaded.config) return 1;
  std::optional<conf::Config> config = std::move(loaded.config);
  // The digest of the bytes `config` was loaded from: a reload that reads the
  // same bytes keeps `config` instead of parsing the file again.
  std::optional<conf::ContentDigest> config_digest = loaded.yaml_digest;
  log->info("lvsd starting: {}: {}", options.config_path, conf::summary(*config));
  const HandoverState resumed = take_resumed(options);
  const std::int64_t started_ms = resumed.started_at_ms != 0 ? resumed.started_at_ms : unix_now_ms();

  core::EventLoop loop;
  // Signals are caught from here on (a SIGHUP must never kill a starting
  // lvsd); their handlers run inside loop.run(), once everything is set up.
  std::function<void()> on_stop_signal, on_reload_signal, on_restart_signal;
  auto call = [](const std::function<void()>& f) { return [&f] { if (f) f(); }; };
  core::SignalWatcher on_term(loop, SIGTERM, call(on_stop_signal));
  core::SignalWatcher on_int(loop, SIGINT, call(on_stop_signal));
  core::SignalWatcher on_hup(loop, SIGHUP, call(on_reload_signal));
  core::SignalWatcher on_usr2(loop, SIGUSR2, call(on_restart_signal));
  std::unique_ptr<IpvsSide> ipvs;

  // VRRP first: after a hitless restart, resumed masters advertise before any
  // slow work (opening IPVS, dumping a large table), so the peer's
  // Master_Down_Timer never runs out. A fresh start goes to Backup.
  VrrpRuntime vrrp(loop);
  std::map<conf::IpAddress, bool> held;  // VRRP VIPs -> this node holds it now
  HealthView* health_view = nullptr;     // set once it exists
  vrrp.set_vip_listener([&](const conf::IpAddress& vip, bool now_held) {
    held[vip] = now_held;
    if (health_view != nullptr) health_view->set_address_held(vip, now_held);
  });
  vrrp.set_role_listener([&](const std::string& instance, vrrp::State) {
    const auto& sd = config->global.lvs_sync_daemon;
    if (ipvs && sd && sd->vrrp_instance == instance) {
      apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
    }
  });
  vrrp.resume_as_master({resumed.master_instances.begin(), resumed.master_instances.end()});
  vrrp.apply(*config);

  if (needs_ipvs(*config)) {
    ipvs = open_ipvs(loop.scheduler(), *config, options);
    if (!ipvs) return 1;
  }

  // Desired table = configuration, minus what health checks rule out, plus
  // the operator's overrides (drain, disable). Each layer calls push_desired.
  std::function<void()> push_desired = [] {};
  control::AdminState admin(
      loop.scheduler(),
      [&]() -> core::Result<director::IpvsTable> {
        if (!ipvs) return core::Error{"IPVS is not in use"};
        return ipvs->client->dump();
      },
      [&] { push_desired(); });
  // Health verdicts -> desired table. The view unsubscribes before `checks` goes.
  healthcheck::CheckScheduler checks(loop.scheduler(), [&loop](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  HealthView health(loop.scheduler(), checks, [&] { push_desired(); });
  control::LatencyHistogram check_latency;
  health.set_result_observer([&](core::Duration latency) {
    check_latency.observe(std::chrono::duration<double>(latency).count());
  });
  // ha_suspend: a VRRP VIP counts as held only once VRRP says so.
  auto mark_vips = [&](const conf::Config& c) {
    for (const auto& vip : vrrp_vips(c)) health.set_address_held(vip, held[vip]);
  };
  mark_vips(*config);
  health_view = &health;
  health.set_config(*config);
  // The operator's overrides survive a restart in place (before the first
  // push: a drained real server must not come back for a moment).
  for (const auto& text : resumed.disabled_virtual_servers) {
    auto key = control::parse_virtual_server(text);
    auto done = key.ok() ? admin.disable(configured_table(*config), *key) : core::Result<bool>(key.error());
    if (!done.ok()) log->warn("handover: disable {}: {}", text, done.error().message);
  }
  for (const auto& d : resumed.drains) {
    auto key = control::parse_virtual_server(d.virtual_server);
    auto rs = control::parse_real_server(d.real_server);
    std::optional<core::Duration> timeout;
    if (d.deadline_unix_ms != 0) timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, d.deadline_unix_ms - unix_now_ms()));
    auto done = !key.ok()  ? core::Result<bool>(key.error())
                : !rs.ok() ? core::Result<bool>(rs.error())
                : d.drained ? admin.restore_drained(configured_table(*config), *key, *rs)
                            : admin.drain(configured_table(*config), *key, *rs, timeout);
    if (!done.ok()) log->warn("handover: drain {} {}: {}", d.virtual_server, d.real_server, done.error().message);
  }

  push_desired = [&] {
    if (ipvs) ipvs->sync.set_desired(admin.apply(health.table()));
  };
  if (ipvs) {
    // A restart keeps serving with what the kernel holds until checks decide.
    if (auto kernel = ipvs->client->dump(); kernel.ok()) {
      health.keep_until_checked(*kernel);
      ipvs->sync.adopt_dump(std::move(*kernel));  // one dump at start, not two
    }
    push_desired();
    apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
  }
  startup_allocations.reset();

  control::DaemonCounters reloads;  // the reload part of the status counters
  auto snapshot = [&] {
    const WallClock clock{.monotonic_now = loop.scheduler().now(), .unix_now_ms = unix_now_ms()};
    control::StatusSnapshot s{.version = kVersion,
                              .router_id = config->global.router_id,
                              .config_path = options.config_path,
                              .pid = static_cast<std::int32_t>(::getpid()),
                              .generated_unix_ms = clock.unix_now_ms,
                              .started_unix_ms = started_ms};
    for (const auto& instance : vrrp.statuses()) s.vrrp_instances.push_back(to_control(instance, clock));
    const director::IpvsTable configured = configured_table(*config);
    std::optional<director::IpvsTable> kernel;
    if (ipvs) {
      if (auto dump = ipvs->client->dump(); dump.ok()) kernel = std::move(*dump);
    }
    const auto view = health.status();
    const HealthIndex index = index_health(view, clock);
    s.virtual_servers = control::virtual_server_status(control::StatusSources{
        .configured = configured,
        .kernel = kernel ? &*kernel : nullptr,
        .admin = &admin,
        .health = [&](const director::ServiceKey& key,
                      const director::Destination& d) -> std::optional<control::RealServerHealth> {
          auto it = index.find({director::describe(key), director::describe_endpoint(d.address, d.port)});
          if (it == index.end()) return std::nullopt;
          return it->second;
        },
        .to_unix_ms = [&](core::TimePoint t) { return clock.to_unix_ms(t); }});
    for (auto& vs : s.virtual_servers) {
      for (const auto& h : view)
        if (h.virtual_server == vs.key) vs.quorum_lost = !h.quorum_met;
    }
    if (ipvs) {
      const auto& c = ipvs->sync.counters();
      s.counters.reconciles = c.reconciles;
      s.counters.reconcile_operations = c.operations_applied;
      s.counters.reconcile_errors = c.operation_failures + c.dump_failures;
    }
    s.counters.reloads_succeeded = reloads.reloads_succeeded;
    s.counters.reloads_failed = reloads.reloads_failed;
    s.counters.last_reload_unix_ms = reloads.last_reload_unix_ms;
    s.check_latency = check_latency;
    return s;
  };

  // The control socket and metrics: failing to open them is logged, and
  // lvsd runs on (the load balancer matters more than its inspection).
  std::unique_ptr<control::ControlServer> control_server;
  std::unique_ptr<control::MetricsServer> metrics_server;
  control::ControlHandlers handlers;
  auto open_control = [&] {
    if (control_server && control_server->path() == config->global.control_socket) return;
    control_server.reset();
    auto server = control::ControlServer::open(loop, {.path = config->global.control_socket}, handlers);
    if (!server.ok()) {
      log->error("control socket {}: {} (lvsctl status/reload/drain will not reach this lvsd)",
                 config->global.control_socket, server.error().message);
      return;
    }
    control_server = std::move(*server);
  };
  std::optional<std::string> metrics_listen;
  auto open_metrics = [&] {
    if (metrics_listen == config->global.metrics && (metrics_server || !metrics_listen)) return;
    metrics_server.reset();
    metrics_listen = config->global.metrics;
    if (!metrics_listen) return;
    auto server = control::MetricsServer::open(loop, {.listen = *metrics_listen},
                                               [&] { return control::render_metrics(snapshot()); });
    if (!server.ok()) {
      log->error("metrics {}: {}", *metrics_listen, server.error().message);
      return;
    }
    metrics_server = std::move(*server);
  };
  // A reload through the control socket must not destroy the server that is
  // answering it: sockets whose address changed are reopened just after.
  auto reopen_timer = loop.scheduler().create_timer([&] {
    open_control();
    open_metrics();
  });

  auto reload = [&]() -> control::ReloadOutcome {
    // Before any slow work (parsing a large file, netlink): a reload must
    // never let a backup's Master_Down_Timer run out.
    vrrp.advertise_masters();
    notify_manager("RELOADING=1");
    std::optional<BulkAllocationScope> allocations(std::in_place);
    log->info("reload: reading {}", options.config_path);
    auto refuse = [&](std::vector<std::string> errors) {
      ++reloads.reloads_failed;
      log->error("reload refused: keeping the running configuration");
      notify_manager("READY=1");
      return control::ReloadOutcome{.applied = false, .errors = std::move(errors), .summary = {}};
    };
    const bool unchanged = config_digest && conf::yaml_file_unchanged(options.config_path, *config_digest);
    if (unchanged) {
      log->info("reload: {} is unchanged, its parsed configuration is kept", options.config_path);
    } else {
      Loaded next = load_config(options.config_path, conf::read_config_file(options.config_path));
      if (!next.config) return refuse(std::move(next.errors));
      vrrp.advertise_masters();
      if (!ipvs && needs_ipvs(*next.config)) {
        ipvs = open_ipvs(loop.scheduler(), *next.config, options);
        if (!ipvs) return refuse({"the new configuration needs IPVS, which cannot be used (see lvsd's log)"});
      }
      config = std::move(next.config);
      config_digest = next.yaml_digest;
    }
    vrrp.apply(*config);
    if (ipvs) ipvs->sync.set_options(sync_options(*config));
    mark_vips(*config);
    // The health view and the overrides follow every verdict and command as
    // it happens, so the desired table is always current: with the same
    // Config, set_config() would rebuild exactly what is there and the table
    // pushed would equal the one IPVS already holds. Only a table that is not
    // fully applied yet (a refused operation, a failed dump) is pushed again.
    if (!unchanged) {
      health.set_config(*config);
      // With nothing drained or disabled there is nothing to forget: do not
      // build a table of every real server for it.
      if (!admin.drains().empty() || !admin.disabled().empty()) admin.forget_missing(configured_table(*config));
    }
    if (ipvs) {
      if (unchanged && ipvs->sync.in_sync()) {
        log->info("reload: same configuration and IPVS holds the desired table: no change");
      } else {
        push_desired();
      }
      apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
    }
    reopen_timer->arm(core::Duration::zero());
    ++reloads.reloads_succeeded;
    reloads.last_reload_unix_ms = unix_now_ms();
    const std::string summary = conf::summary(*config);
    allocations.reset();  // the trim is part of the reload's time
    log->info("reload: done: {}", summary);
    notify_manager("READY=1");
    return control::ReloadOutcome{.applied = true, .errors = {}, .summary = summary};
  };

  // Hitless restart: re-execute the binary in place (same pid). IPVS stays
  // as it is and is adopted; masters hand their role over through a file.
  bool restarting = false;
  auto restart_timer = loop.scheduler().create_timer([&] {
    const std::string path = handover_path_for(options);
    vrrp.advertise_masters();
    HandoverState state{.pid = ::getpid(), .written_at_ms = unix_now_ms(), .master_instances = vrrp.masters(),
                        .started_at_ms = started_ms};
    const WallClock clock{.monotonic_now = loop.scheduler().now(), .unix_now_ms = state.written_at_ms};
    for (const auto& key : admin.disabled()) state.disabled_virtual_servers.push_back(director::describe(key));
    for (const auto& [key, entry] : admin.drains()) {
      state.drains.push_back({.virtual_server = director::describe(key.service),
                              .real_server = director::describe_endpoint(key.address, key.port),
                              .deadline_unix_ms = entry.deadline ? clock.to_unix_ms(*entry.deadline) : 0,
                              .drained = entry.phase == control::DrainPhase::kDrained});
    }
    if (auto st = write_handover(path, state); !st.ok()) {
      log->error("restart refused: {}: {}", path, st.error().message);
      restarting = false;
      return;
    }
    log->info("restarting in place ({} VRRP master instance(s) handed over)", state.master_instances.size());
    notify_manager("RELOADING=1");
    log->flush();
    auto st = reexec_with_handover(options.argv, path);
    // Still here: the exec failed and this image keeps running.
    ::unlink(path.c_str());
    log->error("restart failed, still running: {}", st.error().message);
    notify_manager("READY=1");
    restarting = false;
  });
  auto request_restart = [&]() -> core::Status {
    if (options.argv.empty()) return core::Error{"this lvsd was started without its command line; cannot re-execute"};
    if (restarting) return core::Error{"a restart is already under way"};
    restarting = true;
    // After the reply has gone out (the server writes it when we return).
    restart_timer->arm(core::Duration::zero());
    return {};
  };

  handlers.status = snapshot;
  handlers.reload = reload;
  handlers.drain = [&](const control::DrainRequest& r) {
    std::optional<core::Duration> timeout;
    if (r.timeout_s) timeout = std::chrono::seconds(*r.timeout_s);
    return admin.drain(configured_table(*config), r.virtual_server, r.real_server, timeout);
  };
  handlers.undrain = [&](const control::UndrainRequest& r) {
    return admin.undrain(configured_table(*config), r.virtual_server, r.real_server);
  };
  handlers.disable = [&](const control::DisableRequest& r) {
    return admin.disable(configured_table(*config), r.virtual_server);
  };
  handlers.enable = [&](const control::EnableRequest& r) { return admin.enable(r.virtual_server); };
  handlers.restart = request_restart;
  open_control();
  open_metrics();

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
  notify_manager("READY=1");

  auto stop = [&] {
    notify_manager("STOPPING=1");
    // RFC 5798 6.4.3: a master resigns (priority 0) and releases its VIPs,
    // so a backup takes over after Skew_Time.
    vrrp.stop();
    if (ipvs && config->global.lvs_flush_on_stop) {
      log->info("stopping: removing the IPVS services lvsd owns (lvs_flush_on_stop)");
      ipvs->sync.set_desired({});
    } else if (ipvs) {
      log->info("stopping: IPVS left as it is (established connections keep flowing)");
    }
    loop.stop();
  };
  on_stop_signal = stop;
  on_reload_signal = [&] { (void)reload(); };
  on_restart_signal = [&] {
    if (auto st = request_restart(); !st.ok()) log->error("restart (SIGUSR2): {}", st.error().message);
  };
  loop.run();
  health_view = nullptr;
  log->info("lvsd stopped");
  return 0;
}

}  // namespace lvsd::daemon
