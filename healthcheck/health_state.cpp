#include "healthcheck/health_state.hpp"

#include <algorithm>

namespace lvsd::healthcheck {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kUnknown: return "unknown";
    case Verdict::kUp: return "up";
    case Verdict::kDown: return "down";
  }
  return "?";
}

HealthState::HealthState(HealthThresholds thresholds)
    : thresholds_(thresholds),
      verdict_(thresholds.start_up     ? Verdict::kUp
               : thresholds.start_down ? Verdict::kDown
                                       : Verdict::kUnknown) {
  thresholds_.rise = std::max(1, thresholds_.rise);
  thresholds_.fall = std::max(1, thresholds_.fall);
}

std::optional<Transition> HealthState::record(bool passed, std::string_view reason, core::TimePoint at) {
  if (passed) {
    ++passes_;
    failures_ = 0;
  } else {
    ++failures_;
    passes_ = 0;
  }

  Verdict next = verdict_;
  switch (verdict_) {
    case Verdict::kUnknown: next = passed ? Verdict::kUp : Verdict::kDown; break;
    case Verdict::kUp:
      if (failures_ >= thresholds_.fall) next = Verdict::kDown;
      break;
    case Verdict::kDown:
      if (passes_ >= thresholds_.rise) next = Verdict::kUp;
      break;
  }
  if (next == verdict_) return std::nullopt;

  Transition t{.from = verdict_, .to = next, .reason = std::string(reason), .at = at};
  verdict_ = next;
  return t;
}

}  // namespace lvsd::healthcheck
