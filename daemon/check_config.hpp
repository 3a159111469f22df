#pragma once
// `lvsd --check-config -f FILE` (like `nginx -t`): load and validate, print
// every error or "configuration OK" and a one-line summary.
#include <iosfwd>
#include <string>

#include "conf/keepalived_parser.hpp"

namespace lvsd::daemon {

// Returns the process exit code: 0 valid, 1 invalid or unreadable.
// config_id: keepalived's, for a keepalived.conf's @ID lines (none: the host's).
int check_config(const std::string& path, std::ostream& out, std::ostream& err,
                 const conf::KaConfigId& config_id = std::nullopt);

}  // namespace lvsd::daemon
