#include "director/reconciler.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

namespace lvsd::director {
namespace {

Operation service_op(OperationKind kind, const Service& service) {
  return Operation{.kind = kind, .service = service, .destination = {}};
}

Operation destination_op(OperationKind kind, const Service& service, const Destination& destination) {
  return Operation{.kind = kind, .service = ServiceSettings{.key = service.key}, .destination = destination};
}

// Desired destinations, first occurrence of each identity, in order.
std::vector<const Destination*> unique_destinations(const VirtualService& vs) {
  std::set<core::Endpoint> seen;
  std::vector<const Destination*> out;
  out.reserve(vs.destinations.size());
  for (const Destination& d : vs.destinations) {
    if (seen.insert(d.endpoint).second) out.push_back(&d);
  }
  return out;
}

void reconcile_destinations(const VirtualService& want, const VirtualService& have, ReconcilePlan& plan) {
  std::vector<const Destination*> wanted = unique_destinations(want);
  std::map<core::Endpoint, const Destination*> wanted_by_id;
  for (const Destination* d : wanted) wanted_by_id.emplace(d->endpoint, d);
  std::map<core::Endpoint, const Destination*> have_by_id;
  for (const Destination& d : have.destinations) have_by_id.emplace(d.endpoint, &d);

  for (const Destination& d : have.destinations) {
    if (!wanted_by_id.contains(d.endpoint)) {
      plan.operations.push_back(destination_op(OperationKind::kDelDestination, want.service, d));
    }
  }
  for (const Destination* d : wanted) {
    auto found = have_by_id.find(d->endpoint);
    if (found == have_by_id.end()) {
      plan.operations.push_back(destination_op(OperationKind::kNewDestination, want.service, *d));
    } else if (!same_settings(*d, *found->second)) {
      plan.operations.push_back(destination_op(OperationKind::kSetDestination, want.service, *d));
    }
  }
}

}  // namespace

ReconcilePlan reconcile(const IpvsTable& desired, const IpvsTable& kernel, const OwnershipRecord& owned,
                        const ReconcileOptions& options) {
  ReconcilePlan plan;
  // At most one operation per desired or kernel service and destination.
  // Reserving that bound avoids regrowing a vector of several megabytes at a
  // first start (11,000 operations for 1,000 services); pages of the bound
  // that are never written are never made resident.
  std::size_t bound = 0;
  for (const VirtualService& vs : desired.services) bound += 1 + vs.destinations.size();
  for (const VirtualService& vs : kernel.services) bound += 1 + vs.destinations.size();
  plan.operations.reserve(bound);
  std::map<ServiceKey, const VirtualService*> in_kernel;
  for (const VirtualService& vs : kernel.services) in_kernel.emplace(vs.service.key, &vs);

  std::set<ServiceKey> wanted;
  for (const VirtualService& want : desired.services) {
    if (!wanted.insert(want.service.key).second) continue;
    auto found = in_kernel.find(want.service.key);
    if (found == in_kernel.end()) {
      plan.operations.push_back(service_op(OperationKind::kNewService, want.service));
      for (const Destination* d : unique_destinations(want)) {
        plan.operations.push_back(destination_op(OperationKind::kNewDestination, want.service, *d));
      }
      continue;
    }
    if (!same_settings(want.service, found->second->service)) {
      plan.operations.push_back(service_op(OperationKind::kSetService, want.service));
    }
    reconcile_destinations(want, *found->second, plan);
  }

  for (const VirtualService& have : kernel.services) {
    const ServiceKey& key = have.service.key;
    if (wanted.contains(key)) continue;
    if (owned.owns(key) || options.flush_foreign) {
      plan.operations.push_back(service_op(OperationKind::kDelService, have.service));
    }
  }
  return plan;
}

OwnershipRecord ownership_after(const OwnershipRecord& before, const IpvsTable& desired, const ReconcilePlan& plan,
                                std::span<const std::size_t> failed) {
  std::set<std::size_t> failed_set(failed.begin(), failed.end());
  std::set<ServiceKey> not_created;
  std::set<ServiceKey> removed;
  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    const Operation& op = plan.operations[i];
    bool ok = !failed_set.contains(i);
    if (op.kind == OperationKind::kNewService && !ok) not_created.insert(op.service.key);
    if (op.kind == OperationKind::kDelService && ok) removed.insert(op.service.key);
  }
  OwnershipRecord after = before;
  for (const VirtualService& vs : desired.services) {
    if (!not_created.contains(vs.service.key)) after.services.insert(vs.service.key);
  }
  for (const ServiceKey& key : removed) after.services.erase(key);
  return after;
}

namespace {

// How many operations from `first` on are NEW_DEST for `key` (a plan lists a
// new service's destinations right after it): room to reserve at once.
std::size_t new_destinations_after(const ReconcilePlan& plan, std::size_t first, const ServiceKey& key) {
  std::size_t n = 0;
  for (std::size_t i = first; i < plan.operations.size(); ++i, ++n) {
    const Operation& op = plan.operations[i];
    if (op.kind != OperationKind::kNewDestination || op.service.key != key) break;
  }
  return n;
}

struct EndpointHash {
  std::size_t operator()(const core::Endpoint& e) const {
    std::array<std::uint8_t, 19> bytes{};
    bytes[0] = static_cast<std::uint8_t>(e.address.family());
    const auto address = e.address.bytes();
    std::copy(address.begin(), address.end(), bytes.begin() + 1);
    bytes[17] = static_cast<std::uint8_t>(e.port >> 8);
    bytes[18] = static_cast<std::uint8_t>(e.port & 0xff);
    return static_cast<std::size_t>(XXH3_64bits(bytes.data(), bytes.size()));
  }
};

// The destinations of one service of a table, found by endpoint. A plan lists
// a service's destination operations together, so the index is built once per
// service (linear in its destinations) where a search per operation made a
// service of D new destinations cost D^2/2 comparisons (5 million for 1,000
// services of 100). An erased destination is only marked, so that indices stay
// valid and the others keep their order; release() drops the marked ones.
class DestinationIndex {
 public:
  explicit DestinationIndex(std::vector<VirtualService>& services) : services_(services) {}

  // Makes `position` the indexed service; the previous one is released.
  void select(std::size_t position) {
    if (position == position_) return;
    release();
    position_ = position;
    const std::vector<Destination>& destinations = services_[position].destinations;
    at_.reserve(destinations.size());
    for (std::size_t i = 0; i < destinations.size(); ++i) at_.emplace(destinations[i].endpoint, i);  // first wins
  }

  Destination* find(const core::Endpoint& endpoint) {
    auto it = at_.find(endpoint);
    return it == at_.end() ? nullptr : &services_[position_].destinations[it->second];
  }

  void add(const Destination& destination) {
    std::vector<Destination>& destinations = services_[position_].destinations;
    at_.emplace(destination.endpoint, destinations.size());
    destinations.push_back(destination);
  }

  void erase(const core::Endpoint& endpoint) {
    auto it = at_.find(endpoint);
    if (it == at_.end()) return;
    erased_.push_back(it->second);
    at_.erase(it);
  }

  // Drops the erased destinations of the indexed service and forgets it (its
  // destinations are about to be replaced, or the plan is done).
  void release() {
    if (position_ != kNone && !erased_.empty()) {
      std::vector<Destination>& destinations = services_[position_].destinations;
      std::sort(erased_.begin(), erased_.end());
      std::size_t next = 0;  // next of erased_
      std::size_t kept = 0;
      for (std::size_t i = 0; i < destinations.size(); ++i) {
        if (next < erased_.size() && erased_[next] == i) {
          ++next;
          continue;
        }
        if (kept != i) destinations[kept] = destinations[i];
        ++kept;
      }
      destinations.resize(kept);
    }
    erased_.clear();
    at_.clear();
    position_ = kNone;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<VirtualService>& services_;
  std::size_t position_ = kNone;
  std::unordered_map<core::Endpoint, std::size_t, EndpointHash> at_;
  std::vector<std::size_t> erased_;
};

}  // namespace

IpvsTable table_after(IpvsTable before, const ReconcilePlan& plan, std::span<const std::size_t> failed) {
  std::set<std::size_t> failed_set(failed.begin(), failed.end());
  IpvsTable table = std::move(before);
  // A view for planning: the counters of a dump would no longer line up
  // with destinations added or removed here, and nothing plans with them.
  for (VirtualService& vs : table.services) vs.counters = {};
  const auto new_services = std::count_if(plan.operations.begin(), plan.operations.end(),
                                          [](const Operation& op) { return op.kind == OperationKind::kNewService; });
  table.services.reserve(table.services.size() + static_cast<std::size_t>(new_services));
  std::map<ServiceKey, std::size_t> index;
  for (std::size_t i = 0; i < table.services.size(); ++i) index.emplace(table.services[i].service.key, i);
  std::set<std::size_t> removed;
  DestinationIndex destinations(table.services);

  for (std::size_t i = 0; i < plan.operations.size(); ++i) {
    if (failed_set.contains(i)) continue;
    const Operation& op = plan.operations[i];
    auto found = index.find(op.service.key);
    if (op.kind == OperationKind::kNewService) {
      // An existing service makes the kernel answer EEXIST: nothing changes.
      VirtualService* created = nullptr;
      if (found == index.end()) {
        index.emplace(op.service.key, table.services.size());
        created = &table.services.emplace_back(VirtualService{.service = Service{op.service}, .destinations = {}});
      } else if (removed.erase(found->second) != 0) {
        destinations.release();  // it may index the service replaced here
        created = &(table.services[found->second] = VirtualService{.service = Service{op.service}, .destinations = {}});
      }
      if (created != nullptr) created->destinations.reserve(new_destinations_after(plan, i + 1, op.service.key));
      continue;
    }
    if (found == index.end() || removed.contains(found->second)) continue;  // the kernel would have refused
    VirtualService& vs = table.services[found->second];
    switch (op.kind) {
      case OperationKind::kNewService: break;
      case OperationKind::kSetService:
        static_cast<ServiceSettings&>(vs.service) = op.service;  // stats kept
        break;
      case OperationKind::kDelService: removed.insert(found->second); break;
      case OperationKind::kNewDestination:
        destinations.select(found->second);
        if (destinations.find(op.destination.endpoint) == nullptr) destinations.add(op.destination);
        break;
      case OperationKind::kSetDestination:
        destinations.select(found->second);
        if (Destination* d = destinations.find(op.destination.endpoint)) *d = op.destination;
        break;
      case OperationKind::kDelDestination:
        destinations.select(found->second);
        destinations.erase(op.destination.endpoint);
        break;
    }
  }
  destinations.release();
  if (!removed.empty()) {
    std::vector<VirtualService> kept;
    kept.reserve(table.services.size() - removed.size());
    for (std::size_t i = 0; i < table.services.size(); ++i) {
      if (!removed.contains(i)) kept.push_back(std::move(table.services[i]));
    }
    table.services = std::move(kept);
  }
  return table;
}

}  // namespace lvsd::director
