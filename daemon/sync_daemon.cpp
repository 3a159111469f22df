#include "daemon/sync_daemon.hpp"

#include <algorithm>

#include "daemon/desired_state.hpp"

namespace lvsd::daemon {

namespace {

// Kernel defaults (linux/ip_vs.h, net/netfilter/ipvs/ip_vs_sync.c): port
// 8848, TTL 1, group 224.0.0.81 (ff02::8848 for IPv6). A reported value equal
// to the default matches an unset one.
constexpr std::uint16_t kDefaultPort = 8848;
constexpr std::uint8_t kDefaultTtl = 1;

std::uint16_t effective_port(const director::SyncDaemon& d) { return d.port == 0 ? kDefaultPort : d.port; }
std::uint8_t effective_ttl(const director::SyncDaemon& d) { return d.ttl == 0 ? kDefaultTtl : d.ttl; }

}  // namespace

std::vector<director::SyncDaemon> wanted_sync_daemons(const conf::Config& config,
                                                     std::optional<director::SyncDaemonRole> followed_role) {
  std::vector<director::SyncDaemon> out;
  if (!config.global.lvs_sync_daemon) return out;
  const conf::LvsSyncDaemon& s = *config.global.lvs_sync_daemon;
  director::SyncDaemon base;
  base.interface = s.interface;
  base.sync_id = s.sync_id;
  base.max_payload = s.maxlen.value_or(0);
  if (s.group) base.group = *s.group;
  base.port = s.port;
  base.ttl = s.ttl;

  std::vector<director::SyncDaemonRole> roles = {director::SyncDaemonRole::kMaster,
                                                 director::SyncDaemonRole::kBackup};
  if (s.vrrp_instance) {
    auto it = std::find_if(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                           [&](const conf::VrrpInstance& i) { return i.name == *s.vrrp_instance; });
    if (followed_role) {
      roles = {*followed_role};
    } else if (it != config.vrrp_instances.end()) {
      roles = {it->state == conf::VrrpState::kMaster ? director::SyncDaemonRole::kMaster
                                                     : director::SyncDaemonRole::kBackup};
    }
  }
  for (auto role : roles) {
    director::SyncDaemon d = base;
    d.role = role;
    out.push_back(d);
  }
  return out;
}

bool same_sync_daemon(const director::SyncDaemon& a, const director::SyncDaemon& b) {
  const bool same_payload = a.max_payload == 0 || b.max_payload == 0 || a.max_payload == b.max_payload;
  const bool same_group = !a.group || !b.group || *a.group == *b.group;
  return a.role == b.role && a.interface == b.interface && a.sync_id == b.sync_id && same_payload && same_group &&
         effective_port(a) == effective_port(b) && effective_ttl(a) == effective_ttl(b);
}

SyncDaemonPlan plan_sync_daemons(const std::vector<director::SyncDaemon>& running,
                                 const std::vector<director::SyncDaemon>& wanted) {
  SyncDaemonPlan plan;
  for (auto role : {director::SyncDaemonRole::kMaster, director::SyncDaemonRole::kBackup}) {
    auto has_role = [role](const director::SyncDaemon& d) { return d.role == role; };
    auto r = std::find_if(running.begin(), running.end(), has_role);
    auto w = std::find_if(wanted.begin(), wanted.end(), has_role);
    const bool is_running = r != running.end(), is_wanted = w != wanted.end();
    if (is_running && is_wanted && same_sync_daemon(*r, *w)) continue;
    if (is_running) plan.stop.push_back(role);
    if (is_wanted) plan.start.push_back(*w);
  }
  return plan;
}

}  // namespace lvsd::daemon
