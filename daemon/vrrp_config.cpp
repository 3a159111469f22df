#include "daemon/vrrp_config.hpp"

#include <linux/if_addr.h>

#include <algorithm>
#include <cstring>

namespace lvsd::daemon {

namespace {

vrrp::AddressScope vrrp_scope(conf::AddressScope scope) {
  switch (scope) {
    case conf::AddressScope::kGlobal: return vrrp::AddressScope::kGlobal;
    case conf::AddressScope::kSite: return vrrp::AddressScope::kSite;
    case conf::AddressScope::kLink: return vrrp::AddressScope::kLink;
    case conf::AddressScope::kHost: return vrrp::AddressScope::kHost;
    case conf::AddressScope::kNowhere: return static_cast<vrrp::AddressScope>(255);  // RT_SCOPE_NOWHERE
  }
  return vrrp::AddressScope::kGlobal;
}

}  // namespace

core::Result<std::vector<vrrp::TrackedScript>> vrrp_tracked_scripts(const conf::VrrpInstance& in,
                                                                     const std::vector<conf::VrrpScript>& scripts) {
  std::vector<vrrp::TrackedScript> out;
  for (const auto& t : in.track_script) {
    // The script's weight and reverse unless track_script gives its own.
    auto script = std::find_if(scripts.begin(), scripts.end(), [&](const conf::VrrpScript& s) { return s.name == t.name; });
    if (script == scripts.end()) return core::Error{"vrrp instance " + in.name + ": no vrrp_script " + t.name};
    out.push_back({.name = t.name, .weight = t.weight.value_or(script->weight), .reverse = t.reverse.value_or(script->reverse)});
  }
  return out;
}

core::Result<std::vector<vrrp::TrackedFile>> vrrp_tracked_files(const conf::VrrpInstance& in,
                                                                 const std::vector<conf::TrackFile>& files) {
  std::vector<vrrp::TrackedFile> out;
  for (const auto& t : in.track_file) {
    auto file = std::find_if(files.begin(), files.end(), [&](const conf::TrackFile& f) { return f.name == t.name; });
    if (file == files.end()) return core::Error{"vrrp instance " + in.name + ": no track_file " + t.name};
    out.push_back({.name = t.name, .weight = t.weight.value_or(file->weight), .reverse = t.reverse.value_or(file->reverse)});
  }
  return out;
}

core::Result<std::vector<vrrp::TrackedProcess>> vrrp_tracked_processes(
    const conf::VrrpInstance& in, const std::vector<conf::TrackProcess>& processes,
    const std::vector<conf::VrrpSyncGroup>& groups) {
  std::vector<vrrp::TrackedProcess> out;
  auto add = [&](const std::vector<conf::TrackScript>& list) -> core::Status {
    for (const auto& t : list) {
      auto p = std::find_if(processes.begin(), processes.end(), [&](const conf::TrackProcess& x) { return x.name == t.name; });
      if (p == processes.end()) return core::Error{"vrrp instance " + in.name + ": no vrrp_track_process " + t.name};
      out.push_back({.name = t.name, .weight = t.weight.value_or(p->weight), .reverse = t.reverse.value_or(p->reverse)});
    }
    return {};
  };
  if (auto st = add(in.track_process); !st.ok()) return st.error();
  for (const auto& g : groups) {
    if (std::find(g.group.begin(), g.group.end(), in.name) == g.group.end()) continue;
    if (auto st = add(g.track_process); !st.ok()) return st.error();
  }
  return out;
}

core::Result<vrrp::InstanceConfig> vrrp_instance_config(const conf::VrrpInstance& in,
                                                        const std::function<int(const std::string&)>& ifindex_of,
                                                        const core::IpAddress& primary_address,
                                                        const std::vector<conf::VrrpScript>& scripts,
                                                        const std::optional<core::IpAddress>& multicast_group,
                                                        const std::vector<conf::TrackFile>& files,
                                                        const std::vector<conf::TrackProcess>& processes,
                                                        const std::vector<conf::VrrpSyncGroup>& groups,
                                                        const conf::Global& global) {
  vrrp::InstanceConfig out;
  out.name = in.name;
  out.interface = in.interface;
  out.ifindex = ifindex_of(in.interface);
  if (out.ifindex == 0) return core::Error{"vrrp instance " + in.name + ": no interface " + in.interface};
  out.version = in.version == 3 ? vrrp::Version::kV3 : vrrp::Version::kV2;
  out.vrid = in.virtual_router_id;
  out.priority = in.priority;
  out.advert_interval = std::chrono::duration_cast<vrrp::Centiseconds>(in.advert_int);
  out.primary_address = primary_address;
  out.family = primary_address.family();
  std::vector<std::pair<const conf::VirtualIpAddress*, bool>> all;  // (address, in adverts)
  for (const auto& v : in.virtual_ipaddress) all.emplace_back(&v, true);
  for (const auto& v : in.virtual_ipaddress_excluded) all.emplace_back(&v, false);
  for (const auto& [vp, in_advert] : all) {
    const conf::VirtualIpAddress& v = *vp;
    vrrp::VipSpec spec = vip_spec(v);
    spec.in_advert = in_advert;
    const std::string& dev = v.dev.empty() ? in.interface : v.dev;
    spec.ifindex = ifindex_of(dev);
    if (spec.ifindex == 0) {
      return core::Error{"vrrp instance " + in.name + ": VIP " + v.prefix.address.to_string() + ": no interface " + dev};
    }
    out.vips.push_back(std::move(spec));
  }
  if (in.authentication) {
    out.auth_type = vrrp::AuthType::kSimplePassword;
    out.auth_data = vrrp::password_auth_data(in.authentication->pass);
  }
  for (const auto& p : in.unicast_peer) out.unicast_peers.push_back(p);
  out.check_unicast_ttl = in.check_unicast_ttl;
  out.preempt = !in.nopreempt;
  out.preempt_delay = in.preempt_delay;
  for (const auto& t : in.track_interface)
    out.track_interface.push_back({.name = t.name, .weight = t.weight, .reverse = t.reverse});
  // keepalived's primary-interface tracking: FAULT while it is down. A
  // track_interface entry for the same interface says how instead.
  const bool listed = std::any_of(in.track_interface.begin(), in.track_interface.end(),
                                  [&](const conf::TrackInterface& t) { return t.name == in.interface; });
  if (!in.dont_track_primary && !listed) out.track_interface.push_back({.name = in.interface, .weight = 0, .reverse = false});
  // keepalived 2.2.7 also tracks the other devices its VIPs and excluded
  // addresses are on (measured: FAULT while one is down).
  for (const auto& dev : tracked_vip_devices(in)) {
    const bool tracked = std::any_of(out.track_interface.begin(), out.track_interface.end(),
                                     [&](const vrrp::TrackedLink& t) { return t.name == dev; });
    if (!tracked) out.track_interface.push_back({.name = dev, .weight = 0, .reverse = false});
  }
  auto scripts_tracked = vrrp_tracked_scripts(in, scripts);
  if (!scripts_tracked.ok()) return scripts_tracked.error();
  out.track_script = std::move(*scripts_tracked);
  auto files_tracked = vrrp_tracked_files(in, files);
  if (!files_tracked.ok()) return files_tracked.error();
  out.track_file = std::move(*files_tracked);
  auto processes_tracked = vrrp_tracked_processes(in, processes, groups);
  if (!processes_tracked.ok()) return processes_tracked.error();
  out.track_process = std::move(*processes_tracked);
  out.garp_master_repeat = in.garp_master_repeat;
  out.garp_master_delay = in.garp_master_delay;
  out.garp_master_refresh = in.garp_master_refresh;
  out.garp_master_refresh_repeat = in.garp_master_refresh_repeat;
  out.multicast_group = multicast_group;
  out.lower_prio_no_advert = conf::lower_prio_no_advert(global, in);
  out.higher_prio_send_advert = in.higher_prio_send_advert;
  out.garp_lower_prio_repeat = conf::garp_lower_prio_repeat(global, in);
  out.garp_lower_prio_delay = conf::garp_lower_prio_delay(global, in);
  out.down_timer_adverts = in.down_timer_adverts;
  return out;
}

std::vector<std::string> tracked_vip_devices(const conf::VrrpInstance& in) {
  std::vector<std::string> out;
  for (const auto* list : {&in.virtual_ipaddress, &in.virtual_ipaddress_excluded}) {
    for (const auto& v : *list) {
      if (v.no_track || v.dev.empty() || v.dev == in.interface || (in.use_vmac && v.dev == in.vmac_interface)) continue;
      if (std::find(out.begin(), out.end(), v.dev) == out.end()) out.push_back(v.dev);
    }
  }
  return out;
}

vrrp::VipSpec vip_spec(const conf::VirtualIpAddress& v) {
  vrrp::VipSpec spec{.prefix = v.prefix,
                     .ifindex = 0,
                     .label = v.label,
                     .scope = v.scope ? vrrp_scope(*v.scope) : vrrp::AddressScope::kGlobal};
  spec.broadcast = v.broadcast;
  spec.peer = v.peer;
  if (v.home) spec.flags |= IFA_F_HOMEADDRESS;
  if (v.mngtmpaddr) spec.flags |= IFA_F_MANAGETEMPADDR;
  if (v.noprefixroute) spec.flags |= IFA_F_NOPREFIXROUTE;
  if (v.autojoin) spec.flags |= IFA_F_MCAUTOJOIN;
  spec.preferred_lft = v.preferred_lft;
  spec.track = !v.no_track;
  if (!v.preferred_lft && v.prefix.address.is_ipv6() && v.prefix.length == 128) spec.preferred_lft = 0;
  if (spec.preferred_lft == conf::kLifetimeForever) spec.preferred_lft.reset();
  return spec;
}

std::vector<conf::VrrpInstance> with_vmac_names(const conf::Config& config) {
  std::vector<conf::VrrpInstance> out = config.vrrp_instances;
  const auto names = conf::vmac_names(out, config.global.vmac_prefix);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i].use_vmac) out[i].vmac_interface = names[i];
  return out;
}

conf::VrrpInstance vips_on_vmac(conf::VrrpInstance in) {
  if (!in.use_vmac || in.virtual_ipaddress.empty()) return in;
  const core::AddressFamily family = in.virtual_ipaddress.front().prefix.address.family();
  for (auto* list : {&in.virtual_ipaddress, &in.virtual_ipaddress_excluded})
    for (auto& vip : *list)
      if ((vip.dev.empty() || vip.dev == in.interface) && vip.prefix.address.family() == family)
        vip.dev = in.vmac_interface;
  return in;
}

std::optional<core::IpAddress> vrrp_group(const conf::Global& global, core::AddressFamily family) {
  return family == core::AddressFamily::kIpv4 ? global.vrrp_mcast_group4 : global.vrrp_mcast_group6;
}

vrrp::NotifyConfig vrrp_notify_config(const conf::NotifyScripts& scripts, const conf::Global& global) {
  return vrrp::NotifyConfig{
      .master = scripts.master, .backup = scripts.backup, .fault = scripts.fault, .stop = scripts.stop,
      .any = scripts.any ? scripts.any : global.notify, .master_rx_lower_pri = scripts.master_rx_lower_pri};
}

bool vrrp_notify_priority_changes(const conf::VrrpInstance& instance, const conf::Config& config) {
  if (instance.notify.priority_changes) return *instance.notify.priority_changes;
  for (const auto& g : config.vrrp_sync_groups)
    if (std::find(g.group.begin(), g.group.end(), instance.name) != g.group.end() && g.notify.priority_changes)
      return *g.notify.priority_changes;
  return config.global.vrrp_notify_priority_changes;
}

}  // namespace lvsd::daemon
