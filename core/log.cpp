// fmt's formatting code is compiled here only (header-only mode in this one
// file): no fmt shared library, and the callers include fmt's core header.
#define FMT_HEADER_ONLY
#include "core/log.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace lvsd::core::log {

namespace {

constexpr std::string_view kNames[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};

// Everything a line needs besides its text; one lock for writing and
// captures (threads only exist in tests).
struct Output {
  std::mutex lock;
  bool journal = false;
  std::vector<Capture*> captures;
  // "YYYY-MM-DD HH:MM:SS" of the last second a line was stamped in.
  time_t stamped_second = -1;
  char stamp[32] = {};
};

Output& output() {
  static Output out;
  return out;
}

Logger& logger() {
  static Logger instance;
  return instance;
}

// The sd-daemon priority prefix for the level.
char journal_priority(Level level) {
  switch (level) {
    case Level::trace:
    case Level::debug: return '7';
    case Level::info: return '6';
    case Level::warn: return '4';
    case Level::err: return '3';
    case Level::critical: return '2';
    case Level::off: break;
  }
  return '6';
}

void write_all(const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(2, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // stderr is gone; nowhere to report it
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::optional<Level> level_from_string(std::string_view name) {
  if (name == "warn") return Level::warn;
  if (name == "err") return Level::err;
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (name == kNames[i]) return static_cast<Level>(i);
  return std::nullopt;
}

std::string_view level_name(Level level) {
  const auto i = static_cast<std::size_t>(level);
  return i < std::size(kNames) ? kNames[i] : "?";
}

void Logger::vlog(Level level, fmt::string_view format, fmt::format_args args) {
  fmt::memory_buffer line;
  Output& out = output();
  std::lock_guard guard(out.lock);
  std::size_t text_start = 0;
  if (out.journal) {
    line.append(std::string_view("<"));
    line.push_back(journal_priority(level));
    line.push_back('>');
    text_start = 3;
  } else {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != out.stamped_second) {
      tm local{};
      localtime_r(&now.tv_sec, &local);
      strftime(out.stamp, sizeof out.stamp, "%Y-%m-%d %H:%M:%S", &local);
      out.stamped_second = now.tv_sec;
    }
    fmt::format_to(fmt::appender(line), "{}.{:03} [{}] ", out.stamp, now.tv_nsec / 1000000, level_name(level));
    text_start = line.size();
  }
  try {
    fmt::vformat_to(fmt::appender(line), format, args);
  } catch (const std::exception& e) {
    // A format string is checked at compile time; this is a formatter that
    // threw (e.g. out of memory). Say so instead of losing the line.
    line.append(std::string_view("[log formatting failed: "));
    line.append(std::string_view(e.what()));
    line.push_back(']');
  }
  const std::string_view text(line.data() + text_start, line.size() - text_start);
  for (Capture* capture : out.captures) capture->add(level, text);
  line.push_back('\n');
  write_all(line.data(), line.size());
}

bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (js == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

void init(const Options& options) {
  const bool journal = options.target == Options::Target::kJournal ||
                       (options.target == Options::Target::kAuto && stderr_is_journal());
  {
    std::lock_guard guard(output().lock);
    output().journal = journal;
  }
  logger().set_level(level_from_string(options.level).value_or(Level::off));
}

Logger* get() { return &logger(); }

Capture::Capture(Level min_level, std::size_t max_lines) : min_level_(min_level), max_lines_(std::max<std::size_t>(max_lines, 1)) {
  std::lock_guard guard(output().lock);
  output().captures.push_back(this);
}

Capture::~Capture() {
  std::lock_guard guard(output().lock);
  auto& captures = output().captures;
  captures.erase(std::remove(captures.begin(), captures.end(), this), captures.end());
}

void Capture::add(Level level, std::string_view message) {
  if (static_cast<int>(level) < static_cast<int>(min_level_)) return;
  if (lines_.size() == max_lines_) lines_.pop_front();
  lines_.emplace_back(message);
}

std::vector<std::string> Capture::lines() const {
  std::lock_guard guard(output().lock);
  return {lines_.begin(), lines_.end()};
}

std::string Capture::text() const {
  std::lock_guard guard(output().lock);
  std::string out;
  for (const auto& line : lines_) {
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace lvsd::core::log
