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

ServiceSettings::ServiceSettings(const Service& s)
    : key(s.key),
      scheduler(s.scheduler),
      flags(s.flags),
      persistence_timeout_s(s.persistence_timeout_s),
      persistence_prefix(s.persistence_prefix),
      persistence_engine(s.persistence_engine) {}

ServiceSettings ServiceSettings::key_only(const ServiceKey& key) {
  ServiceSettings s;
  s.key = key;
  return s;
}

ServiceSettings::operator Service() const {
  return Service{.key = key,
                 .scheduler = scheduler,
                 .flags = flags,
                 .persistence_timeout_s = persistence_timeout_s,
                 .persistence_prefix = persistence_prefix,
                 .persistence_engine = persistence_engine,
                 .stats = {}};
}

DestinationSettings::DestinationSettings(const Destination& d)
    : address(d.address),
      port(d.port),
      forward(d.forward),
      weight(d.weight),
      upper_threshold(d.upper_threshold),
      lower_threshold(d.lower_threshold),
      tunnel_type(d.tunnel_type),
      tunnel_port(d.tunnel_port),
      tunnel_flags(d.tunnel_flags) {}

DestinationSettings::operator Destination() const {
  return Destination{.address = address,
                     .port = port,
                     .forward = forward,
                     .weight = weight,
                     .upper_threshold = upper_threshold,
                     .lower_threshold = lower_threshold,
                     .tunnel_type = tunnel_type,
                     .tunnel_port = tunnel_port,
                     .tunnel_flags = tunnel_flags,
                     .counters = {}};
}

bool Operation::operator==(const Operation& other) const {
  if (kind != other.kind || service.key != other.service.key) return false;
  switch (kind) {
    case OperationKind::kNewService:
    case OperationKind::kSetService: return same_settings(Service(service), Service(other.service));
    case OperationKind::kDelService: return true;
    case OperationKind::kNewDestination:
    case OperationKind::kSetDestination: return same_settings(Destination(destination), Destination(other.destination));
    case OperationKind::kDelDestination: return destination.same_identity(other.destination);
  }
  return false;
}

namespace {

std::string service_details(const Service& s) {
  std::string out = "scheduler " + s.scheduler;
  if (s.persistent()) out += " persistent " + std::to_string(s.persistence_timeout_s) + "s";
  if (s.persistence_prefix) out += " granularity /" + std::to_string(*s.persistence_prefix);
  if (s.one_packet()) out += " one-packet";
  return out;
}

std::string destination_details(const Destination& d) {
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
    case OperationKind::kSetService: return out + " (" + service_details(Service(op.service)) + ")";
    case OperationKind::kDelService: return out;
    case OperationKind::kNewDestination:
    case OperationKind::kSetDestination:
      return out + " -> " + describe_endpoint(op.destination.address, op.destination.port) + " (" +
             destination_details(Destination(op.destination)) + ")";
    case OperationKind::kDelDestination:
      return out + " -> " + describe_endpoint(op.destination.address, op.destination.port);
  }
  return out;
}

}  // namespace lvsd::director
