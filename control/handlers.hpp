#pragma once
// What the control socket asks of the daemon, and the pure dispatch from a
// request line to a reply. The daemon fills ControlHandlers; a handler left
// empty answers "not supported by this lvsd". An exception thrown by a
// handler becomes an error reply (and a log line), never a crash.
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

struct ControlHandlers {
  std::function<StatusSnapshot()> status;
  std::function<ReloadOutcome()> reload;
  // The bool results say whether anything changed (false: it already was so).
  std::function<core::Result<bool>(const DrainRequest&)> drain;
  std::function<core::Result<bool>(const UndrainRequest&)> undrain;
  std::function<core::Result<bool>(const EnableRequest&)> enable;
  std::function<core::Result<bool>(const DisableRequest&)> disable;
  // Called after the request is parsed; the reply is written before this
  // returns only if the handler defers the re-exec (e.g. a 0-delay timer):
  // the server flushes the reply as soon as dispatch returns.
  std::function<core::Status()> restart;
};

// One request line -> its reply.
Reply dispatch(const ControlHandlers& handlers, std::string_view line);

}  // namespace lvsd::control
