// lvsctl: inspect and control IPVS and the lvsd daemon (ipvsadm-like).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "lvsd/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"lvsctl - inspect and control the lvsd director", "lvsctl"};
  app.set_version_flag("--version", std::string("lvsctl ") + lvsd::kVersion);
  app.require_subcommand(0, 1);
  app.footer("lvsctl is being built: only --version and --help exist so far.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  std::fputs(app.help().c_str(), stderr);
  return 2;
}
