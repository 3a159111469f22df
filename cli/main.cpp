// lvsctl: inspect and control IPVS and the lvsd daemon (ipvsadm-like).
// Commands that only need the kernel (list, save, connections) work with or
// without a running lvsd.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/import_keepalived.hpp"
#include "lvsd/version.hpp"

int main(int argc, char** argv) {
  using lvsd::cli::ListColumns;
  CLI::App app{"lvsctl - inspect and control the lvsd director", "lvsctl"};
  app.set_version_flag("--version", std::string("lvsctl ") + lvsd::kVersion);
  app.require_subcommand(1);

  lvsd::cli::ListRequest list_request;
  auto* list_cmd = app.add_subcommand("list", "the IPVS table, as `ipvsadm -Ln` prints it");
  bool want_stats = false, want_rate = false, want_thresholds = false, want_persistent = false,
       want_tun_info = false, want_connections = false;
  auto* stats = list_cmd->add_flag("--stats", want_stats, "traffic counters (ipvsadm --stats)");
  auto* rate = list_cmd->add_flag("--rate", want_rate, "traffic rates (ipvsadm --rate)");
  auto* thresholds = list_cmd->add_flag("--thresholds", want_thresholds, "upper/lower connection thresholds");
  auto* persistent = list_cmd->add_flag("--persistent-conn", want_persistent, "persistent connection counts");
  auto* tun_info = list_cmd->add_flag("--tun-info", want_tun_info, "tunnel type, port and flags");
  list_cmd->add_flag("--exact", list_request.options.exact, "full numbers instead of K/M/G/T");
  auto* conn_flag = list_cmd->add_flag("-c,--connections", want_connections, "connection entries (ipvsadm -Lnc)");
  list_cmd->add_flag("--json", list_request.json, "JSON instead of text");
  for (auto* a : {stats, rate, thresholds, persistent, tun_info, conn_flag}) {
    for (auto* b : {stats, rate, thresholds, persistent, tun_info, conn_flag}) {
      if (a != b) a->excludes(b);
    }
  }

  bool save_json = false;
  auto* save_cmd = app.add_subcommand("save", "the IPVS table as `ipvsadm -Sn` prints it (ipvsadm -R reads it)");
  save_cmd->add_flag("--json", save_json, "JSON instead of ipvsadm rules");

  bool conn_json = false;
  auto* conn_cmd = app.add_subcommand("connections", "IPVS connection entries, as `ipvsadm -Lnc` prints them");
  conn_cmd->add_flag("--json", conn_json, "JSON instead of text");

  std::string import_path;
  auto* import_cmd = app.add_subcommand("import-keepalived", "print the lvsd YAML equivalent of a keepalived.conf");
  import_cmd->add_option("FILE", import_path, "keepalived.conf to import (include files are followed)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e);
    return 2;
  }
  if (list_cmd->parsed()) {
    if (want_connections) return lvsd::cli::run_connections(list_request.json, std::cout, std::cerr);
    if (want_stats) list_request.options.columns = ListColumns::kStats;
    if (want_rate) list_request.options.columns = ListColumns::kRate;
    if (want_thresholds) list_request.options.columns = ListColumns::kThresholds;
    if (want_persistent) list_request.options.columns = ListColumns::kPersistentConn;
    if (want_tun_info) list_request.options.columns = ListColumns::kTunInfo;
    return lvsd::cli::run_list(list_request, std::cout, std::cerr);
  }
  if (save_cmd->parsed()) return lvsd::cli::run_save(save_json, std::cout, std::cerr);
  if (conn_cmd->parsed()) return lvsd::cli::run_connections(conn_json, std::cout, std::cerr);
  if (import_cmd->parsed()) return lvsd::cli::import_keepalived(import_path, std::cout, std::cerr);
  return 2;
}
