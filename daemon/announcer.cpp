#include "daemon/announcer.hpp"

#include <algorithm>
#include <optional>

namespace lvsd::daemon {

void Announcer::set_drained(bool drained, core::TimePoint now) {
  if (drained == drained_) return;
  drained_ = drained;
  drained_since_ = now;
}

void Announcer::update(const std::vector<AnnouncedService>& services, core::TimePoint now) {
  struct Input {
    bool any_quorum = false;
    std::vector<std::string> labels;
  };
  std::map<core::IpAddress, Input> inputs;
  for (const auto& s : services) {
    Input& in = inputs[s.vip];
    in.any_quorum = in.any_quorum || s.quorum_met;
    in.labels.push_back(s.label);
  }
  std::erase_if(vips_, [&](const auto& entry) { return !inputs.contains(entry.first); });
  for (auto& [vip, in] : inputs) {
    // A hold ends once the services can serve on their own, or at its deadline.
    if (auto h = holds_.find(vip); h != holds_.end() && (in.any_quorum || now >= h->second)) holds_.erase(h);
    bool announce = false;
    std::string reason;
    if (stopping_) {
      reason = "stopping";
    } else if (drained_) {
      reason = "node drained";
    } else if (in.any_quorum) {
      announce = true;
      reason = "serving";
    } else if (holds_.contains(vip)) {
      announce = true;
      reason = "held after restart";
    } else {
      reason = "no quorum";
    }
    auto [it, added] = vips_.try_emplace(vip, VipAnnouncement{.vip = vip, .announced = false, .reason = "starting",
                                                              .since = now, .transitions = 0, .services = {}});
    VipAnnouncement& a = it->second;
    if (a.announced != announce) {
      a.announced = announce;
      a.since = now;
      ++a.transitions;
    } else if (added) {
      a.since = now;
    }
    a.reason = std::move(reason);
    a.services = std::move(in.labels);
  }
  std::erase_if(holds_, [&](const auto& entry) { return !inputs.contains(entry.first); });
}

std::vector<VipAnnouncement> Announcer::vips() const {
  std::vector<VipAnnouncement> out;
  out.reserve(vips_.size());
  for (const auto& [vip, a] : vips_) out.push_back(a);
  return out;
}

std::vector<core::IpAddress> Announcer::announced() const {
  std::vector<core::IpAddress> out;
  for (const auto& [vip, a] : vips_)
    if (a.announced) out.push_back(vip);
  return out;
}

std::optional<core::TimePoint> Announcer::next_deadline() const {
  std::optional<core::TimePoint> out;
  for (const auto& [vip, until] : holds_)
    if (!out || until < *out) out = until;
  return out;
}

}  // namespace lvsd::daemon
