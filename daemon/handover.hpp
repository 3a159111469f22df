#pragma once
// Hitless restart: lvsd re-executes its own binary in place (same pid, so
// systemd keeps tracking it and an upgraded binary takes over) and hands
// the new image what it cannot learn from the kernel by itself.
//
// What the new image learns by itself: the IPVS table (it adopts what the
// kernel holds, writing nothing when it matches) and the real servers'
// health (what is in the kernel stays until its checks decide). What it
// cannot learn: which VRRP instances were MASTER. Without that it would
// start as BACKUP, remove its VIPs and let the peer take over. So the old
// image writes the names of its master instances to a file, and the new one
// resumes them as master, advertising at once, before the peer's
// Master_Down_Interval runs out. The file also carries the VRRP part of the
// configuration the old image ran, so the new one advertises from it while it
// reads the (possibly large) configuration file off the loop.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace lvsd::daemon {

// An operator's drain in progress or done (lvsctl drain), by name as
// lvsctl writes them: "TCP 10.0.0.1:80", "10.0.0.2:80".
struct HandoverDrain {
  std::string virtual_server;
  std::string real_server;
  std::int64_t deadline_unix_ms = 0;  // 0: no timeout
  bool drained = false;               // finished: out of the table
  bool operator==(const HandoverDrain&) const = default;
};

struct HandoverState {
  pid_t pid = 0;                          // the process that wrote it (a re-exec keeps its pid)
  std::int64_t written_at_ms = 0;         // CLOCK_REALTIME, ms
  std::vector<std::string> master_instances;  // VRRP instances that were MASTER
  std::int64_t started_at_ms = 0;         // when the first image started (lvsctl status "up")
  // The operator's overrides, which the kernel alone cannot tell apart from
  // health decisions.
  std::vector<std::string> disabled_virtual_servers{};
  std::vector<HandoverDrain> drains{};
  // The VRRP part of the running configuration (conf::to_yaml of the global
  // settings, vrrp_scripts, vrrp_instances and sync groups); empty from an
  // older image.
  std::string vrrp_config{};
  // Scale-out: the node was drained (lvsctl drain-node); stays so.
  bool node_drained = false;
  bool operator==(const HandoverState&) const = default;
};

std::string encode_handover(const HandoverState& state);
core::Result<HandoverState> decode_handover(std::string_view text);

// A handover is honoured only if the same process wrote it (a re-exec keeps
// its pid) and recently: a file left by an earlier crashed lvsd, whose pid
// has been reused, must not make a node claim mastership.
bool handover_applies(const HandoverState& state, pid_t self, std::int64_t now_ms,
                      std::chrono::milliseconds max_age = std::chrono::seconds(30));

// Writes the file (mode 0600, atomically through a temporary name).
core::Status write_handover(const std::string& path, const HandoverState& state);
// Reads and removes the file; an error if it is missing or malformed.
core::Result<HandoverState> take_handover(const std::string& path);

// Replaces this process image with /proc/self/exe, argv as given plus
// `--handover PATH`. Returns only on failure (the caller keeps running).
core::Status reexec_with_handover(const std::vector<std::string>& argv, const std::string& handover_path);

}  // namespace lvsd::daemon
