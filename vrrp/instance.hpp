#pragma once
// The running VRRP router of one virtual router (one vrrp_instance): the glue
// between the pure parts (Fsm, packet codec, timer math) and the I/O. It
// turns the Fsm's actions into timers on the Scheduler, adverts on an
// AdvertPort, VIPs through a VipPort and announcements (gratuitous ARP /
// unsolicited NA) through an AnnouncePort. Incoming datagrams and link
// changes are pushed in by the owner (daemon/vrrp_runtime.cpp in
// production, fakes in tests), so the whole runtime runs on FakeScheduler.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "vrrp/addr.hpp"
#include "vrrp/fsm.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/socket.hpp"

namespace lvsd::vrrp {

// Where adverts go: the raw socket in production.
class AdvertPort {
 public:
  virtual ~AdvertPort() = default;
  virtual core::Status send(std::span<const std::uint8_t> payload, const core::IpAddress& destination) = 0;
};

// The interface's addresses: AddressClient in production.
class VipPort {
 public:
  virtual ~VipPort() = default;
  virtual core::Status add(const VipSpec& vip) = 0;
  virtual core::Status remove(const VipSpec& vip) = 0;
  virtual core::Result<std::vector<InterfaceAddress>> list(core::AddressFamily family, int ifindex) = 0;
};

// Gratuitous ARP (IPv4) or unsolicited NA (IPv6) for one VIP.
class AnnouncePort {
 public:
  virtual ~AnnouncePort() = default;
  virtual core::Status announce(const core::IpAddress& vip) = 0;
};

// keepalived's rule for a tracked object (link, script, process): weight 0
// puts the instance in Fault while the object is down (reverse: while up); a
// positive weight is added to the priority while it is up, a negative one
// while it is down, and `reverse` negates what is added (weight 10 reverse:
// -10 while up). An address owner (priority 255) ignores weights.
struct TrackedLink {
  std::string name{};
  int weight = 0;
  bool reverse = false;
  bool operator==(const TrackedLink&) const = default;
};

// A vrrp_script this instance tracks; its results come through on_script().
struct TrackedScript {
  std::string name{};
  int weight = 0;
  bool reverse = false;
  bool operator==(const TrackedScript&) const = default;
};

// The priority change of one tracked object with this weight when it is up or down.
int tracked_weight(int weight, bool reverse, bool up);

// A track_file this instance tracks; its number comes through on_file().
struct TrackedFile {
  std::string name{};
  int weight = 1;  // -254..254
  bool reverse = false;
  bool operator==(const TrackedFile&) const = default;
};

// A vrrp_track_process this instance tracks (its own, or its sync group's);
// whether the process has its quorum comes through on_process(). The
// weight rule is track_script's (tracked_weight(); 0: FAULT while down).
struct TrackedProcess {
  std::string name{};
  int weight = 0;  // -254..254
  bool reverse = false;
  bool operator==(const TrackedProcess&) const = default;
};

// keepalived's rule for a tracked file holding `value`: with weight 0, any
// value but 0 is FAULT (reverse: 0 is); otherwise value x weight (negated
// with reverse) moves the priority, and -254 or less is FAULT.
struct FileEffect {
  bool fault = false;
  long delta = 0;  // priority change when not in FAULT (bounded to +-100000)
  bool operator==(const FileEffect&) const = default;
};
FileEffect track_file_effect(long value, int weight, bool reverse);

// A track_file's contents as keepalived reads them: an optional sign and
// digits after leading blanks; anything else (or nothing) is 0.
long parse_track_file_value(std::string_view text);

// One object an instance tracks and what it does to the instance now
// (`lvsctl status`).
struct TrackedEffect {
  std::string kind{};   // "interface", "script", "process", "file"
  std::string name{};
  // "up", "down", "unknown" (a script with no result yet, a process not
  // counted yet); a process is up while it has its quorum; a file: "value N"
  std::string state{};
  bool fault = false;   // holds the instance in FAULT (weight 0, or a file at -254 or less)
  int delta = 0;        // what it adds to the priority now (0 for an address owner)
  bool operator==(const TrackedEffect&) const = default;
};

struct InstanceConfig {
  std::string name{};
  std::string interface{};
  int ifindex = 0;
  Version version = Version::kV2;
  core::AddressFamily family = core::AddressFamily::kIpv4;
  std::uint8_t vrid = 0;
  std::uint8_t priority = 100;
  Centiseconds advert_interval{100};
  // Our primary address: the source of our adverts and the tie-breaker.
  core::IpAddress primary_address{};
  std::vector<VipSpec> vips{};  // each with its own ifindex (a VIP may live on another device)
  AuthType auth_type = AuthType::kNone;
  AuthData auth_data{};
  std::vector<core::IpAddress> unicast_peers{};  // empty: multicast
  bool check_unicast_ttl = true;           // unicast mode: drop adverts whose TTL is not 255
  bool preempt = true;
  core::Duration preempt_delay{0};
  std::vector<TrackedLink> track_interface{};
  std::vector<TrackedScript> track_script{};
  std::vector<TrackedFile> track_file{};
  std::vector<TrackedProcess> track_process{};
  std::uint32_t garp_master_repeat = 5;
  core::Duration garp_master_delay = std::chrono::seconds(5);  // 0: no second burst
  core::Duration garp_master_refresh{0};                      // 0: no periodic burst
  std::uint32_t garp_master_refresh_repeat = 1;               // per periodic burst
  std::optional<core::IpAddress> multicast_group{};            // unset: 224.0.0.18 / ff02::12
  // A Master hearing another router (FsmConfig has the rules): the
  // announcements on a lower-priority advert, garp_lower_prio_repeat per VIP
  // now (0: none) and again after garp_lower_prio_delay (0: no second burst).
  bool lower_prio_no_advert = false;
  bool higher_prio_send_advert = false;
  std::uint32_t garp_lower_prio_repeat = 5;
  core::Duration garp_lower_prio_delay = std::chrono::seconds(5);
  std::uint8_t down_timer_adverts = 3;                         // 1-100

  bool operator==(const InstanceConfig&) const = default;
};

struct LastTransition {
  core::TimePoint at{};
  State from = State::kInitialize;
  State to = State::kInitialize;
  std::string reason{};
};

// What `lvsctl status` and the metrics show about one instance.
struct InstanceStatus {
  std::string name{};
  std::string interface{};
  std::uint8_t vrid = 0;
  Version version = Version::kV2;
  State state = State::kInitialize;
  std::uint8_t base_priority = 0;
  std::uint8_t effective_priority = 0;  // after weighted track_interface
  std::optional<core::IpAddress> master_address{};
  Centiseconds master_advert_interval{0};
  std::vector<core::IpAddress> vips{};
  std::vector<std::string> interfaces_down{};  // tracked links (and scripts, "script NAME") that are down
  std::vector<TrackedEffect> tracked{};  // every tracked object, in config order (interfaces, scripts, processes, files)
  // Started, but waiting for the first result of a weight-0 tracked script
  // (keepalived's INIT): the Fsm has not left Initialize yet.
  bool waiting_for_scripts = false;
  std::optional<LastTransition> last_transition{};
  std::uint64_t adverts_sent = 0;
  std::uint64_t advert_send_errors = 0;
  std::uint64_t adverts_received = 0;  // accepted by the decoder
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::kCount)> dropped{};  // by DropReason
  std::uint64_t garps_sent = 0;
  std::uint64_t lower_priority_adverts = 0;  // heard as Master (keepalived's MASTER_RX_LOWER_PRI)
  std::uint64_t vip_errors = 0;        // failed adds/removes
  std::array<std::uint64_t, kStateCount> transitions_into{};  // by State
  // Filled by the owner (daemon/vrrp_runtime.cpp), which adds and removes
  // the instance's virtual_routes / virtual_rules: those held now, as text.
  std::vector<std::string> routes_held{};
  std::vector<std::string> rules_held{};
};

class Instance {
 public:
  // Called after every state change (after the actions were carried out).
  using StateListener = std::function<void(const Instance&, State from, State to)>;

  Instance(core::Scheduler& scheduler, InstanceConfig config, AdvertPort& adverts, VipPort& vips,
           AnnouncePort& announcer);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void set_state_listener(StateListener listener) { listener_ = std::move(listener); }
  // Called when tracking (interfaces, scripts, files) changed the effective
  // priority, with the new one (keepalived's notify_priority_changes).
  using PriorityListener = std::function<void(const Instance&, std::uint8_t priority)>;
  void set_priority_listener(PriorityListener listener) { priority_listener_ = std::move(listener); }
  // Called when this Master heard a lower-priority advert, with our priority
  // (keepalived's notify_master_rx_lower_pri and MASTER_RX_LOWER_PRI line).
  using LowerPriorityListener = std::function<void(const Instance&, std::uint8_t priority)>;
  void set_lower_priority_listener(LowerPriorityListener listener) { lower_listener_ = std::move(listener); }
  // Addresses of this host on the interface (for the decoder's own-address check).
  void set_own_addresses(std::vector<core::IpAddress> addresses);

  // Removes leftover VIPs (a crash) and starts the Fsm (Backup, or Fault if a
  // tracked link is down, or Master for the address owner).
  // resume_master (hitless restart, the instance was Master before the
  // re-exec): keeps the VIPs and goes straight to Master, advertising at once.
  // startup_delay: keepalived's vrrp_startup_delay (event::Startup).
  void start(bool resume_master = false, core::Duration startup_delay = core::Duration::zero());
  // The graceful stop: a master sends priority 0 and removes its VIPs.
  void stop();
  // A datagram read from the instance's socket.
  void on_datagram(const Datagram& datagram);
  // A link changed (any link: the instance picks its tracked ones).
  void on_link(const std::string& name, bool up);
  // `address` was deleted from `ifindex` (by someone else: the caller checks
  // it is gone now): a MASTER holding it as a tracked VIP resigns.
  void on_address_deleted(int ifindex, const core::IpAddress& address);
  // A vrrp_script's verdict changed (any script: the instance picks its
  // tracked ones). Until the first one, a tracked script counts as down; an
  // instance tracking one with weight 0 does not start before it is known.
  void on_script(const std::string& name, bool up);
  // A track_file's number changed (any file: the instance picks its tracked
  // ones). Until told otherwise a tracked file counts as 0.
  void on_file(const std::string& name, long value);
  // A vrrp_track_process's verdict (any: the instance picks its tracked
  // ones). Until told, a tracked process counts as down for the weights; the
  // owner tells the instance before it starts.
  void on_process(const std::string& name, bool up);
  // Sync groups: force this instance along with its group.
  void handle(const Event& event);
  // A master sends an advert now and restarts its Adver_Timer (reload: before slow work).
  void advertise_now();
  // A master announces its VIPs as on hearing a lower-priority advert
  // (garp_lower_prio_repeat, again after garp_lower_prio_delay); its sync
  // group calls it when another member heard one, as keepalived does.
  void announce_lower_priority();

  State state() const { return fsm_.state(); }
  const InstanceConfig& config() const { return config_; }
  const Fsm& fsm() const { return fsm_; }
  InstanceStatus status() const;

 private:
  void apply(const std::vector<Action>& actions);
  void send_advert(std::uint8_t priority);
  void add_vips();
  void remove_vips();
  // `repeat` gratuitous ARPs / unsolicited NAs per VIP.
  void garp_burst(std::uint32_t repeat);
  void start_garp_schedule();
  void stop_garp_schedule();
  void update_tracked_priority();
  core::Duration remaining_startup_delay() const;
  // What each tracked object does to the instance now (status()).
  std::vector<TrackedEffect> tracked_effects() const;
  bool scripts_known() const;
  // The Fsm's fault name of a tracked script.
  static std::string script_fault_name(const std::string& script) { return "script " + script; }
  static std::string file_fault_name(const std::string& file) { return "file " + file; }
  static std::string process_fault_name(const std::string& process) { return "process " + process; }
  LocalExpectations expectations() const;

  core::Scheduler& scheduler_;
  InstanceConfig config_;
  AdvertPort& adverts_;
  VipPort& vip_port_;
  AnnouncePort& announcer_;
  Fsm fsm_;
  StateListener listener_;
  PriorityListener priority_listener_;
  LowerPriorityListener lower_listener_;
  std::vector<core::IpAddress> own_addresses_;
  std::map<std::string, bool> link_down_;  // tracked link -> down
  std::map<std::string, std::optional<bool>> script_up_;  // tracked script -> up; unset: no result yet
  std::map<std::string, long> file_value_;                 // tracked file -> its number
  std::map<std::string, std::optional<bool>> process_up_;  // tracked process -> has its quorum; unset: not told yet
  std::optional<bool> pending_start_;  // start(resume_master) waiting for scripts
  core::TimePoint startup_until_{};     // vrrp_startup_delay ends
  std::unique_ptr<core::Timer> adver_timer_, master_down_timer_, preempt_timer_, garp_delay_timer_,
      garp_refresh_timer_, garp_lower_timer_;
  InstanceStatus counters_;
};

// The Fsm configuration of an instance.
FsmConfig fsm_config(const InstanceConfig& config);

}  // namespace lvsd::vrrp
