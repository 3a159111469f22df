#pragma once
// The process logger is an spdlog logger (Debian's libspdlog, a shared
// library that formats with Debian's libfmt): one line per message on
// stderr, written as it is logged. Messages are fmt format strings checked
// at compile time:
//   auto log = core::log::get();
//   log->info("{}: {} ({})", label, verdict, why);
#include <spdlog/logger.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvsd::core::log {

// trace, debug, info, warn, err, critical, off (spdlog's levels).
using Level = spdlog::level::level_enum;

// "trace", "debug", "info", "warn" (or "warning"), "error" (or "err"),
// "critical", "off"; nullopt for anything else.
std::optional<Level> level_from_string(std::string_view name);
// The name printed in a console line: "info", "warning", "error", ...
std::string_view level_name(Level level);

struct Options {
  std::string level = "info";  // see level_from_string; an unknown name logs nothing
  // If unset, detected: stderr is the systemd journal when $JOURNAL_STREAM
  // names stderr's device:inode.
  enum class Target { kAuto, kConsole, kJournal } target = Target::kAuto;
};

// Console: "2026-11-22 10:00:00.123 [info] text". Journal: "<6>text" (the
// journal adds its own timestamps and reads the <N> syslog priority prefix,
// so `journalctl -p warning` selects lvsd's warnings and worse).
void init(const Options& options);

// True when stderr is connected to the journal (see Options::target).
bool stderr_is_journal();

// The process logger; usable before init() (then it logs to stderr at info).
// It lives as long as the process: init() reconfigures it, never replaces it.
spdlog::logger* get();

class CaptureSink;

// Keeps the message text of every line logged at `min_level` or above while
// it lives (at most `max_lines`, the oldest dropped first). For tests; the
// logger's own level still decides what is logged at all.
class Capture {
 public:
  explicit Capture(Level min_level = Level::trace, std::size_t max_lines = 4096);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  std::vector<std::string> lines() const;
  std::string text() const;  // every line followed by '\n'

 private:
  friend class CaptureSink;
  void add(Level level, std::string_view message);

  Level min_level_;
  std::size_t max_lines_;
  std::deque<std::string> lines_;  // guarded by the capture sink's lock
};

}  // namespace lvsd::core::log
