#include "control/status_builder.hpp"

#include <gtest/gtest.h>

#include "control/handlers.hpp"
#include "core/fake_scheduler.hpp"

namespace lvsd::control {
namespace {

using namespace std::chrono_literals;

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }
const director::ServiceKey kWeb = director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.1"), 80);

director::IpvsTable configured() {
  return {.services = {{.service = {{.key = kWeb, .scheduler = "wrr"}},
                        .destinations = {{.endpoint = {ip("10.0.0.2"), 80}, .weight = 3},
                                         {.endpoint = {ip("10.0.0.3"), 8080},
                                          .forward = director::ForwardMethod::kNat, .weight = 1}}}}};
}

TEST(StatusBuilder, CombinesConfigKernelAdminAndHealth) {
  core::FakeScheduler clock;
  AdminState admin(clock, [](const std::set<director::ServiceKey>&) { return core::Result<director::IpvsTable>(director::IpvsTable{}); }, [] {},
                   {.poll_interval = 1h});
  ASSERT_TRUE(admin.drain(configured(), kWeb, {.address = ip("10.0.0.2")}, 60s).ok());
  director::IpvsTable kernel = configured();
  kernel.services[0].service.stats.connections = 77;
  kernel.services[0].destinations[0].weight = 0;
  kernel.services[0].counters.resize(kernel.services[0].destinations.size());
  kernel.services[0].counters[0] = {.active_connections = 4, .inactive_connections = 9,
                                                 .stats = {.connections = 70, .in_bytes = 1234}};
  kernel.services[0].destinations.pop_back();  // 10.0.0.3 is down: not in the kernel
  kernel.services[0].counters.pop_back();
  const auto table = configured();
  StatusSources src{.configured = table, .kernel = &kernel, .overrides = &admin.overrides(),
                    .health = [](const director::ServiceKey&, const director::Destination& d)
                        -> std::optional<RealServerHealth> {
                      if (d.endpoint.port == 8080) {
                        return RealServerHealth{.health = "down", .since_unix_ms = 5, .last_check = "TCP_CHECK refused",
                                                .last_check_latency_ms = 0.5, .check_results = {{"failure", 3}}};
                      }
                      return std::nullopt;  // no checks
                    },
                    .to_unix_ms = [&](core::TimePoint t) {
                      return static_cast<std::int64_t>(
                          std::chrono::duration_cast<std::chrono::milliseconds>(t - clock.now()).count() + 1'000'000);
                    }};
  const auto v = virtual_server_status(src);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].key, "TCP 10.0.0.1:80");
  EXPECT_EQ(v[0].scheduler, "wrr");
  EXPECT_TRUE(v[0].in_kernel);
  EXPECT_EQ(v[0].traffic.connections, 77u);
  ASSERT_EQ(v[0].real_servers.size(), 2u);
  const auto& a = v[0].real_servers[0];
  EXPECT_EQ(a.address, "10.0.0.2:80");
  EXPECT_EQ(a.forward, "DR");
  EXPECT_EQ(a.configured_weight, 3u);
  EXPECT_EQ(a.current_weight, 0);
  EXPECT_EQ(a.active_connections, 4u);
  EXPECT_EQ(a.inactive_connections, 9u);
  EXPECT_EQ(a.traffic.in_bytes, 1234u);
  EXPECT_EQ(a.health, "up");
  EXPECT_EQ(a.drain, "draining");
  EXPECT_EQ(a.drain_deadline_unix_ms, 1'060'000);
  const auto& b = v[0].real_servers[1];
  EXPECT_EQ(b.address, "10.0.0.3:8080");
  EXPECT_EQ(b.forward, "NAT");
  EXPECT_FALSE(b.current_weight.has_value());
  EXPECT_EQ(b.health, "down");
  EXPECT_EQ(b.last_check, "TCP_CHECK refused");
  EXPECT_EQ(b.check_results.at("failure"), 3u);
  EXPECT_EQ(b.drain, "");
}

TEST(StatusBuilder, UnreadableKernelLeavesCountersEmpty) {
  const auto table = configured();
  const auto v = virtual_server_status({.configured = table});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].in_kernel);
  EXPECT_FALSE(v[0].real_servers[0].current_weight.has_value());
}

// The reply of a handler that answers at once.
Reply dispatch(const ControlHandlers& h, std::string_view line) {
  std::optional<Reply> reply;
  control::dispatch(h, line, [&](std::string l, bool ok) {
    auto parsed = parse_reply(l);
    EXPECT_TRUE(parsed.ok()) << l;
    EXPECT_EQ(parsed->ok, ok) << l;
    reply = *parsed;
  });
  EXPECT_TRUE(reply.has_value()) << line;
  return reply.value_or(Reply{});
}

TEST(Dispatch, EachCommandReachesItsHandler) {
  ControlHandlers h;
  std::vector<std::string> calls;
  h.status = [&](ReplyLine done) {
    calls.push_back("status");
    done(status_reply_line(StatusSnapshot{.version = "v"}), true);
  };
  h.reload = [&](std::function<void(ReloadOutcome)> done) {
    calls.push_back("reload");
    done(ReloadOutcome{.applied = true, .summary = "ok"});
  };
  h.drain = [&](const DrainRequest& r) -> core::Result<bool> {
    calls.push_back("drain " + describe(r.real_server) + " " + std::to_string(r.timeout_s.value_or(0)));
    return true;
  };
  h.undrain = [&](const UndrainRequest&) -> core::Result<bool> {
    calls.push_back("undrain");
    return core::Error{"no real server 10.0.0.9 in virtual server TCP 10.0.0.1:80"};
  };
  h.enable = [&](const EnableRequest&) -> core::Result<bool> {
    calls.push_back("enable");
    return false;
  };
  h.disable = [&](const DisableRequest&) -> core::Result<bool> {
    calls.push_back("disable");
    return true;
  };
  h.restart = [&]() -> core::Status {
    calls.push_back("restart");
    return {};
  };
  EXPECT_EQ(dispatch(h, R"({"command":"status"})").result["version"], "v");
  EXPECT_EQ(dispatch(h, R"({"command":"reload"})").result["summary"], "ok");
  EXPECT_EQ(dispatch(h, R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2:80","timeout_s":9})")
                .result["changed"],
            true);
  const Reply undrain = dispatch(h, R"({"command":"undrain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.9"})");
  EXPECT_FALSE(undrain.ok);
  EXPECT_EQ(undrain.error, "no real server 10.0.0.9 in virtual server TCP 10.0.0.1:80");
  EXPECT_EQ(dispatch(h, R"({"command":"enable","virtual_server":"10.0.0.1:80"})").result["changed"], false);
  EXPECT_TRUE(dispatch(h, R"({"command":"disable","virtual_server":"10.0.0.1:80"})").ok);
  EXPECT_EQ(dispatch(h, R"({"command":"restart"})").result["restarting"], true);
  EXPECT_FALSE(dispatch(h, R"({"command":"drain"})").ok);  // parse error: no handler call
  EXPECT_EQ(calls, (std::vector<std::string>{"status", "reload", "drain 10.0.0.2:80 9", "undrain", "enable", "disable",
                                             "restart"}));
}

}  // namespace
}  // namespace lvsd::control
