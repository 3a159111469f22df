// lvsd: the LVS director daemon. Thin: parses arguments and hands over to
// daemon/ (which wires conf, director, vrrp and healthcheck together).
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "core/log.hpp"
#include "daemon/check_config.hpp"
#include "lvsd/version.hpp"

int main(int argc, char** argv) {
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
  app.footer("Running as a daemon comes with the director, VRRP and health-check wiring;\n"
             "today lvsd validates configurations (--check-config).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  lvsd::core::log::init({.level = log_level});
  if (check) return lvsd::daemon::check_config(config_path, std::cout, std::cerr);
  std::cerr << "lvsd: nothing to do: only --check-config is available in this version (see --help)\n";
  return 2;
}
