#pragma once
// Shared pieces of the VRRP interop tests (netns tier) and the failover
// benchmark: one router description written as a keepalived.conf or as an
// lvsd YAML file, peers started inside a test host, a fast VIP probe
// (rtnetlink dump from inside the namespace, no process per sample) and a
// monitor that samples who holds the VIP every 20 ms.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "tests/support/netns.hpp"
#include "vrrp/addr.hpp"
#include "core/net_address.hpp"

namespace lvsd::interop {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One VRRP router of a pair, in the terms both implementations share.
struct RouterSpec {
  std::string instance = "VI_1";
  bool initial_master = false;
  int priority = 100;
  int vrid = 51;
  int version = 2;
  milliseconds advert_int{1000};
  std::string pass{};                 // VRRPv2 PASS authentication; empty: none
  std::vector<std::string> vips{};    // "10.77.0.100/32"
  std::string interface = "eth0";
  std::vector<std::string> unicast_peers{};
  std::string unicast_src{};
  bool nopreempt = false;
  // keepalived.conf text added at the top level (vrrp_script blocks) and
  // inside the instance (track_script); lvsd then reads the same
  // keepalived.conf instead of YAML.
  std::string keepalived_top{};
  std::string keepalived_instance{};
  std::string keepalived_global{};  // lines inside global_defs (each ends with '\n')
};

// keepalived 2.2.7 syntax (only the VRRP part).
std::string keepalived_conf(const RouterSpec& spec);
// lvsd YAML (docs/config.md).
std::string lvsd_yaml(const RouterSpec& spec);

// Writes `text` to a new file under $TMPDIR (or /tmp) and returns its path.
std::string write_temp_file(const std::string& stem, const std::string& text);

enum class Implementation { kKeepalived, kLvsd };
std::string_view to_string(Implementation impl);

// The lvsd binary the tests use: $LVSD_BINARY if set, else the build's.
std::string lvsd_binary();

// A running VRRP router (keepalived or lvsd) in a test host.
class Router {
 public:
  Router(test::Host& host, Implementation impl, RouterSpec spec);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  void start();
  // SIGTERM, without waiting.
  void request_stop();
  // SIGTERM and wait (graceful: a master sends priority 0 and releases the VIP).
  void stop();
  // SIGKILL (the VRRP child too for keepalived); nothing is released.
  void kill9();
  bool running();
  std::string log() const;
  // Waits (bounded) until the log says the instance entered `state`
  // ("MASTER", "BACKUP"). Counts occurrences so a second entry can be awaited.
  bool wait_for_state(const std::string& state, milliseconds timeout, int occurrence = 1);
  int count_state(const std::string& state) const;
  const RouterSpec& spec() const { return spec_; }
  Implementation implementation() const { return impl_; }
  test::Host& host() { return host_; }

 private:
  test::Host& host_;
  Implementation impl_;
  RouterSpec spec_;
  std::string config_path_, pid_dir_;
  std::unique_ptr<test::Process> process_;
};

// Runs fn on a thread that entered host's network namespace; sockets made
// there stay in that namespace.
// If entering the namespace fails, fn does not run and the process aborts
// the test with a message (a test cannot go on in the wrong namespace).
template <typename Fn>
auto in_netns(const test::Host& host, Fn fn) -> decltype(fn()) {
  std::optional<decltype(fn())> result;
  std::thread t([&] {
    core::UniqueFd nsfd(::open(("/run/netns/" + host.netns()).c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd || ::setns(nsfd.get(), CLONE_NEWNET) != 0) return;
    nsfd.reset();
    result.emplace(fn());
  });
  t.join();
  if (!result) throw std::runtime_error("cannot enter network namespace " + host.netns());
  return std::move(*result);
}

// Whether a host holds an address, read with one rtnetlink dump.
class VipProbe {
 public:
  // With only_running_links, an address counts only on a link that is up
  // with carrier (one more dump, of the links): FRR's vrrpd keeps a backup's
  // VIP on its macvlan and sets the macvlan protodown (no carrier) instead of
  // removing the address.
  static core::Result<VipProbe> open(const test::Host& host, bool only_running_links = false);
  // Safe to call from several threads (a HolderMonitor samples while the
  // test waits on the same probe): one netlink dump at a time, or their
  // replies interleave and a dump fails (read as "does not hold").
  bool holds(const core::IpAddress& address);

 private:
  VipProbe(vrrp::AddressClient client, const test::Host* running_links_of)
      : client_(std::move(client)), running_links_of_(running_links_of) {}
  vrrp::AddressClient client_;
  const test::Host* running_links_of_ = nullptr;  // set: only_running_links
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
};

// Samples every `period` which hosts hold `vip`, on a thread of its own.
class HolderMonitor {
 public:
  struct Sample {
    Clock::time_point at;
    std::vector<bool> holds;  // per probe, in the order given
  };
  HolderMonitor(std::vector<VipProbe*> probes, core::IpAddress vip, milliseconds period = milliseconds(20));
  ~HolderMonitor();
  void stop();
  std::vector<Sample> samples() const;
  // The longest stretch during which two or more hosts held the VIP at every sample
  // (zero when that never happened; one lone sample counts as `period`).
  milliseconds longest_dual_holding() const;
  // First sample at or after `from` at which only host `index` holds the VIP.
  std::optional<Clock::time_point> first_sole_holder(std::size_t index, Clock::time_point from) const;

 private:
  std::vector<VipProbe*> probes_;
  core::IpAddress vip_;
  milliseconds period_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

// What a packet capture saw of one frame.
struct Frame {
  std::array<std::uint8_t, 6> source{};
  std::uint16_t ethertype = 0;
  std::optional<core::IpAddress> ip_source{};  // IPv4 frames
  int ip_protocol = -1;
};

inline std::string describe(const Frame& f) {
  char mac[18];
  std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", f.source[0], f.source[1], f.source[2], f.source[3],
                f.source[4], f.source[5]);
  std::string out = std::string(mac) + " ethertype 0x" + [&] {
    char b[8];
    std::snprintf(b, sizeof b, "%04x", f.ethertype);
    return std::string(b);
  }();
  if (f.ip_source) out += " from " + f.ip_source->to_string() + " protocol " + std::to_string(f.ip_protocol);
  return out;
}

// Every frame that reaches one of a host's links from the wire, while it runs.
class Capture {
 public:
  explicit Capture(test::Host& host, const std::string& link = "eth0") {
    fd_ = in_netns(host, [&link] {
      const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
      if (fd < 0) return fd;
      sockaddr_ll sll{};
      sll.sll_family = AF_PACKET;
      sll.sll_protocol = htons(ETH_P_ALL);
      sll.sll_ifindex = static_cast<int>(if_nametoindex(link.c_str()));
      if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
        ::close(fd);
        return -1;
      }
      return fd;
    });
    if (fd_ < 0) throw std::runtime_error("cannot open a packet socket in " + host.netns());
    thread_ = std::thread([this] { run(); });
  }
  ~Capture() { stop(); }
  std::vector<Frame> stop() {
    if (thread_.joinable()) {
      stop_ = true;
      thread_.join();
      ::close(fd_);
    }
    return frames_;
  }

 private:
  void run() {
    std::array<std::uint8_t, 2048> buf{};
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 14 || from.sll_pkttype == PACKET_OUTGOING) continue;
      Frame f;
      std::memcpy(f.source.data(), buf.data() + 6, 6);
      f.ethertype = static_cast<std::uint16_t>(buf[12] << 8 | buf[13]);
      if (f.ethertype == ETH_P_IP && n >= 14 + 20) {
        std::array<std::uint8_t, 4> src{};
        std::memcpy(src.data(), buf.data() + 14 + 12, 4);
        f.ip_source = core::IpAddress::v4(src);
        f.ip_protocol = buf[14 + 9];
      }
      frames_.push_back(f);
    }
  }
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<Frame> frames_;
  std::thread thread_;
};


// Two VRRP routers and a client on one bridge.
struct PairTopology {
  test::Topology topo;
  test::Host* a = nullptr;  // 10.N.0.1
  test::Host* b = nullptr;  // 10.N.0.2
  test::Host* client = nullptr;  // 10.N.0.3
  std::string vip;          // 10.N.0.100
  explicit PairTopology(int subnet);
};

}  // namespace lvsd::interop

