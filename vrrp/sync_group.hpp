#pragma once
// A sync group (keepalived's vrrp_sync_group): its instances move together.
// When a member goes to Fault, the others go to Fault until it leaves Fault
// again; when one becomes Master, the others in Backup take over at once;
// when a master member falls back to Backup, the other masters follow. The
// runtime calls member_changed() from each member's state listener.
#include <optional>
#include <string>
#include <vector>

#include "vrrp/fsm.hpp"

namespace lvsd::vrrp {

class Instance;

class SyncGroup {
 public:
  SyncGroup(std::string name, std::vector<Instance*> members) : name_(std::move(name)), members_(std::move(members)) {}

  const std::string& name() const { return name_; }
  const std::vector<Instance*>& members() const { return members_; }
  bool contains(const Instance& instance) const;

  // Moves the other members along. Returns the group's new state when the
  // group as a whole changed state (for the group's notify scripts), else
  // nullopt. Changes caused by the group's own propagation return nullopt.
  std::optional<State> member_changed(Instance& member, State from, State to);

  // `member` (a Master) heard a lower-priority advert: keepalived 2.2.7 has
  // every other member announce its VIPs too (its garp_lower_prio_repeat).
  void member_heard_lower_priority(const Instance& member);

  // The event another member receives while `member` is in Fault: a tracked
  // "interface" named after the member, so several faults compose.
  static std::string fault_name(const std::string& group, const std::string& member);

 private:
  std::string name_;
  std::vector<Instance*> members_;
  bool propagating_ = false;
  std::optional<State> state_;
};

}  // namespace lvsd::vrrp
