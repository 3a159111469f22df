#include "healthcheck/checker.hpp"

#include "core/event_loop.hpp"

namespace lvsd::healthcheck {

std::unique_ptr<Checker> make_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  switch (spec.kind) {
    case CheckKind::kTcp: return make_tcp_checker(loop, timers, spec);
    case CheckKind::kHttp:
    case CheckKind::kSsl: return make_http_checker(loop, timers, spec);
    case CheckKind::kRedis: return make_redis_checker(loop, timers, spec);
    case CheckKind::kMisc: return make_misc_checker(loop, timers, spec);
    case CheckKind::kPing: return make_ping_checker(loop, timers, spec);
    case CheckKind::kUdp: return make_udp_checker(loop, timers, spec);
    case CheckKind::kDns: return make_dns_checker(loop, timers, spec);
    case CheckKind::kSmtp: return make_smtp_checker(loop, timers, spec);
  }
  return nullptr;
}

std::unique_ptr<Checker> make_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_tcp_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_tcp_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_http_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_http_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_redis_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_redis_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_misc_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_misc_checker(loop, loop.scheduler(), spec);
}

std::unique_ptr<Checker> make_ping_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_ping_checker(loop, loop.scheduler(), spec);
}

std::unique_ptr<Checker> make_udp_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_udp_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_dns_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_dns_checker(loop, loop.scheduler(), spec);
}
std::unique_ptr<Checker> make_smtp_checker(core::EventLoop& loop, const CheckSpec& spec) {
  return make_smtp_checker(loop, loop.scheduler(), spec);
}

}  // namespace lvsd::healthcheck
