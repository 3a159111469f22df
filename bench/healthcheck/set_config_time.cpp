// CPU time, wall time and minor page faults of HealthView::set_config() on a
// reload that changes nothing (issue 4), for S virtual servers x R real
// servers, without checks or with one HTTP_GET each (no probe runs: the
// scheduler's clock is a FakeScheduler that never advances).
//
// usage: set_config_time SERVICES REALS_PER_SERVICE [http] [RELOADS]
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "conf/loader.hpp"
#include "core/event_loop.hpp"
#include "core/fake_scheduler.hpp"
#include "daemon/health_view.hpp"
#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"

using namespace lvsd;

namespace {

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double wall_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

std::string write_config(int services, int reals, bool http) {
  std::string path = "/tmp/lvsd-setconfig-" + std::to_string(getpid()) + ".yaml";
  std::ofstream out(path);
  out << "virtual_servers:\n";
  for (int s = 0; s < services; ++s) {
    out << "  - address: 10." << (1 + s / 65536) << "." << (s / 256 % 256) << "." << (s % 256) << "\n"
        << "    port: 80\n    protocol: TCP\n    lb_algo: rr\n    lb_kind: NAT\n    delay_loop: 1s\n"
        << "    real_servers:\n";
    for (int r = 0; r < reals; ++r) {
      out << "      - address: 192.168." << (r / 256) << "." << (r % 256 + 0) << "\n"
          << "        port: " << (20000 + s) << "\n        weight: 1\n";
      if (http)
        out << "        HTTP_GET:\n          url:\n            - {path: /, status_code: 200}\n"
            << "          connect_timeout: 1s\n          retry: 0\n";
    }
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: set_config_time SERVICES REALS_PER_SERVICE [http] [RELOADS]\n");
    return 2;
  }
  const int services = std::atoi(argv[1]);
  const int reals = std::atoi(argv[2]);
  const bool http = argc > 3 && std::string(argv[3]) == "http";
  const int reloads = argc > 4 ? std::atoi(argv[4]) : 20;
  const std::string path = write_config(services, reals, http);
  conf::LoadResult result = conf::load_file(path);
  std::remove(path.c_str());
  if (!result.ok()) {
    std::fprintf(stderr, "set_config_time: configuration refused\n");
    return 1;
  }
  const conf::Config config = std::move(*result.config);

  core::EventLoop loop;
  core::FakeScheduler clock;
  healthcheck::CheckScheduler checks(clock, [&](const healthcheck::CheckSpec& spec) {
    return healthcheck::make_checker(loop, spec);
  });
  daemon::HealthView view(clock, checks, [] {});
  double c0 = cpu_ms();
  view.set_config(config);
  const double first = cpu_ms() - c0;

  std::vector<double> cpu, wall;
  std::vector<long> faults;
  for (int i = 0; i < reloads; ++i) {
    malloc_trim(0);  // as after a reload's temporaries went back (tune_allocator): page faults count
    const long f0 = minor_faults();
    const double w0 = wall_ms();
    c0 = cpu_ms();
    view.set_config(config);
    cpu.push_back(cpu_ms() - c0);
    wall.push_back(wall_ms() - w0);
    faults.push_back(minor_faults() - f0);
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  std::sort(faults.begin(), faults.end());
  const std::size_t mid = cpu.size() / 2;
  std::printf("%d services x %d real servers, %s, %zu checks\n", services, reals, http ? "HTTP_GET each" : "no checks",
              view.check_count());
  std::printf("first set_config            %8.2f ms CPU\n", first);
  std::printf("unchanged reload (median of %d) %8.2f ms CPU, %8.2f ms wall, %ld minor faults (min %.2f max %.2f ms CPU)\n",
              reloads, cpu[mid], wall[mid], faults[mid], cpu.front(), cpu.back());
  return 0;
}
