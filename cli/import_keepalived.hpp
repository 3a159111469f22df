#pragma once
// `lvsctl import-keepalived FILE`: print the YAML equivalent of a keepalived.conf.
#include <iosfwd>
#include <string>

namespace lvsd::cli {

// Returns the exit code: 0 imported (warnings go to err), 1 refused.
int import_keepalived(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace lvsd::cli
