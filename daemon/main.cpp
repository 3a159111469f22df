// lvsd: the LVS director daemon. Thin: parses arguments and hands over to
// the parts (conf, director, vrrp, healthcheck) through daemon/.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "core/log.hpp"
#include "lvsd/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lvsd - Layer-4 load balancer director (IPVS, VRRP, health checks)", "lvsd"};
  app.set_version_flag("--version", std::string("lvsd ") + lvsd::kVersion);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.footer("lvsd is being built: only --version and --help exist so far.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  lvsd::core::log::init({.level = log_level});
  std::fputs(app.help().c_str(), stderr);
  return 2;
}
