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
constexpr std::string_view kFirewallReason =
    "it names or tunes keepalived's own firewall; lvsd keeps the no-accept drop rules (vrrp_strict, no_accept) in "
    "its own nftables tables 'ip lvsd' and 'ip6 lvsd' at hook priority filter - 1 (Debian's keepalived 2.2.7 has no "
    "iptables support and uses nftables for vrrp_iptables too)";

struct Ignored {
  std::string_view reason;
};
constexpr Ignored kMail{kMailReason};
constexpr Ignored kNoUse{kNoUseReason};
constexpr Ignored kLogging{kLoggingReason};
constexpr Ignored kProcessTuning{kProcessReason};
constexpr Ignored kSnmp{kSnmpReason};
constexpr Ignored kSocketBuffers{kBufferReason};
constexpr Ignored kFirewall{kFirewallReason};
constexpr Ignored kLinkEvents{"lvsd learns carrier changes from the kernel's netlink link events and never polls"};

// Not implemented, and why (what to do instead): the refusal says it.
struct Refused {
  std::string_view reason;
};

constexpr Ignored kFastRecovery{
    "lvsd checks every url of a check in one probe, back to back, which is what fast_recovery asks for "
    "(without it keepalived waits delay_loop between urls at start and after a recovery)"};
constexpr Refused kBfdCheck{
    "lvsd runs no BFD sessions (FRR's bfdd does BFD for the routing side); use PING_CHECK or TCP_CHECK"};
constexpr Ignored kKeepalivedIgnores{
    "it asks for IPVS's 'hashed' service flag, which the kernel keeps for itself and ignores from user space"};

struct Row {
  KaBlock block;
  std::string_view name;
  KaSupport support;
  std::string_view reason;
  constexpr Row(KaBlock b, std::string_view n, KaSupport s) : block(b), name(n), support(s), reason() {}
  constexpr Row(KaBlock b, std::string_view n, Ignored i)
      : block(b), name(n), support(KaSupport::kIgnored), reason(i.reason) {}
  constexpr Row(KaBlock b, std::string_view n, Refused r)
      : block(b), name(n), support(KaSupport::kNotImplemented), reason(r.reason) {}
};

// Sorted by block, then name (as keepalived -t listed them).
constexpr Row kRows[] = {
    // top level
    {KaBlock::kTop, "SSL", Refused{"lvsd's SSL_GET checks present no client certificate and, like keepalived without this block, do not verify the server's; a file that needs a client certificate keeps running under keepalived"}},
    {KaBlock::kTop, "bfd_instance", Refused{"lvsd runs no BFD of its own; run BFD in FRR's bfdd (docs/scale-out.md) and track it with a vrrp_script"}},
    {KaBlock::kTop, "child_wait_time", kProcessTuning},
    {KaBlock::kTop, "garp_group", Refused{"lvsd has no GARP groups: set garp_master_refresh and garp_master_repeat per instance"}},
    {KaBlock::kTop, "global_defs", kImplemented},
    {KaBlock::kTop, "instance", Refused{"it names one of several keepalived processes in a namespace; run lvsd units with their own -f and control socket instead"}},
    {KaBlock::kTop, "interface_up_down_delays", Refused{"lvsd has no per-interface up/down delays yet; a file that needs them keeps running under keepalived"}},
    {KaBlock::kTop, "linkbeat_interfaces", kLinkEvents},
    {KaBlock::kTop, "linkbeat_use_polling", kLinkEvents},
    {KaBlock::kTop, "namespace_with_ipsets", Refused{"lvsd does not switch network namespaces: run it in the namespace (ip netns exec, or the unit's NetworkNamespacePath=)"}},
    {KaBlock::kTop, "net_namespace", Refused{"lvsd does not switch network namespaces: run it in the namespace (ip netns exec, or the unit's NetworkNamespacePath=)"}},
    {KaBlock::kTop, "net_namespace_ipvs", Refused{"lvsd programs IPVS in its own network namespace only: run it in the namespace that should hold IPVS"}},
    {KaBlock::kTop, "static_ipaddress", kImplemented},
    {KaBlock::kTop, "static_routes", kImplemented},
    {KaBlock::kTop, "static_rules", kImplemented},
    {KaBlock::kTop, "track_file", kImplemented},
    {KaBlock::kTop, "track_group", Refused{"lvsd has no track groups yet: list the tracked objects in each instance"}},
    {KaBlock::kTop, "use_pid_dir", Ignored{"it places keepalived's pid files; lvsd writes none (systemd tracks its process)"}},
    {KaBlock::kTop, "virtual_server", kImplemented},
    {KaBlock::kTop, "virtual_server_group", kImplemented},
    {KaBlock::kTop, "vrrp_instance", kImplemented},
    {KaBlock::kTop, "vrrp_script", kImplemented},
    {KaBlock::kTop, "vrrp_sync_group", kImplemented},
    {KaBlock::kTop, "vrrp_track_file", kImplemented},
    {KaBlock::kTop, "vrrp_track_process", kImplemented},
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
    {KaBlock::kGlobalDefs, "config_save_dir", Ignored{"it saves keepalived's configuration at reloads for debugging; lvsd logs what each reload changed instead"}},
    {KaBlock::kGlobalDefs, "data_use_instance", Ignored{"it places keepalived's data files; lvsd writes none"}},
    {KaBlock::kGlobalDefs, "dbus_service_name", Ignored{"lvsd has no D-Bus interface: its control socket (lvsctl status, --json) and Prometheus metrics report the instances' states"}},
    {KaBlock::kGlobalDefs, "default_interface", kImplemented},
    {KaBlock::kGlobalDefs, "disable_local_igmp", kImplemented},
    {KaBlock::kGlobalDefs, "dynamic_interfaces", Refused{"lvsd needs an instance's interface to exist when the instance starts; create it first (systemd ordering)"}},
    {KaBlock::kGlobalDefs, "enable_dbus", Ignored{"lvsd has no D-Bus interface: its control socket (lvsctl status, --json) and Prometheus metrics report the instances' states"}},
    {KaBlock::kGlobalDefs, "enable_script_security", kImplemented},
    {KaBlock::kGlobalDefs, "enable_snmp_checker", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_keepalived", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfc", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfcv2", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_rfcv3", kSnmp},
    {KaBlock::kGlobalDefs, "enable_snmp_vrrp", kSnmp},
    {KaBlock::kGlobalDefs, "enable_traps", kSnmp},
    {KaBlock::kGlobalDefs, "fifo_write_vrrp_states_on_reload", Refused{"lvsd writes no states to its notify FIFOs on a reload"}},
    {KaBlock::kGlobalDefs, "include_check", Refused{"lvsd already makes a missing or unreadable include without a wildcard an error (keepalived's readable and match checks) and warns about a wildcard that matches nothing; its wildcard_match and brace_match checks are not implemented: remove include_check, and name the files without wildcards where a missing one must be an error"}},
    {KaBlock::kGlobalDefs, "log_unknown_vrids", kLogging},
    {KaBlock::kGlobalDefs, "lvs_flush", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_flush_on_stop", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_flush_onstop", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_cmd_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_netlink_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "lvs_notify_fifo", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_notify_fifo_script", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "lvs_sync_daemon", kImplemented},
    {KaBlock::kGlobalDefs, "lvs_timeouts", kImplemented},
    {KaBlock::kGlobalDefs, "max_auto_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "min_auto_priority_delay", kProcessTuning},
    {KaBlock::kGlobalDefs, "nftables", kFirewall},
    {KaBlock::kGlobalDefs, "nftables_counters", kFirewall},
    {KaBlock::kGlobalDefs, "nftables_ifindex", kFirewall},
    {KaBlock::kGlobalDefs, "nftables_ipvs", Refused{"lvsd does not mark IPv6 fwmark services' packets with nftables; add the marking rules yourself"}},
    {KaBlock::kGlobalDefs, "nftables_ipvs_priority", Refused{"lvsd does not mark IPv6 fwmark services' packets with nftables; add the marking rules yourself"}},
    {KaBlock::kGlobalDefs, "nftables_ipvs_start_fwmark", Refused{"lvsd does not mark IPv6 fwmark services' packets with nftables; add the marking rules yourself"}},
    {KaBlock::kGlobalDefs, "nftables_priority", kFirewall},
    {KaBlock::kGlobalDefs, "no_checker_emails", kMail},
    {KaBlock::kGlobalDefs, "no_email_faults", kMail},
    {KaBlock::kGlobalDefs, "notification_email", kMail},
    {KaBlock::kGlobalDefs, "notification_email_from", kMail},
    {KaBlock::kGlobalDefs, "notify_fifo", kImplemented},
    {KaBlock::kGlobalDefs, "notify_fifo_script", kImplemented},
    {KaBlock::kGlobalDefs, "process_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "process_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "process_names", kProcessTuning},
    {KaBlock::kGlobalDefs, "random_seed", Ignored{"lvsd draws its random values (the first check's offset) without a fixed seed"}},
    {KaBlock::kGlobalDefs, "reload_check_config", Ignored{"lvsd always checks a reloaded file completely before applying it, and keeps running the old one if it is refused"}},
    {KaBlock::kGlobalDefs, "reload_file", Refused{"lvsd reloads on SIGHUP or 'lvsctl reload'; schedule those instead"}},
    {KaBlock::kGlobalDefs, "reload_repeat", Refused{"lvsd reloads on SIGHUP or 'lvsctl reload'; schedule those instead"}},
    {KaBlock::kGlobalDefs, "reload_time_file", Refused{"lvsd reloads on SIGHUP or 'lvsctl reload'; schedule those instead"}},
    {KaBlock::kGlobalDefs, "router_id", kImplemented},
    {KaBlock::kGlobalDefs, "rs_init_notifies", Refused{"lvsd runs notify_up / notify_down on a check's transitions only, not for every real server's first state at start; a command that must run at start goes in the unit (ExecStartPost=)"}},
    {KaBlock::kGlobalDefs, "script_user", kImplemented},
    {KaBlock::kGlobalDefs, "shutdown_script", Refused{"run it from the systemd unit (a drop-in with ExecStopPost=)"}},
    {KaBlock::kGlobalDefs, "shutdown_script_timeout", Refused{"run the script from the systemd unit (ExecStopPost=, with TimeoutStopSec=)"}},
    {KaBlock::kGlobalDefs, "smtp_alert", kMail},
    {KaBlock::kGlobalDefs, "smtp_alert_checker", kMail},
    {KaBlock::kGlobalDefs, "smtp_alert_vrrp", kMail},
    {KaBlock::kGlobalDefs, "smtp_connect_timeout", kMail},
    {KaBlock::kGlobalDefs, "smtp_helo_name", kMail},
    {KaBlock::kGlobalDefs, "smtp_server", kMail},
    {KaBlock::kGlobalDefs, "snmp_socket", kSnmp},
    {KaBlock::kGlobalDefs, "startup_script", Refused{"run it from the systemd unit (a drop-in with ExecStartPre=)"}},
    {KaBlock::kGlobalDefs, "startup_script_timeout", Refused{"run the script from the systemd unit (ExecStartPre=, with TimeoutStartSec=)"}},
    {KaBlock::kGlobalDefs, "tmp_config_directory", Ignored{"lvsd reads the file once per load and keeps no temporary copy"}},
    {KaBlock::kGlobalDefs, "umask", Refused{"set the umask of lvsd's unit (UMask=) instead"}},
    {KaBlock::kGlobalDefs, "vmac_addr_prefix", Ignored{"it names the VMACs keepalived makes for VIPs on other interfaces (use_vmac_addr); lvsd makes a VMAC on the instance's own interface only, named by vmac_prefix"}},
    {KaBlock::kGlobalDefs, "vmac_prefix", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_check_unicast_src", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_cpu_affinity", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_down_timer_adverts", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_extra_if", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_interval", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_garp_lower_prio_delay", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_lower_prio_repeat", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_delay", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_refresh", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_refresh_repeat", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_garp_master_repeat", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_gna_interval", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_higher_prio_send_advert", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_iptables", kFirewall},
    {KaBlock::kGlobalDefs, "vrrp_lower_prio_no_advert", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_mcast_group4", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_mcast_group6", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_min_garp", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_cmd_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_netlink_monitor_rcv_bufs_force", kSocketBuffers},
    {KaBlock::kGlobalDefs, "vrrp_no_swap", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_notify_fifo", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_notify_fifo_script", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_notify_priority_changes", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_process_name", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rlimit_rtime", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rlimit_rttime", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rt_priority", kProcessTuning},
    {KaBlock::kGlobalDefs, "vrrp_rx_bufs_multiplier", Ignored{"lvsd sizes its own VRRP socket buffers"}},
    {KaBlock::kGlobalDefs, "vrrp_rx_bufs_policy", Ignored{"lvsd sizes its own VRRP socket buffers"}},
    {KaBlock::kGlobalDefs, "vrrp_skip_check_adv_addr", kNoUse},
    {KaBlock::kGlobalDefs, "vrrp_startup_delay", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_strict", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_version", kImplemented},
    {KaBlock::kGlobalDefs, "vrrp_vmac_garp_intvl", kImplemented},
    // vrrp_instance
    {KaBlock::kVrrpScript, "script", kImplemented},
    {KaBlock::kVrrpScript, "interval", kImplemented},
    {KaBlock::kVrrpScript, "timeout", kImplemented},
    {KaBlock::kVrrpScript, "weight", kImplemented},
    {KaBlock::kVrrpScript, "rise", kImplemented},
    {KaBlock::kVrrpScript, "fall", kImplemented},
    {KaBlock::kVrrpScript, "user", kImplemented},
    {KaBlock::kVrrpScript, "init_fail", kImplemented},
    // track_file (and vrrp_track_file)
    {KaBlock::kTrackFile, "file", kImplemented},
    {KaBlock::kTrackFile, "weight", kImplemented},
    {KaBlock::kTrackFile, "init_file", kImplemented},
    // vrrp_track_process
    {KaBlock::kFileCheck, "track_file", kImplemented},
    {KaBlock::kFileCheck, "weight", kImplemented},
    {KaBlock::kTrackProcess, "process", kImplemented},
    {KaBlock::kTrackProcess, "param_match", kImplemented},
    {KaBlock::kTrackProcess, "weight", kImplemented},
    {KaBlock::kTrackProcess, "quorum", kImplemented},
    {KaBlock::kTrackProcess, "quorum_max", kImplemented},
    {KaBlock::kTrackProcess, "fork_delay", kImplemented},
    {KaBlock::kTrackProcess, "terminate_delay", kImplemented},
    {KaBlock::kTrackProcess, "delay", kImplemented},
    {KaBlock::kTrackProcess, "full_command", kImplemented},
    {KaBlock::kVrrpInstance, "accept", kImplemented},
    {KaBlock::kVrrpInstance, "advert_int", kImplemented},
    {KaBlock::kVrrpInstance, "authentication", kImplemented},
    {KaBlock::kVrrpInstance, "check_unicast_src", kImplemented},
    {KaBlock::kVrrpInstance, "debug", kLogging},
    {KaBlock::kVrrpInstance, "dont_track_primary", kImplemented},
    {KaBlock::kVrrpInstance, "down_timer_adverts", kImplemented},
    {KaBlock::kVrrpInstance, "garp_extra_if", kImplemented},
    {KaBlock::kVrrpInstance, "garp_lower_prio_delay", kImplemented},
    {KaBlock::kVrrpInstance, "garp_lower_prio_repeat", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_delay", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_refresh", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_refresh_repeat", kImplemented},
    {KaBlock::kVrrpInstance, "garp_master_repeat", kImplemented},
    {KaBlock::kVrrpInstance, "higher_prio_send_advert", kImplemented},
    {KaBlock::kVrrpInstance, "interface", kImplemented},
    {KaBlock::kVrrpInstance, "kernel_rx_buf_size", kSocketBuffers},
    {KaBlock::kVrrpInstance, "linkbeat_use_polling", kLinkEvents},
    {KaBlock::kVrrpInstance, "lower_prio_no_advert", kImplemented},
    {KaBlock::kVrrpInstance, "lvs_sync_daemon_interface", kImplemented},
    {KaBlock::kVrrpInstance, "mcast_dst_ip", Refused{"lvsd has one multicast group per address family: set it for every instance with global_defs vrrp_mcast_group4 / vrrp_mcast_group6"}},
    {KaBlock::kVrrpInstance, "mcast_src_ip", kImplemented},
    {KaBlock::kVrrpInstance, "native_ipv6", Refused{"an lvsd instance's address family is its VIPs'; an instance with only IPv4 VIPs cannot advertise over IPv6"}},
    {KaBlock::kVrrpInstance, "no_accept", kImplemented},
    {KaBlock::kVrrpInstance, "nopreempt", kImplemented},
    {KaBlock::kVrrpInstance, "notify", kImplemented},
    {KaBlock::kVrrpInstance, "notify_backup", kImplemented},
    {KaBlock::kVrrpInstance, "notify_deleted", Refused{"lvsd reports a removed instance as STOP to its scripts and does not offer DELETED"}},
    {KaBlock::kVrrpInstance, "notify_fault", kImplemented},
    {KaBlock::kVrrpInstance, "notify_master", kImplemented},
    {KaBlock::kVrrpInstance, "notify_master_rx_lower_pri", kImplemented},
    {KaBlock::kVrrpInstance, "notify_priority_changes", kImplemented},
    {KaBlock::kVrrpInstance, "notify_stop", kImplemented},
    {KaBlock::kVrrpInstance, "old_unicast_checksum", Refused{"lvsd computes the VRRPv3 checksum as RFC 5798 says, not keepalived's old unicast variant"}},
    {KaBlock::kVrrpInstance, "preempt", kImplemented},
    {KaBlock::kVrrpInstance, "preempt_delay", kImplemented},
    {KaBlock::kVrrpInstance, "priority", kImplemented},
    {KaBlock::kVrrpInstance, "promote_secondaries", kImplemented},
    {KaBlock::kVrrpInstance, "skip_check_adv_addr", kNoUse},
    {KaBlock::kVrrpInstance, "smtp_alert", kMail},
    {KaBlock::kVrrpInstance, "state", kImplemented},
    {KaBlock::kVrrpInstance, "strict_mode", kImplemented},
    {KaBlock::kVrrpInstance, "track_bfd", Refused{"lvsd runs no BFD of its own; run BFD in FRR's bfdd and track it with a vrrp_script"}},
    {KaBlock::kVrrpInstance, "track_file", kImplemented},
    {KaBlock::kVrrpInstance, "track_interface", kImplemented},
    {KaBlock::kVrrpInstance, "track_process", kImplemented},
    {KaBlock::kVrrpInstance, "track_script", kImplemented},
    {KaBlock::kVrrpInstance, "track_src_ip", Refused{"lvsd does not track the unicast source address itself: track its interface with track_interface, or the address with a vrrp_script of weight 0 (ip -o addr show to ADDR)"}},
    {KaBlock::kVrrpInstance, "unicast_fault_no_peer", Refused{"lvsd advertises by multicast when an instance lists no unicast peer, and does not put it in FAULT instead: list the peers, or leave the instance out of the file"}},
    {KaBlock::kVrrpInstance, "unicast_peer", kImplemented},
    {KaBlock::kVrrpInstance, "unicast_src_ip", kImplemented},
    {KaBlock::kVrrpInstance, "unicast_ttl", kImplemented},
    {KaBlock::kVrrpInstance, "use_ipvlan", Refused{"lvsd does not create ipvlan interfaces: the VIPs move with a gratuitous ARP"}},
    {KaBlock::kVrrpInstance, "use_vmac", kImplemented},
    {KaBlock::kVrrpInstance, "use_vmac_addr", Refused{"lvsd makes a VMAC for the instance's own interface only (use_vmac); a VIP on another interface moves with a gratuitous ARP / unsolicited NA from that interface: remove use_vmac_addr, or give such VIPs an instance of their own on their interface with use_vmac"}},
    {KaBlock::kVrrpInstance, "version", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_ipaddress", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_ipaddress_excluded", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_router_id", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_routes", kImplemented},
    {KaBlock::kVrrpInstance, "virtual_rules", kImplemented},
    {KaBlock::kVrrpInstance, "vmac_garp_intvl", kImplemented},
    {KaBlock::kVrrpInstance, "vmac_xmit_base", kImplemented},
    {KaBlock::kVrrpInstance, "vrf", Refused{"lvsd does not bind its instances to a VRF: run lvsd in the VRF (ip vrf exec NAME lvsd ..., in the unit's ExecStart=)"}},
    // authentication
    {KaBlock::kAuthentication, "auth_pass", kImplemented},
    {KaBlock::kAuthentication, "auth_type", kImplemented},
    // vrrp_sync_group
    {KaBlock::kVrrpSyncGroup, "global_tracking", kImplemented},
    {KaBlock::kVrrpSyncGroup, "group", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_backup", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_fault", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_master", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_priority_changes", kImplemented},
    {KaBlock::kVrrpSyncGroup, "notify_stop", kImplemented},
    {KaBlock::kVrrpSyncGroup, "smtp_alert", kMail},
    {KaBlock::kVrrpSyncGroup, "sync_group_tracking_weight", kImplemented},
    {KaBlock::kVrrpSyncGroup, "track_bfd", Refused{"lvsd runs no BFD of its own; run BFD in FRR's bfdd and track it with a vrrp_script"}},
    {KaBlock::kVrrpSyncGroup, "track_file", kImplemented},
    {KaBlock::kVrrpSyncGroup, "track_interface", kImplemented},
    {KaBlock::kVrrpSyncGroup, "track_process", kImplemented},
    {KaBlock::kVrrpSyncGroup, "track_script", kImplemented},
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
    {KaBlock::kVirtualServer, "omega", kImplemented},
    {KaBlock::kVirtualServer, "ops", kImplemented},
    {KaBlock::kVirtualServer, "persistence_engine", kImplemented},
    {KaBlock::kVirtualServer, "persistence_granularity", kImplemented},
    {KaBlock::kVirtualServer, "persistence_timeout", kImplemented},
    {KaBlock::kVirtualServer, "protocol", kImplemented},
    {KaBlock::kVirtualServer, "quorum", kImplemented},
    {KaBlock::kVirtualServer, "quorum_down", kImplemented},
    {KaBlock::kVirtualServer, "quorum_up", kImplemented},
    {KaBlock::kVirtualServer, "real_server", kImplemented},
    {KaBlock::kVirtualServer, "retry", kImplemented},
    {KaBlock::kVirtualServer, "sh-fallback", kImplemented},
    {KaBlock::kVirtualServer, "sh-port", kImplemented},
    {KaBlock::kVirtualServer, "smtp_alert", kMail},
    {KaBlock::kVirtualServer, "snmp_name", kSnmp},
    {KaBlock::kVirtualServer, "sorry_server", kImplemented},
    {KaBlock::kVirtualServer, "sorry_server_inhibit", kImplemented},
    {KaBlock::kVirtualServer, "sorry_server_lvs_method", kImplemented},
    {KaBlock::kVirtualServer, "virtualhost", kImplemented},
    {KaBlock::kVirtualServer, "warmup", kImplemented},
    {KaBlock::kVirtualServer, "weight", kImplemented},
    // real_server
    {KaBlock::kRealServer, "BFD_CHECK", kBfdCheck},
    {KaBlock::kRealServer, "DNS_CHECK", kImplemented},
    {KaBlock::kRealServer, "FILE_CHECK", kImplemented},
    {KaBlock::kRealServer, "HTTP_GET", kImplemented},
    {KaBlock::kRealServer, "MISC_CHECK", kImplemented},
    {KaBlock::kRealServer, "PING_CHECK", kImplemented},
    {KaBlock::kRealServer, "SMTP_CHECK", kImplemented},
    {KaBlock::kRealServer, "SSL_GET", kImplemented},
    {KaBlock::kRealServer, "TCP_CHECK", kImplemented},
    {KaBlock::kRealServer, "UDP_CHECK", kImplemented},
    {KaBlock::kRealServer, "alpha", kImplemented},
    {KaBlock::kRealServer, "connect_timeout", kImplemented},
    {KaBlock::kRealServer, "delay_before_retry", kImplemented},
    {KaBlock::kRealServer, "delay_loop", kImplemented},
    {KaBlock::kRealServer, "inhibit_on_failure", kImplemented},
    {KaBlock::kRealServer, "lthreshold", kImplemented},
    {KaBlock::kRealServer, "lvs_method", kImplemented},
    {KaBlock::kRealServer, "notify_down", kImplemented},
    {KaBlock::kRealServer, "notify_up", kImplemented},
    {KaBlock::kRealServer, "retry", kImplemented},
    {KaBlock::kRealServer, "smtp_alert", kMail},
    {KaBlock::kRealServer, "snmp_name", kSnmp},
    {KaBlock::kRealServer, "uthreshold", kImplemented},
    {KaBlock::kRealServer, "virtualhost", kImplemented},
    {KaBlock::kRealServer, "warmup", kImplemented},
    {KaBlock::kRealServer, "weight", kImplemented},
    // TCP_CHECK
    {KaBlock::kTcpCheck, "alpha", kImplemented},
    {KaBlock::kTcpCheck, "bind_if", kImplemented},
    {KaBlock::kTcpCheck, "bind_port", kImplemented},
    {KaBlock::kTcpCheck, "bindto", kImplemented},
    {KaBlock::kTcpCheck, "connect_ip", kImplemented},
    {KaBlock::kTcpCheck, "connect_port", kImplemented},
    {KaBlock::kTcpCheck, "connect_timeout", kImplemented},
    {KaBlock::kTcpCheck, "delay_before_retry", kImplemented},
    {KaBlock::kTcpCheck, "delay_loop", kImplemented},
    {KaBlock::kTcpCheck, "fwmark", kImplemented},
    {KaBlock::kTcpCheck, "log_all_failures", kLogging},
    {KaBlock::kTcpCheck, "retry", kImplemented},
    {KaBlock::kTcpCheck, "warmup", kImplemented},
    // HTTP_GET
    {KaBlock::kHttpGet, "alpha", kImplemented},
    {KaBlock::kHttpGet, "bind_if", kImplemented},
    {KaBlock::kHttpGet, "bind_port", kImplemented},
    {KaBlock::kHttpGet, "bindto", kImplemented},
    {KaBlock::kHttpGet, "connect_ip", kImplemented},
    {KaBlock::kHttpGet, "connect_port", kImplemented},
    {KaBlock::kHttpGet, "connect_timeout", kImplemented},
    {KaBlock::kHttpGet, "delay_before_retry", kImplemented},
    {KaBlock::kHttpGet, "delay_loop", kImplemented},
    {KaBlock::kHttpGet, "enable_sni", kImplemented},
    {KaBlock::kHttpGet, "fast_recovery", kFastRecovery},
    {KaBlock::kHttpGet, "fwmark", kImplemented},
    {KaBlock::kHttpGet, "http_protocol", kImplemented},
    {KaBlock::kHttpGet, "log_all_failures", kLogging},
    {KaBlock::kHttpGet, "nb_get_retry", kImplemented},
    {KaBlock::kHttpGet, "retry", kImplemented},
    {KaBlock::kHttpGet, "url", kImplemented},
    {KaBlock::kHttpGet, "virtualhost", kImplemented},
    {KaBlock::kHttpGet, "warmup", kImplemented},
    // SSL_GET
    {KaBlock::kSslGet, "alpha", kImplemented},
    {KaBlock::kSslGet, "bind_if", kImplemented},
    {KaBlock::kSslGet, "bind_port", kImplemented},
    {KaBlock::kSslGet, "bindto", kImplemented},
    {KaBlock::kSslGet, "connect_ip", kImplemented},
    {KaBlock::kSslGet, "connect_port", kImplemented},
    {KaBlock::kSslGet, "connect_timeout", kImplemented},
    {KaBlock::kSslGet, "delay_before_retry", kImplemented},
    {KaBlock::kSslGet, "delay_loop", kImplemented},
    {KaBlock::kSslGet, "enable_sni", kImplemented},
    {KaBlock::kSslGet, "fast_recovery", kFastRecovery},
    {KaBlock::kSslGet, "fwmark", kImplemented},
    {KaBlock::kSslGet, "http_protocol", kImplemented},
    {KaBlock::kSslGet, "log_all_failures", kLogging},
    {KaBlock::kSslGet, "nb_get_retry", kImplemented},
    {KaBlock::kSslGet, "retry", kImplemented},
    {KaBlock::kSslGet, "url", kImplemented},
    {KaBlock::kSslGet, "virtualhost", kImplemented},
    {KaBlock::kSslGet, "warmup", kImplemented},
    // url
    {KaBlock::kUrl, "digest", kImplemented},
    {KaBlock::kUrl, "path", kImplemented},
    {KaBlock::kUrl, "regex", kImplemented},
    {KaBlock::kUrl, "regex_max_offset", kImplemented},
    {KaBlock::kUrl, "regex_min_offset", kImplemented},
    {KaBlock::kUrl, "regex_no_match", kImplemented},
    {KaBlock::kUrl, "regex_options", kImplemented},
    {KaBlock::kUrl, "regex_stack", kImplemented},
    {KaBlock::kUrl, "status_code", kImplemented},
    {KaBlock::kUrl, "virtualhost", kImplemented},
    // MISC_CHECK
    {KaBlock::kMiscCheck, "alpha", kImplemented},
    {KaBlock::kMiscCheck, "delay_before_retry", kImplemented},
    {KaBlock::kMiscCheck, "delay_loop", kImplemented},
    {KaBlock::kMiscCheck, "log_all_failures", kLogging},
    {KaBlock::kMiscCheck, "misc_dynamic", kImplemented},
    {KaBlock::kMiscCheck, "misc_path", kImplemented},
    {KaBlock::kMiscCheck, "misc_timeout", kImplemented},
    {KaBlock::kMiscCheck, "retry", kImplemented},
    {KaBlock::kMiscCheck, "user", kImplemented},
    {KaBlock::kMiscCheck, "warmup", kImplemented},
    // PING_CHECK
    {KaBlock::kPingCheck, "alpha", kImplemented},
    {KaBlock::kPingCheck, "bind_if", kImplemented},
    {KaBlock::kPingCheck, "bind_port", kImplemented},
    {KaBlock::kPingCheck, "bindto", kImplemented},
    {KaBlock::kPingCheck, "connect_ip", kImplemented},
    {KaBlock::kPingCheck, "connect_port", kImplemented},
    {KaBlock::kPingCheck, "connect_timeout", kImplemented},
    {KaBlock::kPingCheck, "delay_before_retry", kImplemented},
    {KaBlock::kPingCheck, "delay_loop", kImplemented},
    {KaBlock::kPingCheck, "fwmark", kImplemented},
    {KaBlock::kPingCheck, "log_all_failures", kLogging},
    {KaBlock::kPingCheck, "retry", kImplemented},
    {KaBlock::kPingCheck, "warmup", kImplemented},
    // UDP_CHECK
    {KaBlock::kUdpCheck, "alpha", kImplemented},
    {KaBlock::kUdpCheck, "bind_if", kImplemented},
    {KaBlock::kUdpCheck, "bind_port", kImplemented},
    {KaBlock::kUdpCheck, "bindto", kImplemented},
    {KaBlock::kUdpCheck, "connect_ip", kImplemented},
    {KaBlock::kUdpCheck, "connect_port", kImplemented},
    {KaBlock::kUdpCheck, "connect_timeout", kImplemented},
    {KaBlock::kUdpCheck, "delay_before_retry", kImplemented},
    {KaBlock::kUdpCheck, "delay_loop", kImplemented},
    {KaBlock::kUdpCheck, "fwmark", kImplemented},
    {KaBlock::kUdpCheck, "log_all_failures", kLogging},
    {KaBlock::kUdpCheck, "max_reply_length", kImplemented},
    {KaBlock::kUdpCheck, "min_reply_length", kImplemented},
    {KaBlock::kUdpCheck, "payload", kImplemented},
    {KaBlock::kUdpCheck, "require_reply", kImplemented},
    {KaBlock::kUdpCheck, "retry", kImplemented},
    {KaBlock::kUdpCheck, "warmup", kImplemented},
    // DNS_CHECK
    {KaBlock::kDnsCheck, "alpha", kImplemented},
    {KaBlock::kDnsCheck, "bind_if", kImplemented},
    {KaBlock::kDnsCheck, "bind_port", kImplemented},
    {KaBlock::kDnsCheck, "bindto", kImplemented},
    {KaBlock::kDnsCheck, "connect_ip", kImplemented},
    {KaBlock::kDnsCheck, "connect_port", kImplemented},
    {KaBlock::kDnsCheck, "connect_timeout", kImplemented},
    {KaBlock::kDnsCheck, "delay_before_retry", kImplemented},
    {KaBlock::kDnsCheck, "delay_loop", kImplemented},
    {KaBlock::kDnsCheck, "fwmark", kImplemented},
    {KaBlock::kDnsCheck, "log_all_failures", kLogging},
    {KaBlock::kDnsCheck, "name", kImplemented},
    {KaBlock::kDnsCheck, "retry", kImplemented},
    {KaBlock::kDnsCheck, "type", kImplemented},
    {KaBlock::kDnsCheck, "warmup", kImplemented},
    // SMTP_CHECK
    {KaBlock::kSmtpCheck, "alpha", kImplemented},
    {KaBlock::kSmtpCheck, "bind_if", kImplemented},
    {KaBlock::kSmtpCheck, "bind_port", kImplemented},
    {KaBlock::kSmtpCheck, "bindto", kImplemented},
    {KaBlock::kSmtpCheck, "connect_ip", kImplemented},
    {KaBlock::kSmtpCheck, "connect_port", kImplemented},
    {KaBlock::kSmtpCheck, "connect_timeout", kImplemented},
    {KaBlock::kSmtpCheck, "delay_before_retry", kImplemented},
    {KaBlock::kSmtpCheck, "delay_loop", kImplemented},
    {KaBlock::kSmtpCheck, "fwmark", kImplemented},
    {KaBlock::kSmtpCheck, "helo_name", kImplemented},
    {KaBlock::kSmtpCheck, "log_all_failures", kLogging},
    {KaBlock::kSmtpCheck, "retry", kImplemented},
    {KaBlock::kSmtpCheck, "warmup", kImplemented},
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
    case KaBlock::kPingCheck: return "PING_CHECK";
    case KaBlock::kUdpCheck: return "UDP_CHECK";
    case KaBlock::kDnsCheck: return "DNS_CHECK";
    case KaBlock::kSmtpCheck: return "SMTP_CHECK";
    case KaBlock::kVrrpScript: return "vrrp_script";
    case KaBlock::kTrackFile: return "track_file";
    case KaBlock::kTrackProcess: return "vrrp_track_process";
    case KaBlock::kFileCheck: return "FILE_CHECK";
  }
  return "?";
}

}  // namespace lvsd::conf
