#include "cli/routing_config.hpp"

#include <ostream>
#include <set>
#include <sstream>

#include "conf/error.hpp"
#include "conf/loader.hpp"

namespace lvsd::cli {

namespace {

// The announced VIPs by family (for the comment listing them and the
// address families to enable).
struct Announced {
  std::set<core::IpAddress> v4;
  std::set<core::IpAddress> v6;
};

Announced announced(const conf::Config& config) {
  Announced out;
  for (const auto& vs : config.virtual_servers) {
    if (!vs.announce || !vs.address) continue;
    (vs.address->is_ipv4() ? out.v4 : out.v6).insert(*vs.address);
  }
  return out;
}

std::string vip_list(const Announced& a) {
  std::string out;
  for (const auto* set : {&a.v4, &a.v6})
    for (const auto& vip : *set) out += (out.empty() ? "" : " ") + vip.to_string();
  return out.empty() ? "(none: no virtual server has announce: true)" : out;
}

}  // namespace

std::string frr_config(const conf::Config& config, const BgpSettings& bgp, const std::string& config_path) {
  const Announced a = announced(config);
  const std::uint32_t table = config.global.announce.table;
  std::ostringstream o;
  o << "! FRR configuration for lvsd scale-out, made by `lvsctl frr-config` from " << config_path << "\n"
    << "! lvsd keeps a host route per VIP it can serve in kernel table " << table << " (protocol 250);\n"
    << "! zebra imports that table and bgpd announces what is in it, nothing else.\n"
    << "! VIPs announced by this configuration: " << vip_list(a) << "\n"
    << "! Daemons needed (/etc/frr/daemons): zebra, bgpd, bfdd.\n";
  if (!a.v6.empty()) {
    // FRR 8.4's zebra has `ip import-table` only (vtysh refuses `ipv6 import-table`).
    o << "! IPv6 VIPs cannot be imported by this FRR (no `ipv6 import-table`): announce them with\n"
      << "! BIRD 2 (lvsctl frr-config --bird) or a newer FRR.\n";
  }
  o << "!\n"
    << "ip import-table " << table << "\n"
    << "!\n"
    << "bfd\n"
    << " profile lvsd\n"
    << "  detect-multiplier 3\n"
    << "  receive-interval " << bgp.bfd_interval_ms << "\n"
    << "  transmit-interval " << bgp.bfd_interval_ms << "\n"
    << " exit\n"
    << "exit\n"
    << "!\n"
    << "ip prefix-list lvsd-vips seq 5 permit 0.0.0.0/0 ge 32\n"
    << "route-map lvsd-vips permit 10\n"
    << " match ip address prefix-list lvsd-vips\n"
    << "exit\n"
    << "route-map lvsd-deny deny 10\n"
    << "exit\n"
    << "!\n"
    << "router bgp " << bgp.local_as << "\n";
  if (bgp.router_id) o << " bgp router-id " << bgp.router_id->to_string() << "\n";
  o << " no bgp ebgp-requires-policy\n"
    << " no bgp default ipv4-unicast\n";
  for (const auto& n : bgp.neighbors) {
    const std::string peer = n.to_string();
    o << " neighbor " << peer << " remote-as " << bgp.remote_as << "\n"
      << " neighbor " << peer << " bfd\n"
      << " neighbor " << peer << " bfd profile lvsd\n";
  }
  o << " !\n address-family ipv4 unicast\n"
    << "  redistribute table " << table << " route-map lvsd-vips\n";
  for (const auto& n : bgp.neighbors) {
    o << "  neighbor " << n.to_string() << " activate\n"
      << "  ! a director only announces: it takes no route from the router\n"
      << "  neighbor " << n.to_string() << " route-map lvsd-deny in\n";
  }
  o << " exit-address-family\n"
    << "exit\n";
  return o.str();
}

std::string bird_config(const conf::Config& config, const BgpSettings& bgp, const std::string& config_path) {
  const Announced a = announced(config);
  const std::uint32_t table = config.global.announce.table;
  const bool v4 = !a.v4.empty() || a.v6.empty();
  const bool v6 = !a.v6.empty();
  std::ostringstream o;
  o << "# BIRD 2 configuration for lvsd scale-out, made by `lvsctl frr-config --bird` from " << config_path << "\n"
    << "# lvsd keeps a host route per VIP it can serve in kernel table " << table << " (protocol 250);\n"
    << "# the kernel protocols learn that table and BGP exports host routes from it.\n"
    << "# VIPs announced by this configuration: " << vip_list(a) << "\n";
  if (bgp.router_id) o << "router id " << bgp.router_id->to_string() << ";\n";
  if (v4) o << "ipv4 table lvsd4;\n";
  if (v6) o << "ipv6 table lvsd6;\n";
  o << "\n# Interfaces: BGP needs them to reach the router, the kernel protocols to read routes via lo.\n"
    << "protocol device {\n}\n";
  const auto kernel = [&](const char* name, const char* afi, const char* tab) {
    o << "\nprotocol kernel " << name << " {\n"
      << "  kernel table " << table << ";\n"
      << "  learn;          # routes written by another program (lvsd, protocol 250)\n"
      << "  scan time 10;   # netlink notifications carry changes at once; the scan is a backstop\n"
      << "  " << afi << " { table " << tab << "; import all; export none; };\n"
      << "}\n";
  };
  if (v4) kernel("lvsd_kernel4", "ipv4", "lvsd4");
  if (v6) kernel("lvsd_kernel6", "ipv6", "lvsd6");
  o << "\nprotocol bfd lvsd_bfd {\n"
    << "  interface \"*\" {\n"
    << "    min rx interval " << bgp.bfd_interval_ms << " ms;\n"
    << "    min tx interval " << bgp.bfd_interval_ms << " ms;\n"
    << "    multiplier 3;\n"
    << "  };\n"
    << "}\n";
  int i = 0;
  for (const auto& n : bgp.neighbors) {
    o << "\nprotocol bgp lvsd_router" << ++i << " {\n"
      << "  local as " << bgp.local_as << ";\n"
      << "  neighbor " << n.to_string() << " as " << bgp.remote_as << ";\n"
      << "  bfd on;\n";
    if (v4) o << "  ipv4 { table lvsd4; import none; export where net.len = 32; };\n";
    if (v6) o << "  ipv6 { table lvsd6; import none; export where net.len = 128; };\n";
    o << "}\n";
  }
  return o.str();
}

int run_frr_config(const std::string& config_path, const BgpSettings& bgp, bool bird, std::ostream& out,
                   std::ostream& err) {
  if (bgp.neighbors.empty()) {
    err << "lvsctl: frr-config: give the router's address with --neighbor (repeat it for several routers)\n";
    return 2;
  }
  const conf::LoadResult result = conf::load_file(config_path);
  if (!result.ok()) {
    for (const auto& e : result.errors) err << conf::format_error(e) << "\n";
    err << "lvsctl: frr-config: " << config_path << " was refused (" << result.errors.size() << " error(s))\n";
    return 1;
  }
  out << (bird ? bird_config(*result.config, bgp, config_path) : frr_config(*result.config, bgp, config_path));
  return 0;
}

}  // namespace lvsd::cli
