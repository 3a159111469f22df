// The Daemon's orderings on the fake scheduler, with fakes of its ports:
// a reload advertises before any slow work and reads the file off the loop;
// a refused reload changes nothing; a restart hands over only after the
// last write; a stop resigns first; a request arriving while another runs
// is queued, not lost; status reads the kernel off the loop.
#include "daemon/daemon.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "conf/loader.hpp"
#include "core/fake_scheduler.hpp"
#include "core/offload.hpp"
#include "director/reconciler.hpp"

namespace lvsd::daemon {
namespace {

using namespace std::chrono_literals;
using Events = std::vector<std::string>;

std::string config_text(int weight, bool flush_on_stop = false) {
  return std::string("global:\n  router_id: T\n") + (flush_on_stop ? "  lvs_flush_on_stop: true\n" : "") +
         "vrrp_instances:\n"
         "  - name: VI_1\n    interface: eth0\n    virtual_router_id: 51\n    priority: 100\n"
         "    virtual_ipaddress: [\"10.0.0.100/24\"]\n"
         "virtual_servers:\n"
         "  - address: 10.0.0.100\n    port: 80\n    protocol: TCP\n    lb_algo: rr\n    lb_kind: DR\n"
         "    real_servers:\n"
         "      - address: 10.0.0.11\n        port: 80\n        weight: " +
         std::to_string(weight) +
         "\n"
         "      - address: 10.0.0.12\n        port: 80\n        weight: 1\n";
}

LoadedConfig loaded(const std::string& text) {
  auto result = conf::load_yaml(text, "test.yaml");
  EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors.front().message);
  LoadedConfig out;
  out.config = std::move(*result.config);
  return out;
}

// As read_configuration() gives a YAML file: with its digest and spans.
LoadedConfig loaded_yaml(const std::string& text) {
  auto result = conf::load_yaml(text, "test.yaml");
  EXPECT_TRUE(result.ok() && result.reload);
  LoadedConfig out;
  out.config = std::move(*result.config);
  out.yaml_digest = conf::content_digest(text);
  out.reload = std::move(result.reload);
  return out;
}

LoadedConfig refused(std::string error) {
  LoadedConfig out;
  out.errors.push_back(std::move(error));
  return out;
}

std::ptrdiff_t index_of(const Events& events, const std::string& event) {
  auto it = std::find(events.begin(), events.end(), event);
  return it == events.end() ? -1 : it - events.begin();
}

class FakeVrrp final : public VrrpControl {
 public:
  explicit FakeVrrp(Events& events) : events_(events) {}
  void set_listeners(VipListener, RoleListener) override {}
  void resume_as_master(std::set<std::string> instances) override {
    if (!instances.empty()) events_.push_back("vrrp.resume");
  }
  void apply(const conf::Config&) override {
    events_.push_back("vrrp.apply");
    master = true;
  }
  void advertise_masters() override { events_.push_back("vrrp.advertise"); }
  void stop() override {
    events_.push_back("vrrp.stop");  // priority 0, then the VIPs go (vrrp::Instance, tested there)
    master = false;
  }
  std::vector<std::string> masters() const override {
    return master ? std::vector<std::string>{"VI_1"} : std::vector<std::string>{};
  }
  std::vector<vrrp::InstanceStatus> statuses() const override { return {}; }
  std::vector<control::VrrpScriptStatus> script_statuses() const override { return {}; }
  std::optional<vrrp::State> state_of(const std::string&) const override { return std::nullopt; }
  std::size_t scripts_running() const override { return scripts; }
  bool master = false;
  std::size_t scripts = 0;

 private:
  Events& events_;
};

// One kernel table shared by every socket the daemon opens; each socket
// names itself in the events ("loop" is the first, "stats" the second).
struct FakeKernel {
  director::IpvsTable table;
  int opened = 0;
};

class FakeIpvs final : public IpvsKernel {
 public:
  FakeIpvs(Events& events, FakeKernel& kernel, std::string name) : events_(events), kernel_(kernel), name_(name) {}
  core::Result<director::IpvsTable> dump() override {
    events_.push_back("ipvs." + name_ + ".dump");
    return kernel_.table;
  }
  director::ApplyReport apply(const director::ReconcilePlan& plan) override {
    events_.push_back("ipvs." + name_ + ".apply " + std::to_string(plan.size()));
    kernel_.table = director::table_after(kernel_.table, plan, {});
    return {.applied = plan.size()};
  }
  core::Result<std::vector<director::SyncDaemon>> sync_daemons() override { return std::vector<director::SyncDaemon>{}; }
  core::Status start_sync_daemon(const director::SyncDaemon&) override { return {}; }
  core::Status stop_sync_daemon(director::SyncDaemonRole) override { return {}; }
  void set_receive_timeout(std::chrono::milliseconds timeout) override {
    events_.push_back("ipvs." + name_ + ".timeout " + std::to_string(timeout.count()));
  }
  core::Status set_sysctl(const std::string& name, int value) override {
    events_.push_back("ipvs." + name_ + ".sysctl " + name + "=" + std::to_string(value));
    return {};
  }
  core::Status set_timeouts(const director::Timeouts& t) override {
    events_.push_back("ipvs." + name_ + ".timeouts " + std::to_string(t.tcp_s) + " " + std::to_string(t.tcp_fin_s) +
                      " " + std::to_string(t.udp_s));
    return {};
  }
  core::Result<director::IpvsTable> dump_services(const std::set<director::ServiceKey>&) override {
    events_.push_back("ipvs." + name_ + ".dump_services");
    return kernel_.table;
  }

 private:
  Events& events_;
  FakeKernel& kernel_;
  std::string name_;
};

class FakeEndpoints final : public Endpoints {
 public:
  explicit FakeEndpoints(Events& events) : events_(events) {}
  void serve(const conf::Global&, control::ControlHandlers h, RenderMetrics m) override {
    events_.push_back("serve");
    handlers = std::move(h);
    metrics = std::move(m);
  }
  control::ControlHandlers handlers;
  RenderMetrics metrics;

 private:
  Events& events_;
};

// lvsd's routes (scale-out); shared by every socket, like FakeKernel.
class FakeRoutes final : public RouteTable {
 public:
  FakeRoutes(Events& events, std::set<VipRoute>& kernel) : events_(events), kernel_(kernel) {}
  core::Result<std::vector<VipRoute>> list() override { return std::vector<VipRoute>(kernel_.begin(), kernel_.end()); }
  core::Status add(const VipRoute& route) override {
    events_.push_back("route.add " + describe(route));
    kernel_.insert(route);
    return {};
  }
  core::Status remove(const VipRoute& route) override {
    events_.push_back("route.remove " + describe(route));
    kernel_.erase(route);
    return {};
  }

 private:
  Events& events_;
  std::set<VipRoute>& kernel_;
};

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ownership_ = ::testing::TempDir() + "/daemon_test_owned." + std::to_string(::getpid());
    std::remove(ownership_.c_str());
  }
  void TearDown() override { std::remove(ownership_.c_str()); }

  DaemonParts parts() {
    return DaemonParts{
        .scheduler = clock_,
        .offload = offload_,
        .vrrp = vrrp_,
        .endpoints = endpoints_,
        .open_ipvs = [this]() -> core::Result<std::unique_ptr<IpvsKernel>> {
          const char* name = kernel_.opened++ == 0 ? "loop" : "stats";
          return std::unique_ptr<IpvsKernel>(std::make_unique<FakeIpvs>(events_, kernel_, name));
        },
        .read_config = [this](const std::string&, const PreviousConfig& previous) {
          // Runs "off the loop": the test decides when (offload_.run_next()).
          events_.push_back("read");
          previous_seen_.push_back(previous);
          LoadedConfig next = std::move(files_.front());
          files_.pop_front();
          return next;
        },
        .make_checker = [](const healthcheck::CheckSpec&) -> std::unique_ptr<healthcheck::Checker> { return nullptr; },
        .process = ProcessPorts{
            .notify_manager = [this](std::string_view s) { events_.push_back("notify " + std::string(s)); },
            .hand_over = [this](const HandoverState& state) -> core::Status {
              events_.push_back("handover");
              handed_over_.push_back(state);
              if (exec_fails_) return core::Error{"exec failed"};
              return {};
            },
            .unix_now_ms = [] { return std::int64_t{1'700'000'000'000}; },
            .stop_loop = [this] { events_.push_back("loop.stop"); },
            .run_script = {},  // (HealthView's notify scripts are tested in health_view_test.cpp)
            .scripts_running = {},
            .apply_fifos = {},    // (the FIFOs: notify_fifo_test.cpp, health_view_test.cpp)
            .lvs_fifo_line = {},
            .pid = 42},
        .open_routes = [this]() -> core::Result<std::unique_ptr<RouteTable>> {
          return std::unique_ptr<RouteTable>(std::make_unique<FakeRoutes>(events_, routes_));
        }};
  }

  Daemon& start_text(const std::string& text, HandoverState resumed = {}) {
    daemon_ = std::make_unique<Daemon>(parts(),
                                       DaemonOptions{.config_path = "/etc/lvsd/lvsd.yaml",
                                                     .ownership_path = ownership_,
                                                     .argv = {"lvsd", "-f", "/etc/lvsd/lvsd.yaml"}},
                                       loaded(text), std::move(resumed));
    EXPECT_TRUE(daemon_->start());
    return *daemon_;
  }

  bool announced(const std::string& vip) const {
    return routes_.contains(VipRoute{.kind = RouteKind::kAnnounce, .table = 200, .vip = *core::IpAddress::parse(vip)});
  }
  bool local(const std::string& vip) const {
    return routes_.contains(VipRoute{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = *core::IpAddress::parse(vip)});
  }

  Daemon& start(int weight = 1, bool flush_on_stop = false) {
    daemon_ = std::make_unique<Daemon>(parts(),
                                       DaemonOptions{.config_path = "/etc/lvsd/lvsd.yaml",
                                                     .ownership_path = ownership_,
                                                     .argv = {"lvsd", "-f", "/etc/lvsd/lvsd.yaml"}},
                                       loaded(config_text(weight, flush_on_stop)), HandoverState{});
    EXPECT_TRUE(daemon_->start());
    events_.clear();
    return *daemon_;
  }

  std::int32_t kernel_weight_of_first() const {
    return kernel_.table.services.at(0).destinations.at(0).weight;
  }

  core::FakeScheduler clock_;
  core::ManualOffload offload_;
  Events events_;
  FakeKernel kernel_;
  FakeVrrp vrrp_{events_};
  FakeEndpoints endpoints_{events_};
  std::deque<LoadedConfig> files_;
  std::vector<PreviousConfig> previous_seen_;  // what each read was told of the running configuration
  std::vector<HandoverState> handed_over_;
  std::set<VipRoute> routes_;
  bool exec_fails_ = false;
  std::string ownership_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonTest, StartProgramsTheKernelAndServes) {
  Daemon& d = start(3);
  EXPECT_TRUE(d.ipvs_open());
  ASSERT_EQ(kernel_.table.services.size(), 1u);
  EXPECT_EQ(kernel_weight_of_first(), 3);
  EXPECT_EQ(d.desired_table().services.size(), 1u);
}

// The loop's netlink socket never waits longer than the shortest advert
// interval; the stats socket (off the loop) keeps its default.
TEST_F(DaemonTest, LoopSocketTimeoutFollowsTheShortestAdvertInterval) {
  Daemon& d = start(1);
  std::string text = config_text(1);
  const auto at = text.find("    virtual_ipaddress");
  text.insert(at, "    advert_int: 100ms\n    version: 3\n");
  files_.push_back(loaded(text));
  d.reload();
  clock_.advance(0ms);
  offload_.run_all();
  EXPECT_GE(index_of(events_, "ipvs.loop.timeout 100"), 0);
  for (const auto& e : events_) EXPECT_EQ(e.rfind("ipvs.stats.timeout", 0), std::string::npos) << e;
}

TEST_F(DaemonTest, ReloadAdvertisesFirstAndReadsTheFileOffTheLoop) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(5)));
  std::optional<control::ReloadOutcome> outcome;
  d.reload([&](control::ReloadOutcome o) { outcome = std::move(o); });
  clock_.advance(0ms);
  // Advertised, and the read is posted to the worker: nothing read on the loop.
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.front(), "vrrp.advertise");
  EXPECT_EQ(index_of(events_, "read"), -1);
  EXPECT_EQ(offload_.in_flight(), 1u);
  EXPECT_FALSE(outcome);

  ASSERT_TRUE(offload_.run_next());
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->applied);
  EXPECT_EQ(kernel_weight_of_first(), 5);
  // advertise < read < apply (VRRP, then the kernel: one SET_DEST).
  const auto read = index_of(events_, "read");
  EXPECT_LT(index_of(events_, "vrrp.advertise"), read);
  EXPECT_LT(read, index_of(events_, "vrrp.apply"));
  EXPECT_LT(read, index_of(events_, "ipvs.loop.apply 1"));
  EXPECT_EQ(d.counters().reloads_succeeded, 1u);
  EXPECT_EQ(events_.back(), "notify READY=1");
}

// The read off the loop is told the running configuration, its file's
// digest and where its virtual servers are (conf::reload_yaml reads only the
// one an edit changed): those of the last configuration applied, not of a
// refused one.
TEST_F(DaemonTest, AReloadIsToldTheRunningConfigurationAndWhereItsVirtualServersAre) {
  const std::string first = config_text(1), second = config_text(3);
  Daemon& d = start_text(first);
  files_.push_back(loaded_yaml(second));
  files_.push_back(refused("lvsd.yaml:3:5: virtual_servers[0].port: not a port"));
  files_.push_back(loaded(config_text(4)));  // keepalived.conf, say: no digest, no spans
  files_.push_back(loaded(config_text(5)));
  for (int i = 0; i < 4; ++i) {
    d.reload();
    clock_.advance(0ms);
    offload_.run_all();
    clock_.advance(0ms);
  }
  ASSERT_EQ(previous_seen_.size(), 4u);
  // The first reload: the started configuration (loaded() gives no spans).
  EXPECT_FALSE(previous_seen_[0].reload);
  ASSERT_TRUE(previous_seen_[0].config);
  EXPECT_EQ(*previous_seen_[0].config, *loaded(first).config);
  // After the YAML reload, and after the refused one: the second file's.
  for (int i : {1, 2}) {
    ASSERT_TRUE(previous_seen_[i].config && previous_seen_[i].reload && previous_seen_[i].yaml_digest) << i;
    EXPECT_EQ(*previous_seen_[i].config, *loaded(second).config) << i;
    EXPECT_EQ(*previous_seen_[i].yaml_digest, conf::content_digest(second)) << i;
    EXPECT_EQ(previous_seen_[i].reload->spans.text_size(), second.size()) << i;
  }
  // A configuration read without spans leaves none for the next reload.
  EXPECT_FALSE(previous_seen_[3].reload);
  EXPECT_FALSE(previous_seen_[3].yaml_digest);
  EXPECT_EQ(*previous_seen_[3].config, *loaded(config_text(4)).config);
  EXPECT_EQ(kernel_weight_of_first(), 5);
}

// read_configuration() with what the daemon tells it: an unchanged file is
// not read, one weight changed is read in its virtual server alone (the rest
// comes from the running configuration), for YAML and keepalived.conf.
TEST(ReadConfiguration, AnEditInOneVirtualServerReadsThatOneAlone) {
  const std::string path = ::testing::TempDir() + "/read_configuration." + std::to_string(::getpid()) + ".yaml";
  auto write = [&](const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  };
  write(config_text(1));
  LoadedConfig first = read_configuration(path, {}, std::nullopt);
  ASSERT_TRUE(first.config && first.reload && first.yaml_digest);
  // The running configuration, marked where the file would not say so.
  conf::Config running = *first.config;
  running.global.router_id = "kept";
  const PreviousConfig previous{.yaml_digest = first.yaml_digest,
                                .config = std::make_shared<const conf::Config>(running),
                                .reload = std::make_shared<const conf::ReloadBasis>(*first.reload)};
  EXPECT_TRUE(read_configuration(path, previous, std::nullopt).unchanged);

  write(config_text(7));
  LoadedConfig next = read_configuration(path, previous, std::nullopt);
  ASSERT_TRUE(next.config && next.reload && next.yaml_digest) << testing::PrintToString(next.errors);
  EXPECT_FALSE(next.unchanged);
  EXPECT_EQ(*next.yaml_digest, conf::content_digest(config_text(7)));
  // The one virtual server was read again, the rest kept.
  EXPECT_EQ(next.config->virtual_servers[0].real_servers[0].weight, 7);
  EXPECT_EQ(next.config->global.router_id, "kept");
  // An edit outside the virtual servers: the whole file, nothing kept.
  write(std::string(config_text(1)).replace(config_text(1).find("router_id: T"), 12, "router_id: U"));
  LoadedConfig whole = read_configuration(path, previous, std::nullopt);
  ASSERT_TRUE(whole.config);
  EXPECT_EQ(whole.config->global.router_id, "U");
  std::remove(path.c_str());

  // keepalived.conf: no digest (its includes may change behind it), but
  // the same one-block reading.
  const std::string conf_path = ::testing::TempDir() + "/read_configuration." + std::to_string(::getpid()) + ".conf";
  auto write_conf = [&](int weight) {
    std::FILE* f = std::fopen(conf_path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(("global_defs {\n  router_id T\n}\nvirtual_server 10.0.0.100 80 {\n  lb_algo rr\n  lb_kind DR\n"
                "  protocol TCP\n  real_server 10.0.0.11 80 {\n    weight " + std::to_string(weight) + "\n  }\n}\n").c_str(),
               f);
    std::fclose(f);
  };
  write_conf(1);
  LoadedConfig ka = read_configuration(conf_path, {}, std::nullopt);
  ASSERT_TRUE(ka.config && ka.reload) << testing::PrintToString(ka.errors);
  EXPECT_FALSE(ka.yaml_digest);
  conf::Config ka_running = *ka.config;
  ka_running.global.router_id = "kept";
  write_conf(9);
  LoadedConfig ka_next = read_configuration(
      conf_path,
      PreviousConfig{.yaml_digest = std::nullopt, .config = std::make_shared<const conf::Config>(ka_running),
                     .reload = std::make_shared<const conf::ReloadBasis>(*ka.reload)},
      std::nullopt);
  std::remove(conf_path.c_str());
  ASSERT_TRUE(ka_next.config && ka_next.reload) << testing::PrintToString(ka_next.errors);
  EXPECT_EQ(ka_next.config->virtual_servers[0].real_servers[0].weight, 9);
  EXPECT_EQ(ka_next.config->global.router_id, "kept");
}

TEST_F(DaemonTest, RefusedReloadChangesNothing) {
  Daemon& d = start(2);
  const auto before = d.desired_table();
  files_.push_back(refused("lvsd.yaml:3:5: virtual_servers[0].port: not a port"));
  std::optional<control::ReloadOutcome> outcome;
  d.reload([&](control::ReloadOutcome o) { outcome = std::move(o); });
  clock_.advance(0ms);
  offload_.run_all();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->applied);
  EXPECT_EQ(outcome->errors, std::vector<std::string>{"lvsd.yaml:3:5: virtual_servers[0].port: not a port"});
  EXPECT_EQ(index_of(events_, "vrrp.apply"), -1);
  for (const auto& e : events_) EXPECT_EQ(e.find(".apply"), std::string::npos) << e;
  EXPECT_TRUE(director::same_settings(d.desired_table(), before));
  EXPECT_EQ(kernel_weight_of_first(), 2);
  EXPECT_EQ(d.counters().reloads_failed, 1u);
  EXPECT_EQ(d.counters().reloads_succeeded, 0u);
  EXPECT_EQ(events_.back(), "notify READY=1");
  EXPECT_FALSE(d.requests().busy());
}

TEST_F(DaemonTest, ReloadAskedWhileOneRunsRunsAgainAfterIt) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(4)));
  files_.push_back(loaded(config_text(6)));
  std::vector<control::ReloadOutcome> outcomes;
  d.reload([&](control::ReloadOutcome o) { outcomes.push_back(o); });
  clock_.advance(0ms);
  d.reload([&](control::ReloadOutcome o) { outcomes.push_back(o); });  // a second SIGHUP / lvsctl reload
  clock_.advance(0ms);
  EXPECT_EQ(offload_.in_flight(), 1u);  // not started halfway through the first
  ASSERT_TRUE(offload_.run_next());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(kernel_weight_of_first(), 4);
  clock_.advance(0ms);  // the queued one starts
  ASSERT_TRUE(offload_.run_next());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[1].applied);
  EXPECT_EQ(kernel_weight_of_first(), 6);
  EXPECT_EQ(d.counters().reloads_succeeded, 2u);
}

TEST_F(DaemonTest, RestartWaitsForTheRunningReloadAndHandsOverAfterItsWrites) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(7)));
  d.reload();
  clock_.advance(0ms);
  ASSERT_TRUE(d.request_restart().ok());
  clock_.advance(0ms);
  EXPECT_EQ(index_of(events_, "handover"), -1) << "handed over while a reload was being read";
  ASSERT_TRUE(offload_.run_next());
  clock_.advance(0ms);
  const auto handover = index_of(events_, "handover");
  ASSERT_GE(handover, 0);
  EXPECT_LT(index_of(events_, "ipvs.loop.apply 1"), handover);
  // The masters advertised just before handing over, and were handed over.
  EXPECT_EQ(events_[static_cast<std::size_t>(handover) - 2], "vrrp.advertise");
  ASSERT_EQ(handed_over_.size(), 1u);
  EXPECT_EQ(handed_over_[0].master_instances, std::vector<std::string>{"VI_1"});
  EXPECT_EQ(handed_over_[0].pid, 42);
}

TEST_F(DaemonTest, SecondRestartWhileOneIsUnderWayIsRefused) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(1)));
  d.reload();
  clock_.advance(0ms);
  ASSERT_TRUE(d.request_restart().ok());
  auto second = d.request_restart();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "restart in progress");
  offload_.run_all();
  exec_fails_ = true;
  clock_.advance(0ms);
  EXPECT_EQ(handed_over_.size(), 1u);
  // The exec failed: lvsd runs on, and a new restart may be asked for.
  EXPECT_EQ(events_.back(), "notify READY=1");
  EXPECT_TRUE(d.request_restart().ok());
  clock_.advance(0ms);
  EXPECT_EQ(handed_over_.size(), 2u);
}

TEST_F(DaemonTest, StopResignsFirstAndThenRemovesOwnServicesWhenAskedTo) {
  start(1, /*flush_on_stop=*/true);
  daemon_->stop();
  ASSERT_GE(events_.size(), 4u);
  EXPECT_EQ(events_[0], "notify STOPPING=1");
  EXPECT_EQ(events_[1], "vrrp.stop");
  EXPECT_LT(1, index_of(events_, "ipvs.loop.apply 1"));  // DEL_SERVICE takes its destinations along
  EXPECT_EQ(events_.back(), "loop.stop");
  EXPECT_TRUE(kernel_.table.services.empty());
}

// The STOP notify scripts start during the stop: lvsd waits for them (up
// to 5 s) before its loop ends, which would end them too.
TEST_F(DaemonTest, StopWaitsForNotifyScriptsBoundedly) {
  start(1);
  vrrp_.scripts = 1;
  daemon_->stop();
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  clock_.advance(100ms);
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  vrrp_.scripts = 0;  // the script ended
  clock_.advance(20ms);
  EXPECT_GE(index_of(events_, "loop.stop"), 0);

  events_.clear();
  daemon_.reset();
  start(1);
  vrrp_.scripts = 1;  // a script that never ends
  daemon_->stop();
  clock_.advance(4900ms);
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  clock_.advance(200ms);
  EXPECT_GE(index_of(events_, "loop.stop"), 0);
}

TEST_F(DaemonTest, StopDuringAReloadRunsAtOnceAndTheReadIsDropped) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(9)));
  std::optional<control::ReloadOutcome> outcome;
  d.reload([&](control::ReloadOutcome o) { outcome = std::move(o); });
  clock_.advance(0ms);
  bool queued_answered = false;
  d.reload([&](control::ReloadOutcome o) { queued_answered = !o.applied; });  // queued behind it
  d.stop();  // SIGTERM while the file is read
  EXPECT_EQ(index_of(events_, "vrrp.stop"), index_of(events_, "notify STOPPING=1") + 1);
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->applied);
  EXPECT_EQ(outcome->errors, std::vector<std::string>{"lvsd is stopping"});
  const auto after_stop = events_.size();
  EXPECT_TRUE(queued_answered) << "a reload queued behind the running one got no answer";
  offload_.run_all();  // the read comes back: nothing is applied
  EXPECT_EQ(events_.size(), after_stop + 1);  // "read" only
  EXPECT_EQ(kernel_weight_of_first(), 1);
  // Anything asked after the stop began is refused, not run.
  std::optional<control::ReloadOutcome> late;
  d.reload([&](control::ReloadOutcome o) { late = std::move(o); });
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->applied);
  EXPECT_FALSE(d.request_restart().ok());
}

TEST_F(DaemonTest, RestartAskedDuringAReloadRunsWithTheNewConfigurationApplied) {
  Daemon& d = start(1);
  files_.push_back(loaded(config_text(2)));
  files_.push_back(loaded(config_text(3)));
  d.reload();
  clock_.advance(0ms);
  ASSERT_TRUE(d.request_restart().ok());  // SIGUSR2
  d.reload();                             // and another SIGHUP
  offload_.run_next();
  clock_.advance(0ms);
  // The queued reload runs before the restart: the new image starts from
  // the file the operator last asked for.
  EXPECT_EQ(index_of(events_, "handover"), -1);
  offload_.run_next();
  clock_.advance(0ms);
  EXPECT_EQ(kernel_weight_of_first(), 3);
  EXPECT_EQ(handed_over_.size(), 1u);
}

TEST_F(DaemonTest, StatusReadsTheKernelOffTheLoop) {
  Daemon& d = start(1);
  auto& in_kernel = kernel_.table.services.at(0);
  in_kernel.counters.resize(in_kernel.destinations.size());
  in_kernel.counters.at(0).active_connections = 17;
  std::optional<control::StatusSnapshot> status;
  d.snapshot([&](control::StatusSnapshot s) { status = std::move(s); });
  // Nothing dumped on the loop's socket; the stats socket dumps in the job.
  EXPECT_EQ(index_of(events_, "ipvs.loop.dump"), -1);
  EXPECT_EQ(index_of(events_, "ipvs.stats.dump"), -1);
  EXPECT_FALSE(status);
  clock_.advance(0ms);  // the loop's part, in slices
  EXPECT_EQ(index_of(events_, "ipvs.stats.dump"), -1);
  ASSERT_TRUE(offload_.run_next());
  EXPECT_GE(index_of(events_, "ipvs.stats.dump"), 0);
  EXPECT_EQ(index_of(events_, "ipvs.loop.dump"), -1);
  ASSERT_TRUE(status);
  ASSERT_EQ(status->virtual_servers.size(), 1u);
  ASSERT_EQ(status->virtual_servers[0].real_servers.size(), 2u);
  EXPECT_EQ(status->virtual_servers[0].real_servers[0].active_connections, 17u);
  EXPECT_EQ(status->pid, 42);
}

TEST_F(DaemonTest, ControlStatusAndMetricsAnswerThroughTheWorker) {
  start(1);
  ASSERT_TRUE(endpoints_.handlers.status);
  std::optional<std::string> line;
  control::dispatch(endpoints_.handlers, R"({"command":"status"})",
                    [&](std::string l, bool ok) {
                      EXPECT_TRUE(ok);
                      line = std::move(l);
                    });
  EXPECT_FALSE(line);
  clock_.advance(0ms);
  offload_.run_all();
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("\"pid\":42"), std::string::npos) << *line;
  std::optional<std::string> text;
  endpoints_.metrics({.head_only = false, .send = [&](std::string t) { text = std::move(t); }});
  EXPECT_FALSE(text);
  clock_.advance(0ms);
  offload_.run_all();
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("lvsd_reconciles_total"), std::string::npos);
}

}  // namespace
}  // namespace lvsd::daemon

namespace lvsd::daemon {
namespace {

std::string large_config(int services) {
  std::string y = "global:\n  router_id: T\nvirtual_servers:\n";
  for (int s = 0; s < services; ++s) {
    y += "  - { address: 10.0.0.100, port: " + std::to_string(10000 + s) + ", lb_algo: wrr, lb_kind: DR,\n      real_servers: [";
    for (int d = 0; d < 10; ++d) {
      y += std::string(d == 0 ? " " : ", ") + "{ address: 10.1.0." + std::to_string(d + 1) + ", port: " + std::to_string(10000 + s) + " }";
    }
    y += " ] }\n";
  }
  return y;
}

// The loop copies a large health view over several turns (64 virtual
// servers each), never in one go; a reload meanwhile starts it over.
TEST_F(DaemonTest, LargeStatusIsGatheredInSlicesOnTheLoop) {
  daemon_ = std::make_unique<Daemon>(parts(),
                                     DaemonOptions{.config_path = "/etc/lvsd/lvsd.yaml", .ownership_path = ownership_,
                                                   .argv = {"lvsd"}},
                                     loaded(large_config(1000)), HandoverState{});
  ASSERT_TRUE(daemon_->start());
  std::optional<control::StatusSnapshot> status;
  daemon_->snapshot([&](control::StatusSnapshot s) { status = std::move(s); });
  int turns = 0;
  while (offload_.in_flight() == 0 && clock_.run_next()) ++turns;
  EXPECT_EQ(turns, 16);  // ceil(1000 / 64)
  offload_.run_all();
  ASSERT_TRUE(status);
  ASSERT_EQ(status->virtual_servers.size(), 1000u);
  EXPECT_EQ(status->virtual_servers[999].real_servers.size(), 10u);
  EXPECT_EQ(status->virtual_servers[999].key, "TCP 10.0.0.100:10999");

  // A reload lands between two slices: the gathering starts over on the new view.
  files_.push_back(loaded(large_config(500)));
  status.reset();
  daemon_->snapshot([&](control::StatusSnapshot s) { status = std::move(s); });
  clock_.run_next();  // the first slice
  daemon_->reload();
  int slices_before_the_reload = 0;
  while (offload_.in_flight() == 0 && clock_.run_next()) ++slices_before_the_reload;
  EXPECT_LT(slices_before_the_reload, 15);  // the reload started halfway through
  ASSERT_TRUE(offload_.run_next());         // the read comes back and is applied
  EXPECT_EQ(daemon_->config().virtual_servers.size(), 500u);
  while (offload_.in_flight() == 0 && clock_.run_next()) {
  }
  offload_.run_all();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->virtual_servers.size(), 500u);
  for (const auto& vs : status->virtual_servers) EXPECT_EQ(vs.real_servers.size(), 10u);
}

// --- scale-out announcements ----------------------------------------------------

std::string announce_text(std::uint32_t quorum = 1, bool drain_on_stop = false) {
  return std::string("global:\n  router_id: T\n  announce:\n    table: 200\n    drain_grace: 5s\n") +
         (drain_on_stop ? "    drain_on_stop: true\n" : "") +
         "virtual_servers:\n"
         "  - address: 10.0.0.200\n    port: 80\n    lb_algo: mh\n    lb_kind: DR\n    announce: true\n"
         "    quorum: " + std::to_string(quorum) + "\n"
         "    real_servers:\n      - address: 10.0.0.11\n        port: 80\n"
         "  - address: 10.0.0.200\n    port: 443\n    lb_algo: mh\n    lb_kind: DR\n    announce: true\n"
         "    quorum: " + std::to_string(quorum) + "\n"
         "    real_servers:\n      - address: 10.0.0.11\n        port: 443\n"
         "  - address: 10.0.0.201\n    port: 80\n    lb_algo: rr\n    lb_kind: DR\n"
         "    real_servers:\n      - address: 10.0.0.11\n        port: 80\n";
}

TEST_F(DaemonTest, AServingVirtualServerIsAnnouncedWithItsLocalRouteFirst) {
  Daemon& d = start_text(announce_text());
  EXPECT_TRUE(local("10.0.0.200"));
  EXPECT_TRUE(announced("10.0.0.200"));
  EXPECT_FALSE(local("10.0.0.201"));  // not marked announce: lvsd leaves it to the operator
  EXPECT_EQ(routes_.size(), 2u);
  EXPECT_LT(index_of(events_, "route.add local 10.0.0.200"), index_of(events_, "route.add announce 10.0.0.200 table 200"));
  const auto vips = d.announcer().vips();
  ASSERT_EQ(vips.size(), 1u);
  EXPECT_EQ(vips[0].reason, "serving");
  EXPECT_EQ(vips[0].services, (std::vector<std::string>{"TCP 10.0.0.200:80", "TCP 10.0.0.200:443"}));
}

TEST_F(DaemonTest, AVipWithoutQuorumIsWithdrawnButStillForwarded) {
  Daemon& d = start_text(announce_text(/*quorum=*/5));  // weight 1 < quorum 5
  EXPECT_TRUE(local("10.0.0.200"));
  EXPECT_FALSE(announced("10.0.0.200"));
  EXPECT_EQ(d.announcer().vips().at(0).reason, "no quorum");
  // A reload that lowers the quorum announces it.
  files_.push_back(loaded(announce_text(1)));
  d.reload();
  clock_.advance(0ms);
  offload_.run_next();
  EXPECT_TRUE(announced("10.0.0.200"));
}

TEST_F(DaemonTest, DrainNodeWithdrawsAndUndrainAnnouncesAgain) {
  Daemon& d = start_text(announce_text());
  auto drained = d.drain_node(false);
  ASSERT_TRUE(drained.ok());
  EXPECT_TRUE(*drained);
  EXPECT_FALSE(announced("10.0.0.200"));
  EXPECT_TRUE(local("10.0.0.200"));  // what still arrives is forwarded
  EXPECT_EQ(d.announcer().vips().at(0).reason, "node drained");
  EXPECT_FALSE(*d.drain_node(false));  // already so
  clock_.advance(1h);
  EXPECT_FALSE(announced("10.0.0.200"));  // a drain without --stop lasts until undrain
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  EXPECT_TRUE(*d.undrain_node());
  EXPECT_TRUE(announced("10.0.0.200"));
  EXPECT_EQ(d.announcer().vips().at(0).transitions, 3u);
}

TEST_F(DaemonTest, DrainNodeThenStopForwardsForTheGraceAndThenRemovesEverything) {
  Daemon& d = start_text(announce_text());
  events_.clear();
  ASSERT_TRUE(d.drain_node(true).ok());
  EXPECT_FALSE(announced("10.0.0.200"));
  clock_.advance(4900ms);
  EXPECT_TRUE(local("10.0.0.200"));
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  clock_.advance(200ms);
  EXPECT_TRUE(routes_.empty());
  EXPECT_NE(index_of(events_, "loop.stop"), -1);
}

TEST_F(DaemonTest, UndrainCancelsAPendingDrainStop) {
  Daemon& d = start_text(announce_text());
  ASSERT_TRUE(d.drain_node(true).ok());
  EXPECT_TRUE(*d.undrain_node());
  clock_.advance(10s);
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  EXPECT_TRUE(announced("10.0.0.200"));
}

TEST_F(DaemonTest, SigtermDrainsFirstOnlyWhenConfigured) {
  Daemon& d = start_text(announce_text(1, /*drain_on_stop=*/true));
  events_.clear();
  d.terminate();
  EXPECT_FALSE(announced("10.0.0.200"));
  EXPECT_EQ(index_of(events_, "loop.stop"), -1);
  clock_.advance(5100ms);
  EXPECT_NE(index_of(events_, "loop.stop"), -1);
  EXPECT_TRUE(routes_.empty());
}

TEST_F(DaemonTest, StopWithdrawsBeforeRemovingTheLocalRoute) {
  Daemon& d = start_text(announce_text());
  events_.clear();
  d.terminate();  // drain_on_stop unset: a plain stop
  EXPECT_TRUE(routes_.empty());
  EXPECT_LT(index_of(events_, "route.remove announce 10.0.0.200 table 200"),
            index_of(events_, "route.remove local 10.0.0.200"));
  EXPECT_FALSE(d.drain_node(false).ok());  // lvsd is stopping
}

TEST_F(DaemonTest, ARestartInPlaceKeepsTheDrainAndHoldsAnnouncementsUntilChecksDecide) {
  // The previous image announced 10.0.0.200 and left a stale route of a VIP
  // no longer configured.
  routes_ = {VipRoute{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = *core::IpAddress::parse("10.0.0.200")},
             VipRoute{.kind = RouteKind::kAnnounce, .table = 200, .vip = *core::IpAddress::parse("10.0.0.200")},
             VipRoute{.kind = RouteKind::kAnnounce, .table = 200, .vip = *core::IpAddress::parse("10.9.9.9")}};
  HandoverState resumed{.pid = 42, .written_at_ms = 1'700'000'000'000, .master_instances = {}};
  Daemon& d = start_text(announce_text(/*quorum=*/5), resumed);
  EXPECT_TRUE(announced("10.0.0.200"));  // held: no flap across the restart
  EXPECT_FALSE(announced("10.9.9.9"));
  EXPECT_EQ(d.announcer().vips().at(0).reason, "held after restart");
  EXPECT_EQ(index_of(events_, "route.remove announce 10.0.0.200 table 200"), -1);
  clock_.advance(2 * 60s + 5s + 1ms);  // two rounds of the default 60 s delay_loop, and 5 s
  EXPECT_FALSE(announced("10.0.0.200"));
  EXPECT_EQ(d.announcer().vips().at(0).reason, "no quorum");
  // The drain state travels in the handover.
  ASSERT_TRUE(d.drain_node(false).ok());
  ASSERT_TRUE(d.request_restart().ok());
  clock_.advance(0ms);
  ASSERT_EQ(handed_over_.size(), 1u);
  EXPECT_TRUE(handed_over_[0].node_drained);
}

TEST_F(DaemonTest, StatusAndControlShowTheAnnouncements) {
  Daemon& d = start_text(announce_text());
  std::optional<control::StatusSnapshot> got;
  d.snapshot([&](control::StatusSnapshot s) { got = std::move(s); });
  for (int i = 0; i < 10 && !got; ++i) {
    clock_.advance(0ms);
    offload_.run_all();
  }
  ASSERT_TRUE(got && got->scale_out);
  EXPECT_EQ(got->scale_out->table, 200u);
  EXPECT_FALSE(got->scale_out->node_drained);
  ASSERT_EQ(got->scale_out->announcements.size(), 1u);
  EXPECT_EQ(got->scale_out->announcements[0].vip, "10.0.0.200");
  EXPECT_TRUE(got->scale_out->announcements[0].announced);
  // drain-node through the control protocol.
  const auto h = d.control_handlers();
  std::string reply;
  control::dispatch(h, R"({"command":"drain-node"})", [&](std::string line, bool) { reply = std::move(line); });
  EXPECT_EQ(reply, R"({"ok":true,"result":{"changed":true}})");
  EXPECT_FALSE(announced("10.0.0.200"));
  control::dispatch(h, R"({"command":"undrain-node"})", [&](std::string line, bool) { reply = std::move(line); });
  EXPECT_TRUE(announced("10.0.0.200"));
}

}  // namespace
}  // namespace lvsd::daemon
