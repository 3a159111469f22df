#include "daemon/cleanup.hpp"

#include <net/if.h>

#include <algorithm>
#include <optional>
#include <set>

#include "conf/error.hpp"
#include "conf/loader.hpp"
#include "core/log.hpp"
#include "daemon/ip_config.hpp"
#include "daemon/routes.hpp"
#include "daemon/vrrp_config.hpp"
#include "vrrp/vip_filter.hpp"
#include "director/ipvs_client.hpp"
#include "director/ownership.hpp"
#include "director/reconciler.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/socket.hpp"
#include "vrrp/vmac.hpp"

namespace lvsd::daemon {
namespace {

const std::string& device_of(const conf::VrrpInstance& instance, const conf::VirtualIpAddress& vip) {
  return vip.dev.empty() ? instance.interface : vip.dev;
}

// Every virtual address of every instance: never a candidate source address.
std::set<core::IpAddress> all_vips(const conf::Config& config) {
  std::set<core::IpAddress> out;
  for (const auto& instance : config.vrrp_instances) {
    for (const auto& vip : instance.virtual_ipaddress) out.insert(vip.prefix.address);
  }
  return out;
}

// RFC 5798 5.1.1.1: an IPv4 advert comes from the interface's primary
// address (the first one the kernel lists that is not a VIP); RFC 5798
// 5.1.2.1: an IPv6 advert from its link-local address.
const vrrp::InterfaceAddress* source_address(const InterfaceView& view, core::AddressFamily family,
                                             const std::set<core::IpAddress>& vips) {
  for (const auto& a : view.addresses) {
    if (a.prefix.address.family() != family || vips.contains(a.prefix.address)) continue;
    if (family == core::AddressFamily::kIpv6 && !a.prefix.address.is_ipv6_link_local()) continue;
    return &a;
  }
  return nullptr;
}

const vrrp::InterfaceAddress* find_address(const HostView& host, const std::string& device,
                                           const core::IpAddress& address) {
  const auto it = host.find(device);
  if (it == host.end()) return nullptr;
  for (const auto& a : it->second.addresses) {
    if (a.prefix.address == address) return &a;
  }
  return nullptr;
}

vrrp::Advert resign_advert(const conf::VrrpInstance& instance) {
  vrrp::Advert advert;
  advert.version = instance.version == 3 ? vrrp::Version::kV3 : vrrp::Version::kV2;
  advert.vrid = instance.virtual_router_id;
  advert.priority = vrrp::kPriorityResign;
  advert.advert_interval = std::chrono::duration_cast<vrrp::Centiseconds>(instance.advert_int);
  for (const auto& vip : instance.virtual_ipaddress) advert.addresses.push_back(vip.prefix.address);
  if (advert.version == vrrp::Version::kV2 && instance.authentication) {
    advert.auth_type = vrrp::AuthType::kSimplePassword;
    advert.auth_data = vrrp::password_auth_data(instance.authentication->pass);
  }
  return advert;
}

std::optional<ResignAdvert> plan_advert(const conf::VrrpInstance& instance, const conf::Global& global,
                                        const HostView& host, const std::set<core::IpAddress>& vips,
                                        std::vector<std::string>& problems) {
  const vrrp::Advert advert = resign_advert(instance);
  const core::AddressFamily family = advert.addresses.front().family();
  ResignAdvert out{.instance = instance.name, .interface = instance.interface, .family = family};
  const auto view = host.find(instance.interface);
  if (view == host.end()) {
    problems.push_back("vrrp_instance " + instance.name + ": interface " + instance.interface +
                       " not found: no priority-0 advert sent");
    return std::nullopt;
  }
  if (instance.unicast_src_ip) {
    out.source = *instance.unicast_src_ip;
  } else if (const auto* a = source_address(view->second, family, vips)) {
    out.source = a->prefix.address;
  } else {
    problems.push_back("vrrp_instance " + instance.name + ": no " +
                       (family == core::AddressFamily::kIpv4 ? "IPv4" : "IPv6 link-local") + " address on " +
                       instance.interface + " to send from: no priority-0 advert sent");
    return std::nullopt;
  }
  std::vector<core::IpAddress> destinations = instance.unicast_peer;
  if (destinations.empty()) destinations.push_back(vrrp_group(global, family).value_or(vrrp::vrrp_multicast_group(family)));
  for (const auto& destination : destinations) {
    auto bytes = vrrp::encode(advert, out.source, destination);
    if (!bytes.ok()) {
      problems.push_back("vrrp_instance " + instance.name + ": advert to " + destination.to_string() + ": " +
                         bytes.error().message);
      continue;
    }
    out.packets.push_back({.destination = destination, .payload = std::move(*bytes)});
  }
  if (out.packets.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::vector<std::string> cleanup_interfaces(const conf::Config& config) {
  std::set<std::string> names;
  for (const auto& instance : config.vrrp_instances) {
    names.insert(instance.interface);
    for (const auto& vip : instance.virtual_ipaddress) names.insert(device_of(instance, vip));
    for (const auto& vip : instance.virtual_ipaddress_excluded) names.insert(device_of(instance, vip));
  }
  return {names.begin(), names.end()};
}

CleanupPlan plan_cleanup(const conf::Config& config, const HostView& host) {
  CleanupPlan plan;
  const std::set<core::IpAddress> vips = all_vips(config);
  for (const auto& instance : config.vrrp_instances) {
    std::vector<vrrp::VipSpec> present;
    for (const auto* list : {&instance.virtual_ipaddress, &instance.virtual_ipaddress_excluded}) {
      for (const auto& vip : *list) {
        const auto* held = find_address(host, device_of(instance, vip), vip.prefix.address);
        if (held == nullptr) continue;
        // Removed as the kernel holds it: RTM_DELADDR matches prefix and label.
        present.push_back({.prefix = held->prefix,
                           .ifindex = held->ifindex,
                           .label = held->label,
                           .scope = held->scope});
      }
    }
    if (present.empty() || instance.virtual_ipaddress.empty()) continue;
    if (auto advert = plan_advert(instance, config.global, host, vips, plan.problems)) plan.adverts.push_back(std::move(*advert));
    plan.remove.insert(plan.remove.end(), present.begin(), present.end());
    plan.remove_rules.insert(plan.remove_rules.end(), instance.virtual_rules.begin(), instance.virtual_rules.end());
    plan.remove_routes.insert(plan.remove_routes.end(), instance.virtual_routes.begin(), instance.virtual_routes.end());
  }
  return plan;
}

namespace {

// The interfaces the config names, as the kernel has them now.
core::Result<HostView> observe(const conf::Config& config, vrrp::AddressClient& addresses) {
  HostView host;
  for (const auto& name : cleanup_interfaces(config)) {
    const int ifindex = static_cast<int>(if_nametoindex(name.c_str()));
    if (ifindex == 0) continue;
    InterfaceView view{.ifindex = ifindex};
    for (auto family : {core::AddressFamily::kIpv4, core::AddressFamily::kIpv6}) {
      auto list = addresses.list(family, ifindex);
      if (!list.ok()) return list.error().context("listing the addresses of " + name);
      view.addresses.insert(view.addresses.end(), list->begin(), list->end());
    }
    host.emplace(name, std::move(view));
  }
  return host;
}

bool send_adverts(const std::vector<ResignAdvert>& adverts) {
  auto log = core::log::get();
  bool ok = true;
  for (const auto& advert : adverts) {
    auto socket = vrrp::VrrpSocket::open(
        {.family = advert.family, .interface = advert.interface, .source = advert.source, .join_multicast = false});
    if (!socket.ok()) {
      log->error("cleanup: vrrp_instance {}: {}", advert.instance, socket.error().message);
      ok = false;
      continue;
    }
    for (const auto& packet : advert.packets) {
      if (auto st = socket->send(packet.payload, packet.destination); !st.ok()) {
        log->error("cleanup: vrrp_instance {}: priority-0 advert: {}", advert.instance, st.error().message);
        ok = false;
      } else {
        log->info("cleanup: vrrp_instance {}: was MASTER; sent a priority-0 advert from {} to {} on {}",
                  advert.instance, advert.source.to_string(), packet.destination.to_string(), advert.interface);
      }
    }
  }
  return ok;
}

bool remove_addresses(const std::vector<vrrp::VipSpec>& vips, vrrp::AddressClient& addresses) {
  auto log = core::log::get();
  bool ok = true;
  for (const auto& vip : vips) {
    const std::string what = vip.prefix.to_string();
    if (auto st = addresses.remove(vip); !st.ok()) {
      log->error("cleanup: removing {}: {}", what, st.error().message);
      ok = false;
    } else {
      log->info("cleanup: removed virtual address {} (ifindex {})", what, vip.ifindex);
    }
  }
  return ok;
}

// lvs_flush_on_stop: remove the services lvsd owns, nothing else.
bool flush_owned_services(const CleanupOptions& options) {
  auto log = core::log::get();
  auto owned = director::load_ownership(options.ownership_path);
  if (!owned.ok()) {
    log->error("cleanup: {}: {}; IPVS left alone", options.ownership_path, owned.error().message);
    return false;
  }
  if (owned->services.empty()) return true;
  auto client = director::IpvsClient::open();
  if (!client.ok()) {
    log->info("cleanup: IPVS is not available ({}); nothing to flush", client.error().message);
    return true;
  }
  auto kernel = (*client)->dump();
  if (!kernel.ok()) {
    log->error("cleanup: reading the IPVS table: {}", kernel.error().message);
    return false;
  }
  const director::ReconcilePlan plan = director::reconcile({}, *kernel, *owned, {.flush_foreign = false});
  const director::ApplyReport report = (*client)->apply(plan);
  for (const auto& failure : report.failures) log->error("cleanup: {}", failure.message);
  for (const auto& op : plan.operations) log->info("cleanup: lvs_flush_on_stop: {}", director::describe(op));
  const auto failed = report.failed_indices();
  const auto left = director::ownership_after(*owned, {}, plan, failed);
  if (auto st = director::save_ownership(options.ownership_path, left); !st.ok()) {
    log->error("cleanup: {}: {}", options.ownership_path, st.error().message);
    return false;
  }
  return report.ok();
}

// Scale-out: every route of lvsd's (protocol 250) goes, whatever the file
// says: announcements first (a dead node must not attract traffic), then the
// local routes.
bool remove_routes() {
  auto log = core::log::get();
  auto client = RouteClient::open();
  if (!client.ok()) {
    log->error("cleanup: rtnetlink: {}", client.error().message);
    return false;
  }
  auto routes = client->list();
  if (!routes.ok()) {
    log->error("cleanup: reading lvsd's routes: {}", routes.error().message);
    return false;
  }
  std::stable_partition(routes->begin(), routes->end(), [](const VipRoute& r) { return r.kind == RouteKind::kAnnounce; });
  bool ok = true;
  for (const auto& r : *routes) {
    if (auto st = client->remove(r); !st.ok()) {
      log->error("cleanup: {}", st.error().message);
      ok = false;
    } else {
      log->info("cleanup: removed route {}", describe(r));
    }
  }
  return ok;
}

// No accept mode's drop rules (vrrp/vip_filter.hpp): lvsd's nftables tables go
// whatever the file says, like the routes.
bool remove_vip_filter() {
  auto filter = vrrp::VipFilter::open();
  if (!filter.ok()) {
    core::log::get()->debug("cleanup: {}", filter.error().message);
    return true;  // no libnftables context: no table of ours either
  }
  auto removed = filter->teardown();
  if (!removed.ok()) {
    core::log::get()->error("cleanup: removing the no-accept drop rules: {}", removed.error().message);
    return false;
  }
  if (*removed) core::log::get()->info("cleanup: removed nftables table lvsd (no accept mode's drop rules)");
  return true;
}

// The virtual rules, then routes, of the instances that were MASTER.
bool remove_virtual_routes(const CleanupPlan& plan) {
  if (plan.remove_rules.empty() && plan.remove_routes.empty()) return true;
  auto log = core::log::get();
  auto client = IpConfigClient::open();
  if (!client.ok()) {
    log->error("cleanup: rtnetlink: {}", client.error().message);
    return false;
  }
  bool ok = true;
  for (const auto& rule : plan.remove_rules) {
    if (auto st = client->remove(kernel_rule(rule)); !st.ok()) {
      log->error("cleanup: {}", st.error().message);
      ok = false;
    } else {
      log->info("cleanup: removed virtual rule {}", conf::ip_rule_text(rule));
    }
  }
  const IfindexOf ifindex_of = [](const std::string& name) { return static_cast<int>(if_nametoindex(name.c_str())); };
  for (const auto& route : plan.remove_routes) {
    auto k = kernel_route(route, ifindex_of);
    if (!k.ok()) continue;  // its device is gone, and the route with it
    if (auto st = client->remove(*k); !st.ok()) {
      log->error("cleanup: {}", st.error().message);
      ok = false;
    } else {
      log->info("cleanup: removed virtual route {}", conf::ip_route_text(route));
    }
  }
  return ok;
}


// use_vmac: the VMACs the file names go, once their VIPs are gone (lvsd and
// keepalived delete them when they stop).
bool remove_vmacs(const conf::Config& config) {
  bool any = std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                         [](const conf::VrrpInstance& i) { return i.use_vmac; });
  if (!any) return true;
  auto log = core::log::get();
  auto client = vrrp::VmacClient::open();
  if (!client.ok()) {
    log->error("cleanup: rtnetlink: {}", client.error().message);
    return false;
  }
  bool ok = true;
  for (const auto& instance : config.vrrp_instances) {
    if (!instance.use_vmac || if_nametoindex(instance.vmac_interface.c_str()) == 0) continue;
    if (auto st = client->remove(instance.vmac_interface); !st.ok()) {
      log->error("cleanup: vrrp_instance {}: {}", instance.name, st.error().message);
      ok = false;
    } else {
      log->info("cleanup: vrrp_instance {}: removed VMAC {}", instance.name, instance.vmac_interface);
    }
  }
  return ok;
}

}  // namespace

int run_cleanup(const conf::Config& file, const CleanupOptions& options) {
  auto log = core::log::get();
  // The VIPs of use_vmac instances are looked for (and removed) on the VMAC.
  conf::Config config = file;
  config.vrrp_instances.clear();
  for (const auto& instance : with_vmac_names(file)) config.vrrp_instances.push_back(vips_on_vmac(instance));
  bool ok = remove_routes();
  ok = remove_vip_filter() && ok;
  if (!config.vrrp_instances.empty()) {
    auto addresses = vrrp::AddressClient::open();
    if (!addresses.ok()) {
      log->error("cleanup: rtnetlink: {}", addresses.error().message);
      return 1;
    }
    auto host = observe(config, *addresses);
    if (!host.ok()) {
      log->error("cleanup: {}", host.error().message);
      return 1;
    }
    const CleanupPlan plan = plan_cleanup(config, *host);
    for (const auto& problem : plan.problems) log->warn("cleanup: {}", problem);
    // The advert first: the backup's Skew_Time starts now, while the VIPs
    // are removed (a few ms), so the address is never held by nobody for long.
    ok = send_adverts(plan.adverts) && ok;
    ok = remove_addresses(plan.remove, *addresses) && ok;
    ok = remove_virtual_routes(plan) && ok;
    ok = remove_vmacs(config) && ok;
    if (plan.empty()) log->debug("cleanup: no virtual address left on this host");
  }
  if (config.global.lvs_flush_on_stop) ok = flush_owned_services(options) && ok;
  return ok ? 0 : 1;
}

int run_cleanup_file(const std::string& config_path, const CleanupOptions& options) {
  auto log = core::log::get();
  const conf::LoadResult result = conf::load_file(config_path, options.config_id);
  if (!result.ok()) {
    for (const auto& e : result.errors) log->error("config: {}", conf::format_error(e));
    log->error("cleanup: {}: {} error(s); only lvsd's routes are removed", config_path, result.errors.size());
    remove_routes();
    remove_vip_filter();
    return 1;
  }
  return run_cleanup(*result.config, options);
}

}  // namespace lvsd::daemon
