// netns tier (root: it switches users and runs real processes): what a
// script started by core/spawn.hpp gets: its user, nothing of lvsd's
// descriptors, signal dispositions or mask, and PATH search; and what
// enable_script_security refuses.
#include "core/spawn.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/unique_fd.hpp"

namespace lvsd::core {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class SpawnNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lvsd-spawn-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0777);  // the script's user writes here
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(SpawnNetns, ChildHasTheUserNoInheritedFdsAndDefaultSignals) {
  // What lvsd has when it spawns: SIGPIPE ignored, signals blocked, and a
  // descriptor without CLOEXEC (as a library may leave one).
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe {};
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  int leak[2];
  ASSERT_EQ(::pipe(leak), 0);
  core::UniqueFd leak_read(leak[0]);
  core::UniqueFd leak_write(leak[1]);

  const std::string out = dir_ + "/out", fds = dir_ + "/fds", status = dir_ + "/status";
  // `exec >` replaces stdout without the saved copy (fd 10) that dash keeps
  // around a redirected command; the last ls replaces the shell and lists its
  // own descriptors: 0, 1, 2 and 3, the directory it reads.
  auto shell = prepare_script(
      {"/bin/sh", "-c", "exec > " + out + "; id -u; id -g; id -G; exec > " + fds + "; exec ls /proc/self/fd"},
      ScriptPolicy{.user = "nobody", .group = {}, .security = false});
  ASSERT_TRUE(shell.ok()) << shell.error().message;
  EXPECT_EQ(shell->user.uid, 65534u);
  // The signal state as the program gets it (dash clears its mask at start,
  // so no shell in between): cp copies its own /proc/self/status.
  auto copy = prepare_script({"cp", "/proc/self/status", status},
                             ScriptPolicy{.user = "nobody", .group = {}, .security = false});
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto pid = spawn_script(*shell);
  auto copy_pid = spawn_script(*copy);
  leak_read.reset();
  leak_write.reset();
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  ASSERT_TRUE(copy_pid.ok()) << copy_pid.error().message;
  EXPECT_EQ(::getpgid(*pid), *pid);  // its own process group
  EXPECT_EQ(wait_exit(*pid), 0);
  EXPECT_EQ(wait_exit(*copy_pid), 0);

  EXPECT_EQ(slurp(out), "65534\n65534\n65534\n");
  const std::string sigs = slurp(status);
  EXPECT_NE(sigs.find("\nSigBlk:\t0000000000000000\n"), std::string::npos) << sigs;
  EXPECT_NE(sigs.find("\nSigIgn:\t0000000000000000\n"), std::string::npos) << sigs;
  EXPECT_EQ(slurp(fds), "0\n1\n2\n3\n");
}

TEST_F(SpawnNetns, BareCommandIsFoundThroughPath) {
  auto prepared = prepare_script({"touch", dir_ + "/made"}, ScriptPolicy{});
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(prepared->argv.front().front(), '/');  // resolved before the spawn
  EXPECT_TRUE(prepared->argv.front().ends_with("/touch"));
  auto pid = spawn_script(*prepared);
  ASSERT_TRUE(pid.ok()) << pid.error().message;
  EXPECT_EQ(wait_exit(*pid), 0);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/made").c_str(), &st), 0);
  // No script_user: keepalived_script if it exists, else lvsd's own user.
  const struct passwd* ks = ::getpwnam("keepalived_script");
  EXPECT_EQ(st.st_uid, ks != nullptr ? ks->pw_uid : ::geteuid());

  auto missing = prepare_script({"lvsd-no-such-command"}, ScriptPolicy{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("cannot run lvsd-no-such-command: not found in PATH", 0), 0u)
      << missing.error().message;
}

// Issue #17: a 0777 script in a 1777 directory ran as uid 0.
TEST_F(SpawnNetns, SecurityRefusesAWorldWritableScriptRunAsRoot) {
  ::chmod(dir_.c_str(), 01777);
  const std::string script = dir_ + "/up.sh";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0777);
  const ScriptPolicy as_root{.user = "root", .group = {}, .security = true};
  auto refused = prepare_script({script}, as_root);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "refused (enable_script_security): " + script + " runs as uid 0 but its path is unsafe: " +
                                         script + " (writable by a non-root user)");
  // Without enable_script_security it runs, with a warning (keepalived's behaviour).
  auto warned = prepare_script({script}, ScriptPolicy{.user = "root", .group = {}, .security = false});
  ASSERT_TRUE(warned.ok());
  ASSERT_TRUE(warned->warning.has_value());
  // As nobody there is nothing to protect.
  auto as_nobody = prepare_script({script}, ScriptPolicy{.user = "nobody", .group = {}, .security = true});
  ASSERT_TRUE(as_nobody.ok()) << as_nobody.error().message;
  EXPECT_FALSE(as_nobody->warning.has_value());
  // /bin/sh: /bin links to usr/bin and sh to dash, all root's: safe.
  auto shell = prepare_script({"/bin/sh"}, as_root);
  ASSERT_TRUE(shell.ok()) << shell.error().message;
  EXPECT_FALSE(shell->warning.has_value()) << *shell->warning;
  // Made safe (root-owned, 0755, in a sticky root-owned directory), it runs as root.
  ::chmod(script.c_str(), 0755);
  auto safe = prepare_script({script}, as_root);
  EXPECT_TRUE(safe.ok()) << safe.error().message;
}

TEST_F(SpawnNetns, ExecFailureAndUnknownUserAreErrors) {
  auto pid = spawn_script(PreparedScript{.argv = {"/nonexistent/check"}, .user = {.uid = ::geteuid(), .gid = ::getegid(), .name = "root"},
                                         .groups = {::getegid()}, .warning = {}});
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.error().message, "cannot run /nonexistent/check: No such file or directory");
  auto user = prepare_script({"/bin/true"}, ScriptPolicy{.user = "lvsd-no-such-user", .group = {}, .security = false});
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().message, "script user 'lvsd-no-such-user' does not exist");
}

}  // namespace
}  // namespace lvsd::core
