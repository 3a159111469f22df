#include "vrrp/fsm.hpp"

#include <algorithm>
#include <chrono>

#include "core/log.hpp"
#include "core/overloaded.hpp"
#include "vrrp/timers.hpp"

namespace lvsd::vrrp {
namespace {

using core::Overloaded;

std::string ms(core::Duration d) {
  // Whole milliseconds (3609 ms, not 3609.375000 ms): for people reading logs.
  return std::to_string(std::chrono::round<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

std::string_view to_string(State state) {
  switch (state) {
    case State::kInitialize: return "INIT";
    case State::kBackup: return "BACKUP";
    case State::kMaster: return "MASTER";
    case State::kFault: return "FAULT";
  }
  return "?";
}

std::string_view notify_name(State state) {
  return state == State::kInitialize ? "STOP" : to_string(state);
}

std::string_view event_name(const Event& event) {
  static constexpr std::array<std::string_view, kEventCount> kNames = {
      "Startup",         "Shutdown",       "MasterDownTimerFired", "AdverTimerFired", "PreemptDelayExpired",
      "AdvertReceived",  "InterfaceDown",  "InterfaceUp",          "PriorityChanged",
      "SyncGroupBackup", "VipDeleted"};
  return kNames[event.index()];
}

std::string describe(const Action& action) {
  return std::visit(
      Overloaded{
          [](const action::SendAdvert& a) { return "SendAdvert{" + std::to_string(a.priority) + "}"; },
          [](const action::AddVips&) { return std::string("AddVips"); },
          [](const action::RemoveVips&) { return std::string("RemoveVips"); },
          [](const action::SendGarp&) { return std::string("SendGarp"); },
          [](const action::LowerPriorityHeard& a) { return "LowerPriorityHeard{" + std::to_string(a.priority) + "}"; },
          [](const action::StartAdverTimer& a) { return "StartAdverTimer{" + ms(a.interval) + "}"; },
          [](const action::StartMasterDownTimer& a) { return "StartMasterDownTimer{" + ms(a.interval) + "}"; },
          [](const action::StartPreemptDelayTimer& a) { return "StartPreemptDelayTimer{" + ms(a.delay) + "}"; },
          [](const action::StopTimers&) { return std::string("StopTimers"); },
          [](const action::RunNotify& a) {
            return "RunNotify{" + std::string(notify_name(a.state)) + "," + std::to_string(a.priority) + "}";
          },
      },
      action);
}

// Rows: State. Columns: Event alternatives in declaration order.
const std::array<std::array<Fsm::Handler, kEventCount>, kStateCount> Fsm::kTable = {{
    // Startup, Shutdown, MasterDownTimerFired, AdverTimerFired, PreemptDelayExpired,
    // AdvertReceived, InterfaceDown, InterfaceUp, PriorityChanged, SyncGroupBackup, VipDeleted
    /* Initialize (RFC 5798 6.4.1) */
    {&Fsm::init_startup, &Fsm::ignore, &Fsm::ignore, &Fsm::ignore, &Fsm::ignore,
     &Fsm::ignore, &Fsm::track_down, &Fsm::track_up, &Fsm::set_priority, &Fsm::ignore, &Fsm::ignore},
    /* Backup (RFC 5798 6.4.2) */
    {&Fsm::ignore, &Fsm::backup_shutdown, &Fsm::backup_master_down, &Fsm::ignore,
     &Fsm::backup_preempt_delay_expired, &Fsm::backup_advert, &Fsm::track_down, &Fsm::track_up,
     &Fsm::set_priority, &Fsm::ignore, &Fsm::ignore},
    /* Master (RFC 5798 6.4.3) */
    {&Fsm::ignore, &Fsm::master_shutdown, &Fsm::ignore, &Fsm::master_adver_timer, &Fsm::ignore,
     &Fsm::master_advert, &Fsm::track_down, &Fsm::track_up, &Fsm::set_priority,
     &Fsm::master_sync_group_backup, &Fsm::master_vip_deleted},
    /* Fault (tracked interface down) */
    {&Fsm::ignore, &Fsm::fault_shutdown, &Fsm::ignore, &Fsm::ignore, &Fsm::ignore,
     &Fsm::ignore, &Fsm::track_down, &Fsm::track_up, &Fsm::set_priority, &Fsm::ignore, &Fsm::ignore},
}};

Fsm::Fsm(FsmConfig config)
    : config_(std::move(config)),
      priority_(std::max<std::uint8_t>(config_.priority, 1)),
      master_adver_interval_(config_.advert_interval) {}

core::Duration Fsm::skew_time() const {
  return vrrp::skew_time(config_.version, priority_, master_adver_interval_);
}

core::Duration Fsm::master_down_interval() const {
  return vrrp::master_down_interval(config_.version, priority_, master_adver_interval_, config_.down_timer_adverts);
}

std::vector<Action> Fsm::handle(const Event& event) {
  Actions out;
  (this->*kTable[static_cast<std::size_t>(state_)][event.index()])(event, out);
  return out;
}

void Fsm::change_state(State to, std::string reason, Actions& out) {
  const State from = state_;
  state_ = to;
  ++transitions_into_[static_cast<std::size_t>(to)];
  core::log::get()->info("vrrp instance {}: {} -> {} ({}), priority {}", config_.name, to_string(from),
                         to_string(to), reason, priority_);
  history_.push_back(Transition{.from = from, .to = to, .reason = std::move(reason)});
  if (history_.size() > kHistorySize) history_.pop_front();
  out.push_back(action::RunNotify{.state = to, .priority = priority_});
}

void Fsm::enter_backup(std::string reason, bool start_preempt_delay, Actions& out) {
  out.push_back(action::StopTimers{});
  // A backup must not answer for the virtual addresses (RFC 5798 6.4.2);
  // removing them also clears any left behind by a crash.
  out.push_back(action::RemoveVips{});
  core::Duration wait = master_down_interval();
  if (startup_delay_ > core::Duration::zero()) wait = owner() ? startup_delay_ : wait + startup_delay_;
  out.push_back(action::StartMasterDownTimer{.interval = wait});
  preempt_blocked_ = false;
  if (start_preempt_delay && config_.preempt && config_.preempt_delay > core::Duration::zero()) {
    preempt_blocked_ = true;
    out.push_back(action::StartPreemptDelayTimer{.delay = config_.preempt_delay});
  }
  change_state(State::kBackup, std::move(reason), out);
}

void Fsm::enter_master(std::string reason, Actions& out) {
  // RFC 5798 6.4.1 / 6.4.2: send an advert, announce the addresses by
  // gratuitous ARP (IPv6: unsolicited NA), arm the Adver_Timer.
  out.push_back(action::StopTimers{});
  out.push_back(action::AddVips{});
  out.push_back(action::SendAdvert{.priority = priority_});
  out.push_back(action::SendGarp{});
  out.push_back(action::StartAdverTimer{.interval = config_.advert_interval});
  preempt_blocked_ = false;
  master_address_ = config_.primary_address;
  change_state(State::kMaster, std::move(reason), out);
}

void Fsm::enter_fault(std::string reason, Actions& out) {
  out.push_back(action::StopTimers{});
  // Leaving Master: resign so a backup takes over after Skew_Time rather
  // than Master_Down_Interval (RFC 5798 6.4.3 shutdown behaviour).
  if (state_ == State::kMaster) out.push_back(action::SendAdvert{.priority = 0});
  out.push_back(action::RemoveVips{});
  master_address_.reset();
  preempt_blocked_ = false;
  change_state(State::kFault, std::move(reason), out);
}

void Fsm::leave_fault_or_start(std::string reason, Actions& out) {
  if (owner() && startup_delay_ == core::Duration::zero()) {
    // RFC 5798 6.4.1: the address owner goes straight to Master.
    enter_master(reason + ", address owner (priority 255)", out);
    return;
  }
  // RFC 5798 6.4.1: Master_Adver_Interval = Advertisement_Interval.
  master_adver_interval_ = config_.advert_interval;
  master_address_.reset();
  enter_backup(std::move(reason), /*start_preempt_delay=*/true, out);
}

void Fsm::init_startup(const Event& e, Actions& out) {
  if (!interfaces_down_.empty()) {
    enter_fault("startup with tracked " + tracked_object(*interfaces_down_.begin()) + " down", out);
    return;
  }
  if (std::get<event::Startup>(e).resume_master) {
    enter_master("resumed as master after a restart in place", out);
    return;
  }
  // keepalived's vrrp_startup_delay: Backup at once, but the first
  // Master_Down_Timer (an owner's wait for Master) runs the delay longer.
  startup_delay_ = std::get<event::Startup>(e).delay;
  if (startup_delay_ > core::Duration::zero())
    core::log::get()->info("vrrp instance {}: vrrp_startup_delay {}", config_.name, ms(startup_delay_));
  leave_fault_or_start("startup", out);
  startup_delay_ = core::Duration::zero();
}

// Fault names: a bare interface name, or "script NAME" / "sync_group ...".
std::string Fsm::tracked_object(const std::string& name) {
  return name.find(' ') == std::string::npos ? "interface " + name : name;
}

void Fsm::track_down(const Event& e, Actions& out) {
  const auto& name = std::get<event::InterfaceDown>(e).name;
  interfaces_down_.insert(name);
  if (state_ == State::kBackup || state_ == State::kMaster) {
    enter_fault("tracked " + tracked_object(name) + " down", out);
  }
}

void Fsm::track_up(const Event& e, Actions& out) {
  const auto& name = std::get<event::InterfaceUp>(e).name;
  interfaces_down_.erase(name);
  if (state_ == State::kFault && interfaces_down_.empty()) {
    leave_fault_or_start("tracked " + tracked_object(name) + " up", out);
  }
}

void Fsm::set_priority(const Event& e, Actions& out) {
  const std::uint8_t p = std::max<std::uint8_t>(std::get<event::PriorityChanged>(e).priority, 1);
  if (p == priority_) return;
  core::log::get()->info("vrrp instance {}: priority {} -> {}", config_.name, priority_, p);
  priority_ = p;
  if (state_ == State::kMaster) {
    // Tell the backups now instead of at the next Adver_Timer: a backup with
    // preemption then takes over within one Master_Down_Interval.
    out.push_back(action::SendAdvert{.priority = priority_});
    out.push_back(action::StartAdverTimer{.interval = config_.advert_interval});
  }
}

void Fsm::backup_shutdown(const Event&, Actions& out) {
  // RFC 5798 6.4.2: cancel the Master_Down_Timer, go to Initialize.
  out.push_back(action::StopTimers{});
  change_state(State::kInitialize, "shutdown", out);
}

void Fsm::backup_master_down(const Event&, Actions& out) {
  enter_master("no advert for Master_Down_Interval " + ms(master_down_interval()), out);
}

void Fsm::backup_preempt_delay_expired(const Event&, Actions&) {
  preempt_blocked_ = false;
  core::log::get()->info("vrrp instance {}: preempt_delay over, may preempt", config_.name);
}

void Fsm::backup_advert(const Event& e, Actions& out) {
  const auto& ad = std::get<event::AdvertReceived>(e);
  if (ad.priority == 0) {
    // RFC 5798 6.4.2 / RFC 3768 6.4.2: the master resigned; wait only Skew_Time.
    out.push_back(action::StartMasterDownTimer{.interval = skew_time()});
    return;
  }
  const bool preempting = config_.preempt && !preempt_blocked_;
  if (!preempting || ad.priority >= priority_) {
    // RFC 5798 6.4.2: learn Master_Adver_Interval (v3 only; v2 intervals
    // must match and were checked by the decoder) and restart the timer.
    if (config_.version == Version::kV3 && ad.advert_interval.count() > 0) {
      master_adver_interval_ = ad.advert_interval;
    }
    master_address_ = ad.source;
    out.push_back(action::StartMasterDownTimer{.interval = master_down_interval()});
  }
  // else: a lower-priority master and we may preempt: discard, so the
  // Master_Down_Timer fires and we take over.
}

void Fsm::master_shutdown(const Event&, Actions& out) {
  // RFC 5798 6.4.3: cancel the Adver_Timer, send an advert with priority 0.
  out.push_back(action::StopTimers{});
  out.push_back(action::SendAdvert{.priority = 0});
  out.push_back(action::RemoveVips{});
  master_address_.reset();
  change_state(State::kInitialize, "shutdown", out);
}

void Fsm::master_adver_timer(const Event&, Actions& out) {
  out.push_back(action::SendAdvert{.priority = priority_});
  out.push_back(action::StartAdverTimer{.interval = config_.advert_interval});
}

void Fsm::master_advert(const Event& e, Actions& out) {
  const auto& ad = std::get<event::AdvertReceived>(e);
  if (ad.source == config_.primary_address) return;  // our own, looped back
  if (ad.priority == 0) {
    // RFC 5798 6.4.3: another router resigned; advertise at once.
    out.push_back(action::SendAdvert{.priority = priority_});
    out.push_back(action::StartAdverTimer{.interval = config_.advert_interval});
    return;
  }
  const bool higher = ad.priority > priority_;
  const bool wins_tie = ad.priority == priority_ && ad.source > config_.primary_address;
  if (higher || wins_tie) {
    // RFC 5798 6.4.3: become Backup, learning the master's interval (v3).
    if (config_.version == Version::kV3 && ad.advert_interval.count() > 0) {
      master_adver_interval_ = ad.advert_interval;
    } else {
      master_adver_interval_ = config_.advert_interval;
    }
    master_address_ = ad.source;
    // keepalived's higher_prio_send_advert (not in the RFC): one last advert
    // of ours as we yield. A split brain just healed, and the winner may
    // never have heard us; this advert makes it send its gratuitous ARPs
    // again (below), so clients that followed us go back to it.
    if (config_.higher_prio_send_advert) out.push_back(action::SendAdvert{.priority = priority_});
    enter_backup((higher ? "higher priority " : "equal priority, higher address ") +
                     std::to_string(ad.priority) + " from " + ad.source.to_string(),
                 /*start_preempt_delay=*/false, out);
    return;
  }
  // RFC 5798 6.4.3 says discard. keepalived answers each such advert at once
  // (measured, 2.2.7): two masters means a split brain just healed, our
  // advert makes the other yield, and our gratuitous ARPs bring back clients
  // its ARPs moved away. lower_prio_no_advert keeps to the RFC's silence
  // (the Adver_Timer runs on); the ARPs and the notification stay.
  if (!config_.lower_prio_no_advert) {
    out.push_back(action::SendAdvert{.priority = priority_});
    out.push_back(action::StartAdverTimer{.interval = config_.advert_interval});
  }
  out.push_back(action::LowerPriorityHeard{.priority = priority_});
}

void Fsm::master_sync_group_backup(const Event& e, Actions& out) {
  // Learn nothing: the master we follow is announced by its own adverts.
  master_adver_interval_ = config_.advert_interval;
  master_address_.reset();
  enter_backup(std::get<event::SyncGroupBackup>(e).reason, /*start_preempt_delay=*/false, out);
}

void Fsm::master_vip_deleted(const Event& e, Actions& out) {
  // keepalived 2.2.7 (measured): "Entering BACKUP STATE", "sent 0 priority",
  // the VIPs removed; the new election ends after Skew_Time, as after any
  // master's priority-0 advert.
  out.push_back(action::StopTimers{});
  out.push_back(action::SendAdvert{.priority = 0});
  master_address_.reset();
  enter_backup("VIP " + std::get<event::VipDeleted>(e).address + " deleted", /*start_preempt_delay=*/false, out);
  out.push_back(action::StartMasterDownTimer{.interval = skew_time()});
}

void Fsm::fault_shutdown(const Event&, Actions& out) {
  out.push_back(action::StopTimers{});
  change_state(State::kInitialize, "shutdown", out);
}

}  // namespace lvsd::vrrp
