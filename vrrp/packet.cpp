#include "vrrp/packet.hpp"

#include <algorithm>

#include "vrrp/checksum.hpp"

namespace lvsd::vrrp {
namespace {

std::size_t address_size(core::AddressFamily f) { return f == core::AddressFamily::kIpv4 ? 4 : 16; }

bool contains(const std::vector<core::IpAddress>& list, const core::IpAddress& a) {
  return std::find(list.begin(), list.end(), a) != list.end();
}

bool same_set(std::vector<core::IpAddress> a, std::vector<core::IpAddress> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

std::string family_name(core::AddressFamily f) { return f == core::AddressFamily::kIpv4 ? "IPv4" : "IPv6"; }

Drop drop(DropReason reason, std::string detail) { return Drop{reason, std::move(detail)}; }

}  // namespace

core::IpAddress vrrp_multicast_group(core::AddressFamily family) {
  return family == core::AddressFamily::kIpv4 ? core::IpAddress::v4({224, 0, 0, 18})
                                 : core::IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
}

AuthData password_auth_data(std::string_view password) {
  AuthData data{};
  const std::size_t n = std::min(password.size(), data.size());
  std::copy_n(password.begin(), n, data.begin());
  return data;
}

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kTruncated: return "truncated";
    case DropReason::kBadLength: return "bad_length";
    case DropReason::kNoAddresses: return "no_addresses";
    case DropReason::kBadVersion: return "bad_version";
    case DropReason::kBadType: return "bad_type";
    case DropReason::kBadChecksum: return "bad_checksum";
    case DropReason::kWrongTtl: return "wrong_ttl";
    case DropReason::kWrongFamily: return "wrong_family";
    case DropReason::kWrongVrid: return "wrong_vrid";
    case DropReason::kLocalIsOwner: return "local_is_owner";
    case DropReason::kAuthTypeMismatch: return "auth_type_mismatch";
    case DropReason::kWrongPassword: return "wrong_password";
    case DropReason::kIntervalMismatch: return "interval_mismatch";
    case DropReason::kAddressMismatch: return "address_mismatch";
    case DropReason::kFromOwnAddress: return "from_own_address";
    case DropReason::kSourceIsVirtual: return "source_is_virtual";
    case DropReason::kNotAPeer: return "not_a_peer";
    case DropReason::kWrongDestination: return "wrong_destination";
    case DropReason::kCount: break;
  }
  return "unknown";
}

core::Result<std::vector<std::uint8_t>> encode(const Advert& advert, const core::IpAddress& source,
                                               const core::IpAddress& destination) {
  const core::AddressFamily family = source.family();
  if (destination.family() != family) return core::Error{"source and destination families differ"};
  if (advert.version == Version::kV2 && family != core::AddressFamily::kIpv4) {
    return core::Error{"VRRPv2 is IPv4 only (RFC 3768 1)"};
  }
  if (advert.addresses.empty() || advert.addresses.size() > 255) {
    return core::Error{"address count must be 1..255, got " + std::to_string(advert.addresses.size())};
  }
  for (const auto& a : advert.addresses) {
    if (a.family() != family) {
      return core::Error{"address " + a.to_string() + " is not " + family_name(family)};
    }
  }
  const auto cs = advert.advert_interval.count();
  if (advert.version == Version::kV2) {
    // RFC 3768 5.3.7: Adver Int is in seconds.
    if (cs % 100 != 0 || cs < 100 || cs > kMaxV2Interval.count()) {
      return core::Error{"VRRPv2 advert interval must be 1..255 whole seconds, got " +
                         std::to_string(cs) + " cs"};
    }
  } else if (cs < 1 || cs > kMaxV3Interval.count()) {
    // RFC 5798 5.2.7: 12 bits of centiseconds.
    return core::Error{"VRRPv3 advert interval must be 1..4095 cs, got " + std::to_string(cs) + " cs"};
  }

  std::vector<std::uint8_t> out;
  out.reserve(kHeaderSize + advert.addresses.size() * address_size(family) + kAuthDataSize);
  out.push_back(static_cast<std::uint8_t>(static_cast<std::uint8_t>(advert.version) << 4 |
                                          kTypeAdvertisement));
  out.push_back(advert.vrid);
  out.push_back(advert.priority);
  out.push_back(static_cast<std::uint8_t>(advert.addresses.size()));
  if (advert.version == Version::kV2) {
    out.push_back(static_cast<std::uint8_t>(advert.auth_type));
    out.push_back(static_cast<std::uint8_t>(cs / 100));
  } else {
    // RFC 5798 5.2.5: the 4 reserved bits are sent as zero.
    out.push_back(static_cast<std::uint8_t>((cs >> 8) & 0x0f));
    out.push_back(static_cast<std::uint8_t>(cs & 0xff));
  }
  out.push_back(0);  // checksum, filled in below
  out.push_back(0);
  for (const auto& a : advert.addresses) out.insert(out.end(), a.bytes().begin(), a.bytes().end());
  if (advert.version == Version::kV2) {
    out.insert(out.end(), advert.auth_data.begin(), advert.auth_data.end());
  }
  const std::uint16_t sum = vrrp_checksum(advert.version, out, source, destination);
  out[6] = static_cast<std::uint8_t>(sum >> 8);
  out[7] = static_cast<std::uint8_t>(sum & 0xff);
  return out;
}

DecodeResult decode(std::span<const std::uint8_t> payload, const ReceivedMeta& meta,
                    const LocalExpectations& local) {
  // The checks follow RFC 5798 7.1 / RFC 3768 7.1, in that order where the
  // RFC gives one. Each failure is a typed reason so the caller can count it.
  //
  // Where it was sent and its TTL come first: they are what keeps an
  // off-link sender out (RFC 5798 5.1.1.3, 7.1; RFC 3768 5.2.3, 7.1). A
  // multicast router hears only the group; a unicast router only its peers,
  // sent to it directly, as keepalived does.
  const bool unicast_mode = !local.unicast_peers.empty();
  const bool to_group =
      meta.destination == local.multicast_group.value_or(vrrp_multicast_group(meta.destination.family()));
  if (!unicast_mode && !to_group) {
    return drop(DropReason::kWrongDestination,
                "sent to " + meta.destination.to_string() + ", not the VRRP group (no unicast_peer configured)");
  }
  if (unicast_mode && to_group) {
    return drop(DropReason::kWrongDestination, "sent to the VRRP group, but this instance uses unicast_peer");
  }
  if ((!unicast_mode || local.check_unicast_ttl) && meta.ttl != kRequiredTtl) {
    return drop(DropReason::kWrongTtl, "TTL/hop limit " + std::to_string(meta.ttl));
  }
  if (payload.size() < kHeaderSize) {
    return drop(DropReason::kTruncated, std::to_string(payload.size()) + " bytes, header is 8");
  }
  const int version = payload[0] >> 4;
  if (version != static_cast<int>(local.version)) {
    return drop(DropReason::kBadVersion, "version " + std::to_string(version));
  }
  const int type = payload[0] & 0x0f;
  if (type != kTypeAdvertisement) return drop(DropReason::kBadType, "type " + std::to_string(type));

  const core::AddressFamily family = meta.source.family();
  if (family != local.family || meta.destination.family() != family) {
    return drop(DropReason::kWrongFamily, "received over " + family_name(family));
  }
  const std::size_t count = payload[3];
  if (count == 0) return drop(DropReason::kNoAddresses, "Count IPvX Addr is 0");
  const bool v2 = local.version == Version::kV2;
  const std::size_t expected = kHeaderSize + count * address_size(family) + (v2 ? kAuthDataSize : 0);
  if (payload.size() < expected) {
    return drop(DropReason::kTruncated, std::to_string(payload.size()) + " bytes, need " +
                                            std::to_string(expected));
  }
  if (payload.size() > expected) {
    return drop(DropReason::kBadLength, std::to_string(payload.size()) + " bytes, expected " +
                                            std::to_string(expected));
  }
  if (vrrp_checksum(local.version, payload, meta.source, meta.destination) != 0) {
    return drop(DropReason::kBadChecksum, "checksum field " + std::to_string(payload[6] << 8 | payload[7]));
  }

  ReceivedAdvert rx;
  rx.source = meta.source;
  Advert& ad = rx.advert;
  ad.version = local.version;
  ad.vrid = payload[1];
  ad.priority = payload[2];
  if (v2) {
    ad.auth_type = static_cast<AuthType>(payload[4]);
    ad.advert_interval = Centiseconds{payload[5] * 100};
    std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(expected - kAuthDataSize), kAuthDataSize,
                ad.auth_data.begin());
  } else {
    // RFC 5798 5.2.5: reserved bits are ignored on reception.
    ad.advert_interval = Centiseconds{(payload[4] & 0x0f) << 8 | payload[5]};
  }
  ad.addresses.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto* p = payload.data() + kHeaderSize + i * address_size(family);
    if (family == core::AddressFamily::kIpv4) {
      ad.addresses.push_back(core::IpAddress::v4({p[0], p[1], p[2], p[3]}));
    } else {
      std::array<std::uint8_t, 16> b{};
      std::copy_n(p, 16, b.begin());
      ad.addresses.push_back(core::IpAddress::v6(b));
    }
  }

  if (ad.vrid != local.vrid) return drop(DropReason::kWrongVrid, "VRID " + std::to_string(ad.vrid));
  if (local.local_is_owner) {
    return drop(DropReason::kLocalIsOwner, "we own the addresses (priority 255)");
  }
  if (contains(local.own_addresses, meta.source)) {
    return drop(DropReason::kFromOwnAddress, "source " + meta.source.to_string());
  }
  if (unicast_mode && !contains(local.unicast_peers, meta.source)) {
    return drop(DropReason::kNotAPeer, "source " + meta.source.to_string());
  }
  // A non-owner sends from its primary address (RFC 5798 5.1.1.1), which is
  // never one of the virtual addresses: someone is using our VIP.
  if (ad.priority != kPriorityOwner && contains(local.vips, meta.source)) {
    return drop(DropReason::kSourceIsVirtual, "source " + meta.source.to_string() + " is a VIP");
  }
  if (v2) {
    // RFC 3768 7.1: Auth Type must match; RFC 2338 5.3.6.1: the password too.
    if (ad.auth_type != local.auth_type) {
      return drop(DropReason::kAuthTypeMismatch, "auth type " + std::to_string(payload[4]));
    }
    if (local.auth_type == AuthType::kSimplePassword && ad.auth_data != local.auth_data) {
      return drop(DropReason::kWrongPassword, "password differs");
    }
  }
  rx.addresses_differ = !same_set(ad.addresses, local.vips);
  // RFC 3768 7.1: a differing list is dropped unless it comes from the owner.
  // RFC 5798 7.1 only asks v3 to log it; we drop it (6.4.3 leaves the
  // reaction to the operator): a master must not yield to an advert for
  // other addresses, a misconfiguration or a forgery.
  if (rx.addresses_differ && (!v2 || ad.priority != kPriorityOwner)) {
    return drop(DropReason::kAddressMismatch, std::to_string(count) + " addresses differ from ours");
  }
  if (v2) {
    // RFC 3768 7.1: Adver Interval must equal ours.
    if (ad.advert_interval != local.advert_interval) {
      return drop(DropReason::kIntervalMismatch,
                  "Adver Int " + std::to_string(payload[5]) + " s, ours " +
                      std::to_string(local.advert_interval.count() / 100.0) + " s");
    }
  } else {
    // RFC 5798 6.4.2: a backup learns the master's interval; 0 cannot be learned
    // (Master_Down_Interval would collapse to Skew_Time).
    if (ad.advert_interval.count() == 0) return drop(DropReason::kIntervalMismatch, "Max Adver Int 0");
    rx.interval_differs = ad.advert_interval != local.advert_interval;
  }
  return rx;
}

}  // namespace lvsd::vrrp
