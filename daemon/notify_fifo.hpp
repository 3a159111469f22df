#pragma once
// keepalived's notify FIFOs on the daemon's loop (the lines: fifo_lines.hpp).
//
// FifoWriter is one FIFO. At open it creates the FIFO when the path does not
// exist (mkfifo, mode 0600, owned by the configured owner, as keepalived
// 2.2.7 does) and refuses a path that exists and is not a FIFO; it opens it
// read-write and non-blocking (a FIFO opened write-only fails while nobody
// reads, and a blocking write would stall the loop that sends adverts), then
// starts the FIFO's script, if any, with the path as its last argument
// (core/spawn.hpp: the script user, its own process group, signals reset,
// no descriptor of lvsd); a script that cannot start is logged and the FIFO
// is written all the same. A line that does not fit in the pipe now (a reader
// that is slow or absent) is dropped and counted, with a warning. Closing
// sends SIGTERM to the script's process group and removes a FIFO lvsd created.
//
// NotifyFifos holds the three FIFOs of global_defs: notify_fifo gets every
// line, vrrp_notify_fifo the VRRP lines, lvs_notify_fifo the LVS lines.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "conf/config.hpp"
#include "core/result.hpp"
#include "core/script.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::core {
class EventLoop;
}

namespace lvsd::daemon {

class FifoWriter {
 public:
  // `what`: the keyword, for the log ("vrrp_notify_fifo").
  static core::Result<std::unique_ptr<FifoWriter>> open(core::EventLoop& loop, std::string what, const conf::NotifyFifo& config,
                                                  const core::ScriptPolicy& script_policy);
  ~FifoWriter();
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;

  // Writes one line (at most PIPE_BUF bytes: all or nothing); never blocks.
  void write(std::string_view line);
  std::uint64_t written() const { return written_; }
  std::uint64_t dropped() const { return dropped_; }
  // The script's pid while it runs (0: none).
  int script_pid() const;

 private:
  struct Script;
  FifoWriter(core::EventLoop& loop, std::string what, std::string path, core::UniqueFd fd, bool created);
  core::Status start_script(const std::string& command, const core::ScriptPolicy& policy);
  core::EventLoop& loop_;
  std::string what_;
  std::string path_;
  core::UniqueFd fd_;
  bool created_ = false;  // lvsd made the FIFO: it removes it at close
  bool dropping_ = false;  // warned about the current run of dropped lines
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;
  std::unique_ptr<Script> script_;
};

class NotifyFifos {
 public:
  explicit NotifyFifos(core::EventLoop& loop);
  ~NotifyFifos();
  NotifyFifos(const NotifyFifos&) = delete;
  NotifyFifos& operator=(const NotifyFifos&) = delete;

  // Start and reload: a FIFO whose settings (and script user) did not change
  // stays open with its script running; a changed one is closed and opened
  // again; a removed one is closed. A FIFO that cannot be opened is logged
  // and left out (the next apply tries again).
  void apply(const conf::Global& global);
  void close_all();
  // A hitless restart: closes every FIFO (ending its script, removing a FIFO
  // lvsd made) before the exec; resume() opens them again if the exec failed.
  void suspend();
  void resume();

  void vrrp(std::string_view line);  // notify_fifo and vrrp_notify_fifo
  void lvs(std::string_view line);   // notify_fifo and lvs_notify_fifo
  std::uint64_t dropped() const;

 private:
  struct Slot {
    std::optional<conf::NotifyFifo> config{};
    core::ScriptPolicy policy{};
    std::unique_ptr<FifoWriter> writer{};
  };
  void apply_slot(Slot& slot, const char* what, const std::optional<conf::NotifyFifo>& wanted, const conf::Global& global);
  core::EventLoop& loop_;
  Slot all_, vrrp_, lvs_;
  conf::Global last_{};  // of the last apply(), for resume()
};

}  // namespace lvsd::daemon
