// unit: ICMP/ICMPv6 echo messages (healthcheck/icmp_echo).
#include "healthcheck/icmp_echo.hpp"

#include <gtest/gtest.h>

#include "core/internet_checksum.hpp"

namespace lvsd::healthcheck {
namespace {

using Bytes = std::vector<std::uint8_t>;

// The reply a host makes of a request: type 0 (129), the rest echoed, checksum redone for ICMPv4.
Bytes reply_to(IcmpFamily family, Bytes request) {
  request[0] = family == IcmpFamily::kIpv4 ? 0 : 129;
  request[2] = request[3] = 0;
  if (family == IcmpFamily::kIpv4) {
    const auto sum = core::internet_checksum(request);
    request[2] = static_cast<std::uint8_t>(sum >> 8);
    request[3] = static_cast<std::uint8_t>(sum & 0xff);
  }
  return request;
}

TEST(IcmpEcho, Ipv4RequestHasTypeIdSequenceDataAndAValidChecksum) {
  const Bytes data = {0xde, 0xad, 0xbe, 0xef, 0x01};
  const Bytes m = build_echo_request(IcmpFamily::kIpv4, 0x1234, 0xabcd, data);
  ASSERT_EQ(m.size(), 13u);
  EXPECT_EQ(m[0], 8);
  EXPECT_EQ(m[1], 0);
  EXPECT_EQ((Bytes{m[4], m[5], m[6], m[7]}), (Bytes{0x12, 0x34, 0xab, 0xcd}));  // big-endian
  EXPECT_EQ(Bytes(m.begin() + 8, m.end()), data);
  EXPECT_EQ(core::internet_checksum(m), 0);  // odd length: padded for the sum, not on the wire
  EXPECT_NE(m[2] | m[3], 0);
}

TEST(IcmpEcho, Ipv6RequestLeavesTheChecksumToTheKernel) {
  const Bytes m = build_echo_request(IcmpFamily::kIpv6, 1, 2, Bytes{7, 7});
  EXPECT_EQ(m, (Bytes{128, 0, 0, 0, 0, 1, 0, 2, 7, 7}));
}

TEST(IcmpEcho, ParsesTheReplyToARequest) {
  const Bytes data(16, 0x5a);
  for (IcmpFamily f : {IcmpFamily::kIpv4, IcmpFamily::kIpv6}) {
    const Bytes reply = reply_to(f, build_echo_request(f, 0x0102, 0x0304, data));
    auto r = parse_echo_reply(f, reply);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, 0x0102);
    EXPECT_EQ(r->sequence, 0x0304);
    EXPECT_EQ(Bytes(r->data.begin(), r->data.end()), data);
  }
}

TEST(IcmpEcho, SkipsTheIpv4HeaderOfARawSocketByItsLength) {
  const Bytes reply = reply_to(IcmpFamily::kIpv4, build_echo_request(IcmpFamily::kIpv4, 9, 10, Bytes{1, 2, 3}));
  Bytes packet(24, 0);  // IHL 6: a header with 4 bytes of options
  packet[0] = 0x46;
  packet.insert(packet.end(), reply.begin(), reply.end());
  auto r = parse_echo_reply(IcmpFamily::kIpv4, packet, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sequence, 10);
  EXPECT_EQ(r->data.size(), 3u);
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, Bytes{0x45, 0, 0}, true));   // shorter than its IHL
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, Bytes(20, 0), true));        // not IPv4
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, packet, false));             // header taken as ICMP
}

TEST(IcmpEcho, RefusesOtherTypesShortMessagesAndBadChecksums) {
  const Bytes request = build_echo_request(IcmpFamily::kIpv4, 1, 1, Bytes{1});
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, request));  // our own request (type 8)
  Bytes reply = reply_to(IcmpFamily::kIpv4, request);
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, std::span(reply).first(7)));
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv6, reply));  // type 0 is no ICMPv6 echo reply
  reply.back() ^= 0xff;
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, reply));  // checksum no longer matches
  Bytes unreachable = {3, 3, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(parse_echo_reply(IcmpFamily::kIpv4, unreachable));
}

}  // namespace
}  // namespace lvsd::healthcheck
