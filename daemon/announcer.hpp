#pragma once
// Scale-out announcements (docs/scale-out.md), the decision part: which VIPs
// this node offers to the routing daemon now, and why. Pure: the daemon feeds
// it the health of every virtual server marked `announce` and the node's
// drain state, and applies the answer as routes (daemon/routes.hpp).
//
// A VIP is announced while
//   - the node is neither drained nor stopping, and
//   - at least one announced virtual server on that address has its quorum
//     (a VIP carrying :80 and :443 stays announced while either can serve;
//     every node sees the same pools, so withdrawing the VIP for one empty
//     port would take the other port down everywhere), or
//   - a restart in place found it announced and its services have no verdict
//     yet (held until the quorum is met or `hold` runs out), so a hitless
//     restart does not flap the route.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/net_address.hpp"

namespace lvsd::daemon {

struct AnnouncedService {
  core::IpAddress vip{};
  std::string label{};  // "TCP 10.0.0.100:80"
  bool quorum_met = false;
};

struct VipAnnouncement {
  core::IpAddress vip{};
  bool announced = false;
  // Announced: "serving" (or "held after restart"); withdrawn: "no quorum",
  // "node drained", "stopping", "starting".
  std::string reason{};
  core::TimePoint since{};
  std::uint64_t transitions = 0;  // announced <-> withdrawn since lvsd started
  std::vector<std::string> services{};  // the announced virtual servers on it
  bool operator==(const VipAnnouncement&) const = default;
};

class Announcer {
 public:
  // Recomputes every VIP from `services` (all virtual servers marked
  // announce, any order). VIPs no longer among them are forgotten.
  void update(const std::vector<AnnouncedService>& services, core::TimePoint now);

  // Node state; each takes effect at the next update().
  void set_drained(bool drained, core::TimePoint now);
  void set_stopping() { stopping_ = true; }
  // A restart in place found `vip` announced: keep it so until `until` or
  // until its quorum is met, whichever is first.
  void hold(const core::IpAddress& vip, core::TimePoint until) { holds_[vip] = until; }

  bool drained() const { return drained_; }
  core::TimePoint drained_since() const { return drained_since_; }
  // Sorted by address.
  std::vector<VipAnnouncement> vips() const;
  std::vector<core::IpAddress> announced() const;
  // The earliest hold deadline still pending (the daemon re-runs update()
  // then); nullopt: none.
  std::optional<core::TimePoint> next_deadline() const;

 private:
  std::map<core::IpAddress, VipAnnouncement> vips_;
  std::map<core::IpAddress, core::TimePoint> holds_;
  bool drained_ = false;
  core::TimePoint drained_since_{};
  bool stopping_ = false;
};

}  // namespace lvsd::daemon
