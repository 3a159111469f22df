#include "conf/keepalived_keywords.hpp"

#include <algorithm>
#include <array>

namespace lvsd::conf {
namespace {

constexpr auto kImplemented = KaSupport::kImplemented;
constexpr auto kNotImplemented = KaSupport::kNotImplemented;

// Ignored keywords, by the reason they change nothing lvsd does.
constexpr std::string_view kMailReason = "lvsd sends no mail (it logs, and runs notify scripts)";
constexpr std::string_view kNoUseReason = "lvsd has no use for it";
constexpr std::string_view kLoggingReason = "it only changes keepalived's logging";
constexpr std::string_view kProcessReason =
    "it tunes keepalived's child processes; lvsd is one process (set its scheduling in the systemd unit)";
constexpr std::string_view kSnmpReason = "lvsd has no SNMP agent (it exports Prometheus metrics)";
constexpr std::string_view kBufferReason = "lvsd sizes its own netlink socket buffers";

struct Ignored {
  std::string_view reason;
};
constexpr Ignored kMail{kMailReason};
constexpr Ignored kNoUse{kNoUseReason};
constexpr Ignored kLogging{kLoggingReason};
constexpr Ignored kProcessTuning{kProcessReason};
constexpr Ignored kSnmp{kSnmpReason};
constexpr Ignored kSocketBuffers{kBufferReason};
constexpr Ignored kKeepalivedIgnores{
    "it asks for IPVS's 'hashed' service flag, which the kernel keeps for itself and ignores from user space"};

// A keyword not implemented yet, with what lvsd does instead or why not.
struct NotYet {
  std::string_view reason;
};

struct Row {
  KaBlock block;
  std::string_view name;
  KaSupport support;
  std::string_view reason;
  constexpr Row(KaBlock b, std::string_view n, KaSupport s) : block(b), name(n), support(s), reason() {}
  constexpr Row(KaBlock b, std::string_view n, NotYet r)
      : block(b), name(n), support(KaSupport::kNotImplemented), reason(r.reason) {}
  constexpr Row(KaBlock b, std::string_view n, Ignored i)
      : block(b), name(n), support(KaSupport::kIgnored), reason(i.reason) {}
};

// Sorted by block, then name (as keepalived -t listed them).
constexpr Row kRows[] = {
    // top level
    {KaBlock::kTop, "SSL", kNotImplemented},
    {KaBlock::kTop, "bfd_instance", kNotImplemented},
    {KaBlock::kTop, "child_wait_time", kNotImplemented},
    {KaBlock::kTop, "garp_group", kNotImplemented},
    {KaBlock::kTop, "global_defs", kImplemented},
    {KaBlock::kTop, "instance", kNotImplemented},
    {KaBlock::kTop, "interface_up_down_delays", kNotImplemented},
    {KaBlock::kTop, "linkbeat_interfaces", kNotImplemented},
    {KaBlock::kTop, "linkbeat_use_polling", kNotImplemented},
    {KaBlock::kTop, "namespace_with_ipsets", kNotImplemented},
    {KaBlock::kTop, "net_namespace", kNotImplemented},
    {KaBlock::kTop, "net_namespace_ipvs", kNotImplemented},
    {KaBlock::kTop, "static_ipaddress", kNotImplemented},
    {KaBlock::kTop, "static_routes", kNotImplemented},
    {KaBlock::kTop, "static_rules", kNotImplemented},
    {KaBlock::kTop, "track_file", kNotImplemented},
    {KaBlock::kTop, "track_group", kNotImplemented},
    {KaBlock::kTop, "use_pid_dir", kNotImplemented},
    {KaBlock::kTop, "virtual_server", kImplemented},
    {KaBlock::kTop, "virtual_server_group", kImplemented},
    {KaBlock::kTop, "vrrp_instance", kImplemented},
    {KaBlock::kTop, "vrrp_script", kImplemented},
    {KaBlock::kTop, "vrrp_sync_group", kImplemented},
    {KaBlock::kTop, "vrrp_track_file", kNotImplemented},
    {KaBlock::kTop, "vrrp_track_process", kNotImplemented},
    // global_defs
    {KaBlock::kGlobalDefs, "bfd_cpu_affinity", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_no_swap", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_rlimit_rtime", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_rlimit_rttime", kProcessTuning},
    {KaBlock::kGlobalDefs, "bfd_rt_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_cpu_affinity", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_log_all_failures", kLogging},
    {KaBlock::kGlobalDefs, "checker_no_swap", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_rlimit_rtime", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_rlimit_rttime", kProcessTuning},
    {KaBlock::kGlobalDefs, "checker_rt_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "config_save_dir", kNotImplemented},
    {KaBlock::kGlobalDefs, "data_use_instance", kNotImplemented},
    {KaBlock::kGlobalDefs, "dbus_service_name", kNotImplemented},
    {KaBlock::kGlobalDefs, "default_interface", kNotImplemented},
    {KaBlock::kGlobalDefs, "disable_local_igmp", kNotImplemented},
    {KaBlock::kGlobalDefs, "dynamic_interfaces", kNotImplemented},
    {KaBlock::kGlobalDefs, "enable_dbus", kNotImplemented},
    {KaBlock::kGlobalDefs, "enable_script_security", kImplemented},
    {KaBlock::kGlobalDefs, "enable_snmp_checker", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_keepalived", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfc", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfcv2", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfcv3", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_vrrp", kSnmp},
    {KaBlock::kGlobalDefs, "enable_traps", kSnmp},
    {KaBlock::kGlobalDefs, "fifo_write_vrrp_states_on_reload", kNotImplemented},
    {KaBlock::kGlobalDefs, "include_check", kNotImplemented},
    {KaBlock::kGlobalDefs, "log_unknown_vrids", kNotImplemented},
    {KaBlock::kGlobalDefs, "lvs_flush", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_flush_on_stop", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_flush_onstop", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_notify_fifo", kNotImplemented},
    {KaBlock::kGlobalDefs, "lvs_notify_fifo_script", kNotImplemented},
    {KaBlock::kGlobalDefs, "lvs_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "lvs_sync_daemon", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_timeouts", kNotImplemented},
    {KaBlock::kGlobalDefs, "max_auto_priority", kNotImplemented},
    {KaBlock::kGlobalDefs, "min_auto_priority_delay", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_counters", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_ifindex", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_ipvs", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_ipvs_priority", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_ipvs_start_fwmark", kNotImplemented},
    {KaBlock::kGlobalDefs, "nftables_priority", kNotImplemented},
    {KaBlock::kGlobalDefs, "no_checker_emails", kMail},
    {KaBlock::kGlobalDefs, "no_email_faults", kMail},
    {KaBlock::kGlobalDefs, "notification_email", kMail},
    {KaBlock::kGlobalDefs, "notification_email_from", kMail},
    {KaBlock::kGlobalDefs, "notify_fifo", kNotImplemented},
    {KaBlock::kGlobalDefs, "notify_fifo_script", kNotImplemented},
    {KaBlock::kGlobalDefs, "process_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "process_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "process_names", kProcessTuning},
    {KaBlock::kGlobalDefs, "random_seed", kNotImplemented},
    {KaBlock::kGlobalDefs, "reload_check_config", kNotImplemented},
    {KaBlock::kGlobalDefs, "reload_file", kNotImplemented},
    {KaBlock::kGlobalDefs, "reload_repeat", kNotImplemented},
    {KaBlock::kGlobalDefs, "reload_time_file", kNotImplemented},
    {KaBlock::kGlobalDefs, "router_id", kImplemented},
    {KaBlock::kGlobalDefs, "rs_init_notifies", kNotImplemented},
    {KaBlock::kGlobalDefs, "script_user", kImplemented},
    {KaBlock::kGlobalDefs, "shutdown_script", kNotImplemented},
    {KaBlock::kGlobalDefs, "shutdown_script_timeout", kNotImplemented},
    {KaBlock::kGlobalDefs, "smtp_alert", kMail},
    {KaBlock::kGlobalDefs, "smtp_alert_checker", kMail},
    {KaBlock::kGlobalDefs, "smtp_alert_vrrp", kMail},
    {KaBlock::kGlobalDefs, "smtp_connect_timeout", kMail},
    {KaBlock::kGlobalDefs, "smtp_helo_name", kMail},
    {KaBlock::kGlobalDefs, "smtp_server", kMail},
    {KaBlock::kGlobalDefs, "snmp_socket", kSnmp},
    {KaBlock::kGlobalDefs, "startup_script", kNotImplemented},
    {KaBlock::kGlobalDefs, "startup_script_timeout", kNotImplemented},
    {KaBlock::kGlobalDefs, "tmp_config_directory", kNotImplemented},
    {KaBlock::kGlobalDefs, "umask", kNotImplemented},
    {KaBlock::kGlobalDefs, "vmac_addr_prefix", kNotImplemented},
    {KaBlock::kGlobalDefs, "vmac_prefix", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_check_unicast_src", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_cpu_affinity", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_down_timer_adverts", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_extra_if", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_interval", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_garp_lower_prio_delay", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_lower_prio_repeat", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_delay", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_refresh", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_refresh_repeat", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_repeat", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_gna_interval", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_higher_prio_send_advert", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_iptables", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_lower_prio_no_advert", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_mcast_group4", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_mcast_group6", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_min_garp", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_no_swap", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_notify_fifo", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_notify_fifo_script", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_notify_priority_changes", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rlimit_rtime", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rlimit_rttime", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rt_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rx_bufs_multiplier", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_rx_bufs_policy", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_skip_check_adv_addr", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_startup_delay", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_strict", kNotImplemented},
    {KaBlock::kGlobalDefs, "vrrp_version", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_vmac_garp_intvl", kNotImplemented},
    // vrrp_instance
    {KaBlock::kVrrpScript, "script", kImplemented},
    {KaBlock::kVrrpScript, "interval", kImplemented},
    {KaBlock::kVrrpScript, "timeout", kImplemented},
    {KaBlock::kVrrpScript, "weight", kImplemented},
    {KaBlock::kVrrpScript, "rise", kImplemented},
    {KaBlock::kVrrpScript, "fall", kImplemented},
    {KaBlock::kVrrpScript, "user", kImplemented},
    {KaBlock::kVrrpScript, "init_fail", kImplemented},
    {KaBlock::kVrrpInstance, "accept", kNotImplemented},
    {KaBlock::kVrrpInstance, "advert_int", kImplemented},
    {KaBlock::kVrrpInstance, "authentication", kImplemented},
    {KaBlock::kVrrpInstance, "check_unicast_src", kImplemented},
    {KaBlock::kVrrpInstance, "debug", kLogging},
    {KaBlock::kVrrpInstance, "dont_track_primary", kNotImplemented},
    {KaBlock::kVrrpInstance, "down_timer_adverts", kNotImplemented},
    {KaBlock::kVrrpInstance, "garp_extra_if", kNotImplemented},
    {KaBlock::kVrrpInstance, "garp_lower_prio_delay", kNotImplemented},
    {KaBlock::kVrrpInstance, "garp_lower_prio_repeat", kNotImplemented},
    {KaBlock::kVrrpInstance, "garp_master_delay", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_refresh", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_refresh_repeat", kNotImplemented},
    {KaBlock::kVrrpInstance, "garp_master_repeat", kImplemented},
    {KaBlock::kVrrpInstance, "higher_prio_send_advert", kNotImplemented},
    {KaBlock::kVrrpInstance, "interface", kImplemented},
    {KaBlock::kVrrpInstance, "kernel_rx_buf_size", kNotImplemented},
    {KaBlock::kVrrpInstance, "linkbeat_use_polling", kNotImplemented},
    {KaBlock::kVrrpInstance, "lower_prio_no_advert", kNotImplemented},
    {KaBlock::kVrrpInstance, "lvs_sync_daemon_interface", kNotImplemented},
    {KaBlock::kVrrpInstance, "mcast_dst_ip", kNotImplemented},
    {KaBlock::kVrrpInstance, "mcast_src_ip", kNotImplemented},
    {KaBlock::kVrrpInstance, "native_ipv6", kNotImplemented},
    {KaBlock::kVrrpInstance, "no_accept", kNotImplemented},
    {KaBlock::kVrrpInstance, "nopreempt", kImplemented},
    {KaBlock::kVrrpInstance, "notify", kNotImplemented},
    {KaBlock::kVrrpInstance, "notify_backup", kImplemented},
    {KaBlock::kVrrpInstance, "notify_deleted", kNotImplemented},
    {KaBlock::kVrrpInstance, "notify_fault", kImplemented},
    {KaBlock::kVrrpInstance, "notify_master", kImplemented},
    {KaBlock::kVrrpInstance, "notify_master_rx_lower_pri", kNotImplemented},
    {KaBlock::kVrrpInstance, "notify_priority_changes", kNotImplemented},
    {KaBlock::kVrrpInstance, "notify_stop", kImplemented},
    {KaBlock::kVrrpInstance, "old_unicast_checksum", kNotImplemented},
    {KaBlock::kVrrpInstance, "preempt", kNotImplemented},
    {KaBlock::kVrrpInstance, "preempt_delay", kImplemented},
    {KaBlock::kVrrpInstance, "priority", kImplemented},
    {KaBlock::kVrrpInstance, "promote_secondaries", kNotImplemented},
    {KaBlock::kVrrpInstance, "skip_check_adv_addr", kNotImplemented},
    {KaBlock::kVrrpInstance, "smtp_alert", kMail},
    {KaBlock::kVrrpInstance, "state", kImplemented},
    {KaBlock::kVrrpInstance, "strict_mode", kNotImplemented},
    {KaBlock::kVrrpInstance, "track_bfd", kNotImplemented},
    {KaBlock::kVrrpInstance, "track_file", kNotImplemented},
    {KaBlock::kVrrpInstance, "track_interface", kImplemented},
    {KaBlock::kVrrpInstance, "track_process", kNotImplemented},
    {KaBlock::kVrrpInstance, "track_script", kImplemented},
    {KaBlock::kVrrpInstance, "track_src_ip", kNotImplemented},
    {KaBlock::kVrrpInstance, "unicast_fault_no_peer", kNotImplemented},
    {KaBlock::kVrrpInstance, "unicast_peer", kImplemented},
    {KaBlock::kVrrpInstance, "unicast_src_ip", kImplemented},
    {KaBlock::kVrrpInstance, "unicast_ttl", kNotImplemented},
    {KaBlock::kVrrpInstance, "use_ipvlan", kNotImplemented},
    {KaBlock::kVrrpInstance, "use_vmac", kNotImplemented},
    {KaBlock::kVrrpInstance, "use_vmac_addr", kNotImplemented},
    {KaBlock::kVrrpInstance, "version", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_ipaddress", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_ipaddress_excluded", kNotImplemented},
    {KaBlock::kVrrpInstance, "virtual_router_id", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_routes", kNotImplemented},
    {KaBlock::kVrrpInstance, "virtual_rules", kNotImplemented},
    {KaBlock::kVrrpInstance, "vmac_garp_intvl", kNotImplemented},
    {KaBlock::kVrrpInstance, "vmac_xmit_base", kNotImplemented},
    {KaBlock::kVrrpInstance, "vrf", kNotImplemented},
    // authentication
    {KaBlock::kAuthentication, "auth_pass", kImplemented},
    {KaBlock::kAuthentication, "auth_type", kImplemented},
    // vrrp_sync_group
    {KaBlock::kVrrpSyncGroup, "global_tracking", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "group", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_backup", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_fault", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_master", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_priority_changes", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_stop", kImplemented},
    {KaBlock::kVrrpSyncGroup, "smtp_alert", kMail},
    {KaBlock::kVrrpSyncGroup, "sync_group_tracking_weight", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "track_bfd", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "track_file", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "track_interface", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "track_process", kNotImplemented},
    {KaBlock::kVrrpSyncGroup, "track_script", kNotImplemented},
    // virtual_server
    {KaBlock::kVirtualServer, "alpha", kImplemented},
    {KaBlock::kVirtualServer, "connect_timeout", kImplemented},
    {KaBlock::kVirtualServer, "delay_before_retry", kImplemented},
    {KaBlock::kVirtualServer, "delay_loop", kImplemented},
    {KaBlock::kVirtualServer, "flag-1", kImplemented},
    {KaBlock::kVirtualServer, "flag-2", kImplemented},
    {KaBlock::kVirtualServer, "flag-3", kImplemented},
    {KaBlock::kVirtualServer, "ha_suspend", kImplemented},
    {KaBlock::kVirtualServer, "hashed", kKeepalivedIgnores},
    {KaBlock::kVirtualServer, "hysteresis", kImplemented},
    {KaBlock::kVirtualServer, "inhibit_on_failure", kImplemented},
    {KaBlock::kVirtualServer, "ip_family", kImplemented},
    {KaBlock::kVirtualServer, "lb_algo", kImplemented},
    {KaBlock::kVirtualServer, "lb_kind", kImplemented},
    {KaBlock::kVirtualServer, "lvs_method", kImplemented},
    {KaBlock::kVirtualServer, "lvs_sched", kImplemented},
    {KaBlock::kVirtualServer, "mh-fallback", kImplemented},
    {KaBlock::kVirtualServer, "mh-port", kImplemented},
    {KaBlock::kVirtualServer, "omega", NotYet{"it makes keepalived run quorum_down and notify_down scripts at "
                                               "shutdown; lvsd runs notify_down only when a check fails"}},
    {KaBlock::kVirtualServer, "ops", kImplemented},
    {KaBlock::kVirtualServer, "persistence_engine", kImplemented},
    {KaBlock::kVirtualServer, "persistence_granularity", kImplemented},
    {KaBlock::kVirtualServer, "persistence_timeout", kImplemented},
    {KaBlock::kVirtualServer, "protocol", kImplemented},
    {KaBlock::kVirtualServer, "quorum", kImplemented},
    {KaBlock::kVirtualServer, "quorum_down", NotYet{"lvsd runs no script when the quorum changes yet (it logs the "
                                                     "change and switches the sorry server)"}},
    {KaBlock::kVirtualServer, "quorum_up", NotYet{"lvsd runs no script when the quorum changes yet (it logs the "
                                                   "change and switches the sorry server)"}},
    {KaBlock::kVirtualServer, "real_server", kImplemented},
    {KaBlock::kVirtualServer, "retry", kImplemented},
    {KaBlock::kVirtualServer, "sh-fallback", kImplemented},
    {KaBlock::kVirtualServer, "sh-port", kImplemented},
    {KaBlock::kVirtualServer, "smtp_alert", kMail},
    {KaBlock::kVirtualServer, "snmp_name", kSnmp},
    {KaBlock::kVirtualServer, "sorry_server", kImplemented},
    {KaBlock::kVirtualServer, "sorry_server_inhibit",
     NotYet{"lvsd removes the sorry server once the quorum is back; keeping it at weight 0 is not implemented"}},
    {KaBlock::kVirtualServer, "sorry_server_lvs_method",
     NotYet{"lvsd's sorry server uses the virtual server's lb_kind; a method of its own is not implemented"}},
    {KaBlock::kVirtualServer, "virtualhost", kImplemented},
    {KaBlock::kVirtualServer, "warmup", NotYet{"lvsd spreads the first probes of the checks itself; a maximum "
                                                "delay of its own is not implemented"}},
    {KaBlock::kVirtualServer, "weight", NotYet{"a default weight for the real servers is not implemented; give each "
                                                "real_server its weight"}},
    // real_server
    {KaBlock::kRealServer, "BFD_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "DNS_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "FILE_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "HTTP_GET", kImplemented},
    {KaBlock::kRealServer, "MISC_CHECK", kImplemented},
    {KaBlock::kRealServer, "PING_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "SMTP_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "SSL_GET", kImplemented},
    {KaBlock::kRealServer, "TCP_CHECK", kImplemented},
    {KaBlock::kRealServer, "UDP_CHECK", kNotImplemented},
    {KaBlock::kRealServer, "alpha", NotYet{"alpha per real server is not implemented; lvsd has the virtual "
                                            "server's alpha (YAML start_up)"}},
    {KaBlock::kRealServer, "connect_timeout", kImplemented},
    {KaBlock::kRealServer, "delay_before_retry", kImplemented},
    {KaBlock::kRealServer, "delay_loop", kImplemented},
    {KaBlock::kRealServer, "inhibit_on_failure", kImplemented},
    {KaBlock::kRealServer, "lthreshold", kImplemented},
    {KaBlock::kRealServer, "lvs_method", NotYet{"a forwarding method per real server is not implemented; lvsd uses "
                                                 "the virtual server's lb_kind for all"}},
    {KaBlock::kRealServer, "notify_down", kImplemented},
    {KaBlock::kRealServer, "notify_up", kImplemented},
    {KaBlock::kRealServer, "retry", kImplemented},
    {KaBlock::kRealServer, "smtp_alert", kMail},
    {KaBlock::kRealServer, "snmp_name", kSnmp},
    {KaBlock::kRealServer, "uthreshold", kImplemented},
    {KaBlock::kRealServer, "virtualhost", NotYet{"a Host header per real server is not implemented; set virtualhost "
                                                  "in its HTTP_GET/SSL_GET or in the virtual server"}},
    {KaBlock::kRealServer, "warmup", NotYet{"lvsd spreads the first probes of the checks itself; a maximum delay "
                                             "of its own is not implemented"}},
    {KaBlock::kRealServer, "weight", kImplemented},
    // TCP_CHECK
    {KaBlock::kTcpCheck, "alpha", kNotImplemented},
    {KaBlock::kTcpCheck, "bind_if", kNotImplemented},
    {KaBlock::kTcpCheck, "bind_port", kNotImplemented},
    {KaBlock::kTcpCheck, "bindto", kNotImplemented},
    {KaBlock::kTcpCheck, "connect_ip", kImplemented},
    {KaBlock::kTcpCheck, "connect_port", kImplemented},
    {KaBlock::kTcpCheck, "connect_timeout", kImplemented},
    {KaBlock::kTcpCheck, "delay_before_retry", kImplemented},
    {KaBlock::kTcpCheck, "delay_loop", kImplemented},
    {KaBlock::kTcpCheck, "fwmark", kNotImplemented},
    {KaBlock::kTcpCheck, "log_all_failures", kLogging},
    {KaBlock::kTcpCheck, "retry", kImplemented},
    {KaBlock::kTcpCheck, "warmup", kNotImplemented},
    // HTTP_GET
    {KaBlock::kHttpGet, "alpha", kNotImplemented},
    {KaBlock::kHttpGet, "bind_if", kNotImplemented},
    {KaBlock::kHttpGet, "bind_port", kNotImplemented},
    {KaBlock::kHttpGet, "bindto", kNotImplemented},
    {KaBlock::kHttpGet, "connect_ip", kImplemented},
    {KaBlock::kHttpGet, "connect_port", kImplemented},
    {KaBlock::kHttpGet, "connect_timeout", kImplemented},
    {KaBlock::kHttpGet, "delay_before_retry", kImplemented},
    {KaBlock::kHttpGet, "delay_loop", kImplemented},
    {KaBlock::kHttpGet, "enable_sni", kNotImplemented},
    {KaBlock::kHttpGet, "fast_recovery", kNotImplemented},
    {KaBlock::kHttpGet, "fwmark", kNotImplemented},
    {KaBlock::kHttpGet, "http_protocol", kNotImplemented},
    {KaBlock::kHttpGet, "log_all_failures", kLogging},
    {KaBlock::kHttpGet, "nb_get_retry", kImplemented},
    {KaBlock::kHttpGet, "retry", kImplemented},
    {KaBlock::kHttpGet, "url", kImplemented},
    {KaBlock::kHttpGet, "virtualhost", kImplemented},
    {KaBlock::kHttpGet, "warmup", kNotImplemented},
    // SSL_GET
    {KaBlock::kSslGet, "alpha", kNotImplemented},
    {KaBlock::kSslGet, "bind_if", kNotImplemented},
    {KaBlock::kSslGet, "bind_port", kNotImplemented},
    {KaBlock::kSslGet, "bindto", kNotImplemented},
    {KaBlock::kSslGet, "connect_ip", kImplemented},
    {KaBlock::kSslGet, "connect_port", kImplemented},
    {KaBlock::kSslGet, "connect_timeout", kImplemented},
    {KaBlock::kSslGet, "delay_before_retry", kImplemented},
    {KaBlock::kSslGet, "delay_loop", kImplemented},
    {KaBlock::kSslGet, "enable_sni", kNotImplemented},
    {KaBlock::kSslGet, "fast_recovery", kNotImplemented},
    {KaBlock::kSslGet, "fwmark", kNotImplemented},
    {KaBlock::kSslGet, "http_protocol", kNotImplemented},
    {KaBlock::kSslGet, "log_all_failures", kLogging},
    {KaBlock::kSslGet, "nb_get_retry", kImplemented},
    {KaBlock::kSslGet, "retry", kImplemented},
    {KaBlock::kSslGet, "url", kImplemented},
    {KaBlock::kSslGet, "virtualhost", kImplemented},
    {KaBlock::kSslGet, "warmup", kNotImplemented},
    // url
    {KaBlock::kUrl, "digest", kImplemented},
    {KaBlock::kUrl, "path", kImplemented},
    {KaBlock::kUrl, "regex", kNotImplemented},
    {KaBlock::kUrl, "regex_max_offset", kNotImplemented},
    {KaBlock::kUrl, "regex_min_offset", kNotImplemented},
    {KaBlock::kUrl, "regex_no_match", kNotImplemented},
    {KaBlock::kUrl, "regex_options", kNotImplemented},
    {KaBlock::kUrl, "regex_stack", kNotImplemented},
    {KaBlock::kUrl, "status_code", kImplemented},
    {KaBlock::kUrl, "virtualhost", kNotImplemented},
    // MISC_CHECK
    {KaBlock::kMiscCheck, "alpha", kNotImplemented},
    {KaBlock::kMiscCheck, "delay_before_retry", kImplemented},
    {KaBlock::kMiscCheck, "delay_loop", kImplemented},
    {KaBlock::kMiscCheck, "log_all_failures", kLogging},
    {KaBlock::kMiscCheck, "misc_dynamic", kImplemented},
    {KaBlock::kMiscCheck, "misc_path", kImplemented},
    {KaBlock::kMiscCheck, "misc_timeout", kImplemented},
    {KaBlock::kMiscCheck, "retry", kImplemented},
    {KaBlock::kMiscCheck, "user", kImplemented},
    {KaBlock::kMiscCheck, "warmup", kNotImplemented},
};

constexpr auto kKeywords = [] {
  std::array<KaKeyword, std::size(kRows)> out{};
  for (std::size_t i = 0; i < std::size(kRows); ++i)
    out[i] = KaKeyword{.block = kRows[i].block, .name = kRows[i].name, .support = kRows[i].support,
                       .reason = kRows[i].reason};
  return out;
}();

}  // namespace

std::span<const KaKeyword> keepalived_keywords() { return kKeywords; }

const KaKeyword* find_keepalived_keyword(KaBlock block, std::string_view name) {
  auto it = std::find_if(kKeywords.begin(), kKeywords.end(),
                         [&](const KaKeyword& k) { return k.block == block && k.name == name; });
  return it == kKeywords.end() ? nullptr : &*it;
}

std::string_view to_string(KaBlock block) {
  switch (block) {
    case KaBlock::kTop: return "top level";
    case KaBlock::kGlobalDefs: return "global_defs";
    case KaBlock::kVrrpInstance: return "vrrp_instance";
    case KaBlock::kAuthentication: return "authentication";
    case KaBlock::kVrrpSyncGroup: return "vrrp_sync_group";
    case KaBlock::kVirtualServer: return "virtual_server";
    case KaBlock::kRealServer: return "real_server";
    case KaBlock::kTcpCheck: return "TCP_CHECK";
    case KaBlock::kHttpGet: return "HTTP_GET";
    case KaBlock::kSslGet: return "SSL_GET";
    case KaBlock::kUrl: return "url";
    case KaBlock::kMiscCheck: return "MISC_CHECK";
    case KaBlock::kVrrpScript: return "vrrp_script";
  }
  return "?";
}

}  // namespace lvsd::conf
