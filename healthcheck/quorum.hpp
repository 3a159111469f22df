#pragma once
// Quorum with hysteresis for a virtual server's sorry_server (pure).
//
// Semantics follow keepalived's description of `quorum` (the minimum total
// weight of live servers for the service to run without degradation) and
// `hysteresis` (a flap dampener applied both when losing and gaining quorum):
// the pool has quorum while the sum of the weights of its live real servers is
// high enough. Quorum is lost when that sum drops below quorum - hysteresis,
// or to 0 (an empty pool never has quorum, whatever the numbers); it is gained
// again only when the sum reaches quorum + hysteresis. Between the two the
// previous decision holds, so a weight that wobbles around `quorum` does not
// flap the sorry server. Without quorum the sorry_server is installed.
//
// "Live weight" is for the caller to sum: the configured (or misc_dynamic)
// weight of every real server whose verdict is up; slow-start ramping does not
// reduce it. A new pool starts without quorum (its servers start unknown), so
// the sorry server is in place until enough of them pass their first check.
#include <cstdint>

namespace lvsd::healthcheck {

struct QuorumPolicy {
  std::int64_t quorum = 1;
  std::int64_t hysteresis = 0;
};

class QuorumState {
 public:
  explicit QuorumState(QuorumPolicy policy, bool initially_met = false)
      : policy_(policy), met_(initially_met) {}

  // Feeds the current sum of live weights. Returns true if the decision
  // changed (read met() for the new one).
  bool update(std::int64_t live_weight_sum);

  bool met() const { return met_; }
  bool sorry_server_active() const { return !met_; }
  const QuorumPolicy& policy() const { return policy_; }

 private:
  QuorumPolicy policy_;
  bool met_;
};

// The decision for `live_weight_sum` given the previous one (the function
// QuorumState::update applies).
bool quorum_met(const QuorumPolicy& policy, bool previously_met, std::int64_t live_weight_sum);

}  // namespace lvsd::healthcheck
