#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/read_file.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

using std::chrono::seconds;

// Includes served from memory: pattern -> files.
IncludeReader memory_includes(std::map<std::string, std::vector<KaFile>> files) {
  return [files](const std::string& pattern, const std::string&, std::size_t) -> core::Result<std::vector<KaFile>> {
    auto it = files.find(pattern);
    if (it == files.end()) return std::vector<KaFile>{};
    return it->second;
  };
}

TEST(KeepalivedParser, BracesShareLinesWithKeywords) {
  auto r = parse_keepalived("a 1 { b 2\n c { d } } e\n", "k.conf", no_include_reader());
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.statements.size(), 2u);
  const auto& a = r.statements[0];
  EXPECT_EQ(a.keyword.text, "a");
  ASSERT_EQ(a.args.size(), 1u);
  EXPECT_TRUE(a.has_block);
  ASSERT_EQ(a.children.size(), 2u);
  EXPECT_EQ(a.children[0].keyword.text, "b");
  EXPECT_EQ(a.children[1].children.at(0).keyword.text, "d");
  EXPECT_EQ(r.statements[1].keyword.text, "e");
  EXPECT_EQ(r.statements[1].keyword.location, (Location{.file = "k.conf", .line = 2, .column = 12}));
}

TEST(KeepalivedParser, CommentsAndQuotes) {
  auto r = parse_keepalived("# c1\n! c2\nx \"a b # c\" # trailing\ny z!not-a-comment ! comment\n", "k.conf",
                            no_include_reader());
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.statements.size(), 2u);
  EXPECT_EQ(r.statements[0].args.at(0).text, "a b # c");
  ASSERT_EQ(r.statements[1].args.size(), 1u);
  EXPECT_EQ(r.statements[1].args[0].text, "z!not-a-comment");
}

TEST(KeepalivedParser, UnbalancedBracesAndUnterminatedQuotes) {
  auto r = parse_keepalived("a {\n b {\n}\n}\n}\nc \"open\n", "k.conf", no_include_reader());
  EXPECT_EQ(where(r.errors), (Where{"6:3 ", "5:1 "}));
  auto open = parse_keepalived("a {\n b\n", "k.conf", no_include_reader());
  EXPECT_EQ(where(open.errors), Where{"1:3 "});
  auto stray = parse_keepalived("{ x }\n", "k.conf", no_include_reader());
  EXPECT_EQ(where(stray.errors), Where{"1:1 "});
}

TEST(KeepalivedParser, DeepNestingIsRefusedNotOverflowed) {
  std::string deep(100000, '{');
  auto r = parse_keepalived("a " + deep, "k.conf", no_include_reader());
  EXPECT_FALSE(r.errors.empty());
}

TEST(KeepalivedParser, IncludesAreSplicedWithTheirOwnFileNames) {
  auto includes = memory_includes({{"vs/*.conf", {KaFile{.path = "vs/a.conf", .content = "x 1\n"},
                                                  KaFile{.path = "vs/b.conf", .content = "\ny 2\n"}}}});
  auto r = parse_keepalived("top {\ninclude vs/*.conf\n}\n", "main.conf", includes);
  EXPECT_TRUE(r.errors.empty());
  const auto& kids = r.statements.at(0).children;
  ASSERT_EQ(kids.size(), 2u);
  EXPECT_EQ(kids[1].keyword.location, (Location{.file = "vs/b.conf", .line = 2, .column = 1}));
}

TEST(KeepalivedParser, IncludeLoopsStop) {
  auto includes = memory_includes({{"self.conf", {KaFile{.path = "self.conf", .content = "include self.conf\n"}}},
                                   {"b.conf", {KaFile{.path = "b.conf", .content = "include a.conf\n"}}},
                                   {"a.conf", {KaFile{.path = "a.conf", .content = "include b.conf\n"}}}});
  auto r = parse_keepalived("include self.conf\n", "self.conf", includes);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "include loop: 'self.conf' includes itself");
  auto ab = parse_keepalived("include a.conf\n", "main.conf", includes);
  ASSERT_EQ(ab.errors.size(), 1u);
  EXPECT_EQ(ab.errors[0].location.file, "b.conf");
}

TEST(KeepalivedParser, IncludeDepthAndFanOutAreBounded) {
  // d0 includes d1 ... d9: deeper than 8 levels.
  std::map<std::string, std::vector<KaFile>> chain;
  for (int i = 0; i < 10; ++i) {
    std::string name = "d" + std::to_string(i) + ".conf";
    chain[name] = {KaFile{.path = name, .content = "include d" + std::to_string(i + 1) + ".conf\n"}};
  }
  auto deep = parse_keepalived("include d0.conf\n", "main.conf", memory_includes(chain));
  ASSERT_EQ(deep.errors.size(), 1u);
  EXPECT_NE(deep.errors[0].message.find("nested more than 8"), std::string::npos);
  // Each level includes the next one 4 times: 4^8 copies would be read without the byte cap.
  std::map<std::string, std::vector<KaFile>> fan;
  for (int i = 0; i < 9; ++i) {
    std::string next = "f" + std::to_string(i + 1) + ".conf";
    std::string text = std::string(1 << 20, '#') + "\n";
    for (int k = 0; k < 4; ++k) text += "include " + next + "\n";
    fan["f" + std::to_string(i) + ".conf"] = {KaFile{.path = "f" + std::to_string(i) + ".conf", .content = text}};
  }
  auto wide = parse_keepalived("include f0.conf\n", "main.conf", memory_includes(fan));
  // Depth-first, so the chain hits the depth limit first; then the byte cap stops the fan-out.
  bool capped = std::any_of(wide.errors.begin(), wide.errors.end(),
                            [](const ConfigError& e) { return e.message.find("MiB") != std::string::npos; });
  EXPECT_TRUE(capped);
  EXPECT_LT(wide.errors.size(), 400u);
}

TEST(KeepalivedParser, FilesystemIncludeResolvesRelativeToTheIncludingFile) {
  auto reader = filesystem_include_reader();
  auto files = reader("keepalived-seed.*", std::string(LVSD_SOURCE_DIR) + "/examples/lvsd.yaml", kMaxConfigLoadBytes);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_NE(files->at(0).content.find("virtual_server 192.168.152.100 80"), std::string::npos);
  auto none = reader("no-such-*.conf", std::string(LVSD_SOURCE_DIR) + "/examples/lvsd.yaml", kMaxConfigLoadBytes);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(KeepalivedImport, IncludedFilesFromDiskWithTheirOwnLocations) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("lvsd-conf-include-" + std::to_string(::getpid()));
  fs::create_directories(dir / "conf.d");
  auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  write(dir / "keepalived.conf", "global_defs { router_id A }\ninclude conf.d/*.conf\n");
  write(dir / "conf.d" / "10-vrrp.conf",
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress { 10.0.0.1 }\n}\n");
  write(dir / "conf.d" / "20-lvs.conf", "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 { weight 99999 }\n}\n");
  auto r = import_keepalived_file((dir / "keepalived.conf").string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].location, (Location{.file = (dir / "conf.d" / "20-lvs.conf").string(), .line = 2, .column = 35}));
  EXPECT_EQ(r.errors[0].path, "virtual_servers[0].real_servers[0].weight");
  fs::remove(dir / "conf.d" / "20-lvs.conf");
  r = import_keepalived_file((dir / "keepalived.conf").string());
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  EXPECT_EQ(r.config->vrrp_instances.at(0).virtual_router_id, 5);
  fs::remove_all(dir);
}

TEST(KeepalivedImport, OneLineRealServerIsUnderstood) {
  // keepalived 2.2.7 drops this real server with "Unknown keyword"; lvsd reads it.
  const char* text =
      "virtual_server 10.0.0.1 80 { lb_algo rr lb_kind DR\n"
      "  real_server 10.0.0.2 80 { weight 2 HTTP_GET { url { path /health status_code 200-299 } connect_timeout 3 } }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const auto& vs = r.config->virtual_servers.at(0);
  EXPECT_EQ(vs.lb_algo, "rr");
  EXPECT_EQ(vs.lb_kind, ForwardingMethod::kDr);
  const auto& rs = vs.real_servers.at(0);
  EXPECT_EQ(rs.weight, 2u);
  ASSERT_EQ(rs.checks.size(), 1u);
  EXPECT_EQ(rs.checks[0].connect_timeout, seconds(3));
  const auto& url = std::get<HttpCheck>(rs.checks[0].probe).url.at(0);
  EXPECT_EQ(url.path, "/health");
  EXPECT_EQ(url.status_code, (std::vector<StatusCodeRange>{{.low = 200, .high = 299}}));
}

// A real server's rarely set settings take a heap block only when one is set
// (conf::RealServerOptions): a table of plain real servers keeps 56 bytes each.
TEST(KeepalivedImport, RealServerOptionsAreAllocatedOnlyWhenSet) {
  const char* text =
      "virtual_server 10.0.0.1 80 { lb_algo rr lb_kind DR\n"
      "  real_server 10.0.0.2 80 { weight 2 }\n"
      "  real_server 10.0.0.3 80 { slow_start 5 }\n"
      "  real_server 10.0.0.4 80 { uthreshold 0 }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const auto& reals = r.config->virtual_servers.at(0).real_servers;
  EXPECT_FALSE(reals.at(0).options.allocated());
  EXPECT_TRUE(reals.at(1).options.allocated());
  EXPECT_EQ(reals.at(1).options->slow_start, seconds(5));
  EXPECT_FALSE(reals.at(2).options.allocated());  // given, but the default
}

TEST(KeepalivedImport, UnsupportedKeywordsAreErrorsWithLines) {
  const char* text =
      "global_defs {\n"
      "  router_id A\n"
      "  fifo_write_vrrp_states_on_reload\n"
      "}\n"
      "vrrp_script chk { script /bin/true }\n"
      "vrrp_instance VI_1 {\n"
      "  interface eth0\n"
      "  virtual_router_id 1\n"
      "  track_script { chk }\n"
      "  virtual_ipaddress { 10.0.0.1 }\n"
      "  priorty 100\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_EQ(where(r.errors), (Where{"3:3 global.fifo_write_vrrp_states_on_reload", "11:3 vrrp_instances[0].priorty"}));
  EXPECT_EQ(r.errors[1].message, "unknown keyword 'priorty': did you mean 'priority'?");
  EXPECT_FALSE(r.config.has_value());
}

TEST(KeepalivedImport, VrrpScriptAndTrackScript) {
  const char* text =
      "vrrp_script chk_haproxy {\n"
      "  script \"killall -0 haproxy\"\n"
      "  interval 2\n"
      "  timeout 3\n"
      "  weight -20 reverse\n"
      "  rise 2\n"
      "  fall 3\n"
      "  user nobody\n"
      "  init_fail\n"
      "}\n"
      "vrrp_script chk_plain {\n"
      "  script /usr/local/bin/check arg\n"
      "}\n"
      "vrrp_instance VI_1 {\n"
      "  interface eth0\n"
      "  virtual_router_id 1\n"
      "  track_script {\n"
      "    chk_haproxy\n"
      "    chk_plain weight 10 noreverse\n"
      "  }\n"
      "  track_interface {\n"
      "    eth1 weight -5 reverse\n"
      "  }\n"
      "  virtual_ipaddress { 10.0.0.1 }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : format_error(r.errors.front()));
  const Config& c = *r.config;
  ASSERT_EQ(c.vrrp_scripts.size(), 2u);
  const VrrpScript& s = c.vrrp_scripts[0];
  EXPECT_EQ(s.name, "chk_haproxy");
  EXPECT_EQ(s.script, "killall -0 haproxy");
  EXPECT_EQ(s.interval, std::chrono::seconds(2));
  EXPECT_EQ(s.timeout, std::chrono::seconds(3));
  EXPECT_EQ(s.weight, -20);
  EXPECT_TRUE(s.reverse);
  EXPECT_EQ(s.rise, 2);
  EXPECT_EQ(s.fall, 3);
  ASSERT_TRUE(s.user.has_value());
  EXPECT_EQ(s.user->user, "nobody");
  EXPECT_TRUE(s.init_fail);
  EXPECT_EQ(c.vrrp_scripts[1].script, "/usr/local/bin/check arg");
  EXPECT_EQ(c.vrrp_scripts[1].weight, 0);  // keepalived's default
  const auto& tracks = c.vrrp_instances[0].track_script;
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0].name, "chk_haproxy");
  EXPECT_FALSE(tracks[0].weight.has_value());
  EXPECT_EQ(tracks[1].weight, 10);
  EXPECT_EQ(tracks[1].reverse, false);
  EXPECT_EQ(c.vrrp_instances[0].track_interface[0].weight, -5);
  EXPECT_TRUE(c.vrrp_instances[0].track_interface[0].reverse);
}

TEST(KeepalivedImport, TrackScriptErrorsAreLocated) {
  const char* text =
      "vrrp_script chk { script /bin/true\n weight 300\n}\n"
      "vrrp_script chk { script /bin/true }\n"
      "vrrp_script nocmd { interval 1 }\n"
      "vrrp_instance VI_1 {\n"
      "  interface eth0\n"
      "  virtual_router_id 1\n"
      "  track_script {\n"
      "    chk_typo\n"
      "    chk weight 5 sideways\n"
      "  }\n"
      "  virtual_ipaddress { 10.0.0.1 }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(where(r.errors), (Where{"2:9 vrrp_scripts[0].weight", "4:13 vrrp_scripts[1].name", "5:1 vrrp_scripts[2].script",
                                    "10:5 vrrp_instances[0].track_script[0]",
                                    "11:18 vrrp_instances[0].track_script[1].reverse"}));
}

TEST(KeepalivedImport, HarmlessKeywordsWarnOncePerUse) {
  const char* text =
      "global_defs {\n"
      "  notification_email { a@b }\n"
      "  smtp_server 127.0.0.1\n"
      "  vrrp_skip_check_adv_addr\n"
      "  vrrp_garp_interval 0\n"
      "  vrrp_gna_interval 0\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(where(r.warnings), (Where{"2:3 global.notification_email", "3:3 global.smtp_server",
                                      "4:3 global.vrrp_skip_check_adv_addr", "5:3 global.vrrp_garp_interval",
                                      "6:3 global.vrrp_gna_interval"}));
  EXPECT_EQ(r.warnings[1].message,
            "keepalived keyword 'smtp_server' is ignored: lvsd sends no mail (it logs, and runs notify scripts)");
}

// Issue #17: these were dropped, and scripts keepalived ran as nobody ran as root.
TEST(KeepalivedImport, ScriptUserAndSecurityAreKept) {
  const char* text =
      "global_defs {\n"
      "  script_user nobody nogroup\n"
      "  enable_script_security\n"
      "}\n"
      "virtual_server 10.0.0.1 80 {\n"
      "  protocol TCP\n"
      "  real_server 10.0.0.2 80 {\n"
      "    MISC_CHECK {\n"
      "      misc_path \"/usr/local/bin/check --deep\"\n"
      "      user www-data\n"
      "    }\n"
      "  }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].message);
  EXPECT_TRUE(r.warnings.empty());
  const Config& c = *r.config;
  EXPECT_EQ(c.global.script_user, (ScriptUser{.user = "nobody", .group = "nogroup"}));
  EXPECT_TRUE(c.global.enable_script_security);
  const auto& misc = std::get<MiscCheck>(c.virtual_servers[0].real_servers[0].checks[0].probe);
  EXPECT_EQ(misc.user, (ScriptUser{.user = "www-data", .group = std::nullopt}));
}

TEST(KeepalivedImport, BadScriptUserIsAnErrorWithItsLine) {
  auto r = import_keepalived("global_defs {\n  script_user bad/name\n}\n", "k.conf", no_include_reader());
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(where(r.errors), (Where{"2:15 global.script_user"}));
  EXPECT_EQ(r.errors[0].message,
            "'bad/name' is not a user or group name: allowed \"USER\" or \"USER GROUP\" (names of letters, digits, '.', "
            "'_', '-')");
  EXPECT_FALSE(r.config.has_value());
}

TEST(KeepalivedImport, VariablesAndConditionalsAreExpanded) {
  // (Each construct is tested in keepalived_preprocess_test.cpp.)
  const std::string text = "$ID=a\n@lb1 global_defs { router_id $ID }\n@^lb1 global_defs { router_id b }\n";
  auto lb1 = import_keepalived(text, "k.conf", no_include_reader(), std::string("lb1"));
  ASSERT_TRUE(lb1.ok()) << where(lb1.errors).size();
  EXPECT_EQ(lb1.config->global.router_id, "a");
  auto lb2 = import_keepalived(text, "k.conf", no_include_reader(), std::string("lb2"));
  ASSERT_TRUE(lb2.ok()) << where(lb2.errors).size();
  EXPECT_EQ(lb2.config->global.router_id, "b");
}

TEST(KeepalivedImport, ArityBlocksAndDuplicates) {
  const char* text =
      "virtual_server 10.0.0.1 80 {\n"
      "  delay_loop 6 7\n"
      "  lb_algo\n"
      "  protocol TCP { }\n"
      "  quorum 1\n"
      "  quorum 2\n"
      "  real_server 10.0.0.2 80\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  EXPECT_EQ(where(r.errors), (Where{"2:16 virtual_servers[0].delay_loop", "3:3 virtual_servers[0].lb_algo",
                                    "4:3 virtual_servers[0].protocol", "6:3 virtual_servers[0].quorum",
                                    "7:3 virtual_servers[0].real_servers"}));
}

TEST(KeepalivedImport, FullInstanceAndServerMapping) {
  const char* text =
      "global_defs { router_id LB vrrp_version 3 lvs_flush lvs_flush_onstop lvs_sync_daemon eth1 VI_1 id 4 ttl 2 }\n"
      "vrrp_sync_group G { group { VI_1 }\n notify_master \"/bin/m x\" }\n"
      "vrrp_instance VI_1 {\n"
      "  state BACKUP\n interface eth0\n virtual_router_id 9\n priority 150\n advert_int 0.5\n"
      "  nopreempt\n"
      "  virtual_ipaddress {\n 10.0.0.1/24 dev eth0 label eth0:1 10.0.0.2\n 10.0.0.3 scope link\n }\n"
      "  unicast_src_ip 10.0.0.250\n unicast_peer { 10.0.0.251 10.0.0.252 }\n"
      "  track_interface { eth2 weight -10\n eth3 }\n"
      "  notify_backup /bin/b arg\n garp_master_delay 3\n garp_master_repeat 2\n garp_master_refresh 60\n"
      "}\n"
      "virtual_server fwmark 7 {\n lvs_sched wlc\n lvs_method NAT\n persistence_timeout 600\n"
      "  persistence_granularity 255.255.255.0\n sorry_server 10.0.0.99 8080\n quorum 2\n hysteresis 1\n"
      "  quorum_up \"/bin/qu web\"\n quorum_down /bin/qd\n omega\n"
      "  inhibit_on_failure\n ha_suspend\n virtualhost example.org\n"
      "  real_server 10.0.0.20 8080 {\n inhibit_on_failure\n slow_start 20\n"
      "    TCP_CHECK { connect_port 8081 connect_ip 10.0.0.21 retry 2 delay_before_retry 2 delay_loop 3 }\n"
      "    MISC_CHECK { misc_path \"/bin/check 10.0.0.20\" misc_timeout 5 misc_dynamic }\n"
      "    SSL_GET { url { path /a digest 0123456789ABCDEF0123456789abcdef } virtualhost x.org }\n"
      "  }\n"
      "}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const Config& c = *r.config;
  EXPECT_TRUE(c.global.lvs_flush);
  EXPECT_TRUE(c.global.lvs_flush_on_stop);
  EXPECT_EQ(c.global.lvs_sync_daemon->vrrp_instance, "VI_1");
  EXPECT_EQ(c.global.lvs_sync_daemon->sync_id, 4);
  EXPECT_EQ(c.global.lvs_sync_daemon->ttl, 2);
  EXPECT_EQ(c.vrrp_sync_groups.at(0).group, std::vector<std::string>{"VI_1"});
  EXPECT_EQ(c.vrrp_sync_groups.at(0).notify.master, "/bin/m x");
  const auto& i = c.vrrp_instances.at(0);
  EXPECT_EQ(i.version, 3);  // from vrrp_version
  EXPECT_EQ(i.advert_int, std::chrono::milliseconds(500));
  EXPECT_TRUE(i.nopreempt);
  EXPECT_EQ(i.priority, 150);
  ASSERT_EQ(i.virtual_ipaddress.size(), 3u);
  EXPECT_EQ(i.virtual_ipaddress[0].label, "eth0:1");
  EXPECT_EQ(i.virtual_ipaddress[1].prefix.address.to_string(), "10.0.0.2");
  EXPECT_EQ(i.virtual_ipaddress[2].scope, AddressScope::kLink);
  EXPECT_EQ(i.unicast_peer.size(), 2u);
  EXPECT_EQ(i.track_interface.at(0).weight, -10);
  EXPECT_EQ(i.notify.backup, "/bin/b arg");
  EXPECT_EQ(i.garp_master_refresh, seconds(60));
  const auto& vs = c.virtual_servers.at(0);
  EXPECT_EQ(vs.fwmark, 7u);
  EXPECT_EQ(vs.lb_algo, "wlc");
  EXPECT_EQ(vs.persistence_granularity, 24);
  EXPECT_EQ(vs.sorry_server->port, 8080);
  EXPECT_TRUE(vs.inhibit_on_failure);
  EXPECT_EQ(vs.quorum_up, "/bin/qu web");
  EXPECT_EQ(vs.quorum_down, "/bin/qd");
  EXPECT_TRUE(vs.omega);
  const auto& rs = vs.real_servers.at(0);
  EXPECT_EQ(rs.options->inhibit_on_failure, true);
  EXPECT_EQ(rs.options->slow_start, seconds(20));
  ASSERT_EQ(rs.checks.size(), 3u);
  EXPECT_EQ(rs.checks[0].connect_port, 8081);
  EXPECT_EQ(rs.checks[0].delay_loop, seconds(3));
  EXPECT_EQ(std::get<MiscCheck>(rs.checks[1].probe).misc_path, "/bin/check 10.0.0.20");
  EXPECT_EQ(std::get<HttpCheck>(rs.checks[2].probe).url.at(0).digest, "0123456789abcdef0123456789abcdef");
}

// keepalived 2.2.7 clears nopreempt with state MASTER (with a warning), and
// runs the file: so does the import. The YAML front end refuses the pair.
TEST(KeepalivedImport, NopreemptWithMasterIsClearedAsKeepalivedDoes) {
  const char* text =
      "vrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 9\n nopreempt\n"
      " virtual_ipaddress { 10.0.0.1 }\n}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  ASSERT_TRUE(r.ok()) << where(r.errors).size();
  EXPECT_FALSE(r.config->vrrp_instances[0].nopreempt);
  EXPECT_EQ(where(r.warnings), Where{"5:2 vrrp_instances[0].nopreempt"});
}

TEST(KeepalivedImport, ChecksOfOneTypeAreGroupedLikeYaml) {
  const char* text =
      "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n"
      "  HTTP_GET { url { path /a } }\n TCP_CHECK { }\n HTTP_GET { url { path / } connect_port 70000 }\n }\n}\n";
  auto r = import_keepalived(text, "k.conf", no_include_reader());
  EXPECT_EQ(where(r.errors), Where{"5:41 virtual_servers[0].real_servers[0].HTTP_GET[1].connect_port"});
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

// keepalived puts real servers in the pool at start unless `alpha` is set;
// lvsd's default is alpha's behaviour, so the import spells out start_up.
TEST(KeepalivedImport, AlphaMapsToStartUp) {
  const std::string head = "virtual_server 10.0.0.1 80 {\n lb_kind DR protocol TCP\n";
  const std::string tail = " real_server 10.0.0.2 80 {\n TCP_CHECK { connect_timeout 3 }\n }\n}\n";
  auto without = import_keepalived(head + tail, "k.conf", no_include_reader());
  ASSERT_TRUE(without.ok()) << format_error(without.errors.at(0));
  EXPECT_TRUE(without.config->virtual_servers.at(0).start_up);
  auto with = import_keepalived(head + " alpha\n" + tail, "k.conf", no_include_reader());
  ASSERT_TRUE(with.ok()) << format_error(with.errors.at(0));
  EXPECT_FALSE(with.config->virtual_servers.at(0).start_up);
  EXPECT_TRUE(with.warnings.empty());
  // alpha takes no value: keepalived ignores one, and so does lvsd (issue #14).
  auto extra = import_keepalived(head + " alpha yes\n" + tail, "k.conf", no_include_reader());
  ASSERT_TRUE(extra.ok()) << format_error(extra.errors.at(0));
  EXPECT_FALSE(extra.config->virtual_servers.at(0).start_up);
  EXPECT_EQ(where(extra.warnings), Where{"3:8 virtual_servers[0].start_up"});
}

// keepalived checks a unicast peer's TTL only against min_ttl/max_ttl (by
// default not at all); lvsd checks TTL 255 unless check_unicast_ttl is off.
TEST(KeepalivedImport, UnicastPeerTtlRangeMapsToCheckUnicastTtl) {
  auto instance = [](const std::string& peers, const std::string& extra = "") {
    return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n" + extra +
           " virtual_ipaddress { 10.0.0.100 }\n unicast_peer {\n" + peers + " }\n}\n";
  };
  auto plain = import_keepalived(instance("  10.0.0.2\n"), "k.conf", no_include_reader());
  ASSERT_TRUE(plain.ok()) << format_error(plain.errors.at(0));
  EXPECT_TRUE(plain.config->vrrp_instances.at(0).check_unicast_ttl);
  EXPECT_TRUE(plain.warnings.empty());

  // check_unicast_src: lvsd always accepts only its peers.
  auto src = import_keepalived(instance("  10.0.0.2 min_ttl 255 max_ttl 255\n", " check_unicast_src\n"), "k.conf",
                               no_include_reader());
  ASSERT_TRUE(src.ok()) << format_error(src.errors.at(0));
  EXPECT_TRUE(src.config->vrrp_instances.at(0).check_unicast_ttl);
  EXPECT_EQ(src.config->vrrp_instances.at(0).unicast_peer.size(), 1u);
  EXPECT_TRUE(src.warnings.empty());

  auto routed = import_keepalived(instance("  10.0.0.2\n  10.9.0.2 min_ttl 250\n"), "k.conf", no_include_reader());
  ASSERT_TRUE(routed.ok()) << format_error(routed.errors.at(0));
  const auto& i = routed.config->vrrp_instances.at(0);
  EXPECT_FALSE(i.check_unicast_ttl);
  EXPECT_EQ(i.unicast_peer.size(), 2u);
  EXPECT_EQ(where(routed.warnings), Where{"7:20 vrrp_instances[0].check_unicast_ttl"});
  EXPECT_NE(to_yaml(*routed.config).find("check_unicast_ttl: false"), std::string::npos);

  auto global = import_keepalived("global_defs {\n vrrp_check_unicast_src\n}\n" + instance("  10.0.0.2\n"), "k.conf",
                                  no_include_reader());
  EXPECT_TRUE(global.ok()) << format_error(global.errors.at(0));

  // What lvsd cannot express is refused, not widened silently.
  auto max = import_keepalived(instance("  10.0.0.2 max_ttl 254\n"), "k.conf", no_include_reader());
  EXPECT_EQ(where(max.errors), Where{"6:20 vrrp_instances[0].check_unicast_ttl"});
  auto no_value = import_keepalived(instance("  10.0.0.2 min_ttl\n"), "k.conf", no_include_reader());
  EXPECT_EQ(where(no_value.errors), Where{"6:12 vrrp_instances[0].check_unicast_ttl"});
  auto bad = import_keepalived(instance("  10.0.0.2 min_ttl 300\n"), "k.conf", no_include_reader());
  EXPECT_EQ(where(bad.errors), Where{"6:20 vrrp_instances[0].check_unicast_ttl"});
}

}  // namespace
}  // namespace lvsd::conf
