// kernel tier: established connections survive a VRRP failover thanks to the
// IPVS connection-sync daemon that lvsd runs in the role of its VRRP instance
// (global.lvs_sync_daemon.vrrp_instance).
//
// One bridge: client, lvs1 (MASTER 100), lvs2 (BACKUP 50), two DR real
// servers with a TCP echo on port 7000. 20 connections through the VIP are
// held open (nc fed by a fifo each); lvs2's backup sync daemon learns them;
// lvs1's cable is pulled; once lvs2 holds the VIP every connection must still
// echo through lvs2's IPVS. Without the synced entries lvs2 would answer the
// mid-stream segments itself (it holds the VIP, no socket): RST, and nc exits.
//
// LvsdActiveActiveSync (issue 15, scale out): two ACTIVE directors, no VRRP,
// each announcing the VIP, with global.lvs_sync_daemon and no vrrp_instance:
// each runs the master and the backup sync daemon, so each learns the
// other's connections. Two clients route the VIP over one director each;
// then the first client's route moves to the other director (what ECMP does
// when a director leaves) and its connections, scheduled by rr on lvs1,
// must still echo through lvs2: only the synced entries send them to the
// same real server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/unique_fd.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
const std::string kLvsd = LVSD_BINARY;
const std::string kLvsctl = LVSD_LVSCTL;
constexpr const char* kVip = "10.0.0.100";
constexpr int kConnections = 20;

std::string director_config(const std::string& dir, const std::string& name, const std::string& state, int priority) {
  return "global:\n"
         "  control_socket: " + dir + "/" + name + ".sock\n"
         "  lvs_sync_daemon: { interface: eth0, sync_id: 42, vrrp_instance: VI_1 }\n"
         "vrrp_instances:\n"
         "  - name: VI_1\n"
         "    state: " + state + "\n"
         "    interface: eth0\n"
         "    virtual_router_id: 51\n"
         "    priority: " + std::to_string(priority) + "\n"
         "    advert_int: 1s\n"
         "    virtual_ipaddress: [ \"" + kVip + "/24 dev eth0\" ]\n"
         "virtual_servers:\n"
         "  - { address: " + kVip + ", port: 7000, lb_algo: rr, lb_kind: DR,\n"
         "      real_servers: [ { address: 10.0.0.11, port: 7000 }, { address: 10.0.0.12, port: 7000 } ] }\n";
}

// Writes one line into a fifo without ever blocking: false if nobody reads it
// (the nc behind it has exited).
bool write_fifo(const std::string& path, const std::string& line) {
  const core::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return false;
  const std::string text = line + "\n";
  return ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// "source destination" of each established connection to VIP:7000 in
// `ipvsadm -Lnc`, sorted.
std::vector<std::string> synced_connections(Host& director) {
  auto r = director.run(std::string("ipvsadm -Lnc | awk '$1 == \"TCP\" && $3 == \"ESTABLISHED\" && $5 == \"") + kVip +
                        ":7000\" { print $4, $6 }' | sort");
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool holds_vip(Host& director) {
  return director.run("ip -4 -o addr show dev eth0").output.find(std::string(kVip) + "/") != std::string::npos;
}

class LvsdSyncFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = &topo_.add_host("client", "10.0.0.1/24");
    lvs1_ = &topo_.add_host("lvs1", "10.0.0.2/24");
    lvs2_ = &topo_.add_host("lvs2", "10.0.0.3/24");
    dir_ = "/run/tmp/" + topo_.id() + "-sync";
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    for (const char* name : {"rs1", "rs2"}) {
      auto& rs = topo_.add_host(name, std::string(name) == "rs1" ? "10.0.0.11/24" : "10.0.0.12/24");
      auto r = rs.run(kLvsctl + " realserver up --vip " + kVip);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      servers_.push_back(rs.spawn("busybox nc -ll -p 7000 -e cat"));
      ASSERT_TRUE(wait_until([&] { return rs.run("ss -Hltn 'sport = :7000' | grep -q LISTEN").exit_code == 0; }, 5s))
          << rs.run("ss -ltn").output;
    }
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- lvs1 log\n" << (lvsd1_ ? lvsd1_->output() : "") << "--- lvs2 log\n"
                << (lvsd2_ ? lvsd2_->output() : "") << "--- lvs1 ipvsadm -Lnc\n"
                << lvs1_->run("ipvsadm -Lnc; ipvsadm -L --daemon").output << "--- lvs2 ipvsadm -Lnc\n"
                << lvs2_->run("ipvsadm -Lnc; ipvsadm -L --daemon; ipvsadm -Ln --stats").output;
    }
    connections_.clear();
    lvsd1_.reset();
    lvsd2_.reset();
    servers_.clear();
    run_command("rm -rf " + dir_);
  }
  // lvsd on `host` with `yaml` as its configuration file.
  std::unique_ptr<Process> start_lvsd(Host& host, const std::string& yaml) {
    const std::string config = dir_ + "/" + host.name() + ".yaml";
    std::ofstream(config) << yaml;
    return host.spawn(kLvsd + " -f " + config + " --state-file " + dir_ + "/" + host.name() + ".owned");
  }
  static bool logged(Process& p, const std::string& text, std::chrono::milliseconds timeout) {
    return wait_until([&] { return p.output().find(text) != std::string::npos; }, timeout);
  }
  std::string fifo(int i) const { return dir_ + "/conn" + std::to_string(i); }
  static std::string token(int i, const std::string& phase) { return "conn" + std::to_string(i) + "-" + phase; }
  // Sends a line on every connection; returns how many echoed it back
  // within `timeout` (all connections share one bounded wait).
  int echo_on_every_connection(const std::string& phase, std::chrono::milliseconds timeout) {
    for (int i = 0; i < kConnections; ++i) EXPECT_TRUE(write_fifo(fifo(i), token(i, phase))) << "connection " << i;
    auto echoed = [&] {
      int n = 0;
      for (int i = 0; i < kConnections; ++i) n += connections_[i]->output().find(token(i, phase)) != std::string::npos;
      return n;
    };
    wait_until([&] { return echoed() == kConnections; }, timeout, 50ms);
    return echoed();
  }

  Topology topo_;
  Host* client_ = nullptr;
  Host* lvs1_ = nullptr;
  Host* lvs2_ = nullptr;
  std::string dir_;
  std::vector<std::unique_ptr<Process>> servers_;
  std::unique_ptr<Process> lvsd1_, lvsd2_;
  std::vector<std::unique_ptr<Process>> connections_;
};

TEST_F(LvsdSyncFailover, TwentyEstablishedConnectionsKeepEchoingAfterTheMastersLinkGoesDown) {
  // lvs1 first, then lvs2 once lvs1 advertises. Started together, both wait
  // Master_Down_Interval (3.61 s at priority 100, 3.80 s at 50): when lvs1's
  // process came up more than the 0.2 s difference after lvs2's (spawning
  // inside UML takes about that long), lvs2 became master for a moment and
  // was found mid-way between its sync daemons (a clean-clone CI run).
  lvsd1_ = start_lvsd(*lvs1_, director_config(dir_, "lvs1", "MASTER", 100));
  ASSERT_TRUE(wait_until([&] { return holds_vip(*lvs1_); }, 8s)) << "lvs1 never took the VIP";
  lvsd2_ = start_lvsd(*lvs2_, director_config(dir_, "lvs2", "BACKUP", 50));
  ASSERT_TRUE(logged(*lvsd2_, "vrrp instance VI_1: INIT -> BACKUP", 5s));
  // Longer than lvs2's Master_Down_Interval: hearing lvs1, it stays backup.
  EXPECT_FALSE(logged(*lvsd2_, "BACKUP -> MASTER", 4500ms)) << lvsd2_->output();
  EXPECT_FALSE(holds_vip(*lvs2_));
  // The sync daemons follow the VRRP roles: master on lvs1, backup on lvs2, one each.
  ASSERT_TRUE(logged(*lvsd1_, "ipvs sync daemon: master started", 5s));
  ASSERT_TRUE(logged(*lvsd2_, "ipvs sync daemon: backup started", 5s));
  const std::string daemons1 = lvs1_->run("ipvsadm -L --daemon").output;
  const std::string daemons2 = lvs2_->run("ipvsadm -L --daemon").output;
  EXPECT_NE(daemons1.find("master sync daemon (mcast=eth0, syncid=42"), std::string::npos) << daemons1;
  EXPECT_EQ(daemons1.find("backup sync daemon"), std::string::npos) << daemons1;
  EXPECT_NE(daemons2.find("backup sync daemon (mcast=eth0, syncid=42"), std::string::npos) << daemons2;
  EXPECT_EQ(daemons2.find("master sync daemon"), std::string::npos) << daemons2;

  // 20 long-lived connections through the VIP (via lvs1), each fed by a fifo.
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_EQ(run_command("mkfifo " + fifo(i)).exit_code, 0);
    connections_.push_back(
        client_->spawn("sh -c 'exec 3<>" + fifo(i) + "; exec busybox nc " + kVip + " 7000 <&3'"));
  }
  ASSERT_TRUE(wait_until([&] { return synced_connections(*lvs1_).size() == kConnections; }, 10s))
      << lvs1_->run("ipvsadm -Lnc").output;
  ASSERT_EQ(echo_on_every_connection("before", 10s), kConnections);
  const auto on_lvs1 = synced_connections(*lvs1_);
  // Both real servers carry connections (rr), so the failover is tested against each.
  EXPECT_EQ(std::count_if(on_lvs1.begin(), on_lvs1.end(),
                          [](const std::string& c) { return c.find("10.0.0.11:7000") != std::string::npos; }),
            kConnections / 2);

  // lvs2's backup sync daemon learns every one of them (same clients, same real servers).
  ASSERT_TRUE(wait_until([&] { return synced_connections(*lvs2_) == on_lvs1; }, 15s, 200ms))
      << "lvs2 has " << synced_connections(*lvs2_).size() << " of " << kConnections;

  // The master's cable is pulled; lvs2 takes the VIP after Master_Down_Interval (3.8 s).
  const auto t0 = Clock::now();
  topo_.set_link(*lvs1_, false);
  ASSERT_TRUE(wait_until([&] { return holds_vip(*lvs2_); }, 10s, 20ms)) << "lvs2 never took the VIP";
  std::cerr << "lvs2 held the VIP after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() << " ms\n";
  // The client learns lvs2's MAC from its gratuitous ARP.
  EXPECT_TRUE(wait_until([&] {
    return client_->run(std::string("ip neigh show ") + kVip + " dev eth0").output.find(lvs2_->mac()) !=
           std::string::npos;
  }, 3s)) << client_->run("ip neigh show").output;
  EXPECT_TRUE(logged(*lvsd2_, "ipvs sync daemon: master started", 5s));

  // Every connection still echoes, now through lvs2's IPVS (lvs1 is unreachable).
  const int after = echo_on_every_connection("after", 15s);
  EXPECT_EQ(after, kConnections) << after << " of " << kConnections << " connections echoed after the failover";
  int alive = 0;
  for (auto& c : connections_) alive += c->running();
  EXPECT_EQ(alive, kConnections) << "nc processes still connected";
  // The echoes went through lvs2: its service counted the incoming segments
  // (the kernel folds its per-cpu counters into these every 2 s).
  auto in_packets = [&] {
    return std::atoi(lvs2_->run(std::string("ipvsadm -Ln --stats --exact | awk '$2 == \"") + kVip +
                                ":7000\" { print $4 }'").output.c_str());
  };
  EXPECT_TRUE(wait_until([&] { return in_packets() >= kConnections; }, 5s, 200ms))
      << "InPkts on lvs2: " << in_packets();
}

std::string active_config(const std::string& dir, const std::string& name) {
  return "global:\n"
         "  control_socket: " + dir + "/" + name + ".sock\n"
         "  lvs_sync_daemon: { interface: eth0, sync_id: 43 }\n"
         "  announce: { table: 200 }\n"
         "virtual_servers:\n"
         "  - { address: " + kVip + ", port: 7000, lb_algo: rr, lb_kind: DR, announce: true,\n"
         "      real_servers: [ { address: 10.0.0.11, port: 7000 }, { address: 10.0.0.12, port: 7000 } ] }\n";
}

class LvsdActiveActiveSync : public LvsdSyncFailover {
 protected:
  void SetUp() override {
    LvsdSyncFailover::SetUp();
    client2_ = &topo_.add_host("client2", "10.0.0.4/24");
  }
  // "source real-server" of the established connections to VIP:7000 from
  // `client` in `director`'s table, sorted.
  static std::vector<std::string> connections_from(Host& director, const std::string& client) {
    std::vector<std::string> out;
    for (const auto& c : synced_connections(director)) {
      if (c.rfind(client + ":", 0) == 0) out.push_back(c);
    }
    return out;
  }
  Host* client2_ = nullptr;
};

TEST_F(LvsdActiveActiveSync, EachDirectorLearnsTheOthersConnectionsAndCarriesThemWhenTheRouteMoves) {
  lvsd1_ = start_lvsd(*lvs1_, active_config(dir_, "lvs1"));
  lvsd2_ = start_lvsd(*lvs2_, active_config(dir_, "lvs2"));
  // No vrrp_instance: both sync daemons on both directors.
  ASSERT_TRUE(logged(*lvsd1_, "ipvs sync daemon: backup started", 8s)) << lvsd1_->output();
  ASSERT_TRUE(logged(*lvsd2_, "ipvs sync daemon: backup started", 8s)) << lvsd2_->output();
  for (Host* d : {lvs1_, lvs2_}) {
    const std::string daemons = d->run("ipvsadm -L --daemon").output;
    EXPECT_NE(daemons.find("master sync daemon (mcast=eth0, syncid=43"), std::string::npos) << d->name() << daemons;
    EXPECT_NE(daemons.find("backup sync daemon (mcast=eth0, syncid=43"), std::string::npos) << d->name() << daemons;
    // The announcement makes the VIP local (IPVS takes it at LOCAL_IN).
    ASSERT_TRUE(wait_until([&] {
      return d->run(std::string("ip route show table local ") + kVip).output.find("local") != std::string::npos;
    }, 5s)) << d->name() << ": " << d->run("ip route show table all | grep 10.0.0.100").output;
  }
  // client -> lvs1, client2 -> lvs2: the router's ECMP, one flow set each.
  ASSERT_EQ(client_->run(std::string("ip route add ") + kVip + "/32 via 10.0.0.2").exit_code, 0);
  ASSERT_EQ(client2_->run(std::string("ip route add ") + kVip + "/32 via 10.0.0.3").exit_code, 0);
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_EQ(run_command("mkfifo " + fifo(i)).exit_code, 0);
    Host& from = i < kConnections / 2 ? *client_ : *client2_;
    connections_.push_back(from.spawn("sh -c 'exec 3<>" + fifo(i) + "; exec busybox nc " + kVip + " 7000 <&3'"));
  }
  ASSERT_TRUE(wait_until([&] { return connections_from(*lvs1_, "10.0.0.1").size() == kConnections / 2; }, 10s))
      << lvs1_->run("ipvsadm -Lnc").output;
  ASSERT_TRUE(wait_until([&] { return connections_from(*lvs2_, "10.0.0.4").size() == kConnections / 2; }, 10s))
      << lvs2_->run("ipvsadm -Lnc").output;
  ASSERT_EQ(echo_on_every_connection("before", 10s), kConnections);
  const auto own1 = connections_from(*lvs1_, "10.0.0.1");
  const auto own2 = connections_from(*lvs2_, "10.0.0.4");
  // Each director sends what it carries and receives what the other carries:
  // both tables end up with all twenty, on the same real servers.
  EXPECT_TRUE(wait_until([&] { return connections_from(*lvs2_, "10.0.0.1") == own1; }, 15s, 200ms))
      << "lvs2 learned " << connections_from(*lvs2_, "10.0.0.1").size() << " of lvs1's " << own1.size() << "\n"
      << lvs2_->run("ipvsadm -Lnc").output;
  EXPECT_TRUE(wait_until([&] { return connections_from(*lvs1_, "10.0.0.4") == own2; }, 15s, 200ms))
      << "lvs1 learned " << connections_from(*lvs1_, "10.0.0.4").size() << " of lvs2's " << own2.size() << "\n"
      << lvs1_->run("ipvsadm -Lnc").output;

  // The first client's flows move to lvs2 (lvs1 left the router's ECMP set):
  // lvs2 forwards them by the entries it learned, rr or not.
  ASSERT_EQ(client_->run(std::string("ip route replace ") + kVip + "/32 via 10.0.0.3").exit_code, 0);
  ASSERT_EQ(client_->run("ip neigh flush all").exit_code, 0);
  const int after = echo_on_every_connection("moved", 15s);
  EXPECT_EQ(after, kConnections) << after << " of " << kConnections << " connections echoed after the move";
  int alive = 0;
  for (auto& c : connections_) alive += c->running();
  EXPECT_EQ(alive, kConnections) << "nc processes still connected";
  // lvs2 now carries the first client's connections itself (its own entries,
  // on the real servers lvs1 had chosen).
  EXPECT_EQ(connections_from(*lvs2_, "10.0.0.1"), own1);
}

}  // namespace
}  // namespace lvsd::test
