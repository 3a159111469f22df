// netns tier: REDIS_CHECK against Debian's redis-server, a master and a
// replica in two namespaces. The test swaps their roles the way a Sentinel
// failover does, and the expect_role: master check must follow.
#include <gtest/gtest.h>

#include <map>

#include "healthcheck/check_scheduler.hpp"
#include "healthcheck/checker.hpp"
#include "tests/healthcheck/netns_support.hpp"

namespace lvsd::healthcheck::test {
namespace {

using std::chrono::milliseconds;

std::string redis_command(const std::string& bind, const std::string& extra = "") {
  // No protected mode (clients are on other hosts), no 5 s wait before a replica's first sync.
  return "redis-server --port 6379 --bind " + bind +
         " --save '' --appendonly no --daemonize no --protected-mode no --repl-diskless-sync-delay 0 " + extra;
}

class RedisNetns : public ::testing::Test {
 protected:
  void SetUp() override { ignore_sigpipe(); }

  bool redis_answers(const std::string& address, const std::string& auth = "") {
    std::string a = auth.empty() ? "" : " -a " + auth + " --no-auth-warning";
    return client_.run("redis-cli -h " + address + a + " ping").output == "PONG\n";
  }
  CheckSpec redis(const std::string& address, RedisRole role = RedisRole::kAny) const {
    return CheckSpec{.kind = CheckKind::kRedis, .address = address, .port = 6379,
                     .connect_timeout = milliseconds(500), .delay_loop = milliseconds(100),
                     .delay_before_retry = milliseconds(100), .thresholds = HealthThresholds{.rise = 1, .fall = 2},
                     .redis_expect_role = role};
  }
  CheckResult probe(const CheckSpec& spec) {
    NetnsScope in_client(client_);
    return probe_once(loop_, spec);
  }

  lvsd::test::Topology topo_;
  lvsd::test::Host& client_ = topo_.add_host("c", "10.83.0.1/24");
  lvsd::test::Host& r1_ = topo_.add_host("r1", "10.83.0.2/24");
  lvsd::test::Host& r2_ = topo_.add_host("r2", "10.83.0.3/24");
  core::EventLoop loop_;
};

TEST_F(RedisNetns, PingAndPasswordHandling) {
  auto server = r1_.spawn(redis_command("10.83.0.2", "--requirepass s3cret"));
  ASSERT_TRUE(lvsd::test::wait_until([&] { return redis_answers("10.83.0.2", "s3cret"); }, std::chrono::seconds(10)));

  auto spec = redis("10.83.0.2");
  spec.redis_password = "s3cret";
  auto r = probe(spec);
  EXPECT_TRUE(r.up) << r.reason;
  EXPECT_EQ(r.reason, "redis PONG");

  spec.redis_password = "wrong";
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason.rfind("redis AUTH failed: WRONGPASS", 0), 0u) << r.reason;

  spec.redis_password.clear();
  r = probe(spec);
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason.rfind("redis PING answered NOAUTH", 0), 0u) << r.reason;
}

TEST_F(RedisNetns, ClosedPortIsRefused) {
  auto r = probe(redis("10.83.0.2"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "redis connect: Connection refused");
}

TEST_F(RedisNetns, KilledServerIsDown) {
  auto server = r1_.spawn(redis_command("10.83.0.2"));
  ASSERT_TRUE(lvsd::test::wait_until([&] { return redis_answers("10.83.0.2"); }, std::chrono::seconds(10)));
  EXPECT_TRUE(probe(redis("10.83.0.2")).up);
  server->kill_and_wait();
  auto r = probe(redis("10.83.0.2"));
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "redis connect: Connection refused");
}

TEST_F(RedisNetns, ServerThatAcceptsAndNeverAnswersTimesOut) {
  core::UniqueFd blackhole;
  {
    NetnsScope in_server(r1_);
    blackhole = listen_tcp("10.83.0.2", 6379);
  }
  auto spec = redis("10.83.0.2", RedisRole::kMaster);
  spec.redis_password = "x";
  auto r = probe(spec);
  blackhole.reset();
  EXPECT_FALSE(r.up);
  EXPECT_EQ(r.reason, "redis reply timeout after 500ms");
  EXPECT_GE(r.latency, milliseconds(450));
}

TEST_F(RedisNetns, CancelledProbeNeverReports) {
  auto server = r1_.spawn(redis_command("10.83.0.2"));
  ASSERT_TRUE(lvsd::test::wait_until([&] { return redis_answers("10.83.0.2"); }, std::chrono::seconds(10)));
  NetnsScope in_client(client_);
  int reports = 0;
  for (int round = 0; round < 20; ++round) {
    auto checker = make_checker(loop_, redis("10.83.0.2", RedisRole::kMaster));
    checker->start([&](CheckResult) { ++reports; });
    // Stop at different points of the exchange: before connect, mid-way, ...
    run_loop_until(loop_, [] { return false; }, milliseconds(round % 4));
    checker.reset();
  }
  run_loop_until(loop_, [] { return false; }, milliseconds(200));
  // Some rounds may have finished before the cancel; none may report after it.
  EXPECT_LE(reports, 20);
  const int before = reports;
  auto checker = make_checker(loop_, redis("10.83.0.2", RedisRole::kMaster));
  checker->start([&](CheckResult) { ++reports; });
  checker->cancel();
  run_loop_until(loop_, [] { return false; }, milliseconds(200));
  EXPECT_EQ(reports, before);
  checker->start([&](CheckResult r) { reports += r.up ? 100 : 1000; });  // reusable after cancel
  run_loop_until(loop_, [&] { return reports != before; }, std::chrono::seconds(2));
  EXPECT_EQ(reports, before + 100);
}

TEST_F(RedisNetns, MasterCheckFollowsAFailoverWithinFallTimesInterval) {
  auto m = r1_.spawn(redis_command("10.83.0.2"));
  auto s = r2_.spawn(redis_command("10.83.0.3", "--replicaof 10.83.0.2 6379"));
  ASSERT_TRUE(lvsd::test::wait_until(
      [&] {
        return client_.run("redis-cli -h 10.83.0.3 info replication").output.find("master_link_status:up") !=
               std::string::npos;
      },
      std::chrono::seconds(10), milliseconds(50)));

  NetnsScope in_client(client_);
  CheckScheduler scheduler(loop_.scheduler(), [&](const CheckSpec& spec) { return make_checker(loop_, spec); });
  std::map<std::string, std::string> last_reason;
  auto listen = [&](const char* name) {
    return [&last_reason, name](const CheckEvent& e) { last_reason[name] = e.result.reason; };
  };
  auto r1_master = scheduler.subscribe(redis("10.83.0.2", RedisRole::kMaster), listen("r1 master"));
  auto r2_master = scheduler.subscribe(redis("10.83.0.3", RedisRole::kMaster), listen("r2 master"));
  auto r2_replica = scheduler.subscribe(redis("10.83.0.3", RedisRole::kReplica), listen("r2 replica"));

  ASSERT_TRUE(run_loop_until(
      loop_,
      [&] {
        return scheduler.verdict(r1_master) == Verdict::kUp && scheduler.verdict(r2_master) == Verdict::kDown &&
               scheduler.verdict(r2_replica) == Verdict::kUp;
      },
      std::chrono::seconds(5)));
  EXPECT_EQ(last_reason["r1 master"], "redis PONG, role:master");
  EXPECT_EQ(last_reason["r2 master"], "redis role is slave, expected master");
  EXPECT_EQ(last_reason["r2 replica"], "redis PONG, role:slave, link up");

  // Failover: promote the replica, demote the old master.
  ASSERT_EQ(client_.run("redis-cli -h 10.83.0.3 replicaof no one").output, "OK\n");
  ASSERT_EQ(client_.run("redis-cli -h 10.83.0.2 replicaof 10.83.0.3 6379").output, "OK\n");
  auto switched = std::chrono::steady_clock::now();

  ASSERT_TRUE(run_loop_until(
      loop_,
      [&] { return scheduler.verdict(r1_master) == Verdict::kDown && scheduler.verdict(r2_master) == Verdict::kUp; },
      std::chrono::seconds(3)));
  auto took = std::chrono::steady_clock::now() - switched;
  // fall x interval (2 x 100 ms), plus room for one probe's latency and scheduling.
  EXPECT_LT(took, milliseconds(2 * 100 + 300));
  EXPECT_EQ(scheduler.last_result(r1_master)->reason, "redis role is slave, expected master");
  EXPECT_EQ(scheduler.last_result(r2_master)->reason, "redis PONG, role:master");
  // The promoted server is no longer a replica.
  ASSERT_TRUE(run_loop_until(loop_, [&] { return scheduler.verdict(r2_replica) == Verdict::kDown; },
                             std::chrono::seconds(3)));
  EXPECT_EQ(scheduler.last_result(r2_replica)->reason, "redis role is master, expected replica");
}

}  // namespace
}  // namespace lvsd::healthcheck::test
