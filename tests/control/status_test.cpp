#include "control/status.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace lvsd::control {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;  // ms

StatusSnapshot sample() {
  StatusSnapshot s{.version = "0.1.0", .router_id = "lvs1", .config_path = "/etc/lvsd/lvsd.yaml", .pid = 4242,
                   .generated_unix_ms = kNow, .started_unix_ms = kNow - 7'500'000};
  s.vrrp_instances.push_back(VrrpInstanceStatus{
      .name = "VI_1", .interface = "eth0", .virtual_router_id = 51, .state = "MASTER", .priority = 150,
      .configured_priority = 150, .master_address = "10.0.0.11", .virtual_addresses = {"192.168.152.100"},
      .last_transition_unix_ms = kNow - 7'440'000, .last_transition_reason = "master down timer expired",
      .transitions = 2, .adverts_sent = 7440, .adverts_received = 3, .adverts_dropped = {{"wrong_vrid", 4}},
      .routes_held = {"10.60.0.0/16 via 10.0.0.3 table 160"}, .rules_held = {"from 10.0.0.100/32 table 160 priority 160"}});
  s.vrrp_instances.push_back(VrrpInstanceStatus{
      .name = "VI_2", .interface = "eth1", .virtual_router_id = 52, .state = "BACKUP", .priority = 90,
      .configured_priority = 100, .master_address = "10.0.1.12", .last_transition_unix_ms = kNow - 45'000,
      .last_transition_reason = "higher priority advert from 10.0.1.12"});
  s.vrrp_instances.push_back(VrrpInstanceStatus{
      .name = "VI_3", .interface = "eth2", .virtual_router_id = 53, .state = "FAULT", .priority = 100,
      .configured_priority = 100, .last_transition_unix_ms = kNow - 5'000,
      .last_transition_reason = "tracked script chk_db down", .tracked_down = {"script chk_db", "eth2"},
      .tracked = {{.kind = "script", .name = "chk_db", .state = "down", .fault = true, .priority_change = 0},
                  {.kind = "interface", .name = "eth2", .state = "down", .fault = true, .priority_change = 0},
                  {.kind = "file", .name = "maint", .state = "value 3", .fault = false, .priority_change = -30},
                  {.kind = "interface", .name = "eth3", .state = "up", .fault = false, .priority_change = 10}}});
  s.vrrp_scripts.push_back(VrrpScriptStatus{
      .name = "chk_db", .result = "down", .last_run = "script exit 1", .runs = 40, .failed_runs = 3});
  VirtualServerStatus web{.key = "TCP 192.168.152.100:80", .scheduler = "rr", .in_kernel = true};
  web.real_servers.push_back(RealServerStatus{
      .address = "192.168.152.133:80", .forward = "DR", .configured_weight = 1, .current_weight = 1,
      .active_connections = 12, .inactive_connections = 40, .health = "up", .health_since_unix_ms = kNow - 7'300'000,
      .last_check = "HTTP_GET 200", .last_check_latency_ms = 1.24, .last_check_unix_ms = kNow - 3'000,
      .check_results = {{"success", 120}, {"failure", 1}},
      .traffic = {.connections = 900, .in_packets = 10, .out_packets = 0, .in_bytes = 4000, .out_bytes = 0}});
  web.real_servers.push_back(RealServerStatus{
      .address = "192.168.152.134:80", .forward = "DR", .configured_weight = 1, .current_weight = 0,
      .active_connections = 3, .inactive_connections = 5, .health = "up", .health_since_unix_ms = kNow - 300'000,
      .last_check = "HTTP_GET 200", .last_check_latency_ms = 2.0, .last_check_unix_ms = kNow - 1'000,
      .drain = "draining", .drain_deadline_unix_ms = kNow + 252'000});
  web.real_servers.push_back(RealServerStatus{
      .address = "192.168.152.135:80", .forward = "DR", .configured_weight = 2, .health = "down",
      .health_since_unix_ms = kNow - 64'000, .last_check = "HTTP_GET refused",
      .last_check_latency_ms = 0.3, .last_check_unix_ms = kNow - 4'000});
  s.virtual_servers.push_back(web);
  s.virtual_servers.push_back(VirtualServerStatus{.key = "UDP 192.168.152.100:53", .scheduler = "wlc", .disabled = true});
  s.counters = {.reconciles = 120, .reconcile_operations = 9, .reconcile_errors = 1, .reloads_succeeded = 3,
                .reloads_failed = 1, .last_reload_unix_ms = kNow - 720'000,
                .last_failed_reload_unix_ms = kNow - 900'000};
  return s;
}

TEST(StatusJson, RoundTripsEveryField) {
  const StatusSnapshot s = sample();
  auto back = status_from_json(nlohmann::json::parse(to_json(s).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(StatusText, TrackedObjectsAndScriptsAreShown) {
  const std::string text = format_status(sample());
  EXPECT_NE(text.find("down: script chk_db, eth2"), std::string::npos) << text;
  EXPECT_NE(text.find("SCRIPT"), std::string::npos) << text;
  EXPECT_NE(text.find("chk_db  down"), std::string::npos) << text;
  EXPECT_NE(text.find("script exit 1"), std::string::npos) << text;
}

TEST(StatusText, RoutesAndRulesHeldArePerInstance) {
  const std::string text = format_status(sample());
  EXPECT_NE(text.find("  VI_1 holds route 10.60.0.0/16 via 10.0.0.3 table 160\n"
                      "  VI_1 holds rule from 10.0.0.100/32 table 160 priority 160\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("VI_2 holds"), std::string::npos) << text;
}

TEST(StatusJson, RoutesHeldAreOptionalTheRestIsNot) {
  auto j = to_json(sample());
  j["vrrp_instances"][0].erase("routes_held");
  j["vrrp_instances"][0].erase("rules_held");
  auto back = status_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->vrrp_instances[0].routes_held.empty());
  j["vrrp_instances"][0].erase("adverts_sent");
  EXPECT_FALSE(status_from_json(j).ok());
}

TEST(StatusJson, NamesWhatIsMissingOrWrong) {
  auto j = to_json(sample());
  j["virtual_servers"][0]["real_servers"][1].erase("active_connections");
  auto missing = status_from_json(j);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("active_connections"), std::string::npos) << missing.error().message;
  auto wrong = to_json(sample());
  wrong["pid"] = "many";
  EXPECT_FALSE(status_from_json(wrong).ok());
  EXPECT_FALSE(status_from_json(nlohmann::json::array()).ok());
}

TEST(StatusJson, UnsetOptionalsAreNull) {
  auto j = to_json(sample());
  const auto& down = j["virtual_servers"][0]["real_servers"][2];
  EXPECT_TRUE(down["current_weight"].is_null());
  EXPECT_EQ(j["virtual_servers"][0]["real_servers"][1]["current_weight"], 0);
}

TEST(StatusText, OneScreenWithAlignedColumns) {
  const std::string text = format_status(sample());
  const std::string expected =
      "lvsd 0.1.0  router lvs1  pid 4242  up 2h05m  config /etc/lvsd/lvsd.yaml\n"
      "reloads: 3 applied, 1 refused (last 12m00s ago)   IPVS: 120 reconciles, 9 changes, 1 errors\n"
      "\n"
      "VRRP\n"
      "  INSTANCE  IF    VRID  STATE     PRIO  MASTER     SINCE  LAST TRANSITION\n"
      "  VI_1      eth0    51  MASTER     150  this node  2h04m  master down timer expired\n"
      "  VI_2      eth1    52  BACKUP  90/100  10.0.1.12    45s  higher priority advert from 10.0.1.12\n"
      "  VI_3      eth2    53  FAULT      100  -             5s  down: script chk_db, eth2\n"
      "  VI_1 holds route 10.60.0.0/16 via 10.0.0.3 table 160\n"
      "  VI_1 holds rule from 10.0.0.100/32 table 160 priority 160\n"
      "\n"
      "  INSTANCE  TRACKS     NAME    STATE    PRIORITY\n"
      "  VI_3      script     chk_db  down        FAULT\n"
      "  VI_3      interface  eth2    down        FAULT\n"
      "  VI_3      file       maint   value 3       -30\n"
      "  VI_3      interface  eth3    up            +10\n"
      "\n"
      "  SCRIPT  RESULT  RUNS  FAILED  LAST RUN\n"
      "  chk_db  down      40       3  script exit 1\n"
      "\n"
      "VIRTUAL SERVERS\n"
      "  TCP 192.168.152.100:80  rr  DR\n"
      "    REAL SERVER         WEIGHT  ACTIVE  INACT  HEALTH           SINCE  LAST CHECK\n"
      "    192.168.152.133:80     1/1      12     40  up               2h01m  HTTP_GET 200 1.2ms 3s ago\n"
      "    192.168.152.134:80     0/1       3      5  up, drain 4m12s  5m00s  HTTP_GET 200 2.0ms 1s ago\n"
      "    192.168.152.135:80     -/2       0      0  down             1m04s  HTTP_GET refused 0.3ms 4s ago\n"
      "  UDP 192.168.152.100:53  wlc  DISABLED (lvsctl enable)\n"
      "    (no real servers)\n"
      "\n"
      "WEIGHT: kernel/configured ('-': not in the kernel). SINCE: in this health state.\n"
      "drain T: weight 0 until its connections end, removed after T at most.\n";
  EXPECT_EQ(text, expected);
}

TEST(StatusText, TypicalLinesFitOneHundredColumns) {
  std::istringstream in(format_status(sample()));
  std::string line;
  int long_lines = 0;
  while (std::getline(in, line)) {
    if (line.size() > 100) ++long_lines;
  }
  EXPECT_EQ(long_lines, 0);
}

TEST(StatusText, EmptyDaemonSaysSo) {
  StatusSnapshot s{.version = "0.1.0", .pid = 1, .generated_unix_ms = kNow};
  const std::string text = format_status(s);
  EXPECT_NE(text.find("(no instances configured)"), std::string::npos);
  EXPECT_NE(text.find("(none configured)"), std::string::npos);
}

TEST(StatusText, Ages) {
  EXPECT_EQ(format_age(0), "0s");
  EXPECT_EQ(format_age(59'999), "59s");
  EXPECT_EQ(format_age(60'000), "1m00s");
  EXPECT_EQ(format_age(3'599'000), "59m59s");
  EXPECT_EQ(format_age(3'600'000), "1h00m");
  EXPECT_EQ(format_age(90'000'000), "1d01h");
  EXPECT_EQ(format_age(-5), "0s");
}

// The probe-duration histograms are for the metrics only; a status from an
// lvsd that predates the last refused reload's time reads as "never".
TEST(StatusJson, HistogramsStayOutAndOlderCountersRead) {
  StatusSnapshot s = sample();
  s.virtual_servers[0].real_servers[0].check_durations["HTTP_GET"].observe(0.01);
  auto j = to_json(s);
  EXPECT_FALSE(j["virtual_servers"][0]["real_servers"][0].contains("check_durations"));
  j["counters"].erase("last_failed_reload_unix_ms");
  auto back = status_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->counters.last_failed_reload_unix_ms, 0);
  EXPECT_TRUE(back->virtual_servers[0].real_servers[0].check_durations.empty());
  j["counters"].erase("reloads_failed");
  EXPECT_FALSE(status_from_json(j).ok());
}

TEST(StatusJson, ScaleOutRoundTripsAndIsOptional) {
  StatusSnapshot s = sample();
  auto without = status_from_json(nlohmann::json::parse(to_json(s).dump()));
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->scale_out.has_value());
  EXPECT_FALSE(to_json(s).contains("scale_out"));
  s.scale_out = ScaleOutStatus{
      .table = 200, .node_drained = false, .node_drained_since_unix_ms = 0,
      .announcements = {{.vip = "10.0.0.100", .announced = true, .reason = "serving", .since_unix_ms = kNow - 65'000,
                         .transitions = 1, .services = {"TCP 10.0.0.100:80", "TCP 10.0.0.100:443"}},
                        {.vip = "10.0.0.101", .announced = false, .reason = "no quorum", .since_unix_ms = kNow - 5'000,
                         .transitions = 2, .services = {"TCP 10.0.0.101:80"}}}};
  auto back = status_from_json(nlohmann::json::parse(to_json(s).dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  const std::string text = format_status(s);
  EXPECT_NE(text.find("ANNOUNCEMENTS (routing table 200)  node: in service"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.100  announced  1m05s  serving    TCP 10.0.0.100:80, TCP 10.0.0.100:443"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("10.0.0.101  withdrawn     5s  no quorum  TCP 10.0.0.101:80"), std::string::npos) << text;
  s.scale_out->node_drained = true;
  s.scale_out->node_drained_since_unix_ms = kNow - 30'000;
  EXPECT_NE(format_status(s).find("node: DRAINED 30s ago (lvsctl undrain-node)"), std::string::npos);
}

}  // namespace
}  // namespace lvsd::control
