#pragma once
// conf::VrrpInstance -> vrrp::InstanceConfig (pure, given how to look up an
// interface's index). The primary address is looked up at run time by the
// caller (daemon/vrrp_runtime.cpp) and passed in.
#include <functional>
#include <string>

#include "conf/config.hpp"
#include "core/result.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/notify.hpp"

namespace lvsd::daemon {

vrrp::IpAddress vrrp_address(const conf::IpAddress& address);
conf::IpAddress conf_address(const vrrp::IpAddress& address);

// `ifindex_of` returns 0 for an unknown interface (an error here).
core::Result<vrrp::InstanceConfig> vrrp_instance_config(const conf::VrrpInstance& instance,
                                                        const std::function<int(const std::string&)>& ifindex_of,
                                                        const vrrp::IpAddress& primary_address);

// The instance's notify_* scripts plus the global generic `notify`.
vrrp::NotifyConfig vrrp_notify_config(const conf::NotifyScripts& scripts, const conf::Global& global);

}  // namespace lvsd::daemon
