#pragma once
// Slow start (pure): after a real server recovers, its weight ramps linearly
// from 1 to its configured weight over `slow_start`, so a cold server is not
// handed its full share of new connections at once.
//
//   weight(t) = 1 + floor((configured - 1) * t / slow_start), capped at configured
//
// where t is the time since the server came back up. A configured weight of 0
// or 1, or a zero slow_start, gives the configured weight at once.
#include <cstdint>
#include <optional>

#include "core/clock.hpp"

namespace lvsd::healthcheck {

int slow_start_weight(int configured_weight, core::Duration slow_start, core::Duration since_recovery);

// How long after recovery the weight next changes, or nullopt once it has
// reached the configured weight. Lets the caller arm one timer per step
// instead of polling.
std::optional<core::Duration> next_slow_start_change(int configured_weight, core::Duration slow_start,
                                                     core::Duration since_recovery);

}  // namespace lvsd::healthcheck
