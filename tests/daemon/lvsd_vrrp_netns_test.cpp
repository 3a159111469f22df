// Two real lvsd processes running VRRP on a bridge with a client (netns
// tier: root, host kernel, no IPVS needed since the configs have no
// virtual_servers). Timings are asserted against the RFC intervals.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/netns.hpp"
#include "vrrp/timers.hpp"

namespace lvsd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::Host;
using test::Process;
using test::Topology;
using test::run_command;
using test::wait_until;

const std::string kLvsd = LVSD_BINARY;
constexpr const char* kVip = "10.0.0.100";

struct NodeSettings {
  std::string state = "BACKUP";
  int priority = 100;
  int version = 2;
  std::string advert_int = "1s";
  bool nopreempt = false;
  std::string preempt_delay{};
  std::string extra_instance_yaml{};  // more keys of the instance, each line indented by 4
  std::string global_yaml{};          // keys under global:, each line indented by 2
  std::string trailing_yaml{};        // top-level keys after the instance
};

std::string config_text(const NodeSettings& s, const std::string& control_socket) {
  std::string text = "global:\n  control_socket: " + control_socket + "\n" + s.global_yaml;
  text += "vrrp_instances:\n"
                     "  - name: VI_1\n"
                     "    state: " + s.state + "\n"
                     "    interface: eth0\n"
                     "    virtual_router_id: 51\n"
                     "    priority: " + std::to_string(s.priority) + "\n"
                     "    advert_int: " + s.advert_int + "\n"
                     "    version: " + std::to_string(s.version) + "\n"
                     "    garp_master_delay: 1s\n"
                     "    virtual_ipaddress:\n"
                     "      - \"" + std::string(kVip) + "/24 dev eth0 label eth0:vip\"\n";
  if (s.version == 2) text += "    authentication:\n      type: PASS\n      pass: \"1111\"\n";
  if (s.nopreempt) text += "    nopreempt: true\n";
  if (!s.preempt_delay.empty()) text += "    preempt_delay: " + s.preempt_delay + "\n";
  return text + s.extra_instance_yaml + s.trailing_yaml;
}

class Node {
 public:
  Node(Host& host, std::string dir, NodeSettings settings)
      : host_(host), dir_(std::move(dir)), settings_(std::move(settings)) {
    std::ofstream(path("lvsd.yaml")) << config_text(settings_, socket());
  }
  void start() { lvsd_ = host_.spawn(kLvsd + " -f " + path("lvsd.yaml") + " --state-file " + path("owned")); }
  void stop() {
    lvsd_->signal(SIGTERM);
    EXPECT_NE(lvsd_->wait(5s), -1) << host_.name() << ": lvsd did not stop on SIGTERM";
  }
  void rewrite(const NodeSettings& settings) {
    settings_ = settings;
    std::ofstream(path("lvsd.yaml")) << config_text(settings_, socket());
  }
  void signal(int signum) { lvsd_->signal(signum); }
  void kill9() {
    lvsd_->signal(SIGKILL);
    lvsd_->wait(5s);
  }
  bool has_vip() const {
    return host_.run("ip -4 -o addr show dev eth0").output.find(std::string(kVip) + "/") != std::string::npos;
  }
  std::string log() const { return lvsd_ ? lvsd_->output() : std::string(); }
  std::string socket() const { return path("lvsd.sock"); }
  std::string config_path() const { return path("lvsd.yaml"); }
  bool running() { return lvsd_ && lvsd_->running(); }
  // lvsctl against this node's control socket, run inside its namespace.
  test::CommandResult lvsctl(const std::string& args) const {
    return host_.run(std::string(LVSD_LVSCTL) + " --socket " + socket() + " " + args + " 2>&1");
  }
  Host& host() { return host_; }
  const NodeSettings& settings() const { return settings_; }

 private:
  std::string path(const std::string& name) const { return dir_ + "/" + host_.name() + "-" + name; }
  Host& host_;
  std::string dir_;
  NodeSettings settings_;
  std::unique_ptr<Process> lvsd_;
};

vrrp::Version version_of(const NodeSettings& s) { return s.version == 3 ? vrrp::Version::kV3 : vrrp::Version::kV2; }
vrrp::Centiseconds interval_of(const NodeSettings& s) {
  return s.advert_int == "1s" ? vrrp::Centiseconds{100} : vrrp::Centiseconds{10};
}

class LvsdVrrp : public ::testing::Test {
 protected:
  void SetUp() override {
    a_host_ = &topo_.add_host("a", "10.0.0.1/24");
    b_host_ = &topo_.add_host("b", "10.0.0.2/24");
    client_ = &topo_.add_host("c", "10.0.0.3/24");
    const char* tmp = std::getenv("TMPDIR");
    dir_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + topo_.id() + "-vrrp";
    ASSERT_EQ(run_command("mkdir -p " + dir_).exit_code, 0);
  }
  void TearDown() override {
    if (HasFailure()) {
      if (master_) std::cerr << "--- master log\n" << master_->log();
      if (backup_) std::cerr << "--- backup log\n" << backup_->log();
    }
    master_.reset();
    backup_.reset();
    run_command("rm -rf " + dir_);
  }
  // MASTER 100 on a, BACKUP 50 on b; returns once a holds the VIP.
  // A master slow to start (a large file) lets the backup take the VIP first:
  // then it must have given it back within 2 s.
  void start_pair(NodeSettings master, NodeSettings backup, bool master_starts_slowly = false) {
    master_ = std::make_unique<Node>(*a_host_, dir_, master);
    backup_ = std::make_unique<Node>(*b_host_, dir_, backup);
    backup_->start();
    master_->start();
    const auto mdi = vrrp::master_down_interval(version_of(master), static_cast<std::uint8_t>(master.priority),
                                                interval_of(master));
    ASSERT_TRUE(wait_until([&] { return master_->has_vip(); },
                           std::chrono::duration_cast<std::chrono::milliseconds>(mdi) + (master_starts_slowly ? 30s : 3s)))
        << "the master never took the VIP";
    if (master_starts_slowly) {
      EXPECT_TRUE(wait_until([&] { return !backup_->has_vip(); }, 2s));
    } else {
      EXPECT_FALSE(backup_->has_vip());
    }
  }
  std::string client_neighbour_mac() {
    return client_->run(std::string("ip neigh show ") + kVip + " dev eth0").output;
  }
  static NodeSettings master_settings(int version = 2, std::string advert = "1s") {
    return NodeSettings{.state = "MASTER", .priority = 100, .version = version, .advert_int = advert};
  }
  static NodeSettings backup_settings(int version = 2, std::string advert = "1s") {
    return NodeSettings{.state = "BACKUP", .priority = 50, .version = version, .advert_int = advert};
  }
  std::chrono::milliseconds backup_master_down() const {
    const auto& s = backup_->settings();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        vrrp::master_down_interval(version_of(s), static_cast<std::uint8_t>(s.priority), interval_of(s)));
  }
  std::chrono::milliseconds backup_skew() const {
    const auto& s = backup_->settings();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        vrrp::skew_time(version_of(s), static_cast<std::uint8_t>(s.priority), interval_of(s)));
  }

  // (a) The master's cable is pulled: the backup owns the VIP within
  // Master_Down_Interval + 100 ms and the client's ARP entry follows (GARP).
  void link_down_failover(int version, const std::string& advert) {
    start_pair(master_settings(version, advert), backup_settings(version, advert));
    ASSERT_EQ(client_->run(std::string("ping -c1 -W1 ") + kVip).exit_code, 0);
    ASSERT_NE(client_neighbour_mac().find(a_host_->mac()), std::string::npos) << client_neighbour_mac();
    const auto t0 = Clock::now();
    topo_.set_link(*a_host_, false);
    ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, backup_master_down() + 2s, 5ms));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    EXPECT_LE(took, backup_master_down() + 100ms) << "Master_Down_Interval " << backup_master_down().count() << " ms";
    EXPECT_TRUE(wait_until([&] { return client_neighbour_mac().find(b_host_->mac()) != std::string::npos; }, 1s))
        << client_neighbour_mac();
  }

  Topology topo_;
  Host* a_host_ = nullptr;
  Host* b_host_ = nullptr;
  Host* client_ = nullptr;
  std::string dir_;
  std::unique_ptr<Node> master_, backup_;
};

TEST_F(LvsdVrrp, LinkDownFailoverV2OneSecond) { link_down_failover(2, "1s"); }

TEST_F(LvsdVrrp, LinkDownFailoverV3HundredMilliseconds) { link_down_failover(3, "100ms"); }

// (c) SIGTERM: the master resigns with priority 0; the backup waits only Skew_Time.
TEST_F(LvsdVrrp, GracefulStopHandsOverWithinSkewTime) {
  start_pair(master_settings(), backup_settings());
  const auto t0 = Clock::now();
  master_->stop();
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, 5s, 5ms));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  EXPECT_LE(took, backup_skew() + 100ms) << "Skew_Time " << backup_skew().count() << " ms";
  EXPECT_FALSE(master_->has_vip()) << "a stopped master must release the VIP";
  EXPECT_NE(master_->log().find("MASTER -> INIT"), std::string::npos);
}

// (d) kill -9 leaves the VIP behind; the restarted lvsd removes it first
// and then takes over by preemption: from then on never two holders.
TEST_F(LvsdVrrp, RestartAfterKill9NeverLeavesTwoHolders) {
  start_pair(master_settings(), backup_settings());
  master_->kill9();
  EXPECT_TRUE(master_->has_vip()) << "kill -9 cannot release the VIP";
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, backup_master_down() + 2s));
  master_->start();
  // The restarted process removes the leftover before anything else.
  ASSERT_TRUE(wait_until([&] { return !master_->has_vip(); }, 2s, 5ms)) << master_->log();
  int both = 0, none = 0, samples = 0;
  const auto end = Clock::now() + 6s;
  bool master_holds = false;
  while (Clock::now() < end) {
    const bool a = master_->has_vip();
    const bool b = backup_->has_vip();
    both += a && b;
    none += !a && !b;
    ++samples;
    master_holds = a && !b;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(both, 0) << "of " << samples << " samples";
  // The only moment without a holder is the hand-over itself.
  EXPECT_LE(none, 1) << "of " << samples << " samples";
  EXPECT_TRUE(master_holds) << "the higher priority should have preempted";
}

// (b) The master comes back after a stop: it preempts.
TEST_F(LvsdVrrp, ReturningMasterPreempts) {
  start_pair(master_settings(), backup_settings());
  master_->stop();
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, 3s));
  master_->start();
  EXPECT_TRUE(wait_until([&] { return master_->has_vip() && !backup_->has_vip(); }, 6s));
}

// (b) With nopreempt the returning higher-priority node stays backup.
TEST_F(LvsdVrrp, ReturningNodeWithNopreemptStaysBackup) {
  NodeSettings high = master_settings();
  high.state = "BACKUP";
  high.nopreempt = true;
  start_pair(high, backup_settings());
  master_->stop();
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, 3s));
  master_->start();
  EXPECT_FALSE(wait_until([&] { return master_->has_vip(); }, 6s));
  EXPECT_TRUE(backup_->has_vip());
}

// (b) With preempt_delay it takes over only after the delay.
TEST_F(LvsdVrrp, ReturningMasterPreemptsAfterPreemptDelay) {
  NodeSettings high = master_settings();
  high.preempt_delay = "3s";
  start_pair(high, backup_settings());
  master_->stop();
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, 3s));
  const auto t0 = Clock::now();
  master_->start();
  ASSERT_TRUE(wait_until([&] { return master_->has_vip(); }, 10s, 50ms));
  const auto took = Clock::now() - t0;
  // Without the delay it would take one Master_Down_Interval (3.6 s).
  EXPECT_GE(took, 3s + 3s) << "preempted before preempt_delay + Master_Down_Interval";
  EXPECT_FALSE(backup_->has_vip());
}

// (e) Split brain: both masters while the cable is out; on reconnect one
// master within an advert interval, and the winner announces the VIP again.
// dont_track_primary: the backup must not see its own carrier go (as when a
// switch further along fails), or it would go to FAULT instead of MASTER.
// higher_prio_send_advert: the loser's last advert makes the winner announce
// the VIP even when the loser heard the winner first (keepalived's default,
// without it, leaves that to chance: docs/config.md "Master replies").
TEST_F(LvsdVrrp, SplitBrainHealsWithOneMasterAndAFreshGarp) {
  NodeSettings m = master_settings(), b = backup_settings();
  m.extra_instance_yaml = b.extra_instance_yaml = "    dont_track_primary: true\n    higher_prio_send_advert: true\n";
  start_pair(m, b);
  topo_.set_link(*b_host_, false);
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, backup_master_down() + 2s));
  EXPECT_TRUE(master_->has_vip());
  // The client was told the other master's MAC (as its GARP would do on a
  // segment it reached): the winner must correct it after the heal.
  ASSERT_EQ(client_->run(std::string("ip neigh replace ") + kVip + " lladdr " + b_host_->mac() +
                         " dev eth0 nud stale").exit_code, 0);
  const auto t0 = Clock::now();
  topo_.set_link(*b_host_, true);
  ASSERT_TRUE(wait_until([&] { return !backup_->has_vip(); }, 3s, 10ms));
  const auto took = Clock::now() - t0;
  EXPECT_LE(took, 1s + 100ms);
  EXPECT_TRUE(master_->has_vip());
  EXPECT_TRUE(wait_until([&] { return client_neighbour_mac().find(a_host_->mac()) != std::string::npos; }, 1s))
      << client_neighbour_mac();
}

// SIGHUP: unchanged instances keep state and timers, and a master
// advertises before the slow work: the backup never takes over, even at
// 100 ms adverts (Master_Down_Interval 380 ms).
TEST_F(LvsdVrrp, ReloadNeverCausesAFailover) {
  start_pair(master_settings(3, "100ms"), backup_settings(3, "100ms"));
  // Started first, the backup may have been master for a moment before the
  // master's first advert: only what it logs from here on counts.
  const std::size_t backup_log_start = backup_->log().size();
  NodeSettings changed = master_->settings();
  changed.extra_instance_yaml = "    notify_master: /bin/true\n";  // not a VRRP setting: kept
  bool backup_held = false;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) master_->rewrite(changed);
    master_->signal(SIGHUP);
    for (int j = 0; j < 10; ++j) {
      backup_held = backup_held || backup_->has_vip();
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_FALSE(backup_held);
  EXPECT_TRUE(master_->has_vip());
  const std::string log = master_->log();
  EXPECT_NE(log.find("reload: done"), std::string::npos);
  EXPECT_EQ(log.find("changed, rebuilding"), std::string::npos);
  EXPECT_EQ(backup_->log().find("BACKUP -> MASTER", backup_log_start), std::string::npos) << backup_->log();
}

// A changed VRRP setting rebuilds the instance.
TEST_F(LvsdVrrp, ReloadRebuildsAChangedInstance) {
  start_pair(master_settings(), backup_settings());
  NodeSettings changed = master_->settings();
  changed.priority = 120;
  master_->rewrite(changed);
  master_->signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return master_->log().find("changed, rebuilding") != std::string::npos; }, 2s));
  EXPECT_TRUE(wait_until([&] { return master_->log().find("priority 120") != std::string::npos; }, 2s));
}

// Notify scripts get keepalived's arguments; spawned without blocking.
TEST_F(LvsdVrrp, NotifyScriptsRunOnTransitions) {
  const std::string out = dir_ + "/notify.out";
  const std::string script = dir_ + "/notify.sh";
  std::ofstream(script) << "#!/bin/sh\necho \"$*\" >> " << out << "\n";
  ASSERT_EQ(run_command("chmod +x " + script).exit_code, 0);
  NodeSettings m = master_settings();
  m.global_yaml = "  notify: " + script + "\n";
  m.extra_instance_yaml = "    notify_master: \"" + script + " to-master\"\n";
  start_pair(m, backup_settings());
  auto contents = [&] {
    std::ifstream in(out);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_TRUE(wait_until([&] { return contents().find("INSTANCE VI_1 MASTER 100") != std::string::npos; }, 2s))
      << contents();
  EXPECT_NE(contents().find("INSTANCE VI_1 BACKUP 100"), std::string::npos) << contents();
  EXPECT_NE(contents().find("to-master"), std::string::npos) << contents();
  master_->stop();
  EXPECT_TRUE(wait_until([&] { return contents().find("INSTANCE VI_1 STOP 100") != std::string::npos; }, 2s))
      << contents();
}

// track_interface over rtnetlink: the master's own link losing carrier
// sends it to FAULT (VIP released at once); carrier back: it preempts again.
TEST_F(LvsdVrrp, TrackedLinkDownIsFaultAndUpRestores) {
  NodeSettings m = master_settings();
  m.extra_instance_yaml = "    track_interface:\n      - eth0\n";
  start_pair(m, backup_settings());
  topo_.set_link(*a_host_, false);
  EXPECT_TRUE(wait_until([&] { return !master_->has_vip(); }, 500ms)) << master_->log();
  EXPECT_TRUE(wait_until([&] { return master_->log().find("MASTER -> FAULT") != std::string::npos; }, 1s));
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, backup_master_down() + 2s));
  topo_.set_link(*a_host_, true);
  EXPECT_TRUE(wait_until([&] { return master_->has_vip() && !backup_->has_vip(); }, 6s)) << master_->log();
  EXPECT_NE(master_->log().find("FAULT -> BACKUP"), std::string::npos);
}

// keepalived's primary-interface tracking, with no track_interface at all:
// the instance's own interface losing carrier is FAULT too (dont_track_primary
// turns it off: SplitBrainHealsWithOneMasterAndAFreshGarp).
TEST_F(LvsdVrrp, OwnInterfaceIsTrackedByDefault) {
  start_pair(master_settings(), backup_settings());
  topo_.set_link(*a_host_, false);
  EXPECT_TRUE(wait_until([&] { return !master_->has_vip(); }, 500ms)) << master_->log();
  EXPECT_TRUE(wait_until([&] { return master_->log().find("MASTER -> FAULT") != std::string::npos; }, 1s))
      << master_->log();
  ASSERT_TRUE(wait_until([&] { return backup_->has_vip(); }, backup_master_down() + 2s));
  topo_.set_link(*a_host_, true);
  EXPECT_TRUE(wait_until([&] { return master_->has_vip() && !backup_->has_vip(); }, 6s)) << master_->log();
}

}  // namespace
}  // namespace lvsd

namespace lvsd {
namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

nlohmann::json status_json(const Node& node) {
  const auto r = node.lvsctl("status --json");
  if (r.exit_code != 0) return nlohmann::json{{"lvsctl_failed", r.output}};
  const auto j = nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? nlohmann::json{{"unparsable", r.output}} : j;
}

std::string vrrp_state(const Node& node) {
  const auto j = status_json(node);
  if (!j.contains("result") || j["result"]["vrrp_instances"].empty()) return j.dump();
  return j["result"]["vrrp_instances"][0]["state"].get<std::string>();
}

// lvsctl restart: lvsd re-executes itself (same pid) and resumes as master at
// once, keeping its VIP: at 100 ms adverts (the backup's
// Master_Down_Interval is 380 ms) the backup never takes over.
TEST_F(LvsdVrrp, HitlessRestartKeepsTheVipAndTheBackupNeverTakesOver) {
  start_pair(master_settings(3, "100ms"), backup_settings(3, "100ms"));
  // Started first, the backup may have been master for a moment before the
  // master's first advert: only what it logs from here on counts.
  const std::size_t backup_log_start = backup_->log().size();
  for (int round = 1; round <= 3; ++round) {
    const auto r = master_->lvsctl("restart");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("answers again"), std::string::npos) << r.output;
    bool backup_held = false, master_lost = false;
    for (int i = 0; i < 25; ++i) {
      backup_held = backup_held || backup_->has_vip();
      master_lost = master_lost || !master_->has_vip();
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_FALSE(backup_held) << "round " << round;
    EXPECT_FALSE(master_lost) << "round " << round;
  }
  EXPECT_TRUE(master_->running()) << "a restart in place keeps the process (and its pid)";
  EXPECT_EQ(count_of(master_->log(), "resumed as master after a restart in place"), 3u) << master_->log();
  EXPECT_EQ(backup_->log().find("BACKUP -> MASTER", backup_log_start), std::string::npos) << backup_->log();
  EXPECT_EQ(vrrp_state(*master_), "MASTER");
}

// A restart with a large configuration file: the new image advertises from
// the VRRP part of the handover while it reads and parses the file off the
// loop. The file below takes ~0.7 s of CPU to read on an idle machine (the
// test prints what it took here), about twice the backup's
// Master_Down_Interval (380 ms); when the new image read the file before
// advertising, the backup took over on every restart.
TEST_F(LvsdVrrp, HitlessRestartWithALargeFileKeepsTheVip) {
  NodeSettings m = master_settings(3, "100ms");
  m.trailing_yaml = "vrrp_scripts:\n";  // defined, tracked by no instance: read, never run
  for (int i = 0; i < 45'000; ++i) {
    m.trailing_yaml += "  - name: unused_" + std::to_string(i) + "\n    script: /bin/true " + std::to_string(i) +
                       "\n    interval: 2s\n";
  }
  const std::string comment = "# " + std::string(98, 'x') + "\n";
  m.trailing_yaml.reserve(m.trailing_yaml.size() + 290'000 * comment.size());
  for (int i = 0; i < 290'000; ++i) m.trailing_yaml += comment;
  start_pair(m, backup_settings(3, "100ms"), /*master_starts_slowly=*/true);
  const auto t0 = Clock::now();
  ASSERT_EQ(run_command(kLvsd + " -t -f " + master_->config_path() + " >/dev/null 2>&1").exit_code, 0);
  std::cout << "reading the master's file (lvsd -t) took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()
            << " ms; the backup's Master_Down_Interval is " << backup_master_down().count() << " ms\n";
  const std::size_t backup_log_start = backup_->log().size();
  for (int round = 1; round <= 2; ++round) {
    const std::size_t master_log_start = master_->log().size();
    const auto r = master_->lvsctl("restart");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    bool backup_held = false, master_lost = false;
    for (int i = 0; i < 50; ++i) {  // lvsctl returned once the new image answers; 1 s more
      backup_held = backup_held || backup_->has_vip();
      master_lost = master_lost || !master_->has_vip();
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_FALSE(backup_held) << "round " << round;
    EXPECT_FALSE(master_lost) << "round " << round;
    EXPECT_NE(master_->log().find("advertising as master while the configuration is read", master_log_start),
              std::string::npos)
        << master_->log().substr(master_log_start);
  }
  EXPECT_EQ(backup_->log().find("BACKUP -> MASTER", backup_log_start), std::string::npos) << backup_->log();
  EXPECT_EQ(vrrp_state(*master_), "MASTER");
}

// A second signal 1-8 ms after SIGUSR2 lands while the new image starts
// (issue #17): the daemon's signals stay blocked across the exec and are
// handled once its loop runs. A second SIGUSR2 restarts again, a SIGHUP
// reloads, a SIGTERM stops gracefully; none kills lvsd, none loses the VIP
// to the backup (except the stop, which hands it over), no handover file
// is left behind.
TEST_F(LvsdVrrp, ASecondSignalDuringAHitlessRestartIsHandledNotFatal) {
  start_pair(master_settings(3, "100ms"), backup_settings(3, "100ms"));
  const std::size_t backup_log_start = backup_->log().size();
  const std::string handover = dir_ + "/a-owned.handover";
  int round = 0;
  for (int second : {SIGUSR2, SIGHUP}) {
    for (int delay_ms : {1, 2, 4, 8}) {
      ++round;
      master_->signal(SIGUSR2);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      master_->signal(second);
      bool backup_held = false;
      for (int i = 0; i < 40; ++i) {
        backup_held = backup_held || backup_->has_vip();
        std::this_thread::sleep_for(20ms);
      }
      ASSERT_TRUE(master_->running()) << "signal " << second << " " << delay_ms << " ms after SIGUSR2 killed lvsd";
      EXPECT_FALSE(backup_held) << "round " << round;
      EXPECT_TRUE(master_->has_vip()) << "round " << round;
      const auto status = master_->lvsctl("status");
      EXPECT_EQ(status.exit_code, 0) << "round " << round << ": " << status.output;
    }
  }
  // Every restart resumed as master; the SIGHUPs were reloads.
  EXPECT_GE(count_of(master_->log(), "resumed as master after a restart in place"), 8u) << master_->log();
  EXPECT_GE(count_of(master_->log(), "reload: done"), 4u) << master_->log();
  EXPECT_EQ(backup_->log().find("BACKUP -> MASTER", backup_log_start), std::string::npos) << backup_->log();

  // SIGTERM right after SIGUSR2: a graceful stop of the new image.
  master_->signal(SIGUSR2);
  std::this_thread::sleep_for(3ms);
  master_->signal(SIGTERM);
  ASSERT_TRUE(wait_until([&] { return !master_->running(); }, 10s)) << "lvsd did not stop";
  EXPECT_NE(master_->log().find("lvsd stopped"), std::string::npos) << master_->log();
  EXPECT_TRUE(wait_until([&] { return backup_->has_vip(); }, 2s)) << "the VIP did not move to the backup";
  EXPECT_FALSE(master_->has_vip());
  EXPECT_FALSE(std::filesystem::exists(handover));
}

// The control socket: each node reports its role; a broken file is refused
// with its errors (lvsctl exits non-zero) and nothing changes; a good one applies.
TEST_F(LvsdVrrp, ControlSocketReportsRolesAndRefusesABadReload) {
  start_pair(master_settings(), backup_settings());
  EXPECT_EQ(vrrp_state(*master_), "MASTER");
  EXPECT_EQ(vrrp_state(*backup_), "BACKUP");
  const auto text = backup_->lvsctl("status");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("10.0.0.1"), std::string::npos) << "the backup names the master\n" << text.output;

  std::ofstream(master_->config_path()) << "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n"
                                           "    virtual_router_id: 51\n    priority: 900\n";
  const auto refused = master_->lvsctl("reload");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find(master_->config_path() + ":5:"), std::string::npos) << refused.output;
  EXPECT_TRUE(master_->has_vip());
  EXPECT_EQ(vrrp_state(*master_), "MASTER");
  const auto after = status_json(*master_);
  EXPECT_EQ(after["result"]["counters"]["reloads_failed"], 1) << after.dump();

  master_->rewrite(master_->settings());
  const auto applied = master_->lvsctl("reload");
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(status_json(*master_)["result"]["counters"]["reloads_succeeded"], 1);
  EXPECT_EQ(backup_->log().find("BACKUP -> MASTER"), std::string::npos);
}

}  // namespace
}  // namespace lvsd

namespace lvsd {
namespace {

// VRRPv3 over IPv6 (RFC 5798 5.1.2): adverts from the link-local address to
// ff02::12; the VIP moves to the backup when the master's cable is pulled,
// and the client's neighbour entry follows (unsolicited neighbour advert).
TEST_F(LvsdVrrp, Ipv6FailoverMovesTheVipAndTheNeighbourEntry) {
  const std::string vip6 = "fd00::100";
  auto ipv6_config = [&](const char* state, int priority) {
    return std::string("vrrp_instances:\n"
                       "  - name: VI_6\n"
                       "    state: ") + state + "\n"
           "    interface: eth0\n"
           "    virtual_router_id: 61\n"
           "    priority: " + std::to_string(priority) + "\n"
           "    advert_int: 100ms\n"
           "    version: 3\n"
           "    virtual_ipaddress:\n"
           "      - \"" + vip6 + "/64\"\n";
  };
  int n = 0;
  for (Host* h : {a_host_, b_host_, client_}) {
    ++n;
    // No duplicate address detection: the addresses are usable at once.
    ASSERT_EQ(h->run("sysctl -qw net.ipv6.conf.eth0.accept_dad=0 && ip -6 addr add fd00::" + std::to_string(n) +
                     "/64 dev eth0 nodad").exit_code, 0);
  }
  // Adverts go out from the link-local address, which is usable once its
  // duplicate address detection is over (as on a booted machine).
  for (Host* h : {a_host_, b_host_, client_}) {
    ASSERT_TRUE(wait_until([&] {
      const std::string out = h->run("ip -6 addr show dev eth0 scope link").output;
      return out.find("fe80") != std::string::npos && out.find("tentative") == std::string::npos;
    }, 5s)) << h->run("ip -6 addr show dev eth0").output;
  }
  std::ofstream(dir_ + "/a6.yaml") << "global:\n  control_socket: " << dir_ << "/a6.sock\n" << ipv6_config("MASTER", 100);
  std::ofstream(dir_ + "/b6.yaml") << "global:\n  control_socket: " << dir_ << "/b6.sock\n" << ipv6_config("BACKUP", 50);
  auto has6 = [&](Host& h) {
    return h.run("ip -6 -o addr show dev eth0").output.find(vip6 + "/") != std::string::npos;
  };
  auto b = b_host_->spawn(kLvsd + " -f " + dir_ + "/b6.yaml --state-file " + dir_ + "/b6-owned");
  auto a = a_host_->spawn(kLvsd + " -f " + dir_ + "/a6.yaml --state-file " + dir_ + "/a6-owned");
  ASSERT_TRUE(wait_until([&] { return has6(*a_host_); }, 3s)) << a->output();
  // Both start as backup; the higher priority wins within one interval.
  ASSERT_TRUE(wait_until([&] { return !has6(*b_host_); }, 2s)) << b->output();
  {
    const auto p = client_->run("ping -6 -c1 -W1 " + vip6 + " 2>&1");
    ASSERT_EQ(p.exit_code, 0) << p.output << a_host_->run("ip -6 addr; ip -6 route").output;
  }
  EXPECT_NE(client_->run("ip -6 neigh show " + vip6).output.find(a_host_->mac()), std::string::npos)
      << client_->run("ip -6 neigh show").output << " a: " << a_host_->mac();

  topo_.set_link(*a_host_, false);
  ASSERT_TRUE(wait_until([&] { return has6(*b_host_); }, 3s, 5ms)) << b->output();
  EXPECT_TRUE(wait_until([&] { return client_->run("ip -6 neigh show " + vip6).output.find(b_host_->mac()) !=
                                      std::string::npos; }, 2s))
      << client_->run("ip -6 neigh show " + vip6).output << b->output();
  EXPECT_EQ(client_->run("ping -6 -c1 -W1 " + vip6).exit_code, 0);
  EXPECT_NE(b->output().find("BACKUP -> MASTER"), std::string::npos) << b->output();
}

// Reads what lvsd writes to a FIFO (lvsd keeps it open read-write, so lines
// written before the reader opened it wait in the pipe).
class FifoReader {
 public:
  explicit FifoReader(std::string path) : path_(std::move(path)) {}
  ~FifoReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& text() {
    if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    char buf[4096];
    while (fd_ >= 0) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return text_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::string text_;
};

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// keepalived's notify FIFOs, lines as keepalived 2.2.7 writes them: the master
// writes to a vrrp_notify_fifo lvsd creates (and removes at the stop); the
// backup's notify_fifo is read by its notify_fifo_script, started with the
// FIFO's path as its last argument.
TEST_F(LvsdVrrp, NotifyFifosGetKeepalivedsLinesOnAFailover) {
  const std::string master_fifo = dir_ + "/master-vrrp.fifo";
  const std::string backup_fifo = dir_ + "/backup-all.fifo";
  const std::string backup_out = dir_ + "/backup-fifo.out";
  NodeSettings m = master_settings();
  m.global_yaml = "  vrrp_notify_fifo:\n    path: " + master_fifo + "\n";
  NodeSettings b = backup_settings();
  b.global_yaml = "  notify_fifo:\n    path: " + backup_fifo + "\n    script: \"/bin/sh -c 'exec cat \\\"$0\\\" >> " +
                  backup_out + "'\"\n";
  FifoReader master_lines(master_fifo);
  start_pair(m, b);
  const std::string master_start = "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\n";
  EXPECT_TRUE(wait_until([&] { return master_lines.text() == master_start; }, 2s)) << master_lines.text();
  EXPECT_TRUE(wait_until([&] { return file_text(backup_out) == "INSTANCE \"VI_1\" BACKUP 50\n"; }, 2s))
      << file_text(backup_out);
  struct stat st{};
  ASSERT_EQ(::stat(master_fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  master_->stop();
  EXPECT_EQ(master_lines.text(), master_start + "INSTANCE \"VI_1\" STOP 100\n");
  EXPECT_NE(::stat(master_fifo.c_str(), &st), 0) << "lvsd created the FIFO: it removes it at the stop";
  EXPECT_TRUE(wait_until([&] {
    return file_text(backup_out) == "INSTANCE \"VI_1\" BACKUP 50\nINSTANCE \"VI_1\" MASTER 50\n";
  }, 5s)) << file_text(backup_out);
}

}  // namespace
}  // namespace lvsd
