#pragma once
// One change to the kernel's IPVS table, and an ordered list of them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "director/types.hpp"

namespace lvsd::director {

enum class OperationKind {
  kNewService,
  kSetService,
  kDelService,
  kNewDestination,
  kSetDestination,
  kDelDestination,
};

// "NEW_SERVICE", "SET_DEST", ... (the IPVS_CMD_* names).
std::string operation_kind_name(OperationKind kind);

// What an operation carries of a service: a Service without its stats
// (which only dumps fill). Converts to and from Service.
struct ServiceSettings {
  ServiceKey key{};
  std::string scheduler = "wlc";
  std::uint32_t flags = 0;
  std::uint32_t persistence_timeout_s = 0;
  std::optional<std::uint8_t> persistence_prefix{};
  std::string persistence_engine{};

  ServiceSettings() = default;
  ServiceSettings(const Service& service);  // NOLINT(google-explicit-constructor)
  static ServiceSettings key_only(const ServiceKey& key);
  operator Service() const;  // NOLINT(google-explicit-constructor): stats zero
};

// What an operation carries of a destination: a Destination without its
// connection counters. Converts to and from Destination.
struct DestinationSettings {
  IpAddress address{};
  std::uint16_t port = 0;
  ForwardMethod forward = ForwardMethod::kDirectRoute;
  std::int32_t weight = 1;
  std::uint32_t upper_threshold = 0;
  std::uint32_t lower_threshold = 0;
  TunnelType tunnel_type = TunnelType::kIpip;
  std::uint16_t tunnel_port = 0;
  std::uint16_t tunnel_flags = 0;

  DestinationSettings() = default;
  DestinationSettings(const Destination& destination);  // NOLINT(google-explicit-constructor)
  operator Destination() const;  // NOLINT(google-explicit-constructor): counters zero
  bool same_identity(const Destination& d) const { return address == d.address && port == d.port; }
};

// A first start with 1,000 services x 10 real servers plans 11,000 of these,
// and every page of the plan is a page fault (costly inside UML): carrying
// settings instead of whole dumped entries makes an operation 176 bytes, not
// 352.
struct Operation {
  OperationKind kind = OperationKind::kNewService;
  // The service's settings for NEW/SET_SERVICE; the other kinds use only its
  // key (the reconciler fills nothing else in).
  ServiceSettings service{};
  // Used by the destination kinds.
  DestinationSettings destination{};

  bool is_destination() const {
    return kind == OperationKind::kNewDestination || kind == OperationKind::kSetDestination ||
           kind == OperationKind::kDelDestination;
  }
  bool operator==(const Operation& other) const;
};

// What the operation does, for logs and errors:
//   "NEW_SERVICE TCP 10.0.0.1:80 (scheduler nosuch)"
//   "SET_DEST TCP 10.0.0.1:80 -> 10.0.0.2:80 (Route weight 3)"
//   "DEL_SERVICE FWM 7"
std::string describe(const Operation& operation);

// The ordered, minimal list of operations that turns one table into another.
struct ReconcilePlan {
  std::vector<Operation> operations{};

  bool empty() const { return operations.empty(); }
  std::size_t size() const { return operations.size(); }
};

}  // namespace lvsd::director
