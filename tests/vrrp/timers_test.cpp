#include "vrrp/timers.hpp"

#include <gtest/gtest.h>

namespace lvsd::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(SkewTimeV2, IsFractionOfASecond) {
  // RFC 3768 6.1: (256 - Priority) / 256 seconds; the interval does not matter.
  EXPECT_EQ(skew_time(Version::kV2, 100, Centiseconds{100}), nanoseconds{609'375'000});  // 156/256 s
  EXPECT_EQ(skew_time(Version::kV2, 100, Centiseconds{500}), nanoseconds{609'375'000});
  EXPECT_EQ(skew_time(Version::kV2, 1, Centiseconds{100}), nanoseconds{996'093'750});    // 255/256 s
  EXPECT_EQ(skew_time(Version::kV2, 254, Centiseconds{100}), nanoseconds{7'812'500});    // 2/256 s
  EXPECT_EQ(skew_time(Version::kV2, 255, Centiseconds{100}), nanoseconds{3'906'250});    // 1/256 s
}

TEST(SkewTimeV3, ScalesWithLearnedInterval) {
  // RFC 5798 6.1: ((256 - Priority) * Master_Adver_Interval) / 256.
  EXPECT_EQ(skew_time(Version::kV3, 100, Centiseconds{100}), nanoseconds{609'375'000});
  EXPECT_EQ(skew_time(Version::kV3, 100, Centiseconds{10}), nanoseconds{60'937'500});
  EXPECT_EQ(skew_time(Version::kV3, 1, Centiseconds{4095}), nanoseconds{40'790'039'062});
  EXPECT_EQ(skew_time(Version::kV3, 255, Centiseconds{1}), nanoseconds{39'062});
}

TEST(SkewTime, HigherPriorityWaitsLessEvenAtSmallV3Intervals) {
  // Whole centiseconds would give 250 and 251 the same skew at 10 cs.
  EXPECT_LT(skew_time(Version::kV3, 251, Centiseconds{10}), skew_time(Version::kV3, 250, Centiseconds{10}));
  for (int p = 1; p < 255; ++p) {
    const auto lo = static_cast<std::uint8_t>(p);
    const auto hi = static_cast<std::uint8_t>(p + 1);
    EXPECT_LT(master_down_interval(Version::kV2, hi, Centiseconds{100}),
              master_down_interval(Version::kV2, lo, Centiseconds{100}));
    EXPECT_LT(master_down_interval(Version::kV3, hi, Centiseconds{10}),
              master_down_interval(Version::kV3, lo, Centiseconds{10}));
  }
}

TEST(MasterDownInterval, ThreeIntervalsPlusSkew) {
  // v2, 1 s adverts, priority 100: 3 s + 0.609375 s.
  EXPECT_EQ(master_down_interval(Version::kV2, 100, Centiseconds{100}), nanoseconds{3'609'375'000});
  // v2, 3 s adverts, priority 200: 9 s + 56/256 s.
  EXPECT_EQ(master_down_interval(Version::kV2, 200, Centiseconds{300}), nanoseconds{9'218'750'000});
  // v3, 100 ms adverts, priority 50: 300 ms + 206*100/256 ms.
  EXPECT_EQ(master_down_interval(Version::kV3, 50, Centiseconds{10}), nanoseconds{380'468'750});
  // v3, 1 s adverts, priority 254: 3 s + 2/256 s.
  EXPECT_EQ(master_down_interval(Version::kV3, 254, Centiseconds{100}), nanoseconds{3'007'812'500});
  // v3 maximum interval 40.95 s, priority 1.
  EXPECT_EQ(master_down_interval(Version::kV3, 1, Centiseconds{4095}),
            seconds{122} + milliseconds{850} + nanoseconds{40'790'039'062});
}

}  // namespace
}  // namespace lvsd::vrrp
