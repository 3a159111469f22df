#include "vrrp/timers.hpp"

namespace lvsd::vrrp {

core::Duration skew_time(Version version, std::uint8_t priority, Centiseconds master_adver_interval) {
  const std::int64_t weight = 256 - priority;
  if (version == Version::kV2) {
    // 1 s / 256 = 3,906,250 ns exactly.
    return core::Duration{weight * 1'000'000'000 / 256};
  }
  const core::Duration interval = master_adver_interval;
  return core::Duration{weight * interval.count() / 256};
}

core::Duration master_down_interval(Version version, std::uint8_t priority,
                                    Centiseconds master_adver_interval, int down_timer_adverts) {
  return down_timer_adverts * core::Duration{master_adver_interval} + skew_time(version, priority, master_adver_interval);
}

}  // namespace lvsd::vrrp
