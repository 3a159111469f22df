// kernel tier: a step of the wall clock moves no timer (issue #17).
//
// lvs1 (MASTER 100) and lvs2 (BACKUP 50) advertise every 100 ms and
// TCP-check one real server every second. The test measures, from lvs2's
// namespace, the adverts lvs1 sends and, at the real server, the checks each
// director makes, over a control window; then steps the wall clock +1 hour
// (`date -s`), measures a window of the same length, steps it -1 hour and
// measures again. Every timer of lvsd is monotonic: the counts and the largest
// gaps after each step must match the control, no VRRP transition may happen
// and lvs2 must never take the VIP.
//
// `date -s` only runs inside user-mode-linux, whose clock is its own kernel's:
// on any other kernel the test skips (it would move the machine's clock).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::milliseconds;
const std::string kLvsd = LVSD_BINARY;
const std::string kLvsctl = LVSD_LVSCTL;
constexpr const char* kVip = "10.0.0.100";
constexpr const char* kReal = "10.0.0.10";
constexpr auto kAdvertInterval = 100ms;
constexpr auto kDelayLoop = 1s;
constexpr auto kWindow = 8s;

Ms ms(Clock::duration d) { return std::chrono::duration_cast<Ms>(d); }

bool inside_uml() {
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find("User Mode Linux") != std::string::npos;
}

// CLOCK_REALTIME in seconds, with nanoseconds.
double wall_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Runs `body` on a thread inside `host`'s network namespace; `body` gets a
// ready callback (true if it could set up) and a stop flag.
class NsThread {
 public:
  using Body = std::function<void(const std::function<void(bool)>& ready, const std::atomic<bool>& stop)>;
  NsThread(const Host& host, Body body) {
    std::promise<bool> ready;
    auto opened = ready.get_future();
    thread_ = std::thread([ns = host.netns(), body = std::move(body), &ready, this] {
      const core::UniqueFd nsfd(::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC));
      const bool entered = nsfd && ::setns(nsfd.get(), CLONE_NEWNET) == 0;
      if (!entered) {
        ready.set_value(false);
        return;
      }
      bool told = false;
      body([&](bool ok) { ready.set_value(ok); told = true; }, stop_);
      if (!told) ready.set_value(false);
    });
    ok_ = opened.get();
  }
  ~NsThread() {
    stop_ = true;
    thread_.join();
  }
  bool ok() const { return ok_; }

 private:
  std::atomic<bool> stop_{false};
  bool ok_ = false;
  std::thread thread_;
};

// Arrival times (steady clock) of events from each source address.
class Arrivals {
 public:
  void add(const std::string& source) {
    std::lock_guard lock(mutex_);
    events_.emplace_back(Clock::now(), source);
  }
  std::size_t count(const std::string& source, Clock::time_point from, Clock::time_point to) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(events_.begin(), events_.end(), [&](const auto& e) {
      return e.second == source && e.first >= from && e.first <= to;
    }));
  }
  // The largest gap between consecutive events of `source` in [from, to],
  // counting the edges of the window.
  Ms largest_gap(const std::string& source, Clock::time_point from, Clock::time_point to) {
    std::lock_guard lock(mutex_);
    Clock::time_point last = from;
    Clock::duration gap{0};
    for (const auto& [at, src] : events_) {
      if (src != source || at < from || at > to) continue;
      gap = std::max(gap, at - last);
      last = at;
    }
    return ms(std::max(gap, to - last));
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Clock::time_point, std::string>> events_;
};

// Every VRRP packet (IP protocol 112) that reaches `host`, by source.
std::unique_ptr<NsThread> watch_adverts(const Host& host, Arrivals& out) {
  return std::make_unique<NsThread>(host, [&out](const auto& ready, const std::atomic<bool>& stop) {
    const core::UniqueFd owned(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 112));
    const int fd = owned.get();
    ready(fd >= 0);
    if (fd < 0) return;
    timeval tv{.tv_sec = 0, .tv_usec = 50'000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[2048];
    while (!stop) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      if (::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) <= 0) continue;
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
      out.add(text);
    }
  });
}

// A TCP server on the real server's port 80: each connection is one health
// check (TCP_CHECK connects and closes), recorded by the checker's address.
std::unique_ptr<NsThread> serve_checks(const Host& host, Arrivals& out) {
  return std::make_unique<NsThread>(host, [&out](const auto& ready, const std::atomic<bool>& stop) {
    const core::UniqueFd owned(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int fd = owned.get();
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{.sin_family = AF_INET, .sin_port = htons(80), .sin_addr = {}, .sin_zero = {}};
    ::inet_pton(AF_INET, kReal, &addr.sin_addr);
    const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(fd, 64) == 0;
    ready(ok);
    if (!ok) return;
    while (!stop) {
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const core::UniqueFd c(::accept4(fd, reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC));
      if (!c) continue;
      char text[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
      out.add(text);
    }
  });
}

// How late a thread that sleeps 10 ms at a time wakes: what the machine
// (not lvsd) delays everything by (as in lvsd_advert_loop_kernel_test).
class StallWatch {
 public:
  StallWatch() : thread_([this] {
    while (!stop_) {
      const auto before = Clock::now();
      std::this_thread::sleep_for(10ms);
      const auto late = Clock::now() - before - 10ms;
      std::lock_guard lock(mutex_);
      samples_.emplace_back(Clock::now(), late);
    }
  }) {}
  ~StallWatch() {
    stop_ = true;
    thread_.join();
  }
  Ms largest(Clock::time_point from, Clock::time_point to) {
    std::lock_guard lock(mutex_);
    Clock::duration worst{0};
    for (const auto& [at, late] : samples_) {
      if (at >= from && at <= to) worst = std::max(worst, late);
    }
    return ms(worst);
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::pair<Clock::time_point, Clock::duration>> samples_;
  std::thread thread_;
};

bool holds_vip(const Host& director) {
  return director.run("ip -4 -o addr show dev eth0").output.find(std::string(kVip) + "/") != std::string::npos;
}

struct Window {
  const char* name;
  Clock::time_point from, to;
  std::size_t adverts = 0, checks_lvs1 = 0, checks_lvs2 = 0;
  Ms advert_gap{0}, check_gap_lvs1{0}, check_gap_lvs2{0}, stall{0};
  bool lvs2_held_vip = false;
};

class LvsdClockStep : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!inside_uml()) GTEST_SKIP() << "steps the wall clock: only inside user-mode-linux (tests/kernel/run-in-uml.sh)";
    lvs1_ = &topo_.add_host("lvs1", "10.0.0.2/24");
    lvs2_ = &topo_.add_host("lvs2", "10.0.0.3/24");
    real_ = &topo_.add_host("real", std::string(kReal) + "/24");
    dir_ = "/run/tmp/" + topo_.id() + "-clock";
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    for (Host* h : {lvs1_, lvs2_, real_}) ASSERT_EQ(h->run("ip link set lo up").exit_code, 0);
  }
  void TearDown() override {
    // Never leave this kernel an hour ahead (the tests after this one share it).
    if (stepped_ahead_) step_wall_clock(-3600);
    if (HasFailure()) {
      std::cerr << "--- lvs1 log (tail)\n" << tail(lvsd1_) << "--- lvs2 log (tail)\n" << tail(lvsd2_);
    }
    lvsd1_.reset();
    lvsd2_.reset();
    if (!dir_.empty()) run_command("rm -rf " + dir_);
  }
  static std::string tail(const std::unique_ptr<Process>& p) {
    if (!p) return "";
    const std::string out = p->output();
    return out.size() > 6000 ? out.substr(out.size() - 6000) : out;
  }
  std::unique_ptr<Process> start_lvsd(Host& host, int priority) {
    std::ostringstream y;
    y << "global:\n  control_socket: " << dir_ << "/" << host.name() << ".sock\n"
      << "vrrp_instances:\n"
      << "  - name: VI_1\n    interface: eth0\n    virtual_router_id: 51\n    version: 3\n"
      << "    priority: " << priority << "\n    advert_int: 100ms\n"
      << "    virtual_ipaddress: [ \"" << kVip << "/24 dev eth0\" ]\n"
      << "virtual_servers:\n"
      << "  - { address: " << kVip << ", port: 80, lb_algo: rr, lb_kind: DR, delay_loop: 1s,\n"
      << "      real_servers: [ { address: " << kReal << ", port: 80, TCP_CHECK: { connect_timeout: 1s } } ] }\n";
    const std::string path = dir_ + "/" + host.name() + ".yaml";
    std::ofstream(path) << y.str();
    return host.spawn(kLvsd + " --log-level info -f " + path + " --state-file " + dir_ + "/" + host.name() +
                      ".owned");
  }
  // The VRRP transitions lvsd counted (lvsctl status --json), -1 if unknown.
  long transitions(const Host& host) {
    const auto r = host.run(kLvsctl + " --socket " + dir_ + "/" + host.name() + ".sock status --json");
    std::smatch m;
    static const std::regex re("\"transitions\"\\s*:\\s*(\\d+)");
    return r.exit_code == 0 && std::regex_search(r.output, m, re) ? std::stol(m[1]) : -1;
  }
  // Steps CLOCK_REALTIME of this (UML) kernel by `seconds` with date -s; checks
  // that the wall clock moved and the monotonic clock did not.
  void step_wall_clock(int seconds) {
    const double before = wall_now();
    const auto mono_before = Clock::now();
    char target[64];
    std::snprintf(target, sizeof target, "@%.6f", before + seconds);
    const auto r = run_command(std::string("date -s ") + target);
    const double moved = wall_now() - before;
    const auto mono = Clock::now() - mono_before;
    stepped_ahead_ = seconds > 0 ? r.exit_code == 0 : false;
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NEAR(moved, seconds, 2.0) << "the wall clock did not move by " << seconds << " s";
    EXPECT_LT(mono, 2s) << "the monotonic clock moved with the wall clock";
  }
  Window measure(const char* name, Arrivals& adverts, Arrivals& checks, StallWatch& stalls) {
    // Every window is exactly kWindow long: counts compare as they are.
    Window w{.name = name, .from = Clock::now(), .to = {}};
    w.to = w.from + kWindow;
    while (Clock::now() < w.to) {
      w.lvs2_held_vip = w.lvs2_held_vip || holds_vip(*lvs2_);
      std::this_thread::sleep_for(200ms);
    }
    w.adverts = adverts.count(lvs1_->address(), w.from, w.to);
    w.advert_gap = adverts.largest_gap(lvs1_->address(), w.from, w.to);
    w.checks_lvs1 = checks.count(lvs1_->address(), w.from, w.to);
    w.checks_lvs2 = checks.count(lvs2_->address(), w.from, w.to);
    w.check_gap_lvs1 = checks.largest_gap(lvs1_->address(), w.from, w.to);
    w.check_gap_lvs2 = checks.largest_gap(lvs2_->address(), w.from, w.to);
    w.stall = stalls.largest(w.from, w.to);
    std::cerr << name << ": " << ms(w.to - w.from).count() << " ms, " << w.adverts << " adverts from lvs1 (largest gap "
              << w.advert_gap.count() << " ms), checks " << w.checks_lvs1 << " from lvs1 (gap "
              << w.check_gap_lvs1.count() << " ms) and " << w.checks_lvs2 << " from lvs2 (gap "
              << w.check_gap_lvs2.count() << " ms); the machine stalled up to " << w.stall.count() << " ms; lvs2 "
              << (w.lvs2_held_vip ? "HELD" : "never held") << " the VIP\n";
    return w;
  }
  // A window after a step against the control window.
  void expect_like_control(const Window& control, const Window& w) {
    SCOPED_TRACE(w.name);
    const auto tolerance = [](std::size_t n, double share, std::size_t at_least) {
      return std::max<std::size_t>(at_least, static_cast<std::size_t>(static_cast<double>(n) * share));
    };
    auto near = [](std::size_t a, std::size_t b, std::size_t tol) { return (a > b ? a - b : b - a) <= tol; };
    // Adverts every 100 ms: the same count within 10% (UML's scheduling).
    EXPECT_TRUE(near(w.adverts, control.adverts, tolerance(control.adverts, 0.10, 3)))
        << w.adverts << " adverts, control " << control.adverts;
    EXPECT_LT(w.advert_gap, 2 * kAdvertInterval + w.stall) << "an advert came late";
    // Health checks every delay_loop: no burst (more checks), no stall (fewer,
    // or a gap longer than two intervals).
    for (auto [n, c, gap] : {std::tuple{w.checks_lvs1, control.checks_lvs1, w.check_gap_lvs1},
                             std::tuple{w.checks_lvs2, control.checks_lvs2, w.check_gap_lvs2}}) {
      EXPECT_TRUE(near(n, c, 2)) << n << " health checks, control " << c;
      EXPECT_LT(gap, 2 * kDelayLoop + w.stall) << "health checks stalled";
    }
    EXPECT_FALSE(w.lvs2_held_vip) << "lvs2 took the VIP";
  }

  Topology topo_;
  Host* lvs1_ = nullptr;
  Host* lvs2_ = nullptr;
  Host* real_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> lvsd1_, lvsd2_;
  bool stepped_ahead_ = false;
};

TEST_F(LvsdClockStep, SteppingTheWallClockChangesNoTimer) {
  Arrivals adverts, checks;
  auto advert_watch = watch_adverts(*lvs2_, adverts);
  auto check_server = serve_checks(*real_, checks);
  ASSERT_TRUE(advert_watch->ok()) << "cannot open a raw VRRP socket in lvs2's namespace";
  ASSERT_TRUE(check_server->ok()) << "cannot listen on " << kReal << ":80";
  StallWatch stalls;

  lvsd2_ = start_lvsd(*lvs2_, 50);
  lvsd1_ = start_lvsd(*lvs1_, 100);
  ASSERT_TRUE(wait_until([&] { return holds_vip(*lvs1_) && !holds_vip(*lvs2_); }, 30s)) << "lvs1 never took the VIP";
  const std::string dest = std::string(kReal) + ":80";
  ASSERT_TRUE(wait_until([&] {
    return lvs1_->run("ipvsadm -Ln").output.find(dest) != std::string::npos &&
           lvs2_->run("ipvsadm -Ln").output.find(dest) != std::string::npos;
  }, 15s)) << "the real server never joined";
  // Settled: a few checks done by both.
  std::this_thread::sleep_for(3s);
  const long transitions1 = transitions(*lvs1_), transitions2 = transitions(*lvs2_);
  ASSERT_GE(transitions1, 0);
  ASSERT_GE(transitions2, 0);
  const std::size_t log1 = lvsd1_->output().size(), log2 = lvsd2_->output().size();

  const Window control = measure("control", adverts, checks, stalls);
  ASSERT_GE(control.adverts, 40u) << "lvs2 hears too few adverts from lvs1 to compare";
  ASSERT_GE(control.checks_lvs1, 4u);
  ASSERT_GE(control.checks_lvs2, 4u);

  step_wall_clock(+3600);
  const Window ahead = measure("after +1 h", adverts, checks, stalls);
  step_wall_clock(-3600);
  const Window back = measure("after -1 h", adverts, checks, stalls);

  expect_like_control(control, ahead);
  expect_like_control(control, back);
  EXPECT_EQ(transitions(*lvs1_), transitions1) << "lvs1 changed VRRP state";
  EXPECT_EQ(transitions(*lvs2_), transitions2) << "lvs2 changed VRRP state";
  const std::string new1 = lvsd1_->output().substr(log1), new2 = lvsd2_->output().substr(log2);
  // "vrrp instance VI_1: BACKUP -> MASTER (...)" (vrrp/fsm.cpp).
  static const std::regex state_change("vrrp instance VI_1: [A-Z]+ -> ");
  EXPECT_FALSE(std::regex_search(new1, state_change)) << new1;
  EXPECT_FALSE(std::regex_search(new2, state_change)) << new2;
  EXPECT_TRUE(holds_vip(*lvs1_));
  EXPECT_FALSE(holds_vip(*lvs2_));
  EXPECT_NE(lvs1_->run("ipvsadm -Ln").output.find(dest), std::string::npos) << "the real server left the table";
}

}  // namespace
}  // namespace lvsd::test
