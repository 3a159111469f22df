#include "control/admin_state.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace lvsd::control {

namespace {

const director::VirtualService* find_service(const director::IpvsTable& table, const director::ServiceKey& key) {
  for (const auto& vs : table.services) {
    if (vs.service.key == key) return &vs;
  }
  return nullptr;
}

core::Result<const director::VirtualService*> configured_service(const director::IpvsTable& configured,
                                                                  const director::ServiceKey& key) {
  const auto* vs = find_service(configured, key);
  if (vs == nullptr) return core::Error{"no virtual server " + director::describe(key) + " in the configuration"};
  return vs;
}

core::Result<DestinationKey> resolve(const director::IpvsTable& configured, const director::ServiceKey& service,
                                     const RealServerRef& ref) {
  auto vs = configured_service(configured, service);
  if (!vs.ok()) return vs.error();
  const director::Destination* found = nullptr;
  for (const auto& d : (*vs)->destinations) {
    if (d.endpoint.address != ref.address || (ref.port && d.endpoint.port != *ref.port)) continue;
    if (found != nullptr) {
      return core::Error{"real server " + describe(ref) + " of " + director::describe(service) +
                         " is ambiguous: give its port"};
    }
    found = &d;
  }
  if (found == nullptr) {
    return core::Error{"no real server " + describe(ref) + " in virtual server " + director::describe(service)};
  }
  return DestinationKey{.service = service, .destination = found->endpoint};
}

std::string describe(const DestinationKey& key) {
  return key.destination.to_string() + " of " + director::describe(key.service);
}

}  // namespace

AdminState::AdminState(core::Scheduler& scheduler, ReadKernel read_kernel, std::function<void()> on_change,
                       AdminStateOptions options)
    : scheduler_(scheduler),
      read_kernel_(std::move(read_kernel)),
      on_change_(std::move(on_change)),
      options_(options),
      poll_timer_(scheduler.create_timer([this] { poll(); })) {}

AdminState::~AdminState() = default;

core::Result<bool> AdminState::drain(const director::IpvsTable& configured, const director::ServiceKey& service,
                                     const RealServerRef& real_server, std::optional<core::Duration> timeout) {
  auto key = resolve(configured, service, real_server);
  if (!key.ok()) return key.error();
  const auto now = scheduler_.now();
  std::optional<core::TimePoint> deadline;
  if (timeout) deadline = now + *timeout;
  auto it = overrides_.drains.find(*key);
  if (it != overrides_.drains.end()) {
    // Draining again only changes the timeout; a drained server stays drained.
    if (it->second.phase == DrainPhase::kDrained || it->second.deadline == deadline) return false;
    it->second.deadline = deadline;
  } else {
    overrides_.drains.emplace(*key, DrainEntry{.phase = DrainPhase::kDraining, .started = now, .deadline = deadline});
    core::log::get()->info("drain: {}: weight 0 until its active connections end{}", describe(*key),
                           timeout ? " or the timeout passes" : "");
  }
  arm_poll();
  on_change_();
  return true;
}

core::Result<bool> AdminState::restore_drained(const director::IpvsTable& configured,
                                               const director::ServiceKey& service, const RealServerRef& real_server) {
  auto key = resolve(configured, service, real_server);
  if (!key.ok()) return key.error();
  auto [it, inserted] =
      overrides_.drains.insert_or_assign(*key, DrainEntry{.phase = DrainPhase::kDrained, .started = scheduler_.now()});
  (void)it;
  (void)inserted;
  on_change_();
  return true;
}

core::Result<bool> AdminState::undrain(const director::IpvsTable& configured, const director::ServiceKey& service,
                                       const RealServerRef& real_server) {
  auto key = resolve(configured, service, real_server);
  if (!key.ok()) return key.error();
  if (overrides_.drains.erase(*key) == 0) return false;
  core::log::get()->info("undrain: {}: back in service", describe(*key));
  on_change_();
  return true;
}

core::Result<bool> AdminState::disable(const director::IpvsTable& configured, const director::ServiceKey& service) {
  auto vs = configured_service(configured, service);
  if (!vs.ok()) return vs.error();
  if (!overrides_.disabled.insert(service).second) return false;
  core::log::get()->info("disable: {}: removed from IPVS until enabled", director::describe(service));
  on_change_();
  return true;
}

core::Result<bool> AdminState::enable(const director::ServiceKey& service) {
  if (overrides_.disabled.erase(service) == 0) return false;
  core::log::get()->info("enable: {}: back in IPVS", director::describe(service));
  on_change_();
  return true;
}

director::IpvsTable AdminState::apply(director::IpvsTable desired) const {
  auto& services = desired.services;
  std::erase_if(services, [&](const director::VirtualService& vs) { return overrides_.disabled.contains(vs.service.key); });
  if (overrides_.drains.empty()) return desired;
  for (auto& vs : services) {
    std::erase_if(vs.destinations, [&](director::Destination& d) {
      const auto it = overrides_.drains.find({.service = vs.service.key, .destination = d.endpoint});
      if (it == overrides_.drains.end()) return false;
      if (it->second.phase == DrainPhase::kDrained) return true;
      d.weight = 0;
      return false;
    });
  }
  return desired;
}

void AdminState::forget_missing(const director::IpvsTable& configured) {
  std::erase_if(overrides_.disabled, [&](const director::ServiceKey& key) { return find_service(configured, key) == nullptr; });
  std::erase_if(overrides_.drains, [&](const auto& entry) {
    const auto* vs = find_service(configured, entry.first.service);
    if (vs == nullptr) return true;
    return std::none_of(vs->destinations.begin(), vs->destinations.end(), [&](const director::Destination& d) {
      return d.endpoint == entry.first.destination;
    });
  });
  if (std::none_of(overrides_.drains.begin(), overrides_.drains.end(), [](const auto& e) { return e.second.phase == DrainPhase::kDraining; })) {
    poll_timer_->cancel();
  }
}

void AdminState::arm_poll() {
  if (!poll_timer_->armed()) poll_timer_->arm(options_.poll_interval);
}

void AdminState::poll() {
  const auto now = scheduler_.now();
  std::optional<director::IpvsTable> kernel;
  std::set<director::ServiceKey> draining;
  for (const auto& [key, entry] : overrides_.drains)
    if (entry.phase == DrainPhase::kDraining) draining.insert(key.service);
  if (auto dump = read_kernel_(draining); dump.ok()) {
    kernel = std::move(*dump);
  } else {
    ++kernel_read_failures_;
    core::log::get()->warn("drain: cannot read the IPVS counters: {}", dump.error().message);
  }
  bool changed = false;
  bool waiting = false;
  for (auto& [key, entry] : overrides_.drains) {
    if (entry.phase != DrainPhase::kDraining) continue;
    std::optional<std::uint32_t> active;
    bool known = false;
    if (kernel) {
      known = true;
      if (const auto* vs = find_service(*kernel, key.service)) {
        for (const auto& d : vs->destinations) {
          if (d.endpoint == key.destination) active = vs->counters_of(d).active_connections;
        }
      }
    }
    const bool timed_out = entry.deadline && now >= *entry.deadline;
    // Not in the kernel at all: nothing left to wait for.
    const bool idle = known && (!active || *active == 0);
    if (idle || timed_out) {
      entry.phase = DrainPhase::kDrained;
      changed = true;
      core::log::get()->info("drain: {}: {}; removed", describe(key),
                             idle ? "no active connections left" : "timeout passed with " +
                                                                       std::to_string(active.value_or(0)) +
                                                                       " active connection(s)");
    } else {
      waiting = true;
    }
  }
  if (waiting) poll_timer_->arm(options_.poll_interval);
  if (changed) on_change_();
}

}  // namespace lvsd::control
