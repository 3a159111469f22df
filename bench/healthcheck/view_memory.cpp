// Heap bytes per real server held by the daemon-side structures for an
// HTTP_GET configuration: the loaded conf::Config, then HealthView with its
// check subscriptions (CheckScheduler and idle checkers included; no probe
// runs: the scheduler's clock is a FakeScheduler that never advances), and
// one table() copy. mallinfo2() deltas, divided by the real servers.
//
// usage: view_memory CONFIG.yaml   (e.g. a bench/healthcheck lvsd-N.yaml)
#include <malloc.h>

#include <cstdio>
#include <optional>

#include "conf/loader.hpp"
#include "core/event_loop.hpp"
#include "core/fake_scheduler.hpp"
#include "daemon/health_view.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"

using namespace lvsd;

static long heap_bytes() { return static_cast<long>(mallinfo2().uordblks); }

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: view_memory CONFIG.yaml\n");
    return 2;
  }
  core::EventLoop loop;
  core::FakeScheduler clock;
  const long start = heap_bytes();
  std::optional<conf::Config> config;
  {
    conf::LoadResult result = conf::load_file(argv[1]);
    if (!result.ok()) {
      std::fprintf(stderr, "view_memory: %s: configuration refused\n", argv[1]);
      return 1;
    }
    config = std::move(*result.config);
  }
  malloc_trim(0);
  const long loaded = heap_bytes();
  std::size_t reals = 0;
  for (const auto& vs : config->virtual_servers) reals += vs.real_servers.size();
  if (reals == 0) return 1;
  healthcheck::CheckScheduler checks(clock, [&](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  daemon::HealthView view(clock, checks, [] {});
  view.set_config(*config);
  const long viewed = heap_bytes();
  const director::IpvsTable table = view.table();
  const long with_table = heap_bytes();
  auto per = [&](long bytes) { return static_cast<double>(bytes) / static_cast<double>(reals); };
  std::printf("real servers %zu\n", reals);
  std::printf("conf::Config            %8.0f bytes per real server\n", per(loaded - start));
  std::printf("HealthView + checks     %8.0f bytes per real server\n", per(viewed - loaded));
  std::printf("one table() copy        %8.0f bytes per real server\n", per(with_table - viewed));
  return 0;
}
