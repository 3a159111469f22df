#pragma once
// keepalived's use_vmac: a macvlan interface (mode private) on the instance's
// interface, with the virtual router MAC of RFC 5798 7.3, that holds the
// instance's VIPs so they move between directors together with their MAC.
//
// The rtnetlink messages are built and parsed by pure functions (tested byte
// by byte); VmacClient sends them over an RtnetlinkSocket. What keepalived
// 2.2.7 does around the interface, measured in a network namespace, and what
// lvsd does the same way:
// - the VMAC is created down, IPv6 address generation off
//   (IN6_ADDR_GEN_MODE_NONE), then brought up; it stays up in every state and
//   holds no address but the VIPs (IPv6: a copy of the base interface's
//   link-local address, the adverts' source);
// - an IPv4 VMAC has IPv6 off (disable_ipv6), so a BACKUP never sends a frame
//   from the virtual MAC (no router solicitation, no MLD report);
// - the multicast membership reports (IGMP, MLD) the VMAC's socket causes go
//   out on the base interface instead (nftables, vmac_filter_commands), for
//   the same reason;
// - sysctls: see daemon/vrrp_runtime.cpp.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/net_address.hpp"
#include "core/result.hpp"
#include "vrrp/rtnetlink.hpp"

namespace lvsd::vrrp {

using MacAddress = std::array<std::uint8_t, 6>;

struct VmacSpec {
  std::string name;       // the VMAC's name, 1-15 characters
  int base_ifindex = 0;   // the instance's interface
  MacAddress mac{};       // 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID (IPv6), or the file's
};

// What a link dump says of one interface.
struct LinkInfo {
  int ifindex = 0;
  std::string name{};
  std::string kind{};     // IFLA_INFO_KIND: "macvlan", "veth", ...; empty for none
  int link = 0;           // IFLA_LINK: the lower device, 0 if none
  std::optional<MacAddress> mac{};
  std::optional<std::uint32_t> macvlan_mode{};  // IFLA_MACVLAN_MODE
  bool up = false;        // IFF_UP
};

// RTM_NEWLINK creating the VMAC (down, mode private); fails if the name exists.
std::vector<std::uint8_t> build_vmac_create(const VmacSpec& spec, std::uint32_t seq);
// RTM_NEWLINK on an existing interface: IPv6 address generation off.
std::vector<std::uint8_t> build_addr_gen_mode_none(int ifindex, std::uint32_t seq);
// RTM_NEWLINK on an existing interface: IFF_UP set or cleared.
std::vector<std::uint8_t> build_link_up(int ifindex, bool up, std::uint32_t seq);
// RTM_DELLINK.
std::vector<std::uint8_t> build_link_delete(int ifindex, std::uint32_t seq);
// RTM_GETLINK dump of every interface.
std::vector<std::uint8_t> build_link_dump(std::uint32_t seq);
// One RTM_NEWLINK message (as in a dump); nullopt if it is not one.
std::optional<LinkInfo> parse_link_message(const std::vector<std::uint8_t>& message);
// Whether `link` is the VMAC `spec` describes (a macvlan in private mode on
// the base interface, with the MAC): such an interface is taken over as it is
// (a restart, or keepalived's leftover).
bool is_vmac(const LinkInfo& link, const VmacSpec& spec);

// nftables (run through VipFilter::run): the chain `vmac` of the family's
// table `lvsd` rewritten to send the membership reports of each VMAC (first)
// out on its base interface (second) instead; IPv6 also drops the VMACs'
// router solicitations. An empty list leaves the chain empty.
std::string vmac_filter_commands(core::AddressFamily family,
                                 const std::vector<std::pair<std::string, std::string>>& vmacs);

class VmacClient {
 public:
  static core::Result<VmacClient> open(core::Duration receive_timeout = std::chrono::milliseconds(500));

  // The VMAC's ifindex: created (down, address generation off) if missing,
  // taken over if it is one already; an error if another kind of interface
  // has the name. Not brought up here: the caller sets its sysctls first.
  core::Result<int> ensure(const VmacSpec& spec);
  core::Status set_up(int ifindex);
  // Deletes the interface named `name` if it is a macvlan; a missing one is
  // not an error.
  core::Status remove(const std::string& name);
  core::Result<std::vector<LinkInfo>> links();

 private:
  explicit VmacClient(RtnetlinkSocket socket) : socket_(std::move(socket)) {}
  RtnetlinkSocket socket_;
};

}  // namespace lvsd::vrrp
