#pragma once
// lvsctl commands that need the running lvsd: they talk to its control
// socket (control/protocol.hpp). Exit codes: 0 done, 1 lvsd refused or
// failed (or the socket's permissions keep us out), 2 bad arguments, 3 lvsd
// is not running.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "control/protocol.hpp"

namespace lvsd::cli {

inline constexpr int kExitNotRunning = 3;

struct DaemonCommandOptions {
  std::string socket_path = "/run/lvsd/lvsd.sock";
  bool json = false;
};

int run_status(const DaemonCommandOptions& options, std::ostream& out, std::ostream& err);
int run_reload(const DaemonCommandOptions& options, std::ostream& out, std::ostream& err);
int run_restart(const DaemonCommandOptions& options, std::ostream& out, std::ostream& err);
int run_drain(const DaemonCommandOptions& options, const std::string& virtual_server, const std::string& real_server,
              std::optional<std::uint32_t> timeout_s, std::ostream& out, std::ostream& err);
int run_undrain(const DaemonCommandOptions& options, const std::string& virtual_server, const std::string& real_server,
                std::ostream& out, std::ostream& err);
int run_enable(const DaemonCommandOptions& options, const std::string& virtual_server, std::ostream& out,
               std::ostream& err);
int run_disable(const DaemonCommandOptions& options, const std::string& virtual_server, std::ostream& out,
                std::ostream& err);
// Scale-out: withdraw every announcement of this node (and with `stop`, stop
// lvsd after global.announce.drain_grace); announce again.
int run_drain_node(const DaemonCommandOptions& options, bool stop, std::ostream& out, std::ostream& err);
int run_undrain_node(const DaemonCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace lvsd::cli
