#pragma once
// Which IPVS services lvsd created or adopted, kept in a small text file
// (e.g. /run/lvsd/ipvs-owned) so a restarted lvsd still knows which services
// are its own to remove and which belong to someone else.
//
// File format, one service per line, as describe(ServiceKey) prints it:
//   # lvsd ipvs ownership v1
//   TCP 10.0.0.1:80
//   UDP [2001:db8::1]:53
//   FWM 7
//   FWM 9 IPv6
// Blank lines and lines starting with '#' are ignored.
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "director/types.hpp"

namespace lvsd::director {

struct OwnershipRecord {
  std::set<ServiceKey> services{};

  bool owns(const ServiceKey& key) const { return services.contains(key); }
  bool operator==(const OwnershipRecord&) const = default;
};

// Parses one key as describe(ServiceKey) prints it ("TCP 10.0.0.1:80").
core::Result<ServiceKey> parse_service_key(std::string_view text);

std::string encode_ownership(const OwnershipRecord& record);
// All malformed lines are reported, each as "line N: ...".
core::Result<OwnershipRecord> decode_ownership(std::string_view text);

// A missing file is an empty record (first start).
core::Result<OwnershipRecord> load_ownership(const std::string& path);
// Writes path.tmp then renames it over path, so a crash never leaves half a
// file. Creates the parent directory if needed.
core::Status save_ownership(const std::string& path, const OwnershipRecord& record);

}  // namespace lvsd::director
