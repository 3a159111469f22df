#pragma once
// lvsctl commands that read the kernel directly (no daemon needed). Each
// returns the process exit code: 0 done, 1 the kernel could not be read.
#include <iosfwd>

#include "cli/ipvsadm_format.hpp"

namespace lvsd::cli {

struct ListRequest {
  ListOptions options;
  bool json = false;
};

int run_list(const ListRequest& request, std::ostream& out, std::ostream& err);
int run_save(bool json, std::ostream& out, std::ostream& err);
// Reads /proc/net/ip_vs_conn.
int run_connections(bool json, std::ostream& out, std::ostream& err);

}  // namespace lvsd::cli
