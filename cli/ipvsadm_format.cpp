#include "cli/ipvsadm_format.hpp"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace lvsd::cli {

namespace {

using director::ForwardMethod;
using director::IpvsTable;
using director::Service;
using director::TunnelType;

// printf into a std::string. One formatting pass for a listing's usual
// short piece (a 100,000-line listing spent 40 % of its time in snprintf when
// every piece was formatted twice, once to measure it); a longer one is
// formatted again into a string of its size.
template <typename... Args>
std::string fmt(const char* format, Args... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  if (n < 0) return {};
  if (static_cast<std::size_t>(n) < sizeof buf) return std::string(buf, static_cast<std::size_t>(n));
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, format, args...);
  return out;
}

// "TCP " / "UDP " / "SCTP" / "FWM ": the protocol column, 4 wide.
std::string protocol_column(const Service& s) {
  if (s.key.is_fwmark()) return "FWM ";
  return fmt("%-4s", director::protocol_name(s.key.protocol).c_str());
}

// The service's identity as ipvsadm writes it after the protocol column.
std::string service_name(const Service& s) {
  // ipvsadm marks an IPv6 fwmark service: "FWM  9 IPv6 wrr".
  if (s.key.is_fwmark())
    return std::to_string(s.key.fwmark) + (s.key.family() == core::AddressFamily::kIpv6 ? " IPv6" : "");
  return s.key.endpoint.to_string();
}

std::string ipv4_netmask(std::uint8_t prefix) {
  std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return fmt("%u.%u.%u.%u", mask >> 24, (mask >> 16) & 0xff, (mask >> 8) & 0xff, mask & 0xff);
}

// The persistence mask as -M takes it: dotted for IPv4, a prefix for IPv6.
std::string netmask_text(const Service& s) {
  if (s.key.family() == core::AddressFamily::kIpv6) return std::to_string(*s.persistence_prefix);
  return ipv4_netmask(*s.persistence_prefix);
}

// Scheduler flag names: sh and mh name theirs, others are numbered.
std::string scheduler_flags(const Service& s) {
  const std::uint32_t bits[] = {director::kServiceFlagScheduler1, director::kServiceFlagScheduler2,
                                director::kServiceFlagScheduler3};
  std::string out;
  for (int i = 0; i < 3; ++i) {
    if ((s.flags & bits[i]) == 0) continue;
    std::string name;
    if ((s.scheduler == "sh" || s.scheduler == "mh") && i < 2) {
      name = s.scheduler + (i == 0 ? "-fallback" : "-port");
    } else {
      name = "flag-" + std::to_string(i + 1);
    }
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

// "rr", "wrr persistent 300 mask 255.255.255.0", "sh (sh-fallback,sh-port) ops".
std::string scheduler_and_flags(const Service& s) {
  std::string out = s.scheduler;
  std::string sched_flags = scheduler_flags(s);
  if (!sched_flags.empty()) out += " (" + sched_flags + ")";
  if (s.persistent()) {
    out += fmt(" persistent %u", s.persistence_timeout_s);
    if (s.persistence_prefix) out += " mask " + netmask_text(s);
    if (!s.persistence_engine.empty()) out += " pe " + s.persistence_engine;
  }
  if (s.one_packet()) out += " ops";
  return out;
}

std::string tunnel_flags(std::uint16_t flags) {
  if (flags & director::kTunnelFlagRemoteChecksum) return "+r";
  if (flags & director::kTunnelFlagChecksum) return "+c";
  return "-c";
}

// The TunnelInfo column: "n/a", "ipip", "gue:6080:-c", "gre:+c".
std::string tunnel_info(const director::Destination& d) {
  if (d.forward != ForwardMethod::kTunnel) return "n/a";
  switch (d.tunnel_type) {
    case TunnelType::kIpip: return "ipip";
    case TunnelType::kGue: return fmt("gue:%u:", unsigned{d.tunnel_port}) + tunnel_flags(d.tunnel_flags);
    case TunnelType::kGre: return "gre:" + tunnel_flags(d.tunnel_flags);
  }
  return "n/a";
}

std::string stats_columns(const director::Stats& st, bool rate, bool exact) {
  if (rate) {
    return format_counter(st.connection_rate, exact) + format_counter(st.in_packet_rate, exact) +
           format_counter(st.out_packet_rate, exact) + format_counter(st.in_byte_rate, exact) +
           format_counter(st.out_byte_rate, exact);
  }
  return format_counter(st.connections, exact) + format_counter(st.in_packets, exact) +
         format_counter(st.out_packets, exact) + format_counter(st.in_bytes, exact) +
         format_counter(st.out_bytes, exact);
}

std::string headers(ListColumns columns) {
  switch (columns) {
    case ListColumns::kDefault:
      return "Prot LocalAddress:Port Scheduler Flags\n"
             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
    case ListColumns::kStats:
      return fmt("%-33s%9s%9s%9s%9s%9s\n", "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes",
                 "OutBytes") +
             "  -> RemoteAddress:Port\n";
    case ListColumns::kRate:
      return fmt("%-33s%9s%9s%9s%9s%9s\n", "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS") +
             "  -> RemoteAddress:Port\n";
    case ListColumns::kThresholds:
      return fmt("%-33s %-10s %-10s %-10s %-10s\n", "Prot LocalAddress:Port", "Uthreshold", "Lthreshold",
                 "ActiveConn", "InActConn") +
             "  -> RemoteAddress:Port\n";
    case ListColumns::kPersistentConn:
      return fmt("%-33s %-9s %-11s %-10s %-10s\n", "Prot LocalAddress:Port", "Weight", "PersistConn",
                 "ActiveConn", "InActConn") +
             "  -> RemoteAddress:Port\n";
    case ListColumns::kTunInfo:
      return "Prot LocalAddress:Port Scheduler Flags\n"
             "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n";
  }
  return "";
}

std::string service_line(const Service& s, const ListOptions& o) {
  const std::string head = protocol_column(s) + " ";
  if (o.columns == ListColumns::kStats || o.columns == ListColumns::kRate) {
    return fmt("%-33s", (head + service_name(s)).c_str()) +
           stats_columns(s.stats, o.columns == ListColumns::kRate, o.exact) + "\n";
  }
  return head + service_name(s) + " " + scheduler_and_flags(s) + "\n";
}

std::string destination_line(const director::Destination& d, const director::DestinationCounters& c,
                             const ListOptions& o) {
  const std::string ep = fmt("  -> %-28s", d.endpoint.to_string().c_str());
  switch (o.columns) {
    case ListColumns::kDefault:
      return ep + fmt(" %-7s %-6d %-10u %-10u\n", director::forward_method_name(d.forward).c_str(), d.weight,
                      c.active_connections, c.inactive_connections);
    case ListColumns::kStats:
    case ListColumns::kRate:
      return fmt("%-33s", ("  -> " + d.endpoint.to_string()).c_str()) +
             stats_columns(c.stats, o.columns == ListColumns::kRate, o.exact) + "\n";
    case ListColumns::kThresholds:
      return ep + fmt(" %-10u %-10u %-10u %-10u\n", d.upper_threshold, d.lower_threshold, c.active_connections,
                      c.inactive_connections);
    case ListColumns::kPersistentConn:
      return ep + fmt(" %-9d %-11u %-10u %-10u\n", d.weight, c.persistent_connections, c.active_connections,
                      c.inactive_connections);
    case ListColumns::kTunInfo:
      return ep + fmt(" %-7s %-13s %-6d %-10u %-10u\n", director::forward_method_name(d.forward).c_str(),
                      tunnel_info(d).c_str(), d.weight, c.active_connections, c.inactive_connections);
  }
  return "";
}

// "-t 10.0.0.1:80", "-u [2001:db8::1]:53", "--sctp-service 10.0.0.1:9", "-f 7".
std::string save_service_option(const Service& s) {
  if (s.key.is_fwmark()) return "-f " + std::to_string(s.key.fwmark);
  std::string opt;
  switch (s.key.protocol) {
    case director::Protocol::kTcp: opt = "-t"; break;
    case director::Protocol::kUdp: opt = "-u"; break;
    case director::Protocol::kSctp: opt = "--sctp-service"; break;
  }
  return opt + " " + service_name(s);
}

std::string save_forward_option(ForwardMethod method) {
  switch (method) {
    case ForwardMethod::kDirectRoute: return "-g";
    case ForwardMethod::kNat: return "-m";
    case ForwardMethod::kTunnel: return "-i";
    case ForwardMethod::kLocal: return "-g";  // ipvsadm shows local delivery as routing
  }
  return "-g";
}

std::string save_tunnel_options(const director::Destination& d) {
  if (d.forward != ForwardMethod::kTunnel) return "";
  switch (d.tunnel_type) {
    case TunnelType::kIpip: return " --tun-type ipip";
    case TunnelType::kGue: {
      std::string out = fmt(" --tun-type gue --tun-port %u", unsigned{d.tunnel_port});
      if (d.tunnel_flags & director::kTunnelFlagRemoteChecksum) return out + " --tun-remcsum";
      if (d.tunnel_flags & director::kTunnelFlagChecksum) return out + " --tun-csum";
      return out + " --tun-nocsum";
    }
    case TunnelType::kGre: {
      std::string out = " --tun-type gre";
      if (d.tunnel_flags & director::kTunnelFlagRemoteChecksum) return out + " --tun-remcsum";
      if (d.tunnel_flags & director::kTunnelFlagChecksum) return out + " --tun-csum";
      return out + " --tun-nocsum";
    }
  }
  return "";
}

// Address comparison as ipvsadm does it: word by word, the difference of the
// host-order words converted to int (so it wraps past 2^31).
int wrapped_address_compare(const core::IpAddress& a, const core::IpAddress& b) {
  const std::size_t words = a.size() / 4;
  for (std::size_t i = 0; i < words; ++i) {
    std::uint32_t wa = 0, wb = 0;
    std::memcpy(&wa, a.bytes().data() + 4 * i, 4);
    std::memcpy(&wb, b.bytes().data() + 4 * i, 4);
    const int r = static_cast<int>(ntohl(wa) - ntohl(wb));
    if (r != 0) return r;
  }
  return 0;
}

// qsort moves elements bytewise, so it sorts trivially copyable sort keys
// that remember where their entry was.
struct SortKey {
  std::uint32_t fwmark;
  int family;  // AF_INET / AF_INET6, as ipvsadm compares them
  int protocol;
  core::Endpoint endpoint;
  std::size_t index;
};
static_assert(std::is_trivially_copyable_v<SortKey>);

int compare_endpoints(const core::Endpoint& a, const core::Endpoint& b) {
  if (int r = wrapped_address_compare(a.address, b.address); r != 0) return r;
  return static_cast<int>(a.port) - static_cast<int>(b.port);
}

int compare_services(const void* pa, const void* pb) {
  const auto& a = *static_cast<const SortKey*>(pa);
  const auto& b = *static_cast<const SortKey*>(pb);
  if (int r = static_cast<int>(a.fwmark - b.fwmark); r != 0) return r;
  if (int r = a.family - b.family; r != 0) return r;
  if (int r = a.protocol - b.protocol; r != 0) return r;
  return compare_endpoints(a.endpoint, b.endpoint);
}

int compare_destinations(const void* pa, const void* pb) {
  const auto& a = *static_cast<const SortKey*>(pa);
  const auto& b = *static_cast<const SortKey*>(pb);
  return compare_endpoints(a.endpoint, b.endpoint);
}

// `keys` sorted with qsort(), as ipvsadm sorts its listing.
std::vector<SortKey> qsorted(std::vector<SortKey> keys, int (*compare)(const void*, const void*)) {
  if (!keys.empty()) std::qsort(keys.data(), keys.size(), sizeof(SortKey), compare);
  return keys;
}

// The services of `table` in ipvsadm's order (SortKey::index: where each is).
std::vector<SortKey> service_order(const IpvsTable& table) {
  std::vector<SortKey> keys;
  keys.reserve(table.services.size());
  for (std::size_t i = 0; i < table.services.size(); ++i) {
    const auto& k = table.services[i].service.key;
    keys.push_back(SortKey{k.fwmark, core::af_number(k.family()), static_cast<int>(k.protocol), k.endpoint, i});
  }
  return qsorted(std::move(keys), compare_services);
}

// The destinations of `vs` in ipvsadm's order.
std::vector<SortKey> destination_order(const director::VirtualService& vs) {
  std::vector<SortKey> keys;
  keys.reserve(vs.destinations.size());
  for (std::size_t i = 0; i < vs.destinations.size(); ++i) keys.push_back(SortKey{0, 0, 0, vs.destinations[i].endpoint, i});
  return qsorted(std::move(keys), compare_destinations);
}

// Calls f(vs, destinations) for each service of `table` in ipvsadm's order,
// with its destinations in that order, without a sorted copy of the table.
template <typename F>
void for_each_in_ipvsadm_order(const IpvsTable& table, F&& f) {
  std::vector<const director::Destination*> destinations;
  for (const SortKey& s : service_order(table)) {
    const director::VirtualService& vs = table.services[s.index];
    destinations.clear();
    for (const SortKey& k : destination_order(vs)) destinations.push_back(&vs.destinations[k.index]);
    f(vs, std::as_const(destinations));
  }
}

}  // namespace

IpvsTable ipvsadm_order(const IpvsTable& table) {
  IpvsTable sorted;
  sorted.services.reserve(table.services.size());
  for_each_in_ipvsadm_order(table, [&](const director::VirtualService& vs, const auto& destinations) {
    director::VirtualService& out =
        sorted.services.emplace_back(director::VirtualService{.service = vs.service, .destinations = {}});
    out.destinations.reserve(destinations.size());
    for (const director::Destination* d : destinations) out.destinations.push_back(*d);
    // Counters follow their destinations (a table from the configuration has none).
    if (vs.counters.size() == vs.destinations.size()) {
      out.counters.reserve(destinations.size());
      for (const director::Destination* d : destinations) out.counters.push_back(vs.counters_of(*d));
    }
  });
  return sorted;
}

std::string format_counter(std::uint64_t value, bool exact) {
  if (exact) {
    std::string digits = std::to_string(value);
    const int width = digits.size() <= 8 ? 9 : static_cast<int>(digits.size()) + 1;
    return fmt("%*s", width, digits.c_str());
  }
  constexpr std::uint64_t kHundredMillion = 100'000'000ULL;
  if (value < kHundredMillion) return fmt("%9llu", static_cast<unsigned long long>(value));
  struct Scale {
    std::uint64_t below, divisor;
    char suffix;
  };
  constexpr Scale scales[] = {{1'000'000'000ULL, 1'000ULL, 'K'},
                              {100'000'000'000ULL, 1'000'000ULL, 'M'},
                              {100'000'000'000'000ULL, 1'000'000'000ULL, 'G'}};
  for (const auto& sc : scales) {
    if (value < sc.below) return fmt("%8llu%c", static_cast<unsigned long long>(value / sc.divisor), sc.suffix);
  }
  return fmt("%8lluT", static_cast<unsigned long long>(value / 1'000'000'000'000ULL));
}

std::string format_version_line(const director::IpvsInfo& info) {
  return fmt("IP Virtual Server version %u.%u.%u (size=%u)\n", (info.version >> 16) & 0xff,
             (info.version >> 8) & 0xff, info.version & 0xff, info.connection_table_size);
}

void write_list(std::ostream& out, const director::IpvsInfo& info, const IpvsTable& table,
                const ListOptions& options) {
  out << format_version_line(info) << headers(options.columns);
  // In ipvsadm's order without a sorted copy of the table, one service's
  // lines at a time: a 100,000-destination listing held the dump, its sorted
  // copy and the whole text at once (page faults cost more than formatting
  // inside UML).
  std::string lines;
  for_each_in_ipvsadm_order(table, [&](const director::VirtualService& vs, const auto& destinations) {
    lines = service_line(vs.service, options);
    for (const director::Destination* d : destinations) lines += destination_line(*d, vs.counters_of(*d), options);
    out << lines;
  });
}

std::string format_list(const director::IpvsInfo& info, const IpvsTable& table, const ListOptions& options) {
  std::ostringstream out;
  write_list(out, info, table, options);
  return std::move(out).str();
}

std::string format_save(const IpvsTable& table) {
  std::string out;
  for_each_in_ipvsadm_order(table, [&](const director::VirtualService& vs, const auto& destinations) {
    const Service& s = vs.service;
    const std::string svc = save_service_option(s);
    out += "-A " + svc + " -s " + s.scheduler;
    if (s.persistent()) {
      out += fmt(" -p %u", s.persistence_timeout_s);
      if (s.persistence_prefix) out += " -M " + netmask_text(s);
      if (!s.persistence_engine.empty()) out += " --pe " + s.persistence_engine;
    }
    if (s.one_packet()) out += " -o";
    std::string sched_flags = scheduler_flags(s);
    if (!sched_flags.empty()) out += " -b " + sched_flags;
    out += "\n";
    for (const director::Destination* d : destinations) {
      out += "-a " + svc + " -r " + d->endpoint.to_string() + " " + save_forward_option(d->forward) +
             fmt(" -w %d", d->weight) + save_tunnel_options(*d) + "\n";
    }
  });
  return out;
}

nlohmann::json to_json(const director::IpvsInfo& info, const IpvsTable& table) {
  auto stats_json = [](const director::Stats& st) {
    return nlohmann::json{{"connections", st.connections},         {"in_packets", st.in_packets},
                          {"out_packets", st.out_packets},         {"in_bytes", st.in_bytes},
                          {"out_bytes", st.out_bytes},             {"connection_rate", st.connection_rate},
                          {"in_packet_rate", st.in_packet_rate},   {"out_packet_rate", st.out_packet_rate},
                          {"in_byte_rate", st.in_byte_rate},       {"out_byte_rate", st.out_byte_rate}};
  };
  nlohmann::json services = nlohmann::json::array();
  for_each_in_ipvsadm_order(table, [&](const director::VirtualService& vs, const auto& destinations) {
    const Service& s = vs.service;
    nlohmann::json js{{"protocol", s.key.is_fwmark() ? "FWM" : director::protocol_name(s.key.protocol)},
                      {"family", s.key.family() == core::AddressFamily::kIpv6 ? "inet6" : "inet"},
                      {"scheduler", s.scheduler},
                      {"persistent", s.persistent()},
                      {"one_packet", s.one_packet()},
                      {"stats", stats_json(s.stats)}};
    if (s.key.is_fwmark()) {
      js["fwmark"] = s.key.fwmark;
    } else {
      js["address"] = s.key.endpoint.address.to_string();
      js["port"] = s.key.endpoint.port;
    }
    if (s.persistent()) {
      js["persistence_timeout"] = s.persistence_timeout_s;
      if (s.persistence_prefix) js["persistence_prefix"] = *s.persistence_prefix;
      if (!s.persistence_engine.empty()) js["persistence_engine"] = s.persistence_engine;
    }
    std::string sched_flags = scheduler_flags(s);
    if (!sched_flags.empty()) js["scheduler_flags"] = sched_flags;
    nlohmann::json dests = nlohmann::json::array();
    for (const director::Destination* p : destinations) {
      const director::Destination& d = *p;
      nlohmann::json jd{{"address", d.endpoint.address.to_string()},
                        {"port", d.endpoint.port},
                        {"forward", director::forward_method_name(d.forward)},
                        {"weight", d.weight},
                        {"upper_threshold", d.upper_threshold},
                        {"lower_threshold", d.lower_threshold},
                        {"active_connections", vs.counters_of(d).active_connections},
                        {"inactive_connections", vs.counters_of(d).inactive_connections},
                        {"persistent_connections", vs.counters_of(d).persistent_connections},
                        {"stats", stats_json(vs.counters_of(d).stats)}};
      if (d.forward == ForwardMethod::kTunnel) jd["tunnel"] = tunnel_info(d);
      dests.push_back(std::move(jd));
    }
    js["destinations"] = std::move(dests);
    services.push_back(std::move(js));
  });
  return nlohmann::json{{"version", fmt("%u.%u.%u", (info.version >> 16) & 0xff, (info.version >> 8) & 0xff,
                                        info.version & 0xff)},
                        {"connection_table_size", info.connection_table_size},
                        {"services", std::move(services)}};
}

}  // namespace lvsd::cli
