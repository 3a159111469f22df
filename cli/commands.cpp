#include "cli/commands.hpp"

#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/connections.hpp"
#include "director/ipvs_client.hpp"

namespace lvsd::cli {

namespace {

constexpr const char* kProcConnections = "/proc/net/ip_vs_conn";

struct Snapshot {
  director::IpvsInfo info;
  director::IpvsTable table;
};

core::Result<Snapshot> read_kernel(director::ipvs_codec::TrafficStats stats = director::ipvs_codec::TrafficStats::kRead) {
  auto client = director::IpvsClient::open();
  if (!client.ok()) return client.error().context("cannot talk to IPVS (is the ip_vs module loaded? are you root?)");
  auto info = (*client)->info();
  if (!info.ok()) return info.error().context("GET_INFO");
  auto table = (*client)->dump(stats);
  if (!table.ok()) return table.error().context("dumping the IPVS table");
  return Snapshot{.info = *info, .table = std::move(*table)};
}

}  // namespace

int run_list(const ListRequest& request, std::ostream& out, std::ostream& err) {
  // Only --stats, --rate and --json print the destinations' traffic counters.
  const bool traffic = request.json || request.options.columns == ListColumns::kStats ||
                       request.options.columns == ListColumns::kRate;
  auto snap = read_kernel(traffic ? director::ipvs_codec::TrafficStats::kRead : director::ipvs_codec::TrafficStats::kSkip);
  if (!snap.ok()) {
    err << "lvsctl: " << snap.error().message << "\n";
    return 1;
  }
  if (request.json) {
    out << to_json(snap->info, snap->table).dump(2) << "\n";
  } else {
    write_list(out, snap->info, snap->table, request.options);
  }
  return 0;
}

int run_save(bool json, std::ostream& out, std::ostream& err) {
  auto snap = read_kernel();
  if (!snap.ok()) {
    err << "lvsctl: " << snap.error().message << "\n";
    return 1;
  }
  if (json) {
    out << to_json(snap->info, snap->table).dump(2) << "\n";
  } else {
    out << format_save(snap->table);
  }
  return 0;
}

int run_connections(bool json, std::ostream& out, std::ostream& err) {
  std::ifstream in(kProcConnections);
  if (!in) {
    err << "lvsctl: cannot read " << kProcConnections << " (is the ip_vs module loaded?)\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto conns = parse_proc_connections(text.str());
  if (!conns.ok()) {
    err << "lvsctl: " << conns.error().message << "\n";
    return 1;
  }
  if (json) {
    out << to_json(*conns).dump(2) << "\n";
  } else {
    out << format_connections(*conns);
  }
  return 0;
}

}  // namespace lvsd::cli
