// kernel tier: lvsd -f CONFIG programs IPVS and keeps it that way. Each test
// runs lvsd in a director namespace of its own (IPVS is per namespace).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
const std::string kLvsd = LVSD_BINARY;

constexpr const char* kConfig = R"(global:
  ipvs_resync_interval: 1s
virtual_servers:
  - address: 10.0.0.100
    port: 80
    lb_algo: rr
    lb_kind: DR
    real_servers:
      - { address: 10.0.0.11, port: 80 }
      - { address: 10.0.0.12, port: 80 }
  - address: 10.0.0.100
    port: 8080
    lb_algo: wrr
    lb_kind: NAT
    persistence_timeout: 300
    real_servers:
      - { address: 10.0.0.11, port: 8000, weight: 3 }
      - { address: 10.0.0.12, port: 8000, weight: 1 }
  - address: 10.0.0.101
    port: 443
    protocol: TCP
    lb_algo: lc
    lb_kind: TUN
    real_servers:
      - { address: 10.0.0.13, port: 443, weight: 2 }
  - fwmark: 7
    lb_algo: sh
    lb_kind: DR
    real_servers:
      - { address: 10.0.0.14 }
)";

constexpr const char* kExpected =
    "IP Virtual Server version 1.2.1 (size=4096)\n"
    "Prot LocalAddress:Port Scheduler Flags\n"
    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    "TCP  10.0.0.100:80 rr\n"
    "  -> 10.0.0.11:80                 Route   1      0          0         \n"
    "  -> 10.0.0.12:80                 Route   1      0          0         \n"
    "TCP  10.0.0.100:8080 wrr persistent 300\n"
    "  -> 10.0.0.11:8000               Masq    3      0          0         \n"
    "  -> 10.0.0.12:8000               Masq    1      0          0         \n"
    "TCP  10.0.0.101:443 lc\n"
    "  -> 10.0.0.13:443                Tunnel  2      0          0         \n"
    "FWM  7 sh\n"
    "  -> 10.0.0.14:0                  Route   1      0          0         \n";

class Lvsd : public ::testing::Test {
 protected:
  void SetUp() override {
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    dir_ = "/run/tmp/" + director_->netns();
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    write_config(kConfig);
  }
  void TearDown() override {
    lvsd_.reset();
    run_command("rm -rf " + dir_);
  }
  // Each test's lvsd answers on a control socket of its own.
  void write_config(const std::string& text) {
    std::string with_socket = text;
    const std::string socket_line = "  control_socket: " + socket() + "\n";
    if (with_socket.rfind("global:\n", 0) == 0) {
      with_socket.insert(8, socket_line);
    } else {
      with_socket = "global:\n" + socket_line + with_socket;
    }
    std::ofstream(dir_ + "/lvsd.yaml") << with_socket;
  }
  std::string socket() const { return dir_ + "/lvsd.sock"; }
  CommandResult lvsctl(const std::string& args) {
    return director_->run(std::string(LVSD_LVSCTL) + " --socket " + socket() + " " + args + " 2>&1");
  }
  void start() {
    lvsd_ = director_->spawn(kLvsd + " -f " + dir_ + "/lvsd.yaml --state-file " + dir_ + "/owned");
  }
  // Stops lvsd gracefully and returns what it logged.
  std::string stop() {
    lvsd_->signal(SIGTERM);
    EXPECT_NE(lvsd_->wait(5s), -1) << "lvsd did not stop on SIGTERM";
    std::string out = lvsd_->output();
    lvsd_.reset();
    return out;
  }
  bool logged(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    return wait_until([&] { return lvsd_->output().find(text) != std::string::npos; }, timeout);
  }
  std::string ipvsadm() { return director_->run("ipvsadm -Ln").output; }
  std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
    return n;
  }

  Topology topo_;
  Host* director_ = nullptr;
  std::string dir_;
  std::unique_ptr<Process> lvsd_;
};

TEST_F(Lvsd, ProgramsEveryVirtualServerOfTheConfig) {
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  EXPECT_EQ(ipvsadm(), kExpected);
}

TEST_F(Lvsd, SigtermLeavesIpvsAndRestartWritesNothing) {
  start();
  ASSERT_TRUE(logged("10 changes applied, 0 failed")) << lvsd_->output();
  std::string first = stop();
  EXPECT_NE(first.find("IPVS left as it is"), std::string::npos) << first;
  EXPECT_EQ(ipvsadm(), kExpected);

  start();
  ASSERT_TRUE(logged("kernel already matches (4 services), no change")) << lvsd_->output();
  ASSERT_TRUE(wait_until([&] { return lvsd_->output().find("drift") == std::string::npos; }, 100ms));
  std::string second = stop();
  EXPECT_EQ(second.find("NEW_"), std::string::npos) << second;
  EXPECT_EQ(second.find("DEL_"), std::string::npos) << second;
  EXPECT_EQ(ipvsadm(), kExpected);
}

TEST_F(Lvsd, DriftIsRepairedWithinOneResyncPeriod) {
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  // ipvsadm -d succeeds only for a destination that was there. Reading the
  // table now to see it gone would race with the 1 s resync (under load the
  // repair can come first); the "drift repaired" line below proves it was.
  ASSERT_EQ(director_->run("ipvsadm -d -t 10.0.0.100:80 -r 10.0.0.12:80").exit_code, 0);
  // resync every 1 s; allow for UML's slowness.
  EXPECT_TRUE(wait_until([&] { return ipvsadm() == kExpected; }, 5s)) << ipvsadm();
  EXPECT_TRUE(logged("drift repaired: NEW_DEST TCP 10.0.0.100:80 -> 10.0.0.12:80")) << lvsd_->output();
}

TEST_F(Lvsd, ForeignServicesAreLeftAlone) {
  ASSERT_EQ(director_->run("ipvsadm -A -t 10.9.9.9:25 -s rr").exit_code, 0);
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  std::this_thread::sleep_for(1500ms);  // one resync passes
  EXPECT_NE(ipvsadm().find("10.9.9.9:25"), std::string::npos);
}

TEST_F(Lvsd, ReloadAppliesOnlyTheDifference) {
  start();
  ASSERT_TRUE(logged("10 changes applied")) << lvsd_->output();
  std::string changed = kConfig;
  changed.replace(changed.find("weight: 3"), 9, "weight: 5");
  write_config(changed);
  lvsd_->signal(SIGHUP);
  ASSERT_TRUE(logged("reload: done")) << lvsd_->output();
  EXPECT_TRUE(logged("1 change applied, 0 failed")) << lvsd_->output();
  EXPECT_EQ(count(lvsd_->output(), "SET_DEST"), 1u) << lvsd_->output();
  EXPECT_NE(ipvsadm().find("10.0.0.11:8000               Masq    5"), std::string::npos) << ipvsadm();
}

TEST_F(Lvsd, BrokenReloadChangesNothing) {
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  write_config(std::string(kConfig) + "  - address: 10.0.0.102\n    port: 99999\n");
  lvsd_->signal(SIGHUP);
  ASSERT_TRUE(logged("reload refused")) << lvsd_->output();
  EXPECT_NE(lvsd_->output().find("virtual_servers[4].port"), std::string::npos) << lvsd_->output();
  EXPECT_TRUE(lvsd_->running());
  EXPECT_EQ(ipvsadm(), kExpected);
}

TEST_F(Lvsd, InvalidConfigRefusedAtStart) {
  write_config("virtual_servers:\n  - address: 10.0.0.100\n    port: 80\n    lb_algo: nosuch\n");
  start();
  EXPECT_EQ(lvsd_->wait(5s), 1 << 8) << lvsd_->output();  // exit status 1
  EXPECT_NE(lvsd_->output().find("lb_algo"), std::string::npos) << lvsd_->output();
  EXPECT_EQ(ipvsadm().find("10.0.0.100"), std::string::npos);
}

// Traffic through a service lvsd programmed: DR round robin, and a TCP
// connection opened before an lvsd restart still works after it.
TEST(LvsdTraffic, RoundRobinAndConnectionsSurviveRestart) {
  Topology topo;
  auto& client = topo.add_host("client", "10.0.0.1/24");
  auto& director = topo.add_host("lvs", "10.0.0.2/24");
  std::vector<std::unique_ptr<Process>> servers;
  for (const char* name : {"rs1", "rs2"}) {
    auto& rs = topo.add_host(name, std::string(name) == "rs1" ? "10.0.0.11/24" : "10.0.0.12/24");
    const std::string www = "/run/tmp/" + rs.netns();
    ASSERT_EQ(rs.run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                     "net.ipv4.conf.all.arp_announce=2 && mkdir -p " + www + " && echo " + name + " > " + www +
                     "/index.html")
                  .exit_code,
              0);
    servers.push_back(rs.spawn("busybox httpd -f -p 80 -h " + www));
    // A plain TCP echo service for the long-lived connection.
    servers.push_back(rs.spawn("busybox nc -ll -p 7000 -e cat"));
  }
  const std::string dir = "/run/tmp/" + director.netns();
  ASSERT_EQ(run_command("mkdir -p " + dir).exit_code, 0);
  std::ofstream(dir + "/lvsd.yaml") << R"(virtual_servers:
  - { address: 10.0.0.100, port: 80, lb_algo: rr, lb_kind: DR,
      real_servers: [ { address: 10.0.0.11, port: 80 }, { address: 10.0.0.12, port: 80 } ] }
  - { address: 10.0.0.100, port: 7000, lb_algo: rr, lb_kind: DR,
      real_servers: [ { address: 10.0.0.11, port: 7000 } ] }
)";
  ASSERT_EQ(director.run("ip addr add 10.0.0.100/24 dev eth0").exit_code, 0);
  const std::string cmd = kLvsd + " -f " + dir + "/lvsd.yaml --state-file " + dir + "/owned";
  auto lvsd = director.spawn(cmd);
  ASSERT_TRUE(wait_until([&] { return lvsd->output().find("changes applied") != std::string::npos; }, 5s))
      << lvsd->output();
  ASSERT_TRUE(wait_until([&] { return client.run("curl -s -m 1 http://10.0.0.100/").exit_code == 0; }, 10s));
  std::string a = client.run("curl -s -m 2 http://10.0.0.100/").output;
  std::string b = client.run("curl -s -m 2 http://10.0.0.100/").output;
  std::string c = client.run("curl -s -m 2 http://10.0.0.100/").output;
  EXPECT_NE(a, b);
  EXPECT_EQ(a, c);

  // A long-lived connection: a fifo feeds nc, so the test writes a line
  // before and after restarting lvsd on the same connection.
  const std::string fifo = dir + "/in";
  ASSERT_EQ(run_command("mkfifo " + fifo).exit_code, 0);
  auto conn = client.spawn("sh -c 'exec 3<>" + fifo + "; busybox nc 10.0.0.100 7000 <&3'");
  run_command("echo before > " + fifo);
  ASSERT_TRUE(wait_until([&] { return conn->output().find("before") != std::string::npos; }, 5s)) << conn->output();
  lvsd->signal(SIGTERM);
  ASSERT_NE(lvsd->wait(5s), -1);
  lvsd = director.spawn(cmd);
  ASSERT_TRUE(wait_until([&] { return lvsd->output().find("kernel already matches") != std::string::npos; }, 5s))
      << lvsd->output();
  run_command("echo after > " + fifo);
  EXPECT_TRUE(wait_until([&] { return conn->output().find("after") != std::string::npos; }, 5s)) << conn->output();
  EXPECT_TRUE(conn->running());
}

// Operator overrides through the control socket: a drained real server
// (no connections) leaves the table at the next poll, undrain brings it
// back; a disabled virtual server leaves the kernel, enable restores it.
TEST_F(Lvsd, DrainUndrainDisableEnableThroughLvsctl) {
  start();
  ASSERT_TRUE(wait_until([&] { return ipvsadm() == kExpected; }, 5s)) << ipvsadm();
  auto r = lvsctl("drain 10.0.0.100:80 10.0.0.11:80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.11:80 ") == std::string::npos; }, 5s)) << ipvsadm();
  EXPECT_NE(ipvsadm().find("10.0.0.12:80 "), std::string::npos) << ipvsadm();
  r = lvsctl("status");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("drained"), std::string::npos) << r.output;
  r = lvsctl("undrain 10.0.0.100:80 10.0.0.11:80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_until([&] { return ipvsadm() == kExpected; }, 5s)) << ipvsadm();

  r = lvsctl("disable 'TCP 10.0.0.100:8080'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.100:8080") == std::string::npos; }, 5s)) << ipvsadm();
  r = lvsctl("enable 10.0.0.100:8080");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_until([&] { return ipvsadm() == kExpected; }, 5s)) << ipvsadm();

  r = lvsctl("drain 10.0.0.100:80 10.0.0.99:80");
  EXPECT_NE(r.exit_code, 0) << "an unknown real server is an error\n" << r.output;
  EXPECT_EQ(ipvsadm(), kExpected);
}

// lvsctl restart: the new image adopts the kernel's table and writes
// nothing; the operator's drain carries over.
TEST_F(Lvsd, HitlessRestartWritesNothingToIpvs) {
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  auto r = lvsctl("drain 10.0.0.100:80 10.0.0.11:80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(wait_until([&] { return ipvsadm().find("10.0.0.11:80 ") == std::string::npos; }, 5s)) << ipvsadm();
  const std::string before = ipvsadm();
  r = lvsctl("restart");
  ASSERT_EQ(r.exit_code, 0) << r.output << lvsd_->output();
  EXPECT_TRUE(lvsd_->running());
  EXPECT_EQ(ipvsadm(), before);
  EXPECT_TRUE(logged("restarting in place")) << lvsd_->output();
  EXPECT_EQ(count(lvsd_->output(), "lvsd starting"), 2u) << lvsd_->output();
  const auto status = lvsctl("status --json");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("\"reconcile_operations\": 0"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("\"drained\""), std::string::npos) << status.output;
  r = lvsctl("undrain 10.0.0.100:80 10.0.0.11:80");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(wait_until([&] { return ipvsadm() == kExpected; }, 5s)) << ipvsadm();
}

}  // namespace
}  // namespace lvsd::test

namespace lvsd::test {
namespace {

TEST_F(Lvsd, StartsTheConnectionSyncDaemonFromTheConfig) {
  write_config(std::string("global:\n  lvs_sync_daemon: { interface: eth0, sync_id: 7 }\n") +
               std::string(kConfig).substr(std::string(kConfig).find("virtual_servers:")));
  start();
  ASSERT_TRUE(logged("ipvs sync daemon: backup started")) << lvsd_->output();
  auto daemons = director_->run("ipvsadm -L --daemon").output;
  EXPECT_NE(daemons.find("master sync daemon (mcast=eth0, syncid=7"), std::string::npos) << daemons;
  EXPECT_NE(daemons.find("backup sync daemon (mcast=eth0, syncid=7"), std::string::npos) << daemons;
  // A restart with the same settings leaves them running.
  stop();
  start();
  ASSERT_TRUE(logged("kernel already matches")) << lvsd_->output();
  EXPECT_EQ(lvsd_->output().find("sync daemon: master"), std::string::npos) << lvsd_->output();
}

// Maglev with its flags and sloppy TCP, what an active-active director
// needs: the flags reach the kernel's service (ipvsadm prints them) and the
// sloppy settings the namespace's net.ipv4.vs sysctls, lvs_timeouts the
// connection timeouts (ipvsadm -L --timeout), and a reload that drops a
// setting leaves the kernel's value alone.
TEST_F(Lvsd, SchedulerFlagsAndSloppySettingsReachTheKernel) {
  auto sysctl = [&](const std::string& name) {
    return director_->run("cat /proc/sys/net/ipv4/vs/" + name).output;
  };
  write_config(
      "global:\n  sloppy_tcp: true\n  sloppy_sctp: true\n  lvs_timeouts: {tcp: 7200s, udp: 45s}\nvirtual_servers:\n"
      "  - {address: 10.0.0.100, port: 80, lb_algo: mh, scheduler_flags: [mh-fallback, mh-port], lb_kind: DR,\n"
      "     real_servers: [{address: 10.0.0.11}, {address: 10.0.0.12}]}\n");
  start();
  ASSERT_TRUE(logged("changes applied")) << lvsd_->output();
  EXPECT_NE(ipvsadm().find("TCP  10.0.0.100:80 mh (mh-fallback,mh-port)"), std::string::npos) << ipvsadm();
  EXPECT_EQ(sysctl("sloppy_tcp"), "1\n");
  EXPECT_EQ(sysctl("sloppy_sctp"), "1\n");
  // tcpfin was not given: the kernel's default (120 s) stays.
  EXPECT_NE(director_->run("ipvsadm -L --timeout").output.find("Timeout (tcp tcpfin udp): 7200 120 45"),
            std::string::npos) << director_->run("ipvsadm -L --timeout").output;
  write_config(
      "global:\n  sloppy_tcp: false\n  lvs_timeouts: {tcpfin: 60s}\nvirtual_servers:\n"
      "  - {address: 10.0.0.100, port: 80, lb_algo: mh, scheduler_flags: [mh-port], lb_kind: DR,\n"
      "     real_servers: [{address: 10.0.0.11}, {address: 10.0.0.12}]}\n");
  lvsd_->signal(SIGHUP);
  ASSERT_TRUE(logged("reload: done")) << lvsd_->output();
  EXPECT_NE(ipvsadm().find("TCP  10.0.0.100:80 mh (mh-port)"), std::string::npos) << ipvsadm();
  EXPECT_EQ(sysctl("sloppy_tcp"), "0\n");
  EXPECT_EQ(sysctl("sloppy_sctp"), "1\n") << "a setting the file no longer names is left as it is";
  EXPECT_NE(director_->run("ipvsadm -L --timeout").output.find("Timeout (tcp tcpfin udp): 7200 60 45"),
            std::string::npos) << director_->run("ipvsadm -L --timeout").output;
}

}  // namespace
}  // namespace lvsd::test
