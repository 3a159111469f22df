#pragma once
// Link state over rtnetlink (RTNLGRP_LINK) through libmnl, for
// track_interface. parse_link_message() is pure; LinkMonitor subscribes to
// the group, can dump every link once (a blocking round trip with a receive
// timeout), and drain() reads what the kernel announced since, without
// blocking: the owner watches fd() on the loop.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

struct mnl_socket;

namespace lvsd::vrrp {

struct LinkState {
  int ifindex = 0;
  std::string name{};
  // Administratively up and with carrier (IFF_UP and IFF_RUNNING); false also
  // when the link was deleted.
  bool up = false;
  bool operator==(const LinkState&) const = default;
};

// Parses one RTM_NEWLINK / RTM_DELLINK message; nullopt for anything else.
std::optional<LinkState> parse_link_message(std::span<const std::uint8_t> message);

// Splits a buffer of netlink messages (as one recv returns them) and parses
// each; other messages are skipped.
std::vector<LinkState> parse_link_messages(std::span<const std::uint8_t> buffer);

// A NETLINK_ROUTE socket (close-on-exec) bound to the multicast `groups`
// (RTMGRP_*; 0 for none), non-blocking if asked: what LinkMonitor and
// AddressMonitor subscribe with.
core::Result<mnl_socket*> open_route_socket(unsigned groups, bool nonblocking);

class LinkMonitor {
 public:
  static core::Result<LinkMonitor> open(core::Duration dump_timeout = std::chrono::milliseconds(500));
  LinkMonitor(LinkMonitor&&) noexcept;
  LinkMonitor& operator=(LinkMonitor&&) noexcept;
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;
  ~LinkMonitor();

  // The subscribed socket's descriptor (non-blocking): readable when a link changed.
  int fd() const;
  // Every link now (on a separate socket, so no notification is lost).
  core::Result<std::vector<LinkState>> dump();
  // The changes announced since the last call; never blocks.
  std::vector<LinkState> drain();

 private:
  LinkMonitor(mnl_socket* nl, core::Duration dump_timeout) : nl_(nl), dump_timeout_(dump_timeout) {}
  mnl_socket* nl_ = nullptr;
  core::Duration dump_timeout_{};
};

}  // namespace lvsd::vrrp
