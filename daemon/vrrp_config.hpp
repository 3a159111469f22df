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

// `ifindex_of` returns 0 for an unknown interface (an error here).
core::Result<vrrp::InstanceConfig> vrrp_instance_config(const conf::VrrpInstance& instance,
                                                        const std::function<int(const std::string&)>& ifindex_of,
                                                        const core::IpAddress& primary_address);

// The instance's notify_* scripts plus the global generic `notify`.
vrrp::NotifyConfig vrrp_notify_config(const conf::NotifyScripts& scripts, const conf::Global& global);

}  // namespace lvsd::daemon
