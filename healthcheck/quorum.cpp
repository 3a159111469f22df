#include "healthcheck/quorum.hpp"

namespace lvsd::healthcheck {

bool quorum_met(const QuorumPolicy& policy, bool previously_met, std::int64_t live_weight_sum) {
  if (live_weight_sum <= 0) return false;
  if (previously_met) return live_weight_sum >= policy.quorum - policy.hysteresis;
  return live_weight_sum >= policy.quorum + policy.hysteresis;
}

bool QuorumState::update(std::int64_t live_weight_sum) {
  bool next = quorum_met(policy_, met_, live_weight_sum);
  bool changed = next != met_;
  met_ = next;
  return changed;
}

}  // namespace lvsd::healthcheck
