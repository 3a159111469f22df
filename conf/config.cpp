#include "conf/config.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace lvsd::conf {

std::string_view check_keyword(const Check& check) {
  struct Visitor {
    std::string_view operator()(const TcpCheck&) const { return "TCP_CHECK"; }
    std::string_view operator()(const HttpCheck& h) const { return h.tls ? "SSL_GET" : "HTTP_GET"; }
    std::string_view operator()(const RedisCheck&) const { return "REDIS_CHECK"; }
    std::string_view operator()(const MiscCheck&) const { return "MISC_CHECK"; }
    std::string_view operator()(const PingCheck&) const { return "PING_CHECK"; }
    std::string_view operator()(const UdpCheck&) const { return "UDP_CHECK"; }
    std::string_view operator()(const DnsCheck&) const { return "DNS_CHECK"; }
    std::string_view operator()(const SmtpCheck&) const { return "SMTP_CHECK"; }
  };
  return std::visit(Visitor{}, check.probe);
}

core::AddressFamily VirtualServer::family() const {
  if (address) return address->family();
  if (ip_family) return *ip_family;
  if (!real_servers.empty()) return real_servers.front().address.family();
  return core::AddressFamily::kIpv4;
}

namespace {

// The address after `a` (wrapping past the family's last address to its first).
core::IpAddress next_address(const core::IpAddress& a) {
  std::array<std::uint8_t, 16> bytes{};
  std::copy(a.bytes().begin(), a.bytes().end(), bytes.begin());
  for (std::size_t i = a.size(); i-- > 0;)
    if (++bytes[i] != 0) break;
  return core::IpAddress::from_bytes(a.family(), std::span<const std::uint8_t>(bytes.data(), a.size()));
}

}  // namespace

std::uint64_t VirtualServerGroupEntry::address_count() const {
  if (!address) return 0;
  if (!last) return 1;
  if (last->family() != address->family() || *last < *address) return 0;
  // Bytes beyond the last eight that differ make the count huge: saturate.
  const auto a = address->bytes();
  const auto b = last->bytes();
  const std::size_t n = a.size();
  constexpr std::uint64_t kMax = std::uint64_t{1} << 32;
  for (std::size_t i = 0; i + 8 < n; ++i)
    if (a[i] != b[i]) return kMax;
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  for (std::size_t i = n >= 8 ? n - 8 : 0; i < n; ++i) {
    lo = (lo << 8) | a[i];
    hi = (hi << 8) | b[i];
  }
  return std::min(hi - lo, kMax - 1) + 1;
}

std::vector<core::IpAddress> VirtualServerGroupEntry::addresses() const {
  std::vector<core::IpAddress> out;
  const std::uint64_t n = address_count();
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, 65536)));
  if (n == 0) return out;
  core::IpAddress a = *address;
  for (std::uint64_t i = 0; i < n; ++i) {
    out.push_back(a);
    a = next_address(a);
  }
  return out;
}

// The daemon keeps one per real server for as long as the configuration runs
// (176 bytes before the rarely set settings moved to RealServerOptions).
static_assert(sizeof(RealServer) <= 56, "what every real server sets inline, the rest behind one pointer");

CheckTiming check_timing(const VirtualServer& vs, const RealServer& rs, const Check& check) {
  const CheckTiming d;
  const RealServerOptions& r = *rs.options;
  CheckTiming t{
      .connect_timeout = check.connect_timeout.value_or(r.connect_timeout.value_or(vs.connect_timeout.value_or(d.connect_timeout))),
      .retry = check.retry.value_or(r.retry.value_or(vs.retry.value_or(d.retry))),
      .delay_before_retry =
          check.delay_before_retry.value_or(r.delay_before_retry.value_or(vs.delay_before_retry.value_or(d.delay_before_retry))),
      .delay_loop = check.delay_loop.value_or(r.delay_loop.value_or(vs.delay_loop)),
  };
  // keepalived: the check's warmup, else the real server's (which defaults to
  // the virtual server's), else the check's own delay_loop.
  t.warmup = check.warmup.value_or(r.warmup.value_or(vs.warmup.value_or(t.delay_loop)));
  return t;
}

bool check_starts_up(const VirtualServer& vs, const RealServer& rs, const Check& check) {
  return vs.start_up && !check.alpha.value_or(rs.options->alpha.value_or(false));
}

const VirtualServerGroup* find_virtual_server_group(const Config& config, std::string_view name) {
  for (const auto& g : config.virtual_server_groups)
    if (g.name == name) return &g;
  return nullptr;
}

const std::vector<std::string>& lb_algorithms() {
  static const std::vector<std::string> names = {"rr", "wrr", "lc",  "wlc", "lblc", "lblcr", "dh",
                                                 "sh", "mh",  "sed", "nq",  "fo",   "ovf"};
  return names;
}

core::Status set_scheduler_flag(SchedulerFlags& flags, std::string_view name, std::string_view lb_algo) {
  static constexpr std::string_view kNames[] = {"flag-1", "flag-2", "flag-3"};
  for (int i = 0; i < 3; ++i) {
    if (name != kNames[i]) continue;
    (i == 0 ? flags.fallback : i == 1 ? flags.port : flags.flag3) = true;
    return {};
  }
  for (std::string_view algo : {"sh", "mh"}) {
    for (std::string_view what : {"fallback", "port"}) {
      if (name != std::string(algo) + "-" + std::string(what)) continue;
      if (lb_algo != algo) {
        return core::Error{"'" + std::string(name) + "' is a flag of the " + std::string(algo) +
                           " scheduler, and lb_algo is '" + std::string(lb_algo) + "'"};
      }
      (what == "fallback" ? flags.fallback : flags.port) = true;
      return {};
    }
  }
  return core::Error{"unknown scheduler flag '" + std::string(name) +
                     "': allowed flag-1, flag-2, flag-3, sh-fallback, sh-port, mh-fallback, mh-port"};
}

std::vector<std::string> scheduler_flag_names(const SchedulerFlags& flags, std::string_view lb_algo) {
  const bool named = lb_algo == "sh" || lb_algo == "mh";
  std::vector<std::string> out;
  if (flags.fallback) out.push_back(named ? std::string(lb_algo) + "-fallback" : "flag-1");
  if (flags.port) out.push_back(named ? std::string(lb_algo) + "-port" : "flag-2");
  if (flags.flag3) out.push_back("flag-3");
  return out;
}

std::string_view to_string(VrrpState v) { return v == VrrpState::kMaster ? "MASTER" : "BACKUP"; }

std::string_view to_string(ParamMatch v) {
  switch (v) {
    case ParamMatch::kExact: return "exact";
    case ParamMatch::kPartial: return "partial";
    case ParamMatch::kInitial: return "initial";
  }
  return "exact";
}

std::string_view to_string(AddressScope v) {
  switch (v) {
    case AddressScope::kGlobal: return "global";
    case AddressScope::kSite: return "site";
    case AddressScope::kLink: return "link";
    case AddressScope::kHost: return "host";
    case AddressScope::kNowhere: return "nowhere";
  }
  return "global";
}

std::string_view to_string(RedisRole v) {
  switch (v) {
    case RedisRole::kAny: return "any";
    case RedisRole::kMaster: return "master";
    case RedisRole::kReplica: return "replica";
  }
  return "any";
}

std::string_view to_string(DnsType v) {
  switch (v) {
    case DnsType::kA: return "A";
    case DnsType::kNs: return "NS";
    case DnsType::kCname: return "CNAME";
    case DnsType::kSoa: return "SOA";
    case DnsType::kMx: return "MX";
    case DnsType::kTxt: return "TXT";
    case DnsType::kAaaa: return "AAAA";
  }
  return "SOA";
}

std::string_view to_string(HttpProtocol v) {
  switch (v) {
    case HttpProtocol::k1_0: return "1.0";
    case HttpProtocol::k1_0C: return "1.0C";
    case HttpProtocol::k1_1: return "1.1";
  }
  return "1.1";
}

std::string_view to_string(Protocol v) {
  switch (v) {
    case Protocol::kTcp: return "TCP";
    case Protocol::kUdp: return "UDP";
    case Protocol::kSctp: return "SCTP";
  }
  return "TCP";
}

std::string_view to_string(ForwardingMethod v) {
  switch (v) {
    case ForwardingMethod::kDr: return "DR";
    case ForwardingMethod::kNat: return "NAT";
    case ForwardingMethod::kTun: return "TUN";
  }
  return "NAT";
}

std::string_view to_string(TunnelType v) {
  switch (v) {
    case TunnelType::kIpip: return "ipip";
    case TunnelType::kGue: return "gue";
    case TunnelType::kGre: return "gre";
  }
  return "ipip";
}
std::string_view to_string(TunnelChecksum v) {
  switch (v) {
    case TunnelChecksum::kNone: return "nocsum";
    case TunnelChecksum::kChecksum: return "csum";
    case TunnelChecksum::kRemote: return "remcsum";
  }
  return "nocsum";
}

bool strict_mode(const Global& global, const VrrpInstance& instance) {
  return instance.strict_mode.value_or(global.vrrp_strict);
}

bool accept_mode(const Global& global, const VrrpInstance& instance) {
  if (instance.priority == 255) return true;
  return instance.accept.value_or(!strict_mode(global, instance));
}

std::vector<std::string> vmac_names(const std::vector<VrrpInstance>& instances, const std::string& prefix) {
  std::vector<std::string> out(instances.size());
  std::set<std::string> taken;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (!instances[i].use_vmac || instances[i].vmac_interface.empty()) continue;
    out[i] = instances[i].vmac_interface;
    taken.insert(out[i]);
  }
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const VrrpInstance& inst = instances[i];
    if (!inst.use_vmac || !inst.vmac_interface.empty()) continue;
    const std::string vrid = "." + std::to_string(inst.virtual_router_id);
    const bool ipv6 = !inst.virtual_ipaddress.empty() && inst.virtual_ipaddress.front().prefix.address.is_ipv6();
    std::string name = prefix + vrid;
    if (taken.contains(name) && ipv6) name = prefix + "6" + vrid;
    for (int n = 1; taken.contains(name); ++n) name = prefix + std::to_string(n) + vrid;
    out[i] = name;
    taken.insert(name);
  }
  return out;
}

std::array<std::uint8_t, 6> vmac_mac(const VrrpInstance& instance) {
  const bool ipv6 = !instance.virtual_ipaddress.empty() && instance.virtual_ipaddress.front().prefix.address.is_ipv6();
  std::array<std::uint8_t, 6> mac{0x00, 0x00, 0x5e, 0x00, static_cast<std::uint8_t>(ipv6 ? 0x02 : 0x01),
                                   instance.virtual_router_id};
  if (instance.vmac_address.size() >= 5) {
    std::copy_n(instance.vmac_address.begin(), 5, mac.begin());
    if (instance.vmac_address.size() == 6) mac[5] = instance.vmac_address[5];
  }
  return mac;
}

std::string mac_text(std::span<const std::uint8_t> mac) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i != 0) out += ':';
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

bool lower_prio_no_advert(const Global& global, const VrrpInstance& instance) {
  return instance.lower_prio_no_advert.value_or(strict_mode(global, instance));
}

std::uint32_t garp_lower_prio_repeat(const Global& global, const VrrpInstance& instance) {
  return instance.garp_lower_prio_repeat.value_or(strict_mode(global, instance) ? 0 : instance.garp_master_repeat);
}

Duration garp_lower_prio_delay(const Global& global, const VrrpInstance& instance) {
  return instance.garp_lower_prio_delay.value_or(strict_mode(global, instance) ? Duration{0} : instance.garp_master_delay);
}

std::string_view to_string(RouteType v) {
  switch (v) {
    case RouteType::kUnicast: return "unicast";
    case RouteType::kBlackhole: return "blackhole";
    case RouteType::kUnreachable: return "unreachable";
    case RouteType::kProhibit: return "prohibit";
    case RouteType::kThrow: return "throw";
  }
  return "unicast";
}

core::ScriptPolicy script_policy(const Global& global, const std::optional<ScriptUser>& own) {
  const std::optional<ScriptUser>& user = own ? own : global.script_user;
  core::ScriptPolicy policy{.user = {}, .group = {}, .security = global.enable_script_security};
  if (user) {
    policy.user = user->user;
    policy.group = user->group;
  }
  return policy;
}

}  // namespace lvsd::conf
