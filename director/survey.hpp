#pragma once
// What a periodic resync needs to know of the kernel's table, learnt while
// the table is read service by service: which services are not what the
// daemon last left there. A service whose digest is the expected one is
// dropped as soon as it is read, so a resync of a 50,000-destination table
// that finds no drift holds one service at a time instead of the whole
// table (a whole dump left the daemon 17 MB more resident after the first
// resync at 50,000 destinations: bench/README.md, memory after resync).
// Pure: the reading is the caller's (IpvsClient::for_each_service).
#include <cstdint>
#include <memory>
#include <vector>

#include "director/types.hpp"

namespace lvsd::director {

// One service's settings_digest(), with its key.
struct ServiceDigest {
  ServiceKey key{};
  std::uint64_t digest = 0;
  bool operator==(const ServiceDigest&) const = default;
};
using ServiceDigests = std::vector<ServiceDigest>;  // sorted by key, one per service

ServiceDigests digests_of(const IpvsTable& table);

// What the kernel holds that is not what was expected.
struct TableSurvey {
  // The kernel's services (with destinations and counters) whose digest is
  // not the expected one, or that were not expected at all; without
  // expected digests, every service: the whole table.
  IpvsTable differing{};
  // Expected services the kernel does not have.
  std::vector<ServiceKey> missing{};
  bool as_expected() const { return differing.services.empty() && missing.empty(); }
};

class TableSurveyor {
 public:
  // `expected`: what the kernel should hold (null: expect nothing and keep
  // every service read).
  explicit TableSurveyor(std::shared_ptr<const ServiceDigests> expected);
  // The next service read from the kernel, in any order.
  void add(VirtualService service);
  // After the last service.
  TableSurvey finish() &&;

 private:
  std::shared_ptr<const ServiceDigests> expected_;
  std::vector<bool> seen_;  // one per expected service
  TableSurvey survey_;
};

}  // namespace lvsd::director
