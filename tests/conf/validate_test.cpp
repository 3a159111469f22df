// Cross-value rules, on models built in code (no YAML): each test breaks one
// rule of a valid config and expects exactly that error path.
#include "conf/validate.hpp"

#include <gtest/gtest.h>

namespace lvsd::conf {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

VirtualIpAddress vip(const char* text, int prefix = 32) {
  return VirtualIpAddress{.prefix = {ip(text), prefix}};
}

Config valid_config() {
  return Config{
      .vrrp_instances = {VrrpInstance{.name = "VI_1",
                                      .state = VrrpState::kMaster,
                                      .interface = "eth0",
                                      .virtual_router_id = 51,
                                      .authentication = VrrpAuthentication{.pass = "1111"},
                                      .virtual_ipaddress = {vip("10.0.0.100", 24)}}},
      .virtual_servers = {VirtualServer{
          .address = ip("10.0.0.100"),
          .port = 80,
          .lb_algo = "rr",
          .lb_kind = ForwardingMethod::kDr,
          .real_servers = {RealServer{.address = ip("10.0.0.11"),
                                      .port = 80,
                                      .checks = {Check{.probe = HttpCheck{.url = {UrlCheck{.path = "/"}}}}}},
                           RealServer{.address = ip("10.0.0.12"), .port = 80}}}}};
}

std::vector<std::string> error_paths(const Config& config) {
  std::vector<std::string> paths;
  for (const auto& e : validate(config, SourceMap{})) paths.push_back(e.path);
  return paths;
}

using Paths = std::vector<std::string>;

TEST(Validate, ValidConfigHasNoErrors) { EXPECT_EQ(error_paths(valid_config()), Paths{}); }

TEST(Validate, ErrorsCarryTheRecordedLocation) {
  Config c = valid_config();
  c.vrrp_instances[0].priority = 255;
  c.vrrp_instances[0].state = VrrpState::kBackup;
  SourceMap sources;
  sources.set("vrrp_instances[0]", {.file = "f.yaml", .line = 3, .column = 5});
  sources.set("vrrp_instances[0].priority", {.file = "f.yaml", .line = 9, .column = 15});
  auto errors = validate(c, sources);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].location, (Location{.file = "f.yaml", .line = 9, .column = 15}));
  EXPECT_TRUE(format_error(errors[0]).starts_with("f.yaml:9:15: vrrp_instances[0].priority: priority 255 is reserved"))
      << format_error(errors[0]);
}

TEST(Validate, MissingRequiredInstanceKeys) {
  Config c = valid_config();
  c.vrrp_instances[0].name = "";
  c.vrrp_instances[0].interface = "";
  c.vrrp_instances[0].virtual_router_id = 0;
  c.vrrp_instances[0].virtual_ipaddress.clear();
  EXPECT_EQ(error_paths(c), (Paths{"vrrp_instances[0].name", "vrrp_instances[0].interface",
                                   "vrrp_instances[0].virtual_router_id", "vrrp_instances[0].virtual_ipaddress"}));
}

TEST(Validate, AdvertIntV2WholeSecondsV3TenMillisecondSteps) {
  Config c = valid_config();
  c.vrrp_instances[0].advert_int = milliseconds(1500);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].advert_int"});
  c.vrrp_instances[0].advert_int = seconds(256);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].advert_int"});
  c.vrrp_instances[0].authentication.reset();
  c.vrrp_instances[0].version = 3;
  c.vrrp_instances[0].advert_int = milliseconds(1500);
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[0].advert_int = milliseconds(40'950);
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[0].advert_int = milliseconds(40'960);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].advert_int"});
  c.vrrp_instances[0].advert_int = milliseconds(15);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].advert_int"});
  c.vrrp_instances[0].advert_int = milliseconds(0);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].advert_int"});
}

TEST(Validate, AuthenticationPassLengthAndVersion) {
  Config c = valid_config();
  c.vrrp_instances[0].authentication->pass = "123456789";
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].authentication.pass"});
  c.vrrp_instances[0].authentication->pass = "12345678";
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[0].version = 3;
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].authentication"});
}

TEST(Validate, Priority255OnlyForTheOwnerStartingAsMaster) {
  Config c = valid_config();
  c.vrrp_instances[0].priority = 255;
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[0].state = VrrpState::kBackup;
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].priority"});
}

TEST(Validate, NopreemptNeedsBackup) {
  Config c = valid_config();
  c.vrrp_instances[0].nopreempt = true;
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].nopreempt"});
  c.vrrp_instances[0].state = VrrpState::kBackup;
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, VridReusedOnOneInterfaceAndFamily) {
  Config c = valid_config();
  VrrpInstance second = c.vrrp_instances[0];
  second.name = "VI_2";
  second.authentication.reset();
  second.virtual_ipaddress = {vip("10.0.0.200")};
  c.vrrp_instances.push_back(second);
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[1].virtual_router_id"});
  c.vrrp_instances[1].interface = "eth1";  // another interface: fine
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[1].interface = "eth0";
  c.vrrp_instances[1].version = 3;  // IPv6 VRID space is separate (RFC 5798 section 5.2.3)
  c.vrrp_instances[1].virtual_ipaddress = {vip("fd00::1", 128)};
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, DuplicateInstanceNamesAndVirtualAddresses) {
  Config c = valid_config();
  VrrpInstance second = c.vrrp_instances[0];
  second.virtual_router_id = 52;
  c.vrrp_instances.push_back(second);
  EXPECT_EQ(error_paths(c), (Paths{"vrrp_instances[1].name", "vrrp_instances[1].virtual_ipaddress[0]"}));
}

TEST(Validate, VirtualAddressFamiliesAndLabels) {
  Config c = valid_config();
  c.vrrp_instances[0].virtual_ipaddress.push_back(vip("fd00::1", 64));
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].virtual_ipaddress[1]"});
  c = valid_config();
  c.vrrp_instances[0].authentication.reset();
  c.vrrp_instances[0].virtual_ipaddress = {vip("fd00::1", 64)};
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].virtual_ipaddress[0]"});  // v2 is IPv4 only
  c.vrrp_instances[0].version = 3;
  EXPECT_EQ(error_paths(c), Paths{});
  c = valid_config();
  c.vrrp_instances[0].virtual_ipaddress[0].label = "eth1:0";
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].virtual_ipaddress[0]"});
  c.vrrp_instances[0].virtual_ipaddress[0].label = "eth0:0";
  EXPECT_EQ(error_paths(c), Paths{});
  c.vrrp_instances[0].virtual_ipaddress[0].dev = "eth1";
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].virtual_ipaddress[0]"});
}

TEST(Validate, UnicastPeersMatchFamilyAndAreUnique) {
  Config c = valid_config();
  c.vrrp_instances[0].unicast_src_ip = ip("10.0.0.1");
  c.vrrp_instances[0].unicast_peer = {ip("10.0.0.2"), ip("fd00::2"), ip("10.0.0.2")};
  EXPECT_EQ(error_paths(c), (Paths{"vrrp_instances[0].unicast_peer[1]", "vrrp_instances[0].unicast_peer[2]"}));
  c.vrrp_instances[0].unicast_peer = {};
  c.vrrp_instances[0].unicast_src_ip = ip("fd00::1");
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].unicast_src_ip"});
}

TEST(Validate, DurationLimits) {
  Config c = valid_config();
  c.vrrp_instances[0].preempt_delay = seconds(1001);
  c.vrrp_instances[0].garp_master_delay = seconds(256);
  EXPECT_EQ(error_paths(c), (Paths{"vrrp_instances[0].preempt_delay", "vrrp_instances[0].garp_master_delay"}));
}

TEST(Validate, TrackInterfaceTwice) {
  Config c = valid_config();
  c.vrrp_instances[0].track_interface = {{.name = "eth1"}, {.name = "eth1", .weight = 10}};
  EXPECT_EQ(error_paths(c), Paths{"vrrp_instances[0].track_interface[1]"});
}

TEST(Validate, SyncGroupMembersMustExistOnce) {
  Config c = valid_config();
  c.vrrp_sync_groups = {VrrpSyncGroup{.name = "G1", .group = {"VI_1", "VI_9"}},
                        VrrpSyncGroup{.name = "G2", .group = {"VI_1"}}, VrrpSyncGroup{.name = "G2"}};
  EXPECT_EQ(error_paths(c), (Paths{"vrrp_sync_groups[0].group[1]", "vrrp_sync_groups[1].group[0]",
                                   "vrrp_sync_groups[2].name", "vrrp_sync_groups[2].group"}));
  auto errors = validate(c, SourceMap{});
  EXPECT_EQ(errors[0].message, "no VRRP instance named 'VI_9': did you mean 'VI_1'?");
}

TEST(Validate, SyncDaemonInstanceMustExist) {
  Config c = valid_config();
  c.global.lvs_sync_daemon = LvsSyncDaemon{.interface = "eth0", .vrrp_instance = "VI_2"};
  EXPECT_EQ(error_paths(c), Paths{"global.lvs_sync_daemon.vrrp_instance"});
  c.global.lvs_sync_daemon->vrrp_instance = "VI_1";
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, VirtualServerNeedsAddressOrFwmarkNotBoth) {
  Config c = valid_config();
  c.virtual_servers[0].address.reset();
  c.virtual_servers[0].port = 0;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].address"});
  c.virtual_servers[0].fwmark = 7;
  EXPECT_EQ(error_paths(c), Paths{});
  c.virtual_servers[0].address = ip("10.0.0.100");
  c.virtual_servers[0].port = 80;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].fwmark"});
}

TEST(Validate, PortZeroOnlyForPersistentServices) {
  Config c = valid_config();
  c.virtual_servers[0].port = 0;
  c.virtual_servers[0].real_servers[0].port = 0;
  c.virtual_servers[0].real_servers[1].port = 0;
  auto paths = error_paths(c);
  ASSERT_FALSE(paths.empty());
  EXPECT_EQ(paths[0], "virtual_servers[0].port");
  c.virtual_servers[0].persistence_timeout = seconds(300);
  c.virtual_servers[0].real_servers[0].checks[0].connect_port = 80;
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, DuplicateVirtualAndRealServers) {
  Config c = valid_config();
  c.virtual_servers.push_back(c.virtual_servers[0]);
  c.virtual_servers[0].real_servers[1].address = ip("10.0.0.11");
  EXPECT_EQ(error_paths(c), (Paths{"virtual_servers[0].real_servers[1].address", "virtual_servers[1].address"}));
  c.virtual_servers[1].protocol = Protocol::kUdp;  // same address and port, other protocol: fine
  c.virtual_servers[1].real_servers[0].checks.clear();
  EXPECT_EQ(error_paths(c), (Paths{"virtual_servers[0].real_servers[1].address"}));
}

TEST(Validate, DuplicateFwmarks) {
  Config c = valid_config();
  c.virtual_servers[0].address.reset();
  c.virtual_servers[0].port = 0;
  c.virtual_servers[0].fwmark = 3;
  c.virtual_servers.push_back(c.virtual_servers[0]);
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[1].fwmark"});
}

TEST(Validate, DrAndTunCannotChangePorts) {
  Config c = valid_config();
  c.virtual_servers[0].real_servers[1].port = 8080;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].real_servers[1].port"});
  c.virtual_servers[0].lb_kind = ForwardingMethod::kTun;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].real_servers[1].port"});
  c.virtual_servers[0].lb_kind = ForwardingMethod::kNat;
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, MixedFamiliesNeedTun) {
  Config c = valid_config();
  c.virtual_servers[0].real_servers[1].address = ip("fd00::12");
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].real_servers[1].address"});
  c.virtual_servers[0].lb_kind = ForwardingMethod::kTun;
  EXPECT_EQ(error_paths(c), Paths{});
  c.virtual_servers[0].lb_kind = ForwardingMethod::kNat;
  c.virtual_servers[0].real_servers[1].address = ip("10.0.0.12");
  c.virtual_servers[0].sorry_server = SorryServer{.address = ip("fd00::99"), .port = 80};
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].sorry_server"});
}

TEST(Validate, TunnelSettings) {
  Config c = valid_config();
  c.virtual_servers[0].tunnel_type = TunnelType::kGue;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].tunnel_type"});
  c.virtual_servers[0].lb_kind = ForwardingMethod::kTun;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].tunnel_port"});
  c.virtual_servers[0].tunnel_port = 6080;
  EXPECT_EQ(error_paths(c), Paths{});
  c.virtual_servers[0].tunnel_type = TunnelType::kGre;
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].tunnel_port"});
}

TEST(Validate, PersistenceWholeSecondsAndGranularity) {
  Config c = valid_config();
  c.virtual_servers[0].persistence_timeout = milliseconds(1500);
  c.virtual_servers[0].persistence_granularity = 64;
  EXPECT_EQ(error_paths(c), (Paths{"virtual_servers[0].persistence_timeout",
                                   "virtual_servers[0].persistence_granularity"}));
}

TEST(Validate, CheckWithNoTargetPort) {
  Config c = valid_config();
  c.virtual_servers[0].address.reset();
  c.virtual_servers[0].port = 0;
  c.virtual_servers[0].fwmark = 1;
  c.virtual_servers[0].real_servers[0].port = 0;
  c.virtual_servers[0].real_servers[1].port = 0;
  c.virtual_servers[0].real_servers[1].checks = {Check{.probe = TcpCheck{}}, Check{.probe = MiscCheck{.misc_path = "/bin/true"}}};
  EXPECT_EQ(error_paths(c), (Paths{"virtual_servers[0].real_servers[0].HTTP_GET",
                                   "virtual_servers[0].real_servers[1].TCP_CHECK"}));
  c.virtual_servers[0].real_servers[1].checks[0].connect_port = 22;
  c.virtual_servers[0].real_servers[0].port = 80;
  EXPECT_EQ(error_paths(c), Paths{});
}

TEST(Validate, CheckContents) {
  Config c = valid_config();
  auto& checks = c.virtual_servers[0].real_servers[1].checks;
  checks = {Check{.probe = HttpCheck{}}, Check{.probe = HttpCheck{.url = {UrlCheck{.path = "health"}}}},
            Check{.probe = MiscCheck{}}, Check{.probe = TcpCheck{}, .connect_timeout = Duration{0}}};
  EXPECT_EQ(error_paths(c), (Paths{"virtual_servers[0].real_servers[1].HTTP_GET[0].url",
                                   "virtual_servers[0].real_servers[1].HTTP_GET[1].url[0].path",
                                   "virtual_servers[0].real_servers[1].MISC_CHECK.misc_path",
                                   "virtual_servers[0].real_servers[1].TCP_CHECK.connect_timeout"}));
}

TEST(Validate, DelayLoopMustBePositive) {
  Config c = valid_config();
  c.virtual_servers[0].delay_loop = Duration{0};
  EXPECT_EQ(error_paths(c), Paths{"virtual_servers[0].delay_loop"});
}

TEST(CheckPath, IndexOnlyWhenTheTypeRepeats) {
  std::vector<Check> checks = {Check{.probe = TcpCheck{}}, Check{.probe = HttpCheck{}},
                               Check{.probe = HttpCheck{.tls = true}}, Check{.probe = HttpCheck{}}};
  EXPECT_EQ(check_path("rs", checks, 0), "rs.TCP_CHECK");
  EXPECT_EQ(check_path("rs", checks, 1), "rs.HTTP_GET[0]");
  EXPECT_EQ(check_path("rs", checks, 2), "rs.SSL_GET");
  EXPECT_EQ(check_path("rs", checks, 3), "rs.HTTP_GET[1]");
}

}  // namespace
}  // namespace lvsd::conf
