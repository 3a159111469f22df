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
                                                        const std::vector<conf::VrrpScript>& scripts = {});

// The instance's notify_* scripts plus the global generic `notify`.
vrrp::NotifyConfig vrrp_notify_config(const conf::NotifyScripts& scripts, const conf::Global& global);

}  // namespace lvsd::daemon
