#pragma once
// `lvsd --cleanup -f CONFIG`: what systemd's ExecStopPost runs after lvsd
// exited for any reason (kill -9, watchdog, abort, or a clean stop).
//
// For each vrrp_instance whose virtual addresses are still on this host
// (lvsd died while MASTER), it sends one priority-0 advertisement, as a
// resigning master does (RFC 5798 6.4.3 / RFC 3768 6.4.3 "Shutdown"), so the
// backup takes over after Skew_Time instead of Master_Down_Interval; then it
// removes those addresses so no VIP is left behind. IPVS is left alone unless
// global.lvs_flush_on_stop is set; then only the services lvsd owns (the
// ownership file) are removed. Scale-out routes (protocol 250: announcements
// and the VIPs' local routes) are always removed, even when the file cannot
// be read. After a clean stop there is nothing left and
// cleanup does nothing and says nothing.
//
// plan_cleanup() is pure (config + what the interfaces hold -> packets and
// addresses to remove); run_cleanup() observes the host and carries it out.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/keepalived_parser.hpp"
#include "vrrp/addr.hpp"
#include "core/net_address.hpp"

namespace lvsd::daemon {

// One interface as rtnetlink reports it.
struct InterfaceView {
  int ifindex = 0;
  std::vector<vrrp::InterfaceAddress> addresses{};  // IPv4 and IPv6, in dump order
};

// The interfaces the config names, by name. An interface that does not exist
// is absent from the map.
using HostView = std::map<std::string, InterfaceView>;

struct ResignPacket {
  core::IpAddress destination{};        // 224.0.0.18 / ff02::12, or a unicast peer
  std::vector<std::uint8_t> payload{};  // the VRRP message (v3 checksums depend on the destination)
};

// The priority-0 advert(s) of one instance.
struct ResignAdvert {
  std::string instance{};
  std::string interface{};
  core::AddressFamily family = core::AddressFamily::kIpv4;
  core::IpAddress source{};  // unicast_src_ip, or the interface's primary (IPv6: link-local) address
  std::vector<ResignPacket> packets{};
};

struct CleanupPlan {
  std::vector<ResignAdvert> adverts{};  // sent first, so the backup starts taking over at once
  std::vector<vrrp::VipSpec> remove{};  // then these addresses are removed, exactly as the kernel holds them
  // Then the virtual_rules and virtual_routes of the instances that were MASTER.
  std::vector<conf::IpRule> remove_rules{};
  std::vector<conf::IpRoute> remove_routes{};
  std::vector<std::string> problems{};  // e.g. no address to send the advert from; the VIPs still go

  bool empty() const { return adverts.empty() && remove.empty() && remove_rules.empty() && remove_routes.empty(); }
};

// Every interface name the config's VRRP instances use (instance interfaces
// and virtual_ipaddress devs), sorted, without duplicates.
std::vector<std::string> cleanup_interfaces(const conf::Config& config);

// An instance counts as having been MASTER when at least one of its virtual
// addresses (virtual_ipaddress or virtual_ipaddress_excluded) is on its
// device. Such an instance gets a priority-0 advert listing all its
// virtual_ipaddress addresses (as its adverts did, so a VRRPv2 backup
// accepts it), each of its addresses present is removed, and so are its
// virtual_rules and virtual_routes (removing an absent one changes nothing).
CleanupPlan plan_cleanup(const conf::Config& config, const HostView& host);

struct CleanupOptions {
  std::string ownership_path = "/run/lvsd/ipvs-owned";  // as lvsd --state-file
  conf::KaConfigId config_id{};                          // as lvsd --config-id
};

// Observes the interfaces, carries out plan_cleanup() and, with
// lvs_flush_on_stop, removes the IPVS services lvsd owns (skipped with a log
// line when IPVS is not available). Returns the exit code: 0 when everything
// planned was done (or nothing was left), 1 otherwise.
int run_cleanup(const conf::Config& config, const CleanupOptions& options);

// Loads the config (conf::load_file, errors logged) and runs run_cleanup();
// 1 if the file is invalid. This is what `lvsd --cleanup` calls.
int run_cleanup_file(const std::string& config_path, const CleanupOptions& options);

}  // namespace lvsd::daemon
