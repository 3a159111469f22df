#include "healthcheck/file_check.hpp"

#include <algorithm>
#include <limits>

namespace lvsd::healthcheck {

namespace {
constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();
}  // namespace

FileCheckVerdict file_check_verdict(const FileCheckRule& rule, long value) {
  if (rule.weight == 0) return {.up = (value == 0) == !rule.reverse, .weight = 0};
  // keepalived reads a 32-bit number (2^31 too); both within 2^31: no overflow.
  const std::int64_t number = std::clamp<std::int64_t>(value, kIntMin, kIntMax + 1);
  std::int64_t product = number * rule.weight;
  if (rule.reverse) product = -product;
  // keepalived holds the product within a 32-bit int; its smallest value is the fault.
  product = std::clamp(product, kIntMin, kIntMax);
  if (product == kIntMin) return {.up = false, .weight = 0};
  return {.up = true, .weight = product};
}

std::int32_t file_checked_weight(std::int64_t weight, std::int64_t file_sum) {
  return static_cast<std::int32_t>(std::clamp(weight + file_sum, std::int64_t{0}, kIntMax));
}

}  // namespace lvsd::healthcheck
