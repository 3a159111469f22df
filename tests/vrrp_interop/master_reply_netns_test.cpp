// netns tier: what an lvsd MASTER does when it hears a lower-priority advert,
// against keepalived 2.2.7 as the other router. keepalived (priority 100) is
// cut off from lvsd's adverts (nftables drops VRRP into its host), so both are
// MASTER and keepalived keeps sending lower adverts, which lvsd (priority 200)
// hears. A packet socket on a third host records every advert and ARP.
//   default (keepalived's): lvsd answers each lower advert within 100 ms with
//     an advert of its own, announces the VIP (gratuitous ARP) and runs
//     notify_master_rx_lower_pri;
//   lower_prio_no_advert: lvsd's adverts stay on their 500 ms schedule (the
//     control: its own gaps, same run), the announcements still come.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "tests/vrrp_interop/harness.hpp"

namespace lvsd::interop {
namespace {

struct Frame {
  Clock::time_point at{};
  bool vrrp = false;  // else a gratuitous ARP for the VIP
  std::string source{};  // the sender's IPv4 address (VRRP) or Ethernet address (ARP)
  int priority = 0;
};

std::string mac_text(const std::uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

// Records VRRP adverts and gratuitous ARPs for `vip` seen on a host's eth0.
class Recorder {
 public:
  Recorder(const test::Host& host, const std::string& vip) : vip_(vip) {
    fd_ = in_netns(host, [] {
      const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
      if (fd < 0) return core::UniqueFd{};
      sockaddr_ll ll{};
      ll.sll_family = AF_PACKET;
      ll.sll_protocol = htons(ETH_P_ALL);
      ll.sll_ifindex = static_cast<int>(if_nametoindex("eth0"));
      if (::bind(fd, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0) {
        ::close(fd);
        return core::UniqueFd{};
      }
      return core::UniqueFd(fd);
    });
  }
  bool ok() const { return static_cast<bool>(fd_); }

  // Reads for `duration` (bounded).
  std::vector<Frame> record(milliseconds duration) {
    std::vector<Frame> out;
    std::array<std::uint8_t, 2048> buf;
    // What queued before now would be timed now: dropped (bounded).
    for (int i = 0; i < 100000 && ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT) > 0; ++i) {
    }
    const auto end = Clock::now() + duration;
    while (Clock::now() < end) {
      pollfd p{.fd = fd_.get(), .events = POLLIN, .revents = 0};
      const auto left = std::chrono::duration_cast<milliseconds>(end - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 1))) <= 0) continue;
      for (int i = 0; i < 1000; ++i) {
        const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
        if (n <= 0) break;
        if (auto f = parse(buf.data(), static_cast<std::size_t>(n))) out.push_back(*f);
      }
    }
    return out;
  }

 private:
  std::optional<Frame> parse(const std::uint8_t* d, std::size_t n) const {
    if (n < 14) return std::nullopt;
    const int type = d[12] << 8 | d[13];
    Frame f{.at = Clock::now()};
    if (type == ETH_P_IP && n >= 14 + 20 + 8 && d[14 + 9] == 112) {
      const std::size_t ihl = static_cast<std::size_t>(d[14] & 0x0f) * 4;
      if (n < 14 + ihl + 3) return std::nullopt;
      char src[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, d + 14 + 12, src, sizeof src);
      f.vrrp = true;
      f.source = src;
      f.priority = d[14 + ihl + 2];
      return f;
    }
    if (type == ETH_P_ARP && n >= 14 + 28) {
      char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
      ::inet_ntop(AF_INET, d + 14 + 14, spa, sizeof spa);
      ::inet_ntop(AF_INET, d + 14 + 24, tpa, sizeof tpa);
      if (vip_ != spa || vip_ != tpa) return std::nullopt;  // gratuitous: sender and target are the VIP
      f.source = mac_text(d + 6);
      return f;
    }
    return std::nullopt;
  }
  std::string vip_;
  core::UniqueFd fd_;
};

long ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<milliseconds>(b - a).count();
}

void master_hears_lower_adverts(bool lower_prio_no_advert, int subnet) {
  PairTopology pair(subnet);
  const std::string marks = write_temp_file("rx-lower", "");
  const std::string script = write_temp_file("rx-lower-sh", "#!/bin/sh\necho heard >> " + marks + "\n");
  ASSERT_EQ(test::run_command("chmod 755 " + test::shell_quote(script)).exit_code, 0);
  RouterSpec lvsd_spec{.priority = 200, .vrid = 61, .version = 3, .advert_int = milliseconds(500),
                       .vips = {pair.vip + "/32"}};
  lvsd_spec.keepalived_instance = "  notify_master_rx_lower_pri " + script + "\n" +
                                  (lower_prio_no_advert ? "  lower_prio_no_advert\n" : "");
  RouterSpec keepalived_spec = lvsd_spec;
  keepalived_spec.priority = 100;
  keepalived_spec.keepalived_instance.clear();
  // keepalived hears nothing of lvsd: both are MASTER, keepalived's lower adverts reach lvsd.
  ASSERT_EQ(pair.b->run("nft add table inet cut && nft add chain inet cut in '{ type filter hook input priority 0; }' "
                        "&& nft add rule inet cut in ip protocol vrrp drop").exit_code, 0);
  Recorder recorder(*pair.client, pair.vip);
  ASSERT_TRUE(recorder.ok());

  Router lvsd(*pair.a, Implementation::kLvsd, lvsd_spec);
  Router keepalived(*pair.b, Implementation::kKeepalived, keepalived_spec);
  lvsd.start();
  keepalived.start();
  ASSERT_TRUE(lvsd.wait_for_state("MASTER", milliseconds(6000))) << lvsd.log();
  ASSERT_TRUE(keepalived.wait_for_state("MASTER", milliseconds(6000))) << keepalived.log();
  // Past both transitions' own announcements (garp_master_delay 0 would not
  // be keepalived's default; the first burst is all that comes in this window).
  std::this_thread::sleep_for(milliseconds(300));
  const std::vector<Frame> frames = recorder.record(milliseconds(2600));
  const std::string lvsd_mac = pair.a->mac();

  std::vector<Clock::time_point> lower, ours;
  for (const auto& f : frames) {
    if (f.vrrp && f.source == pair.b->address() && f.priority == 100) lower.push_back(f.at);
    if (f.vrrp && f.source == pair.a->address() && f.priority == 200) ours.push_back(f.at);
  }
  ASSERT_GE(lower.size(), 3u) << "keepalived sent too few lower adverts\n" << keepalived.log();
  ASSERT_GE(ours.size(), 3u) << lvsd.log();
  for (const auto& t : lower) {
    if (ms_between(t, Clock::now()) < 150) continue;  // too late in the window to judge
    auto next = std::find_if(ours.begin(), ours.end(), [&](Clock::time_point o) { return o >= t; });
    ASSERT_NE(next, ours.end()) << lvsd.log();
    const long reply_ms = ms_between(t, *next);
    const bool arps = std::any_of(frames.begin(), frames.end(), [&](const Frame& f) {
      return !f.vrrp && f.source == lvsd_mac && f.at >= t && ms_between(t, f.at) <= 100;
    });
    EXPECT_TRUE(arps) << "no gratuitous ARP from lvsd within 100 ms of a lower advert";
    if (!lower_prio_no_advert) {
      EXPECT_LE(reply_ms, 100) << "lvsd did not answer a lower advert at once\n" << lvsd.log();
    } else if (reply_ms <= 100) {
      // Only its own schedule may put an advert there: 500 ms after the one before.
      ASSERT_NE(next, ours.begin());
      const long gap = ms_between(*std::prev(next), *next);
      EXPECT_NEAR(gap, 500, 60) << "lvsd answered a lower advert despite lower_prio_no_advert\n" << lvsd.log();
    }
  }
  if (lower_prio_no_advert) {
    // The control: every gap between lvsd's adverts is its 500 ms interval.
    for (std::size_t i = 1; i < ours.size(); ++i) EXPECT_NEAR(ms_between(ours[i - 1], ours[i]), 500, 60);
  } else {
    // An answer restarts the Adver_Timer: some gaps are short (one per lower advert).
    int short_gaps = 0;
    for (std::size_t i = 1; i < ours.size(); ++i) short_gaps += ms_between(ours[i - 1], ours[i]) < 440 ? 1 : 0;
    EXPECT_GE(short_gaps, 1) << lvsd.log();
  }
  // notify_master_rx_lower_pri ran, once per lower advert (it is off the loop: give it a moment).
  EXPECT_TRUE(test::wait_until([&] {
    std::ifstream in(marks);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) ++n;
    return n >= lower.size();
  }, milliseconds(2000))) << lvsd.log();
  lvsd.stop();
  keepalived.stop();
  ::unlink(marks.c_str());
  ::unlink(script.c_str());
}

TEST(MasterReplyNetns, LvsdAnswersKeepalivedsLowerAdvertsAtOnce) { master_hears_lower_adverts(false, 141); }

TEST(MasterReplyNetns, LowerPrioNoAdvertKeepsLvsdOnItsSchedule) { master_hears_lower_adverts(true, 142); }

}  // namespace
}  // namespace lvsd::interop
