#include "core/spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/unique_fd.hpp"

extern char** environ;

namespace lvsd::core {

namespace {

std::optional<FileInfo> to_info(int rc, const struct stat& st) {
  if (rc != 0) return std::nullopt;
  return FileInfo{.mode = st.st_mode, .uid = st.st_uid, .gid = st.st_gid};
}

std::size_t pw_buffer_size() {
  const long pw = sysconf(_SC_GETPW_R_SIZE_MAX);
  const long gr = sysconf(_SC_GETGR_R_SIZE_MAX);
  return static_cast<std::size_t>(std::max({pw, gr, 16384L}));
}

std::vector<gid_t> supplementary_groups(const Account& user) {
  int count = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  while (getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
  }
  groups.resize(static_cast<std::size_t>(count));
  return groups;
}

// In the child of fork(): only async-signal-safe calls. Credentials change
// through raw system calls, which act on this (only) thread without glibc's
// all-threads broadcast.
[[noreturn]] void child_failed(int report_fd, int err) {
  [[maybe_unused]] ssize_t n = ::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

[[noreturn]] void exec_child(const PreparedScript& script, char* const* argv, int report_fd) {
  auto fail = [report_fd](int err) { child_failed(report_fd, err); };
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);  // SIGKILL/SIGSTOP: EINVAL, harmless
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0) fail(errno);
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(null, fd) < 0) fail(errno);
  }
  // Whatever lvsd holds stays with lvsd, CLOEXEC or not; the report pipe
  // closes itself on exec.
  if (report_fd > 3) ::close_range(3, static_cast<unsigned>(report_fd - 1), 0);
  ::close_range(static_cast<unsigned>(report_fd + 1), ~0U, 0);

  if (::geteuid() == 0) {
    if (::syscall(SYS_setgroups, script.groups.size(), script.groups.data()) != 0) fail(errno);
    if (::syscall(SYS_setresgid, script.user.gid, script.user.gid, script.user.gid) != 0) fail(errno);
    if (::syscall(SYS_setresuid, script.user.uid, script.user.uid, script.user.uid) != 0) fail(errno);
  } else if (script.user.uid != ::geteuid() || script.user.gid != ::getegid()) {
    fail(EPERM);  // only root can switch users
  }
  // After the uid change, which clears it. If lvsd is already gone, go too.
  const pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
  ::execve(argv[0], argv, environ);
  child_failed(report_fd, errno);
}

}  // namespace

std::optional<FileInfo> stat_path(const std::string& path) {
  struct stat st {};
  return to_info(::stat(path.c_str(), &st), st);
}

std::optional<FileInfo> lstat_path(const std::string& path) {
  struct stat st {};
  return to_info(::lstat(path.c_str(), &st), st);
}

AccountLookup system_accounts() {
  AccountLookup lookup;
  lookup.user = [](const std::string& name) -> std::optional<Account> {
    std::vector<char> buf(pw_buffer_size());
    struct passwd pw {};
    struct passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
    return Account{.uid = pw.pw_uid, .gid = pw.pw_gid, .name = pw.pw_name};
  };
  lookup.group = [](const std::string& name) -> std::optional<gid_t> {
    std::vector<char> buf(pw_buffer_size());
    struct group gr {};
    struct group* found = nullptr;
    if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
    return gr.gr_gid;
  };
  lookup.self = Account{.uid = ::geteuid(), .gid = ::getegid(), .name = {}};
  std::vector<char> buf(pw_buffer_size());
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (getpwuid_r(lookup.self.uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    lookup.self.name = pw.pw_name;
  }
  return lookup;
}

Result<PreparedScript> prepare_script(const std::vector<std::string>& argv, const ScriptPolicy& policy) {
  if (argv.empty() || argv.front().empty()) return Error{"empty command"};
  auto user = resolve_script_user(policy, system_accounts());
  if (!user) return user.error();
  PreparedScript out{.argv = argv, .user = *user, .groups = {}, .warning = {}};
  std::string& program = out.argv.front();
  if (program.find('/') == std::string::npos) {
    const char* path_env = std::getenv("PATH");
    auto found = find_in_path(program, path_env != nullptr ? path_env : "", out.user, stat_path);
    if (!found) return Error{"cannot run " + program + ": not found in PATH for uid " + std::to_string(out.user.uid)};
    program = *found;
  }
  auto file = stat_path(program);
  if (!file) return errno_error("cannot run " + program, errno);
  if (!S_ISREG(file->mode) || !is_executable(*file, out.user)) {
    return Error{"cannot run " + program + ": not executable for uid " + std::to_string(out.user.uid)};
  }
  if (needs_protection(*file, out.user)) {
    // As keepalived: the path with its directories resolved but the name
    // kept (/bin is a link to usr/bin; /usr/bin/sh is a link itself), then
    // the file that name finally resolves to.
    auto resolved = [](const std::string& p) -> std::optional<std::string> {
      std::unique_ptr<char, decltype(&std::free)> real(::realpath(p.c_str(), nullptr), &std::free);
      if (real == nullptr) return std::nullopt;
      return std::string(real.get());
    };
    const std::size_t slash = program.rfind('/');
    const auto dir = resolved(slash == 0 ? "/" : program.substr(0, slash));
    const auto target = resolved(program);
    if (!dir || !target) return errno_error("cannot run " + program, errno);
    const std::string named = (*dir == "/" ? "" : *dir) + program.substr(slash);
    std::optional<std::string> unsafe = unsafe_path_part(named, lstat_path);
    if (!unsafe && *target != named) unsafe = unsafe_path_part(*target, lstat_path);
    if (unsafe) {
      const std::string why = program + " runs as uid " + std::to_string(out.user.uid) + " but its path is unsafe: " + *unsafe;
      if (policy.security) return Error{"refused (enable_script_security): " + why};
      out.warning = why;
    }
  }
  if (!out.user.name.empty()) out.groups = supplementary_groups(out.user);
  if (out.groups.empty()) out.groups.push_back(out.user.gid);
  return out;
}

Result<pid_t> spawn_script(const PreparedScript& script) {
  if (script.argv.empty()) return Error{"empty command"};
  std::vector<char*> argv;
  for (const auto& a : script.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno_error("pipe2", errno);
  UniqueFd report_read(report[0]);
  UniqueFd report_write(report[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return errno_error("fork", errno);
  if (pid == 0) {
    report_read.reset();  // close() is async-signal-safe; exec_child never returns
    exec_child(script, argv.data(), report_write.get());
  }
  report_write.reset();
  // Closed by a successful exec (CLOEXEC) or holds the child's errno.
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  report_read.reset();
  if (n == static_cast<ssize_t>(sizeof err)) {
    ::waitpid(pid, nullptr, 0);  // it has exited (127) or is about to
    return errno_error("cannot run " + script.argv.front(), err);
  }
  return pid;
}

}  // namespace lvsd::core
