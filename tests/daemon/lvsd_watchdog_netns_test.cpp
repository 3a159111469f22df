// netns tier: systemd's watchdog, emulated. The test plays systemd for the
// master's lvsd: it binds the notify socket (NOTIFY_SOCKET), asks for a 1 s
// watchdog (WATCHDOG_USEC, as WatchdogSec=1s would), and expects READY=1 and
// a WATCHDOG=1 at least every second from lvsd's loop. Then the loop is
// frozen (SIGSTOP): the pings stop, the watchdog runs out, and the test does
// what systemd does with the shipped unit (systemd/lvsd.service.in): kill the
// process, then ExecStopPost `lvsd --cleanup`. The frozen node kept its VIP;
// after the cleanup it has none and the backup holds it within Skew_Time
// (priority-0 advert), long before its Master_Down_Interval would run out.
// VRRP-only configs: no IPVS needed on the host kernel.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.hpp"
#include "tests/support/netns.hpp"
#include "vrrp/timers.hpp"

namespace lvsd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test::Host;
using test::Process;
using test::run_command;
using test::shell_quote;
using test::wait_until;

const std::string kLvsd = LVSD_BINARY;
constexpr const char* kVip = "10.0.0.100";
constexpr milliseconds kWatchdog = 1000ms;  // WATCHDOG_USEC=1000000
// 2 s adverts: the backup's Master_Down_Interval (3 x 2 s + Skew_Time 0.8 s)
// runs out at least 4.8 s after the freeze, far later than watchdog (1 s) +
// kill + cleanup + Skew_Time, so a takeover in time can only come from the
// cleanup's priority-0 advert.
constexpr int kAdvertSeconds = 2;

std::string vrrp_config(const std::string& state, int priority, const std::string& control_socket,
                        int advert_seconds = kAdvertSeconds) {
  return "global:\n"
         "  control_socket: " + control_socket + "\n"
         "vrrp_instances:\n"
         "  - name: VI_1\n"
         "    state: " + state + "\n"
         "    interface: eth0\n"
         "    virtual_router_id: 51\n"
         "    priority: " + std::to_string(priority) + "\n"
         "    advert_int: " + std::to_string(advert_seconds) + "s\n"
         "    authentication: { type: PASS, pass: \"1111\" }\n"
         "    virtual_ipaddress: [ \"" + kVip + "/24 dev eth0\" ]\n";
}

// The receiving end of sd_notify(), as systemd binds it: a Unix datagram
// socket with SO_PASSCRED so each message carries the sender's pid. Like
// systemd it reads all the time (a thread of its own): a queue left unread
// fills up (net.unix.max_dgram_qlen) and then blocks the sender.
class NotifyListener {
 public:
  struct Message {
    std::string text;
    pid_t pid = 0;
    Clock::time_point at;
  };

  // `read`: false leaves every message queued, as a manager that stopped reading would.
  explicit NotifyListener(std::string path, bool read = true) : path_(std::move(path)) {
    ::unlink(path_.c_str());
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (!fd_ || path_.size() >= sizeof(addr.sun_path)) return;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    const int on = 1;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0) {
      return;
    }
    ok_ = true;
    if (read) reader_ = std::thread([this] { read_loop(); });
  }
  ~NotifyListener() {
    stop_ = true;
    if (reader_.joinable()) reader_.join();
    fd_.reset();
    ::unlink(path_.c_str());
  }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  // Every message received so far, in order.
  std::vector<Message> messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  void read_loop() {
    while (!stop_) {
      pollfd p{.fd = fd_.get(), .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 50) != 1) continue;
      char buf[4096];
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
      iovec iov{.iov_base = buf, .iov_len = sizeof(buf)};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
      if (n < 0) continue;
      Message m{.text = std::string(buf, static_cast<std::size_t>(n)), .pid = 0, .at = Clock::now()};
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
          ucred cred{};
          std::memcpy(&cred, CMSG_DATA(c), sizeof(cred));
          m.pid = cred.pid;
        }
      }
      std::lock_guard<std::mutex> lock(mutex_);
      messages_.push_back(std::move(m));
    }
  }

  std::string path_;
  core::UniqueFd fd_;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  std::thread reader_;
};

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

char process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

class LvsdWatchdog : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = &topo_.add_host("a", "10.0.0.1/24");
    b_ = &topo_.add_host("b", "10.0.0.2/24");
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + topo_.id() + "-wd";
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    std::ofstream(path("a.yaml")) << vrrp_config("MASTER", 100, path("a.sock"));
    std::ofstream(path("b.yaml")) << vrrp_config("BACKUP", 50, path("b.sock"));
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- master (a) log\n" << (master_ ? master_->output() : "") << "--- backup (b) log\n"
                << (backup_ ? backup_->output() : "");
    }
    master_.reset();
    backup_.reset();
    run_command("rm -rf " + dir_);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  static bool holds_vip(const Host& h) {
    return h.run("ip -4 -o addr show dev eth0").output.find(std::string(kVip) + "/") != std::string::npos;
  }
  // lvsd with a clean systemd environment plus `env`.
  std::unique_ptr<Process> start(Host& host, const std::string& env) {
    return host.spawn("env -u NOTIFY_SOCKET -u WATCHDOG_USEC -u WATCHDOG_PID " + env + " " + kLvsd + " -f " +
                      path(host.name() + ".yaml") + " --state-file " + path(host.name() + ".owned"));
  }
  static milliseconds backup_skew() {
    return std::chrono::duration_cast<milliseconds>(
        vrrp::skew_time(vrrp::Version::kV2, 50, vrrp::Centiseconds{kAdvertSeconds * 100}));
  }
  static milliseconds backup_master_down() {
    return std::chrono::duration_cast<milliseconds>(
        vrrp::master_down_interval(vrrp::Version::kV2, 50, vrrp::Centiseconds{kAdvertSeconds * 100}));
  }

  test::Topology topo_;
  Host* a_ = nullptr;
  Host* b_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> master_, backup_;
};

// The WATCHDOG=1 pings among `messages`, by arrival time.
std::vector<Clock::time_point> pings_of(const std::vector<NotifyListener::Message>& messages) {
  std::vector<Clock::time_point> out;
  for (const auto& m : messages) {
    if (has_line(m.text, "WATCHDOG=1")) out.push_back(m.at);
  }
  return out;
}

TEST_F(LvsdWatchdog, FrozenLoopMissesThePingAndTheCleanupHandsTheVipToTheBackup) {
  NotifyListener notify(path("notify"));
  ASSERT_TRUE(notify.ok()) << notify.path() << ": " << std::strerror(errno);
  backup_ = start(*b_, "");
  master_ = start(*a_, "NOTIFY_SOCKET=" + shell_quote(notify.path()) + " WATCHDOG_USEC=" +
                           std::to_string(std::chrono::microseconds(kWatchdog).count()));
  const pid_t pid = master_->pid();

  // READY=1, from the main process (the unit's NotifyAccess=main).
  auto ready = [&] {
    for (const auto& m : notify.messages()) {
      if (has_line(m.text, "READY=1")) return true;
    }
    return false;
  };
  ASSERT_TRUE(wait_until(ready, 5s)) << "no READY=1 within 5 s";
  ASSERT_TRUE(wait_until([&] { return holds_vip(*a_); }, backup_master_down() + 3s)) << "the master never took the VIP";
  EXPECT_FALSE(holds_vip(*b_));

  // Healthy: WATCHDOG=1 about every WatchdogSec/2, never a gap of WatchdogSec.
  const std::size_t before = pings_of(notify.messages()).size();
  ASSERT_TRUE(wait_until([&] { return pings_of(notify.messages()).size() >= before + 5; }, 4s))
      << "fewer than 5 pings in 4 s with WatchdogSec=1s";
  const auto healthy = notify.messages();
  for (const auto& m : healthy) EXPECT_EQ(m.pid, pid) << "from pid " << m.pid << ": " << m.text;
  const auto pings = pings_of(healthy);
  milliseconds longest_gap{0};
  for (std::size_t i = 1; i < pings.size(); ++i) {
    longest_gap = std::max(longest_gap, std::chrono::duration_cast<milliseconds>(pings[i] - pings[i - 1]));
  }
  EXPECT_LT(longest_gap, kWatchdog) << "the longest gap between " << pings.size() << " pings";

  // The loop freezes. systemd's watchdog runs out WatchdogSec after the last ping.
  ASSERT_TRUE(master_->signal(SIGSTOP));
  ASSERT_TRUE(wait_until([&] { return process_state(pid) == 'T'; }, 1s)) << process_state(pid);
  const auto stopped_at = Clock::now();
  auto last_ping = [&] { return pings_of(notify.messages()).back(); };
  // Bounded: a loop that kept pinging is caught after 5 s.
  const bool expired = wait_until([&] { return Clock::now() - last_ping() >= kWatchdog; }, 5s, 5ms);
  const auto silent = std::chrono::duration_cast<milliseconds>(Clock::now() - last_ping());
  ASSERT_TRUE(expired) << "the watchdog never ran out";
  EXPECT_GE(silent, kWatchdog);
  // A datagram already on its way when SIGSTOP landed is not a ping from a stopped loop.
  EXPECT_LE(last_ping(), stopped_at + 20ms) << "a stopped lvsd pinged";
  EXPECT_TRUE(holds_vip(*a_)) << "a frozen lvsd cannot give up its VIP by itself";
  EXPECT_FALSE(holds_vip(*b_)) << "the backup took over by Master_Down_Interval before the watchdog acted";

  // What systemd does next (WatchdogSignal, then SIGKILL; the process is
  // stopped, so SIGKILL is what ends it), then ExecStopPost.
  ASSERT_TRUE(master_->signal(SIGKILL));
  ASSERT_NE(master_->wait(5s), -1);
  EXPECT_TRUE(holds_vip(*a_)) << "kill -9 leaves the VIP behind";
  const auto cleanup_at = Clock::now();
  const auto cleanup = a_->run(kLvsd + " --cleanup -f " + path("a.yaml") + " --state-file " + path("a.owned"));
  EXPECT_EQ(cleanup.exit_code, 0) << cleanup.output;
  EXPECT_NE(cleanup.output.find("was MASTER; sent a priority-0 advert"), std::string::npos) << cleanup.output;
  EXPECT_FALSE(holds_vip(*a_)) << "the cleanup must remove the VIP\n" << a_->run("ip addr show dev eth0").output;

  ASSERT_TRUE(wait_until([&] { return holds_vip(*b_); }, backup_master_down() + 2s, 5ms))
      << "the backup never took the VIP";
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - cleanup_at);
  // Measured from the start of `lvsd --cleanup` (process start and config
  // load included); a takeover by Master_Down_Interval would come seconds later.
  EXPECT_LE(took, backup_skew() + 250ms) << "the backup held the VIP " << took.count()
                                         << " ms after the cleanup started; Skew_Time is " << backup_skew().count()
                                         << " ms";
  EXPECT_FALSE(holds_vip(*a_));
  std::cerr << pings.size() << " pings while healthy (longest gap " << longest_gap.count() << " ms); silent "
            << silent.count() << " ms when the watchdog ran out; backup took over " << took.count()
            << " ms after the cleanup started (Skew_Time " << backup_skew().count() << " ms, Master_Down_Interval "
            << backup_master_down().count() << " ms)\n";
}

// The loop must never wait on the service manager. A notify socket nobody
// reads fills up after net.unix.max_dgram_qlen (10) messages, about 5 s of
// pings; a blocking sd_notify() would then freeze the loop, the adverts
// would stop and the backup would take over. lvsd notifies without
// blocking (daemon/notify.hpp): a message that cannot be queued is dropped.
TEST_F(LvsdWatchdog, ANotifySocketNobodyReadsNeverStallsTheLoop) {
  std::ofstream(path("a.yaml")) << vrrp_config("MASTER", 100, path("a.sock"), 1);
  std::ofstream(path("b.yaml")) << vrrp_config("BACKUP", 50, path("b.sock"), 1);
  NotifyListener deaf(path("notify"), /*read=*/false);
  ASSERT_TRUE(deaf.ok()) << deaf.path() << ": " << std::strerror(errno);
  backup_ = start(*b_, "");
  master_ = start(*a_, "NOTIFY_SOCKET=" + shell_quote(deaf.path()) + " WATCHDOG_USEC=" +
                           std::to_string(std::chrono::microseconds(kWatchdog).count()));
  // Master after its own Master_Down_Interval (3.6 s), before the queue is full.
  ASSERT_TRUE(wait_until([&] { return holds_vip(*a_); }, 6s)) << "the master never took the VIP";
  // Then 8 s: the queue fills (~5 s after start) and the backup's
  // Master_Down_Interval (3.8 s) passes more than once.
  bool backup_took_over = false, control_stalled = false;
  const auto end = Clock::now() + 8s;
  while (Clock::now() < end && !backup_took_over) {
    backup_took_over = holds_vip(*b_);
    const auto t = Clock::now();
    const auto status = a_->run(std::string("timeout 2 ") + LVSD_LVSCTL + " --socket " + path("a.sock") + " status --json");
    control_stalled = control_stalled || status.exit_code != 0 || Clock::now() - t > 1s;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(backup_took_over) << "the master's loop stopped sending adverts";
  EXPECT_FALSE(control_stalled) << "the control socket stopped answering";
  EXPECT_TRUE(holds_vip(*a_));
}

}  // namespace
}  // namespace lvsd
