#pragma once
// Which running processes a vrrp_track_process counts (keepalived 2.2.7's
// rules, pure): without parameters, param_match or full_command, the
// kernel's process name (/proc/PID/comm, at most 15 characters) must equal
// `process`; otherwise the command line's first word must, and param_match
// compares the words after it:
//   exact   (the default with parameters): the same words, no more;
//   partial: the configured words first, then any more;
//   initial: as partial, but the last configured word may be the start of
//            the process's word.
// full_command alone compares the first word only.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"

namespace lvsd::daemon {

// What /proc says about one process (a thread group leader).
struct ProcessIdentity {
  std::string comm{};               // /proc/PID/comm without its newline
  std::vector<std::string> argv{};  // /proc/PID/cmdline split at its NULs (empty: not read, or a kernel thread)
  bool operator==(const ProcessIdentity&) const = default;
};

bool process_matches(const conf::TrackProcess& spec, const ProcessIdentity& process);

// /proc/PID/cmdline's bytes as words (NUL-terminated; a missing final NUL is tolerated).
std::vector<std::string> split_cmdline(std::string_view raw);

// /proc/PID/stat's process name and state letter: the name is between the
// first '(' and the last ')' (it may hold either). nullopt: not that shape.
struct StatFields {
  std::string comm{};
  char state = '?';
};
std::optional<StatFields> parse_proc_stat(std::string_view text);

}  // namespace lvsd::daemon
