#pragma once
// The verdict of one health check over time (pure: no I/O, no clock; the
// caller passes the time of each result).
//
// A check starts Unknown, which means "not in the pool", unless
// HealthThresholds::start_up is set (keepalived's `alpha` off behaviour), in
// which case it starts Up. From Unknown the first result decides: a pass
// makes it Up, a failure makes it Down. After that it takes `fall`
// consecutive failures to go from Up to Down (keepalived's `retry`) and `rise`
// consecutive passes to go from Down to Up.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace lvsd::healthcheck {

enum class Verdict : std::uint8_t { kUnknown, kUp, kDown };

std::string_view to_string(Verdict v);

struct HealthThresholds {
  int rise = 1;            // consecutive passes to go Down -> Up (values < 1 act as 1)
  int fall = 1;            // consecutive failures to go Up -> Down (values < 1 act as 1)
  bool start_up = false;   // start Up instead of Unknown
  bool start_down = false; // start Down (`rise` passes to go Up), e.g. a vrrp_script's init_fail
};

// A change of verdict and the check result that caused it.
struct Transition {
  Verdict from = Verdict::kUnknown;
  Verdict to = Verdict::kUnknown;
  std::string reason{};  // the reason text of the result that tipped it, e.g. "HTTP 503 on /health"
  core::TimePoint at{};
};

class HealthState {
 public:
  explicit HealthState(HealthThresholds thresholds);

  // Records one check result. Returns the transition if the verdict changed.
  std::optional<Transition> record(bool passed, std::string_view reason, core::TimePoint at);

  Verdict verdict() const { return verdict_; }
  bool up() const { return verdict_ == Verdict::kUp; }
  // (No copy of the last transition is kept: one HealthState per check,
  // thousands of them; record() hands each transition to the caller.)
  int consecutive_passes() const { return passes_; }
  int consecutive_failures() const { return failures_; }
  const HealthThresholds& thresholds() const { return thresholds_; }

 private:
  HealthThresholds thresholds_;
  Verdict verdict_;
  int passes_ = 0;
  int failures_ = 0;
};

}  // namespace lvsd::healthcheck
