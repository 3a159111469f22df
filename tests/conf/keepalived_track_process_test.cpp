// vrrp_track_process and track_process (in vrrp_instance and vrrp_sync_group):
// read from keepalived.conf with keepalived 2.2.7's rules and errors, from
// the YAML, written back (the import's YAML reads to the same model), and
// every error at file:line:column.
#include <gtest/gtest.h>

#include <string>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

using std::chrono::milliseconds;

std::string instance(const std::string& extra) {
  return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n"
         " virtual_ipaddress {\n  10.0.0.100\n }\n" + extra + "}\n";
}

TEST(KeepalivedTrackProcess, EveryKeywordIsRead) {
  auto r = ka("vrrp_track_process haproxy {\n process haproxy\n weight -60\n quorum 2\n quorum_max 4\n"
              " delay 0.5\n}\n"
              "vrrp_track_process app {\n process \"/opt/my app\" -c \"a b\"\n param_match initial\n weight 10 reverse\n"
              " fork_delay 1.25\n terminate_delay 2\n full_command\n}\n"
              "vrrp_track_process none {\n process sshd\n param_match\n quorum_max 0\n}\n" +
              instance(" track_process {\n  haproxy\n  app weight -20 noreverse\n }\n") +
              "vrrp_sync_group G {\n group {\n  VI_1\n }\n track_process {\n  none weight 0 reverse\n }\n}\n");
  ASSERT_TRUE(r.ok()) << messages(r);
  ASSERT_EQ(r.config->track_processes.size(), 3u);
  const TrackProcess& h = r.config->track_processes[0];
  EXPECT_EQ(h.name, "haproxy");
  EXPECT_EQ(h.process, "haproxy");
  EXPECT_TRUE(h.parameters.empty());
  EXPECT_FALSE(h.param_match.has_value());
  EXPECT_FALSE(h.matches_command_line());
  EXPECT_EQ(h.weight, -60);
  EXPECT_EQ(h.quorum, 2);
  EXPECT_EQ(h.quorum_max, 4);
  EXPECT_EQ(h.fork_delay, milliseconds(500));  // delay sets both
  EXPECT_EQ(h.terminate_delay, milliseconds(500));
  const TrackProcess& a = r.config->track_processes[1];
  EXPECT_EQ(a.process, "/opt/my app");  // a quoted word is one word, quotes removed
  EXPECT_EQ(a.parameters, (std::vector<std::string>{"-c", "a b"}));
  EXPECT_EQ(a.param_match, ParamMatch::kInitial);
  EXPECT_TRUE(a.full_command);
  EXPECT_TRUE(a.reverse);
  EXPECT_EQ(a.fork_delay, milliseconds(1250));
  EXPECT_EQ(a.terminate_delay, milliseconds(2000));
  const TrackProcess& n = r.config->track_processes[2];
  EXPECT_EQ(n.param_match, ParamMatch::kExact);  // param_match without a value
  EXPECT_EQ(n.quorum_max, 0);
  EXPECT_EQ(n.weight, 0);  // keepalived 2.2.7's default (its man page says 1; it runs 0)
  const auto& refs = r.config->vrrp_instances[0].track_process;
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_FALSE(refs[0].weight.has_value());
  EXPECT_EQ(refs[1].weight, -20);
  EXPECT_EQ(refs[1].reverse, false);
  ASSERT_EQ(r.config->vrrp_sync_groups[0].track_process.size(), 1u);
  EXPECT_EQ(r.config->vrrp_sync_groups[0].track_process[0].weight, 0);
  EXPECT_EQ(r.config->vrrp_sync_groups[0].track_process[0].reverse, true);
  expect_round_trip(*r.config);
}

// What keepalived 2.2.7 reports as a configuration error (keepalived -t
// fails), lvsd refuses, at the word, saying what keepalived does.
TEST(KeepalivedTrackProcess, KeepalivedsErrorsAreRefusedAtTheirWord) {
  auto r = ka("vrrp_track_process p {\n process sleep\n param_match exact\n weight 300\n quorum 0\n"
              " quorum_max 70000\n delay 0\n}\n"
              "vrrp_track_process q {\n weight 5 noreverse\n}\n"
              "vrrp_track_process s {\n process x\n quorum 3\n quorum_max 2\n}\n" +
              instance(" track_process {\n  p weight 255\n }\n"));
  ASSERT_FALSE(r.ok());
  const std::string m = messages(r);
  EXPECT_NE(m.find("k.conf:3:14: track_processes[0].param_match: 'exact' is not a param_match type: allowed initial, "
                   "partial or no value (exact); keepalived 2.2.7 reports this"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:4:9: track_processes[0].weight: '300' is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:5:9: track_processes[0].quorum: '0' is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:6:13: track_processes[0].quorum_max: '70000' is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:7:8: track_processes[0].delay: '0' is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:10:11: track_processes[1].reverse: 'noreverse' is not valid here"), std::string::npos) << m;
  EXPECT_NE(m.find("k.conf:9:1: track_processes[1].process: missing process"), std::string::npos) << m;
  EXPECT_NE(m.find("track_processes[2].quorum_max: quorum_max 2 is below quorum 3"), std::string::npos) << m;
  EXPECT_NE(m.find("vrrp_instances[0].track_process[0].weight: '255' is out of range"), std::string::npos) << m;
  // Names are checked once the file reads: at the name.
  auto unknown = ka(instance(" track_process {\n  nope\n }\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(messages(unknown).find("k.conf:9:3: vrrp_instances[0].track_process[0]: no track_process named 'nope'"),
            std::string::npos) << messages(unknown);
}

TEST(YamlTrackProcess, KeysAndErrors) {
  auto r = load_yaml("track_processes:\n"
                     "  - name: web\n"
                     "    process: nginx\n"
                     "    parameters: ['-g', 'daemon off;']\n"
                     "    param_match: partial\n"
                     "    weight: -30\n"
                     "    quorum: 1\n"
                     "    quorum_max: 8\n"
                     "    fork_delay: 200ms\n"
                     "    terminate_delay: 1s\n"
                     "vrrp_instances:\n"
                     "  - name: VI_1\n"
                     "    interface: eth0\n"
                     "    virtual_router_id: 51\n"
                     "    virtual_ipaddress: [10.0.0.100]\n"
                     "    track_process: [web]\n"
                     "vrrp_sync_groups:\n"
                     "  - name: G\n"
                     "    group: [VI_1]\n"
                     "    track_process: [{name: web, weight: 0}]\n",
                     "c.yaml");
  ASSERT_TRUE(r.ok()) << messages(r);
  const TrackProcess& w = r.config->track_processes[0];
  EXPECT_EQ(w.parameters, (std::vector<std::string>{"-g", "daemon off;"}));
  EXPECT_EQ(w.param_match, ParamMatch::kPartial);
  EXPECT_EQ(w.quorum_max, 8);
  EXPECT_EQ(w.fork_delay, milliseconds(200));
  expect_round_trip(*r.config);

  auto bad = load_yaml("track_processes:\n"
                       "  - name: web\n"
                       "    param_match: fuzzy\n"
                       "    quorum_max: 0\n"
                       "    quorum: 2\n"
                       "vrrp_instances:\n"
                       "  - name: VI_1\n"
                       "    interface: eth0\n"
                       "    virtual_router_id: 51\n"
                       "    virtual_ipaddress: [10.0.0.100]\n"
                       "    track_process: [webb]\n",
                       "c.yaml");
  ASSERT_FALSE(bad.ok());
  const std::string m = messages(bad);
  EXPECT_NE(m.find("c.yaml:2:5: track_processes[0].process: missing required key 'process'"), std::string::npos) << m;
  EXPECT_NE(m.find("c.yaml:3:18: track_processes[0].param_match: 'fuzzy'"), std::string::npos) << m;
  EXPECT_NE(m.find("track_processes[0].quorum_max: quorum_max 0 (the process must not run) needs quorum 1"),
            std::string::npos) << m;
  EXPECT_NE(m.find("c.yaml:11:21: vrrp_instances[0].track_process[0]: no track_process named 'webb': did you mean "
                   "'web'?"), std::string::npos) << m;
}

}  // namespace
}  // namespace lvsd::conf
