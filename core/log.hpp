#pragma once
// Logging through spdlog. One named logger, set up once by main().
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace lvsd::core::log {

struct Options {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  // If unset, detected: stderr is the systemd journal when $JOURNAL_STREAM
  // names stderr's device:inode.
  enum class Target { kAuto, kConsole, kJournal } target = Target::kAuto;
};

// Console: "2026-11-22 10:00:00.123 [info] text". Journal: "<6>text" (the
// journal adds its own timestamps and reads the <N> syslog priority prefix).
void init(const Options& options);

// True when stderr is connected to the journal (see Options::target).
bool stderr_is_journal();

// The process logger; usable before init() (then it logs to stderr at info).
std::shared_ptr<spdlog::logger> get();

}  // namespace lvsd::core::log
