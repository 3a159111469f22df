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

}  // namespace

int run_daemon(const DaemonOptions& options) {
  auto log = core::log::get();
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
