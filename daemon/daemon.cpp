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

// Starts, restarts or stops the connection-sync daemons to match the config.
void apply_sync_daemons(director::IpvsClient& client, const conf::Config& config) {
  auto log = core::log::get();
  auto running = client.sync_daemons();
  if (!running.ok()) {
    log->error("ipvs sync daemon: cannot read the kernel's: {}", running.error().message);
    return;
  }
  const SyncDaemonPlan plan = plan_sync_daemons(*running, wanted_sync_daemons(config));
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

  auto client = director::IpvsClient::open();
  if (!client.ok()) {
    log->error("cannot talk to IPVS (is the ip_vs module loaded? is lvsd root?): {}", client.error().message);
    return 1;
  }
  auto owned = director::load_ownership(options.ownership_path);
  if (!owned.ok()) {
    log->warn("{}: {}; starting with no recorded ownership", options.ownership_path, owned.error().message);
    owned = director::OwnershipRecord{};
  }

  core::EventLoop loop;
  KernelIpvsPort port(**client);
  IpvsSync sync(loop.scheduler(), port, sync_options(*config), *owned,
                [&](const director::OwnershipRecord& record) {
                  if (auto st = director::save_ownership(options.ownership_path, record); !st.ok()) {
                    log->error("{}: {}", options.ownership_path, st.error().message);
                  }
                });
  // Health verdicts -> desired table. Declared after `sync` (which on_change
  // uses) and destroyed before it; the view unsubscribes before `checks` goes.
  healthcheck::CheckScheduler checks(loop.scheduler(), [&loop](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  HealthView health(loop.scheduler(), checks, [&] { sync.set_desired(health.table()); });
  health.set_config(*config);
  // A restart keeps serving with what the kernel holds until checks decide.
  if (auto kernel = (*client)->dump(); kernel.ok()) health.keep_until_checked(*kernel);
  sync.set_desired(health.table());
  apply_sync_daemons(**client, *config);
  sd_notify(0, "READY=1");

  auto stop = [&] {
    sd_notify(0, "STOPPING=1");
    if (config->global.lvs_flush_on_stop) {
      log->info("stopping: removing the IPVS services lvsd owns (lvs_flush_on_stop)");
      sync.set_desired({});
    } else {
      log->info("stopping: IPVS left as it is (established connections keep flowing)");
    }
    loop.stop();
  };
  core::SignalWatcher on_term(loop, SIGTERM, stop);
  core::SignalWatcher on_int(loop, SIGINT, stop);
  core::SignalWatcher on_hup(loop, SIGHUP, [&] {
    sd_notify(0, "RELOADING=1");
    log->info("reload: reading {}", options.config_path);
    if (auto next = load_config(options.config_path)) {
      config = std::move(next);
      sync.set_options(sync_options(*config));
      health.set_config(*config);
      sync.set_desired(health.table());
      apply_sync_daemons(**client, *config);
      log->info("reload: done: {}", conf::summary(*config));
    } else {
      log->error("reload refused: keeping the running configuration");
    }
    sd_notify(0, "READY=1");
  });
  loop.run();
  log->info("lvsd stopped");
  return 0;
}

}  // namespace lvsd::daemon
