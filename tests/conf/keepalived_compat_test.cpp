// Issue #14: configurations keepalived 2.2.7 accepts that lvsd refused. The
// files in tests/conf/keepalived_compat/ were each checked with
// `keepalived -t`; their first lines say what keepalived reported.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/keepalived_keywords.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

const std::string kDir = std::string(LVSD_SOURCE_DIR) + "/tests/conf/keepalived_compat/";

LoadResult import_text(const std::string& text) { return import_keepalived(text, "k.conf", no_include_reader()); }

const VrrpInstance& only_instance(const LoadResult& r) { return r.config->vrrp_instances.at(0); }

// ------------------------------------------------------------ 1. '{' on the next line

TEST(KeepalivedCompat, OpeningBraceOnTheNextLine) {
  auto r = parse_keepalived("TCP_CHECK\n{\n  connect_timeout 3\n}\nretry 2\n\n# c\n{\n}\n", "k.conf", no_include_reader());
  ASSERT_EQ(r.statements.size(), 2u) << all_messages(r.errors);
  EXPECT_TRUE(r.statements[0].has_block);
  EXPECT_EQ(r.statements[0].children.at(0).keyword.text, "connect_timeout");
  // A '{' after empty lines and comments still opens the block of the statement before.
  EXPECT_TRUE(r.statements[1].has_block);
  EXPECT_TRUE(r.errors.empty()) << all_messages(r.errors);
  // A statement that already has a block takes no second one.
  auto twice = parse_keepalived("a {\n}\n{\n}\n", "k.conf", no_include_reader());
  EXPECT_EQ(where(twice.errors), Where{"3:1 "});
}

// vrrp_track_process with every keyword, tracked by an instance and a sync group.
TEST(KeepalivedCompat, TrackProcessBlocks) {
  auto r = import_keepalived_file(kDir + "track_process.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  ASSERT_EQ(r.config->track_processes.size(), 3u);
  EXPECT_EQ(r.config->track_processes[1].parameters, (std::vector<std::string>{"-c", "a b"}));
  EXPECT_EQ(r.config->vrrp_instances[0].track_process.size(), 2u);
  EXPECT_EQ(r.config->vrrp_sync_groups[0].track_process.size(), 1u);
}

TEST(KeepalivedCompat, EveryBlockKindOpensOnTheNextLine) {
  auto r = import_keepalived_file(kDir + "brace_next_line.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  const Config& c = *r.config;
  EXPECT_EQ(c.global.router_id, "LB1");
  EXPECT_EQ(c.vrrp_sync_groups.at(0).group, std::vector<std::string>{"VI_1"});
  const auto& i = c.vrrp_instances.at(0);
  EXPECT_EQ(i.authentication->pass, "secret");
  EXPECT_EQ(i.unicast_peer.size(), 1u);
  EXPECT_EQ(i.track_interface.at(0).name, "ifb0");
  EXPECT_EQ(i.virtual_ipaddress.at(0).prefix.length, 24);
  const auto& rs = c.virtual_servers.at(0).real_servers.at(0);
  ASSERT_EQ(rs.checks.size(), 4u);
  EXPECT_EQ(rs.checks[0].connect_timeout, std::chrono::seconds(3));
  EXPECT_EQ(std::get<HttpCheck>(rs.checks[1].probe).url.at(0).path, "/health");
  EXPECT_TRUE(std::get<HttpCheck>(rs.checks[2].probe).tls);
  EXPECT_EQ(std::get<MiscCheck>(rs.checks[3].probe).misc_path, "/bin/true");
}

// ------------------------------------------------------------ 2. status_code lists

TEST(KeepalivedCompat, SeveralStatusCodesAndRanges) {
  auto r = import_keepalived_file(kDir + "status_codes.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& url = std::get<HttpCheck>(r.config->virtual_servers.at(0).real_servers.at(0).checks.at(0).probe).url.at(0);
  EXPECT_EQ(url.status_code, (std::vector<StatusCodeRange>{{.low = 200, .high = 299},
                                                           {.low = 400, .high = 499},
                                                           {.low = 503, .high = 503},
                                                           {.low = 505, .high = 505}}));
  // lvsctl import-keepalived: the YAML it prints loads back to the same model.
  const std::string yaml = to_yaml(*r.config);
  EXPECT_NE(yaml.find("status_code: \"200-299 400-499 503 505\""), std::string::npos) << yaml;
  auto back = load_yaml(yaml, "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors);
  EXPECT_EQ(*back.config, *r.config);
  // A code after a range on one line of a one-line block, then the next keyword.
  auto one_line = import_text(
      "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n"
      "  HTTP_GET { url { path / status_code 200 301-302 digest 0123456789abcdef0123456789abcdef } }\n }\n}\n");
  ASSERT_TRUE(one_line.ok()) << all_messages(one_line.errors);
  const auto& u = std::get<HttpCheck>(one_line.config->virtual_servers[0].real_servers[0].checks[0].probe).url[0];
  EXPECT_EQ(u.status_code.size(), 2u);
  EXPECT_TRUE(u.digest.has_value());
  auto bad = import_text("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n"
                         "  HTTP_GET { url { path / status_code 200 700 } }\n }\n}\n");
  EXPECT_EQ(where(bad.errors), Where{"3:39 virtual_servers[0].real_servers[0].HTTP_GET.url[0].status_code"});
}

// ------------------------------------------------------------ 3. values after flags

TEST(KeepalivedCompat, FlagKeywordsIgnoreTheirValues) {
  auto r = import_keepalived_file(kDir + "flag_values.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const Config& c = *r.config;
  EXPECT_TRUE(c.global.lvs_flush);
  EXPECT_TRUE(c.global.enable_script_security);
  EXPECT_TRUE(only_instance(r).nopreempt);
  const auto& vs = c.virtual_servers.at(0);
  EXPECT_TRUE(vs.ha_suspend);
  EXPECT_FALSE(vs.start_up);  // alpha
  EXPECT_TRUE(vs.inhibit_on_failure);
  // real_server's inhibit_on_failure takes true/false in keepalived 2.2.7.
  EXPECT_EQ(vs.real_servers.at(0).options->inhibit_on_failure, false);
  EXPECT_TRUE(std::get<MiscCheck>(vs.real_servers.at(0).checks.at(0).probe).misc_dynamic);
  EXPECT_EQ(where(r.warnings),
            (Where{"6:13 global.lvs_flush", "7:26 global.enable_script_security",
                   "8:26 global.vrrp_check_unicast_src", "14:13 vrrp_instances[0].nopreempt",
                   "15:21 vrrp_instances[0].check_unicast_src", "27:14 virtual_servers[0].ha_suspend",
                   "28:9 virtual_servers[0].start_up", "29:22 virtual_servers[0].inhibit_on_failure",
                   "35:20 virtual_servers[0].real_servers[0].MISC_CHECK.misc_dynamic"}));
  EXPECT_EQ(r.warnings[3].message, "'nopreempt' takes no value: '1' is ignored, as keepalived 2.2.7 does");
}

TEST(KeepalivedCompat, FlagValuesStopAtTheNextKeyword) {
  auto r = import_text(
      "global_defs { lvs_flush lvs_flush_onstop VS }\n"
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n nopreempt 1 priority 50\n"
      " virtual_ipaddress { 10.0.0.1 }\n}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.config->global.lvs_flush);
  EXPECT_TRUE(r.config->global.lvs_flush_on_stop);
  EXPECT_EQ(only_instance(r).priority, 50);
  EXPECT_EQ(where(r.warnings), Where{"5:12 vrrp_instances[0].nopreempt"});
  // A typo after a flag is still a typo, and a value keepalived itself reports is refused.
  auto typo = import_text("global_defs { lvs_flush lvs_flush_onstp }\n");
  EXPECT_EQ(typo.errors.at(0).message, "unknown keyword 'lvs_flush_onstp': did you mean 'lvs_flush_onstop'?");
  auto bad = import_text(
      "global_defs { lvs_flush_onstop ALL }\n"
      "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  inhibit_on_failure maybe\n }\n}\n");
  EXPECT_EQ(where(bad.errors),
            (Where{"1:32 global.lvs_flush_on_stop", "4:22 virtual_servers[0].real_servers[0].inhibit_on_failure"}));
}

// ------------------------------------------------------------ 4. unicast /prefix

TEST(KeepalivedCompat, PrefixAfterUnicastAddressesIsDropped) {
  auto r = import_keepalived_file(kDir + "unicast_prefix.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& i = only_instance(r);
  EXPECT_EQ(i.unicast_src_ip->to_string(), "192.168.0.91");
  ASSERT_EQ(i.unicast_peer.size(), 2u);
  EXPECT_EQ(i.unicast_peer[0].to_string(), "192.168.0.92");
  EXPECT_EQ(where(r.warnings), (Where{"7:18 vrrp_instances[0].unicast_src_ip", "9:5 vrrp_instances[0].unicast_peer[0]"}));
  EXPECT_EQ(r.warnings[0].message, "prefix '/24' after '192.168.0.91' ignored: keepalived 2.2.7 uses the address only");
  auto bad = import_text("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n unicast_src_ip 10.0.0.1/33\n"
                         " unicast_peer { 10.0.0.2/x }\n virtual_ipaddress { 10.0.0.100 }\n}\n");
  EXPECT_EQ(where(bad.errors),
            (Where{"4:17 vrrp_instances[0].unicast_src_ip", "5:17 vrrp_instances[0].unicast_peer[0]"}));
}

// ------------------------------------------------------------ 5. a VIP twice

TEST(KeepalivedCompat, SameVipTwiceInOneBlockIsKeptOnce) {
  auto r = import_keepalived_file(kDir + "duplicate_vip.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& vips = only_instance(r).virtual_ipaddress;
  ASSERT_EQ(vips.size(), 2u);
  EXPECT_EQ(vips[0].prefix.address.to_string(), "192.168.0.100");
  EXPECT_EQ(vips[1].prefix.address.to_string(), "192.168.0.101");
  EXPECT_EQ(where(r.warnings), Where{"10:5 vrrp_instances[0].virtual_ipaddress[0]"});
  EXPECT_EQ(r.warnings[0].message,
            "'192.168.0.100' is listed twice in virtual_ipaddress: only the first, at line 8, is kept");
  // In two instances it is still an error: two routers would own one address.
  auto two = import_text(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n}\n"
      "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress { 10.0.0.1 }\n}\n");
  EXPECT_FALSE(two.ok());
  // Found by the fuzzer: a second static_ipaddress block with a line listed
  // twice read the first block's locations out of range. The duplicate is
  // looked for within its own block, and reported with its own line.
  auto blocks = import_text("static_ipaddress {\n 10.20.0.5/24 dev eth1\n}\n"
                            "static_ipaddress {\n 10.20.0.6/24 dev eth1\n 10.20.0.6/24 dev eth1\n}\n");
  ASSERT_TRUE(blocks.ok()) << all_messages(blocks.errors);
  EXPECT_EQ(blocks.config->static_ipaddress.size(), 2u);
  EXPECT_EQ(where(blocks.warnings), Where{"6:2 static_ipaddress[1]"});
  EXPECT_NE(blocks.warnings[0].message.find("at line 5"), std::string::npos) << blocks.warnings[0].message;
}

// ------------------------------------------------------------ routes and rules (issue #14 item 4)

TEST(KeepalivedCompat, StaticAndVirtualRoutesRulesAndExcludedAddresses) {
  auto r = import_keepalived_file(kDir + "routes_rules.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  const Config& c = *r.config;
  ASSERT_EQ(c.static_ipaddress.size(), 1u);
  EXPECT_EQ(c.static_ipaddress[0].dev, "eth1");
  ASSERT_EQ(c.static_routes.size(), 2u);
  EXPECT_EQ(c.static_routes[0].table, 120u);
  EXPECT_EQ(c.static_routes[0].metric, 20u);
  EXPECT_EQ(c.static_routes[1].type, RouteType::kBlackhole);
  ASSERT_EQ(c.static_rules.size(), 1u);
  EXPECT_EQ(c.static_rules[0].priority, 120u);
  const auto& i = only_instance(r);
  ASSERT_EQ(i.virtual_ipaddress.size(), 1u);
  ASSERT_EQ(i.virtual_ipaddress_excluded.size(), 2u);
  EXPECT_TRUE(i.virtual_ipaddress_excluded[1].prefix.address.is_ipv6());  // any family
  ASSERT_EQ(i.virtual_routes.size(), 3u);
  EXPECT_EQ(i.virtual_routes[0].src->to_string(), "192.0.2.70");
  EXPECT_EQ(i.virtual_routes[0].dst.to_string(), "198.51.100.0/24");
  EXPECT_EQ(i.virtual_routes[1].dst.to_string(), "0.0.0.0/0");
  EXPECT_EQ(i.virtual_routes[2].type, RouteType::kUnreachable);
  ASSERT_EQ(i.virtual_rules.size(), 2u);
  EXPECT_EQ(i.virtual_rules[1].fwmark, 7u);
  EXPECT_EQ(i.virtual_rules[1].fwmask, 255u);
  EXPECT_EQ(i.virtual_rules[1].iif, "eth0");
  // And the same through lvsd's YAML.
  const std::string yaml = to_yaml(c);
  auto back = load_yaml(yaml, "back.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors) << yaml;
  EXPECT_EQ(*back.config, c) << yaml;
}

TEST(KeepalivedCompat, UnimplementedRouteAndRuleOptionsAreRefusedAtTheirWord) {
  auto r = import_text(
      "static_routes {\n 10.30.0.0/16 via 10.20.0.1 dev eth1 mtu 1400\n}\n"
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n"
      " virtual_rules {\n  from 10.0.0.1 table 5 priority 5 uidrange 1000-2000\n }\n"
      " virtual_routes {\n  10.9.0.0/16 dev eth0 table blue\n }\n}\n");
  EXPECT_EQ(where(r.errors), (Where{"2:38 static_routes[0]", "9:36 vrrp_instances[0].virtual_rules[0]",
                                    "12:30 vrrp_instances[0].virtual_routes[0]"}))
      << all_messages(r.errors);
  EXPECT_EQ(r.errors[0].message, "'mtu' is not supported: route metrics (mtu, window, rtt...) are not implemented");
  EXPECT_EQ(r.errors[1].message, "'uidrange' is not supported: rules by user id are not implemented");
}

TEST(KeepalivedCompat, StaticAddressWithoutDevIsOnEth0) {
  auto r = import_text("static_ipaddress {\n 10.0.0.5/24\n 10.0.1.5/24 dev eth1\n}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_EQ(r.config->static_ipaddress.at(0).dev, "eth0");
  EXPECT_EQ(r.config->static_ipaddress.at(1).dev, "eth1");
  EXPECT_EQ(where(r.warnings), Where{"2:2 static_ipaddress[0]"});
}

TEST(KeepalivedCompat, RuleWithoutPriorityGetsKeepalivedsOne) {
  auto r = import_text("static_rules {\n from 10.0.0.0/24 table 5\n}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_EQ(r.config->static_rules.at(0).priority, 16384u);
  EXPECT_EQ(where(r.warnings), Where{"2:2 static_rules[0]"});
}

// ------------------------------------------------------------ 6. includes

TEST(KeepalivedCompat, MissingIncludeIsAnErrorAndAnEmptyGlobAWarning) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("lvsd-ka-compat-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string main = (dir / "keepalived.conf").string();
  std::ofstream(main) << "global_defs {\n router_id A\n}\n  include conf.d/*.conf\ninclude missing.conf\n";
  auto r = import_keepalived_file(main);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].location, (Location{.file = main, .line = 5, .column = 1}));
  EXPECT_NE(r.errors[0].message.find("missing.conf"), std::string::npos) << r.errors[0].message;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].location, (Location{.file = main, .line = 4, .column = 3}));
  EXPECT_NE(r.warnings[0].message.find("matches no file"), std::string::npos);
  fs::remove_all(dir);
}

// ------------------------------------------------------------ 7. nb_get_retry

TEST(KeepalivedCompat, NbGetRetryCountsInHttpGetOnly) {
  auto r = import_keepalived_file(kDir + "nb_get_retry.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& checks = r.config->virtual_servers.at(0).real_servers.at(0).checks;
  EXPECT_EQ(checks.at(0).retry, Check{}.retry);  // TCP_CHECK: ignored, as keepalived does
  EXPECT_EQ(checks.at(1).retry, 4u);             // HTTP_GET: keepalived's retry
  EXPECT_EQ(where(r.warnings), Where{"12:7 virtual_servers[0].real_servers[0].TCP_CHECK.nb_get_retry"});
  EXPECT_EQ(r.warnings[0].message,
            "'nb_get_retry' is ignored in TCP_CHECK: keepalived 2.2.7 reads it only in HTTP_GET and SSL_GET and "
            "skips it here; use retry");
  auto ssl = import_text("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n"
                         "  SSL_GET { url { path / } nb_get_retry 5 }\n  MISC_CHECK { misc_path /bin/true nb_get_retry 5 }\n"
                         " }\n}\n");
  ASSERT_TRUE(ssl.ok()) << all_messages(ssl.errors);
  EXPECT_EQ(ssl.config->virtual_servers[0].real_servers[0].checks[0].retry, 5u);
  // MISC_CHECK's misc_path takes the rest of its line, as in keepalived.
  EXPECT_EQ(std::get<MiscCheck>(ssl.config->virtual_servers[0].real_servers[0].checks[1].probe).misc_path,
            "/bin/true nb_get_retry 5");
}

// ------------------------------------------------------------ 8. unknown keywords

TEST(KeepalivedCompat, WordsKeepalivedDoesNotKnowAreSkipped) {
  auto r = import_keepalived_file(kDir + "unknown_keywords.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_EQ(where(r.warnings), (Where{"8:3 global.nat_mask", "9:3 global.lvs_id", "10:3 global.notification_email",
                                      "17:3 vrrp_instances[0].local_extension"}));
  EXPECT_EQ(r.warnings[0].message,
            "unknown keyword 'nat_mask' skipped: it is not a keepalived 2.2.7 keyword of global_defs, and keepalived "
            "skips such keywords too");
}

TEST(KeepalivedCompat, TyposOfRealKeywordsAreRefused) {
  auto r = import_text(
      "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  weigth 2\n  BFD_CHECK { }\n  warmpu 3\n }\n"
      " foo { bar }\n}\n");
  EXPECT_EQ(where(r.errors), (Where{"3:3 virtual_servers[0].real_servers[0].weigth",
                                    "4:3 virtual_servers[0].real_servers[0].BFD_CHECK",
                                    "5:3 virtual_servers[0].real_servers[0].warmpu", "7:2 virtual_servers[0].foo"}));
  EXPECT_EQ(r.errors[0].message, "unknown keyword 'weigth': did you mean 'weight'?");
  // keepalived's own keywords count for "did you mean".
  EXPECT_EQ(r.errors[2].message, "unknown keyword 'warmpu': did you mean 'warmup'?");
  // keepalived does not skip an unknown keyword's block: it would misread the rest.
  EXPECT_NE(r.errors[3].message.find("with a block"), std::string::npos);
}

// ------------------------------------------------------------ 9. messages

TEST(KeepalivedCompat, KeepalivedKeywordsNotImplementedYetSaySo) {
  auto r = import_text(
      "vrrp_script chk {\n script /bin/true\n}\n"
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n use_vmac_addr\n"
      " virtual_ipaddress { 10.0.0.1 }\n}\n"
      "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  BFD_CHECK {\n  }\n }\n}\n");
  EXPECT_EQ(where(r.errors),
            (Where{"7:2 vrrp_instances[0].use_vmac_addr", "12:3 virtual_servers[0].real_servers[0].BFD_CHECK"}));
  for (const auto& e : r.errors) {
    const std::string keyword = e.path.substr(e.path.rfind('.') + 1);
    EXPECT_EQ(e.message.rfind("keepalived keyword '" + keyword + "' is not implemented by lvsd", 0), 0u) << e.message;
    EXPECT_TRUE(e.message.ends_with("; lvsd refuses the file rather than run without it")) << e.message;
  }
  // The reason says what lvsd does instead.
  EXPECT_NE(r.errors[0].message.find("VMAC for the instance's own interface only"), std::string::npos)
      << r.errors[0].message;
}

TEST(KeepalivedCompat, OneErrorPerUnsupportedConstruct) {
  auto group = import_text("virtual_server group G {\n delay_loop 5\n real_server 10.0.0.2 80 {\n }\n}\n");
  // (A group that is not defined: one error, at its name.)
  EXPECT_EQ(where(group.errors), Where{"1:22 virtual_servers[0].group"});
  auto vars = import_text(
      "$IF=eth0\n"
      "vrrp_instance VI_1 {\n interface ${IF}\n virtual_router_id 1\n virtual_ipaddress {\n $VIP\n }\n"
      " unicast_peer {\n ${PEER}\n }\n}\n");
  // $IF is defined; $VIP stays as written (as in keepalived), which is no
  // address; ${PEER} is undefined: one error, from the preprocessing.
  EXPECT_EQ(where(vars.errors), (Where{"6:2 vrrp_instances[0].virtual_ipaddress[0]", "9:2 "}))
      << all_messages(vars.errors);
}

// ------------------------------------------------------------ 10. auth_pass

TEST(KeepalivedCompat, LongAuthPassIsTruncatedToEight) {
  auto r = import_keepalived_file(kDir + "auth_pass_long.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_EQ(only_instance(r).authentication->pass, "12345678");
  EXPECT_EQ(where(r.warnings), Where{"9:15 vrrp_instances[0].authentication.pass"});
  EXPECT_EQ(r.warnings[0].message,
            "auth_pass is 12 characters: truncated to its first 8, which are what keepalived 2.2.7 sends too");
  // The YAML front end stays strict.
  auto yaml = load_yaml(
      "vrrp_instances:\n  - {name: VI_1, interface: eth0, virtual_router_id: 1, virtual_ipaddress: [10.0.0.1],\n"
      "     authentication: {pass: \"123456789\"}}\n",
      "l.yaml");
  EXPECT_FALSE(yaml.ok());
}

// ------------------------------------------------------------ 11. scheduler flags (issue #15)

TEST(KeepalivedCompat, SchedulerFlagsAreImported) {
  auto r = import_keepalived_file(kDir + "scheduler_flags.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& vss = r.config->virtual_servers;
  ASSERT_EQ(vss.size(), 3u);
  EXPECT_EQ(vss[0].scheduler_flags, (SchedulerFlags{.fallback = true, .port = true}));  // mh-port twice: once
  EXPECT_EQ(vss[1].lb_algo, "sh");
  EXPECT_EQ(vss[1].scheduler_flags, (SchedulerFlags{.fallback = true, .port = true}));
  EXPECT_EQ(vss[2].scheduler_flags, (SchedulerFlags{.fallback = true, .flag3 = true}));  // flag-N: any place
  // sh-fallback's "1" is ignored, as keepalived does.
  EXPECT_EQ(where(r.warnings), Where{"21:15 virtual_servers[1].scheduler_flags"});
  // lvsctl import-keepalived writes them, and the YAML loads back to the same model.
  const std::string yaml = to_yaml(*r.config);
  EXPECT_NE(yaml.find("lb_algo: mh\n    scheduler_flags:\n      - mh-fallback\n      - mh-port\n"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("lb_algo: sh\n    scheduler_flags:\n      - sh-fallback\n      - sh-port\n"), std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("lb_algo: rr\n    scheduler_flags:\n      - flag-1\n      - flag-3\n"), std::string::npos)
      << yaml;
  auto back = load_yaml(yaml, "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors);
  EXPECT_EQ(*back.config, *r.config);
}

TEST(KeepalivedCompat, SchedulerFlagOfAnotherSchedulerIsRefused) {
  // keepalived 2.2.7 drops each of these flags (with "sh-port only applies to
  // sh scheduler - ignoring" for rr and above lb_algo, silently for the other
  // of sh and mh); lvsd refuses, as the YAML front end does.
  const std::string head = "virtual_server 10.0.0.1 80 {\n protocol TCP\n";
  const std::string tail = " real_server 10.0.1.1 80 {\n }\n}\n";
  auto rr = import_text(head + " lb_algo rr\n sh-port\n" + tail);
  EXPECT_EQ(where(rr.errors), Where{"4:2 virtual_servers[0].scheduler_flags[0]"});
  EXPECT_EQ(rr.errors.at(0).message,
            "'sh-port' is a flag of the sh scheduler, and lb_algo is 'rr' (keepalived 2.2.7 would ignore it)");
  auto other = import_text(head + " lb_algo sh\n flag-2\n mh-fallback\n" + tail);
  EXPECT_EQ(where(other.errors), Where{"5:2 virtual_servers[0].scheduler_flags[1]"});
  auto above = import_text(head + " mh-port\n lb_algo mh\n" + tail);
  EXPECT_EQ(where(above.errors), Where{"3:2 virtual_servers[0].scheduler_flags[0]"});
  EXPECT_EQ(above.errors.at(0).message,
            "'mh-port' comes before lb_algo: keepalived 2.2.7 ignores a scheduler's flag given above the scheduler; "
            "put 'lb_algo mh' above it");
  // No lb_algo at all: the same (keepalived then uses wlc).
  auto none = import_text(head + " sh-fallback\n" + tail);
  EXPECT_EQ(where(none.errors), Where{"3:2 virtual_servers[0].scheduler_flags[0]"});
  // An invalid lb_algo is reported once, not again by the flag after it.
  auto bad = import_text(head + " lb_algo bogus\n sh-port\n" + tail);
  EXPECT_EQ(where(bad.errors), Where{"3:10 virtual_servers[0].lb_algo"});
  // A typo of a flag is a typo.
  auto typo = import_text(head + " lb_algo mh\n mh-prot\n" + tail);
  ASSERT_EQ(typo.errors.size(), 1u);
  EXPECT_EQ(typo.errors[0].message, "unknown keyword 'mh-prot': did you mean 'mh-port'?");
}

// ------------------------------------------------------------ 12. PING, UDP, DNS and SMTP checks (item 5)

TEST(KeepalivedCompat, PingUdpDnsAndSmtpChecksAreImported) {
  auto r = import_keepalived_file(kDir + "checkers.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  const auto& vs = r.config->virtual_servers.at(0);
  const auto& first = vs.real_servers.at(0).checks;
  ASSERT_EQ(first.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<PingCheck>(first[0].probe));
  EXPECT_EQ(first[0].connect_timeout, std::chrono::seconds(2));
  EXPECT_EQ(first[0].retry, 2u);
  const auto& udp = std::get<UdpCheck>(first[1].probe);
  EXPECT_EQ(first[1].connect_port, 7);
  EXPECT_EQ(udp.payload->bytes, (std::vector<std::uint8_t>{0x6c, 0x76, 0x73, 0x64, 0x0a}));
  EXPECT_TRUE(udp.require_reply);
  EXPECT_EQ(udp.reply->bytes, (std::vector<std::uint8_t>{0x6c, 0x76, 0x70, 0x00}));
  EXPECT_EQ(udp.reply->wildcard, (std::vector<std::uint8_t>{0, 0, 0x0f, 0xff}));
  EXPECT_EQ(udp.min_reply_length, 4);
  EXPECT_EQ(udp.max_reply_length, 64);
  // DNS_CHECK: keepalived's defaults, retry 3 and delay_before_retry = its delay_loop.
  const auto& dns = std::get<DnsCheck>(first[2].probe);
  EXPECT_EQ(dns.type, DnsType::kA);
  EXPECT_EQ(dns.name, "www.example.org");
  EXPECT_EQ(first[2].retry, 3u);
  EXPECT_EQ(first[2].delay_before_retry, std::chrono::seconds(5));
  EXPECT_EQ(std::get<DnsCheck>(first[3].probe), DnsCheck{});  // SOA of "."
  EXPECT_EQ(first[3].retry, 1u);
  EXPECT_EQ(first[3].delay_before_retry, std::chrono::seconds(2));
  const auto& second = vs.real_servers.at(1).checks;
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(std::get<UdpCheck>(second[0].probe), UdpCheck{});
  EXPECT_EQ(std::get<SmtpCheck>(second[1].probe).helo_name, "lb1.example.org");
  EXPECT_EQ(std::get<SmtpCheck>(second[2].probe).helo_name, "smtpchecker.keepalived.org");
  // lvsctl import-keepalived: the YAML it prints loads back to the same model.
  const std::string yaml = to_yaml(*r.config);
  EXPECT_NE(yaml.find("require_reply: 6c767xxx"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("payload: 6c7673640a"), std::string::npos) << yaml;
  auto back = load_yaml(yaml, "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors) << yaml;
  EXPECT_EQ(*back.config, *r.config);
  EXPECT_EQ(to_yaml(*back.config), yaml);
}

TEST(KeepalivedCompat, DnsRetryDelayFollowsTheVirtualServersDelayLoopGivenAfterIt) {
  auto r = import_text("virtual_server 10.0.0.1 53 {\n real_server 10.0.0.2 53 {\n DNS_CHECK {\n }\n }\n"
                       " delay_loop 7\n}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_EQ(r.config->virtual_servers[0].real_servers[0].checks[0].delay_before_retry, std::chrono::seconds(7));
}

TEST(KeepalivedCompat, BadCheckValuesAreRefusedWithTheirLine) {
  auto r = import_text(
      "virtual_server 10.0.0.1 53 {\n real_server 10.0.0.2 53 {\n"
      "  UDP_CHECK {\n   payload 6g\n   require_reply zz\n  }\n"
      "  UDP_CHECK {\n   payload 0x\n   min_reply_length 9\n   max_reply_length 8\n  }\n"
      "  DNS_CHECK {\n   type bogus\n   name a..b\n  }\n"
      "  SMTP_CHECK {\n   helo_name \"a b\"\n  }\n }\n}\n");
  EXPECT_EQ(where(r.errors),
            (Where{"4:12 virtual_servers[0].real_servers[0].UDP_CHECK[0].payload",
                   "5:18 virtual_servers[0].real_servers[0].UDP_CHECK[0].require_reply",
                   "8:12 virtual_servers[0].real_servers[0].UDP_CHECK[1].payload",
                   "9:21 virtual_servers[0].real_servers[0].UDP_CHECK[1].min_reply_length",
                   "13:9 virtual_servers[0].real_servers[0].DNS_CHECK.type",
                   "14:9 virtual_servers[0].real_servers[0].DNS_CHECK.name",
                   "17:14 virtual_servers[0].real_servers[0].SMTP_CHECK.helo_name"}))
      << all_messages(r.errors);
  EXPECT_EQ(r.errors[0].message, "'6g' is not a hex string: allowed hex digits in pairs, blanks apart");
  EXPECT_EQ(r.errors[1].message, "'zz' is not a hex string: allowed hex digits (x for any value) in pairs, blanks apart");
  EXPECT_EQ(r.errors[3].message, "9 is above max_reply_length 8: every reply would fail");
  EXPECT_EQ(r.errors[4].message, "'bogus' is not a DNS type: allowed A, NS, CNAME, SOA, MX, TXT, AAAA");
}

TEST(KeepalivedCompat, BfdCheckIsRefusedWithTheReasonAndFileCheckNeedsItsTrackFile) {
  auto r = import_text("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n FILE_CHECK {\n track_file f\n }\n"
                       " BFD_CHECK {\n name b\n }\n }\n}\n");
  ASSERT_EQ(r.errors.size(), 2u) << all_messages(r.errors);
  // keepalived 2.2.7: "track_file f not found", and the FILE_CHECK is dropped; lvsd refuses the file.
  EXPECT_NE(all_messages(r.errors).find("FILE_CHECK.track_file: no track_file named 'f'"), std::string::npos)
      << all_messages(r.errors);
  EXPECT_NE(all_messages(r.errors).find("lvsd runs no BFD sessions (FRR's bfdd does BFD for the routing side)"),
            std::string::npos)
      << all_messages(r.errors);
}

// ------------------------------------------------------------ the keyword table

// Each keepalived keyword, alone in its block, gets what the table says:
// implemented ones are read (at most a value or block error), ignored ones
// warn, the others are refused as not implemented yet.
TEST(KeepalivedKeywords, TableMatchesTheImporter) {
  const std::map<KaBlock, std::pair<std::string, std::string>> context = {
      {KaBlock::kTop, {"", ""}},
      {KaBlock::kGlobalDefs, {"global_defs {\n", "}\n"}},
      {KaBlock::kVrrpScript, {"vrrp_script chk {\n", "}\n"}},
      {KaBlock::kTrackFile, {"track_file f {\n", "}\n"}},
      {KaBlock::kTrackProcess, {"vrrp_track_process p {\n", "}\n"}},
      {KaBlock::kVrrpInstance, {"vrrp_instance VI_1 {\n", "}\n"}},
      {KaBlock::kAuthentication, {"vrrp_instance VI_1 {\n authentication {\n", "}\n}\n"}},
      {KaBlock::kVrrpSyncGroup, {"vrrp_sync_group G {\n", "}\n"}},
      {KaBlock::kVirtualServer, {"virtual_server 10.0.0.1 80 {\n", "}\n"}},
      {KaBlock::kRealServer, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n", "}\n}\n"}},
      {KaBlock::kTcpCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n TCP_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kHttpGet, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n HTTP_GET {\n", "}\n}\n}\n"}},
      {KaBlock::kSslGet, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n SSL_GET {\n", "}\n}\n}\n"}},
      {KaBlock::kUrl,
       {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n HTTP_GET {\n url {\n", "}\n}\n}\n}\n"}},
      {KaBlock::kMiscCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n MISC_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kPingCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n PING_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kUdpCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n UDP_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kDnsCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n DNS_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kSmtpCheck, {"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n SMTP_CHECK {\n", "}\n}\n}\n"}},
      {KaBlock::kFileCheck,
       {"track_file f {\n file /run/f\n}\nvirtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n FILE_CHECK {\n",
        "}\n}\n}\n"}},
  };
  std::size_t count = 0;
  for (const KaKeyword& kw : keepalived_keywords()) {
    ++count;
    const auto& [head, tail] = context.at(kw.block);
    const std::string name(kw.name);
    auto r = import_text(head + name + "\n" + tail);
    const auto about = [&](const std::vector<ConfigError>& list, std::string_view text) {
      return std::any_of(list.begin(), list.end(), [&](const ConfigError& e) {
        return e.location.line == static_cast<int>(std::count(head.begin(), head.end(), '\n')) + 1 &&
               e.message.find(text) != std::string::npos;
      });
    };
    const std::string label = std::string(to_string(kw.block)) + " " + name;
    switch (kw.support) {
      case KaSupport::kImplemented:
        EXPECT_FALSE(about(r.errors, "not implemented")) << label;
        EXPECT_FALSE(about(r.errors, "unknown keyword")) << label;
        EXPECT_FALSE(about(r.warnings, "unknown keyword")) << label;
        break;
      case KaSupport::kIgnored:
        EXPECT_TRUE(about(r.warnings, "' is ignored: " + std::string(kw.reason))) << label;
        break;
      case KaSupport::kNotImplemented:
        // Refused with its reason where the table gives one.
        EXPECT_TRUE(about(r.errors, kw.reason.empty() ? std::string("is not implemented by lvsd yet")
                                                      : "is not implemented by lvsd: " + std::string(kw.reason)))
            << label << "\n" << all_messages(r.errors);
        break;
    }
  }
  EXPECT_GT(count, 300u);
  EXPECT_EQ(find_keepalived_keyword(KaBlock::kTcpCheck, "nb_get_retry"), nullptr);
  EXPECT_NE(find_keepalived_keyword(KaBlock::kHttpGet, "nb_get_retry"), nullptr);
}

// ------------------------------------------------------------ virtual_server_group

TEST(KeepalivedCompat, VirtualServerGroupWithRangesAndFwmarks) {
  auto r = import_keepalived_file(kDir + "virtual_server_group.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  const Config& c = *r.config;
  ASSERT_EQ(c.virtual_server_groups.size(), 2u);
  const auto& web = c.virtual_server_groups[0];
  EXPECT_EQ(web.name, "web");
  ASSERT_EQ(web.members.size(), 4u);
  EXPECT_EQ(web.members[0].address->to_string(), "192.0.2.10");
  EXPECT_FALSE(web.members[0].last);
  EXPECT_EQ(web.members[0].port, 80);
  EXPECT_EQ(web.members[1].last->to_string(), "192.0.2.22");
  EXPECT_EQ(web.members[1].address_count(), 3u);
  EXPECT_EQ(web.members[2].last->to_string(), "192.0.3.1");
  EXPECT_EQ(web.members[2].address_count(), 4u);
  EXPECT_EQ(web.members[3].fwmark, std::optional<std::uint32_t>(7));
  const auto& web6 = c.virtual_server_groups[1];
  EXPECT_EQ(web6.members[1].last->to_string(), "2001:db8:10::c");
  EXPECT_EQ(web6.members[2].family, std::optional(core::AddressFamily::kIpv6));
  ASSERT_EQ(c.virtual_servers.size(), 2u);
  EXPECT_EQ(c.virtual_servers[0].group, std::optional<std::string>("web"));
  EXPECT_FALSE(c.virtual_servers[0].address);
  EXPECT_EQ(c.virtual_servers[0].quorum, 2u);
  // The YAML form says the same.
  auto back = load_yaml(to_yaml(c), "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors) << to_yaml(c);
  EXPECT_EQ(*back.config, c);
}

TEST(KeepalivedCompat, VirtualServerGroupErrorsSayWhere) {
  auto r = import_text(
      "virtual_server_group g {\n"
      "  10.0.0.9-3 80\n"
      "  10.0.0.1-300 80\n"
      "  fwmark 0\n"
      "  fwmark 5 inet7\n"
      "  10.0.0.1 80 81\n"
      "}\n"
      "virtual_server group nope {\n"
      "  real_server 10.1.1.1 80 {\n"
      "  }\n"
      "}\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(where(r.errors),
            (Where{"2:3 virtual_server_groups[0].members[0].address", "3:3 virtual_server_groups[0].members[1].address",
                   "4:10 virtual_server_groups[0].members[2].fwmark", "5:12 virtual_server_groups[0].members[3].family",
                   "6:15 virtual_server_groups[0].members[4]", "8:22 virtual_servers[0].group"}))
      << all_messages(r.errors);
  EXPECT_NE(all_messages(r.errors).find("no virtual_server_group named 'nope'"), std::string::npos);
}

TEST(KeepalivedCompat, VirtualServerGroupMembersAreServicesLikeAnyOther) {
  // A member that is also a virtual server of its own: a duplicate, as in keepalived.
  auto r = import_text(
      "virtual_server_group g {\n  10.0.0.1-3 80\n}\n"
      "virtual_server group g {\n  protocol TCP\n  real_server 10.1.1.1 80 {\n  }\n}\n"
      "virtual_server 10.0.0.2 80 {\n  protocol TCP\n  real_server 10.1.1.1 80 {\n  }\n}\n");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(all_messages(r.errors).find("duplicate virtual server TCP 10.0.0.2 port 80"), std::string::npos)
      << all_messages(r.errors);
  // Port 0 (all ports) needs persistence, per member.
  auto all_ports = import_text(
      "virtual_server_group g {\n  10.0.0.1\n}\n"
      "virtual_server group g {\n  real_server 10.1.1.1 80 {\n  }\n}\n");
  EXPECT_NE(all_messages(all_ports.errors).find("port 0 (all ports)"), std::string::npos)
      << all_messages(all_ports.errors);
  // A checked real server without a port needs connect_port: members differ in port.
  auto no_port = import_text(
      "virtual_server_group g {\n  10.0.0.1 80\n}\n"
      "virtual_server group g {\n  real_server 10.1.1.1 {\n    TCP_CHECK {\n    }\n  }\n}\n");
  EXPECT_NE(all_messages(no_port.errors).find("no target port"), std::string::npos) << all_messages(no_port.errors);
}

// ------------------------------------------------------------ check defaults

TEST(KeepalivedCompat, CheckSettingsInheritFromRealServerThenVirtualServer) {
  using std::chrono::seconds;
  auto r = import_keepalived_file(kDir + "check_defaults.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << all_messages(r.warnings);
  const VirtualServer& vs = r.config->virtual_servers.at(0);
  EXPECT_EQ(vs.connect_timeout, std::optional<Duration>(seconds(7)));
  const RealServer& rs1 = vs.real_servers.at(0);
  const RealServer& rs2 = vs.real_servers.at(1);
  // The check's own value, else the real server's, else the virtual server's.
  EXPECT_EQ(check_timing(vs, rs1, rs1.checks.at(0)),
            (CheckTiming{.connect_timeout = seconds(3), .retry = 0, .delay_before_retry = seconds(2),
                         .delay_loop = seconds(10), .warmup = seconds(10)}));
  EXPECT_EQ(check_timing(vs, rs1, rs1.checks.at(1)),
            (CheckTiming{.connect_timeout = seconds(9), .retry = 4, .delay_before_retry = seconds(2),
                         .delay_loop = seconds(10), .warmup = seconds(10)}));
  EXPECT_EQ(check_timing(vs, rs2, rs2.checks.at(0)),
            (CheckTiming{.connect_timeout = seconds(7), .retry = 4, .delay_before_retry = seconds(2),
                         .delay_loop = seconds(20), .warmup = seconds(20)}));
  // Nothing set anywhere: the defaults.
  EXPECT_EQ(check_timing(VirtualServer{}, RealServer{}, Check{}), CheckTiming{});
  auto back = load_yaml(to_yaml(*r.config), "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors);
  EXPECT_EQ(*back.config, *r.config);
}

TEST(KeepalivedCompat, ThresholdsPersistenceEngineAndHashed) {
  auto r = import_keepalived_file(kDir + "real_server_limits.conf");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u) << all_messages(r.warnings);
  EXPECT_EQ(where(r.warnings), Where{"11:3 virtual_servers[0].hashed"});
  const VirtualServer& vs = r.config->virtual_servers.at(0);
  EXPECT_EQ(vs.persistence_engine, std::optional<std::string>("sip"));
  EXPECT_EQ(vs.real_servers.at(0).options->uthreshold, 1000u);
  EXPECT_EQ(vs.real_servers.at(0).options->lthreshold, 800u);
  EXPECT_EQ(vs.real_servers.at(1).options->uthreshold, 500u);
  EXPECT_EQ(vs.real_servers.at(1).options->lthreshold, 0u);
  EXPECT_EQ(vs.real_servers.at(1).options->notify_up, std::optional<std::string>("/usr/local/bin/rs-notify up"));
  EXPECT_EQ(vs.real_servers.at(1).options->notify_down, std::optional<std::string>("/usr/local/bin/rs-down"));
  auto back = load_yaml(to_yaml(*r.config), "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors);
  EXPECT_EQ(*back.config, *r.config);
  // lthreshold above uthreshold, an engine Linux does not have, an engine without persistence.
  auto bad = import_text(
      "virtual_server 10.0.0.1 80 {\n  persistence_engine foo\n  real_server 10.1.1.1 80 {\n"
      "    uthreshold 5\n    lthreshold 6\n  }\n}\n"
      "virtual_server 10.0.0.1 81 {\n  persistence_engine sip\n  real_server 10.1.1.1 81 {\n  }\n}\n");
  EXPECT_EQ(where(bad.errors), (Where{"2:22 virtual_servers[0].persistence_engine",
                                      "5:16 virtual_servers[0].real_servers[0].lthreshold",
                                      "9:22 virtual_servers[1].persistence_engine"}))
      << all_messages(bad.errors);
}

}  // namespace
}  // namespace lvsd::conf
