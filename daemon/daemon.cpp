#include "daemon/daemon.hpp"

#include <malloc.h>
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <memory>
#include <optional>

#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/health_view.hpp"
#include "daemon/ipvs_sync.hpp"
#include "daemon/sync_daemon.hpp"
#include "daemon/vrrp_runtime.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"

namespace lvsd::daemon {

namespace {

std::optional<conf::Config> load_config(const std::string& path) {
  auto log = core::log::get();
  conf::LoadResult result = conf::load_file(path);
  for (const auto& w : result.warnings) log->warn("config: {}", conf::format_error(w));
  if (!result.ok()) {
    for (const auto& e : result.errors) log->error("config: {}", conf::format_error(e));
    log->error("config: {}: {} error(s), configuration refused", path, result.errors.size());
    return std::nullopt;
  }
  conf::Config config = std::move(*result.config);
  result = conf::LoadResult{};
  // The YAML tree of a large file is gone now; hand its pages back to the
  // system instead of keeping the parser's peak as resident memory.
  malloc_trim(0);
  return config;
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
  std::optional<conf::Config> config = load_config(options.config_path);
  if (!config) return 1;
  log->info("lvsd starting: {}: {}", options.config_path, conf::summary(*config));

  core::EventLoop loop;
  std::unique_ptr<IpvsSide> ipvs;
  if (needs_ipvs(*config)) {
    ipvs = open_ipvs(loop.scheduler(), *config, options);
    if (!ipvs) return 1;
  }
  // Health verdicts -> desired table. Declared after `ipvs` (which on_change
  // uses) and destroyed before it; the view unsubscribes before `checks` goes.
  healthcheck::CheckScheduler checks(loop.scheduler(), [&loop](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  HealthView health(loop.scheduler(), checks, [&] {
    if (ipvs) ipvs->sync.set_desired(health.table());
  });
  health.set_config(*config);
  if (ipvs) {
    // A restart keeps serving with what the kernel holds until checks decide.
    if (auto kernel = ipvs->client->dump(); kernel.ok()) health.keep_until_checked(*kernel);
    ipvs->sync.set_desired(health.table());
  }

  // VRRP on the same loop. For the control socket / metrics:
  // vrrp.statuses() gives one vrrp::InstanceStatus per running instance;
  // vrrp.set_vip_listener() reports "this node now holds / no longer holds
  // VIP X" (for health checks' ha_suspend).
  VrrpRuntime vrrp(loop);
  vrrp.set_role_listener([&](const std::string& instance, vrrp::State) {
    const auto& sd = config->global.lvs_sync_daemon;
    if (ipvs && sd && sd->vrrp_instance == instance) {
      apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
    }
  });
  vrrp.apply(*config);
  if (ipvs) apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
  sd_notify(0, "READY=1");

  auto stop = [&] {
    sd_notify(0, "STOPPING=1");
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
  core::SignalWatcher on_term(loop, SIGTERM, stop);
  core::SignalWatcher on_int(loop, SIGINT, stop);
  core::SignalWatcher on_hup(loop, SIGHUP, [&] {
    // Before any slow work (parsing a large file, netlink): a reload must
    // never let a backup's Master_Down_Timer run out.
    vrrp.advertise_masters();
    sd_notify(0, "RELOADING=1");
    log->info("reload: reading {}", options.config_path);
    auto next = load_config(options.config_path);
    if (!next) {
      log->error("reload refused: keeping the running configuration");
      sd_notify(0, "READY=1");
      return;
    }
    vrrp.advertise_masters();
    if (!ipvs && needs_ipvs(*next)) {
      ipvs = open_ipvs(loop.scheduler(), *next, options);
      if (!ipvs) {
        log->error("reload refused: the new configuration needs IPVS; keeping the running configuration");
        sd_notify(0, "READY=1");
        return;
      }
    }
    config = std::move(next);
    vrrp.apply(*config);
    if (ipvs) ipvs->sync.set_options(sync_options(*config));
    health.set_config(*config);
    if (ipvs) {
      ipvs->sync.set_desired(health.table());
      apply_sync_daemons(*ipvs->client, *config, followed_role(*config, vrrp));
    }
    log->info("reload: done: {}", conf::summary(*config));
    sd_notify(0, "READY=1");
  });
  loop.run();
  log->info("lvsd stopped");
  return 0;
}

}  // namespace lvsd::daemon
