// The notify FIFO lines, byte for byte as keepalived 2.2.7 writes them
// (measured in a network namespace; see daemon/fifo_lines.hpp).
#include <gtest/gtest.h>

#include "daemon/fifo_lines.hpp"

namespace lvsd::daemon {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

TEST(FifoLines, InstanceAndGroupStates) {
  EXPECT_EQ(vrrp_state_line(vrrp::NotifySubject::kInstance, "VI_1", vrrp::State::kMaster, 100),
            "INSTANCE \"VI_1\" MASTER 100\n");
  EXPECT_EQ(vrrp_state_line(vrrp::NotifySubject::kInstance, "VI_1", vrrp::State::kBackup, 90),
            "INSTANCE \"VI_1\" BACKUP 90\n");
  EXPECT_EQ(vrrp_state_line(vrrp::NotifySubject::kInstance, "VI_1", vrrp::State::kFault, 100),
            "INSTANCE \"VI_1\" FAULT 100\n");
  EXPECT_EQ(vrrp_state_line(vrrp::NotifySubject::kInstance, "VI_1", vrrp::State::kInitialize, 100),
            "INSTANCE \"VI_1\" STOP 100\n");
  EXPECT_EQ(vrrp_state_line(vrrp::NotifySubject::kGroup, "G1", vrrp::State::kMaster, 0), "GROUP \"G1\" MASTER 0\n");
}

TEST(FifoLines, PriorityChangesOnlyInMasterAndBackup) {
  EXPECT_EQ(vrrp_priority_line("VI_2", vrrp::State::kMaster, 90), "INSTANCE \"VI_2\" MASTER_PRIORITY 90\n");
  EXPECT_EQ(vrrp_priority_line("VI_2", vrrp::State::kBackup, 100), "INSTANCE \"VI_2\" BACKUP_PRIORITY 100\n");
  EXPECT_FALSE(vrrp_priority_line("VI_2", vrrp::State::kFault, 100).has_value());
  EXPECT_FALSE(vrrp_priority_line("VI_2", vrrp::State::kInitialize, 100).has_value());
}

TEST(FifoLines, VirtualAndRealServers) {
  const auto vs = director::ServiceKey::inet(director::Protocol::kTcp, ip("192.168.201.15"), 80);
  EXPECT_EQ(virtual_server_line(vs, true), "VS [192.168.201.15]:tcp:80 UP\n");
  EXPECT_EQ(virtual_server_line(vs, false), "VS [192.168.201.15]:tcp:80 DOWN\n");
  EXPECT_EQ(real_server_line(core::Endpoint{.address = ip("1.2.3.4"), .port = 8080}, vs, false),
            "RS [1.2.3.4]:tcp:8080 [192.168.201.15]:tcp:80 DOWN\n");
  const auto v6 = director::ServiceKey::inet(director::Protocol::kUdp, ip("2001:db8::1"), 53);
  EXPECT_EQ(real_server_line(core::Endpoint{.address = ip("2001:db8::2"), .port = 53}, v6, true),
            "RS [2001:db8::2]:udp:53 [2001:db8::1]:udp:53 UP\n");
  const auto sctp = director::ServiceKey::inet(director::Protocol::kSctp, ip("10.0.0.1"), 9);
  EXPECT_EQ(virtual_server_line(sctp, true), "VS [10.0.0.1]:sctp:9 UP\n");
  EXPECT_EQ(lvs_service_text(director::ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 7)), "FWM 7");
}

}  // namespace
}  // namespace lvsd::daemon
