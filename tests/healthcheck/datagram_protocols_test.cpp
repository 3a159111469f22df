// unit: the pure parts of UDP_CHECK (reply rule), DNS_CHECK (query, reply
// header) and SMTP_CHECK (reply lines).
#include <gtest/gtest.h>

#include "healthcheck/dns_message.hpp"
#include "healthcheck/smtp_reply.hpp"
#include "healthcheck/udp_reply.hpp"

namespace lvsd::healthcheck {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ------------------------------------------------------------ UDP_CHECK

TEST(UdpReply, WithoutAPatternAnyReplyPasses) {
  const UdpReplyRule rule{.min_length = 10, .max_length = 20};  // bounds apply with a pattern only (keepalived)
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{}, 0), std::nullopt);
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes(5, 1), 5000), std::nullopt);
}

TEST(UdpReply, PatternMatchesUpToTheShorterOfReplyAndPattern) {
  const UdpReplyRule rule{.pattern = {0xab, 0x12, 0x0f}};
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0xab, 0x12, 0x0f, 0x99}, 4), std::nullopt);
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0xab}, 1), std::nullopt);  // keepalived compares 1 byte here
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0xab, 0x13}, 2), "reply byte 1 is 0x13, expected 0x12");
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{}, 0), std::nullopt);  // min_length 0
}

TEST(UdpReply, WildcardBitsMatchAnything) {
  const UdpReplyRule rule{.pattern = {0x10, 0x00}, .wildcard = {0x0f, 0xff}};  // "1x xx"
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0x1e, 0x42}, 2), std::nullopt);
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0x2e, 0x42}, 2),
            "reply byte 0 is 0x2e, expected 0x10 (wildcard bits 0x0f)");
}

TEST(UdpReply, LengthBoundsWithAPattern) {
  const UdpReplyRule rule{.pattern = {0x01}, .min_length = 2, .max_length = 3};
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0x01}, 1), "reply of 1 bytes, expected 2-3");
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0x01, 0, 0, 0}, 4), "reply of 4 bytes, expected 2-3");
  EXPECT_EQ(udp_reply_mismatch(rule, Bytes{0x01, 0, 0}, 3), std::nullopt);
}

// ------------------------------------------------------------ DNS_CHECK

TEST(DnsMessage, QueryForTheRootSoaIsHeaderRootLabelTypeClass) {
  auto q = build_dns_query(0xbeef, ".", DnsType::kSoa);
  ASSERT_TRUE(q);
  EXPECT_EQ(*q, (Bytes{0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,  // id, RD, QDCOUNT 1
                       0,                                               // root
                       0, 6, 0, 1}));                                   // SOA, IN
  EXPECT_EQ(build_dns_query(0xbeef, "", DnsType::kSoa).value(), *q);
}

TEST(DnsMessage, NamesBecomeLabelsWithOrWithoutTheFinalDot) {
  auto q = build_dns_query(1, "www.example.org", DnsType::kAaaa);
  ASSERT_TRUE(q);
  const Bytes question(q->begin() + 12, q->end());
  EXPECT_EQ(question, (Bytes{3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0, 0, 28, 0, 1}));
  EXPECT_EQ(build_dns_query(1, "www.example.org.", DnsType::kAaaa).value(), *q);
}

TEST(DnsMessage, RefusesEmptyAndOverlongLabelsAndNames) {
  EXPECT_EQ(build_dns_query(1, "a..b", DnsType::kA).error().message, "empty label in DNS name");
  EXPECT_EQ(build_dns_query(1, ".a", DnsType::kA).error().message, "empty label in DNS name");
  EXPECT_EQ(build_dns_query(1, "a..", DnsType::kA).error().message, "empty label in DNS name");
  EXPECT_EQ(build_dns_query(1, std::string(64, 'a'), DnsType::kA).error().message, "DNS label longer than 63 bytes");
  EXPECT_TRUE(build_dns_query(1, std::string(63, 'a'), DnsType::kA));
  // Encoded: a length byte per label, the label, and the root label.
  const std::string label63(63, 'a');
  const std::string fits = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');  // 255 bytes
  EXPECT_TRUE(build_dns_query(1, fits, DnsType::kA));
  EXPECT_EQ(build_dns_query(1, fits + "b", DnsType::kA).error().message, "DNS name longer than 255 bytes");
}

TEST(DnsMessage, ReadsIdResponseFlagRcodeAndAnswerCount) {
  const Bytes reply = {0x12, 0x34, 0x81, 0x83, 0, 1, 0, 2, 0, 0, 0, 0};  // QR, RD, RA, NXDOMAIN
  auto h = parse_dns_header(reply);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id, 0x1234);
  EXPECT_TRUE(h->response);
  EXPECT_EQ(h->rcode, 3);
  EXPECT_EQ(h->answers, 2);
  EXPECT_FALSE(parse_dns_header(std::span(reply).first(11)));
  auto query = build_dns_query(7, ".", DnsType::kA).value();
  EXPECT_FALSE(parse_dns_header(query)->response);
  EXPECT_EQ(dns_rcode_name(0), "NOERROR");
  EXPECT_EQ(dns_rcode_name(5), "REFUSED");
  EXPECT_EQ(dns_rcode_name(9), "rcode 9");
  EXPECT_STREQ(to_string(DnsType::kMx), "MX");
}

// ------------------------------------------------------------ SMTP_CHECK

TEST(SmtpReply, OneLineReply) {
  auto r = parse_smtp_reply("220 mail.example ESMTP ready\r\nextra");
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->code, 220);
  EXPECT_EQ((*r)->text, "mail.example ESMTP ready");
  EXPECT_EQ((*r)->length, 30u);
}

TEST(SmtpReply, IncompleteUntilTheLastLineEnds) {
  EXPECT_FALSE(parse_smtp_reply("").value());
  EXPECT_FALSE(parse_smtp_reply("220 almost").value());
  EXPECT_FALSE(parse_smtp_reply("250-first\r\n250-second\r\n").value());
  auto r = parse_smtp_reply("250-first\r\n250-second\r\n250 last\n");  // a bare LF is taken too
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->code, 250);
  EXPECT_EQ((*r)->text, "last");
  EXPECT_EQ((*r)->length, 32u);
  auto bare = parse_smtp_reply("221\r\n");
  ASSERT_TRUE(bare && *bare);
  EXPECT_EQ((*bare)->code, 221);
  EXPECT_EQ((*bare)->text, "");
}

TEST(SmtpReply, RefusesWhatIsNoReply) {
  EXPECT_EQ(parse_smtp_reply("SSH-2.0-OpenSSH_9.2\r\n").error().message, "not an SMTP reply: 'SSH-2.0-OpenSSH_9.2'");
  EXPECT_EQ(parse_smtp_reply("22 short\r\n").error().message, "not an SMTP reply: '22 short'");
  EXPECT_EQ(parse_smtp_reply("220x\r\n").error().message, "not an SMTP reply: '220x'");
  EXPECT_EQ(parse_smtp_reply("250-a\r\n251 b\r\n").error().message, "SMTP reply lines with codes 250 and 251");
  EXPECT_EQ(parse_smtp_reply("220 \x01\xff\r\n").value()->text, "??");
}

}  // namespace
}  // namespace lvsd::healthcheck
