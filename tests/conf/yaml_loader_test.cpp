#include "conf/loader.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// "line:col path" of every error, for compact assertions.
std::vector<std::string> where(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + " " + e.path);
  return out;
}
using Where = std::vector<std::string>;

const char* kMinimal = R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 7
    virtual_ipaddress: [10.0.0.100]
virtual_servers:
  - address: 10.0.0.100
    port: 80
    real_servers:
      - address: 10.0.0.11
        port: 80
)";

TEST(YamlDigest, OnlyIdenticalBytesOfAYamlFileHaveTheSameDigest) {
  const std::string text = kMinimal;
  const auto digest = yaml_digest("/etc/lvsd/lvsd.yaml", text);
  ASSERT_TRUE(digest);
  EXPECT_EQ(digest->size, text.size());
  EXPECT_EQ(yaml_digest("/etc/lvsd/lvsd.yml", std::string(text)), digest);
  // Any one byte changed, added or removed: another digest, parse again.
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string changed = text;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_NE(yaml_digest("/etc/lvsd/lvsd.yaml", changed), digest) << i;
  }
  EXPECT_NE(yaml_digest("/etc/lvsd/lvsd.yaml", text + "\n"), digest);
  EXPECT_NE(yaml_digest("/etc/lvsd/lvsd.yaml", text.substr(0, text.size() - 1)), digest);
  // keepalived.conf can include files that changed behind an unchanged one.
  const std::string keepalived = "include /etc/keepalived/servers.conf\n";
  EXPECT_FALSE(yaml_digest("/etc/keepalived/keepalived.conf", text));
  EXPECT_FALSE(yaml_digest("/etc/lvsd/config", keepalived));
  EXPECT_TRUE(yaml_digest("/etc/lvsd/config", text));  // YAML by content
}

TEST(YamlDigest, TheFileIsComparedWithTheDigestOfTheBytesItWasLoadedFrom) {
  // Larger than one 64 KiB piece of the reading, with a short last piece.
  std::string text = kMinimal;
  while (text.size() < 3 * 64 * 1024 + 100) text += "# padding comment line\n";
  const std::string path = ::testing::TempDir() + "/lvsd_unchanged.yaml";
  auto write = [&](const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  };
  const ContentDigest digest = yaml_digest(path, text).value();
  write(text);
  EXPECT_TRUE(yaml_file_unchanged(path, digest));
  for (std::size_t at : {std::size_t{0}, std::size_t{65535}, std::size_t{65536}, text.size() / 2, text.size() - 1}) {
    std::string changed = text;
    changed[at] = changed[at] == 'x' ? 'y' : 'x';
    write(changed);
    EXPECT_FALSE(yaml_file_unchanged(path, digest)) << at;
    EXPECT_TRUE(yaml_file_unchanged(path, yaml_digest(path, changed).value())) << at;
  }
  write(text + "\n");
  EXPECT_FALSE(yaml_file_unchanged(path, digest));
  write(text.substr(0, 64 * 1024));
  EXPECT_FALSE(yaml_file_unchanged(path, digest));
  write("");
  EXPECT_FALSE(yaml_file_unchanged(path, digest));
  EXPECT_TRUE(yaml_file_unchanged(path, content_digest("")));
  std::remove(path.c_str());
  EXPECT_FALSE(yaml_file_unchanged(path, digest));
  EXPECT_FALSE(yaml_file_unchanged(path, content_digest("")));
}

TEST(YamlLoader, ReadThenLoadContentIsLoadFile) {
  const std::string path = ::testing::TempDir() + "/lvsd_read_then_load.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << kMinimal;
  }
  FileContent content = read_config_file(path);
  ASSERT_FALSE(content.error);
  EXPECT_EQ(content.bytes, kMinimal);
  LoadResult two_steps = load_content(path, content.bytes);
  LoadResult one_step = load_file(path);
  ASSERT_TRUE(two_steps.ok());
  ASSERT_TRUE(one_step.ok());
  EXPECT_EQ(to_yaml(*two_steps.config), to_yaml(*one_step.config));
  std::remove(path.c_str());

  FileContent missing = read_config_file(path);
  ASSERT_TRUE(missing.error);
  EXPECT_TRUE(missing.bytes.empty());
  EXPECT_EQ(missing.error->location.file, path);
  LoadResult refused = load_file(path);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].message, missing.error->message);
}

TEST(YamlLoader, MinimalConfigGetsKeepalivedDefaults) {
  auto r = load_yaml(kMinimal, "t.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const auto& inst = r.config->vrrp_instances.at(0);
  EXPECT_EQ(inst.state, VrrpState::kBackup);
  EXPECT_EQ(inst.priority, 100);
  EXPECT_EQ(inst.advert_int, seconds(1));
  EXPECT_EQ(inst.version, 2);
  EXPECT_EQ(inst.garp_master_delay, seconds(5));
  EXPECT_EQ(inst.virtual_ipaddress.at(0).prefix.length, 32);
  const auto& vs = r.config->virtual_servers.at(0);
  EXPECT_EQ(vs.lb_algo, "wlc");
  EXPECT_EQ(vs.lb_kind, ForwardingMethod::kNat);
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  EXPECT_EQ(vs.delay_loop, seconds(60));
  EXPECT_EQ(vs.real_servers.at(0).weight, 1u);
  EXPECT_EQ(r.config->global.control_socket, "/run/lvsd/lvsd.sock");
  EXPECT_FALSE(r.config->global.metrics.has_value());
  EXPECT_FALSE(r.config->global.lvs_flush_on_stop);
  EXPECT_EQ(r.config->global.ipvs_resync_interval, seconds(30));
}

// See KeepalivedImport.RealServerOptionsAreAllocatedOnlyWhenSet.
TEST(YamlLoader, RealServerOptionsAreAllocatedOnlyWhenSet) {
  const std::string text = std::string(kMinimal) + "      - address: 10.0.0.12\n        notify_up: /bin/up\n";
  auto r = load_yaml(text, "t.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const auto& reals = r.config->virtual_servers.at(0).real_servers;
  EXPECT_FALSE(reals.at(0).options.allocated());
  EXPECT_TRUE(reals.at(1).options.allocated());
  EXPECT_EQ(reals.at(1).options->notify_up, "/bin/up");
}

TEST(YamlLoader, EveryKeyIsRead) {
  const char* text = R"(global:
  router_id: lb1
  control_socket: /tmp/lvsd.sock
  metrics: 127.0.0.1:9105
  lvs_sync_daemon: {interface: eth1, vrrp_instance: VI_6, sync_id: 9, maxlen: 1400, port: 8849, ttl: 2, group: 224.0.0.82}
  lvs_flush: true
  lvs_flush_on_stop: true
  ipvs_resync_interval: 0
  notify: /usr/local/bin/notify
  script_user: nobody nogroup
  enable_script_security: true
vrrp_instances:
  - name: VI_6
    state: MASTER
    interface: eth0
    virtual_router_id: 60
    priority: 255
    advert_int: 500ms
    version: 3
    virtual_ipaddress:
      - fd00::100/64
      - {address: fd00::101/64, dev: eth2, scope: global}
    unicast_src_ip: fd00::1
    unicast_peer: [fd00::2]
    preempt_delay: 30s
    track_interface: [eth3, {name: eth4, weight: -20}]
    notify_master: /bin/m
    notify_backup: /bin/b
    notify_fault: /bin/f
    notify_stop: /bin/s
    garp_master_delay: 2s
    garp_master_repeat: 3
    garp_master_refresh: 1m
vrrp_sync_groups:
  - name: G
    group: [VI_6]
    notify_master: /bin/gm
virtual_servers:
  - fwmark: 12
    protocol: UDP
    lb_algo: mh
    lb_kind: TUN
    tunnel_type: gue
    tunnel_port: 6080
    persistence_timeout: 5m
    persistence_granularity: 64
    delay_loop: 10s
    quorum: 2
    hysteresis: 1
    quorum_up: /usr/local/bin/quorum up
    quorum_down: "/usr/local/bin/quorum down"
    omega: true
    sorry_server: {address: "fd00::99", port: 53}
    inhibit_on_failure: true
    ha_suspend: true
    virtualhost: www.example.org
    real_servers:
      - address: fd00::11
        port: 53
        weight: 65535
        inhibit_on_failure: false
        slow_start: 30s
        TCP_CHECK: {connect_ip: fd00::12, connect_port: 54, connect_timeout: 2s, nb_get_retry: 4, delay_before_retry: 250ms, delay_loop: 5s, rise: 3, fall: 2}
        SSL_GET:
          url:
            - {path: /health, status_code: 200-399, digest: 9e107d9d372bb6826bd81d3542a419d6}
          virtualhost: h.example.org
        REDIS_CHECK: {password: s3cret, expect_role: master, connect_port: 6379}
        MISC_CHECK: {misc_path: "/bin/check --x", misc_timeout: 3s, misc_dynamic: true, user: www-data}
        HTTP_GET:
          - url: [{path: /a}]
          - url: [{path: /b}]
)";
  auto r = load_yaml(text, "all.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  const Config& c = *r.config;
  EXPECT_EQ(c.global.router_id, "lb1");
  EXPECT_EQ(c.global.metrics, "127.0.0.1:9105");
  ASSERT_TRUE(c.global.lvs_sync_daemon);
  EXPECT_EQ(c.global.lvs_sync_daemon->sync_id, 9);
  EXPECT_EQ(c.global.lvs_sync_daemon->maxlen, 1400);
  EXPECT_EQ(c.global.lvs_sync_daemon->group, core::IpAddress::parse("224.0.0.82"));
  EXPECT_TRUE(c.global.lvs_flush);
  EXPECT_TRUE(c.global.lvs_flush_on_stop);
  EXPECT_EQ(c.global.ipvs_resync_interval, Duration{0});
  const auto& i = c.vrrp_instances.at(0);
  EXPECT_EQ(i.priority, 255);
  EXPECT_EQ(i.advert_int, milliseconds(500));
  EXPECT_EQ(i.virtual_ipaddress.at(1).dev, "eth2");
  EXPECT_EQ(i.virtual_ipaddress.at(1).prefix.length, 64);
  EXPECT_EQ(i.virtual_ipaddress.at(1).scope, AddressScope::kGlobal);
  EXPECT_EQ(i.track_interface.at(1).weight, -20);
  EXPECT_EQ(i.notify.stop, "/bin/s");
  EXPECT_EQ(i.garp_master_refresh, seconds(60));
  EXPECT_EQ(c.vrrp_sync_groups.at(0).notify.master, "/bin/gm");
  const auto& vs = c.virtual_servers.at(0);
  EXPECT_EQ(vs.fwmark, 12u);
  EXPECT_EQ(vs.family(), core::AddressFamily::kIpv6);
  EXPECT_EQ(vs.tunnel_port, 6080);
  EXPECT_EQ(vs.persistence_timeout, seconds(300));
  EXPECT_EQ(vs.sorry_server->port, 53);
  EXPECT_EQ(vs.quorum_up, "/usr/local/bin/quorum up");
  EXPECT_EQ(vs.quorum_down, "/usr/local/bin/quorum down");
  EXPECT_TRUE(vs.omega);
  const auto& rs = vs.real_servers.at(0);
  EXPECT_EQ(rs.options->inhibit_on_failure, false);
  ASSERT_EQ(rs.checks.size(), 6u);
  EXPECT_EQ(check_keyword(rs.checks[0]), "TCP_CHECK");
  EXPECT_EQ(rs.checks[0].retry, 4u);
  EXPECT_EQ(rs.checks[0].delay_before_retry, milliseconds(250));
  EXPECT_EQ(rs.checks[0].rise, 3u);
  const auto& ssl = std::get<HttpCheck>(rs.checks[1].probe);
  EXPECT_TRUE(ssl.tls);
  EXPECT_EQ(ssl.url.at(0).status_code, (std::vector<StatusCodeRange>{{.low = 200, .high = 399}}));
  EXPECT_EQ(std::get<RedisCheck>(rs.checks[2].probe).expect_role, RedisRole::kMaster);
  EXPECT_TRUE(std::get<MiscCheck>(rs.checks[3].probe).misc_dynamic);
  EXPECT_EQ(std::get<MiscCheck>(rs.checks[3].probe).user, (ScriptUser{.user = "www-data", .group = std::nullopt}));
  EXPECT_EQ(c.global.script_user, (ScriptUser{.user = "nobody", .group = "nogroup"}));
  EXPECT_TRUE(c.global.enable_script_security);
  EXPECT_EQ(std::get<HttpCheck>(rs.checks[5].probe).url.at(0).path, "/b");
  EXPECT_EQ(summary(c), "1 VRRP instance, 1 virtual server, 1 real server, 6 checks");
}

TEST(YamlLoader, ReportsEveryErrorWithLineColumnAndPath) {
  const char* text = R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 300
    priority: high
    virtual_ipaddress: [10.0.0.100/40]
virtual_servers:
  - address: 10.0.0.300
    port: 80
    real_servers:
      - address: 10.0.0.11
        wieght: 1
        weight: 70000
)";
  auto r = load_yaml(text, "bad.yaml");
  EXPECT_EQ(where(r), (Where{"4:24 vrrp_instances[0].virtual_router_id", "5:15 vrrp_instances[0].priority",
                             "6:25 vrrp_instances[0].virtual_ipaddress[0]", "8:14 virtual_servers[0].address",
                             "12:9 virtual_servers[0].real_servers[0].wieght",
                             "13:17 virtual_servers[0].real_servers[0].weight"}));
  EXPECT_FALSE(r.config.has_value());
  EXPECT_EQ(format_error(r.errors[5]),
            "bad.yaml:13:17: virtual_servers[0].real_servers[0].weight: '70000' is out of range: allowed 0-65535");
  EXPECT_EQ(r.errors[4].message, "unknown key 'wieght': did you mean 'weight'?");
}

TEST(YamlLoader, WrongTypes) {
  const char* text = R"(vrrp_instances:
  name: VI_1
virtual_servers:
  - address: [10.0.0.1]
    port:
    real_servers: {address: 10.0.0.2}
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"2:3 vrrp_instances", "4:14 virtual_servers[0].address", "5:5 virtual_servers[0].port",
                             "6:19 virtual_servers[0].real_servers"}));
  EXPECT_EQ(r.errors[0].message, "expected a list, got a mapping");
}

TEST(YamlLoader, DuplicateKeysAndAliasConflict) {
  const char* text = R"(virtual_servers:
  - address: 10.0.0.1
    port: 80
    port: 81
    real_servers:
      - address: 10.0.0.2
        TCP_CHECK: {retry: 1, nb_get_retry: 2}
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"4:5 virtual_servers[0].port",
                             "7:31 virtual_servers[0].real_servers[0].TCP_CHECK.nb_get_retry"}));
}

// The virtual servers are read while the file is parsed, and their nodes
// dropped (yaml::ItemStream): an error only validation finds, in any of them,
// is still placed where it is, also in one an anchor kept or an alias repeats.
TEST(YamlLoader, StreamedVirtualServersKeepEveryErrorLocated) {
  const char* text = R"(virtual_servers:
  - address: 10.0.0.1
    port: 80
    real_servers: [{address: 10.0.1.1, port: 80}, {address: 10.0.1.1, port: 80}]
  - &second
    address: 10.0.0.2
    port: 80
    real_servers: [{address: 10.0.2.1, port: 80}, {address: 10.0.2.1, port: 80}]
  - address: 10.0.0.3
    port: 80
    real_servers:
      - address: 10.0.3.1
        port: 80
      - port: 80
  - *second
global:
  router_id: late
)";
  auto r = load_yaml(text, "s.yaml");
  EXPECT_EQ(where(r), (Where{"4:61 virtual_servers[0].real_servers[1].address", "6:14 virtual_servers[3].address",
                             "8:61 virtual_servers[1].real_servers[1].address",
                             "8:61 virtual_servers[3].real_servers[1].address",
                             "14:9 virtual_servers[2].real_servers[1].address"}));
  EXPECT_EQ(format_error(r.errors[1]),
            "s.yaml:6:14: virtual_servers[3].address: duplicate virtual server TCP 10.0.0.2 port 80: already at "
            "virtual_servers[1]");
  // Valid once the duplicates and the missing address are gone: four virtual servers, in order.
  std::string fixed = text;
  fixed.replace(fixed.find(", {address: 10.0.1.1, port: 80}"), 31, "");
  fixed.replace(fixed.find(", {address: 10.0.2.1, port: 80}"), 31, "");
  fixed.replace(fixed.find("      - port: 80\n"), 17, "");
  fixed.replace(fixed.find("  - *second\n"), 12, "");
  auto ok = load_yaml(fixed, "s.yaml");
  ASSERT_TRUE(ok.ok()) << format_error(ok.errors.at(0));
  ASSERT_EQ(ok.config->virtual_servers.size(), 3u);
  EXPECT_EQ(ok.config->virtual_servers[2].address->to_string(), "10.0.0.3");
  EXPECT_EQ(ok.config->virtual_servers[1].real_servers.at(0).address.to_string(), "10.0.2.1");
  EXPECT_EQ(ok.config->virtual_servers.capacity(), 3u);  // the daemon keeps it: no spare room
  EXPECT_EQ(ok.config->global.router_id, "late");
}

// A syntax error after some virtual servers were read is the only error.
TEST(YamlLoader, SyntaxErrorAfterStreamedVirtualServersIsTheOnlyError) {
  auto r = load_yaml("virtual_servers:\n  - {address: bad, port: 80}\n  - {address: 10.0.0.2, port: [\n", "s.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos) << r.errors[0].message;
  auto two = load_yaml("virtual_servers:\n  - {address: bad, port: 80}\n---\nglobal: {}\n", "s.yaml");
  ASSERT_EQ(two.errors.size(), 1u);
  EXPECT_EQ(two.errors[0].message, "more than one YAML document: allowed exactly one");
}

TEST(YamlLoader, SyntaxErrorHasAPosition) {
  auto r = load_yaml("virtual_servers:\n  - address: [10.0.0.1\n", "s.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors[0].location.line, 0);
  EXPECT_EQ(r.errors[0].path, "");
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(YamlLoader, EmptyAndMultiDocumentFilesAreRefused) {
  EXPECT_EQ(where(load_yaml("", "e.yaml")), Where{"1:1 "});
  EXPECT_EQ(where(load_yaml("# nothing\n", "e.yaml")), Where{"1:1 "});
  EXPECT_EQ(where(load_yaml("global: {router_id: a}\n---\nglobal: {}\n", "m.yaml")), Where{"3:1 "});
  EXPECT_EQ(where(load_yaml("- 1\n", "l.yaml")), Where{"1:1 "});
}

TEST(YamlLoader, SemanticErrorsPointAtTheValue) {
  const char* text = R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 7
    advert_int: 1500ms
    authentication: {type: PASS, pass: "123456789"}
    virtual_ipaddress: ["10.0.0.100/24 dev eth0 label eth1:0"]
vrrp_sync_groups:
  - name: G
    group: [VI_1, VI_2]
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"5:17 vrrp_instances[0].advert_int", "6:40 vrrp_instances[0].authentication.pass",
                             "7:25 vrrp_instances[0].virtual_ipaddress[0]", "10:19 vrrp_sync_groups[0].group[1]"}));
}

TEST(YamlLoader, PingUdpDnsAndSmtpChecks) {
  const char* text = R"(virtual_servers:
  - address: 10.0.0.1
    port: 53
    protocol: UDP
    real_servers:
      - address: 10.0.0.2
        PING_CHECK:
        UDP_CHECK: {payload: "01 2", require_reply: true}
        DNS_CHECK: {type: mx, name: example.org}
        SMTP_CHECK: {connect_port: 25}
      - address: 10.0.0.3
        UDP_CHECK: {payload: 0x, require_reply: maybe, min_reply_length: 9, max_reply_length: 8}
        DNS_CHECK: {type: PTR, name: "a..b"}
        SMTP_CHECK: {helo_name: "a b"}
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"12:30 virtual_servers[0].real_servers[1].UDP_CHECK.payload",
                             "12:49 virtual_servers[0].real_servers[1].UDP_CHECK.require_reply",
                             "12:74 virtual_servers[0].real_servers[1].UDP_CHECK.min_reply_length",
                             "13:27 virtual_servers[0].real_servers[1].DNS_CHECK.type",
                             "13:38 virtual_servers[0].real_servers[1].DNS_CHECK.name",
                             "14:33 virtual_servers[0].real_servers[1].SMTP_CHECK.helo_name"}));
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[1].message,
            "'maybe' is not valid for require_reply: allowed true, false or a hex string (x for any value)");
  auto ok = load_yaml(std::string(text).substr(0, std::string(text).find("      - address: 10.0.0.3")), "t.yaml");
  ASSERT_TRUE(ok.ok()) << format_error(ok.errors.at(0));
  const auto& checks = ok.config->virtual_servers[0].real_servers[0].checks;
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(check_keyword(checks[0]), "PING_CHECK");
  EXPECT_EQ(std::get<UdpCheck>(checks[1].probe).payload->bytes, (std::vector<std::uint8_t>{0x01, 0x02}));
  EXPECT_TRUE(std::get<UdpCheck>(checks[1].probe).require_reply);
  EXPECT_FALSE(std::get<UdpCheck>(checks[1].probe).reply);
  EXPECT_EQ(std::get<DnsCheck>(checks[2].probe).type, DnsType::kMx);
  EXPECT_EQ(std::get<SmtpCheck>(checks[3].probe).helo_name, std::nullopt);
  auto bounds = load_yaml(R"(virtual_servers:
  - address: 10.0.0.1
    port: 7
    real_servers:
      - {address: 10.0.0.2, UDP_CHECK: {require_reply: "00", min_reply_length: 9, max_reply_length: 8}}
)", "t.yaml");
  EXPECT_EQ(where(bounds), (Where{"5:80 virtual_servers[0].real_servers[0].UDP_CHECK.min_reply_length"}));
}

TEST(YamlLoader, MissingRequiredKeysPointAtTheItem) {
  const char* text = R"(vrrp_instances:
  - name: VI_1
    virtual_ipaddress: [10.0.0.100]
virtual_servers:
  - port: 80
    real_servers:
      - port: 80
        HTTP_GET: {connect_port: 80}
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"2:5 vrrp_instances[0].interface", "2:5 vrrp_instances[0].virtual_router_id",
                             "5:5 virtual_servers[0].address", "7:9 virtual_servers[0].real_servers[0].address",
                             "8:19 virtual_servers[0].real_servers[0].HTTP_GET.url"}));
}

TEST(YamlLoader, ABadValueGetsOneErrorNotAlsoARuleError) {
  // virtual_router_id failed to parse, so it is also "missing" for the rules;
  // only the parse error is reported.
  const char* text = R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: fifty
    virtual_ipaddress: [10.0.0.1/99]
)";
  auto r = load_yaml(text, "t.yaml");
  EXPECT_EQ(where(r), (Where{"4:24 vrrp_instances[0].virtual_router_id", "5:25 vrrp_instances[0].virtual_ipaddress[0]"}));
}

TEST(PathsOverlap, SamePathOrInside) {
  EXPECT_TRUE(paths_overlap("a.b", "a.b"));
  EXPECT_TRUE(paths_overlap("a.b", "a.b.c"));
  EXPECT_TRUE(paths_overlap("a.b[0].c", "a.b"));
  EXPECT_FALSE(paths_overlap("a.b", "a.bc"));
  EXPECT_FALSE(paths_overlap("a.b[0]", "a.b[1]"));
  EXPECT_FALSE(paths_overlap("", "a"));
}

TEST(KeyPaths, JoinIndexAndElement) {
  EXPECT_EQ(join_path("a", "b"), "a.b");
  EXPECT_EQ(join_path("", "b"), "b");
  EXPECT_EQ(index_path("a.b", 12), "a.b[12]");
  EXPECT_EQ(index_path("a", 18446744073709551615u), "a[18446744073709551615]");
  EXPECT_EQ(element_path("virtual_servers[3]", "real_servers", 9), "virtual_servers[3].real_servers[9]");
  EXPECT_EQ(element_path("", "real_servers", 0), "real_servers[0]");
}

TEST(YamlLoader, AnchorsAndAliasesWork) {
  const char* text = R"(virtual_servers:
  - address: 10.0.0.1
    port: 80
    real_servers:
      - address: 10.0.0.2
        HTTP_GET: &web {url: [{path: /}], connect_timeout: 2s}
      - address: 10.0.0.3
        HTTP_GET: *web
)";
  auto r = load_yaml(text, "t.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  EXPECT_EQ(r.config->virtual_servers[0].real_servers[1].checks.at(0).connect_timeout, seconds(2));
}

TEST(YamlLoader, AliasAmplificationIsCapped) {
  // 847 bytes that alias their way to 60 x 61 x 61 URL checks.
  std::string repeat_u, repeat_c, repeat_r;
  for (int i = 0; i < 60; ++i) {
    repeat_u += ", *u";
    repeat_c += ", *c";
    repeat_r += ", *r";
  }
  std::string text = "virtual_servers: [{address: 10.0.0.1, port: 80, real_servers: [&r {address: 10.0.0.2, "
                     "HTTP_GET: [&c {url: [&u {path: /}" + repeat_u + "]}" + repeat_c + "]}" + repeat_r + "]}]\n";
  auto r = load_yaml(text, "bomb.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("configuration too large"), std::string::npos) << r.errors[0].message;
  EXPECT_FALSE(r.config.has_value());
}

TEST(YamlLoader, AFileSpelledOutInFullIsReadWholeHoweverLarge) {
  // 10,000 virtual servers x 10 real servers, every key written (as
  // `lvsctl import-keepalived` writes them): 450,000 keys and list items,
  // more than the 200,000 repeats aliases may add. The guard is against
  // repetition, not against size.
  std::string text = "virtual_servers:\n";
  text.reserve(10'000 * 520);
  for (int v = 0; v < 10'000; ++v) {
    text += "  - address: 10.1." + std::to_string(v / 250) + "." + std::to_string(v % 250 + 1) +
            "\n    port: 80\n    protocol: TCP\n    lb_algo: rr\n    real_servers:\n";
    for (int r = 1; r <= 10; ++r)
      text += "      - address: 10.2.0." + std::to_string(r) + "\n        port: 80\n        weight: 1\n";
  }
  auto r = load_yaml(text, "big.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  ASSERT_EQ(r.config->virtual_servers.size(), 10'000u);
  EXPECT_EQ(r.config->virtual_servers.back().real_servers.size(), 10u);
}

TEST(DetectFormat, ByExtensionThenContent) {
  EXPECT_EQ(detect_format("/etc/keepalived/keepalived.conf", "global: {}"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("/etc/lvsd/lvsd.yaml", "global_defs {"), SourceFormat::kYaml);
  EXPECT_EQ(detect_format("/etc/lvsd/lvsd.yml", ""), SourceFormat::kYaml);
  EXPECT_EQ(detect_format("cfg", "! comment\n# more\n  global_defs {\n"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("cfg", "virtual_server 10.0.0.1 80 {"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("cfg", "# lvsd\nvirtual_servers:\n"), SourceFormat::kYaml);
}

TEST(LoadFile, MissingFileIsAnError) {
  auto r = load_file("/nonexistent/lvsd.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_error(r.errors[0]), "/nonexistent/lvsd.yaml: cannot open: No such file or directory");
}

TEST(LoadFile, ExampleLoads) {
  auto r = load_file(std::string(LVSD_SOURCE_DIR) + "/examples/lvsd.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  EXPECT_EQ(summary(*r.config), "1 VRRP instance, 1 virtual server, 2 real servers, 2 checks");
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

// Bytes YAML does not allow are refused with their position and the byte
// itself (libyaml's own message gives neither).
TEST(YamlLoader, RefusesBytesThatAreNotYamlText) {
  auto control = load_yaml("virtual_servers:\n  - address: 10.0.0.1\x16\n", "c.yaml");
  ASSERT_FALSE(control.ok());
  ASSERT_EQ(control.errors.size(), 1u);
  EXPECT_EQ(format_error(control.errors[0]).rfind("c.yaml:2:22: control character 0x16", 0), 0u)
      << format_error(control.errors[0]);

  auto bad_utf8 = load_yaml("global:\n  router_id: a\xff\n", "u.yaml");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_EQ(format_error(bad_utf8.errors[0]).rfind("u.yaml:2:15: invalid UTF-8 byte 0xff", 0), 0u)
      << format_error(bad_utf8.errors[0]);

  // The column counts characters, not bytes: two 2-byte characters before
  // the bad one on its line.
  auto after_utf8 = load_yaml("global:\n  router_id: \"\xc3\xa9\xc3\xa9\x16\"\n", "w.yaml");
  ASSERT_FALSE(after_utf8.ok());
  EXPECT_EQ(format_error(after_utf8.errors[0]).rfind("w.yaml:2:17: control character 0x16", 0), 0u)
      << format_error(after_utf8.errors[0]);

  // Tabs, CRLF line ends and real UTF-8 text are fine.
  auto fine = load_yaml("global:\r\n  router_id: \"lvs-\xc3\xa9t\xc3\xa9\"\t# comment\r\n", "ok.yaml");
  EXPECT_TRUE(fine.ok()) << (fine.errors.empty() ? "" : format_error(fine.errors[0]));
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

// A line starting with ',' outside [ ] / { } made yaml-cpp 0.7 loop forever
// (found by fuzzing: a file holding just "," hung it); libyaml refuses it
// as a syntax error at the ','.
TEST(YamlLoader, LineStartingWithCommaOutsideAFlowListIsASyntaxError) {
  for (const char* text : {",\n", "  a: 1\n ,\n", "# c\n, a\n", "virtual_servers:\n  - address: 10.0.0.1\n  ,\n",
                           "  a: 1\n !x,\n", "global:\n  router_id: 'a\n, b\n"}) {
    auto r = load_yaml(text, "c.yaml");
    ASSERT_FALSE(r.ok()) << text;
    ASSERT_EQ(r.errors.size(), 1u) << text;
    EXPECT_NE(format_error(r.errors[0]).find("YAML syntax error: "), std::string::npos) << format_error(r.errors[0]);
  }
  auto r = load_yaml("virtual_servers:\n  - address: 10.0.0.1\n  ,\n", "c.yaml");
  EXPECT_EQ(format_error(r.errors[0]).rfind("c.yaml:3:3: YAML syntax error: did not find expected '-' indicator", 0), 0u)
      << format_error(r.errors[0]);
  // Inside a multi-line flow list it is fine, and so is a quoted or commented one.
  auto flow = load_yaml("vrrp_instances: [ { name: VI_1, state: MASTER, interface: eth0\n"
                        "  , virtual_router_id: 51, virtual_ipaddress: [\"10.0.0.100/24\"] } ]\n"
                        "# , not a problem\n",
                        "f.yaml");
  EXPECT_TRUE(flow.ok()) << (flow.errors.empty() ? "" : format_error(flow.errors[0]));
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

TEST(YamlLoader, BadScriptUserIsAnError) {
  auto r = load_yaml("global:\n  script_user: a b c\n", "u.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_error(r.errors[0]),
            "u.yaml:2:16: global.script_user: 'a b c' is not a user and group: allowed \"USER\" or \"USER GROUP\" "
            "(names of letters, digits, '.', '_', '-')");
  EXPECT_FALSE(r.config.has_value());
  r = load_yaml("global:\n  script_user: \"-x\"\n", "u.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("'-x' is not a user or group name"), std::string::npos);
}

// Only unquoted null, ~, Null, NULL and an empty value mean "nothing"; quoted
// they are text, so a router_id of "null" is a name, not a missing value.
TEST(YamlLoader, QuotedNullIsText) {
  auto quoted = load_yaml("global: {router_id: \"null\", notify: '~'}\n", "q.yaml");
  ASSERT_TRUE(quoted.ok()) << format_error(quoted.errors.at(0));
  EXPECT_EQ(quoted.config->global.router_id, "null");
  EXPECT_EQ(quoted.config->global.notify, "~");
  for (const char* nothing : {"null", "~", "NULL", ""}) {
    auto r = load_yaml(std::string("global:\n  router_id: ") + nothing + "\n", "n.yaml");
    ASSERT_EQ(r.errors.size(), 1u) << nothing;
    EXPECT_EQ(format_error(r.errors[0]), "n.yaml:2:3: global.router_id: missing value: allowed a single value");
  }
}

TEST(YamlLoader, TagsDoNotChangeTheValue) {
  auto r = load_yaml("global: {router_id: !!str lb1, lvs_flush: !!bool true}\n", "t.yaml");
  ASSERT_TRUE(r.ok()) << format_error(r.errors.at(0));
  EXPECT_EQ(r.config->global.router_id, "lb1");
  EXPECT_TRUE(r.config->global.lvs_flush);
}

TEST(YamlLoader, AliasWithoutAnchorIsASyntaxErrorAtTheAlias) {
  auto r = load_yaml("global:\n  router_id: *nowhere\n", "a.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_error(r.errors[0]), "a.yaml:2:14: YAML syntax error: alias *nowhere names no anchor defined before it");
  // An anchor cannot contain an alias to itself.
  auto self = load_yaml("virtual_servers: &v [*v]\n", "s.yaml");
  ASSERT_EQ(self.errors.size(), 1u);
  EXPECT_EQ(where(self), Where{"1:22 "});
}

TEST(YamlLoader, SyntaxErrorNamesWhatWasOpen) {
  auto r = load_yaml("virtual_servers:\n  - address: [10.0.0.1\n    port: 80\n", "s.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_error(r.errors[0]),
            "s.yaml:3:9: YAML syntax error: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 2, column 14)");
}

TEST(YamlLoader, EmptySecondDocumentIsStillASecondDocument) {
  EXPECT_EQ(where(load_yaml("global: {router_id: a}\n---\n", "m.yaml")), Where{"2:1 "});
  EXPECT_EQ(where(load_yaml("global: {router_id: a}\n...\n--- [1]\n", "m.yaml")), Where{"3:5 "});
}

TEST(YamlLoader, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes; the error is at the 19th character of line 2.
  auto r = load_yaml("global:\n  router_id: \"\xc3\xa9\"\n  lvs_flush: maybe\n", "c.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(where(r), Where{"3:14 global.lvs_flush"});
  auto bad = load_yaml("global: {router_id: \xc3\xa9, x: 1}\n", "c.yaml");
  EXPECT_EQ(where(bad), Where{"1:24 global.x"});
}

}  // namespace
}  // namespace lvsd::conf

namespace lvsd::conf {
namespace {

TEST(YamlLoader, StartUpIsABooleanDefaultingToFalse) {
  auto r = load_yaml(kMinimal, "t.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config->virtual_servers.at(0).start_up);
  std::string on = kMinimal;
  on += "    start_up: true\n";
  auto r2 = load_yaml(on, "t.yaml");
  ASSERT_TRUE(r2.ok()) << format_error(r2.errors.at(0));
  EXPECT_TRUE(r2.config->virtual_servers.at(0).start_up);
  std::string bad = kMinimal;
  bad += "    start_up: later\n";
  EXPECT_EQ(where(load_yaml(bad, "t.yaml")), Where{"12:15 virtual_servers[0].start_up"});
}

TEST(YamlLoader, CheckUnicastTtlIsABooleanDefaultingToTrue) {
  const std::string head = R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 1
    virtual_ipaddress: [10.0.0.100]
    unicast_peer: [10.0.0.2]
)";
  auto plain = load_yaml(head, "t.yaml");
  ASSERT_TRUE(plain.ok()) << format_error(plain.errors.at(0));
  EXPECT_TRUE(plain.config->vrrp_instances.at(0).check_unicast_ttl);
  auto off = load_yaml(head + "    check_unicast_ttl: false\n", "t.yaml");
  ASSERT_TRUE(off.ok()) << format_error(off.errors.at(0));
  EXPECT_FALSE(off.config->vrrp_instances.at(0).check_unicast_ttl);
  auto bad = load_yaml(head + "    check_unicast_ttl: sometimes\n", "t.yaml");
  EXPECT_EQ(where(bad), Where{"7:24 vrrp_instances[0].check_unicast_ttl"});
  // Multicast adverts are always checked: turning the check off there is refused.
  auto multicast = load_yaml(R"(vrrp_instances:
  - name: VI_1
    interface: eth0
    virtual_router_id: 1
    virtual_ipaddress: [10.0.0.100]
    check_unicast_ttl: false
)", "t.yaml");
  EXPECT_EQ(where(multicast), Where{"6:24 vrrp_instances[0].check_unicast_ttl"});
  EXPECT_NE(multicast.errors.at(0).message.find("needs unicast_peer"), std::string::npos)
      << multicast.errors.at(0).message;
}

TEST(YamlLoader, SchedulerFlagsNameTheirScheduler) {
  auto with = [](const std::string& algo_and_flags) {
    return load_yaml("virtual_servers:\n  - {address: 10.0.0.1, port: 80, " + algo_and_flags + "}\n", "t.yaml");
  };
  auto mh = with("lb_algo: mh, scheduler_flags: [mh-fallback, mh-port]");
  ASSERT_TRUE(mh.ok()) << format_error(mh.errors.at(0));
  EXPECT_EQ(mh.config->virtual_servers.at(0).scheduler_flags, (SchedulerFlags{.fallback = true, .port = true}));
  auto generic = with("lb_algo: rr, scheduler_flags: [flag-3]");
  ASSERT_TRUE(generic.ok()) << format_error(generic.errors.at(0));
  EXPECT_EQ(generic.config->virtual_servers.at(0).scheduler_flags, (SchedulerFlags{.flag3 = true}));
  EXPECT_EQ(scheduler_flag_names({.fallback = true, .port = true}, "sh"),
            (std::vector<std::string>{"sh-fallback", "sh-port"}));
  EXPECT_EQ(scheduler_flag_names({.port = true}, "wlc"), std::vector<std::string>{"flag-2"});
  // A flag of another scheduler, or an unknown one: refused where it is.
  auto other = with("lb_algo: rr, scheduler_flags: [mh-port]");
  ASSERT_EQ(where(other), Where{"2:66 virtual_servers[0].scheduler_flags[0]"});
  EXPECT_NE(other.errors.at(0).message.find("flag of the mh scheduler"), std::string::npos);
  auto unknown = with("lb_algo: mh, scheduler_flags: [mh-ports]");
  EXPECT_EQ(where(unknown), Where{"2:66 virtual_servers[0].scheduler_flags[0]"});
}

TEST(YamlLoader, SloppyFlagsAreOptionalBooleans) {
  auto unset = load_yaml("global: {router_id: a}\n", "t.yaml");
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset.config->global.sloppy_tcp.has_value());
  auto set = load_yaml("global: {sloppy_tcp: true, sloppy_sctp: false}\n", "t.yaml");
  ASSERT_TRUE(set.ok()) << format_error(set.errors.at(0));
  EXPECT_EQ(set.config->global.sloppy_tcp, std::optional<bool>(true));
  EXPECT_EQ(set.config->global.sloppy_sctp, std::optional<bool>(false));
  EXPECT_EQ(where(load_yaml("global: {sloppy_tcp: maybe}\n", "t.yaml")), Where{"1:22 global.sloppy_tcp"});
}

TEST(YamlLoader, AnnounceSettingsAndPerServiceFlag) {
  auto defaults = load_yaml("global: {router_id: a}\n", "t.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config->global.announce, Announce{});
  EXPECT_EQ(defaults.config->global.announce.table, 200u);
  auto set = load_yaml(
      "global: {announce: {table: 100, drain_grace: 30s, drain_on_stop: true}}\n"
      "virtual_servers:\n  - {address: 10.0.0.1, port: 80, announce: true}\n",
      "t.yaml");
  ASSERT_TRUE(set.ok()) << format_error(set.errors.at(0));
  EXPECT_EQ(set.config->global.announce,
            (Announce{.table = 100, .drain_grace = std::chrono::seconds(30), .drain_on_stop = true}));
  EXPECT_TRUE(set.config->virtual_servers.at(0).announce);
  // The kernel's own tables (253-255) and 0 are refused where they are.
  EXPECT_EQ(where(load_yaml("global: {announce: {table: 254}}\n", "t.yaml")), Where{"1:28 global.announce.table"});
  EXPECT_EQ(where(load_yaml("global: {announce: {tabel: 1}}\n", "t.yaml")), Where{"1:21 global.announce.tabel"});
  // A fwmark service has no address to announce; a VRRP VIP is not announced.
  auto fwmark = load_yaml("virtual_servers:\n  - {fwmark: 5, announce: true}\n", "t.yaml");
  ASSERT_FALSE(fwmark.ok());
  EXPECT_EQ(fwmark.errors.at(0).path, "virtual_servers[0].announce");
  auto vrrp = load_yaml(
      "vrrp_instances:\n  - {name: VI_1, interface: eth0, virtual_router_id: 51, virtual_ipaddress: [10.0.0.1]}\n"
      "virtual_servers:\n  - {address: 10.0.0.1, port: 80, announce: true}\n",
      "t.yaml");
  ASSERT_FALSE(vrrp.ok());
  EXPECT_NE(vrrp.errors.at(0).message.find("either moved by VRRP or announced"), std::string::npos);
}

TEST(YamlLoader, RoutesRulesAndExcludedAddresses) {
  auto ok = load_yaml(
      "vrrp_instances:\n  - name: VI_1\n    interface: eth0\n    virtual_router_id: 7\n"
      "    virtual_ipaddress: [10.0.0.100]\n"
      "    virtual_ipaddress_excluded: [\"fd00::1/64\", {address: 10.0.0.101, dev: eth1}]\n"
      "    virtual_routes: [\"10.9.0.0/16 via 10.0.0.1 table 100\"]\n"
      "    virtual_rules: [\"from 10.0.0.100 table 100\"]\n"
      "static_ipaddress: [\"10.5.0.1/24 dev eth1\"]\n"
      "static_routes: [\"blackhole 10.7.0.0/16\"]\n"
      "static_rules: [\"fwmark 5 lookup 7\"]\n",
      "t.yaml");
  ASSERT_TRUE(ok.ok()) << format_error(ok.errors.at(0));
  const auto& i = ok.config->vrrp_instances.at(0);
  EXPECT_EQ(i.virtual_ipaddress_excluded.at(1).dev, "eth1");
  EXPECT_EQ(i.virtual_routes.at(0).table, 100u);
  EXPECT_FALSE(i.virtual_rules.at(0).priority.has_value());  // YAML leaves it to the kernel
  EXPECT_EQ(ok.config->static_routes.at(0).type, RouteType::kBlackhole);
  EXPECT_EQ(ok.config->static_rules.at(0).fwmark, 5u);
  // Errors are where the string is, and name the word.
  auto bad = load_yaml(
      "static_routes: [\"10.7.0.0/16 dev eth0 mtu 1400\"]\n"
      "static_rules: [\"from 10.0.0.0/24\"]\n"
      "static_ipaddress: [10.5.0.1/24]\n",
      "t.yaml");
  EXPECT_EQ(where(bad), (Where{"1:17 static_routes[0]", "2:16 static_rules[0]", "3:20 static_ipaddress[0].dev"}));
  EXPECT_NE(bad.errors.at(0).message.find("'mtu' is not supported"), std::string::npos) << bad.errors.at(0).message;
  // An excluded address may not repeat a virtual one.
  auto dup = load_yaml(
      "vrrp_instances:\n  - {name: VI_1, interface: eth0, virtual_router_id: 7, virtual_ipaddress: [10.0.0.100],"
      " virtual_ipaddress_excluded: [10.0.0.100]}\n",
      "t.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.errors.at(0).path, "vrrp_instances[0].virtual_ipaddress_excluded[0]");
}

TEST(YamlLoader, VirtualServerGroupsAndTheirRules) {
  auto r = load_yaml(R"(virtual_server_groups:
  - name: web
    members:
      - {address: 10.0.0.1-3, port: 80}
      - {address: 10.0.0.9-2, port: 80}
      - {fwmark: 7, port: 80}
      - {address: 10.0.0.5, family: inet6, port: 80}
      - {port: 80}
  - name: web
    members: []
virtual_servers:
  - group: wbe
    real_servers: [{address: 10.0.1.1, port: 80}]
  - group: web
    address: 10.0.0.50
    port: 80
    real_servers: [{address: 10.0.1.1, port: 80}]
  - fwmark: 9
    ip_family: inet6
    lb_kind: TUN
    real_servers: [{address: 10.0.1.1, port: 80}]
)", "g.yaml");
  EXPECT_EQ(where(r), (std::vector<std::string>{
                          "5:19 virtual_server_groups[0].members[1].address",
                          "6:27 virtual_server_groups[0].members[2].port",
                          "7:37 virtual_server_groups[0].members[3].family",
                          "8:9 virtual_server_groups[0].members[4]",
                          "9:5 virtual_server_groups[1].members",  // (an empty list: at the group)
                          "9:11 virtual_server_groups[1].name",
                          "12:12 virtual_servers[0].group",
                          "14:12 virtual_servers[1].group",
                          "16:11 virtual_servers[1].port"}))
      << (r.errors.empty() ? "" : format_error(r.errors.front()));
  EXPECT_NE(r.errors[6].message.find("did you mean 'web'"), std::string::npos) << r.errors[6].message;
  // A fwmark service with ip_family has that family whatever its real servers'.
  auto fw = load_yaml("virtual_servers:\n  - {fwmark: 9, ip_family: inet6, lb_kind: TUN, real_servers: "
                      "[{address: 10.0.1.1}]}\n", "f.yaml");
  ASSERT_TRUE(fw.ok()) << (fw.errors.empty() ? "" : format_error(fw.errors.front()));
  EXPECT_EQ(fw.config->virtual_servers[0].family(), core::AddressFamily::kIpv6);
}

}  // namespace
}  // namespace lvsd::conf
