// netns tier (runs systemd-analyze): the units in systemd/ pass
// `systemd-analyze verify` with their Exec paths pointing at the built
// binaries (verify checks that every Exec command is executable), and carry
// the directives the operations design depends on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/netns.hpp"

namespace {

const std::string kUnits = LVSD_TEST_UNITS_DIR;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// verify exits 0 even for an unknown key (it only warns): any output fails.
void expect_clean_verify(const std::string& unit_path) {
  auto r = lvsd::test::run_command("systemd-analyze verify " + lvsd::test::shell_quote(unit_path) + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << unit_path;
}

TEST(SystemdUnits, LvsdServiceVerifies) { expect_clean_verify(kUnits + "/lvsd.service"); }

// Only an IPv4 instance: systemd-analyze 252 cannot verify a unit *file* whose
// name has a ':' ("Couldn't process aliases"), although systemctl accepts
// lvsd-realserver@2001:db8::1 as a unit name.
TEST(SystemdUnits, RealServerTemplateVerifiesForAnInstance) {
  for (const char* vip : {"192.168.152.100"}) {
    const std::string instance = kUnits + "/instances/lvsd-realserver@" + vip + ".service";
    std::filesystem::create_directories(kUnits + "/instances");
    std::filesystem::copy_file(kUnits + "/lvsd-realserver@.service", instance,
                               std::filesystem::copy_options::overwrite_existing);
    expect_clean_verify(instance);
  }
}

TEST(SystemdUnits, VerifyCatchesAMissingBinarySoTheTestCanFail) {
  std::string text = read(kUnits + "/lvsd.service");
  const std::string bin = LVSD_LVSD;
  for (auto at = text.find(bin); at != std::string::npos; at = text.find(bin, at + 1)) {
    text.replace(at, bin.size(), "/nonexistent/lvsd");
  }
  std::filesystem::create_directories(kUnits + "/broken");
  std::ofstream(kUnits + "/broken/lvsd.service") << text;
  auto r = lvsd::test::run_command("systemd-analyze verify " + kUnits + "/broken/lvsd.service 2>&1");
  EXPECT_NE(r.output.find("/nonexistent/lvsd is not executable"), std::string::npos) << r.output;
}

TEST(SystemdUnits, LvsdServiceHasTheOperationalDirectives) {
  const std::string unit = read(kUnits + "/lvsd.service");
  for (const char* line : {"Type=notify", "WatchdogSec=", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                           "ExecStopPost=" LVSD_LVSD " --cleanup -f /etc/lvsd/lvsd.yaml",
                           "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW", "NoNewPrivileges=yes",
                           "ProtectSystem=strict", "ReadWritePaths=/run/lvsd", "ProtectHome=yes", "PrivateTmp=yes",
                           "RuntimeDirectoryPreserve=yes"}) {
    EXPECT_NE(unit.find(std::string("\n") + line), std::string::npos) << line;
  }
  const std::string rs = read(kUnits + "/lvsd-realserver@.service");
  EXPECT_NE(rs.find("\nExecStart=" LVSD_LVSCTL " realserver up --vip %I\n"), std::string::npos);
  EXPECT_NE(rs.find("\nExecStop=" LVSD_LVSCTL " realserver down --vip %I\n"), std::string::npos);
  EXPECT_NE(rs.find("\nRemainAfterExit=yes\n"), std::string::npos);
}

}  // namespace
