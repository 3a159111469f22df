// vrrp_track_process's pure parts: which processes match (keepalived 2.2.7's
// param_match rules), the quorum / quorum_max verdict with fork_delay and
// terminate_delay on a fake clock, the tracker fed scans and process events
// (a fake /proc, and ProcFs over a directory shaped like /proc), and the
// connector's message codec.
#include <gtest/gtest.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

#include "core/fake_scheduler.hpp"
#include "daemon/proc_connector.hpp"
#include "daemon/process_match.hpp"
#include "daemon/process_quorum.hpp"
#include "daemon/process_tracker.hpp"

namespace lvsd::daemon {
namespace {

using std::chrono::milliseconds;
using Cause = ProcessQuorum::Cause;

conf::TrackProcess spec(std::string process, std::vector<std::string> parameters = {},
                        std::optional<conf::ParamMatch> match = std::nullopt, bool full = false) {
  return {.name = "p", .process = std::move(process), .parameters = std::move(parameters), .param_match = match,
          .full_command = full};
}
ProcessIdentity proc(std::string comm, std::vector<std::string> argv = {}) {
  return {.comm = std::move(comm), .argv = std::move(argv)};
}

TEST(ProcessMatch, NameAloneIsTheKernelsProcessNameExactly) {
  EXPECT_TRUE(process_matches(spec("sshd"), proc("sshd", {"/usr/sbin/sshd", "-D"})));
  EXPECT_FALSE(process_matches(spec("ssh"), proc("sshd")));   // not pgrep's regular expression
  EXPECT_FALSE(process_matches(spec("sshd"), proc("sshd2")));
  // The command line does not count then, only the name.
  EXPECT_FALSE(process_matches(spec("/usr/sbin/sshd"), proc("sshd", {"/usr/sbin/sshd"})));
}

TEST(ProcessMatch, ParametersCompareTheCommandLineExactlyByDefault) {
  const auto s = spec("sleep", {"1000"});
  EXPECT_TRUE(s.matches_command_line());
  EXPECT_TRUE(process_matches(s, proc("sleep", {"sleep", "1000"})));
  EXPECT_FALSE(process_matches(s, proc("sleep", {"sleep", "1000", "x"})));  // no more words
  EXPECT_FALSE(process_matches(s, proc("sleep", {"sleep", "100"})));
  EXPECT_FALSE(process_matches(s, proc("sleep", {"/bin/sleep", "1000"})));  // the first word as written
  EXPECT_FALSE(process_matches(s, proc("sleep")));                          // no command line (a kernel thread)
}

TEST(ProcessMatch, ParamMatchPartialAndInitial) {
  const auto partial = spec("java", {"-jar", "app"}, conf::ParamMatch::kPartial);
  EXPECT_TRUE(process_matches(partial, proc("java", {"java", "-jar", "app"})));
  EXPECT_TRUE(process_matches(partial, proc("java", {"java", "-jar", "app", "--port", "80"})));
  EXPECT_FALSE(process_matches(partial, proc("java", {"java", "-jar", "app.jar"})));
  EXPECT_FALSE(process_matches(partial, proc("java", {"java", "-jar"})));
  const auto initial = spec("java", {"-jar", "app"}, conf::ParamMatch::kInitial);
  EXPECT_TRUE(process_matches(initial, proc("java", {"java", "-jar", "app.jar"})));  // the last word may go on
  EXPECT_TRUE(process_matches(initial, proc("java", {"java", "-jar", "app", "x"})));
  EXPECT_FALSE(process_matches(initial, proc("java", {"java", "-jarx", "app"})));   // only the last one
  EXPECT_FALSE(process_matches(initial, proc("java", {"java", "-jar", "ap"})));
}

TEST(ProcessMatch, ParamMatchWithoutParametersMeansNone) {
  const auto none = spec("sleep", {}, conf::ParamMatch::kExact);
  EXPECT_TRUE(process_matches(none, proc("sleep", {"sleep"})));
  EXPECT_FALSE(process_matches(none, proc("sleep", {"sleep", "1"})));
  // full_command alone: the first word, any parameters.
  const auto full = spec("/usr/sbin/haproxy", {}, std::nullopt, true);
  EXPECT_TRUE(process_matches(full, proc("haproxy", {"/usr/sbin/haproxy", "-f", "/etc/haproxy.cfg"})));
  EXPECT_FALSE(process_matches(full, proc("haproxy", {"haproxy"})));
}

TEST(ProcessMatch, ProcFileParsing) {
  EXPECT_EQ(split_cmdline(std::string("sleep\0" "1000\0", 11)), (std::vector<std::string>{"sleep", "1000"}));
  EXPECT_EQ(split_cmdline(std::string("a\0\0b", 4)), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(split_cmdline("").empty());
  auto st = parse_proc_stat("42 (my (odd) name) S 1 42 42 0");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->comm, "my (odd) name");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(parse_proc_stat("7 (sleep) Z 1")->state, 'Z');
  EXPECT_FALSE(parse_proc_stat("garbage").has_value());
}

struct QuorumFixture : ::testing::Test {
  core::FakeScheduler clock;
  std::vector<bool> reported;
  std::unique_ptr<ProcessQuorum> make(ProcessQuorum::Settings s, std::size_t count) {
    return std::make_unique<ProcessQuorum>(clock, s, count, [this](bool up) { reported.push_back(up); });
  }
};

TEST_F(QuorumFixture, UpWhileBetweenQuorumAndQuorumMax) {
  auto q = make({.min = 2, .max = 3}, 0);
  EXPECT_FALSE(q->up());
  q->set_count(1, Cause::kExec);
  EXPECT_FALSE(q->up());
  q->set_count(2, Cause::kExec);
  EXPECT_TRUE(q->up());
  q->set_count(3, Cause::kExec);
  EXPECT_TRUE(q->up());
  q->set_count(4, Cause::kExec);  // too many
  EXPECT_FALSE(q->up());
  q->set_count(3, Cause::kExit);
  EXPECT_TRUE(q->up());
  EXPECT_EQ(reported, (std::vector<bool>{true, false, true}));
}

TEST_F(QuorumFixture, QuorumMaxZeroMeansMustNotRun) {
  conf::TrackProcess none{.name = "n", .process = "x", .quorum_max = 0};
  const auto s = ProcessQuorum::settings_of(none);
  EXPECT_EQ(s.min, 0u);
  auto q = make(s, 0);
  EXPECT_TRUE(q->up());  // nothing runs: good
  q->set_count(1, Cause::kExec);
  EXPECT_FALSE(q->up());
}

TEST_F(QuorumFixture, TerminateDelayHoldsTheLossAndARestartCancelsIt) {
  auto q = make({.min = 1, .terminate_delay = milliseconds(500)}, 1);
  ASSERT_TRUE(q->up());
  q->set_count(0, Cause::kExit);
  EXPECT_TRUE(q->up());
  EXPECT_TRUE(q->delaying());
  clock.advance(milliseconds(300));
  q->set_count(1, Cause::kExec);  // restarted within the delay: never reported down
  EXPECT_FALSE(q->delaying());
  clock.advance(milliseconds(1000));
  EXPECT_TRUE(q->up());
  EXPECT_TRUE(reported.empty());
  q->set_count(0, Cause::kExit);
  clock.advance(milliseconds(499));
  EXPECT_TRUE(q->up());
  clock.advance(milliseconds(1));
  EXPECT_FALSE(q->up());
  EXPECT_EQ(reported, (std::vector<bool>{false}));
}

TEST_F(QuorumFixture, ForkDelayHoldsAGainByFork) {
  auto q = make({.min = 2, .fork_delay = milliseconds(200), .terminate_delay = milliseconds(500)}, 1);
  q->set_count(2, Cause::kFork);
  EXPECT_FALSE(q->up());
  clock.advance(milliseconds(200));
  EXPECT_TRUE(q->up());
  // A fork that is gone before its delay ends changes nothing.
  q->set_count(1, Cause::kExit);  // terminate_delay runs
  q->set_count(2, Cause::kFork);  // back: the pending loss is cancelled, no fork delay starts
  EXPECT_FALSE(q->delaying());
  clock.advance(milliseconds(1000));
  EXPECT_TRUE(q->up());
  EXPECT_EQ(reported, (std::vector<bool>{true}));
  // An exec gains at once, a rescan that finds fewer waits terminate_delay.
  q->set_count(1, Cause::kScan);
  EXPECT_TRUE(q->up());
  clock.advance(milliseconds(500));
  EXPECT_FALSE(q->up());
  q->set_count(2, Cause::kExec);
  EXPECT_TRUE(q->up());
}

// A process table for the tracker.
class FakeProc final : public ProcReader {
 public:
  std::map<pid_t, ProcessIdentity> table;
  int cmdline_reads = 0;
  std::vector<pid_t> pids() override {
    std::vector<pid_t> out;
    for (const auto& [pid, id] : table) out.push_back(pid);
    return out;
  }
  std::optional<ProcessIdentity> identity(pid_t pid, bool with_cmdline) override {
    auto it = table.find(pid);
    if (it == table.end()) return std::nullopt;
    ProcessIdentity id = it->second;
    if (with_cmdline) ++cmdline_reads;
    else id.argv.clear();
    return id;
  }
};

TEST(ProcessTracker, ScanThenEvents) {
  core::FakeScheduler clock;
  FakeProc fake;
  fake.table[10] = proc("haproxy", {"haproxy", "-f", "a.cfg"});
  fake.table[11] = proc("sleep", {"sleep", "1000"});
  std::vector<std::pair<std::string, bool>> heard;
  ProcessTracker tracker(clock, fake, [&](const std::string& n, bool up) { heard.emplace_back(n, up); });
  conf::TrackProcess haproxy{.name = "lb", .process = "haproxy", .quorum = 2};
  conf::TrackProcess sleeper{.name = "sl", .process = "sleep", .parameters = {"1000"}};
  tracker.set_specs({haproxy, sleeper});
  EXPECT_FALSE(tracker.up("lb").has_value());  // not counted yet
  tracker.rescan();
  EXPECT_EQ(tracker.up("lb"), false);  // one of two
  EXPECT_EQ(tracker.up("sl"), true);
  EXPECT_TRUE(heard.empty());          // first verdicts are read, not reported
  EXPECT_EQ(fake.cmdline_reads, 2);    // one block compares command lines: each process's is read

  // haproxy forks a worker: the child counts as its parent does.
  tracker.on_event({.kind = ProcEvent::Kind::kFork, .pid = 12, .parent = 10});
  EXPECT_EQ(tracker.up("lb"), true);
  // The sleep process exits; another starts with other parameters (exec).
  tracker.on_event({.kind = ProcEvent::Kind::kExit, .pid = 11});
  EXPECT_EQ(tracker.up("sl"), false);
  fake.table[13] = proc("sleep", {"sleep", "5"});
  tracker.on_event({.kind = ProcEvent::Kind::kExec, .pid = 13});
  EXPECT_EQ(tracker.up("sl"), false);
  fake.table[14] = proc("sleep", {"sleep", "1000"});
  tracker.on_event({.kind = ProcEvent::Kind::kExec, .pid = 14});
  EXPECT_EQ(tracker.up("sl"), true);
  // The worker renames itself: it no longer counts by name.
  tracker.on_event({.kind = ProcEvent::Kind::kComm, .pid = 12, .comm = "haproxy-w"});
  EXPECT_EQ(tracker.up("lb"), false);
  // A process that execs something else stops counting.
  fake.table[10] = proc("bash", {"bash"});
  tracker.on_event({.kind = ProcEvent::Kind::kExec, .pid = 10});
  auto statuses = tracker.statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].name, "lb");
  EXPECT_EQ(statuses[0].processes, 0u);
  EXPECT_EQ(statuses[0].quorum, 2u);
  EXPECT_FALSE(statuses[0].up);
  EXPECT_EQ(statuses[1].processes, 1u);
  EXPECT_EQ(heard, (std::vector<std::pair<std::string, bool>>{
                       {"lb", true}, {"sl", false}, {"sl", true}, {"lb", false}}));

  // A reload keeps an unchanged block's count; a changed one is counted anew.
  conf::TrackProcess sleeper5 = sleeper;
  sleeper5.parameters = {"5"};
  tracker.set_specs({haproxy, sleeper5});
  EXPECT_FALSE(tracker.up("sl").has_value());
  EXPECT_EQ(tracker.up("lb"), false);
  tracker.rescan();
  EXPECT_EQ(tracker.up("sl"), true);
}

TEST(ProcessTracker, NoCommandLineReadWhenOnlyNamesAreCompared) {
  core::FakeScheduler clock;
  FakeProc fake;
  fake.table[5] = proc("nginx", {"nginx: master process"});
  ProcessTracker tracker(clock, fake, nullptr);
  tracker.set_specs({{.name = "n", .process = "nginx"}});
  tracker.rescan();
  EXPECT_EQ(tracker.up("n"), true);
  EXPECT_EQ(fake.cmdline_reads, 0);
}

TEST(ProcFs, ReadsADirectoryShapedLikeProc) {
  char tmpl[] = "/tmp/lvsd-procfs-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  auto add = [&](const std::string& pid, const std::string& stat, const std::string& cmdline) {
    ::mkdir((root + "/" + pid).c_str(), 0755);
    std::ofstream(root + "/" + pid + "/stat") << stat;
    std::ofstream(root + "/" + pid + "/cmdline", std::ios::binary) << cmdline;
  };
  add("100", "100 (sleep) S 1 100", std::string("sleep\0" "1000\0", 11));
  add("101", "101 (sleep) Z 1 101", "");
  ::mkdir((root + "/self").c_str(), 0755);
  ProcFs fs(root);
  auto pids = fs.pids();
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, (std::vector<pid_t>{100, 101}));
  auto id = fs.identity(100, true);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->comm, "sleep");
  EXPECT_EQ(id->argv, (std::vector<std::string>{"sleep", "1000"}));
  EXPECT_FALSE(fs.identity(101, false).has_value());  // a zombie runs nothing
  EXPECT_FALSE(fs.identity(102, false).has_value());
  std::system(("rm -rf " + root).c_str());
}

// The connector's bytes: linux/cn_proc.h's layout, built and parsed back.
TEST(ProcConnectorCodec, ListenMessageAndEvents) {
  const auto msg = proc_listen_message(true, 4242);
  ASSERT_EQ(msg.size(), NLMSG_LENGTH(sizeof(cn_msg) + 4));
  nlmsghdr nh{};
  std::memcpy(&nh, msg.data(), sizeof(nh));
  EXPECT_EQ(nh.nlmsg_len, msg.size());
  EXPECT_EQ(nh.nlmsg_type, NLMSG_DONE);
  EXPECT_EQ(nh.nlmsg_pid, 4242u);
  cn_msg cn{};
  std::memcpy(&cn, msg.data() + NLMSG_HDRLEN, sizeof(cn));
  EXPECT_EQ(cn.id.idx, static_cast<unsigned>(CN_IDX_PROC));
  EXPECT_EQ(cn.id.val, static_cast<unsigned>(CN_VAL_PROC));
  EXPECT_EQ(cn.len, 4);
  std::uint32_t op = 0;
  std::memcpy(&op, msg.data() + NLMSG_HDRLEN + sizeof(cn), 4);
  EXPECT_EQ(op, static_cast<std::uint32_t>(PROC_CN_MCAST_LISTEN));

  auto event = [](const proc_event& ev) {
    std::vector<std::uint8_t> out(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(cn_msg) + sizeof(ev))), 0);
    nlmsghdr h{.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(sizeof(cn_msg) + sizeof(ev))),
               .nlmsg_type = NLMSG_DONE, .nlmsg_flags = 0, .nlmsg_seq = 0, .nlmsg_pid = 0};
    cn_msg c{};
    c.id.idx = CN_IDX_PROC;
    c.id.val = CN_VAL_PROC;
    c.len = sizeof(ev);
    std::memcpy(out.data(), &h, sizeof(h));
    std::memcpy(out.data() + NLMSG_HDRLEN, &c, sizeof(c));
    std::memcpy(out.data() + NLMSG_HDRLEN + sizeof(c), &ev, sizeof(ev));
    return out;
  };
  std::vector<std::uint8_t> all;
  proc_event fork{};
  fork.what = proc_event::PROC_EVENT_FORK;
  fork.event_data.fork.parent_tgid = 10;
  fork.event_data.fork.child_pid = 12;
  fork.event_data.fork.child_tgid = 12;
  proc_event thread = fork;  // a new thread: left out
  thread.event_data.fork.child_pid = 13;
  proc_event exec{};
  exec.what = proc_event::PROC_EVENT_EXEC;
  exec.event_data.exec.process_pid = exec.event_data.exec.process_tgid = 12;
  proc_event comm{};
  comm.what = proc_event::PROC_EVENT_COMM;
  comm.event_data.comm.process_pid = comm.event_data.comm.process_tgid = 12;
  std::strcpy(comm.event_data.comm.comm, "worker");
  proc_event exit{};
  exit.what = proc_event::PROC_EVENT_EXIT;
  exit.event_data.exit.process_pid = exit.event_data.exit.process_tgid = 12;
  for (const auto& ev : {fork, thread, exec, comm, exit}) {
    auto bytes = event(ev);
    all.insert(all.end(), bytes.begin(), bytes.end());
  }
  auto events = parse_proc_events(all);
  EXPECT_EQ(events, (std::vector<ProcEvent>{{.kind = ProcEvent::Kind::kFork, .pid = 12, .parent = 10},
                                            {.kind = ProcEvent::Kind::kExec, .pid = 12},
                                            {.kind = ProcEvent::Kind::kComm, .pid = 12, .comm = "worker"},
                                            {.kind = ProcEvent::Kind::kExit, .pid = 12}}));
  // Truncated: nothing read past the end.
  EXPECT_TRUE(parse_proc_events(std::span<const std::uint8_t>(all.data(), 20)).empty());
}

}  // namespace
}  // namespace lvsd::daemon
