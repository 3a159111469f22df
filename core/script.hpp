#pragma once
// Scripts (VRRP notify, MISC_CHECK): the pure rules, as keepalived 2.2.7 has
// them. How a command line becomes argv, who a script runs as, where a bare
// name is found and whether its path is safe to run as root. The file system
// and the account database are injected, so the rules test without either;
// core/spawn.hpp supplies the real ones and starts the process.
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lvsd::core {

// The config's say on scripts: the global script_user / enable_script_security,
// or a MISC_CHECK's own `user`.
struct ScriptPolicy {
  std::optional<std::string> user{};   // unset: keepalived_script if it exists, else lvsd's own user
  std::optional<std::string> group{};  // unset: the user's primary group
  bool security = false;               // enable_script_security: refuse unsafe scripts run as root
  bool operator==(const ScriptPolicy&) const = default;
};

// keepalived's default script user, taken when script_user is not set.
inline constexpr std::string_view kDefaultScriptUser = "keepalived_script";

// Splits a command line into words, as keepalived does for scripts: blanks
// separate; '...' quotes literally; "..." quotes, with \ escaping the next
// character; outside quotes \ escapes the next character. No shell is
// involved: no variables, globs, pipes or redirections.
std::vector<std::string> split_command_line(std::string_view line);

struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name{};
  bool operator==(const Account&) const = default;
};

struct AccountLookup {
  std::function<std::optional<Account>(const std::string&)> user;  // getpwnam
  std::function<std::optional<gid_t>(const std::string&)> group;   // getgrnam
  Account self{};                                                  // the user lvsd runs as
};

// Who a script runs as: the policy's user (and group), which must exist; else
// keepalived_script if it exists; else lvsd's own user, except that with
// `security` a missing keepalived_script is an error (keepalived: "Unable to
// set default user keepalived_script for script").
Result<Account> resolve_script_user(const ScriptPolicy& policy, const AccountLookup& lookup);

struct FileInfo {
  mode_t mode = 0;  // st_mode: type and permission bits
  uid_t uid = 0;
  gid_t gid = 0;
};
// lstat() or stat() of a path; nullopt when it cannot be read.
using StatFn = std::function<std::optional<FileInfo>(const std::string&)>;

// Whether `who` may execute a file with these bits (root: any x bit).
bool is_executable(const FileInfo& file, const Account& who);

// The first PATH entry holding `name` as a regular file `who` may execute
// (execvp's search, done before the spawn so that the security check sees the
// real file). `path_env` empty: the default search path.
std::optional<std::string> find_in_path(const std::string& name, std::string_view path_env, const Account& who,
                                        const StatFn& stat_fn);

// Run as root (user or group 0), or set-user/group-ID root: keepalived then
// requires the whole path to be safe.
bool needs_protection(const FileInfo& file, const Account& who);

// The first part of `path` ("/", "/a", "/a/b", ...) that is not safe: owned
// by a non-root user, or writable by a non-root group or by anyone (a sticky
// directory such as /tmp is exempt from the write rule, not its files), or of
// the wrong type. `lstat_fn` must not follow symbolic links. nullopt: safe.
std::optional<std::string> unsafe_path_part(const std::string& path, const StatFn& lstat_fn);

}  // namespace lvsd::core
