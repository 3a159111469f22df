// lvsd: the LVS director daemon. Thin: parses arguments and hands over to
// daemon/ (which wires conf, director, vrrp and healthcheck together).
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "core/allocator.hpp"
#include "core/log.hpp"
#include "daemon/check_config.hpp"
#include "daemon/cleanup.hpp"
#include "daemon/daemon.hpp"
#include "daemon/signals.hpp"
#include "lvsd/version.hpp"

int main(int argc, char** argv) {
  // After a hitless restart these are already blocked (they stay blocked
  // across the re-exec); a fresh start blocks them here, before anything
  // else, so a signal while starting waits for the loop instead of killing
  // lvsd (daemon/signals.hpp).
  lvsd::daemon::block_daemon_signals();
  lvsd::core::tune_allocator();
  CLI::App app{"lvsd - Layer-4 load balancer director (IPVS, VRRP, health checks)", "lvsd"};
  app.set_version_flag("--version", std::string("lvsd ") + lvsd::kVersion);
  std::string config_path = "/etc/lvsd/lvsd.yaml";
  bool check = false;
  std::string log_level = "info";
  app.add_option("-f,--config", config_path, "configuration file: YAML, or keepalived.conf (imported)")
      ->capture_default_str();
  app.add_flag("-t,--check-config", check,
               "validate the configuration, print every error or 'configuration OK', and exit 0/1");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  bool cleanup = false;
  app.add_flag("--cleanup", cleanup,
               "after lvsd died: resign as VRRP master (priority 0) and remove the configured VIPs, then exit");
  std::string ownership_path = "/run/lvsd/ipvs-owned";
  app.add_option("--state-file", ownership_path, "where lvsd records which IPVS services it owns")
      ->capture_default_str();
  std::string config_id;
  app.add_option("-i,--config-id", config_id,
                 "keepalived.conf: the config id its '@ID' lines are compared with (keepalived -i); "
                 "default: the host name up to its first '.'");
  std::string handover_path;
  app.add_option("--handover", handover_path, "(internal) state handed over by a hitless restart")->group("");
  app.footer("Without --check-config, lvsd runs in the foreground: it programs IPVS from the\n"
             "configuration and keeps it so (SIGHUP reloads, SIGTERM stops and leaves IPVS as it is).\n"
             "VRRP instances run on the same loop (SIGTERM: a master resigns and releases its VIPs).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  lvsd::core::log::init({.level = log_level});
  // Only the daemon defers them; the one-shot modes stop on SIGTERM/^C.
  if (cleanup || check) lvsd::daemon::unblock_daemon_signals();
  // Given, even empty, it is used; not given, the host's.
  const lvsd::conf::KaConfigId id = app.count("--config-id") > 0 ? lvsd::conf::KaConfigId(config_id) : std::nullopt;
  if (cleanup)
    return lvsd::daemon::run_cleanup_file(config_path, {.ownership_path = ownership_path, .config_id = id});
  if (check) return lvsd::daemon::check_config(config_path, std::cout, std::cerr, id);
  return lvsd::daemon::run_daemon({.config_path = config_path,
                                   .ownership_path = ownership_path,
                                   .argv = std::vector<std::string>(argv, argv + argc),
                                   .handover_path = handover_path,
                                   .config_id = id});
}
