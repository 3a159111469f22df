// kernel tier: the Debian package, installed and run as on a real node.
//
// scripts/package built lvsd_<version>_<arch>.deb into LVSD_DEB_DIR (ctest's
// kernel.package runs it before kernel.uml). Inside UML the host's filesystem
// is the root, so the package is not installed there: the system dpkg -i
// installs into is an overlay with that root below and a tmpfs above, entered
// with chroot. dpkg checks the package's dependencies against the installed
// system and runs its maintainer scripts; the host's files never change.
// Then the installed binaries run: --version, -t on the shipped
// /etc/lvsd/lvsd.yaml, and lvsd on a small configuration in a network
// namespace, which the installed lvsctl reads back from IPVS.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kSmallConfig = R"(# a director with one virtual server, no VRRP, no checks
virtual_servers:
  - address: 10.0.0.100
    port: 80
    lb_algo: rr
    lb_kind: DR
    real_servers:
      - { address: 10.0.0.11, port: 80, weight: 2 }
)";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One overlay root for the whole suite: installing once is what an operator
// does, and every test looks at that installation.
class DebianPackage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<fs::path> debs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(LVSD_DEB_DIR, ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("lvsd_", 0) == 0 && e.path().extension() == ".deb") debs.push_back(e.path());
    }
    if (debs.size() != 1) {
      setup_error_ = "expected one lvsd_*.deb in " + std::string(LVSD_DEB_DIR) + ", found " +
                     std::to_string(debs.size()) + ": run scripts/package --out " + LVSD_DEB_DIR +
                     " (ctest -L kernel runs it as kernel.package)";
      return;
    }
    deb_ = debs[0].string();
    version_ = run_command("dpkg-deb -f " + shell_quote(deb_) + " Version").output;
    while (!version_.empty() && version_.back() == '\n') version_.pop_back();

    base_ = "/run/tmp/lvsd-deb-" + std::to_string(::getpid());
    root_ = base_ + "/root";
    for (const char* d : {"/upper", "/work", "/root"}) fs::create_directories(base_ + d);
    if (!load_overlay()) return;
    if (::mount("overlay", root_.c_str(), "overlay", 0,
                ("lowerdir=/,upperdir=" + base_ + "/upper,workdir=" + base_ + "/work").c_str()) != 0) {
      setup_error_ = "mount overlay on " + root_ + ": " + std::strerror(errno);
      return;
    }
    mounted_.push_back(root_);
    // The host's /proc, /sys, /run and /tmp must not show through: the
    // chroot gets this kernel's own, and tmpfs for the rest.
    for (auto [type, dir] : std::vector<std::pair<std::string, std::string>>{
             {"proc", "/proc"}, {"sysfs", "/sys"}, {"tmpfs", "/run"}, {"tmpfs", "/tmp"}}) {
      const std::string at = root_ + dir;
      if (::mount(type.c_str(), at.c_str(), type.c_str(), 0, nullptr) != 0) {
        setup_error_ = "mount " + type + " on " + at + ": " + std::strerror(errno);
        return;
      }
      mounted_.push_back(at);
    }
    // man-db's trigger would rebuild the whole manual database: not what is tested.
    fs::remove(root_ + "/var/lib/man-db/auto-update", ec);
    fs::copy_file(deb_, root_ + "/tmp/lvsd.deb", ec);
    install_ = in_root("dpkg -i /tmp/lvsd.deb");
  }

  static void TearDownTestSuite() {
    for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    mounted_.clear();
    if (!base_.empty()) run_command("rm -rf " + shell_quote(base_));
  }

  void SetUp() override {
    ASSERT_EQ(setup_error_, "");
    ASSERT_EQ(install_.exit_code, 0) << "dpkg -i failed:\n" << install_.output;
  }

  // modprobe -d ROOT wants ROOT/lib/modules/<release>: the UML modules,
  // without touching the host's /lib/modules (as tests/kernel/run-in-uml.sh).
  static bool load_overlay() {
    if (contains(run_command("cat /proc/filesystems").output, "overlay")) return true;
    struct utsname u {};
    ::uname(&u);
    const std::string modroot = base_ + "/modroot";
    fs::create_directories(modroot + "/lib/modules");
    std::error_code ec;
    fs::create_directory_symlink(std::string("/usr/lib/uml/modules/") + u.release,
                                 modroot + "/lib/modules/" + u.release, ec);
    CommandResult r = run_command("modprobe -d " + modroot + " overlay 2>&1");
    if (r.exit_code != 0) setup_error_ = "modprobe overlay: " + r.output;
    return r.exit_code == 0;
  }

  // Runs a shell command inside the installed system.
  static CommandResult in_root(const std::string& command) {
    return run_command("chroot " + root_ + " /bin/sh -c " + shell_quote(command) + " 2>&1");
  }
  // Not following symlinks: an enabled unit is a symlink to /lib/systemd/...,
  // which resolves outside the chroot.
  static bool exists(const std::string& path) { return fs::exists(fs::symlink_status(root_ + path)); }

  static inline std::string setup_error_, deb_, version_, base_, root_;
  static inline std::vector<std::string> mounted_;
  static inline CommandResult install_;
};

TEST_F(DebianPackage, InstallsWithItsDependenciesMet) {
  CommandResult status = in_root("dpkg-query -W -f='${Status} ${Version}' lvsd");
  EXPECT_EQ(status.output, "install ok installed " + version_);
  // ${shlibs:Depends} named every shared library the binaries load, and they are there.
  CommandResult depends = in_root("dpkg-query -W -f='${Depends}' lvsd");
  EXPECT_TRUE(contains(depends.output, "libc6")) << depends.output;
  for (const char* bin : {"/usr/sbin/lvsd", "/usr/sbin/lvsctl"}) {
    CommandResult ldd = in_root(std::string("ldd ") + bin);
    EXPECT_EQ(ldd.exit_code, 0) << ldd.output;
    EXPECT_FALSE(contains(ldd.output, "not found")) << ldd.output;
  }
}

TEST_F(DebianPackage, InstallsUnitsManPagesCompletionAndTheConffile) {
  for (const char* f : {"/usr/sbin/lvsd", "/usr/sbin/lvsctl", "/lib/systemd/system/lvsd.service",
                        "/lib/systemd/system/lvsd-realserver@.service", "/usr/share/man/man8/lvsd.8.gz",
                        "/usr/share/man/man8/lvsctl.8.gz", "/usr/share/man/man5/lvsd.yaml.5.gz",
                        "/usr/share/bash-completion/completions/lvsctl", "/etc/lvsd/lvsd.yaml",
                        "/usr/share/doc/lvsd/copyright"}) {
    EXPECT_TRUE(exists(f)) << f;
  }
  CommandResult unit = in_root("grep -E '^Exec(Start|StopPost)=' /lib/systemd/system/lvsd.service");
  EXPECT_TRUE(contains(unit.output, "ExecStart=/usr/sbin/lvsd -f /etc/lvsd/lvsd.yaml")) << unit.output;
  EXPECT_TRUE(contains(unit.output, "ExecStopPost=/usr/sbin/lvsd --cleanup")) << unit.output;
  CommandResult conffiles = in_root("dpkg-query -W -f='${Conffiles}' lvsd");
  EXPECT_TRUE(contains(conffiles.output, "/etc/lvsd/lvsd.yaml")) << conffiles.output;
  // The man pages are what man reads, and the completion loads.
  CommandResult man = in_root("zcat /usr/share/man/man5/lvsd.yaml.5.gz | head -n 30");
  EXPECT_TRUE(contains(man.output, ".TH \"LVSD.YAML\" \"5\"")) << man.output;
  CommandResult completion = in_root("bash -c '. /usr/share/bash-completion/completions/lvsctl && complete -p lvsctl'");
  EXPECT_EQ(completion.output, "complete -F _lvsctl lvsctl\n");
}

TEST_F(DebianPackage, IsNotEnabledOrStartedByInstalling) {
  // Installing must not start a director with the example configuration:
  // the unit is disabled until the operator enables it.
  EXPECT_FALSE(exists("/etc/systemd/system/multi-user.target.wants/lvsd.service"));
  CommandResult enabled = in_root("systemctl is-enabled lvsd.service");
  EXPECT_EQ(enabled.output, "disabled\n");
  EXPECT_FALSE(contains(in_root("ps -eo comm").output, "lvsd"));
}

TEST_F(DebianPackage, InstalledLvsdChecksTheShippedConfiguration) {
  CommandResult version = in_root("/usr/sbin/lvsd --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output, "lvsd " + version_ + "\n");
  CommandResult check = in_root("/usr/sbin/lvsd -t -f /etc/lvsd/lvsd.yaml");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_TRUE(contains(check.output, "configuration OK")) << check.output;
}

TEST_F(DebianPackage, InstalledLvsdProgramsIpvsAndLvsctlReadsIt) {
  Topology topo;
  Host& director = topo.add_host("lvs", "10.0.0.2/24");
  std::ofstream(root_ + "/tmp/small.yaml") << kSmallConfig;
  // As the unit runs it: the default control socket and state file in /run/lvsd.
  fs::create_directories(root_ + "/run/lvsd");
  std::unique_ptr<Process> lvsd = director.spawn("chroot " + root_ + " /usr/sbin/lvsd -f /tmp/small.yaml");
  ASSERT_TRUE(wait_until([&] { return contains(lvsd->output(), "changes applied"); }, 10s)) << lvsd->output();

  auto in_director = [&](const std::string& command) {
    return director.run("chroot " + root_ + " " + command + " 2>&1");
  };
  CommandResult list = in_director("/usr/sbin/lvsctl list");
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(contains(list.output, "TCP  10.0.0.100:80 rr\n")) << list.output;
  EXPECT_TRUE(contains(list.output, "  -> 10.0.0.11:80                 Route   2")) << list.output;
  // ipvsadm (not from the package) sees the same table.
  EXPECT_EQ(director.run("ipvsadm -Ln").output, list.output);
  CommandResult status = in_director("/usr/sbin/lvsctl status");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_TRUE(contains(status.output, "10.0.0.100:80")) << status.output;

  lvsd->signal(SIGTERM);
  EXPECT_EQ(lvsd->wait(10s), 0) << lvsd->output();
}

TEST_F(DebianPackage, PurgeRemovesEverything) {
  // Last (gtest runs a suite's tests in order): the others need it installed.
  CommandResult purge = in_root("dpkg --purge lvsd");
  EXPECT_EQ(purge.exit_code, 0) << purge.output;
  for (const char* f : {"/usr/sbin/lvsd", "/usr/sbin/lvsctl", "/lib/systemd/system/lvsd.service", "/etc/lvsd"}) {
    EXPECT_FALSE(exists(f)) << f << " left after purge";
  }
}

}  // namespace
}  // namespace lvsd::test
