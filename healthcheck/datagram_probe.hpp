#pragma once
// What UDP_CHECK and DNS_CHECK share: one UDP socket connected to the target,
// one request datagram, then the datagrams that come back (the kernel hands
// a connected socket only the target's) until one decides the probe or the
// deadline passes. An ICMP error for the request (port or host unreachable)
// is reported on the connected socket by the next recv(), and fails the probe.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "healthcheck/probe_base.hpp"
#include "healthcheck/socket_util.hpp"

namespace lvsd::healthcheck {

class DatagramProbe : public ProbeBase {
 public:
  void start(Done done) override;

 protected:
  DatagramProbe(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec, std::size_t max_datagram);
  ~DatagramProbe() override = default;  // derived destructors call cancel()

  // The request of this probe (an Error fails it with its message).
  virtual core::Result<std::vector<std::uint8_t>> request() = 0;
  // One datagram from the target, of `length` bytes of which `data` holds
  // the first (at most max_datagram): a result when it decides the probe,
  // nullopt to keep waiting.
  virtual std::optional<CheckResult> on_datagram(std::span<const std::uint8_t> data, std::size_t length) = 0;
  // The deadline passed without a deciding datagram or an ICMP error.
  virtual CheckResult on_silence() = 0;

  core::Duration connect_timeout_;

 private:
  std::optional<CheckResult> read_datagrams();
  void on_deadline() override;
  void release() override;
  std::string timeout_reason() override { return on_silence().reason; }

  SocketAddress address_{};
  std::string address_error_;
  std::unique_ptr<SourceOptions> source_;  // bindto...: rare, held apart
  std::size_t max_datagram_;
  core::UniqueFd fd_;
  std::unique_ptr<core::IoWatcher> watcher_;
};

}  // namespace lvsd::healthcheck
