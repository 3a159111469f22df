#pragma once
// The VRRP state machine (RFC 3768 6.4, RFC 5798 6.4), plus a Fault state
// for tracked interfaces (keepalived's extension). Pure: handle() takes an
// event and returns the actions to take, as data. It never touches a
// socket, a loop or a clock: timers are actions, and the glue arms real
// timers and feeds their expiry back as events.
//
// Dispatch is a [state][event] table; every state change goes through one
// function that logs it, counts it, records it in history() and emits
// RunNotify.
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "vrrp/interval.hpp"
#include "core/net_address.hpp"

namespace lvsd::vrrp {

enum class State : std::uint8_t { kInitialize, kBackup, kMaster, kFault };
inline constexpr std::size_t kStateCount = 4;

std::string_view to_string(State state);  // "INIT", "BACKUP", "MASTER", "FAULT"
// The state name a notify script receives, as keepalived passes it:
// "MASTER", "BACKUP", "FAULT", and "STOP" for Initialize (shut down).
std::string_view notify_name(State state);

namespace event {
// resume_master: a hitless restart (lvsd re-executed itself while this
// instance was Master): go straight back to Master, keeping the VIPs, so the
// peer never sees Master_Down_Interval pass.
// delay: keepalived's vrrp_startup_delay (a fresh start only): the first
// Master_Down_Timer runs this much longer (an address owner waits this long
// in Backup instead of becoming Master at once).
struct Startup {
  bool resume_master = false;
  core::Duration delay{0};
};
struct Shutdown {};
struct MasterDownTimerFired {};
struct AdverTimerFired {};
struct PreemptDelayExpired {};
// A decoded advert that passed every packet check (see packet.hpp).
struct AdvertReceived {
  std::uint8_t priority = 0;
  core::IpAddress source{};                    // the sender's primary address
  Centiseconds advert_interval{100};   // v3: Max Adver Int; v2: Adver Int
};
struct InterfaceDown { std::string name; };  // a tracked interface (track_interface)
struct InterfaceUp { std::string name; };
// The effective priority after weighted tracking; clamped to 1..255
// (0 is reserved for "master resigns", RFC 5798 5.2.4).
struct PriorityChanged { std::uint8_t priority = 0; };
// Sync groups (keepalived's vrrp_sync_group): another member of our group
// left Master for Backup, so a master here follows it (no resign advert:
// the peer that won takes the whole group).
struct SyncGroupBackup { std::string reason; };
// One of our VIPs was deleted under us (by someone else) while MASTER:
// keepalived resigns (a priority-0 advert, the VIPs go) and a new election
// follows, which it wins again after Skew_Time if nobody higher answers.
struct VipDeleted { std::string address; };
}  // namespace event

using Event = std::variant<event::Startup, event::Shutdown, event::MasterDownTimerFired,
                           event::AdverTimerFired, event::PreemptDelayExpired, event::AdvertReceived,
                           event::InterfaceDown, event::InterfaceUp, event::PriorityChanged,
                           event::SyncGroupBackup, event::VipDeleted>;
inline constexpr std::size_t kEventCount = std::variant_size_v<Event>;

std::string_view event_name(const Event& event);

namespace action {
struct SendAdvert { std::uint8_t priority = 0; bool operator==(const SendAdvert&) const = default; };
struct AddVips { bool operator==(const AddVips&) const = default; };
struct RemoveVips { bool operator==(const RemoveVips&) const = default; };
// Gratuitous ARP / unsolicited NA for every VIP (RFC 5798 6.4.2).
struct SendGarp { bool operator==(const SendGarp&) const = default; };
// A Master heard a lower-priority advert (keepalived's extension to RFC 5798
// 6.4.3): announce the VIPs again (garp_lower_prio_repeat now, again after
// garp_lower_prio_delay) and tell notify_master_rx_lower_pri / the FIFOs.
struct LowerPriorityHeard {
  std::uint8_t priority = 0;  // ours, as the notify FIFO line carries it
  bool operator==(const LowerPriorityHeard&) const = default;
};
// Each Start* (re)arms that timer; the glue fires the matching event.
struct StartAdverTimer { core::Duration interval{}; bool operator==(const StartAdverTimer&) const = default; };
struct StartMasterDownTimer {
  core::Duration interval{};
  bool operator==(const StartMasterDownTimer&) const = default;
};
struct StartPreemptDelayTimer {
  core::Duration delay{};
  bool operator==(const StartPreemptDelayTimer&) const = default;
};
// Cancels the advert, master-down and preempt-delay timers.
struct StopTimers { bool operator==(const StopTimers&) const = default; };
struct RunNotify {
  State state = State::kInitialize;
  std::uint8_t priority = 0;
  bool operator==(const RunNotify&) const = default;
};
}  // namespace action

using Action = std::variant<action::SendAdvert, action::AddVips, action::RemoveVips, action::SendGarp,
                            action::LowerPriorityHeard, action::StartAdverTimer, action::StartMasterDownTimer,
                            action::StartPreemptDelayTimer, action::StopTimers, action::RunNotify>;

std::string describe(const Action& action);  // for logs and test failure messages

struct FsmConfig {
  std::string name{};  // instance name, for logs
  Version version = Version::kV3;
  std::uint8_t priority = 100;  // 1..254, or 255 for the address owner
  Centiseconds advert_interval{100};  // Advertisement_Interval
  core::IpAddress primary_address{};  // ours, for the equal-priority tie-break (RFC 5798 6.4.3)
  bool preempt = true;  // false = keepalived's nopreempt
  // After startup or leaving Fault, do not preempt a lower-priority master
  // for this long (keepalived's preempt_delay). 0 = preempt at once.
  core::Duration preempt_delay{0};
  // What a Master does on hearing another router (keepalived's extensions
  // to RFC 5798 6.4.3, its defaults): a lower-priority advert is answered at
  // once with an advert of ours unless lower_prio_no_advert; a higher one
  // gets one last advert of ours before we yield only with higher_prio_send_advert.
  bool lower_prio_no_advert = false;
  bool higher_prio_send_advert = false;
  // Master_Down_Interval = down_timer_adverts x Master_Adver_Interval +
  // Skew_Time (the RFCs: 3; keepalived's down_timer_adverts, 1-100).
  std::uint8_t down_timer_adverts = 3;
};

struct Transition {
  State from;
  State to;
  std::string reason{};
};

class Fsm {
 public:
  static constexpr std::size_t kHistorySize = 32;

  explicit Fsm(FsmConfig config);

  std::vector<Action> handle(const Event& event);

  State state() const { return state_; }
  const FsmConfig& config() const { return config_; }
  std::uint8_t priority() const { return priority_; }  // effective priority
  Centiseconds master_adver_interval() const { return master_adver_interval_; }
  core::Duration master_down_interval() const;
  core::Duration skew_time() const;
  bool preempt_blocked() const { return preempt_blocked_; }
  // The master we last accepted an advert from (Backup), or ours (Master).
  std::optional<core::IpAddress> master_address() const { return master_address_; }
  const std::set<std::string>& interfaces_down() const { return interfaces_down_; }
  // The last kHistorySize state changes, oldest first.
  const std::deque<Transition>& history() const { return history_; }
  std::uint64_t transitions_into(State state) const { return transitions_into_[static_cast<std::size_t>(state)]; }

 private:
  using Actions = std::vector<Action>;
  using Handler = void (Fsm::*)(const Event&, Actions&);
  static const std::array<std::array<Handler, kEventCount>, kStateCount> kTable;

  bool owner() const { return config_.priority == 255; }
  void change_state(State to, std::string reason, Actions& out);
  void enter_backup(std::string reason, bool start_preempt_delay, Actions& out);
  void enter_master(std::string reason, Actions& out);
  void enter_fault(std::string reason, Actions& out);
  void leave_fault_or_start(std::string reason, Actions& out);

  // Handlers, named state_event.
  void ignore(const Event&, Actions&) {}
  void init_startup(const Event&, Actions& out);
  static std::string tracked_object(const std::string& name);
  void track_down(const Event& e, Actions& out);
  void track_up(const Event& e, Actions& out);
  void set_priority(const Event& e, Actions& out);
  void backup_shutdown(const Event&, Actions& out);
  void backup_master_down(const Event&, Actions& out);
  void backup_preempt_delay_expired(const Event&, Actions& out);
  void backup_advert(const Event& e, Actions& out);
  void master_shutdown(const Event&, Actions& out);
  void master_adver_timer(const Event&, Actions& out);
  void master_advert(const Event& e, Actions& out);
  void master_sync_group_backup(const Event& e, Actions& out);
  void master_vip_deleted(const Event& e, Actions& out);
  void fault_shutdown(const Event&, Actions& out);

  FsmConfig config_;
  State state_ = State::kInitialize;
  std::uint8_t priority_;
  Centiseconds master_adver_interval_;
  bool preempt_blocked_ = false;
  core::Duration startup_delay_{0};  // set only while init_startup enters Backup
  std::optional<core::IpAddress> master_address_;
  std::set<std::string> interfaces_down_;
  std::deque<Transition> history_;
  std::array<std::uint64_t, kStateCount> transitions_into_{};
};

}  // namespace lvsd::vrrp
