#pragma once
// Renders an IPVS table exactly as `ipvsadm -Ln` (and its --stats, --rate,
// --exact, --thresholds, --persistent-conn, --tun-info variants) and
// `ipvsadm -Sn` print it, plus a JSON form. Pure: the table comes from a dump.
//
// The layouts were taken from ipvsadm 1.31's output (Debian 12) in the UML
// kernel; tests/cli compares against captured output, and the kernel tier
// compares against a live ipvsadm.
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>

#include "director/types.hpp"

namespace lvsd::cli {

enum class ListColumns {
  kDefault,         // Forward Weight ActiveConn InActConn
  kStats,           // Conns InPkts OutPkts InBytes OutBytes
  kRate,            // CPS InPPS OutPPS InBPS OutBPS
  kThresholds,      // Uthreshold Lthreshold ActiveConn InActConn
  kPersistentConn,  // Weight PersistConn ActiveConn InActConn
  kTunInfo,         // Forward TunnelInfo Weight ActiveConn InActConn
};

struct ListOptions {
  ListColumns columns = ListColumns::kDefault;
  bool exact = false;  // --exact: full numbers instead of K/M/G/T
};

// The table in the order ipvsadm prints it. ipvsadm sorts services by
// (fwmark, family, protocol, address, port) and destinations by (address,
// port), comparing addresses as the int difference of host-order 32-bit
// words, which wraps: 192.168.0.1 sorts before 10.0.0.1. The sort is done
// with the C library's qsort, as ipvsadm's is, so even orders that wrapping
// makes inconsistent come out the same for the same dump.
director::IpvsTable ipvsadm_order(const director::IpvsTable& table);

// The first line: "IP Virtual Server version 1.2.1 (size=4096)".
std::string format_version_line(const director::IpvsInfo& info);

// `ipvsadm -Ln [--stats|--rate|...] [--exact]`: the version line, the column
// headers, then every service with its destinations, in ipvsadm_order().
std::string format_list(const director::IpvsInfo& info, const director::IpvsTable& table, const ListOptions& options);
// The same, written to `out` one service at a time (what `lvsctl list` prints).
void write_list(std::ostream& out, const director::IpvsInfo& info, const director::IpvsTable& table,
                const ListOptions& options);

// `ipvsadm -Sn`: one -A line per service and one -a line per destination
// (in ipvsadm_order()), which `ipvsadm -R` reads back.
std::string format_save(const director::IpvsTable& table);

// A counter as ipvsadm prints it in the stats/rate columns (9 wide; above
// 99,999,999 scaled to K, M, G or T unless exact).
std::string format_counter(std::uint64_t value, bool exact);

// Our JSON: {"version": "1.2.1", "connection_table_size": 4096, "services": [...]}.
nlohmann::json to_json(const director::IpvsInfo& info, const director::IpvsTable& table);

}  // namespace lvsd::cli
