#pragma once
// The process logger: one line per message on stderr, written with one
// write(2) as it happens (no buffering, no thread, no sinks). Messages are
// fmt format strings checked at compile time:
//   auto log = core::log::get();
//   log->info("{}: {} ({})", label, verdict, why);
// Only fmt's light core header is included here; the formatting itself is
// done once, in log.cpp.
#include <fmt/core.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvsd::core::log {

enum class Level : int { trace = 0, debug, info, warn, err, critical, off };

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

class Logger {
 public:
  bool should_log(Level level) const {
    return level != Level::off && static_cast<int>(level) >= level_.load(std::memory_order_relaxed);
  }
  Level level() const { return static_cast<Level>(level_.load(std::memory_order_relaxed)); }
  void set_level(Level level) { level_.store(static_cast<int>(level), std::memory_order_relaxed); }

  template <typename... Args>
  void log(Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (should_log(level)) vlog(level, format, fmt::make_format_args(args...));
  }
  template <typename... Args>
  void trace(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::trace, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::debug, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::info, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::warn, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::err, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void critical(fmt::format_string<Args...> format, Args&&... args) {
    log(Level::critical, format, std::forward<Args>(args)...);
  }
  // Lines are written as they are logged; kept so callers can say where a
  // flush matters (before exec, before exit).
  void flush() {}

  // Formats and writes one line (whatever the level; callers check first).
  void vlog(Level level, fmt::string_view format, fmt::format_args args);

 private:
  std::atomic<int> level_{static_cast<int>(Level::info)};
};

// Console: "2026-11-22 10:00:00.123 [info] text". Journal: "<6>text" (the
// journal adds its own timestamps and reads the <N> syslog priority prefix).
void init(const Options& options);

// True when stderr is connected to the journal (see Options::target).
bool stderr_is_journal();

// The process logger; usable before init() (then it logs to stderr at info).
Logger* get();

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
  friend class Logger;
  void add(Level level, std::string_view message);

  Level min_level_;
  std::size_t max_lines_;
  std::deque<std::string> lines_;  // guarded by the logger's capture lock
};

}  // namespace lvsd::core::log
