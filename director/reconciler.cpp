#include "director/reconciler.hpp"

#include <algorithm>
#include <map>
#include <set>
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
        created = &(table.services[found->second] = VirtualService{.service = Service{op.service}, .destinations = {}});
      }
      if (created != nullptr) created->destinations.reserve(new_destinations_after(plan, i + 1, op.service.key));
      continue;
    }
    if (found == index.end() || removed.contains(found->second)) continue;  // the kernel would have refused
    VirtualService& vs = table.services[found->second];
    auto dest = std::find_if(vs.destinations.begin(), vs.destinations.end(),
                             [&](const Destination& d) { return same_identity(op.destination, d); });
    switch (op.kind) {
      case OperationKind::kNewService: break;
      case OperationKind::kSetService:
        static_cast<ServiceSettings&>(vs.service) = op.service;  // stats kept
        break;
      case OperationKind::kDelService: removed.insert(found->second); break;
      case OperationKind::kNewDestination:
        if (dest == vs.destinations.end()) {
          vs.destinations.push_back(op.destination);
        }
        break;
      case OperationKind::kSetDestination:
        if (dest != vs.destinations.end()) {
          *dest = op.destination;
        }
        break;
      case OperationKind::kDelDestination:
        if (dest != vs.destinations.end()) vs.destinations.erase(dest);
        break;
    }
  }
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
