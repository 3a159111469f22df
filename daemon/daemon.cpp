#include "daemon/daemon.hpp"

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
#include "daemon/ipvs_sync.hpp"
#include "daemon/sync_daemon.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"

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
  return std::move(*result.config);
}

IpvsSyncOptions sync_options(const conf::Config& config) {
  return IpvsSyncOptions{
      .resync_interval = std::chrono::duration_cast<std::chrono::milliseconds>(config.global.ipvs_resync_interval),
      .flush_foreign = config.global.lvs_flush};
}

// Health checks come from the health-check layer, which is not wired into
// the daemon yet: say so instead of pretending they run.
void warn_unrun_checks(const conf::Config& config) {
  std::size_t with_checks = 0;
  for (const auto& vs : config.virtual_servers) {
    for (const auto& rs : vs.real_servers) with_checks += rs.checks.empty() ? 0 : 1;
  }
  if (with_checks > 0) {
    core::log::get()->warn(
        "health checks are configured for {} real server(s) but this lvsd does not run them yet: "
        "every real server is in the pool at its configured weight",
        with_checks);
  }
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
  warn_unrun_checks(*config);

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
  sync.set_desired(configured_table(*config));
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
      warn_unrun_checks(*config);
      sync.set_options(sync_options(*config));
      sync.set_desired(configured_table(*config));
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
