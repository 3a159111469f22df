// kernel tier smoke test: IPVS exists in the UML kernel and what ipvsadm
// programs is what the kernel reports.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class IpvsSmoke : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(run_command("ipvsadm -C").exit_code, 0); }
  void TearDown() override { run_command("ipvsadm -C"); }
};

TEST_F(IpvsSmoke, ServiceAddedWithIpvsadmShowsInProc) {
  auto r = run_command("ipvsadm -A -t 10.1.2.3:80 -s wrr && ipvsadm -a -t 10.1.2.3:80 -r 10.1.2.10:80 -g -w 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string table = read_file("/proc/net/ip_vs");
  // /proc/net/ip_vs prints addresses and ports in hex.
  EXPECT_NE(table.find("TCP  0A010203:0050 wrr"), std::string::npos) << table;
  EXPECT_NE(table.find("-> 0A01020A:0050      Route   3"), std::string::npos) << table;
}

TEST_F(IpvsSmoke, EverySchedulerModuleIsUsable) {
  int port = 1000;
  for (const char* sched : {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "mh", "sed", "nq", "fo", "ovf"}) {
    auto r = run_command("ipvsadm -A -t 10.1.2.4:" + std::to_string(port++) + " -s " + sched);
    EXPECT_EQ(r.exit_code, 0) << sched << ": " << r.output;
  }
  EXPECT_EQ(run_command("ipvsadm -Ln | grep -c '^TCP'").output, "13\n");
}

}  // namespace
}  // namespace lvsd::test
