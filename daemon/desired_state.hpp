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

// One director service per virtual server, one destination per real server,
// in configuration order.
director::IpvsTable configured_table(const conf::Config& config);
// The entry of configured_table() for one virtual server.
director::VirtualService configured_service(const conf::VirtualServer& vs);

}  // namespace lvsd::daemon
