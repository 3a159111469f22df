#include "healthcheck/check_spec.hpp"

#include <gtest/gtest.h>

#include <set>

#include "healthcheck/redis_info.hpp"

namespace lvsd::healthcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

CheckSpec http() {
  return CheckSpec{.kind = CheckKind::kHttp, .address = "10.0.0.1", .port = 80,
                   .urls = {HttpUrl{.path = "/health", .digest = "ABCDEF"}}};
}

TEST(CheckIdentity, EqualSpecsShareAnIdentityAndAnyParameterSeparatesThem) {
  EXPECT_EQ(check_identity(http()), check_identity(http()));
  std::vector<CheckSpec> variants(28, http());
  variants[0].address = "10.0.0.2";
  variants[1].port = 81;
  variants[2].kind = CheckKind::kSsl;
  variants[3].delay_loop = seconds(2);
  variants[4].connect_timeout = seconds(2);
  variants[5].delay_before_retry = seconds(2);
  variants[6].thresholds.fall = 3;
  variants[7].thresholds.rise = 2;
  variants[8].thresholds.start_up = true;
  variants[9].urls[0].status = StatusRange{.low = 200, .high = 200};
  variants[10].urls[0].digest.reset();
  variants[11].virtualhost = "example.com";
  // keepalived's socket options, warmup, http_protocol, SNI and the url's Host and regex.
  variants[12].warmup = seconds(60);  // the default's value, given: still apart
  variants[13].warmup = core::Duration::zero();
  variants[14].bind_address = "10.0.0.9";
  variants[15].bind_port = 40000;
  variants[16].bind_interface = "eth1";
  variants[17].fwmark = 7;
  variants[18].http_version = HttpVersion::k1_0;
  variants[19].http_version = HttpVersion::k1_0_close;
  variants[20].kind = CheckKind::kSsl;  // SNI is SSL_GET's only
  variants[20].tls_sni = "example.com";
  variants[21].urls[0].host = "example.com";
  variants[22].urls[0].tls_sni = "example.com";
  variants[23].urls[0].regex = "ok";
  variants[24].urls[0].regex = "ok";
  variants[24].urls[0].regex_no_match = true;
  variants[25].urls[0].regex = "ok";
  variants[25].urls[0].regex_options = {"caseless"};
  variants[26].urls[0].regex = "ok";
  variants[26].urls[0].regex_min_offset = 1;
  variants[27].urls[0].regex = "ok";
  variants[27].urls[0].regex_max_offset = 0;
  std::set<std::string> ids{check_identity(http())};
  for (const auto& v : variants) ids.insert(check_identity(v));
  EXPECT_EQ(ids.size(), variants.size() + 1);
}

TEST(CheckIdentity, DigestCaseDoesNotMatterButFieldBoundariesDo) {
  CheckSpec a = http(), b = http();
  b.urls[0].digest = "abcdef";
  EXPECT_EQ(check_identity(a), check_identity(b));
  CheckSpec m1{.kind = CheckKind::kMisc, .misc_argv = {"a b", "c"}};
  CheckSpec m2{.kind = CheckKind::kMisc, .misc_argv = {"a", "b c"}};
  EXPECT_NE(check_identity(m1), check_identity(m2));
  // UDP pattern bytes and wildcard bits are apart: moving a byte from one to the other is another check.
  CheckSpec u1{.kind = CheckKind::kUdp, .udp_reply = {1, 2}, .udp_reply_wildcard = {3}};
  CheckSpec u2{.kind = CheckKind::kUdp, .udp_reply = {1}, .udp_reply_wildcard = {2, 3}};
  EXPECT_NE(check_identity(u1), check_identity(u2));
  CheckSpec d1{.kind = CheckKind::kDns, .dns_type = DnsType::kA}, d2{.kind = CheckKind::kDns};
  EXPECT_NE(check_identity(d1), check_identity(d2));
  CheckSpec s1{.kind = CheckKind::kSmtp, .smtp_helo_name = "a"}, s2{.kind = CheckKind::kSmtp, .smtp_helo_name = "b"};
  EXPECT_NE(check_identity(s1), check_identity(s2));
}

TEST(CheckSpecText, DescribesChecksAndFormatsDurations) {
  EXPECT_EQ(describe(http()), "HTTP_GET 10.0.0.1:80");
  EXPECT_EQ(describe(CheckSpec{.kind = CheckKind::kRedis, .address = "fd00::1", .port = 6379}),
            "REDIS_CHECK [fd00::1]:6379");
  EXPECT_EQ(describe(CheckSpec{.kind = CheckKind::kMisc, .misc_argv = {"/bin/check", "x"}}), "MISC_CHECK /bin/check");
  EXPECT_EQ(describe(CheckSpec{.kind = CheckKind::kPing, .address = "fd00::1"}), "PING_CHECK fd00::1");  // no port
  EXPECT_EQ(describe(CheckSpec{.kind = CheckKind::kDns, .address = "10.0.0.1", .port = 53}), "DNS_CHECK 10.0.0.1:53");
  EXPECT_EQ(format_duration(seconds(3)), "3s");
  EXPECT_EQ(format_duration(milliseconds(150)), "150ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(std::chrono::microseconds(250)), "250us");
}

TEST(CheckIdentity, DescribesTheCheckItIdentifiesAndSurvivesLongValues) {
  const std::vector<CheckSpec> specs{
      http(),
      CheckSpec{.kind = CheckKind::kRedis, .address = "fd00::1", .port = 6379},
      CheckSpec{.kind = CheckKind::kMisc, .misc_argv = {"/bin/check", "x"}},
      CheckSpec{.kind = CheckKind::kMisc, .warmup = seconds(1), .bind_address = "10.0.0.9", .fwmark = 3,
                .misc_argv = {"/bin/check"}},
      CheckSpec{.kind = CheckKind::kMisc},
      CheckSpec{.kind = CheckKind::kTcp, .address = "10.0.0.1", .port = 65535, .delay_loop = -seconds(1)},
      CheckSpec{.kind = CheckKind::kPing, .address = "10.0.0.1"},
      CheckSpec{.kind = CheckKind::kUdp, .address = "10.0.0.1", .port = 7, .udp_payload = {1, 2, 3}},
      CheckSpec{.kind = CheckKind::kDns, .address = "10.0.0.1", .port = 53, .dns_name = "example.org"},
      CheckSpec{.kind = CheckKind::kSmtp, .address = "10.0.0.1", .port = 25, .smtp_helo_name = "lb"},
  };
  for (const auto& spec : specs) EXPECT_EQ(describe_identity(check_identity(spec)), describe(spec));
  // A value of 255 bytes or more takes the long length form.
  CheckSpec a = http(), b = http();
  a.virtualhost = std::string(300, 'a');
  b.virtualhost = std::string(299, 'a');
  EXPECT_NE(check_identity(a), check_identity(b));
  EXPECT_EQ(describe_identity(check_identity(a)), "HTTP_GET 10.0.0.1:80");
  EXPECT_EQ(describe_identity(""), "(check)");
  EXPECT_EQ(describe_identity(std::string("\xff\x01", 2)), "(check)");  // truncated length
}

TEST(RedisInfo, FindsFieldsOnCrlfLines) {
  const char* info = "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_link_status:up\r\n";
  EXPECT_EQ(redis_info_field(info, "role"), "slave");
  EXPECT_EQ(redis_info_field(info, "master_link_status"), "up");
  EXPECT_FALSE(redis_info_field(info, "master").has_value());  // a prefix of master_host is not a field
  EXPECT_FALSE(redis_info_field(info, "connected_slaves").has_value());
}

TEST(RedisInfo, RoleExpectations) {
  const char* master = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n";
  const char* replica_up = "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n";
  const char* replica_down = "# Replication\r\nrole:slave\r\nmaster_link_status:down\r\n";
  EXPECT_FALSE(redis_role_mismatch(RedisRole::kAny, "").has_value());
  EXPECT_FALSE(redis_role_mismatch(RedisRole::kMaster, master).has_value());
  EXPECT_EQ(redis_role_mismatch(RedisRole::kMaster, replica_up), "redis role is slave, expected master");
  EXPECT_FALSE(redis_role_mismatch(RedisRole::kReplica, replica_up).has_value());
  EXPECT_EQ(redis_role_mismatch(RedisRole::kReplica, replica_down), "redis replica master_link_status is down");
  EXPECT_EQ(redis_role_mismatch(RedisRole::kReplica, master), "redis role is master, expected replica");
  EXPECT_EQ(redis_role_mismatch(RedisRole::kMaster, "# Replication\r\n"), "redis INFO replication has no role");
}

}  // namespace
}  // namespace lvsd::healthcheck
