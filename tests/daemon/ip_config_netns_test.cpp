// static_ipaddress / static_routes / static_rules and a vrrp_instance's
// virtual_ipaddress_excluded / virtual_routes / virtual_rules with two real
// lvsd processes in network namespaces (netns tier: root, host kernel, no
// IPVS). What the kernel holds is read with ip(8), which nobody here wrote:
//   - the virtual ones are on the MASTER only and move with a failover;
//   - the static ones are on both from the start, go at a stop (as with
//     keepalived 2.2.7), and a reload puts back one removed by hand;
//   - `lvsd --cleanup` after kill -9 removes the virtual ones, not the static.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd {
namespace {

using namespace std::chrono_literals;
using test::Host;
using test::Process;
using test::Topology;
using test::run_command;
using test::wait_until;

const std::string kLvsd = LVSD_BINARY;

std::string config_text(const std::string& state, int priority, const std::string& static_address,
                        const std::string& socket, const std::string& routed = "10.60.0.0/16") {
  return "global:\n  control_socket: " + socket +
         "\n"
         "vrrp_instances:\n"
         "  - name: VI_1\n"
         "    state: " + state + "\n"
         "    interface: eth0\n"
         "    virtual_router_id: 51\n"
         "    priority: " + std::to_string(priority) + "\n"
         "    advert_int: 100ms\n"
         "    version: 3\n"
         "    virtual_ipaddress: [\"10.0.0.100/24\"]\n"
         "    virtual_ipaddress_excluded: [\"10.0.0.101/24\", \"fd00:60::1/64\"]\n"
         "    virtual_routes:\n"
         "      - \"" + routed + " via 10.0.0.3 dev eth0 src 10.0.0.100 table 160\"\n"
         "      - \"blackhole 10.61.0.0/16 table 160 metric 9\"\n"
         "      - \"blackhole fd00:62::/64 table 160\"\n"
         "    virtual_rules:\n"
         "      - \"from 10.0.0.100 table 160 priority 160\"\n"
         "      - \"fwmark 0x60/0xff lookup 160\"\n"
         "      - \"from fd00:60::1 table 160 priority 161\"\n"
         "static_ipaddress: [\"" + static_address + " dev eth0\"]\n"
         "static_routes: [\"10.50.0.0/16 via 10.0.0.3 table 150\"]\n"
         "static_rules: [\"to 10.50.0.0/16 table 150 priority 150\", \"fwmark 0x50 lookup 150\"]\n";
}

class Node {
 public:
  Node(Host& host, const std::string& dir, const std::string& state, int priority, const std::string& static_address)
      : host_(host), base_(dir + "/" + host.name() + "-"), state_(state), priority_(priority),
        static_address_(static_address) {
    std::ofstream(base_ + "lvsd.yaml") << config_text(state, priority, static_address, base_ + "lvsd.sock");
  }
  // The same file with another destination for the first virtual route.
  void rewrite(const std::string& routed) {
    std::ofstream(base_ + "lvsd.yaml") << config_text(state_, priority_, static_address_, base_ + "lvsd.sock", routed);
  }
  void start() { lvsd_ = host_.spawn(kLvsd + " -f " + base_ + "lvsd.yaml --state-file " + base_ + "owned"); }
  void stop() {
    lvsd_->signal(SIGTERM);
    EXPECT_NE(lvsd_->wait(5s), -1) << host_.name() << ": lvsd did not stop on SIGTERM";
  }
  void kill9() {
    lvsd_->signal(SIGKILL);
    lvsd_->wait(5s);
  }
  void reload() { lvsd_->signal(SIGHUP); }
  std::string run(const std::string& command) const { return host_.run(command + " 2>&1").output; }
  std::string table(int n) const { return run("ip route show table " + std::to_string(n)); }
  std::string rules() const { return run("ip rule show"); }
  std::string table6(int n) const { return run("ip -6 route show table " + std::to_string(n)); }
  std::string rules6() const { return run("ip -6 rule show"); }
  std::string addresses() const { return run("ip -o addr show dev eth0"); }
  bool has_vip() const { return addresses().find("10.0.0.100/") != std::string::npos; }
  bool has_virtual_routes() const {
    const std::string t = table(160);
    return t.find("10.60.0.0/16 via 10.0.0.3 dev eth0") != std::string::npos &&
           t.find("blackhole 10.61.0.0/16") != std::string::npos &&
           table6(160).find("blackhole fd00:62::/64") != std::string::npos;
  }
  bool has_virtual_rules() const {
    const std::string r = rules();
    return r.find("160:\tfrom 10.0.0.100 lookup 160") != std::string::npos &&
           r.find("fwmark 0x60/0xff lookup 160") != std::string::npos &&
           rules6().find("161:\tfrom fd00:60::1 lookup 160") != std::string::npos;
  }
  bool has_no_virtual() const {
    return table(160).find("10.6") == std::string::npos && rules().find("lookup 160") == std::string::npos &&
           table6(160).find("fd00") == std::string::npos && rules6().find("lookup 160") == std::string::npos &&
           addresses().find("10.0.0.101/") == std::string::npos && addresses().find("fd00:60::1/") == std::string::npos;
  }
  bool has_static() const {
    return table(150).find("10.50.0.0/16 via 10.0.0.3 dev eth0") != std::string::npos &&
           rules().find("150:\tfrom all to 10.50.0.0/16 lookup 150") != std::string::npos &&
           rules().find("from all fwmark 0x50 lookup 150") != std::string::npos;
  }
  std::string lvsctl(const std::string& args) const {
    return run(std::string(LVSD_LVSCTL) + " --socket " + base_ + "lvsd.sock " + args);
  }
  std::string cleanup() const { return run(kLvsd + " --cleanup -f " + base_ + "lvsd.yaml"); }
  std::string log() const { return lvsd_ ? lvsd_->output() : std::string(); }

 private:
  Host& host_;
  std::string base_;
  std::string state_;
  int priority_;
  std::string static_address_;
  std::unique_ptr<Process> lvsd_;
};

class IpConfigNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    a_host_ = &topo_.add_host("a", "10.0.0.1/24");
    b_host_ = &topo_.add_host("b", "10.0.0.2/24");
    topo_.add_host("c", "10.0.0.3/24");
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + topo_.id() + "-ipconfig";
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
    a_ = std::make_unique<Node>(*a_host_, dir_, "MASTER", 100, "10.0.0.51/24");
    b_ = std::make_unique<Node>(*b_host_, dir_, "BACKUP", 50, "10.0.0.52/24");
    b_->start();
    a_->start();
    ASSERT_TRUE(wait_until([&] { return a_->has_vip(); }, 5s)) << "a never became master";
  }
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- a log\n" << a_->log() << "--- b log\n" << b_->log();
      std::cerr << "--- a\n" << a_->table(160) << a_->rules() << "--- b\n" << b_->table(160) << b_->rules();
    }
    a_.reset();
    b_.reset();
    run_command("rm -rf " + dir_);
  }

  Topology topo_;
  Host* a_host_ = nullptr;
  Host* b_host_ = nullptr;
  std::string dir_;
  std::unique_ptr<Node> a_, b_;
};

TEST_F(IpConfigNetns, VirtualRoutesAndRulesFollowTheMasterStaticOnesStay) {
  // The master holds the virtual ones (the excluded addresses too), the backup none.
  ASSERT_TRUE(wait_until([&] { return a_->has_virtual_routes() && a_->has_virtual_rules(); }, 2s));
  EXPECT_NE(a_->addresses().find("10.0.0.101/24"), std::string::npos) << a_->addresses();
  EXPECT_NE(a_->addresses().find("fd00:60::1/64"), std::string::npos) << a_->addresses();
  EXPECT_NE(a_->table(160).find("src 10.0.0.100"), std::string::npos) << a_->table(160);
  EXPECT_NE(a_->table(160).find("proto keepalived"), std::string::npos) << a_->table(160);
  EXPECT_TRUE(b_->has_no_virtual()) << b_->table(160) << b_->rules();
  // Static ones on both, whatever the role.
  EXPECT_TRUE(a_->has_static()) << a_->table(150) << a_->rules();
  EXPECT_TRUE(b_->has_static()) << b_->table(150) << b_->rules();
  EXPECT_NE(b_->addresses().find("10.0.0.52/24"), std::string::npos);
  // Status says what the master holds.
  const std::string status = a_->lvsctl("status");
  EXPECT_NE(status.find("VI_1 holds route 10.60.0.0/16 via 10.0.0.3 dev eth0 src 10.0.0.100 table 160"),
            std::string::npos)
      << status;
  EXPECT_NE(status.find("VI_1 holds rule from 10.0.0.100/32 table 160 priority 160"), std::string::npos) << status;
  EXPECT_EQ(b_->lvsctl("status").find("holds route"), std::string::npos);

  // A graceful stop of the master: everything virtual moves to b, and a
  // removes its static ones too, as keepalived 2.2.7 does.
  a_->stop();
  ASSERT_TRUE(wait_until([&] { return b_->has_vip() && b_->has_virtual_routes() && b_->has_virtual_rules(); }, 3s));
  EXPECT_NE(b_->addresses().find("10.0.0.101/24"), std::string::npos);
  EXPECT_TRUE(a_->has_no_virtual()) << a_->table(160) << a_->rules() << a_->addresses();
  EXPECT_EQ(a_->table(150).find("10.50.0.0/16"), std::string::npos) << a_->table(150);
  EXPECT_EQ(a_->rules().find("lookup 150"), std::string::npos) << a_->rules();
  EXPECT_EQ(a_->addresses().find("10.0.0.51/24"), std::string::npos) << a_->addresses();

  // A static route and rule removed by hand come back with a reload, once each.
  b_->run("ip route del 10.50.0.0/16 table 150");
  b_->run("ip rule del priority 150");
  ASSERT_FALSE(b_->has_static());
  b_->reload();
  EXPECT_TRUE(wait_until([&] { return b_->has_static(); }, 3s)) << b_->table(150) << b_->rules();
  b_->reload();
  EXPECT_TRUE(wait_until([&] { return b_->log().find("reload: done") != b_->log().rfind("reload: done"); }, 3s));
  const std::string rules = b_->rules();
  // Once each: a rule without a priority is not added a second time.
  EXPECT_EQ(rules.find("to 10.50.0.0/16 lookup 150"), rules.rfind("to 10.50.0.0/16 lookup 150")) << rules;
  EXPECT_EQ(rules.find("fwmark 0x50 lookup 150"), rules.rfind("fwmark 0x50 lookup 150")) << rules;
  EXPECT_EQ(rules.find("fwmark 0x60/0xff"), rules.rfind("fwmark 0x60/0xff")) << rules;

  // A reload that changes a virtual route swaps it on the master in place:
  // no rebuild, no failover, the other routes and rules untouched.
  b_->rewrite("10.62.0.0/16");
  b_->reload();
  EXPECT_TRUE(wait_until([&] { return b_->table(160).find("10.62.0.0/16 via 10.0.0.3") != std::string::npos; }, 3s))
      << b_->table(160);
  EXPECT_EQ(b_->table(160).find("10.60.0.0/16"), std::string::npos) << b_->table(160);
  EXPECT_NE(b_->table(160).find("blackhole 10.61.0.0/16"), std::string::npos) << b_->table(160);
  EXPECT_TRUE(b_->has_vip());
  EXPECT_EQ(b_->log().find("changed, rebuilding"), std::string::npos) << b_->log();
  EXPECT_NE(b_->lvsctl("status").find("VI_1 holds route 10.62.0.0/16"), std::string::npos);
}

TEST_F(IpConfigNetns, CleanupAfterKill9RemovesTheVirtualOnesOnly) {
  ASSERT_TRUE(wait_until([&] { return a_->has_virtual_routes() && a_->has_virtual_rules(); }, 2s));
  a_->kill9();
  ASSERT_TRUE(a_->has_virtual_routes());  // a crash leaves them behind
  const std::string out = a_->cleanup();
  EXPECT_NE(out.find("removed virtual route 10.60.0.0/16"), std::string::npos) << out;
  EXPECT_TRUE(a_->has_no_virtual()) << a_->table(160) << a_->rules() << a_->addresses();
  EXPECT_TRUE(a_->has_static()) << a_->table(150) << a_->rules();
  EXPECT_TRUE(wait_until([&] { return b_->has_virtual_routes() && b_->has_virtual_rules(); }, 3s));
}

}  // namespace
}  // namespace lvsd
