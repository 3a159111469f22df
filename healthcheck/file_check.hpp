#pragma once
// keepalived's FILE_CHECK (pure): a track_file's number moves a real
// server's weight, or takes it down. The rules of keepalived 2.2.7, as
// measured with ipvsadm (docs/config.md, "FILE_CHECK"):
//   - weight 0: the server is down while the file holds anything but 0
//     (reverse: while it holds 0), and its weight does not change;
//   - otherwise number * weight (reverse: negated) is added to the server's
//     weight; a product of -2^31 or less takes it down (keepalived's
//     IPVS_WEIGHT_FAULT); the sum of a server's checks and its weight is
//     held within 0..2^31-1 (a server at 0 stays in the table);
//   - a missing file, or one that holds no number, holds 0.
#include <cstdint>

namespace lvsd::healthcheck {

struct FileCheckRule {
  int weight = 1;  // the FILE_CHECK's own weight, else its track_file's
  bool reverse = false;
};

struct FileCheckVerdict {
  bool up = true;
  std::int64_t weight = 0;  // added to the server's weight while up

  bool operator==(const FileCheckVerdict&) const = default;
};

FileCheckVerdict file_check_verdict(const FileCheckRule& rule, long value);

// The server's weight in IPVS: `weight` (configured, or misc_dynamic's)
// plus its FILE_CHECKs' sum, held within 0..2^31-1.
std::int32_t file_checked_weight(std::int64_t weight, std::int64_t file_sum);

}  // namespace lvsd::healthcheck
