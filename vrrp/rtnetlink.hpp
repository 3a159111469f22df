#pragma once
// One NETLINK_ROUTE socket through libmnl, shared by the clients that talk
// rtnetlink (vrrp::AddressClient for VIPs, daemon::RouteClient for scale-out
// routes): a request answered by an ACK or an error, and a dump. Every
// receive is bounded by the socket's receive timeout, so a stuck round trip
// cannot stall the loop for long.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/net_address.hpp"
#include "core/result.hpp"

struct mnl_socket;
struct nlmsghdr;
struct nlattr;

namespace lvsd::vrrp {

// An address attribute (IFA_ADDRESS, RTA_GATEWAY, FRA_SRC, ...): 4 bytes
// IPv4, 16 bytes IPv6; any other length is none.
std::optional<core::IpAddress> address_attribute(const nlattr* attr);

class RtnetlinkSocket {
 public:
  // Opens and binds it in the caller's network namespace (close-on-exec:
  // scripts must not inherit it). Dumps ask the kernel to filter by the
  // request's header fields where it can (NETLINK_GET_STRICT_CHK).
  static core::Result<RtnetlinkSocket> open(core::Duration receive_timeout);
  RtnetlinkSocket(RtnetlinkSocket&&) noexcept;
  RtnetlinkSocket& operator=(RtnetlinkSocket&&) noexcept;
  ~RtnetlinkSocket();

  std::uint32_t next_seq() { return seq_++; }
  // Sends `request` and waits for the ACK or error carrying its sequence
  // number: 0 or the errno. Matched here rather than by mnl_cb_run, whose
  // ESRCH for "another sequence" cannot be told from the kernel's ESRCH for
  // "no such route"; replies to earlier, timed-out requests are skipped.
  int request(const std::vector<std::uint8_t>& request);
  // Sends a dump request and hands every message of the answer to `each`.
  core::Status dump(const std::vector<std::uint8_t>& request, const char* what,
                    const std::function<void(const nlmsghdr*)>& each);

 private:
  explicit RtnetlinkSocket(mnl_socket* nl) : nl_(nl) {}
  mnl_socket* nl_ = nullptr;
  std::uint32_t seq_ = 1;
};

}  // namespace lvsd::vrrp
