#pragma once
// VRRP intervals. VRRPv3 carries Max Adver Int in centiseconds (RFC 5798
// 5.2.7); VRRPv2 carries Adver Int in whole seconds (RFC 3768 5.3.7). Both
// are held as centiseconds here.
#include <chrono>
#include <cstdint>

namespace lvsd::vrrp {

using Centiseconds = std::chrono::duration<std::int64_t, std::centi>;

enum class Version : std::uint8_t { kV2 = 2, kV3 = 3 };

}  // namespace lvsd::vrrp
