#pragma once
// FIB rules (`ip rule`) over rtnetlink: the messages, built and parsed by
// pure functions (RTM_NEWRULE / RTM_DELRULE: struct fib_rule_hdr and FRA_*
// attributes), for static_rules and virtual_rules (daemon/ip_config.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/net_address.hpp"
#include "daemon/routes.hpp"

namespace lvsd::daemon {

// A rule that looks a table up (FR_ACT_TO_TBL), in the kernel's terms.
struct KernelRule {
  core::AddressFamily family = core::AddressFamily::kIpv4;
  std::optional<core::IpPrefix> src{};
  std::optional<core::IpPrefix> dst{};
  bool invert = false;                      // FIB_RULE_INVERT
  std::uint32_t table = 254;
  std::optional<std::uint32_t> priority{};  // unset: the kernel picks one
  std::string iif{};
  std::string oif{};
  std::optional<std::uint32_t> fwmark{};
  std::optional<std::uint32_t> fwmask{};
  std::uint8_t protocol = 18;               // FRA_PROTOCOL: RTPROT_KEEPALIVED
  friend auto operator<=>(const KernelRule&, const KernelRule&) = default;
};

std::string describe(const KernelRule& rule);  // "from 10.0.0.0/24 table 100 priority 100"

// RTM_NEWRULE with NLM_F_EXCL (a present rule answers EEXIST) / RTM_DELRULE.
std::vector<std::uint8_t> build_rule_request(RouteOp op, const KernelRule& rule, std::uint32_t seq);
// A dump of every rule of `family`.
std::vector<std::uint8_t> build_rule_dump(core::AddressFamily family, std::uint32_t seq);
// One RTM_NEWRULE of a dump: a table-lookup rule; nullopt for other actions
// or a malformed message.
std::optional<KernelRule> parse_rule_message(const std::uint8_t* data, std::size_t size);
// Whether `present` (from a dump) is the rule `wanted` describes: every
// field equal, the priority only when `wanted` sets one.
bool rule_matches(const KernelRule& present, const KernelRule& wanted);

}  // namespace lvsd::daemon
