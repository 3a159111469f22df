// UDP_CHECK (keepalived 2.2.7's rules): sends one datagram (the configured
// payload, or 16 random bytes). Without require_reply the probe passes
// unless an ICMP error comes back within connect_timeout (so it always takes
// that long when the server stays silent); a reply passes at once. With
// require_reply a reply must come, and match the pattern if one is set
// (healthcheck/udp_reply).
#include <array>
#include <utility>

#include "healthcheck/datagram_probe.hpp"
#include "healthcheck/udp_reply.hpp"

namespace lvsd::healthcheck {

namespace {

constexpr std::size_t kRandomPayloadBytes = 16;

class UdpChecker final : public DatagramProbe {
 public:
  UdpChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : DatagramProbe(loop, timers, spec, std::size_t{spec.udp_max_reply_length} + 1),
        payload_(spec.udp_payload),
        require_reply_(spec.udp_require_reply),
        rule_{.pattern = spec.udp_reply, .wildcard = spec.udp_reply_wildcard,
              .min_length = spec.udp_min_reply_length, .max_length = spec.udp_max_reply_length} {}
  ~UdpChecker() override { cancel(); }

 private:
  core::Result<std::vector<std::uint8_t>> request() override {
    if (!payload_.empty()) return payload_;
    std::vector<std::uint8_t> random(kRandomPayloadBytes);
    random_bytes(random);
    return random;
  }
  std::optional<CheckResult> on_datagram(std::span<const std::uint8_t> data, std::size_t length) override {
    if (auto mismatch = udp_reply_mismatch(rule_, data, length)) return CheckResult{.up = false, .reason = *mismatch};
    return CheckResult{.up = true, .reason = "UDP reply of " + std::to_string(length) + " bytes"};
  }
  CheckResult on_silence() override {
    if (require_reply_) return CheckResult{.up = false, .reason = "no UDP reply after " + format_duration(connect_timeout_)};
    return CheckResult{.up = true, .reason = "no ICMP error in " + format_duration(connect_timeout_)};
  }

  std::vector<std::uint8_t> payload_;
  bool require_reply_;
  UdpReplyRule rule_;
};

}  // namespace

std::unique_ptr<Checker> make_udp_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<UdpChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
