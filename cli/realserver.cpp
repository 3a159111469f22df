#include "cli/realserver.hpp"

#include <net/if.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>

#include "core/sysctl.hpp"
#include "vrrp/addr.hpp"

namespace lvsd::cli {

namespace {

std::vector<SysctlWrite> arp_sysctls(const core::IpAddress& vip, const std::string& dev, const char* ignore,
                                     const char* announce) {
  if (vip.family() != core::AddressFamily::kIpv4) return {};
  std::vector<SysctlWrite> out;
  for (const std::string& scope : {std::string("all"), dev}) {
    out.push_back({"net/ipv4/conf/" + scope + "/arp_ignore", ignore});
    out.push_back({"net/ipv4/conf/" + scope + "/arp_announce", announce});
  }
  return out;
}

std::optional<std::string> read_sysctl(const RealServerOptions& o, const std::string& key) {
  return core::read_sysctl(o.proc_sys, key);
}

core::Status write_sysctl(const RealServerOptions& o, const SysctlWrite& w) {
  return core::write_sysctl(o.proc_sys, w.key, w.value);
}

struct Target {
  core::IpAddress vip;
  int ifindex = 0;
  vrrp::VipSpec spec;
};

core::Result<Target> resolve(const RealServerOptions& o) {
  auto vip = core::IpAddress::parse(o.vip);
  if (!vip) return core::Error{"--vip '" + o.vip + "' is not an IPv4 or IPv6 address"};
  const int ifindex = static_cast<int>(::if_nametoindex(o.dev.c_str()));
  if (ifindex == 0) return core::Error{"no network interface '" + o.dev + "'"};
  const core::IpPrefix prefix{.address = *vip, .length = vip->max_prefix_len()};
  return Target{.vip = *vip, .ifindex = ifindex, .spec = vrrp::VipSpec{.prefix = prefix, .ifindex = ifindex}};
}

struct Observed {
  bool vip_present = false;
  int prefix_len = 0;
  std::vector<std::string> other_vips;  // non-loopback addresses on dev besides ours
  std::vector<std::pair<std::string, std::optional<std::string>>> sysctls;
};

core::Result<Observed> observe(const RealServerOptions& o, const Target& t) {
  auto client = vrrp::AddressClient::open();
  if (!client.ok()) return client.error().context("rtnetlink");
  Observed obs;
  for (auto family : {core::AddressFamily::kIpv4, core::AddressFamily::kIpv6}) {
    auto list = client->list(family, t.ifindex);
    if (!list.ok()) return list.error().context("listing the addresses of " + o.dev);
    for (const auto& a : *list) {
      if (a.prefix.address == t.vip) {
        obs.vip_present = true;
        obs.prefix_len = a.prefix.length;
      } else if (!a.prefix.address.is_loopback() && !a.prefix.address.is_ipv6_link_local()) {
        obs.other_vips.push_back(a.prefix.to_string());
      }
    }
  }
  for (const auto& w : realserver_sysctls_up(t.vip, o.dev)) obs.sysctls.emplace_back(w.key, read_sysctl(o, w.key));
  return obs;
}

int fail(std::ostream& err, const std::string& message, int code = 1) {
  err << "lvsctl realserver: " << message << "\n";
  return code;
}

std::string dotted(const std::string& key) {
  std::string out = key;
  for (auto& c : out) {
    if (c == '/') c = '.';
  }
  return out;
}

}  // namespace

std::vector<SysctlWrite> realserver_sysctls_up(const core::IpAddress& vip, const std::string& dev) {
  return arp_sysctls(vip, dev, "1", "2");
}

std::vector<SysctlWrite> realserver_sysctls_down(const core::IpAddress& vip, const std::string& dev) {
  return arp_sysctls(vip, dev, "0", "0");
}

int run_realserver_up(const RealServerOptions& o, std::ostream& out, std::ostream& err) {
  auto target = resolve(o);
  if (!target.ok()) return fail(err, target.error().message, 2);
  // ARP first: the VIP must never be reachable while the host still answers ARP for it.
  for (const auto& w : realserver_sysctls_up(target->vip, o.dev)) {
    if (auto st = write_sysctl(o, w); !st.ok()) return fail(err, st.error().message);
  }
  auto client = vrrp::AddressClient::open();
  if (!client.ok()) return fail(err, "rtnetlink: " + client.error().message);
  if (auto st = client->add(target->spec); !st.ok()) return fail(err, st.error().message);
  if (o.json) {
    out << nlohmann::json{{"vip", target->vip.to_string()}, {"dev", o.dev}, {"state", "up"}}.dump() << "\n";
  } else {
    out << "real server up: " << target->vip.to_string() << "/" << target->spec.prefix.length << " on " << o.dev;
    if (target->vip.family() == core::AddressFamily::kIpv4) out << ", arp_ignore=1 arp_announce=2 on all and " << o.dev;
    out << "\n";
  }
  return 0;
}

int run_realserver_down(const RealServerOptions& o, std::ostream& out, std::ostream& err) {
  auto target = resolve(o);
  if (!target.ok()) return fail(err, target.error().message, 2);
  auto client = vrrp::AddressClient::open();
  if (!client.ok()) return fail(err, "rtnetlink: " + client.error().message);
  if (auto st = client->remove(target->spec); !st.ok()) return fail(err, st.error().message);
  auto obs = observe(o, *target);
  if (!obs.ok()) return fail(err, obs.error().message);
  const bool keep_arp = !obs->other_vips.empty();
  if (!keep_arp) {
    for (const auto& w : realserver_sysctls_down(target->vip, o.dev)) {
      if (auto st = write_sysctl(o, w); !st.ok()) return fail(err, st.error().message);
    }
  }
  if (o.json) {
    out << nlohmann::json{{"vip", target->vip.to_string()}, {"dev", o.dev}, {"state", "down"},
                          {"arp_sysctls_kept_for", obs->other_vips}}
               .dump()
        << "\n";
  } else {
    out << "real server down: " << target->vip.to_string() << " removed from " << o.dev;
    if (target->vip.family() == core::AddressFamily::kIpv4) {
      if (keep_arp) {
        out << "; arp sysctls kept (still on " << o.dev << ":";
        for (const auto& v : obs->other_vips) out << " " << v;
        out << ")";
      } else {
        out << "; arp_ignore=0 arp_announce=0 restored";
      }
    }
    out << "\n";
  }
  return 0;
}

int run_realserver_status(const RealServerOptions& o, std::ostream& out, std::ostream& err) {
  auto target = resolve(o);
  if (!target.ok()) return fail(err, target.error().message, 2);
  auto obs = observe(o, *target);
  if (!obs.ok()) return fail(err, obs.error().message);
  const auto wanted = realserver_sysctls_up(target->vip, o.dev);
  bool all_set = obs->vip_present;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (obs->sysctls[i].second != wanted[i].value) all_set = false;
  }
  if (o.json) {
    nlohmann::json sys = nlohmann::json::object();
    for (const auto& [key, value] : obs->sysctls) sys[dotted(key)] = value ? nlohmann::json(*value) : nlohmann::json();
    out << nlohmann::json{{"vip", target->vip.to_string()}, {"dev", o.dev}, {"vip_present", obs->vip_present},
                          {"sysctls", sys}, {"up", all_set}}
               .dump(2)
        << "\n";
    return all_set ? 0 : 1;
  }
  out << "VIP " << target->vip.to_string() << " on " << o.dev << ": ";
  if (obs->vip_present) {
    out << "present (/" << int{obs->prefix_len} << ")\n";
  } else {
    out << "absent\n";
  }
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& [key, value] = obs->sysctls[i];
    out << "  " << dotted(key) << " = " << value.value_or("?") << (value == wanted[i].value ? "" : "  (want " + wanted[i].value + ")")
        << "\n";
  }
  out << (all_set ? "real server: up\n" : "real server: NOT set up (lvsctl realserver up --vip " + o.vip + ")\n");
  return all_set ? 0 : 1;
}

}  // namespace lvsd::cli
