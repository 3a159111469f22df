#pragma once
// The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC;
// linux/cn_proc.h): a process forked, ran a new program (exec), was renamed
// (comm) or exited. The message codec is pure (bytes in, events out); the
// socket only sends and receives. The connector exists in the initial
// network namespace only: elsewhere subscribing fails (ECONNREFUSED), and
// the owner falls back to rescanning /proc.
#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::daemon {

// One event about a process (threads are left out: only pid == tgid).
struct ProcEvent {
  enum class Kind { kFork, kExec, kComm, kExit };
  Kind kind = Kind::kExec;
  pid_t pid = 0;     // the process (fork: the child)
  pid_t parent = 0;  // fork only: the parent process
  std::string comm{};  // comm only: the new name
  bool operator==(const ProcEvent&) const = default;
};

// The subscription request (PROC_CN_MCAST_LISTEN, or _IGNORE) from `port_id`.
std::vector<std::uint8_t> proc_listen_message(bool listen, std::uint32_t port_id);
// The process events in one datagram from the kernel; thread events, other
// connector messages and truncated ones are skipped.
std::vector<ProcEvent> parse_proc_events(std::span<const std::uint8_t> datagram);

class ProcConnector {
 public:
  // Opens, binds to CN_IDX_PROC and subscribes; an error says why (e.g.
  // ECONNREFUSED outside the initial network namespace, EPERM without CAP_NET_ADMIN).
  static core::Result<ProcConnector> open();

  int fd() const { return fd_.get(); }
  // Reads what is queued (at most `max_datagrams`). `lost` is set when the
  // kernel dropped events (ENOBUFS): the caller must rescan.
  std::vector<ProcEvent> drain(bool& lost, int max_datagrams = 64);

 private:
  explicit ProcConnector(core::UniqueFd fd) : fd_(std::move(fd)) {}
  core::UniqueFd fd_;
};

}  // namespace lvsd::daemon
