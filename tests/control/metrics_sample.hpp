#pragma once
// A status with a sample in every metric family: a MASTER and a BACKUP
// instance, two virtual servers (one not in the kernel), real servers up,
// down and unknown, two checks of one real server, traffic, reloads of both
// results. Shared by the metrics tests (exposition, promtool, dashboard).
#include "control/status.hpp"

namespace lvsd::control::test_support {

inline StatusSnapshot metrics_sample() {
  StatusSnapshot s{.version = "0.1.0", .pid = 1, .generated_unix_ms = 2'000'000, .started_unix_ms = 1'500'000};
  s.vrrp_instances.push_back(VrrpInstanceStatus{.name = "VI_1", .state = "MASTER", .priority = 150,
                                                .last_transition_unix_ms = 1'600'000, .transitions = 3,
                                                .adverts_sent = 100, .adverts_received = 2,
                                                .adverts_dropped = {{"bad_checksum", 4}, {"wrong_vrid", 1}}});
  s.vrrp_instances.push_back(VrrpInstanceStatus{.name = "VI_2", .state = "BACKUP", .priority = 50});
  VirtualServerStatus vs{.key = "TCP 10.0.0.1:80", .in_kernel = true,
                         .traffic = {.connections = 50, .in_packets = 500, .out_packets = 0, .in_bytes = 60000,
                                     .out_bytes = 0}};
  RealServerStatus up{.address = "10.0.0.2:80", .current_weight = 3, .active_connections = 7,
                      .inactive_connections = 2, .health = "up",
                      .check_results = {{"success", 10}, {"failure", 2}},
                      .traffic = {.connections = 30, .in_packets = 300, .out_packets = 0, .in_bytes = 36000,
                                  .out_bytes = 0}};
  up.check_durations["HTTP_GET"].observe(0.002);
  up.check_durations["HTTP_GET"].observe(0.2);
  up.check_durations["TCP_CHECK"].observe(0.0004);
  vs.real_servers.push_back(up);
  RealServerStatus down{.address = "10.0.0.3:80", .health = "down", .check_results = {{"failure", 5}}};
  down.check_durations["HTTP_GET"].observe(5.001);  // a connect timeout
  vs.real_servers.push_back(down);
  s.virtual_servers.push_back(vs);
  VirtualServerStatus fwm{.key = "FWM 5", .in_kernel = false};
  fwm.real_servers.push_back(RealServerStatus{.address = "10.0.0.4:0", .health = "unknown"});
  s.virtual_servers.push_back(fwm);
  s.counters = {.reconciles = 9, .reconcile_operations = 4, .reconcile_errors = 1, .reloads_succeeded = 2,
                .reloads_failed = 1, .last_reload_unix_ms = 1'800'000, .last_failed_reload_unix_ms = 1'900'000};
  s.scale_out = ScaleOutStatus{.table = 200, .node_drained = false, .node_drained_since_unix_ms = 0,
                               .announcements = {{.vip = "10.0.0.1", .announced = true, .reason = "serving",
                                                  .since_unix_ms = 1'700'000, .transitions = 1, .services = {}}}};
  return s;
}

}  // namespace lvsd::control::test_support
