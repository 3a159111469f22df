// DNS_CHECK (keepalived 2.2.7's rule): one query over UDP (name and type,
// recursion desired, a random id per probe); passes on a response with our
// id and rcode NOERROR, whatever its answer count (an empty NOERROR answer
// still shows a working server). Another rcode fails it; datagrams with
// another id, or queries, are skipped.
#include <array>
#include <utility>

#include "healthcheck/datagram_probe.hpp"
#include "healthcheck/dns_message.hpp"

namespace lvsd::healthcheck {

namespace {

// A DNS reply over UDP is at most 512 bytes without EDNS (RFC 1035 4.2.1);
// only its header is read.
constexpr std::size_t kMaxReply = 512;

class DnsChecker final : public DatagramProbe {
 public:
  DnsChecker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec)
      : DatagramProbe(loop, timers, spec, kMaxReply), name_(spec.dns_name), type_(spec.dns_type) {}
  ~DnsChecker() override { cancel(); }

 private:
  core::Result<std::vector<std::uint8_t>> request() override {
    std::array<std::uint8_t, 2> id{};
    random_bytes(id);
    id_ = static_cast<std::uint16_t>(id[0] << 8 | id[1]);
    return build_dns_query(id_, name_, type_);
  }
  std::optional<CheckResult> on_datagram(std::span<const std::uint8_t> data, std::size_t /*length*/) override {
    const auto header = parse_dns_header(data);
    if (!header || header->id != id_ || !header->response) return std::nullopt;
    const std::string what = std::string("DNS ") + to_string(type_) + " " + name_ + ": ";
    if (header->rcode != 0) return CheckResult{.up = false, .reason = what + dns_rcode_name(header->rcode)};
    return CheckResult{.up = true, .reason = what + "NOERROR, " + std::to_string(header->answers) + " answers"};
  }
  CheckResult on_silence() override {
    return CheckResult{.up = false, .reason = "no DNS reply after " + format_duration(connect_timeout_)};
  }

  std::string name_;
  DnsType type_;
  std::uint16_t id_ = 0;
};

}  // namespace

std::unique_ptr<Checker> make_dns_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<DnsChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
