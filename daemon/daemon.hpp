#pragma once
// The lvsd process: one event loop; the configuration becomes the desired
// IPVS table, which IpvsSync keeps the kernel equal to. SIGHUP reloads
// (an invalid file is refused and the running configuration stays), SIGTERM
// and SIGINT stop, leaving IPVS as it is (see README: "Stopping").
#include <string>
#include <vector>

namespace lvsd::daemon {

struct DaemonOptions {
  std::string config_path;
  // Which IPVS services lvsd created, so a restart knows what is its own.
  std::string ownership_path = "/run/lvsd/ipvs-owned";
  // The command line, for a hitless restart (re-exec with the same arguments).
  std::vector<std::string> argv{};
  // Set by a re-exec (--handover): the state the previous image handed over.
  std::string handover_path{};
};

// Runs until stopped; returns the process exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace lvsd::daemon
