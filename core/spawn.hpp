#pragma once
// The one place that starts a script (VRRP notify, MISC_CHECK).
//
// prepare_script() applies core/script.hpp's rules to the real system: the
// user from the account database, a bare command name searched in PATH, and,
// when the script runs as root, every part of its path (and of the file it
// resolves to) checked. With enable_script_security an unsafe script is
// refused, as keepalived disables it; without, it runs and the reason is
// returned as a warning (keepalived logs "Unsafe permissions found").
//
// spawn_script() forks a child that becomes its own process group (so a
// timeout kills whatever the script started), resets every signal to its
// default and unblocks all (lvsd ignores SIGPIPE and blocks others), puts
// stdio on /dev/null, closes every other descriptor, takes the script's
// groups, gid and uid, asks for SIGTERM if lvsd dies, and execs argv with no
// shell. An exec failure is reported by the call, not by a silent exit code.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/script.hpp"

namespace lvsd::core {

struct PreparedScript {
  std::vector<std::string> argv{};  // argv[0]: the absolute path that is executed
  Account user{};                   // who runs it
  std::vector<gid_t> groups{};      // supplementary groups (initgroups' list for the user)
  std::optional<std::string> warning{};  // unsafe but allowed (no enable_script_security)
};

// An error when the command is empty, the user or group does not exist, the
// program is not found or not executable for the user, or it is unsafe under
// enable_script_security.
Result<PreparedScript> prepare_script(const std::vector<std::string>& argv, const ScriptPolicy& policy);

// The real account database and lstat/stat, for prepare_script and tests.
AccountLookup system_accounts();
std::optional<FileInfo> stat_path(const std::string& path);
std::optional<FileInfo> lstat_path(const std::string& path);

// Starts the script; returns its pid (also its process group id).
Result<pid_t> spawn_script(const PreparedScript& script);

}  // namespace lvsd::core
