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
