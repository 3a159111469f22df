#pragma once
// The keywords keepalived 2.2.7 knows, block by block, and what lvsd does with
// each: implements it, ignores it (with the reason a warning gives), or does
// not implement it yet (the import refuses the file). A word that is in none
// of these lists is not a keepalived keyword at all: keepalived 2.2.7 warns
// and skips it, and so does the import, unless it is a near-miss of a real
// keyword (a typo is refused with "did you mean").
//
// The lists were taken from keepalived 2.2.7 itself: every candidate word was
// put in each block of a test file and kept when `keepalived -t` did not
// report it as "Unknown keyword".
#include <span>
#include <string_view>

namespace lvsd::conf {

enum class KaBlock {
  kTop,
  kGlobalDefs,
  kVrrpScript,
  kVrrpInstance,
  kAuthentication,
  kVrrpSyncGroup,
  kVirtualServer,
  kRealServer,
  kTcpCheck,
  kHttpGet,
  kSslGet,
  kUrl,
  kMiscCheck,
  kTrackFile,
  kPingCheck,
  kUdpCheck,
  kDnsCheck,
  kSmtpCheck,
  kTrackProcess,
  kFileCheck,
};

enum class KaSupport { kImplemented, kIgnored, kNotImplemented };

struct KaKeyword {
  KaBlock block;
  std::string_view name;
  KaSupport support;
  std::string_view reason;  // why it is ignored (kIgnored), or refused and what to do instead (kNotImplemented)
};

// Every keepalived 2.2.7 keyword of every block (lvsd's own extensions, such
// as slow_start or tun_type, are not in it).
std::span<const KaKeyword> keepalived_keywords();
// The keyword `name` of `block`, or nullptr when keepalived 2.2.7 has none.
const KaKeyword* find_keepalived_keyword(KaBlock block, std::string_view name);
// "global_defs", "TCP_CHECK", ... ("top level" for kTop).
std::string_view to_string(KaBlock block);

}  // namespace lvsd::conf
