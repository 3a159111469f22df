#pragma once
// `lvsd --check-config -f FILE` (like `nginx -t`): load and validate, print
// every error or "configuration OK" and a one-line summary.
#include <iosfwd>
#include <string>

namespace lvsd::daemon {

// Returns the process exit code: 0 valid, 1 invalid or unreadable.
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace lvsd::daemon
