// lvsctl: inspect and control IPVS and the lvsd daemon (ipvsadm-like).
// Commands that only need the kernel (list, save, connections) work with or
// without a running lvsd; status, reload, drain, undrain, enable, disable,
// restart, drain-node and undrain-node talk to lvsd's control socket;
// realserver configures this host as a DR real server; frr-config prints the
// routing daemon's side of scale-out.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/daemon_commands.hpp"
#include "cli/realserver.hpp"
#include "cli/routing_config.hpp"
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
  std::string import_config_id;
  import_cmd->add_option("-i,--config-id", import_config_id,
                         "the config id the file's '@ID' lines are compared with (keepalived -i); "
                         "default: the host name up to its first '.'");

  // Commands served by the running daemon.
  lvsd::cli::DaemonCommandOptions daemon;
  app.add_option("--socket", daemon.socket_path, "lvsd's control socket")->capture_default_str();
  app.fallthrough();  // --socket may also follow the command
  auto* status_cmd = app.add_subcommand("status", "this node's VRRP instances and virtual servers (needs lvsd)");
  status_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* reload_cmd = app.add_subcommand(
      "reload", "make lvsd re-read its configuration; exits 1 and prints every error if it refused it");
  reload_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* restart_cmd = app.add_subcommand("restart", "hitless restart: lvsd re-executes its binary, keeping its state");
  restart_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  std::string vs_arg, rs_arg;
  std::optional<std::uint32_t> drain_timeout;
  auto* drain_cmd = app.add_subcommand(
      "drain", "weight 0 for a real server until its active connections end (or --timeout), then remove it");
  drain_cmd->add_option("VS", vs_arg, "virtual server: 10.0.0.1:80, 'UDP 10.0.0.1:53', 'FWM 5'")->required();
  drain_cmd->add_option("RS", rs_arg, "real server: 10.0.0.2:80 (or just the address)")->required();
  drain_cmd->add_option("--timeout", drain_timeout, "remove it after this many seconds even with connections left")
      ->check(CLI::Range(0u, 4294967295u));
  drain_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* undrain_cmd = app.add_subcommand("undrain", "put a drained real server back");
  undrain_cmd->add_option("VS", vs_arg, "virtual server")->required();
  undrain_cmd->add_option("RS", rs_arg, "real server")->required();
  undrain_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* enable_cmd = app.add_subcommand("enable", "put a disabled virtual server back into IPVS");
  enable_cmd->add_option("VS", vs_arg, "virtual server")->required();
  enable_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* disable_cmd = app.add_subcommand("disable", "remove a virtual server from IPVS until enabled");
  disable_cmd->add_option("VS", vs_arg, "virtual server")->required();
  disable_cmd->add_flag("--json", daemon.json, "JSON instead of text");

  bool drain_node_stop = false;
  auto* drain_node_cmd = app.add_subcommand(
      "drain-node", "scale-out: withdraw every announcement of this node; forwarding goes on for what still arrives");
  drain_node_cmd->add_flag("--stop", drain_node_stop, "then stop lvsd after global.announce.drain_grace");
  drain_node_cmd->add_flag("--json", daemon.json, "JSON instead of text");
  auto* undrain_node_cmd = app.add_subcommand("undrain-node", "scale-out: announce this node's VIPs again");
  undrain_node_cmd->add_flag("--json", daemon.json, "JSON instead of text");

  // The routing daemon's side of scale-out (no daemon needed).
  std::string frr_config_path = "/etc/lvsd/lvsd.yaml";
  lvsd::cli::BgpSettings bgp;
  std::vector<std::string> bgp_neighbors;
  std::string bgp_router_id;
  bool frr_bird = false;
  auto* frr_cmd = app.add_subcommand("frr-config", "print the FRR (or --bird: BIRD 2) configuration that announces "
                                                   "this node's VIPs over BGP with BFD");
  frr_cmd->add_option("-f,--config", frr_config_path, "lvsd's configuration")->capture_default_str();
  frr_cmd->add_option("--neighbor", bgp_neighbors, "the router's address (repeat for several)")->required();
  frr_cmd->add_option("--local-as", bgp.local_as, "this director's AS")->capture_default_str()
      ->check(CLI::Range(1u, 4294967295u));
  frr_cmd->add_option("--remote-as", bgp.remote_as, "the router's AS")->capture_default_str()
      ->check(CLI::Range(1u, 4294967295u));
  frr_cmd->add_option("--router-id", bgp_router_id, "BGP router id (an IPv4 address)");
  frr_cmd->add_option("--bfd-interval", bgp.bfd_interval_ms, "BFD receive/transmit interval in ms")
      ->capture_default_str()->check(CLI::Range(10u, 60000u));
  frr_cmd->add_flag("--bird", frr_bird, "BIRD 2 instead of FRR");

  // DR real server setup (this host, no daemon).
  lvsd::cli::RealServerOptions realserver;
  auto* rs_cmd = app.add_subcommand("realserver", "set this host up as a DR real server (VIP on lo, ARP sysctls)");
  rs_cmd->require_subcommand(1);
  CLI::App* rs_up = rs_cmd->add_subcommand("up", "add the VIP (/32 or /128) to --dev and set arp_ignore=1 arp_announce=2");
  CLI::App* rs_down = rs_cmd->add_subcommand("down", "remove the VIP and restore the ARP sysctls to 0");
  CLI::App* rs_status = rs_cmd->add_subcommand("status", "show what is set; exit 0 only when fully up");
  for (auto* sub : {rs_up, rs_down, rs_status}) {
    sub->add_option("--vip", realserver.vip, "the virtual IP address (IPv4 or IPv6)")->required();
    sub->add_option("--dev", realserver.dev, "interface for the VIP")->capture_default_str();
    sub->add_flag("--json", realserver.json, "JSON instead of text");
  }
  app.footer("Exit codes: 0 done, 1 failed or refused, 2 bad arguments, 3 lvsd is not running\n"
             "(status, reload, restart, drain, undrain, enable, disable, drain-node and undrain-node need it).\n");

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
  if (import_cmd->parsed())
    return lvsd::cli::import_keepalived(
        import_path, std::cout, std::cerr,
        import_cmd->count("--config-id") > 0 ? lvsd::conf::KaConfigId(import_config_id) : std::nullopt);
  using namespace lvsd::cli;
  if (status_cmd->parsed()) return run_status(daemon, std::cout, std::cerr);
  if (reload_cmd->parsed()) return run_reload(daemon, std::cout, std::cerr);
  if (restart_cmd->parsed()) return run_restart(daemon, std::cout, std::cerr);
  if (drain_cmd->parsed()) return run_drain(daemon, vs_arg, rs_arg, drain_timeout, std::cout, std::cerr);
  if (undrain_cmd->parsed()) return run_undrain(daemon, vs_arg, rs_arg, std::cout, std::cerr);
  if (enable_cmd->parsed()) return run_enable(daemon, vs_arg, std::cout, std::cerr);
  if (disable_cmd->parsed()) return run_disable(daemon, vs_arg, std::cout, std::cerr);
  if (drain_node_cmd->parsed()) return run_drain_node(daemon, drain_node_stop, std::cout, std::cerr);
  if (undrain_node_cmd->parsed()) return run_undrain_node(daemon, std::cout, std::cerr);
  if (frr_cmd->parsed()) {
    for (const auto& text : bgp_neighbors) {
      auto address = lvsd::core::IpAddress::parse(text);
      if (!address) {
        std::cerr << "lvsctl: frr-config: --neighbor " << text << ": not an IP address\n";
        return 2;
      }
      bgp.neighbors.push_back(*address);
    }
    if (!bgp_router_id.empty()) {
      auto id = lvsd::core::IpAddress::parse(bgp_router_id);
      if (!id || !id->is_ipv4()) {
        std::cerr << "lvsctl: frr-config: --router-id " << bgp_router_id << ": not an IPv4 address\n";
        return 2;
      }
      bgp.router_id = *id;
    }
    return run_frr_config(frr_config_path, bgp, frr_bird, std::cout, std::cerr);
  }
  if (rs_up->parsed()) return run_realserver_up(realserver, std::cout, std::cerr);
  if (rs_down->parsed()) return run_realserver_down(realserver, std::cout, std::cerr);
  if (rs_status->parsed()) return run_realserver_status(realserver, std::cout, std::cerr);
  return 2;
}
