#include "vrrp/instance.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/overloaded.hpp"

namespace lvsd::vrrp {

using core::Overloaded;

FsmConfig fsm_config(const InstanceConfig& config) {
  return FsmConfig{.name = config.name,
                   .version = config.version,
                   .priority = config.priority,
                   .advert_interval = config.advert_interval,
                   .primary_address = config.primary_address,
                   .preempt = config.preempt,
                   .preempt_delay = config.preempt_delay,
                   .lower_prio_no_advert = config.lower_prio_no_advert,
                   .higher_prio_send_advert = config.higher_prio_send_advert,
                   .down_timer_adverts = config.down_timer_adverts};
}

Instance::Instance(core::Scheduler& scheduler, InstanceConfig config, AdvertPort& adverts, VipPort& vips,
                   AnnouncePort& announcer)
    : scheduler_(scheduler),
      config_(std::move(config)),
      adverts_(adverts),
      vip_port_(vips),
      announcer_(announcer),
      fsm_(fsm_config(config_)) {
  adver_timer_ = scheduler_.create_timer([this] { handle(event::AdverTimerFired{}); });
  master_down_timer_ = scheduler_.create_timer([this] { handle(event::MasterDownTimerFired{}); });
  preempt_timer_ = scheduler_.create_timer([this] { handle(event::PreemptDelayExpired{}); });
  garp_delay_timer_ = scheduler_.create_timer([this] {
    // RFC 5798 6.4.1 announces once; keepalived's garp_master_delay repeats
    // the burst later for switches that missed it while the link settled.
    if (fsm_.state() == State::kMaster) garp_burst(config_.garp_master_repeat);
  });
  garp_lower_timer_ = scheduler_.create_timer([this] {
    if (fsm_.state() == State::kMaster) garp_burst(config_.garp_lower_prio_repeat);
  });
  garp_refresh_timer_ = scheduler_.create_timer([this] {
    if (fsm_.state() != State::kMaster) return;
    garp_burst(config_.garp_master_refresh_repeat);
    garp_refresh_timer_->arm(config_.garp_master_refresh);
  });
  for (const auto& t : config_.track_interface) link_down_[t.name] = false;
  for (const auto& t : config_.track_script) script_up_[t.name] = std::nullopt;
  for (const auto& t : config_.track_file) file_value_[t.name] = 0;
  for (const auto& t : config_.track_process) process_up_[t.name] = std::nullopt;
}

FileEffect track_file_effect(long value, int weight, bool reverse) {
  if (weight == 0) return {.fault = reverse ? value == 0 : value != 0, .delta = 0};
  constexpr long kBound = 100000;
  const long v = std::clamp(value, -kBound, kBound);
  long delta = v * weight * (reverse ? -1 : 1);
  if (delta <= -254) return {.fault = true, .delta = 0};
  return {.fault = false, .delta = std::min(delta, kBound)};
}

long parse_track_file_value(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  long value = 0;
  bool digits = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    digits = true;
    if (value < 1'000'000'000) value = value * 10 + (text[i] - '0');  // saturates: only the bound matters
  }
  if (!digits) return 0;
  return negative ? -value : value;
}

int tracked_weight(int weight, bool reverse, bool up) {
  // keepalived 2.2.7 (measured with track_process): reverse negates the
  // change, at the same moments; it does not swap up and down.
  const int sign = reverse ? -1 : 1;
  if (weight > 0 && up) return weight * sign;
  if (weight < 0 && !up) return weight * sign;
  return 0;
}

Instance::~Instance() = default;

void Instance::set_own_addresses(std::vector<core::IpAddress> addresses) {
  // The VIPs are not "our" addresses for the own-address check: a stranger
  // advertising from one of them must be told apart (kSourceIsVirtual).
  std::erase_if(addresses, [&](const core::IpAddress& a) {
    return std::any_of(config_.vips.begin(), config_.vips.end(), [&](const VipSpec& v) { return v.prefix.address == a; });
  });
  own_addresses_ = std::move(addresses);
}

void Instance::start(bool resume_master, core::Duration startup_delay) {
  // keepalived counts vrrp_startup_delay from its start, also while it waits for scripts.
  startup_until_ = scheduler_.now() + startup_delay;
  // Leftovers of a crashed run: a node that is not master must not answer
  // for the VIPs (RFC 5798 6.4.2). Startup goes to Backup, which removes
  // them, but do it first in case we start in Fault. A resumed master keeps
  // them: removing them would drop traffic for a moment.
  if (!resume_master) remove_vips();
  // keepalived holds an instance in INIT until every weight-0 script it
  // tracks has a first result, rather than starting it in Fault.
  if (!scripts_known()) {
    pending_start_ = resume_master;
    core::log::get()->info("vrrp instance {}: waiting for the first result of its tracked scripts", config_.name);
    return;
  }
  update_tracked_priority();
  handle(event::Startup{.resume_master = resume_master, .delay = remaining_startup_delay()});
}

core::Duration Instance::remaining_startup_delay() const {
  return std::max(startup_until_ - scheduler_.now(), core::Duration::zero());
}

bool Instance::scripts_known() const {
  return std::all_of(config_.track_script.begin(), config_.track_script.end(), [&](const TrackedScript& t) {
    return t.weight != 0 || script_up_.at(t.name).has_value();
  });
}

void Instance::on_script(const std::string& name, bool up) {
  auto it = script_up_.find(name);
  if (it == script_up_.end() || it->second == up) return;
  it->second = up;
  const auto track = std::find_if(config_.track_script.begin(), config_.track_script.end(),
                                  [&](const TrackedScript& t) { return t.name == name; });
  core::log::get()->info("vrrp instance {}: tracked script {} {}", config_.name, name, up ? "succeeded" : "failed");
  if (track->weight == 0) {
    const bool good = track->reverse ? !up : up;
    if (good) handle(event::InterfaceUp{.name = script_fault_name(name)});
    else handle(event::InterfaceDown{.name = script_fault_name(name)});
  } else {
    update_tracked_priority();
  }
  if (pending_start_ && scripts_known()) {
    const bool resume = *pending_start_;
    pending_start_.reset();
    update_tracked_priority();
    handle(event::Startup{.resume_master = resume, .delay = remaining_startup_delay()});
  }
}

void Instance::on_file(const std::string& name, long value) {
  auto it = file_value_.find(name);
  if (it == file_value_.end() || it->second == value) return;
  const auto track = std::find_if(config_.track_file.begin(), config_.track_file.end(),
                                  [&](const TrackedFile& t) { return t.name == name; });
  const FileEffect before = track_file_effect(it->second, track->weight, track->reverse);
  it->second = value;
  const FileEffect after = track_file_effect(value, track->weight, track->reverse);
  core::log::get()->info("vrrp instance {}: tracked file {} now holds {}", config_.name, name, value);
  if (after.fault != before.fault) {
    if (after.fault) handle(event::InterfaceDown{.name = file_fault_name(name)});
    else handle(event::InterfaceUp{.name = file_fault_name(name)});
  }
  update_tracked_priority();
}

void Instance::on_process(const std::string& name, bool up) {
  auto it = process_up_.find(name);
  if (it == process_up_.end() || it->second == up) return;
  const bool first = !it->second.has_value();
  it->second = up;
  core::log::get()->info("vrrp instance {}: tracked process {} {}", config_.name, name,
                         up ? "has its quorum" : "lost its quorum");
  // The same process may be tracked twice (by the instance and by its sync group): each entry counts.
  for (const auto& t : config_.track_process) {
    if (t.name != name || t.weight != 0) continue;
    const bool good = t.reverse ? !up : up;
    // The first verdict of a good process changes nothing: the instance was not in FAULT for it.
    if (!good) handle(event::InterfaceDown{.name = process_fault_name(name)});
    else if (!first) handle(event::InterfaceUp{.name = process_fault_name(name)});
  }
  update_tracked_priority();
}

void Instance::stop() {
  pending_start_.reset();
  handle(event::Shutdown{});
}

void Instance::handle(const Event& event) {
  core::guarded("vrrp instance event", [&] { apply(fsm_.handle(event)); });
}

void Instance::advertise_now() {
  if (fsm_.state() != State::kMaster) return;
  send_advert(fsm_.priority());
  adver_timer_->arm(config_.advert_interval);
}

void Instance::on_datagram(const Datagram& datagram) {
  DecodeResult result = decode(datagram.payload, datagram.meta, expectations());
  if (auto* drop = std::get_if<Drop>(&result)) {
    ++counters_.dropped[static_cast<std::size_t>(drop->reason)];
    if (drop->reason != DropReason::kWrongVrid) {
      core::log::get()->debug("vrrp instance {}: dropped advert from {}: {} {}", config_.name,
                              datagram.meta.source.to_string(), to_string(drop->reason), drop->detail);
    }
    return;
  }
  const auto& received = std::get<ReceivedAdvert>(result);
  ++counters_.adverts_received;
  if (received.addresses_differ) {
    core::log::get()->warn("vrrp instance {}: owner's advert from {} lists other addresses than ours", config_.name,
                           received.source.to_string());
  }
  handle(event::AdvertReceived{.priority = received.advert.priority,
                               .source = received.source,
                               .advert_interval = received.advert.advert_interval});
}

void Instance::on_address_deleted(int ifindex, const core::IpAddress& address) {
  if (state() != State::kMaster) return;
  const bool tracked = std::any_of(config_.vips.begin(), config_.vips.end(), [&](const VipSpec& v) {
    return v.track && v.ifindex == ifindex && v.prefix.address == address;
  });
  if (!tracked) return;
  core::log::get()->warn("vrrp instance {}: VIP {} was deleted while MASTER: resigning, as keepalived does "
                         "(no_track on the address keeps MASTER)", config_.name, address.to_string());
  handle(event::VipDeleted{.address = address.to_string()});
}

void Instance::on_link(const std::string& name, bool up) {
  auto it = link_down_.find(name);
  if (it == link_down_.end() || it->second == !up) return;
  it->second = !up;
  const auto track = std::find_if(config_.track_interface.begin(), config_.track_interface.end(),
                                  [&](const TrackedLink& t) { return t.name == name; });
  core::log::get()->info("vrrp instance {}: tracked interface {} {}", config_.name, name, up ? "up" : "down");
  if (track->weight == 0) {
    const bool good = track->reverse ? !up : up;
    if (good) {
      handle(event::InterfaceUp{.name = name});
    } else {
      handle(event::InterfaceDown{.name = name});
    }
  } else {
    update_tracked_priority();
  }
}

void Instance::update_tracked_priority() {
  // keepalived: tracking never moves an address owner's 255, and never makes
  // another instance the owner; 0 means "resign" (RFC 5798 5.2.4).
  if (config_.priority == kPriorityOwner) return;
  int p = config_.priority;
  for (const auto& t : config_.track_interface) p += tracked_weight(t.weight, t.reverse, !link_down_[t.name]);
  for (const auto& t : config_.track_script) p += tracked_weight(t.weight, t.reverse, script_up_[t.name].value_or(false));
  for (const auto& t : config_.track_process)
    p += tracked_weight(t.weight, t.reverse, process_up_[t.name].value_or(false));
  long files = 0;
  for (const auto& t : config_.track_file) files += track_file_effect(file_value_[t.name], t.weight, t.reverse).delta;
  p = static_cast<int>(std::clamp<long>(p + files, 1, 254));
  p = std::clamp(p, 1, 254);
  const std::uint8_t before = fsm_.priority();
  handle(event::PriorityChanged{.priority = static_cast<std::uint8_t>(p)});
  if (fsm_.priority() != before && priority_listener_) priority_listener_(*this, fsm_.priority());
}

LocalExpectations Instance::expectations() const {
  LocalExpectations local{.version = config_.version,
                          .family = config_.family,
                          .vrid = config_.vrid,
                          .auth_type = config_.auth_type,
                          .auth_data = config_.auth_data,
                          .advert_interval = config_.advert_interval,
                          .local_is_owner = config_.priority == kPriorityOwner,
                          .vips = {},
                          .own_addresses = own_addresses_,
                          .unicast_peers = config_.unicast_peers,
                          .check_unicast_ttl = config_.check_unicast_ttl,
                          .multicast_group = config_.multicast_group};
  for (const auto& v : config_.vips) {
    if (v.in_advert && v.prefix.address.family() == config_.family) local.vips.push_back(v.prefix.address);
  }
  if (std::find(local.own_addresses.begin(), local.own_addresses.end(), config_.primary_address) ==
      local.own_addresses.end()) {
    local.own_addresses.push_back(config_.primary_address);
  }
  return local;
}

void Instance::apply(const std::vector<Action>& actions) {
  std::optional<std::pair<State, State>> changed;
  std::optional<std::uint8_t> lower_heard;
  for (const Action& action : actions) {
    std::visit(Overloaded{
                   [&](const action::SendAdvert& a) { send_advert(a.priority); },
                   [&](const action::AddVips&) { add_vips(); },
                   [&](const action::RemoveVips&) { remove_vips(); },
                   [&](const action::SendGarp&) {
                     garp_burst(config_.garp_master_repeat);
                     start_garp_schedule();
                   },
                   [&](const action::LowerPriorityHeard& a) {
                     announce_lower_priority();
                     ++counters_.lower_priority_adverts;
                     lower_heard = a.priority;
                   },
                   [&](const action::StartAdverTimer& a) { adver_timer_->arm(a.interval); },
                   [&](const action::StartMasterDownTimer& a) { master_down_timer_->arm(a.interval); },
                   [&](const action::StartPreemptDelayTimer& a) { preempt_timer_->arm(a.delay); },
                   [&](const action::StopTimers&) {
                     adver_timer_->cancel();
                     master_down_timer_->cancel();
                     preempt_timer_->cancel();
                     stop_garp_schedule();
                     garp_lower_timer_->cancel();
                   },
                   [&](const action::RunNotify&) {
                     const Transition& t = fsm_.history().back();
                     counters_.last_transition =
                         LastTransition{.at = scheduler_.now(), .from = t.from, .to = t.to, .reason = t.reason};
                     changed = std::make_pair(t.from, t.to);
                   },
               },
               action);
  }
  // After every action ran: the listener sees the VIPs already moved.
  if (changed && listener_) listener_(*this, changed->first, changed->second);
  if (lower_heard && lower_listener_) lower_listener_(*this, *lower_heard);
}

void Instance::send_advert(std::uint8_t priority) {
  Advert advert{.version = config_.version,
                .vrid = config_.vrid,
                .priority = priority,
                .advert_interval = config_.advert_interval,
                .addresses = {},
                .auth_type = config_.auth_type,
                .auth_data = config_.auth_type == AuthType::kSimplePassword ? config_.auth_data : AuthData{}};
  for (const auto& v : config_.vips) {
    if (v.in_advert && v.prefix.address.family() == config_.family) advert.addresses.push_back(v.prefix.address);
  }
  std::vector<core::IpAddress> destinations = config_.unicast_peers;
  if (destinations.empty()) destinations.push_back(config_.multicast_group.value_or(vrrp_multicast_group(config_.family)));
  for (const auto& destination : destinations) {
    auto payload = encode(advert, config_.primary_address, destination);
    if (!payload.ok()) {
      ++counters_.advert_send_errors;
      core::log::get()->error("vrrp instance {}: cannot encode advert: {}", config_.name, payload.error().message);
      return;
    }
    if (auto st = adverts_.send(*payload, destination); !st.ok()) {
      ++counters_.advert_send_errors;
      core::log::get()->warn("vrrp instance {}: sending advert to {}: {}", config_.name, destination.to_string(),
                             st.error().message);
    } else {
      ++counters_.adverts_sent;
    }
  }
}

void Instance::add_vips() {
  for (const auto& vip : config_.vips) {
    if (auto st = vip_port_.add(vip); !st.ok()) {
      ++counters_.vip_errors;
      core::log::get()->error("vrrp instance {}: adding VIP {}: {}", config_.name, vip.prefix.address.to_string(),
                              st.error().message);
    }
  }
}

void Instance::remove_vips() {
  // Only what is there: the list also tells us about leftovers of a crash.
  std::map<std::pair<core::AddressFamily, int>, std::set<core::IpAddress>> present;
  for (const auto& vip : config_.vips) {
    const auto key = std::make_pair(vip.prefix.address.family(), vip.ifindex);
    if (present.contains(key)) continue;
    auto listed = vip_port_.list(key.first, key.second);
    std::set<core::IpAddress> addresses;
    if (listed.ok()) {
      for (const auto& a : *listed) addresses.insert(a.prefix.address);
    } else {
      // Cannot tell: remove blindly (removing an absent address succeeds).
      for (const auto& v : config_.vips) addresses.insert(v.prefix.address);
    }
    present.emplace(key, std::move(addresses));
  }
  for (const auto& vip : config_.vips) {
    if (!present[{vip.prefix.address.family(), vip.ifindex}].contains(vip.prefix.address)) continue;
    if (auto st = vip_port_.remove(vip); !st.ok()) {
      ++counters_.vip_errors;
      core::log::get()->error("vrrp instance {}: removing VIP {}: {}", config_.name, vip.prefix.address.to_string(),
                              st.error().message);
    } else {
      core::log::get()->info("vrrp instance {}: removed VIP {}", config_.name, vip.prefix.address.to_string());
    }
  }
}

void Instance::garp_burst(std::uint32_t repeat) {
  // RFC 5798 6.4.1 (ii)/(iii): a gratuitous ARP / unsolicited NA per address.
  repeat = std::max<std::uint32_t>(repeat, 1);
  for (std::uint32_t i = 0; i < repeat; ++i) {
    for (const auto& vip : config_.vips) {
      if (auto st = announcer_.announce(vip.prefix.address); !st.ok()) {
        core::log::get()->warn("vrrp instance {}: announcing {}: {}", config_.name, vip.prefix.address.to_string(),
                               st.error().message);
      } else {
        ++counters_.garps_sent;
      }
    }
  }
}

void Instance::announce_lower_priority() {
  // keepalived: garp_lower_prio_repeat per VIP now, the same again after
  // garp_lower_prio_delay (one pending second burst here, not one per advert heard).
  if (fsm_.state() != State::kMaster || config_.garp_lower_prio_repeat == 0) return;
  garp_burst(config_.garp_lower_prio_repeat);
  if (config_.garp_lower_prio_delay > core::Duration::zero()) garp_lower_timer_->arm(config_.garp_lower_prio_delay);
}

void Instance::start_garp_schedule() {
  if (config_.garp_master_delay > core::Duration::zero()) garp_delay_timer_->arm(config_.garp_master_delay);
  if (config_.garp_master_refresh > core::Duration::zero()) garp_refresh_timer_->arm(config_.garp_master_refresh);
}

void Instance::stop_garp_schedule() {
  garp_delay_timer_->cancel();
  garp_refresh_timer_->cancel();
}

InstanceStatus Instance::status() const {
  InstanceStatus s = counters_;
  s.name = config_.name;
  s.interface = config_.interface;
  s.vrid = config_.vrid;
  s.version = config_.version;
  s.state = fsm_.state();
  s.base_priority = config_.priority;
  s.effective_priority = fsm_.priority();
  s.master_address = fsm_.master_address();
  s.master_advert_interval = fsm_.master_adver_interval();
  s.vips.clear();
  for (const auto& v : config_.vips) s.vips.push_back(v.prefix.address);
  s.interfaces_down.assign(fsm_.interfaces_down().begin(), fsm_.interfaces_down().end());
  for (const auto& [name, down] : link_down_) {
    if (down && std::find(s.interfaces_down.begin(), s.interfaces_down.end(), name) == s.interfaces_down.end()) {
      s.interfaces_down.push_back(name);
    }
  }
  s.waiting_for_scripts = pending_start_.has_value();
  if (pending_start_) {
    for (const auto& t : config_.track_script)
      if (t.weight == 0 && !script_up_.at(t.name).has_value()) s.interfaces_down.push_back(script_fault_name(t.name));
  }
  for (std::size_t i = 0; i < kStateCount; ++i) s.transitions_into[i] = fsm_.transitions_into(static_cast<State>(i));
  s.tracked = tracked_effects();
  return s;
}

std::vector<TrackedEffect> Instance::tracked_effects() const {
  // The rules of on_link / on_script / on_file and update_tracked_priority.
  const bool owner = config_.priority == kPriorityOwner;
  std::vector<TrackedEffect> out;
  out.reserve(config_.track_interface.size() + config_.track_script.size() + config_.track_process.size() +
              config_.track_file.size());
  auto add = [&](std::string_view kind, const std::string& name, std::optional<bool> up, int weight, bool reverse) {
    const bool good = reverse ? !up.value_or(false) : up.value_or(false);
    out.push_back(TrackedEffect{.kind = std::string(kind),
                                .name = name,
                                .state = up ? (*up ? "up" : "down") : "unknown",
                                .fault = weight == 0 && up.has_value() && !good,
                                .delta = owner ? 0 : tracked_weight(weight, reverse, up.value_or(false))});
  };
  for (const auto& t : config_.track_interface) {
    auto it = link_down_.find(t.name);
    add("interface", t.name, it == link_down_.end() || !it->second, t.weight, t.reverse);
  }
  for (const auto& t : config_.track_script) {
    auto it = script_up_.find(t.name);
    add("script", t.name, it == script_up_.end() ? std::nullopt : it->second, t.weight, t.reverse);
  }
  for (const auto& t : config_.track_process) {
    auto it = process_up_.find(t.name);
    add("process", t.name, it == process_up_.end() ? std::nullopt : it->second, t.weight, t.reverse);
  }
  for (const auto& t : config_.track_file) {
    auto it = file_value_.find(t.name);
    const long value = it == file_value_.end() ? 0 : it->second;
    const FileEffect effect = track_file_effect(value, t.weight, t.reverse);
    out.push_back(TrackedEffect{.kind = "file",
                                .name = t.name,
                                .state = "value " + std::to_string(value),
                                .fault = effect.fault,
                                .delta = owner || effect.fault ? 0 : static_cast<int>(effect.delta)});
  }
  return out;
}

}  // namespace lvsd::vrrp
