#pragma once
// Addresses deleted on this host, heard over rtnetlink (RTNLGRP_IPV4_IFADDR
// and RTNLGRP_IPV6_IFADDR) through libmnl: keepalived's VIP tracking, where
// a MASTER whose VIP is deleted under it resigns (vrrp::Instance). The parse
// is pure; drain() reads what the kernel announced since, without blocking:
// the owner watches fd() on the loop.
#include <cstdint>
#include <span>
#include <vector>

#include "core/net_address.hpp"
#include "core/result.hpp"

struct mnl_socket;

namespace lvsd::vrrp {

struct AddressDeleted {
  int ifindex = 0;
  core::IpAddress address{};
  bool operator==(const AddressDeleted&) const = default;
};

// The RTM_DELADDR messages of a buffer of netlink messages (as one recv
// returns them); other messages are skipped.
std::vector<AddressDeleted> parse_address_deletions(std::span<const std::uint8_t> buffer);

class AddressMonitor {
 public:
  static core::Result<AddressMonitor> open();
  AddressMonitor(AddressMonitor&&) noexcept;
  AddressMonitor& operator=(AddressMonitor&&) noexcept;
  AddressMonitor(const AddressMonitor&) = delete;
  AddressMonitor& operator=(const AddressMonitor&) = delete;
  ~AddressMonitor();

  int fd() const;  // non-blocking; readable when an address changed
  // The deletions announced since the last call (bounded: at most 64
  // receives); never blocks.
  std::vector<AddressDeleted> drain();

 private:
  explicit AddressMonitor(mnl_socket* nl) : nl_(nl) {}
  mnl_socket* nl_ = nullptr;
};

}  // namespace lvsd::vrrp
