// Heap bytes per HTTP_GET check held by the healthcheck library (what
// CheckScheduler and its checkers allocate; not the daemon's own copies):
// N checks on one CheckScheduler, measured with mallinfo2() right after
// subscribing (idle) and after every check ran at least once against the
// http_sink on 127.0.0.1 (steady state between probes). Run by
// check_memory.sh, which also starts the sink.
//
// usage: check_memory N FIRST_PORT
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/event_loop.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"

using namespace lvsd;
using namespace std::chrono_literals;

static long heap_bytes() { return static_cast<long>(mallinfo2().uordblks); }

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: check_memory N FIRST_PORT\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const int first_port = std::atoi(argv[2]);
  core::EventLoop loop;
  healthcheck::CheckScheduler checks(loop.scheduler(), [&](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  std::vector<int> results(static_cast<std::size_t>(n), 0);
  int reported = 0;
  const long before = heap_bytes();
  for (int i = 0; i < n; ++i) {
    healthcheck::CheckSpec spec{.kind = healthcheck::CheckKind::kHttp,
                                .address = "127.0.0.1",
                                .port = static_cast<std::uint16_t>(first_port + i),
                                .connect_timeout = 1s,
                                .delay_loop = 1s,
                                .delay_before_retry = 1s,
                                .urls = {healthcheck::HttpUrl{.path = "/", .status = {200, 200}}}};
    // Three pointers captured, like the daemon's HealthView listener.
    int* slot = &results[static_cast<std::size_t>(i)];
    int* count = &reported;
    void* extra = &loop;
    checks.subscribe(spec, [slot, count, extra](const healthcheck::CheckEvent& e) {
      (void)extra;
      if (*slot == 0) ++*count;
      *slot = e.result.up ? 1 : -1;
    });
  }
  const long idle = heap_bytes();
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (reported < n && std::chrono::steady_clock::now() < deadline) loop.run_once(true);
  // Every check has run; let the last probes end, then measure between probes.
  const auto settle = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < settle) loop.run_once(false);
  const long after = heap_bytes();
  int up = 0;
  for (int r : results) up += r == 1;
  std::printf("checks %d, up %d, reported %d\n", n, up, reported);
  std::printf("heap per check: idle %.0f bytes, after probing %.0f bytes (sizeof CheckSpec %zu, CheckResult %zu)\n",
              static_cast<double>(idle - before) / n, static_cast<double>(after - before) / n,
              sizeof(healthcheck::CheckSpec), sizeof(healthcheck::CheckResult));
  return reported == n ? 0 : 1;
}
