#include "daemon/fifo_lines.hpp"

namespace lvsd::daemon {
namespace {

std::string_view protocol_word(director::Protocol protocol) {
  switch (protocol) {
    case director::Protocol::kTcp: return "tcp";
    case director::Protocol::kUdp: return "udp";
    case director::Protocol::kSctp: return "sctp";
  }
  return "tcp";
}

std::string endpoint_text(const core::IpAddress& address, director::Protocol protocol, std::uint16_t port) {
  std::string out = "[" + address.to_string() + "]:";
  out.append(protocol_word(protocol));
  out += ":" + std::to_string(port);
  return out;
}

}  // namespace

std::string vrrp_state_line(vrrp::NotifySubject subject, const std::string& name, vrrp::State state,
                            std::uint8_t priority) {
  std::string out = subject == vrrp::NotifySubject::kGroup ? "GROUP \"" : "INSTANCE \"";
  out += name;
  out += "\" ";
  out.append(vrrp::notify_name(state));
  out += " " + std::to_string(priority) + "\n";
  return out;
}

std::optional<std::string> vrrp_priority_line(const std::string& name, vrrp::State state, std::uint8_t priority) {
  if (state != vrrp::State::kMaster && state != vrrp::State::kBackup) return std::nullopt;
  return "INSTANCE \"" + name + "\" " + std::string(vrrp::notify_name(state)) + "_PRIORITY " +
         std::to_string(priority) + "\n";
}

std::string vrrp_rx_lower_line(const std::string& name, std::uint8_t priority) {
  return "INSTANCE \"" + name + "\" MASTER_RX_LOWER_PRI " + std::to_string(priority) + "\n";
}

std::string lvs_service_text(const director::ServiceKey& key) {
  if (key.is_fwmark()) return "FWM " + std::to_string(key.fwmark);
  return endpoint_text(key.endpoint.address, key.protocol, key.endpoint.port);
}

std::string virtual_server_line(const director::ServiceKey& key, bool up) {
  return "VS " + lvs_service_text(key) + (up ? " UP\n" : " DOWN\n");
}

std::string real_server_line(const core::Endpoint& real_server, const director::ServiceKey& key, bool up) {
  // A fwmark service's real servers carry the service's protocol word too.
  return "RS " + endpoint_text(real_server.address, key.protocol, real_server.port) + " " + lvs_service_text(key) +
         (up ? " UP\n" : " DOWN\n");
}

}  // namespace lvsd::daemon
