#include "core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace lvsd::core::log {

// Hands the text of every message to the live Captures (tests only; with
// none registered a message costs this sink one uncontended lock).
class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void attach(Capture* capture) {
    std::lock_guard guard(mutex_);
    captures_.push_back(capture);
  }
  void detach(Capture* capture) {
    std::lock_guard guard(mutex_);
    captures_.erase(std::remove(captures_.begin(), captures_.end(), capture), captures_.end());
  }
  // Runs `read` under the lock that add() runs under.
  template <typename Read>
  auto locked(Read read) {
    std::lock_guard guard(mutex_);
    return read();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    for (Capture* capture : captures_) capture->add(msg.level, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::vector<Capture*> captures_;
};

namespace {

// The sd-daemon priority prefix ("<4>" for a warning) of the message's level:
// the journal files the line at that syslog priority.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    char priority = '6';
    switch (msg.level) {
      case Level::trace:
      case Level::debug: priority = '7'; break;
      case Level::info: priority = '6'; break;
      case Level::warn: priority = '4'; break;
      case Level::err: priority = '3'; break;
      case Level::critical: priority = '2'; break;
      default: break;
    }
    const char prefix[] = {'<', priority, '>'};
    dest.append(prefix, prefix + sizeof prefix);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriorityFlag>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool journal) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (journal) {
    // No timestamp of our own: the journal stamps each line as it arrives.
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  }
  return formatter;
}

// The one logger of the process and its two sinks.
//
// stderr: spdlog's stderr sink writes each formatted line with one fwrite()
// on the unbuffered stderr and flushes it, so every line leaves in one
// write(2) as it is logged. Nothing waits in the process (no async logger, no
// thread, no buffer): the last lines before a crash, an exec or a SIGKILL
// from the watchdog are out, a reader of lvsd's stderr (the journal, the
// netns and kernel tests) sees each line whole as soon as it is logged, and
// the loop thread and the offload thread, serialised by the sink's lock,
// cannot interleave within a line. The write blocks while the reader does not
// read, as any stderr logger's does; the one write whose blocking froze the
// loop, the service-manager notification, never blocks (daemon/notify.hpp).
struct Process {
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> stderr_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::shared_ptr<CaptureSink> captures = std::make_shared<CaptureSink>();
  spdlog::logger logger{"lvsd", {stderr_sink, captures}};

  Process() {
    stderr_sink->set_formatter(make_formatter(false));
    logger.set_level(Level::info);
  }
};

// Never destroyed: a line logged from another static's destructor at exit
// still finds its logger.
Process& process() {
  static Process* const instance = new Process;
  return *instance;
}

}  // namespace

std::optional<Level> level_from_string(std::string_view name) {
  if (name == "off") return Level::off;
  // spdlog's names, plus "warn" and "err"; anything else is "off" to spdlog.
  const Level level = spdlog::level::from_str(std::string(name));
  if (level == Level::off) return std::nullopt;
  return level;
}

std::string_view level_name(Level level) {
  if (level < Level::trace || level > Level::off) return "?";
  const auto name = spdlog::level::to_string_view(level);
  return {name.data(), name.size()};
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
  Process& p = process();
  p.stderr_sink->set_formatter(make_formatter(journal));
  p.logger.set_level(level_from_string(options.level).value_or(Level::off));
}

spdlog::logger* get() { return &process().logger; }

Capture::Capture(Level min_level, std::size_t max_lines)
    : min_level_(min_level), max_lines_(std::max<std::size_t>(max_lines, 1)) {
  process().captures->attach(this);
}

Capture::~Capture() { process().captures->detach(this); }

void Capture::add(Level level, std::string_view message) {
  if (level < min_level_) return;
  if (lines_.size() == max_lines_) lines_.pop_front();
  lines_.emplace_back(message);
}

std::vector<std::string> Capture::lines() const {
  return process().captures->locked([this] { return std::vector<std::string>(lines_.begin(), lines_.end()); });
}

std::string Capture::text() const {
  return process().captures->locked([this] {
    std::string out;
    for (const auto& line : lines_) {
      out += line;
      out += '\n';
    }
    return out;
  });
}

}  // namespace lvsd::core::log
