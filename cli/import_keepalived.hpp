#pragma once
// `lvsctl import-keepalived FILE`: print the YAML equivalent of a keepalived.conf.
#include <iosfwd>
#include <string>

#include "conf/keepalived_parser.hpp"

namespace lvsd::cli {

// Returns the exit code: 0 imported (warnings go to err), 1 refused.
// config_id: what the file's `@ID` lines are compared with (none: the host's).
int import_keepalived(const std::string& path, std::ostream& out, std::ostream& err,
                      const conf::KaConfigId& config_id = std::nullopt);

}  // namespace lvsd::cli
