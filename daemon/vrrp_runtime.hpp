#pragma once
// The VRRP instances of this node on the daemon's loop: one vrrp::Instance
// per vrrp_instance, each with its raw socket (an IoWatcher), gratuitous
// ARP / NA senders and the shared rtnetlink address client; one link monitor
// for track_interface; notify scripts; sync groups.
//
// apply() is both the start and the reload: instances whose settings did not
// change keep their state and timers; changed ones are rebuilt (stopped and
// started again); removed ones stop (a master resigns). Call
// advertise_masters() first on a reload, before any slow work, so that a
// reload can never let a backup's Master_Down_Timer run out.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/event_loop.hpp"
#include "daemon/daemon_ports.hpp"
#include "daemon/fifo_lines.hpp"
#include "daemon/notify_fifo.hpp"
#include "daemon/track_files.hpp"
#include "daemon/track_processes.hpp"
#include "daemon/vrrp_scripts.hpp"
#include "vrrp/instance.hpp"
#include "vrrp/notify.hpp"

namespace lvsd::vrrp {
class AddressClient;
class AddressMonitor;
class VipFilter;
class VmacClient;
class LinkMonitor;
class SyncGroup;
}  // namespace lvsd::vrrp

namespace lvsd::daemon {

class IpConfigClient;

class VrrpRuntime final : public VrrpControl {
 public:
  explicit VrrpRuntime(core::EventLoop& loop);
  ~VrrpRuntime() override;
  VrrpRuntime(const VrrpRuntime&) = delete;
  VrrpRuntime& operator=(const VrrpRuntime&) = delete;

  // New listeners first hear the current state: the VIPs that masters hold
  // now (instances may have started before the daemon listened, after a
  // hitless restart).
  void set_listeners(VipListener vip, RoleListener role) override;

  // Makes the running instances match `config` (see above). Instances that
  // cannot be set up (no such interface, no address, no CAP_NET_RAW) are
  // logged and left out; the next apply() tries them again.
  void apply(const conf::Config& config) override;
  // Hitless restart: the instances named here start as Master (keeping their
  // VIPs) when the next apply() builds them, instead of as Backup. Only that
  // apply: names it does not build are forgotten.
  void resume_as_master(std::set<std::string> instances) override { resume_ = std::move(instances); }
  // Names of the instances that are Master now (for the handover file).
  std::vector<std::string> masters() const override;
  // Every master sends an advert now and restarts its Adver_Timer.
  void advertise_masters() override;
  // The graceful stop: each master sends priority 0 and removes its VIPs.
  void stop() override;

  // The notify FIFOs the state (and priority) lines go to; unset: none.
  // Outlives this runtime (stop() writes the STOP lines).
  void set_fifos(NotifyFifos* fifos) { fifos_ = fifos; }

  std::size_t size() const { return instances_.size(); }
  std::vector<control::VrrpScriptStatus> script_statuses() const override {
    return vrrp_scripts_ ? vrrp_scripts_->statuses() : std::vector<control::VrrpScriptStatus>{};
  }
  std::vector<vrrp::InstanceStatus> statuses() const override;
  std::optional<vrrp::State> state_of(const std::string& instance) const override;
  std::size_t scripts_running() const override { return scripts_ ? scripts_->running() : 0; }
  // The tracked processes (vrrp_track_process), each with its effect on the
  // priority of every instance that tracks it, for `lvsctl status`.
  std::vector<TrackedProcessStatus> tracked_processes() const;

 private:
  struct Running;
  std::unique_ptr<Running> build(const conf::VrrpInstance& instance, const conf::Config& config);
  void on_transition(Running& running, vrrp::State from, vrrp::State to);
  void on_links_readable();
  // keepalived's VIP tracking: a VIP deleted under a MASTER (vrrp::Instance).
  void ensure_address_monitor();
  void on_addresses_readable();
  void ensure_link_monitor();
  void rebuild_sync_groups(const conf::Config& config);
  std::vector<core::IpAddress> own_addresses(const vrrp::InstanceConfig& config);
  // virtual_routes / virtual_rules of an instance that became or left
  // MASTER. leftovers: at start, those a crashed run left (quietly).
  void add_virtual_routes(Running& running);
  void remove_virtual_routes(Running& running, bool leftovers);
  // A reload that changes only an instance's virtual routes or rules: a
  // master removes the dropped ones and adds the new ones, without a rebuild.
  void update_virtual_routes(Running& running, const conf::VrrpInstance& wanted);
  // static_ipaddress / static_routes / static_rules: see apply_static().
  void apply_static(const conf::Config& config);
  // use_vmac: the instance's VMAC made ready (created or taken over, its
  // sysctls set, up); its ifindex. remove_vmac() deletes it.
  core::Result<int> make_vmac(const conf::VrrpInstance& in, int base_ifindex, core::AddressFamily family,
                              const core::IpAddress& primary);
  void remove_vmac(const Running& running);
  // The nftables rules that send the VMACs' membership reports out on their
  // base interfaces, rewritten for the VMACs of the running instances.
  // `adding`: a VMAC being made, not running yet (its rule goes in before it
  // comes up and its socket joins the group).
  void update_vmac_filter(const std::optional<std::pair<std::string, std::string>>& adding = std::nullopt,
                          core::AddressFamily adding_family = core::AddressFamily::kIpv4);
  bool open_vip_filter(const std::string& why);
  // garp_extra_if: its timer runs while the instance is MASTER.
  void update_extra_garp(Running& running, bool master);

  core::EventLoop& loop_;
  NotifyFifos* fifos_ = nullptr;
  VipListener vip_listener_;
  RoleListener role_listener_;
  std::set<std::string> resume_;
  bool applied_ = false;  // apply() ran once (vrrp_startup_delay is for the first)
  std::unique_ptr<vrrp::AddressClient> addresses_;
  std::unique_ptr<vrrp::VipPort> vip_port_;
  std::unique_ptr<vrrp::VipFilter> vip_filter_;  // opened for the first instance without accept mode
  std::unique_ptr<IpConfigClient> ip_config_;  // routes and rules
  std::unique_ptr<vrrp::VmacClient> vmacs_;    // opened for the first use_vmac instance
  std::unique_ptr<vrrp::AddressMonitor> deleted_addresses_;
  std::unique_ptr<core::IoWatcher> deleted_addresses_watcher_;
  // net.ipv4.conf.all.rp_filter before a VMAC needed it 0 (put back by stop()).
  std::optional<std::string> rp_filter_all_;
  bool disable_local_igmp_ = false;  // global.disable_local_igmp, as last applied
  // net.ipv4.igmp_link_local_mcast_reports before disable_local_igmp set it 0 (put back by stop()).
  std::optional<std::string> igmp_reports_;
  std::array<bool, 2> vmac_filter_written_{};  // IPv4, IPv6: the chain holds rules
  conf::Config static_;  // the static_* entries last applied (only those fields)
  std::unique_ptr<vrrp::LinkMonitor> links_;
  std::unique_ptr<core::IoWatcher> links_watcher_;
  std::map<std::string, bool> link_up_;  // last known, by name
  std::unique_ptr<vrrp::SpawnScriptRunner> scripts_;
  std::unique_ptr<VrrpScripts> vrrp_scripts_;  // track_script
  std::unique_ptr<TrackFiles> track_files_;    // track_file
  std::unique_ptr<TrackProcesses> track_processes_;  // track_process
  struct GroupEntry;
  std::vector<std::unique_ptr<GroupEntry>> groups_;
  std::map<std::string, std::unique_ptr<Running>> instances_;  // by name
};

}  // namespace lvsd::daemon
