#pragma once
// Configuration -> the IPVS table the director should make the kernel hold.
// Pure: no I/O. The health layer will later filter and re-weight real servers
// before the table reaches the reconciler; this is the configured table.
#include "conf/config.hpp"
#include "director/types.hpp"

namespace lvsd::daemon {

// The destination configured_table() makes of real server `rs` of `vs` (the
// virtual server gives the forwarding method and tunnel, and the port when
// the real server has none).
director::Destination director_destination(const conf::VirtualServer& vs, const conf::RealServer& rs);

// One director service per virtual server (per member of its group, for a
// virtual server with `group`), one destination per real server, in
// configuration order.
director::IpvsTable configured_table(const conf::Config& config);
// The entry of configured_table() for one virtual server that has no group.
director::VirtualService configured_service(const conf::VirtualServer& vs);
// The keys of vs's services: its address or fwmark, or each member of its
// group in the group's order (a range's addresses first to last; a fwmark
// without a family takes vs.family()). `config` must have passed validation.
std::vector<director::ServiceKey> service_keys(const conf::Config& config, const conf::VirtualServer& vs);
// The entries of configured_table() for one virtual server, one per key of
// service_keys(): a real server without a port gets each service's port.
std::vector<director::VirtualService> configured_services(const conf::Config& config, const conf::VirtualServer& vs);

}  // namespace lvsd::daemon
