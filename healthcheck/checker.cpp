#include "healthcheck/checker.hpp"

namespace lvsd::healthcheck {

std::unique_ptr<Checker> make_checker(core::EventLoop& loop, const CheckSpec& spec) {
  switch (spec.kind) {
    case CheckKind::kTcp: return make_tcp_checker(loop, spec);
    case CheckKind::kHttp:
    case CheckKind::kSsl: return make_http_checker(loop, spec);
    case CheckKind::kRedis: return make_redis_checker(loop, spec);
    case CheckKind::kMisc: return make_misc_checker(loop, spec);
  }
  return nullptr;
}

}  // namespace lvsd::healthcheck
