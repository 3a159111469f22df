#pragma once
// The director's own model of the IPVS table. The daemon maps the config to
// these types; the director never reads YAML. Values mirror what the kernel
// stores (linux/ip_vs.h), in host byte order.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/net_address.hpp"

namespace lvsd::director {

enum class Protocol : std::uint16_t { kTcp = 6, kUdp = 17, kSctp = 132 };

// "TCP", "UDP", "SCTP" (ipvsadm's spelling).
std::string protocol_name(Protocol protocol);

// Identifies a virtual service: (protocol, address:port) or a firewall mark
// (then protocol, address and port are unused and kept zero, as the kernel
// reports them).
struct ServiceKey {
  Protocol protocol = Protocol::kTcp;
  core::Endpoint endpoint{};
  std::uint32_t fwmark = 0;  // non-zero: a firewall-mark service

  static ServiceKey inet(Protocol protocol, const core::Endpoint& endpoint);
  static ServiceKey inet(Protocol protocol, const core::IpAddress& address, std::uint16_t port);
  static ServiceKey firewall_mark(core::AddressFamily family, std::uint32_t mark);

  // A fwmark service's address is the family's any address, so this is every service's family.
  core::AddressFamily family() const { return endpoint.family(); }
  bool is_fwmark() const { return fwmark != 0; }
  // Family first (all IPv4 services, then IPv6), then protocol, address, port, mark.
  friend std::strong_ordering operator<=>(const ServiceKey& a, const ServiceKey& b) {
    if (auto c = a.family() <=> b.family(); c != 0) return c;
    if (auto c = a.protocol <=> b.protocol; c != 0) return c;
    if (auto c = a.endpoint <=> b.endpoint; c != 0) return c;
    return a.fwmark <=> b.fwmark;
  }
  friend bool operator==(const ServiceKey&, const ServiceKey&) = default;
};

// "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 5" (inet6 fwmark: "FWM 5 IPv6").
std::string describe(const ServiceKey& key);

// Service flags (IP_VS_SVC_F_*). The kernel's HASHED bit is internal and is
// dropped when a dump is parsed.
inline constexpr std::uint32_t kServiceFlagPersistent = 0x0001;
inline constexpr std::uint32_t kServiceFlagOnePacket = 0x0004;  // one-packet scheduling (UDP)
inline constexpr std::uint32_t kServiceFlagScheduler1 = 0x0008;  // sh: fallback
inline constexpr std::uint32_t kServiceFlagScheduler2 = 0x0010;  // sh: port
inline constexpr std::uint32_t kServiceFlagScheduler3 = 0x0020;
inline constexpr std::uint32_t kServiceFlagHashed = 0x0002;      // kernel-internal

// Traffic counters as the kernel reports them (STATS64, or STATS on old kernels).
struct Stats {
  std::uint64_t connections = 0;
  std::uint64_t in_packets = 0;
  std::uint64_t out_packets = 0;
  std::uint64_t in_bytes = 0;
  std::uint64_t out_bytes = 0;
  std::uint64_t connection_rate = 0;  // per second, kernel-estimated
  std::uint64_t in_packet_rate = 0;
  std::uint64_t out_packet_rate = 0;
  std::uint64_t in_byte_rate = 0;
  std::uint64_t out_byte_rate = 0;
  bool operator==(const Stats&) const = default;
};

// Everything SET_SERVICE can change: what the config asks for and all an
// operation carries of a service.
struct ServiceSettings {
  ServiceKey key{};
  std::string scheduler = "wlc";
  std::uint32_t flags = 0;                 // kServiceFlag*
  std::uint32_t persistence_timeout_s = 0;  // meaningful with kServiceFlagPersistent
  // Persistence granularity as a prefix length: clients in the same /N share
  // a destination. nullopt = the whole address (/32 for IPv4, /128 for IPv6).
  std::optional<std::uint8_t> persistence_prefix{};
  std::string persistence_engine{};  // e.g. "sip"; empty = none

  bool persistent() const { return (flags & kServiceFlagPersistent) != 0; }
  bool one_packet() const { return (flags & kServiceFlagOnePacket) != 0; }
};

// A service in a table: its settings plus the kernel's counters. Build one
// from settings as Service{settings} (stats zero); a Service is-a
// ServiceSettings, so it is passed wherever settings are wanted.
struct Service : ServiceSettings {
  // Read-only, filled by dumps; never compared by the reconciler.
  Stats stats{};
};

// True when everything SET_SERVICE can change is equal (stats excluded).
bool same_settings(const ServiceSettings& a, const ServiceSettings& b);

// IP_VS_CONN_F_* forwarding methods.
enum class ForwardMethod : std::uint32_t { kNat = 0, kLocal = 1, kTunnel = 2, kDirectRoute = 3 };

// "Masq", "Local", "Tunnel", "Route" (ipvsadm's spelling).
std::string forward_method_name(ForwardMethod method);

enum class TunnelType : std::uint8_t { kIpip = 0, kGue = 1, kGre = 2 };

inline constexpr std::uint16_t kTunnelFlagChecksum = 0x0001;        // IP_VS_TUNNEL_ENCAP_FLAG_CSUM
inline constexpr std::uint16_t kTunnelFlagRemoteChecksum = 0x0002;  // IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM

struct DestinationCounters {
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::uint32_t persistent_connections = 0;
  Stats stats{};
};

// Everything SET_DEST can change of a real server, identified inside its
// service by its endpoint (address:port): what the config asks for and all an
// operation carries of a destination.
struct DestinationSettings {
  core::Endpoint endpoint{};
  ForwardMethod forward = ForwardMethod::kDirectRoute;
  std::int32_t weight = 1;
  std::uint32_t upper_threshold = 0;  // 0 = no limit
  std::uint32_t lower_threshold = 0;
  // Only used with ForwardMethod::kTunnel.
  TunnelType tunnel_type = TunnelType::kIpip;
  std::uint16_t tunnel_port = 0;   // GUE destination port
  std::uint16_t tunnel_flags = 0;  // kTunnelFlag*
};

// A real server in a table: its settings. The kernel's counters of a dumped
// destination live beside it (VirtualService::counters), so that a table
// built from the configuration, which the daemon keeps, carries none: 44
// bytes per destination instead of 144.
using Destination = DestinationSettings;

// True when the endpoints are equal (the kernel's identity of a destination).
bool same_identity(const DestinationSettings& a, const DestinationSettings& b);
// True when everything SET_DEST can change is equal (counters excluded).
bool same_settings(const DestinationSettings& a, const DestinationSettings& b);

struct VirtualService {
  Service service{};
  std::vector<Destination> destinations{};
  // Read-only, filled by dumps: the kernel's counters of each destination, in
  // the same order. Empty in a table built from the configuration, and in a
  // table whose destinations were changed since the dump (table_after).
  std::vector<DestinationCounters> counters{};

  // The counters of `d`, an element of `destinations`; zero when the table has none.
  const DestinationCounters& counters_of(const Destination& d) const;
};

// A whole IPVS table: what the config wants, or what a dump found.
struct IpvsTable {
  std::vector<VirtualService> services{};
};

// True when both list the same services with the same settings and the same
// destinations with the same settings, in the same order (stats and counters
// excluded): whatever is planned against one is planned against the other.
bool same_settings(const IpvsTable& a, const IpvsTable& b);

// A 64-bit digest (XXH3) of what same_settings() compares of one service:
// its settings and its destinations' settings, in any order (the kernel
// lists destinations newest first). Services that differ only in the order
// of their destinations have equal digests; services that differ otherwise
// have different ones but for a chance of about 2^-64.
std::uint64_t settings_digest(const VirtualService& service);

// GET_INFO.
struct IpvsInfo {
  std::uint32_t version = 0;               // 0x010201 is "1.2.1"
  std::uint32_t connection_table_size = 0;  // ipvsadm's "size="
};

// SET/GET_CONFIG, in seconds; 0 in a SET leaves that timeout unchanged.
struct Timeouts {
  std::uint32_t tcp_s = 0;
  std::uint32_t tcp_fin_s = 0;
  std::uint32_t udp_s = 0;
  bool operator==(const Timeouts&) const = default;
};

// IP_VS_STATE_*.
enum class SyncDaemonRole : std::uint32_t { kMaster = 1, kBackup = 2 };

// The connection-sync daemon (NEW/DEL/GET_DAEMON).
struct SyncDaemon {
  SyncDaemonRole role = SyncDaemonRole::kMaster;
  std::string interface{};  // multicast interface, e.g. "eth0"
  std::uint32_t sync_id = 0;
  // Optional; 0 / empty = kernel default.
  std::uint16_t max_payload = 0;       // UDP payload size
  std::optional<core::IpAddress> group{};      // multicast group (IPv4 or IPv6)
  std::uint16_t port = 0;              // multicast port (kernel default 8848)
  std::uint8_t ttl = 0;                // multicast TTL
};

}  // namespace lvsd::director
