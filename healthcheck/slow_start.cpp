#include "healthcheck/slow_start.hpp"

namespace lvsd::healthcheck {

namespace {
// 128-bit intermediates: a weight up to 2^31 times a nanosecond count overflows 64 bits.
__extension__ typedef __int128 Wide;

bool ramps(int configured_weight, core::Duration slow_start) {
  return configured_weight > 1 && slow_start > core::Duration::zero();
}
}  // namespace

int slow_start_weight(int configured_weight, core::Duration slow_start, core::Duration since_recovery) {
  if (!ramps(configured_weight, slow_start) || since_recovery >= slow_start) return configured_weight;
  if (since_recovery <= core::Duration::zero()) return 1;
  Wide span = configured_weight - 1;
  Wide step = span * since_recovery.count() / slow_start.count();
  return 1 + static_cast<int>(step);
}

std::optional<core::Duration> next_slow_start_change(int configured_weight, core::Duration slow_start,
                                                     core::Duration since_recovery) {
  if (!ramps(configured_weight, slow_start) || since_recovery >= slow_start) return std::nullopt;
  if (since_recovery < core::Duration::zero()) since_recovery = core::Duration::zero();
  // The weight becomes w+1 at the first t with (configured-1)*t >= (w)*slow_start, i.e.
  // t = ceil(w * slow_start / (configured-1)) where w = current weight.
  Wide span = configured_weight - 1;
  Wide current = slow_start_weight(configured_weight, slow_start, since_recovery);
  Wide numerator = current * slow_start.count();
  Wide t = (numerator + span - 1) / span;
  return core::Duration(static_cast<core::Duration::rep>(t));
}

}  // namespace lvsd::healthcheck
