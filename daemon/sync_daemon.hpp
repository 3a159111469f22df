#pragma once
// global.lvs_sync_daemon -> the IPVS connection-sync daemons this node runs.
// A sync daemon that follows a VRRP instance runs in that instance's current
// role: master while it is MASTER, backup otherwise (BACKUP, FAULT, not
// started), so established connections survive a failover. Without a known
// role (no VRRP running) it takes the instance's configured state. One that
// follows no instance runs both roles, which is safe on an active/backup pair
// (only the node holding the VIP has connections to send).
#include <optional>
#include <vector>

#include "conf/config.hpp"
#include "core/result.hpp"
#include "director/types.hpp"

namespace lvsd::daemon {

// `followed_role`: the role of the followed instance now (MASTER: kMaster,
// anything else: kBackup); nullopt: use its configured state.
std::vector<director::SyncDaemon> wanted_sync_daemons(
    const conf::Config& config, std::optional<director::SyncDaemonRole> followed_role = std::nullopt);

// What to stop and start so that `running` becomes `wanted`. A daemon whose
// settings are unchanged is left running (a restart of lvsd does not
// interrupt connection sync).
struct SyncDaemonPlan {
  std::vector<director::SyncDaemonRole> stop;
  std::vector<director::SyncDaemon> start;
};
SyncDaemonPlan plan_sync_daemons(const std::vector<director::SyncDaemon>& running,
                                 const std::vector<director::SyncDaemon>& wanted);

// Two daemons are the same when every setting the kernel reports matches,
// counting an unset optional setting (0 / no group) as the kernel default.
bool same_sync_daemon(const director::SyncDaemon& a, const director::SyncDaemon& b);

}  // namespace lvsd::daemon
