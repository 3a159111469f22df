// libFuzzer target for the VRRP decoder (built with -DLVSD_FUZZ=ON, clang).
// Input: 1 selector byte (version, family, TTL, auth mode) then the payload.
// Properties checked beyond "no crash / no ASan report":
//  - an accepted advert re-encodes, and that re-encoding decodes to the same advert;
//  - a v2 advert or a v3 advert without reserved bits re-encodes byte for byte,
//    except the checksum field: 0x0000 and 0xffff are the same one's complement
//    number, and a received packet may carry either.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "vrrp/packet.hpp"

using namespace lvsd::vrrp;

namespace {

LocalExpectations expectations(Version version, core::AddressFamily family, bool password) {
  LocalExpectations l;
  l.version = version;
  l.family = family;
  l.vrid = 1;
  l.auth_type = password ? AuthType::kSimplePassword : AuthType::kNone;
  l.auth_data = password_auth_data("secret");
  l.advert_interval = Centiseconds{100};
  if (family == core::AddressFamily::kIpv4) {
    l.vips = {core::IpAddress::v4({10, 0, 0, 100})};
    l.own_addresses = {core::IpAddress::v4({10, 0, 0, 2})};
  } else {
    l.vips = {*core::IpAddress::parse("2001:db8::100")};
    l.own_addresses = {*core::IpAddress::parse("fe80::2")};
  }
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t sel = data[0];
  const std::span<const std::uint8_t> payload(data + 1, size - 1);
  const Version version = (sel & 1) ? Version::kV3 : Version::kV2;
  const core::AddressFamily family = (version == Version::kV3 && (sel & 2)) ? core::AddressFamily::kIpv6 : core::AddressFamily::kIpv4;
  ReceivedMeta meta;
  if (family == core::AddressFamily::kIpv4) {
    meta.source = core::IpAddress::v4({10, 0, 0, 1});
    meta.destination = core::IpAddress::v4({224, 0, 0, 18});
  } else {
    meta.source = *core::IpAddress::parse("fe80::1");
    meta.destination = *core::IpAddress::parse("ff02::12");
  }
  meta.ttl = (sel & 4) ? 64 : 255;
  if (sel & 8) {  // sent to our own address instead of the group
    meta.destination = family == core::AddressFamily::kIpv4 ? core::IpAddress::v4({10, 0, 0, 2}) : *core::IpAddress::parse("fe80::2");
  }
  LocalExpectations local = expectations(version, family, (sel & 16) != 0);
  if (sel & 32) local.unicast_peers = {meta.source};
  if (sel & 64) local.check_unicast_ttl = false;

  const DecodeResult result = decode(payload, meta, local);
  const auto* rx = std::get_if<ReceivedAdvert>(&result);
  if (rx == nullptr) return 0;

  auto bytes = encode(rx->advert, meta.source, meta.destination);
  if (!bytes.ok()) std::abort();  // everything the decoder accepts must be encodable
  const DecodeResult again = decode(*bytes, meta, local);
  const auto* rx2 = std::get_if<ReceivedAdvert>(&again);
  if (rx2 == nullptr || !(rx2->advert == rx->advert)) std::abort();
  const bool reserved_bits = version == Version::kV3 && (payload[4] & 0xf0) != 0;
  if (!reserved_bits) {
    if (bytes->size() != payload.size()) std::abort();
    for (std::size_t i = 0; i < payload.size(); ++i) {
      if (i != 6 && i != 7 && (*bytes)[i] != payload[i]) std::abort();
    }
  }
  return 0;
}
