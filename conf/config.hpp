#pragma once
// The lvsd configuration model: plain values, no YAML, no I/O. The YAML
// loader and the keepalived.conf importer both produce a Config; director,
// vrrp and healthcheck consume it. A Config that came out of load_file() has
// passed every rule in conf/validate.hpp, so consumers need not re-check.
//
// Defaults follow keepalived where it has one; docs/config.md lists them all.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/net_address.hpp"
#include "core/optional_text.hpp"
#include "core/sparse.hpp"
#include "core/result.hpp"
#include "core/script.hpp"

namespace lvsd::conf {

// Every duration in the model; the loaders accept "3s", "500ms", "1m", "1h" or
// a bare number of seconds (decimals allowed down to 1 ms).
using Duration = std::chrono::milliseconds;

// An optional Duration in 8 bytes (std::optional<Duration> takes 16): for the
// check defaults of a real server, which the daemon keeps one of per real
// server. Unset is Duration::min(), which no loader produces (durations are
// 0 or more). Reads like std::optional<Duration>.
class OptionalDuration {
 public:
  constexpr OptionalDuration() = default;
  constexpr OptionalDuration(std::nullopt_t) {}                   // NOLINT(google-explicit-constructor)
  // Any duration that converts to milliseconds without loss (5s, 500ms).
  template <typename Rep, typename Period>
    requires std::is_convertible_v<std::chrono::duration<Rep, Period>, Duration>
  constexpr OptionalDuration(std::chrono::duration<Rep, Period> value)  // NOLINT(google-explicit-constructor)
      : value_(value) {}
  constexpr bool has_value() const { return value_ != kUnset; }
  constexpr explicit operator bool() const { return has_value(); }
  constexpr const Duration& operator*() const { return value_; }
  constexpr const Duration* operator->() const { return &value_; }
  const Duration& value() const {
    if (!has_value()) throw std::bad_optional_access();
    return value_;
  }
  constexpr Duration value_or(Duration fallback) const { return has_value() ? value_ : fallback; }
  constexpr void reset() { value_ = kUnset; }
  constexpr std::optional<Duration> get() const { return has_value() ? std::optional<Duration>(value_) : std::nullopt; }
  friend constexpr bool operator==(const OptionalDuration&, const OptionalDuration&) = default;

 private:
  static constexpr Duration kUnset = Duration::min();
  Duration value_ = kUnset;
};

// ---------------------------------------------------------------- global

struct LvsSyncDaemon {
  std::string interface{};                   // required: where IPVS sync traffic goes
  std::optional<std::string> vrrp_instance{};  // follow this instance's MASTER/BACKUP role
  std::uint8_t sync_id = 0;                // 0-255, matched by the peer's backup daemon
  std::optional<std::uint16_t> maxlen{};     // sync message size; unset: kernel default
  std::uint16_t port = 8848;               // IPVS sync UDP port (kernel default)
  std::uint8_t ttl = 1;                    // multicast TTL, 1-255
  std::optional<core::IpAddress> group{};          // multicast group; unset: 224.0.0.81

  bool operator==(const LvsSyncDaemon&) const = default;
};

// Scale-out (docs/scale-out.md): how virtual servers marked `announce` are
// offered to the routing daemon. lvsd keeps a host route per announced VIP in
// `table` (FRR's `ip import-table`, BIRD's kernel protocol read it) while this
// node can serve the VIP, and a local route so IPVS receives its packets.
struct Announce {
  std::uint32_t table = 200;  // 1-252: the kernel routing table of announcement routes
  // After `lvsctl drain-node --stop` (or SIGTERM with drain_on_stop): how long
  // lvsd keeps forwarding what still arrives after withdrawing, before it stops.
  Duration drain_grace = std::chrono::seconds(10);
  bool drain_on_stop = false;  // SIGTERM drains first (withdraw, wait drain_grace, stop)

  bool operator==(const Announce&) const = default;
};

// keepalived's "USER [GROUP]" for scripts: script_user, MISC_CHECK's user.
struct ScriptUser {
  std::string user{};                 // a user name (it must exist when a script runs)
  std::optional<std::string> group{};  // unset: the user's primary group

  bool operator==(const ScriptUser&) const = default;
};

// keepalived's notify FIFOs (global_defs notify_fifo / vrrp_notify_fifo /
// lvs_notify_fifo and their _script): lvsd writes one line per event, as
// keepalived 2.2.7 does (daemon/fifo_lines.hpp), never blocking its loop.
struct NotifyFifo {
  std::string path{};                       // absolute; created (mkfifo, mode 0600) when missing
  std::optional<ScriptUser> owner{};        // owner of a FIFO lvsd creates; unset: lvsd's own user
  std::optional<std::string> script{};      // started once, with the FIFO's path as its last argument
  std::optional<ScriptUser> script_user{};  // unset: the global script_user

  bool operator==(const NotifyFifo&) const = default;
};

struct Global {
  std::string router_id{};  // empty: the host name at run time
  std::string control_socket = "/run/lvsd/lvsd.sock";
  // Prometheus listen address "ADDR:PORT" ("[v6]:PORT" for IPv6); unset: no metrics.
  std::optional<std::string> metrics{};
  std::optional<LvsSyncDaemon> lvs_sync_daemon{};
  bool lvs_flush = false;              // at start, remove IPVS services lvsd did not create
  bool lvs_flush_on_stop = false;      // at stop, remove the IPVS services lvsd created
  // IPVS's net.ipv4.vs.sloppy_tcp / sloppy_sctp (per network namespace):
  // create a connection entry from any packet of a flow, not only its first,
  // so a director that receives the middle of a flow (ECMP moved it, or a
  // failover) forwards it instead of dropping it. Unset: left as the kernel has it.
  std::optional<bool> sloppy_tcp{};
  std::optional<bool> sloppy_sctp{};
  // IPVS's connection timeouts (ipvsadm --set, keepalived's lvs_timeouts):
  // established TCP, TCP after FIN, UDP; whole seconds, at most 31 days.
  // Unset: the kernel's value is left alone.
  struct LvsTimeouts {
    std::optional<Duration> tcp{};
    std::optional<Duration> tcpfin{};
    std::optional<Duration> udp{};
    bool operator==(const LvsTimeouts&) const = default;
  };
  LvsTimeouts lvs_timeouts{};
  // How often the kernel's IPVS table is re-read and repaired; 0: never.
  Duration ipvs_resync_interval = std::chrono::seconds(30);
  std::optional<std::string> notify{};   // script run on every VRRP state change
  // Default user for scripts; unset: keepalived_script if it exists, else root.
  std::optional<ScriptUser> script_user{};
  // Refuse scripts run as root whose path a non-root user could change.
  bool enable_script_security = false;
  Announce announce{};
  // The VRRP multicast groups (keepalived's vrrp_mcast_group4/6); unset: the
  // RFC's 224.0.0.18 and ff02::12. Every peer must use the same group.
  std::optional<core::IpAddress> vrrp_mcast_group4{};
  std::optional<core::IpAddress> vrrp_mcast_group6{};
  // keepalived's vrrp_strict: the default of every instance's strict_mode.
  bool vrrp_strict = false;
  // Prefix of the VMAC interfaces' default names (keepalived's vmac_prefix): "vrrp" makes vrrp.51.
  std::string vmac_prefix = "vrrp";
  // keepalived's disable_local_igmp: while IPv4 VMACs exist, the kernel sends
  // no IGMP reports for 224.0.0.0/24 (net.ipv4.igmp_link_local_mcast_reports
  // 0, put back at stop) instead of lvsd moving them to the base interfaces.
  bool disable_local_igmp = false;
  // Notify FIFOs: notify_fifo gets every line, vrrp_notify_fifo the VRRP
  // ones, lvs_notify_fifo the real and virtual server ones.
  std::optional<NotifyFifo> notify_fifo{};
  std::optional<NotifyFifo> vrrp_notify_fifo{};
  std::optional<NotifyFifo> lvs_notify_fifo{};
  // Also write INSTANCE "name" MASTER_PRIORITY|BACKUP_PRIORITY prio lines.
  bool vrrp_notify_priority_changes = false;
  // keepalived's vrrp_startup_delay: at lvsd's start (not on a reload or a
  // restart in place that resumes masters), each instance's first
  // Master_Down_Timer runs this much longer. 0: none.
  Duration vrrp_startup_delay{0};

  bool operator==(const Global&) const = default;
};

// ---------------------------------------------------------------- VRRP

enum class VrrpState { kMaster, kBackup };
enum class AddressScope { kGlobal, kSite, kLink, kHost, kNowhere };

// One entry of virtual_ipaddress: "192.168.152.100/24 dev ens33 label ens33:2".
inline constexpr std::uint32_t kLifetimeForever = 0xFFFFFFFF;

struct VirtualIpAddress {
  core::IpPrefix prefix{};  // default length /32 (IPv4) or /128 (IPv6), as keepalived
  std::string dev{};            // empty: the instance's interface
  std::string label{};          // IPv4 only; must start with the device name
  std::optional<AddressScope> scope{};  // unset: kernel default (global)
  // The rest of keepalived's (and `ip address`'s) options.
  std::optional<core::IpAddress> broadcast{};  // brd, IPv4
  std::optional<core::IpAddress> peer{};       // the far end of a point-to-point address, the same family
  bool home = false;           // IPv6 home address (Mobile IPv6)
  bool mngtmpaddr = false;     // IPv6: make temporary addresses from it
  bool noprefixroute = false;  // no prefix route for it
  bool autojoin = false;       // join the multicast group it names
  // keepalived's no_track: the instance does not leave MASTER when the
  // address is deleted under it, nor go to FAULT while its dev is down.
  bool no_track = false;
  // Seconds, or kLifetimeForever; unset: forever, but 0 (deprecated) for an
  // IPv6 /128 (keepalived's default: such a VIP is not used as a source).
  std::optional<std::uint32_t> preferred_lft{};

  bool operator==(const VirtualIpAddress&) const = default;
};

// One entry of static_routes / virtual_routes, in `ip route` terms:
// "10.1.0.0/16 via 10.0.0.254 dev eth0 table 100 metric 5". Routes lvsd adds
// carry protocol 18 ("keepalived", as keepalived's) unless `protocol` says
// otherwise; 250 is lvsd's scale-out protocol and refused.
enum class RouteType { kUnicast, kBlackhole, kUnreachable, kProhibit, kThrow };
struct IpRoute {
  core::IpPrefix dst{};                  // "default": 0.0.0.0/0 or ::/0 (with inet6)
  RouteType type = RouteType::kUnicast;
  std::optional<core::IpAddress> via{};  // gateway (`via` or `gw`), the destination's family
  std::string dev{};                     // empty: the kernel picks by the gateway
  std::optional<core::IpAddress> src{};  // preferred source address
  std::uint32_t table = 254;             // 1-4294967295; `main` 254, `local` 255, `default` 253
  std::optional<std::uint32_t> metric{}; // `metric`, `priority` or `preference`
  std::optional<AddressScope> scope{};   // unset: link without a gateway, else global (as ip route)
  std::uint8_t protocol = 18;            // RTPROT_KEEPALIVED
  bool onlink = false;                   // the gateway is on the link even if no prefix says so

  bool operator==(const IpRoute&) const = default;
};

// One entry of static_rules / virtual_rules, in `ip rule` terms:
// "from 10.0.0.0/24 to 10.9.0.0/16 table 100 priority 1000 iif eth0 fwmark 0x10/0xff".
struct IpRule {
  core::AddressFamily family = core::AddressFamily::kIpv4;  // from the addresses, or inet6
  std::optional<core::IpPrefix> from{};
  std::optional<core::IpPrefix> to{};
  bool invert = false;                     // `not`: the selector is negated
  std::uint32_t table = 0;                 // required: `table N` or `lookup N`
  std::optional<std::uint32_t> priority{}; // `priority`, `preference` or `order`; unset: the kernel's
  std::string iif{};
  std::string oif{};
  std::optional<std::uint32_t> fwmark{};
  std::optional<std::uint32_t> fwmask{};   // with fwmark only

  bool operator==(const IpRule&) const = default;
};

struct VrrpAuthentication {
  // Only simple text (PASS, RFC 3768 section 5.3.6.1): AH is not implemented.
  std::string pass{};  // 1-8 characters, sent zero-padded in the advertisement

  bool operator==(const VrrpAuthentication&) const = default;
};

// keepalived's weight rule, shared by every tracked object (interface,
// script): 0 puts the instance in FAULT while the object is down; a positive
// weight is added to the priority while it is up, a negative one while it is
// down. `reverse` negates what is added (with weight 0: FAULT while up).
struct TrackInterface {
  std::string name{};
  int weight = 0;  // -253..253
  bool reverse = false;

  bool operator==(const TrackInterface&) const = default;
};

// A command run every `interval` whose exit status (0: up) moves the
// priority of the instances that track it (keepalived's vrrp_script).
struct VrrpScript {
  std::string name{};                           // required, unique
  std::string script{};                         // required; split into words as keepalived does, no shell
  Duration interval = std::chrono::seconds(1);  // between the end of one run and the start of the next
  Duration timeout{0};                          // a run still going after it fails; 0: the interval
  int weight = 0;                               // -253..253, the default for track_script
  bool reverse = false;
  int rise = 1;                                 // successes to go from down to up (1-1000)
  int fall = 1;                                 // failures to go from up to down (1-1000)
  std::optional<ScriptUser> user{};             // unset: the global script_user
  bool init_fail = false;                       // start down (needs `rise` successes), not unknown

  bool operator==(const VrrpScript&) const = default;
};

// One vrrp_scripts entry tracked by an instance, with the script's weight
// and reverse unless given here.
struct TrackScript {
  std::string name{};
  std::optional<int> weight{};
  std::optional<bool> reverse{};

  bool operator==(const TrackScript&) const = default;
};

// A file holding a number that moves the priority of the instances that
// track it (keepalived's track_file, formerly vrrp_track_file): the number
// times `weight` is added (reverse: subtracted), and a result of -254 or
// below puts the instance in FAULT; with weight 0, any number but 0 is FAULT.
// A missing file or one that holds no number counts as 0. The file is re-read
// when it changes (inotify).
struct TrackFile {
  std::string name{};               // required, unique
  std::string file{};               // required: an absolute path
  int weight = 1;                   // -254..254, the default for track_file in an instance
  bool reverse = false;
  // At start, create the file holding this value when it does not exist
  // (keepalived's init_file [VALUE]; VALUE defaults to 0), or always with
  // init_overwrite.
  std::optional<long> init_file{};
  bool init_overwrite = false;

  bool operator==(const TrackFile&) const = default;
};

// How a tracked process's parameters are compared (keepalived's param_match):
// exact: the same parameters, no more; partial: the configured ones first,
// then any more; initial: as partial, but the last configured one may be the
// start of the process's parameter.
enum class ParamMatch { kExact, kPartial, kInitial };

// A process whose running instances move the priority of the VRRP instances
// that track it (keepalived's vrrp_track_process). Without parameters,
// param_match or full_command, `process` is compared with the kernel's
// process name (/proc/PID/comm, at most 15 characters); otherwise with the
// command line's first word, and param_match compares the rest. The process
// is up while quorum <= running <= quorum_max.
struct TrackProcess {
  std::string name{};                    // required, unique
  std::string process{};                 // required
  std::vector<std::string> parameters{};
  std::optional<ParamMatch> param_match{};  // unset: exact when there are parameters, else none
  bool full_command = false;             // compare the command line's first word, not the process name
  int weight = 0;                        // -254..254, the default for track_process in an instance
  bool reverse = false;
  int quorum = 1;                        // 1..65535 (0 only with quorum_max 0)
  std::optional<int> quorum_max{};       // 0..65535; unset: no maximum
  Duration fork_delay{0};                // a count changed by a fork counts after this
  Duration terminate_delay{0};           // a count changed by an exit counts after this

  // Whether the command line is compared (parameters, param_match or full_command).
  bool matches_command_line() const { return full_command || !parameters.empty() || param_match.has_value(); }
  bool operator==(const TrackProcess&) const = default;
};

struct NotifyScripts {
  std::optional<std::string> master{}, backup{}, fault{}, stop{};
  // The generic script (YAML key `notify`), run on every state change with
  // INSTANCE|GROUP, the name, the state and the priority appended. Unset: the
  // global `notify`.
  std::optional<std::string> any{};
  // Instances only: run, as written, each time this MASTER hears a
  // lower-priority advert (keepalived's notify_master_rx_lower_pri).
  std::optional<std::string> master_rx_lower_pri{};
  // YAML key notify_priority_changes: MASTER_PRIORITY / BACKUP_PRIORITY FIFO
  // lines for this instance (a group's: for its members). Unset: the
  // group's, else global.vrrp_notify_priority_changes.
  std::optional<bool> priority_changes{};

  bool operator==(const NotifyScripts&) const = default;
};

struct VrrpInstance {
  std::string name{};                        // required, unique
  VrrpState state = VrrpState::kBackup;    // initial state
  std::string interface{};                   // required
  std::uint8_t virtual_router_id = 0;      // required, 1-255
  std::uint8_t priority = 100;             // 1-255; 255 = address owner (must be MASTER)
  Duration advert_int = std::chrono::seconds(1);  // v2: whole seconds 1-255; v3: 10 ms steps, <= 40.95 s
  int version = 2;                         // VRRP version: 2 (RFC 3768) or 3 (RFC 5798)
  std::optional<VrrpAuthentication> authentication{};  // v2 only
  std::vector<VirtualIpAddress> virtual_ipaddress{};   // at least one; one address family
  // Added and removed with virtual_ipaddress but not in the adverts (nor in
  // the v3 address-list check); any family.
  std::vector<VirtualIpAddress> virtual_ipaddress_excluded{};
  std::vector<IpRoute> virtual_routes{};   // added on becoming MASTER, removed on leaving it
  std::vector<IpRule> virtual_rules{};     // likewise
  std::optional<core::IpAddress> unicast_src_ip{};
  std::vector<core::IpAddress> unicast_peer{};   // empty: multicast (224.0.0.18 / ff02::12)
  bool check_unicast_ttl = true;           // unicast_peer only: drop adverts whose TTL is not 255
  bool nopreempt = false;                  // needs state BACKUP
  Duration preempt_delay{0};               // 0-1000 s
  std::vector<TrackInterface> track_interface{};
  std::vector<TrackScript> track_script{};   // vrrp_scripts[].name
  // track_files[].name, each with the file's weight and reverse unless given
  // here (the same shape as a track_script entry).
  std::vector<TrackScript> track_file{};
  // track_processes[].name, each with the process's weight and reverse unless given here.
  std::vector<TrackScript> track_process{};
  NotifyScripts notify{};                    // YAML keys notify_master, notify_backup, ...
  Duration garp_master_delay = std::chrono::seconds(5);  // second GARP burst after becoming MASTER; 0: none
  std::uint32_t garp_master_repeat = 5;    // GARPs per burst, 1-255
  Duration garp_master_refresh{0};         // periodic GARP while MASTER; 0: off
  std::uint32_t garp_master_refresh_repeat = 1;  // GARPs per periodic burst, 1-255
  // keepalived tracks the instance's own interface: while it is down the
  // instance is in FAULT. true: only track_interface is tracked.
  bool dont_track_primary = false;
  // Set net.ipv4.conf.IFACE.promote_secondaries on the instance's interface,
  // so removing a VIP that is the primary address of its subnet does not
  // remove the other addresses of that subnet with it. IPv4 only.
  bool promote_secondaries = false;
  // keepalived's strict RFC compliance (docs/config.md "Strict mode"): no
  // authentication, state MASTER only with priority 255, no preempt_delay,
  // and accept off by default. Unset: global.vrrp_strict.
  std::optional<bool> strict_mode{};
  // Accept_Mode (RFC 5798 6.1): whether a MASTER that does not own the
  // addresses (priority < 255) accepts packets addressed to them. false: they
  // are dropped (nftables) while MASTER. Unset: true, or false in strict mode.
  std::optional<bool> accept{};
  // keepalived's use_vmac: a macvlan interface (mode private) on `interface`
  // with the virtual router MAC of RFC 5798 7.3 (00:00:5e:00:01:VRID, IPv6
  // 00:00:5e:00:02:VRID) holds the VIPs of the instance's family that name no
  // other device, so they move between directors with their MAC; the adverts
  // go out on it too unless vmac_xmit_base. See docs/config.md "VMAC".
  bool use_vmac = false;
  std::string vmac_interface{};  // empty: global.vmac_prefix + "." + VRID (keepalived's vrrp.51)
  // 6 octets, or 5 and the VRID is the sixth (keepalived's form); empty: the RFC's.
  std::vector<std::uint8_t> vmac_address{};
  bool vmac_xmit_base = false;  // adverts on `interface` (its own MAC); needed with unicast_peer
  // keepalived's garp_extra_if: while MASTER, every this often (0: never),
  // gratuitous ARPs / unsolicited NAs for the VIPs on devices other than the
  // instance's interface and its VMAC; keepalived sends them on such devices
  // only if they are VMACs (use_vmac_addr, which lvsd does not make) unless
  // `all`, so without garp_extra_if_all it changes nothing here.
  Duration garp_extra_if{0};
  bool garp_extra_if_all = false;
  // keepalived's extensions to what a MASTER does on hearing another router
  // (docs/config.md "Master replies"; strict mode allows only the RFC's).
  // lower_prio_no_advert unset: true in strict mode, else false (a
  // lower-priority advert is answered at once with an advert).
  std::optional<bool> lower_prio_no_advert{};
  bool higher_prio_send_advert = false;    // one advert of ours before yielding to a higher one
  // Announcements on a lower-priority advert: per VIP now (0-255) and again
  // after the delay (0: no second burst). Unset: garp_master_repeat /
  // garp_master_delay, 0 in strict mode.
  std::optional<std::uint32_t> garp_lower_prio_repeat{};
  std::optional<Duration> garp_lower_prio_delay{};
  std::uint8_t down_timer_adverts = 3;     // adverts in Master_Down_Interval, 1-100 (the RFCs: 3)
  std::optional<std::uint8_t> unicast_ttl{};  // TTL / hop limit of unicast adverts sent, 1-255; unset: 255

  bool operator==(const VrrpInstance&) const = default;
};

struct VrrpSyncGroup {
  std::string name{};
  std::vector<std::string> group{};  // vrrp_instances[].name, at least one
  // Tracked by every member, as if listed in each member's track_process.
  std::vector<TrackScript> track_process{};
  NotifyScripts notify{};

  bool operator==(const VrrpSyncGroup&) const = default;
};

// ---------------------------------------------------------------- checks

// HTTP status codes accepted, inclusive. "200" is {200, 200}.
struct StatusCodeRange {
  int low = 200;
  int high = 299;  // default when status_code is not given: any 2xx

  bool operator==(const StatusCodeRange&) const = default;
};

// keepalived's regex_stack START MAX: the PCRE2 JIT stack's sizes in bytes.
struct RegexStack {
  std::uint64_t start = 0;
  std::uint64_t max = 0;  // >= start

  bool operator==(const RegexStack&) const = default;
};

struct UrlCheck {
  std::string path{};                   // required, starts with '/'
  // A response passes when its code is in any of these ranges (keepalived's
  // `status_code 200-299 503`). Default: any 2xx.
  std::vector<StatusCodeRange> status_code = {StatusCodeRange{}};
  std::optional<std::string> digest{};  // MD5 of the body, 32 lowercase hex digits
  // Host header (and, with enable_sni, the TLS server name) of this url; unset: the check's.
  std::optional<std::string> virtualhost{};
  // A PCRE2 pattern the response (from its first byte: status line, headers,
  // body) must match (with regex_no_match: must not), as keepalived 2.2.7.
  std::optional<std::string> regex{};
  bool regex_no_match = false;
  std::vector<std::string> regex_options{};  // keepalived's names ("caseless", "multiline", ...), as given
  // Where a match may start, in bytes from the response's first: at or after min, at or before max.
  std::optional<std::uint64_t> regex_min_offset{};
  std::optional<std::uint64_t> regex_max_offset{};
  std::optional<RegexStack> regex_stack{};

  bool operator==(const UrlCheck&) const = default;
};

struct TcpCheck {
  bool operator==(const TcpCheck&) const = default;
};

// keepalived's http_protocol: the request line's version and whether a
// "Connection: close" header is sent (1.0C and 1.1 send it).
enum class HttpProtocol { k1_0, k1_0C, k1_1 };

// HTTP_GET, or SSL_GET when tls is true.
struct HttpCheck {
  bool tls = false;
  std::vector<UrlCheck> url{};                // at least one; all must pass
  // Host header; unset: the real server's virtualhost, else the virtual server's.
  std::optional<std::string> virtualhost{};
  HttpProtocol http_protocol = HttpProtocol::k1_1;  // keepalived's default is 1.0 (the import writes it out)
  // SSL_GET: send a TLS server name (SNI): the url's virtualhost, else the
  // check's, else the virtual server's (keepalived 2.2.7 skips the real
  // server's); none without a name.
  bool enable_sni = false;

  bool operator==(const HttpCheck&) const = default;
};

enum class RedisRole { kAny, kMaster, kReplica };

struct RedisCheck {
  std::optional<std::string> password{};  // AUTH before PING/INFO
  RedisRole expect_role = RedisRole::kAny;

  bool operator==(const RedisCheck&) const = default;
};

struct MiscCheck {
  std::string misc_path{};                 // required: command line, split into words and executed (no shell)
  std::optional<Duration> misc_timeout{};  // unset: the delay_loop
  // Exit code 0 = up, 1 = down; with misc_dynamic, 2-255 = up with weight (code - 2).
  bool misc_dynamic = false;
  std::optional<ScriptUser> user{};        // unset: the global script_user

  bool operator==(const MiscCheck&) const = default;
};

// ICMP (ICMPv6) echo to connect_ip (default: the real server). No port:
// connect_port is accepted and not used.
struct PingCheck {
  bool operator==(const PingCheck&) const = default;
};

// keepalived's HEX_STR: bytes written as hex digits, in pairs, blanks apart
// ("Ab12f 3" is AB 12 0F 03: a lone last digit of a word is a byte of its
// own). In a reply pattern an x digit matches any value.
struct HexPattern {
  std::vector<std::uint8_t> bytes{};
  std::vector<std::uint8_t> wildcard{};  // per byte, the bits an x stands for (0 for none); as long as bytes

  bool operator==(const HexPattern&) const = default;
};

// One datagram to connect_ip:connect_port. Without require_reply it passes
// unless an ICMP error (port unreachable...) comes back within
// connect_timeout; with it a reply must come (and match `reply` if set).
struct UdpCheck {
  std::optional<HexPattern> payload{};  // unset: 16 random bytes; no x digits
  bool require_reply = false;
  std::optional<HexPattern> reply{};    // needs require_reply: the first bytes of the reply
  std::uint16_t min_reply_length = 0;   // with `reply`: the reply's length bounds
  std::uint16_t max_reply_length = 255;

  bool operator==(const UdpCheck&) const = default;
};

enum class DnsType { kA, kNs, kCname, kSoa, kMx, kTxt, kAaaa };

// One query over UDP; passes on a reply with its id and rcode NOERROR.
struct DnsCheck {
  DnsType type = DnsType::kSoa;
  std::string name = ".";  // the root

  bool operator==(const DnsCheck&) const = default;
};

// Greeting 220, HELO (250), QUIT.
struct SmtpCheck {
  std::optional<std::string> helo_name{};  // unset: this host's name

  bool operator==(const SmtpCheck&) const = default;
};

using CheckProbe = std::variant<TcpCheck, HttpCheck, RedisCheck, MiscCheck, PingCheck, UdpCheck, DnsCheck, SmtpCheck>;

struct Check {
  CheckProbe probe{};
  // Common keys. connect_ip/connect_port default to the real server's.
  std::optional<core::IpAddress> connect_ip{};
  std::optional<std::uint16_t> connect_port{};  // 1-65535
  // Unset: the real server's, else the virtual server's, else the default
  // (keepalived's inheritance; check_timing() resolves them).
  std::optional<Duration> connect_timeout{};     // default 5 s
  std::optional<std::uint32_t> retry{};  // 0-100 extra attempts, delay_before_retry apart, before a probe fails (alias nb_get_retry); default 1
  std::optional<Duration> delay_before_retry{};  // default 1 s
  std::optional<Duration> delay_loop{};         // unset: the real server's, else the virtual server's delay_loop
  std::uint32_t rise = 1;                     // consecutive successes to mark up, 1-100
  std::uint32_t fall = 1;                     // consecutive failures to mark down, 1-100
  // The probe's socket (not MISC_CHECK; REDIS_CHECK: bindto only): source
  // address (the target's family) and port, SO_BINDTODEVICE, SO_MARK (0: none).
  std::optional<core::IpAddress> bindto{};
  std::optional<std::uint16_t> bind_port{};  // 1-65535, needs bindto
  std::optional<std::string> bind_if{};      // an interface name (required for an IPv6 link-local target)
  std::optional<std::uint32_t> fwmark{};
  // Unset: the real server's, else the virtual server's (keepalived's inheritance).
  std::optional<Duration> warmup{};  // the first probe comes a random time in [0, warmup] after start; default delay_loop
  std::optional<bool> alpha{};       // true: starts down (not in the pool) until it passes (check_starts_up)

  bool operator==(const Check&) const = default;
};

// "TCP_CHECK", "HTTP_GET", "SSL_GET", "REDIS_CHECK", "MISC_CHECK", "PING_CHECK",
// "UDP_CHECK", "DNS_CHECK" or "SMTP_CHECK".
std::string_view check_keyword(const Check& check);

struct RealServer;
struct VirtualServer;

// A check's timing after keepalived's inheritance: the check's own value, else
// its real server's, else its virtual server's, else the default.
struct CheckTiming {
  Duration connect_timeout = std::chrono::seconds(5);
  std::uint32_t retry = 1;
  Duration delay_before_retry = std::chrono::seconds(1);
  Duration delay_loop = std::chrono::seconds(60);
  Duration warmup = std::chrono::seconds(60);  // the first probe's maximum delay; default delay_loop

  bool operator==(const CheckTiming&) const = default;
};
CheckTiming check_timing(const VirtualServer& vs, const RealServer& rs, const Check& check);
// Whether the check starts up, its real server in the pool before the check
// has run. keepalived 2.2.7 (measured with ipvsadm before the first check):
// only when the virtual server has no alpha (start_up) and the check has no
// alpha (its own, else its real server's); `alpha no` in a check or real
// server of a virtual server with alpha still waits for the first pass.
bool check_starts_up(const VirtualServer& vs, const RealServer& rs, const Check& check);

// ---------------------------------------------------------------- virtual servers

enum class Protocol { kTcp, kUdp, kSctp };
enum class ForwardingMethod { kDr, kNat, kTun };  // lb_kind
enum class TunnelType { kIpip, kGue, kGre };
// Checksums in GUE / GRE tunnel headers (ipvsadm --tun-nocsum/--tun-csum/--tun-remcsum).
enum class TunnelChecksum { kNone, kChecksum, kRemote };

// How IPVS forwards to one destination: the virtual server's lb_kind and
// tunnel settings, or a real or sorry server's own (keepalived's lvs_method
// in a real_server, sorry_server_lvs_method).
struct Forwarding {
  ForwardingMethod lb_kind = ForwardingMethod::kNat;
  TunnelType tunnel_type = TunnelType::kIpip;  // lb_kind TUN only
  std::optional<std::uint16_t> tunnel_port{};  // required for tunnel_type gue
  TunnelChecksum tunnel_checksum = TunnelChecksum::kNone;  // gue, gre (not remote)

  bool operator==(const Forwarding&) const = default;
};

// FILE_CHECK's own weight: keepalived 2.2.7 takes -2147483647..2147483647
// (measured: weight 70000 and a file holding 2 add 140000).
inline constexpr int kFileCheckWeightMax = 2147483647;

// A real server's settings that few configurations set (each one unset or
// at its default in the tables large sites keep): held by RealServer behind
// one pointer (core::Sparse), so that a real server without any costs 8 bytes
// for them instead of 112. Read them as rs.options->slow_start; write with
// rs.options.edit().slow_start = ..., or build one and assign it whole.
struct RealServerOptions {
  // Unset: the virtual server's lb_kind and tunnel settings.
  std::optional<Forwarding> forwarding{};
  // Unset: the virtual server's inhibit_on_failure. True: a failed real server
  // stays in IPVS with weight 0 instead of being removed.
  std::optional<bool> inhibit_on_failure{};
  std::optional<bool> alpha{};  // its checks' default for check_starts_up (see below)
  Duration slow_start{0};  // weight ramps from 0 to weight over this time after recovery
  // IPVS connection thresholds (keepalived's uthreshold / lthreshold): above
  // `upper` connections the server gets no new ones until it is back below
  // `lower`; 0: no limit (upper) / the kernel's 3/4 of upper (lower).
  std::uint32_t uthreshold = 0;
  std::uint32_t lthreshold = 0;
  // Command lines run (split into words, no shell, as the global script_user)
  // when a check takes the real server up / down, as keepalived does.
  core::OptionalText notify_up{};
  core::OptionalText notify_down{};
  // Defaults for its checks (each check's own value wins); unset: the virtual
  // server's.
  OptionalDuration connect_timeout{};
  std::optional<std::uint32_t> retry{};  // 0-100
  OptionalDuration delay_before_retry{};
  OptionalDuration delay_loop{};
  // Defaults for its checks too (each check's own wins): warmup unset: the
  // virtual server's; alpha (check_starts_up); virtualhost (HTTP Host) unset:
  // the virtual server's.
  OptionalDuration warmup{};
  core::OptionalText virtualhost{};
  // keepalived's FILE_CHECK: track_files[].name (YAML key track_file), each
  // with the file's weight and reverse unless given here. The file's number
  // times the weight is added to the weight; weight 0: any number but 0
  // (reverse: 0) takes the real server down (healthcheck/file_check.hpp).
  std::vector<TrackScript> file_checks{};

  bool operator==(const RealServerOptions&) const = default;
};

// One per real server of every virtual server, kept by the daemon for as long
// as the configuration runs: what nearly every real server sets is held
// inline, the rest (RealServerOptions) behind one pointer.
struct RealServer {
  core::IpAddress address{};
  std::uint16_t port = 0;  // 0: same as the virtual server (required with NAT)
  std::uint32_t weight = 1;  // 0-65535; 0 = quiesced
  std::vector<Check> checks{};  // empty: always up
  core::Sparse<RealServerOptions> options{};

  bool operator==(const RealServer&) const = default;
};

struct SorryServer {
  core::IpAddress address{};
  std::uint16_t port = 0;
  // Unset: the virtual server's lb_kind and tunnel settings.
  std::optional<Forwarding> forwarding{};
  // keepalived's sorry_server_inhibit: once the quorum is back, the sorry
  // server stays in IPVS at weight 0 (its connections drain) instead of being
  // removed.
  bool inhibit_on_failure = false;

  bool operator==(const SorryServer&) const = default;
};

// IPVS scheduler flags 1-3 (ipvsadm -b). sh and mh give the first two a
// meaning: fallback (a real server that is down or at weight 0 is skipped for
// another instead of refusing the connection) and port (the source port is
// hashed too, not only the source address). No Linux 6.1 scheduler reads
// flag 3; the others ignore all three.
struct SchedulerFlags {
  bool fallback = false;  // flag-1, sh-fallback, mh-fallback
  bool port = false;      // flag-2, sh-port, mh-port
  bool flag3 = false;     // flag-3
  bool any() const { return fallback || port || flag3; }
  bool operator==(const SchedulerFlags&) const = default;
};

// Sets the flag `name` names ("flag-1".."flag-3", "sh-fallback", "sh-port",
// "mh-fallback", "mh-port"); an error if the name is unknown, or names a flag
// of another scheduler than `lb_algo` (sh-port with rr).
core::Status set_scheduler_flag(SchedulerFlags& flags, std::string_view name, std::string_view lb_algo);
// The names ipvsadm prints for the flags set, in flag order: "sh-port" with
// sh, "mh-fallback" with mh, "flag-N" with any other scheduler.
std::vector<std::string> scheduler_flag_names(const SchedulerFlags& flags, std::string_view lb_algo);

// One line of a virtual_server_group: an address, or a range of addresses,
// with a port; or a fwmark. Each address (and each fwmark) is one IPVS service
// of every virtual server that uses the group.
struct VirtualServerGroupEntry {
  std::optional<core::IpAddress> address{};  // the (first) address
  // A range's last address, inclusive, of the same family and above `address`
  // ("10.0.0.2-10", "2001:db8::a-1f", "10.0.1.250-10.0.2.3"); unset: one address.
  std::optional<core::IpAddress> last{};
  std::uint16_t port = 0;  // address entries; 0 only for persistent services
  std::optional<std::uint32_t> fwmark{};  // 1-4294967295
  // fwmark entries: the service's family; unset: the virtual server's (family()).
  std::optional<core::AddressFamily> family{};

  // The addresses of an address entry, first to last (none for a fwmark).
  std::vector<core::IpAddress> addresses() const;
  // How many addresses: 1 for a single one; saturates at 2^32.
  std::uint64_t address_count() const;

  bool operator==(const VirtualServerGroupEntry&) const = default;
};

// keepalived's virtual_server_group: addresses and fwmarks that virtual
// servers name with `group` instead of one address or fwmark.
struct VirtualServerGroup {
  std::string name{};  // required, unique
  std::vector<VirtualServerGroupEntry> members{};  // at least one

  bool operator==(const VirtualServerGroup&) const = default;
};

struct VirtualServer {
  // Exactly one of address (with port), fwmark or group identifies the service.
  std::optional<core::IpAddress> address{};
  std::uint16_t port = 0;  // 0 only for persistent services (all ports)
  std::optional<std::uint32_t> fwmark{};  // 1-4294967295
  // virtual_server_groups[].name: one IPVS service per member of the group,
  // all with these settings and real servers (each checked once).
  core::OptionalText group{};
  // keepalived's ip_family: the family of a fwmark (or group) service, for
  // when its real servers do not say (all tunnelled across families).
  std::optional<core::AddressFamily> ip_family{};
  Protocol protocol = Protocol::kTcp;
  std::string lb_algo = "wlc";  // IPVS scheduler name: rr wrr lc wlc lblc lblcr dh sh mh sed nq fo ovf
  SchedulerFlags scheduler_flags{};
  ForwardingMethod lb_kind = ForwardingMethod::kNat;
  TunnelType tunnel_type = TunnelType::kIpip;  // lb_kind TUN only
  std::optional<std::uint16_t> tunnel_port{};    // required for tunnel_type gue
  TunnelChecksum tunnel_checksum = TunnelChecksum::kNone;  // gue, gre (not remote)
  Duration persistence_timeout{0};  // 0: no persistence; whole seconds
  // Client address mask for persistence, as a prefix length (IPv4 netmask
  // 255.255.255.0 is 24). Unset: /32 or /128.
  std::optional<int> persistence_granularity{};
  // IPVS persistence engine (ipvsadm --pe): "sip" (Linux's only one, module
  // ip_vs_pe_sip) keeps a SIP Call-ID on one real server. Needs persistence.
  core::OptionalText persistence_engine{};
  Duration delay_loop = std::chrono::seconds(60);  // default check interval
  // Defaults for the checks of its real servers (below theirs and the checks' own).
  // (OptionalText, OptionalDuration: 8 bytes where std::optional takes 40 or
  // 16; the daemon keeps one VirtualServer per service.)
  OptionalDuration connect_timeout{};
  std::optional<std::uint32_t> retry{};  // 0-100
  OptionalDuration delay_before_retry{};
  OptionalDuration warmup{};  // the checks' default warmup; unset: each check's delay_loop
  std::uint32_t quorum = 1;      // healthy weight sum needed to keep the service up
  std::uint32_t hysteresis = 0;
  std::optional<SorryServer> sorry_server{};  // used when the quorum is lost
  // Command lines run (split into words, no shell, as the global script_user)
  // when a check takes the pool's quorum up / down (keepalived's quorum_up /
  // quorum_down). Not at start while the quorum holds, nor on reload.
  core::OptionalText quorum_up{};
  core::OptionalText quorum_down{};
  // keepalived's `omega`: when lvsd stops (not on a hitless restart), run
  // quorum_down and every up real server's notify_down.
  bool omega = false;
  bool inhibit_on_failure = false;
  bool ha_suspend = false;  // run checks only while a VRRP instance owning the address is MASTER
  // One-packet scheduling (keepalived's `ops`, ipvsadm -o): every UDP
  // datagram is scheduled on its own, no connection entry is kept. UDP only.
  bool ops = false;
  // false (default): a real server joins the pool only after its first
  // passing check. true: every real server is in the pool from the start and
  // leaves on failures (keepalived's behaviour without `alpha`).
  bool start_up = false;
  core::OptionalText virtualhost{};  // default Host for HTTP_GET/SSL_GET
  // Scale-out: announce the address to the routing daemon while this node
  // can serve it (global.announce). Address-based services only.
  bool announce = false;
  std::vector<RealServer> real_servers{};

  // The service's family: the address's, else ip_family, else for fwmark and
  // group the first real server's (IPv4 if none).
  core::AddressFamily family() const;
  // Its own lb_kind and tunnel settings.
  Forwarding forwarding() const {
    return {.lb_kind = lb_kind, .tunnel_type = tunnel_type, .tunnel_port = tunnel_port, .tunnel_checksum = tunnel_checksum};
  }

  bool operator==(const VirtualServer&) const = default;
};

// ---------------------------------------------------------------- whole file

struct Config {
  Global global{};
  std::vector<VrrpScript> vrrp_scripts{};
  std::vector<TrackFile> track_files{};
  std::vector<TrackProcess> track_processes{};
  std::vector<VrrpInstance> vrrp_instances{};
  std::vector<VrrpSyncGroup> vrrp_sync_groups{};
  std::vector<VirtualServerGroup> virtual_server_groups{};
  std::vector<VirtualServer> virtual_servers{};
  // Set at start and on every reload (re-added if missing), left in place at stop.
  std::vector<VirtualIpAddress> static_ipaddress{};  // dev required
  std::vector<IpRoute> static_routes{};
  std::vector<IpRule> static_rules{};

  bool operator==(const Config&) const = default;
};

// The group named `name`, or nullptr.
const VirtualServerGroup* find_virtual_server_group(const Config& config, std::string_view name);

// The IPVS scheduler names accepted by lb_algo.
const std::vector<std::string>& lb_algorithms();

std::string_view to_string(VrrpState v);         // "MASTER" / "BACKUP"
std::string_view to_string(ParamMatch v);        // "exact", "partial", "initial"
std::string_view to_string(AddressScope v);      // "global", "site", "link", "host", "nowhere"
std::string_view to_string(RedisRole v);         // "any", "master", "replica"
std::string_view to_string(DnsType v);           // "A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"
std::string_view to_string(HttpProtocol v);      // "1.0", "1.0C", "1.1"
std::string_view to_string(Protocol v);          // "TCP", "UDP", "SCTP"
std::string_view to_string(ForwardingMethod v);  // "DR", "NAT", "TUN"
std::string_view to_string(TunnelType v);        // "ipip", "gue", "gre"
std::string_view to_string(TunnelChecksum v);    // "nocsum", "csum", "remcsum"
std::string_view to_string(RouteType v);         // "unicast", "blackhole", "unreachable", "prohibit", "throw"

// The instance's strict mode: its own strict_mode, else global.vrrp_strict.
bool strict_mode(const Global& global, const VrrpInstance& instance);
// Whether the instance accepts packets to its VIPs while MASTER: always for
// the address owner (priority 255), else its `accept`, else not in strict mode.
bool accept_mode(const Global& global, const VrrpInstance& instance);
// use_vmac: the VMAC interface's name of each vrrp_instances[] entry (empty
// without use_vmac). vmac_interface if given; else, as keepalived 2.2.7 names
// them (measured), the first free of PREFIX.VRID, (IPv6 only) PREFIX6.VRID,
// PREFIX1.VRID, PREFIX2.VRID, ..., in file order, the given names taken first.
std::vector<std::string> vmac_names(const std::vector<VrrpInstance>& instances, const std::string& prefix);
// Its MAC: vmac_address (the sixth octet the VRID when five are given), else
// 00:00:5e:00:01:VRID for IPv4 VIPs and 00:00:5e:00:02:VRID for IPv6 ones.
std::array<std::uint8_t, 6> vmac_mac(const VrrpInstance& instance);
// "00:00:5e:00:01:33"
std::string mac_text(std::span<const std::uint8_t> mac);
// The instance's lower_prio_no_advert / garp_lower_prio_* with their defaults applied.
bool lower_prio_no_advert(const Global& global, const VrrpInstance& instance);
std::uint32_t garp_lower_prio_repeat(const Global& global, const VrrpInstance& instance);
Duration garp_lower_prio_delay(const Global& global, const VrrpInstance& instance);

// The policy a script runs under: its own user (MISC_CHECK `user`) if set,
// else the global script_user; enable_script_security applies to all.
core::ScriptPolicy script_policy(const Global& global, const std::optional<ScriptUser>& own = std::nullopt);

}  // namespace lvsd::conf
