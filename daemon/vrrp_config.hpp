#pragma once
// conf::VrrpInstance -> vrrp::InstanceConfig (pure, given how to look up an
// interface's index). The primary address is looked up at run time by the
// caller (daemon/vrrp_runtime.cpp) and passed in.
#include <functional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/result.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/notify.hpp"

namespace lvsd::daemon {

// The instance's track_script entries with the weight and reverse of each
// script filled in where the instance does not set its own.
core::Result<std::vector<vrrp::TrackedScript>> vrrp_tracked_scripts(const conf::VrrpInstance& instance,
                                                                     const std::vector<conf::VrrpScript>& scripts);

// `ifindex_of` returns 0 for an unknown interface (an error here).
// `scripts` (the config's vrrp_scripts) give a track_script its defaults.
core::Result<vrrp::InstanceConfig> vrrp_instance_config(const conf::VrrpInstance& instance,
                                                        const std::function<int(const std::string&)>& ifindex_of,
                                                        const core::IpAddress& primary_address,
                                                        const std::vector<conf::VrrpScript>& scripts = {},
                                                        const std::optional<core::IpAddress>& multicast_group = {},
                                                        const std::vector<conf::TrackFile>& files = {},
                                                        const std::vector<conf::TrackProcess>& processes = {},
                                                        const std::vector<conf::VrrpSyncGroup>& groups = {},
                                                        const conf::Global& global = conf::Global{});

// The instance's track_file entries with the files' weight and reverse where
// the entry gives none; an error names a missing track_file.
core::Result<std::vector<vrrp::TrackedFile>> vrrp_tracked_files(const conf::VrrpInstance& instance,
                                                                 const std::vector<conf::TrackFile>& files);

// The processes the instance tracks: its own track_process entries, then its
// sync group's, each with the process's weight and reverse where the entry
// gives none; an error names a missing vrrp_track_process.
core::Result<std::vector<vrrp::TrackedProcess>> vrrp_tracked_processes(
    const conf::VrrpInstance& instance, const std::vector<conf::TrackProcess>& processes,
    const std::vector<conf::VrrpSyncGroup>& groups);

// The other devices the instance tracks besides its own interface (keepalived
// 2.2.7: those its VIPs and excluded addresses are on, unless no_track; not
// its own VMAC), each once, in file order.
std::vector<std::string> tracked_vip_devices(const conf::VrrpInstance& instance);

// use_vmac: the instances of `config` with the name of each VMAC filled in
// (conf::vmac_names), so that a reload that renames one rebuilds its instance.
std::vector<conf::VrrpInstance> with_vmac_names(const conf::Config& config);
// The VIPs (and excluded addresses) of the instance's family that name no
// other device go on its VMAC (keepalived 2.2.7 places them so).
conf::VrrpInstance vips_on_vmac(conf::VrrpInstance instance);

// The address as the kernel gets it (not its interface index): keepalived's
// options, an IPv6 /128 deprecated (preferred_lft 0) unless it says otherwise.
vrrp::VipSpec vip_spec(const conf::VirtualIpAddress& address);

// The multicast group of the instances of `family`: global.vrrp_mcast_group4/6
// when set, else unset (the RFC's group).
std::optional<core::IpAddress> vrrp_group(const conf::Global& global, core::AddressFamily family);

// The instance's notify_* scripts, and its generic `notify` or else the global one.
vrrp::NotifyConfig vrrp_notify_config(const conf::NotifyScripts& scripts, const conf::Global& global);

// Whether the instance's priority changes go to the notify FIFOs: its own
// notify_priority_changes, else its sync group's, else the global one (keepalived's order).
bool vrrp_notify_priority_changes(const conf::VrrpInstance& instance, const conf::Config& config);

}  // namespace lvsd::daemon
