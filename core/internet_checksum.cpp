#include "core/internet_checksum.hpp"

namespace lvsd::core {

std::uint32_t ones_complement_sum(std::span<const std::uint8_t> data, std::uint32_t initial_sum) {
  std::uint64_t sum = initial_sum;  // 64 bits: no overflow for any span that fits in memory
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i] << 8);  // odd byte, padded with 0
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial_sum) {
  return static_cast<std::uint16_t>(~ones_complement_sum(data, initial_sum) & 0xffff);
}

}  // namespace lvsd::core
