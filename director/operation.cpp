#include "director/operation.hpp"

namespace lvsd::director {

std::string operation_kind_name(OperationKind kind) {
  switch (kind) {
    case OperationKind::kNewService: return "NEW_SERVICE";
    case OperationKind::kSetService: return "SET_SERVICE";
    case OperationKind::kDelService: return "DEL_SERVICE";
    case OperationKind::kNewDestination: return "NEW_DEST";
    case OperationKind::kSetDestination: return "SET_DEST";
    case OperationKind::kDelDestination: return "DEL_DEST";
  }
  return "UNKNOWN";
}

bool Operation::operator==(const Operation& other) const {
  if (kind != other.kind || service.key != other.service.key) return false;
  switch (kind) {
    case OperationKind::kNewService:
    case OperationKind::kSetService: return same_settings(service, other.service);
    case OperationKind::kDelService: return true;
    case OperationKind::kNewDestination:
    case OperationKind::kSetDestination: return same_settings(destination, other.destination);
    case OperationKind::kDelDestination: return same_identity(destination, other.destination);
  }
  return false;
}

namespace {

std::string service_details(const ServiceSettings& s) {
  std::string out = "scheduler " + s.scheduler;
  if (s.persistent()) out += " persistent " + std::to_string(s.persistence_timeout_s) + "s";
  if (s.persistence_prefix) out += " granularity /" + std::to_string(*s.persistence_prefix);
  if (s.one_packet()) out += " one-packet";
  return out;
}

std::string destination_details(const DestinationSettings& d) {
  std::string out = forward_method_name(d.forward) + " weight " + std::to_string(d.weight);
  if (d.upper_threshold != 0) out += " upper " + std::to_string(d.upper_threshold);
  if (d.lower_threshold != 0) out += " lower " + std::to_string(d.lower_threshold);
  return out;
}

}  // namespace

std::string describe(const Operation& op) {
  std::string out = operation_kind_name(op.kind) + " " + describe(op.service.key);
  switch (op.kind) {
    case OperationKind::kNewService:
    case OperationKind::kSetService: return out + " (" + service_details(op.service) + ")";
    case OperationKind::kDelService: return out;
    case OperationKind::kNewDestination:
    case OperationKind::kSetDestination:
      return out + " -> " + op.destination.endpoint.to_string() + " (" +
             destination_details(op.destination) + ")";
    case OperationKind::kDelDestination:
      return out + " -> " + op.destination.endpoint.to_string();
  }
  return out;
}

}  // namespace lvsd::director
