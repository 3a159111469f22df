#pragma once
// What the control socket asks of the daemon, and the dispatch from a
// request line to a reply line. The daemon fills ControlHandlers; a handler
// left empty answers "not supported by this lvsd". An exception thrown by a
// handler becomes an error reply (and a log line), never a crash.
//
// status and reload answer later: their work (reading the kernel's whole
// table, reading and parsing a configuration file) runs off the loop that
// sends VRRP adverts, and the reply is written when it is done.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "control/protocol.hpp"
#include "control/status.hpp"
#include "core/result.hpp"

namespace lvsd::control {

struct ReloadOutcome {
  bool applied = false;
  std::vector<std::string> errors{};  // refused: every config error, "file:line:col: key: message"
  std::string summary{};              // applied: what the new config holds / changed
};

// Receives one encoded reply line (without '\n') and whether it says ok.
using ReplyLine = std::function<void(std::string line, bool ok)>;

// The reply line of a status request (what the status handler passes on).
std::string status_reply_line(const StatusSnapshot& snapshot);

struct ControlHandlers {
  // `done` gets status_reply_line(snapshot), true (made off the loop).
  std::function<void(ReplyLine done)> status;
  std::function<void(std::function<void(ReloadOutcome)> done)> reload;
  // The bool results say whether anything changed (false: it already was so).
  std::function<core::Result<bool>(const DrainRequest&)> drain;
  std::function<core::Result<bool>(const UndrainRequest&)> undrain;
  std::function<core::Result<bool>(const EnableRequest&)> enable;
  std::function<core::Result<bool>(const DisableRequest&)> disable;
  // Called after the request is parsed; the reply is written before this
  // returns only if the handler defers the re-exec (e.g. a 0-delay timer):
  // the server flushes the reply as soon as dispatch returns.
  std::function<core::Status()> restart;
  // Scale-out: whether the node's drain state changed.
  std::function<core::Result<bool>(const DrainNodeRequest&)> drain_node;
  std::function<core::Result<bool>()> undrain_node;
};

// One request line -> its reply line, given to `reply` at once, or later for
// status and reload (exactly once either way).
void dispatch(const ControlHandlers& handlers, std::string_view line, ReplyLine reply);

}  // namespace lvsd::control
