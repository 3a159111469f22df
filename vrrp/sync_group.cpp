#include "vrrp/sync_group.hpp"

#include <algorithm>

#include "vrrp/instance.hpp"

namespace lvsd::vrrp {

bool SyncGroup::contains(const Instance& instance) const {
  return std::find(members_.begin(), members_.end(), &instance) != members_.end();
}

void SyncGroup::member_heard_lower_priority(const Instance& member) {
  for (Instance* m : members_)
    if (m != &member) m->announce_lower_priority();
}

std::string SyncGroup::fault_name(const std::string& group, const std::string& member) {
  return "sync_group " + group + ": " + member + " in FAULT";
}

std::optional<State> SyncGroup::member_changed(Instance& member, State from, State to) {
  if (propagating_) return std::nullopt;
  propagating_ = true;
  const std::string who = member.config().name;
  for (Instance* other : members_) {
    if (other == &member) continue;
    if (to == State::kFault) {
      other->handle(event::InterfaceDown{.name = fault_name(name_, who)});
    } else if (from == State::kFault) {
      other->handle(event::InterfaceUp{.name = fault_name(name_, who)});
    }
    if (to == State::kMaster && other->state() == State::kBackup) {
      // Take over now rather than after Master_Down_Interval.
      other->handle(event::MasterDownTimerFired{});
    } else if (to == State::kBackup && from == State::kMaster && other->state() == State::kMaster) {
      other->handle(event::SyncGroupBackup{.reason = "sync_group " + name_ + ": " + who + " went BACKUP"});
    }
  }
  propagating_ = false;
  if (state_ == to) return std::nullopt;
  state_ = to;
  return to;
}

}  // namespace lvsd::vrrp
