#pragma once
// An IpvsPort whose kernel is an in-memory table that applies plans like the
// kernel would (tests/daemon: ipvs_sync_test, scale_test).
#include <algorithm>
#include <set>
#include <vector>

#include "daemon/ipvs_sync.hpp"

namespace lvsd::daemon::test_support {

using director::Destination;
using director::IpvsTable;
using director::ServiceKey;
using director::OperationKind;
using director::VirtualService;

// A kernel IPVS table in memory that applies plans like the kernel would.
// `table` holds each service's destinations in the order they were added;
// a dump lists them newest first, as the kernel does (shown by
// tests/director/ipvs_client_kernel_test.cpp).
class FakeKernel final : public IpvsPort {
 public:
  core::Result<IpvsTable> dump() override {
    ++dumps;
    if (fail_dumps) return core::Error{"Operation not permitted"};
    IpvsTable out;
    out.services.reserve(table.services.size());
    for (const auto& vs : table.services) out.services.push_back(as_listed(vs));
    return out;
  }
  core::Result<IpvsTable> dump_services(const std::set<ServiceKey>& keys) override {
    ++service_dumps;
    if (fail_dumps) return core::Error{"Operation not permitted"};
    IpvsTable out;
    for (const auto& vs : table.services)
      if (keys.contains(vs.service.key)) out.services.push_back(as_listed(vs));
    dumped_services += out.services.size();
    return out;
  }
  director::ApplyReport apply(const director::ReconcilePlan& plan) override {
    ++applies;
    director::ApplyReport report;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
      const auto& op = plan.operations[i];
      if (op.service.key == refuse) {
        report.failures.push_back({.index = i, .error = 2, .message = director::describe(op) + ": refused"});
        continue;
      }
      apply_one(op);
      ++report.applied;
    }
    return report;
  }

  VirtualService* find(const ServiceKey& key) {
    // A plan changes a service's destinations right after the service: look
    // at the last one found first (a plan of 10,000 services stays linear).
    if (last_ < table.services.size() && table.services[last_].service.key == key) return &table.services[last_];
    auto it = std::find_if(table.services.begin(), table.services.end(),
                           [&](const VirtualService& vs) { return vs.service.key == key; });
    if (it == table.services.end()) return nullptr;
    last_ = static_cast<std::size_t>(it - table.services.begin());
    return &*it;
  }

  IpvsTable table;
  bool fail_dumps = false;
  ServiceKey refuse{};  // operations on this service fail
  int dumps = 0, applies = 0;
  int service_dumps = 0;            // dump_services() calls
  std::size_t dumped_services = 0;  // the services they returned

 private:
  static VirtualService as_listed(VirtualService vs) {
    std::reverse(vs.destinations.begin(), vs.destinations.end());
    std::reverse(vs.counters.begin(), vs.counters.end());
    return vs;
  }
  std::size_t last_ = 0;
  void apply_one(const director::Operation& op) {
    VirtualService* vs = find(op.service.key);
    auto same_dest = [&](const Destination& d) { return director::same_identity(d, op.destination); };
    switch (op.kind) {
      case OperationKind::kNewService: table.services.push_back({.service = director::Service{op.service}, .destinations = {}}); break;
      case OperationKind::kSetService: vs->service = director::Service{op.service}; break;
      case OperationKind::kDelService:
        std::erase_if(table.services, [&](const VirtualService& v) { return v.service.key == op.service.key; });
        break;
      case OperationKind::kNewDestination: vs->destinations.push_back(Destination{op.destination}); break;
      case OperationKind::kSetDestination: *std::find_if(vs->destinations.begin(), vs->destinations.end(), same_dest) = Destination{op.destination}; break;
      case OperationKind::kDelDestination: std::erase_if(vs->destinations, same_dest); break;
    }
  }
};

}  // namespace lvsd::daemon::test_support
