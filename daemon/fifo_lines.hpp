#pragma once
// The lines lvsd writes to its notify FIFOs, in keepalived 2.2.7's format
// (measured: keepalived 2.2.7 in a network namespace, its FIFOs read with
// cat). Pure: no FIFO, no clock. Each line ends with '\n'.
//
//   INSTANCE "VI_1" MASTER 100           an instance's new state and priority
//   INSTANCE "VI_1" STOP 100             ... at the stop
//   GROUP "G1" BACKUP 0                  a sync group's new state (priority always 0)
//   INSTANCE "VI_2" MASTER_PRIORITY 90   a priority change (vrrp_notify_priority_changes)
//   VS [10.0.0.100]:tcp:80 UP            a virtual server's quorum reached (DOWN: lost)
//   RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 DOWN   a real server's checks
#include <cstdint>
#include <optional>
#include <string>

#include "core/net_address.hpp"
#include "director/types.hpp"
#include "vrrp/fsm.hpp"
#include "vrrp/notify.hpp"

namespace lvsd::daemon {

// A state change of an instance (priority: its own) or of a sync group.
std::string vrrp_state_line(vrrp::NotifySubject subject, const std::string& name, vrrp::State state,
                            std::uint8_t priority);

// An instance's priority changed while MASTER or BACKUP; nullopt in other
// states (keepalived writes none then).
std::optional<std::string> vrrp_priority_line(const std::string& name, vrrp::State state, std::uint8_t priority);

// A Master heard a lower-priority advert (keepalived writes it each time, with
// the Master's priority): INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200
std::string vrrp_rx_lower_line(const std::string& name, std::uint8_t priority);

// "[10.0.0.100]:tcp:80", "[2001:db8::1]:udp:53"; a fwmark service "FWM 7".
std::string lvs_service_text(const director::ServiceKey& key);

std::string virtual_server_line(const director::ServiceKey& key, bool up);
std::string real_server_line(const core::Endpoint& real_server, const director::ServiceKey& key, bool up);

}  // namespace lvsd::daemon
