#pragma once
// Builds and parses the IPVS generic-netlink family ("IPVS", version 1).
// Pure: bytes in, bytes out; no socket. The family id comes from the caller
// (ipvs_client resolves it once).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "director/operation.hpp"
#include "director/types.hpp"

namespace lvsd::director::ipvs_codec {

using Bytes = std::vector<std::uint8_t>;
using MessageView = std::span<const std::uint8_t>;

// Where a request goes and how it is matched with its reply.
struct Header {
  std::uint16_t family_id = 0;  // resolved id of the "IPVS" genl family
  std::uint32_t sequence = 0;   // nlmsg_seq; echoed in the ACK
};

// Changes: NLM_F_REQUEST | NLM_F_ACK. Each returns one complete netlink message.
Bytes new_service(Header header, const ServiceSettings& service);
Bytes set_service(Header header, const ServiceSettings& service);
Bytes del_service(Header header, const ServiceKey& key);
Bytes new_destination(Header header, const ServiceKey& key, const DestinationSettings& destination);
Bytes set_destination(Header header, const ServiceKey& key, const DestinationSettings& destination);
Bytes del_destination(Header header, const ServiceKey& key, const DestinationSettings& destination);
Bytes flush(Header header);
Bytes set_config(Header header, const Timeouts& timeouts);
Bytes zero(Header header, const std::optional<ServiceKey>& key);  // nullopt: every service
Bytes new_daemon(Header header, const SyncDaemon& daemon);
Bytes del_daemon(Header header, SyncDaemonRole role);
Bytes encode(Header header, const Operation& operation);
// Clears NLM_F_ACK on a change `message` (one complete message, as the
// functions above return). The kernel answers a change without it only if it
// fails, and handles the messages of one datagram in order: a batch needs an
// ACK on its last message alone (IpvsClient::apply).
void clear_ack(std::span<std::uint8_t> message);

// Single-reply queries: NLM_F_REQUEST | NLM_F_ACK.
Bytes get_info(Header header);
Bytes get_config(Header header);

// Dumps: NLM_F_REQUEST | NLM_F_DUMP; replies end with NLMSG_DONE.
Bytes dump_services(Header header);
Bytes dump_destinations(Header header, const ServiceKey& key);  // the service rides in the request
Bytes dump_daemons(Header header);

// Splits a received datagram into its netlink messages. Fails on a
// truncated or malformed header.
core::Result<std::vector<MessageView>> split_messages(std::span<const std::uint8_t> datagram);

// Netlink-level view of one received message.
struct ReplyInfo {
  std::uint16_t type = 0;       // NLMSG_ERROR, NLMSG_DONE, or the genl family id
  std::uint16_t flags = 0;
  std::uint32_t sequence = 0;
  std::uint8_t command = 0;     // genl command (data messages only)
  int error = 0;                // NLMSG_ERROR: 0 for an ACK, else a positive errno
};
core::Result<ReplyInfo> reply_info(MessageView message);

// Parsing one data message of a reply.
core::Result<Service> parse_service(MessageView message);
// `service_family` is used when the kernel omits IPVS_DEST_ATTR_ADDR_FAMILY (before 4.x).
struct DumpedDestination {
  Destination destination{};
  DestinationCounters counters{};
};
// Whether a destination's traffic counters (bytes, packets, rates) are read:
// a listing without them skips their nested attributes, a tenth of its time.
// Connection counts are always read.
enum class TrafficStats : bool { kSkip = false, kRead = true };
core::Result<DumpedDestination> parse_destination(MessageView message, core::AddressFamily service_family,
                                                  TrafficStats stats = TrafficStats::kRead);
core::Result<IpvsInfo> parse_info(MessageView message);
core::Result<Timeouts> parse_config(MessageView message);
core::Result<SyncDaemon> parse_daemon(MessageView message);

}  // namespace lvsd::director::ipvs_codec
