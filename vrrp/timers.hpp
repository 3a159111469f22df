#pragma once
// VRRP timer arithmetic (pure). RFC 3768 6.1 (v2) and RFC 5798 6.1 (v3).
//
// Results are exact nanoseconds rather than the RFC's whole centiseconds: at
// small v3 intervals, centisecond truncation gives neighbouring priorities the
// same skew (interval 10 cs: priorities 250 and 251 both get 0 cs), which
// makes equal-timed takeovers more likely. Nanoseconds keep the ordering.
#include <cstdint>

#include "core/clock.hpp"
#include "vrrp/interval.hpp"

namespace lvsd::vrrp {

// v2 (RFC 3768 6.1): Skew_Time = (256 - Priority) / 256 seconds.
// v3 (RFC 5798 6.1): Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256,
// with the interval the backup learned from the master's adverts (RFC 5798 6.4.2).
// `master_adver_interval` is ignored for v2.
core::Duration skew_time(Version version, std::uint8_t priority, Centiseconds master_adver_interval);

// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (RFC 3768 6.1, RFC 5798 6.1);
// keepalived's down_timer_adverts replaces the 3 (1-100).
core::Duration master_down_interval(Version version, std::uint8_t priority,
                                    Centiseconds master_adver_interval, int down_timer_adverts = 3);

}  // namespace lvsd::vrrp
