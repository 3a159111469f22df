#pragma once
// SHA-256 (FIPS 180-4), incremental. Used to recognise an unchanged
// configuration file on reload without keeping a copy of its bytes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lvsd::core {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // The digest of everything updated so far; the object is spent afterwards.
  Sha256Digest finish();

 private:
  void block(const std::uint8_t* data);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> pending_{};
  std::size_t pending_size_ = 0;
  std::uint64_t total_bytes_ = 0;
};

Sha256Digest sha256(std::string_view bytes);
std::string to_hex(const Sha256Digest& digest);

}  // namespace lvsd::core
