#include "cli/connections.hpp"

#include <gtest/gtest.h>

namespace lvsd::cli {
namespace {

// Captured in the UML kernel: /proc/net/ip_vs_conn and, a moment later, what
// `ipvsadm -Lnc` printed for it (the persistence template has port 0).
constexpr const char* kProc =
    "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
    "TCP 0A000001 E240 0A000064 0050 0A00000B 0050 FIN_WAIT        117\n"
    "TCP 0A000001 0000 0A000064 0050 0A00000B 0050 ASSURED          57\n"
    "TCP 0A000001 E24A 0A000064 0050 0A00000B 0050 FIN_WAIT        117\n";
constexpr const char* kIpvsadm =
    "IPVS connection entries\n"
    "pro expire state       source             virtual            destination\n"
    "TCP 01:57  FIN_WAIT    10.0.0.1:57920     10.0.0.100:80      10.0.0.11:80\n"
    "TCP 00:57  ASSURED     10.0.0.1:0         10.0.0.100:80      10.0.0.11:80\n"
    "TCP 01:57  FIN_WAIT    10.0.0.1:57930     10.0.0.100:80      10.0.0.11:80\n";

TEST(Connections, ParsesProcAndPrintsLikeIpvsadm) {
  auto conns = parse_proc_connections(kProc);
  ASSERT_TRUE(conns.ok()) << conns.error().message;
  ASSERT_EQ(conns->size(), 3u);
  EXPECT_EQ((*conns)[0].client.address.to_string(), "10.0.0.1");
  EXPECT_EQ((*conns)[0].client.port, 57920);
  EXPECT_EQ((*conns)[0].virtual_server.port, 80);
  EXPECT_EQ((*conns)[0].expires_s, 117u);
  EXPECT_EQ(format_connections(*conns), kIpvsadm);
}

TEST(Connections, Ipv6EntriesUseBrackets) {
  auto conns = parse_proc_connections(
      "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
      "TCP 2001:0db8:0000:0000:0000:0000:0000:0001 C350 2001:0db8:0000:0000:0000:0000:0000:0100 0050 "
      "2001:0db8:0000:0000:0000:0000:0000:000b 0050 ESTABLISHED     899\n");
  ASSERT_TRUE(conns.ok()) << conns.error().message;
  ASSERT_EQ(conns->size(), 1u);
  const std::string text = format_connections(*conns);
  EXPECT_EQ(text.substr(text.find("\nTCP ") + 1),
            "TCP 14:59  ESTABLISHED [2001:db8::1]:50000 [2001:db8::100]:80 [2001:db8::b]:80\n");
}

TEST(Connections, EmptyTableAndBadLines) {
  auto empty = parse_proc_connections("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto bad = parse_proc_connections("TCP 0A000001 E240 zz 0050 0A00000B 0050 FIN_WAIT 117\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 1"), std::string::npos);
  EXPECT_FALSE(parse_proc_connections("TCP 0A000001 E240\n").ok());
}

TEST(Connections, Json) {
  auto conns = parse_proc_connections(kProc);
  ASSERT_TRUE(conns.ok());
  auto j = to_json(*conns);
  ASSERT_EQ(j["connections"].size(), 3u);
  EXPECT_EQ(j["connections"][1]["state"], "ASSURED");
  EXPECT_EQ(j["connections"][1]["destination"], "10.0.0.11");
}

}  // namespace
}  // namespace lvsd::cli
