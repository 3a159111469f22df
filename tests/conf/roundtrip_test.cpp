// YAML -> model -> YAML is stable, and keepalived.conf -> model equals the
// hand-written YAML model (the seed's configuration).
#include <gtest/gtest.h>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

const std::string kSourceDir = LVSD_SOURCE_DIR;

Config must_load(const LoadResult& r) {
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "no config" : format_error(r.errors.front()));
  return r.config.value_or(Config{});
}

TEST(RoundTrip, ExampleYamlIsStable) {
  Config first = must_load(load_file(kSourceDir + "/examples/lvsd.yaml"));
  std::string yaml = to_yaml(first);
  Config second = must_load(load_yaml(yaml, "roundtrip.yaml"));
  EXPECT_EQ(first, second);
  EXPECT_EQ(to_yaml(second), yaml);
}

TEST(RoundTrip, EveryFeatureSurvives) {
  const char* text = R"(global:
  router_id: "lb 1: main"
  metrics: "[::1]:9105"
  lvs_sync_daemon: {interface: eth1, sync_id: 3}
  lvs_flush: true
  lvs_flush_on_stop: true
  sloppy_tcp: true
  sloppy_sctp: false
  ipvs_resync_interval: 2m
  script_user: nobody
  enable_script_security: true
  announce: {table: 120, drain_grace: 1m, drain_on_stop: true}
vrrp_scripts:
  - name: chk_haproxy
    script: "/usr/bin/killall -0 'haproxy'"
    interval: 2s
    timeout: 500ms
    weight: -60
    reverse: true
    rise: 3
    fall: 2
    user: "nobody nogroup"
    init_fail: true
  - {name: chk_min, script: /bin/true}
vrrp_instances:
  - name: VI_6
    state: MASTER
    interface: eth0
    virtual_router_id: 60
    priority: 255
    advert_int: 1250ms
    version: 3
    virtual_ipaddress: ["fd00::100/64 dev eth2 scope link"]
    unicast_peer: [fd00::2, fd00::3]
    check_unicast_ttl: false
    track_interface: [eth3, {name: eth4, weight: 5}, {name: eth5, weight: -5, reverse: true}]
    track_script: [chk_min, {name: chk_haproxy, weight: 0, reverse: false}]
    notify_master: "/bin/notify \"master\" #1"
    garp_master_refresh: 90s
  - name: VI_7
    interface: eth0
    virtual_router_id: 61
    nopreempt: true
    preempt_delay: 10s
    authentication: {type: PASS, pass: "null"}
    virtual_ipaddress: ["10.1.0.1/24 label eth0:1"]
    virtual_ipaddress_excluded: ["10.1.0.2/24", "fd00::7/64 dev eth2"]
    virtual_routes: ["10.9.0.0/16 via 10.1.0.254 table 100 metric 5 src 10.1.0.1", "blackhole 10.8.0.0/16"]
    virtual_rules: ["not from 10.1.0.0/24 table 100 priority 100 fwmark 0x10/0xff"]
vrrp_sync_groups:
  - {name: G, group: [VI_6, VI_7], notify_fault: /bin/f}
virtual_servers:
  - address: 10.1.0.1
    port: 0
    persistence_timeout: 300
    persistence_granularity: 255.255.0.0
    sorry_server: {address: 10.1.0.99}
    start_up: true
    real_servers:
      - address: 10.1.0.10
        TCP_CHECK: {connect_port: 22}
        MISC_CHECK: {misc_path: "/bin/x --y=z", misc_dynamic: true, user: "www-data adm"}
        HTTP_GET:
          - {url: [{path: /a, status_code: 200-204 302 500-503, digest: 0123456789abcdef0123456789abcdef}], connect_port: 8080}
          - {url: [{path: "/b?q=1&r=#x"}], connect_port: 8081, rise: 2, fall: 3}
      - address: 10.1.0.11
        PING_CHECK: {connect_timeout: 2s}
        UDP_CHECK: {connect_port: 7, payload: "6c 76 f", require_reply: 6cXx, min_reply_length: 2, max_reply_length: 9}
        DNS_CHECK: [{connect_port: 53, type: aaaa, name: example.org.}, {connect_port: 5353}]
        SMTP_CHECK: {connect_port: 25, helo_name: lb.example}
  - fwmark: 5
    lb_algo: mh
    scheduler_flags: [mh-port, mh-fallback]
    lb_kind: TUN
    tunnel_type: gre
    real_servers:
      - {address: fd00::5, port: 443, inhibit_on_failure: true, slow_start: 1m, TCP_CHECK: {}, REDIS_CHECK: {expect_role: replica, password: "p w"}}
  - {address: 10.2.0.1, port: 80, lb_algo: mh, scheduler_flags: [mh-port], lb_kind: DR, announce: true}
static_ipaddress: ["10.5.0.1/24 dev eth3 scope link"]
static_routes: ["default via 10.5.0.254 table 50", "10.6.0.0/16 dev eth3 protocol static"]
static_rules: ["to 10.6.0.0/16 lookup 50", "fwmark 3 table 51 inet6"]
)";
  Config first = must_load(load_yaml(text, "all.yaml"));
  std::string yaml = to_yaml(first);
  Config second = must_load(load_yaml(yaml, "roundtrip.yaml"));
  EXPECT_EQ(first, second) << yaml;
  EXPECT_EQ(to_yaml(second), yaml);
  EXPECT_EQ(second.global.router_id, "lb 1: main");
  EXPECT_EQ(second.vrrp_instances[1].authentication->pass, "null");
  EXPECT_EQ(second.vrrp_instances[0].notify.master, "/bin/notify \"master\" #1");
  ASSERT_EQ(second.vrrp_scripts.size(), 2u);
  EXPECT_EQ(second.vrrp_scripts[0].script, "/usr/bin/killall -0 'haproxy'");
  EXPECT_EQ(second.vrrp_scripts[0].weight, -60);
  EXPECT_TRUE(second.vrrp_scripts[0].init_fail);
  ASSERT_EQ(second.vrrp_instances[0].track_script.size(), 2u);
  EXPECT_EQ(second.vrrp_instances[0].track_script[1].weight, 0);
  EXPECT_EQ(second.vrrp_instances[0].track_script[1].reverse, false);
  EXPECT_FALSE(second.vrrp_instances[0].track_script[0].weight.has_value());
  EXPECT_TRUE(second.vrrp_instances[0].track_interface[2].reverse);
  EXPECT_TRUE(second.virtual_servers[0].start_up);
  EXPECT_FALSE(second.virtual_servers[1].start_up);
  // keepalived's `status_code 200-204 302 500-503`: every range is kept (issue #14).
  EXPECT_EQ(std::get<HttpCheck>(second.virtual_servers[0].real_servers[0].checks[2].probe).url.at(0).status_code,
            (std::vector<StatusCodeRange>{{.low = 200, .high = 204}, {.low = 302, .high = 302}, {.low = 500, .high = 503}}));
  EXPECT_NE(yaml.find("status_code: \"200-204 302 500-503\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("start_up: true"), std::string::npos);
  EXPECT_EQ(second.global.script_user, (ScriptUser{.user = "nobody", .group = std::nullopt}));
  EXPECT_TRUE(second.global.enable_script_security);
  EXPECT_EQ(second.vrrp_instances[1].virtual_ipaddress_excluded.size(), 2u);
  EXPECT_EQ(second.vrrp_instances[1].virtual_routes.at(0).metric, 5u);
  EXPECT_TRUE(second.vrrp_instances[1].virtual_rules.at(0).invert);
  EXPECT_EQ(second.static_routes.at(1).protocol, 4);
  EXPECT_EQ(second.static_rules.at(1).family, core::AddressFamily::kIpv6);
  EXPECT_NE(yaml.find("- \"10.9.0.0/16 via 10.1.0.254 src 10.1.0.1 table 100 metric 5\""), std::string::npos) << yaml;
  EXPECT_EQ(second.global.announce.table, 120u);
  EXPECT_TRUE(second.virtual_servers[2].announce);
  EXPECT_EQ(std::get<MiscCheck>(second.virtual_servers[0].real_servers[0].checks[1].probe).user,
            (ScriptUser{.user = "www-data", .group = "adm"}));
  // Issue #14 item 5: PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK.
  const auto& checks = second.virtual_servers[0].real_servers[1].checks;
  ASSERT_EQ(checks.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<PingCheck>(checks[0].probe));
  const auto& udp = std::get<UdpCheck>(checks[1].probe);
  EXPECT_EQ(udp.payload->bytes, (std::vector<std::uint8_t>{0x6c, 0x76, 0x0f}));
  EXPECT_EQ(udp.reply->wildcard, (std::vector<std::uint8_t>{0, 0xff}));
  EXPECT_NE(yaml.find("        UDP_CHECK:\n          connect_port: 7\n          payload: 6c760f\n"
                      "          require_reply: 6cxx\n          min_reply_length: 2\n          max_reply_length: 9\n"),
            std::string::npos)
      << yaml;
  EXPECT_EQ(std::get<DnsCheck>(checks[2].probe), (DnsCheck{.type = DnsType::kAaaa, .name = "example.org."}));
  EXPECT_EQ(std::get<DnsCheck>(checks[3].probe), DnsCheck{});
  EXPECT_EQ(std::get<SmtpCheck>(checks[4].probe).helo_name, "lb.example");
}

TEST(RoundTrip, DefaultsAreLeftOut) {
  Config c;
  EXPECT_EQ(to_yaml(c), "{}\n");
  c.global.router_id = "r";
  EXPECT_EQ(to_yaml(c), "global:\n  router_id: r\n");
}

TEST(KeepalivedSeed, ImportsToTheHandWrittenModel) {
  LoadResult imported = import_keepalived_file(kSourceDir + "/examples/keepalived-seed.conf");
  Config from_conf = must_load(imported);
  Config from_yaml = must_load(load_file(kSourceDir + "/examples/lvsd.yaml"));
  // The seed has no `alpha`: keepalived puts its real servers in the pool at
  // start, and the hand-written file says so with start_up: true.
  ASSERT_EQ(from_conf.virtual_servers.size(), 1u);
  EXPECT_TRUE(from_conf.virtual_servers[0].start_up);
  EXPECT_EQ(from_conf, from_yaml) << to_yaml(from_conf);
  EXPECT_EQ(to_yaml(from_conf), to_yaml(from_yaml));
  // The mail settings are skipped, each with a warning naming it.
  std::vector<std::string> warned;
  for (const auto& w : imported.warnings) warned.push_back(w.path);
  EXPECT_EQ(warned, (std::vector<std::string>{"global.notification_email", "global.notification_email_from",
                                              "global.smtp_server", "global.smtp_connect_timeout"}));
  EXPECT_EQ(imported.warnings[0].location.line, 6);
}

TEST(KeepalivedSeed, LoadFileDetectsTheFormat) {
  LoadResult r = load_file(kSourceDir + "/examples/keepalived-seed.conf");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(summary(*r.config), "1 VRRP instance, 1 virtual server, 2 real servers, 2 checks");
}

TEST(Summary, CountsEverything) {
  Config c;
  c.vrrp_instances.resize(2);
  c.virtual_servers.resize(3);
  c.virtual_servers[0].real_servers.resize(2);
  c.virtual_servers[0].real_servers[1].checks.resize(2);
  EXPECT_EQ(summary(c), "2 VRRP instances, 3 virtual servers, 2 real servers, 2 checks");
  EXPECT_EQ(summary(Config{}), "0 VRRP instances, 0 virtual servers, 0 real servers, 0 checks");
}

}  // namespace
}  // namespace lvsd::conf
