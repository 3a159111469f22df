#pragma once
// keepalived's "no accept mode" (vrrp_strict, or no_accept): a backup router
// that became MASTER without owning the addresses must not accept packets
// addressed to them (RFC 5798 6.1 Accept_Mode false, the RFC 3768 rule).
// keepalived does it with nftables: an input and an output chain that drop
// packets to and from a set of the VIPs, the set holding the VIPs of the
// instances that are MASTER now. lvsd does the same in its own tables `ip
// lvsd` and `ip6 lvsd`, through libnftables (Debian's libnftables1, loaded
// on the first VipFilter::open(), not linked: see core/shared_library.hpp).
//
// The commands are made by pure functions (tested as text); VipFilter runs
// them. An IPVS service on such a VIP gets nothing while the instance is
// MASTER, as under keepalived: the input hook's priority (filter - 1) comes
// before IPVS's.
#include <memory>
#include <string>

#include "core/net_address.hpp"
#include "core/result.hpp"

struct nft_ctx;

namespace lvsd::vrrp {

inline constexpr const char* kVipFilterTable = "lvsd";

// Creates the family's table, set and chains if missing, and (re)writes the
// chains' rules; the set's elements are kept (a hitless restart keeps them).
std::string vip_filter_setup_commands(core::AddressFamily family);
// Adds or deletes one VIP of the set.
std::string vip_filter_element_command(bool add, const core::IpAddress& address);
// Removes the family's table (lvsd --cleanup); an error if it is missing.
std::string vip_filter_teardown_command(core::AddressFamily family);
// Succeeds only if the family's table exists.
std::string vip_filter_exists_command(core::AddressFamily family);

class VipFilter {
 public:
  static core::Result<VipFilter> open();
  VipFilter(VipFilter&&) noexcept;
  VipFilter& operator=(VipFilter&&) noexcept;
  ~VipFilter();

  // Drop packets to and from `address` (its family's table is set up the
  // first time). Idempotent.
  core::Status add(const core::IpAddress& address);
  // Accept them again; an address not in the set is not an error.
  core::Status remove(const core::IpAddress& address);
  // Removes lvsd's tables, whatever they hold; true if there was one.
  core::Result<bool> teardown();
  // Runs nft commands (the text of `nft -f`); the error carries nft's message.
  core::Status run(const std::string& commands);

 private:
  struct Context;
  explicit VipFilter(std::unique_ptr<Context> ctx);
  std::unique_ptr<Context> ctx_;
  bool ready_v4_ = false;
  bool ready_v6_ = false;
};

}  // namespace lvsd::vrrp
