#include "conf/validate.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "conf/scalars.hpp"
#include "core/response_regex.hpp"

namespace lvsd::conf {
namespace {

// keepalived's LVS_MAX_TIMEOUT: 31 days.
constexpr std::int64_t kMaxLvsTimeoutMs = 31LL * 86400 * 1000;

using std::chrono::milliseconds;
using std::chrono::seconds;

class Validator {
 public:
  Validator(const Config& config, const SourceMap& sources) : config_(config), sources_(sources) {}

  std::vector<ConfigError> run() {
    check_global();
    check_static_addresses();
    check_vrrp_scripts();
    check_track_files();
    check_track_processes();
    for (std::size_t i = 0; i < config_.vrrp_instances.size(); ++i) check_instance(i);
    check_vmacs();
    check_sync_groups();
    check_virtual_server_groups();
    for (std::size_t i = 0; i < config_.virtual_servers.size(); ++i) check_virtual_server(i);
    return std::move(errors_);
  }

 private:
  void error(const std::string& path, std::string message) {
    errors_.push_back(ConfigError{.location = sources_.find(path), .path = path, .message = std::move(message)});
  }
  void missing(const std::string& parent, const std::string& key, const std::string& allowed) {
    errors_.push_back(ConfigError{.location = sources_.find(parent),
                                  .path = join_path(parent, key),
                                  .message = "missing required key '" + key + "': " + allowed});
  }
  bool instance_exists(const std::string& name) const {
    for (const auto& inst : config_.vrrp_instances)
      if (inst.name == name) return true;
    return false;
  }

  void check_global() {
    const auto& g4 = config_.global.vrrp_mcast_group4;
    if (g4 && (!g4->is_ipv4() || (g4->bytes()[0] & 0xF0) != 0xE0))
      error("global.vrrp_mcast_group4", g4->to_string() + " is not an IPv4 multicast address: allowed 224.0.0.0-239.255.255.255");
    const auto& g6 = config_.global.vrrp_mcast_group6;
    if (g6 && (!g6->is_ipv6() || g6->bytes()[0] != 0xFF))
      error("global.vrrp_mcast_group6", g6->to_string() + " is not an IPv6 multicast address: allowed ff00::/8");
    check_notify_fifos();
    const auto& t = config_.global.lvs_timeouts;
    for (const auto& [key, value] : {std::pair{"tcp", t.tcp}, std::pair{"tcpfin", t.tcpfin}, std::pair{"udp", t.udp}}) {
      if (!value) continue;
      const auto ms = value->count();
      if (ms % 1000 != 0 || ms < 1000 || ms > kMaxLvsTimeoutMs)
        error(join_path("global.lvs_timeouts", key), quote(duration_text(*value)) +
                                                         ": allowed whole seconds, 1s to 31 days (IPVS timeouts are "
                                                         "seconds; keepalived's limit)");
    }
    const auto& sync = config_.global.lvs_sync_daemon;
    if (!sync) return;
    if (sync->interface.empty()) missing("global.lvs_sync_daemon", "interface", "an interface name");
    if (sync->vrrp_instance && !instance_exists(*sync->vrrp_instance))
      error("global.lvs_sync_daemon.vrrp_instance",
            "no VRRP instance named " + quote(*sync->vrrp_instance) + ": allowed a vrrp_instances[].name");
  }

  // keepalived's man page: "the FIFO names must all be different".
  void check_notify_fifos() {
    std::map<std::string, std::string> seen;  // path -> key
    for (const auto& [key, fifo] : {std::pair{"notify_fifo", &config_.global.notify_fifo},
                                    std::pair{"vrrp_notify_fifo", &config_.global.vrrp_notify_fifo},
                                    std::pair{"lvs_notify_fifo", &config_.global.lvs_notify_fifo}}) {
      if (!*fifo) continue;
      const std::string path = join_path("global", key);
      const std::string& file = (*fifo)->path;
      if (file.empty()) missing(path, "path", "an absolute path");
      else if (file.front() != '/') error(join_path(path, "path"), quote(file) + " is not an absolute path: allowed an absolute path");
      else if (auto [it, fresh] = seen.emplace(file, key); !fresh)
        error(join_path(path, "path"), quote(file) + " is also the path of " + it->second +
                                           ": allowed a path no other notify FIFO has");
      if ((*fifo)->script && core::split_command_line(*(*fifo)->script).empty())
        error(join_path(path, "script"), quote(*(*fifo)->script) + " holds no command: allowed a command line");
    }
  }

  void check_vrrp_scripts() {
    for (std::size_t i = 0; i < config_.vrrp_scripts.size(); ++i) {
      const VrrpScript& script = config_.vrrp_scripts[i];
      const std::string path = index_path("vrrp_scripts", i);
      if (script.name.empty()) {
        missing(path, "name", "a unique script name");
      } else if (!script_names_.insert(script.name).second) {
        error(join_path(path, "name"), "duplicate vrrp_script name " + quote(script.name) + ": names must be unique");
      }
      if (!script.script.empty() && core::split_command_line(script.script).empty())
        error(join_path(path, "script"), quote(script.script) + " holds no command: allowed a command line");
      if (script.interval <= Duration::zero())
        error(join_path(path, "interval"), "interval must be more than 0");
    }
  }

  void check_track_files() {
    for (std::size_t i = 0; i < config_.track_files.size(); ++i) {
      const TrackFile& f = config_.track_files[i];
      const std::string path = index_path("track_files", i);
      if (f.name.empty()) {
        missing(path, "name", "a unique track_file name");
      } else if (!track_file_names_.insert(f.name).second) {
        error(join_path(path, "name"), "duplicate track_file name " + quote(f.name) + ": names must be unique");
      }
      if (!f.file.empty() && f.file.front() != '/')
        error(join_path(path, "file"), quote(f.file) + " is not an absolute path: allowed /PATH");
      if (f.init_overwrite && !f.init_file)
        error(join_path(path, "init_overwrite"), "init_overwrite needs init_file: allowed with init_file only");
    }
  }

  void check_track_processes() {
    for (std::size_t i = 0; i < config_.track_processes.size(); ++i) {
      const TrackProcess& p = config_.track_processes[i];
      const std::string path = index_path("track_processes", i);
      if (p.name.empty()) {
        missing(path, "name", "a unique track_process name");
      } else if (!track_process_names_.insert(p.name).second) {
        error(join_path(path, "name"), "duplicate track_process name " + quote(p.name) + ": names must be unique");
      }
      if (p.quorum_max && *p.quorum_max == 0 && p.quorum > 1)
        error(join_path(path, "quorum_max"), "quorum_max 0 (the process must not run) needs quorum 1 (the default): "
              "got quorum " + std::to_string(p.quorum));
      else if (p.quorum_max && *p.quorum_max != 0 && *p.quorum_max < p.quorum)
        error(join_path(path, "quorum_max"), "quorum_max " + std::to_string(*p.quorum_max) + " is below quorum " +
              std::to_string(p.quorum) + ": allowed quorum or more, or 0 (the process must not run)");
      for (const auto& [key, delay] : {std::pair{"fork_delay", p.fork_delay}, std::pair{"terminate_delay", p.terminate_delay}}) {
        if (delay < Duration::zero() || delay > seconds(3600))
          error(join_path(path, key), std::string(key) + " must be 0 to 3600 seconds");
      }
    }
  }

  // track_process entries of an instance or a sync group.
  void check_tracked_processes(const std::vector<TrackScript>& list, const std::string& path) {
    std::set<std::string> tracked;
    for (std::size_t t = 0; t < list.size(); ++t) {
      const std::string& name = list[t].name;
      const std::string tpath = index_path(join_path(path, "track_process"), t);
      if (!track_process_names_.count(name)) {
        std::vector<std::string> candidates(track_process_names_.begin(), track_process_names_.end());
        std::string msg = "no track_process named " + quote(name);
        if (auto near = did_you_mean(name, candidates)) msg += ": did you mean '" + *near + "'?";
        else msg += ": allowed a track_processes[].name";
        error(tpath, msg);
      } else if (!tracked.insert(name).second) {
        error(tpath, "track_process " + quote(name) + " is tracked twice");
      }
    }
  }

  void check_tracked_files(const VrrpInstance& inst, const std::string& path) {
    std::set<std::string> tracked;
    for (std::size_t t = 0; t < inst.track_file.size(); ++t) {
      const std::string& name = inst.track_file[t].name;
      const std::string tpath = index_path(join_path(path, "track_file"), t);
      if (!track_file_names_.count(name))
        error(tpath, "no track_file named " + quote(name) + ": allowed a track_files[].name");
      else if (!tracked.insert(name).second)
        error(tpath, "track_file " + quote(name) + " is tracked twice");
    }
  }

  void check_track_scripts(const VrrpInstance& inst, const std::string& path) {
    std::set<std::string> tracked;
    for (std::size_t t = 0; t < inst.track_script.size(); ++t) {
      const std::string& name = inst.track_script[t].name;
      const std::string tpath = index_path(join_path(path, "track_script"), t);
      if (!script_names_.count(name)) {
        std::vector<std::string> candidates(script_names_.begin(), script_names_.end());
        std::string msg = "no vrrp_script named " + quote(name);
        if (auto near = did_you_mean(name, candidates)) msg += ": did you mean '" + *near + "'?";
        else msg += ": allowed a vrrp_scripts[].name";
        error(tpath, msg);
      } else if (!tracked.insert(name).second) {
        error(tpath, "script " + quote(name) + " is tracked twice");
      }
    }
  }

  // use_vmac: its keys need it; unicast adverts need vmac_xmit_base, which
  // strict mode forbids (keepalived 2.2.7 reports both and changes the
  // setting); every VMAC gets a name of its own that the kernel takes.
  void check_vmacs() {
    const auto names = vmac_names(config_.vrrp_instances, config_.global.vmac_prefix);
    std::map<std::string, std::size_t> by_name;
    for (std::size_t i = 0; i < config_.vrrp_instances.size(); ++i) {
      const VrrpInstance& inst = config_.vrrp_instances[i];
      const std::string path = index_path("vrrp_instances", i);
      if (!inst.use_vmac) {
        for (const auto& [key, set] : {std::pair{"vmac_interface", !inst.vmac_interface.empty()},
                                       std::pair{"vmac_address", !inst.vmac_address.empty()},
                                       std::pair{"vmac_xmit_base", inst.vmac_xmit_base}})
          if (set) error(join_path(path, key), std::string(key) + " needs use_vmac: true");
        continue;
      }
      if (!inst.unicast_peer.empty() && !inst.vmac_xmit_base)
        error(join_path(path, "use_vmac"),
              "use_vmac with unicast_peer needs vmac_xmit_base: true (unicast adverts go out on the base interface; "
              "keepalived 2.2.7 sets it with a warning)");
      if (inst.vmac_xmit_base && strict_mode(config_.global, inst))
        error(join_path(path, "vmac_xmit_base"),
              "vmac_xmit_base is not allowed in strict mode (vrrp_strict / strict_mode): keepalived 2.2.7 reports it "
              "as an error and sends the adverts on the VMAC; remove it, or turn strict mode off");
      const std::string& name = names[i];
      const std::string key = inst.vmac_interface.empty() ? "use_vmac" : "vmac_interface";
      if (name.size() > 15) {
        error(join_path(path, key), "the VMAC interface name " + quote(name) +
                                        " is longer than 15 characters: set vmac_interface, or a shorter "
                                        "global vmac_prefix");
      } else if (name == inst.interface) {
        error(join_path(path, key), "the VMAC interface " + quote(name) + " is the instance's own interface: "
                                    "allowed another name");
      } else if (auto [it, inserted] = by_name.emplace(name, i); !inserted) {
        error(join_path(path, key), "the VMAC interface " + quote(name) + " is also the VMAC of instance " +
                                        quote(config_.vrrp_instances[it->second].name) +
                                        ": allowed one VMAC per instance");
      }
    }
  }

  // keepalived's strict mode: what keepalived 2.2.7 reports as a
  // configuration error (`keepalived -t` fails) is refused, saying what
  // keepalived would run instead.
  void check_strict_mode(const VrrpInstance& inst, const std::string& path) {
    if (!strict_mode(config_.global, inst)) return;
    const std::string why = " in strict mode (vrrp_strict / strict_mode)";
    if (inst.authentication)
      error(join_path(path, "authentication"),
            "authentication is not allowed" + why + ": keepalived 2.2.7 reports it as an error and runs without "
            "authentication; remove it, or turn strict mode off");
    if (inst.state == VrrpState::kMaster && inst.priority != 255)
      error(join_path(path, "state"),
            "state MASTER needs priority 255 (the address owner)" + why +
                ": keepalived 2.2.7 reports it as an error and starts the instance as BACKUP; use state BACKUP");
    if (inst.preempt_delay > Duration::zero())
      error(join_path(path, "preempt_delay"),
            "preempt_delay is not allowed" + why + ": keepalived 2.2.7 reports it as an error and sets it to 0");
    if (inst.accept.value_or(false) && inst.version == 2 && inst.priority != 255)
      error(join_path(path, "accept"),
            "accept with VRRPv2 is not allowed" + why + " (RFC 3768 has no Accept_Mode): keepalived 2.2.7 "
            "reports it as an error and runs without accept; use version 3 or remove accept");
    // keepalived's extensions of a master's replies: strict mode keeps to the RFCs.
    const std::string resets = ": keepalived 2.2.7 reports it as an error and resets it";
    if (inst.lower_prio_no_advert == false)
      error(join_path(path, "lower_prio_no_advert"), "lower_prio_no_advert: false is not allowed" + why + resets + " to true");
    if (inst.higher_prio_send_advert)
      error(join_path(path, "higher_prio_send_advert"), "higher_prio_send_advert is not allowed" + why + resets + " to false");
    if (inst.garp_lower_prio_repeat.value_or(0) > 0)
      error(join_path(path, "garp_lower_prio_repeat"), "garp_lower_prio_repeat is not allowed" + why + resets + " to 0");
    if (inst.garp_lower_prio_delay.value_or(Duration{0}) > Duration::zero())
      error(join_path(path, "garp_lower_prio_delay"), "garp_lower_prio_delay is not allowed" + why + resets + " to 0");
    if (inst.down_timer_adverts != 3)
      error(join_path(path, "down_timer_adverts"), "down_timer_adverts other than 3 is not allowed" + why + resets + " to 3");
  }

  void check_instance(std::size_t i) {
    const VrrpInstance& inst = config_.vrrp_instances[i];
    const std::string path = index_path("vrrp_instances", i);
    if (inst.name.empty()) {
      missing(path, "name", "a unique instance name");
    } else if (!instance_names_.insert(inst.name).second) {
      error(join_path(path, "name"), "duplicate VRRP instance name " + quote(inst.name) + ": names must be unique");
    }
    if (inst.interface.empty()) missing(path, "interface", "an interface name");
    if (inst.virtual_router_id == 0) missing(path, "virtual_router_id", "1-255");

    const std::string advert = join_path(path, "advert_int");
    auto ms = inst.advert_int.count();
    if (inst.version == 2) {
      if (ms % 1000 != 0 || ms < 1000 || ms > 255'000)
        error(advert, quote(duration_text(inst.advert_int)) +
                          " is not valid for VRRPv2: allowed whole seconds 1s-255s (RFC 3768 section 5.3.7)");
    } else if (ms % 10 != 0 || ms < 10 || ms > 40'950) {
      error(advert, quote(duration_text(inst.advert_int)) +
                        " is not valid for VRRPv3: allowed 10ms-40950ms in steps of 10ms (RFC 5798 section 5.2.7)");
    }
    if (inst.authentication) {
      if (inst.version == 3)
        error(join_path(path, "authentication"),
              "authentication is not allowed with version 3: VRRPv3 has no authentication (RFC 5798 section 9)");
      const auto& pass = inst.authentication->pass;
      if (pass.empty() || pass.size() > 8)
        error(join_path(path, "authentication.pass"),
              "password of " + std::to_string(pass.size()) +
                  " characters: allowed 1-8 characters (RFC 3768 section 5.3.6.1)");
    }
    if (inst.priority == 255 && inst.state != VrrpState::kMaster)
      error(join_path(path, "priority"),
            "priority 255 is reserved for the address owner, which starts as MASTER: set state MASTER or use "
            "1-254 (RFC 3768 section 5.3.4)");
    if (inst.nopreempt && inst.state != VrrpState::kBackup)
      error(join_path(path, "nopreempt"), "nopreempt needs state BACKUP: a MASTER start always takes over");
    if (inst.preempt_delay > seconds(1000))
      error(join_path(path, "preempt_delay"),
            quote(duration_text(inst.preempt_delay)) + " is out of range: allowed 0s-1000s");
    if (inst.garp_extra_if > seconds(86400) || inst.garp_extra_if.count() % 1000 != 0)
      error(join_path(path, "garp_extra_if"),
            quote(duration_text(inst.garp_extra_if)) + " is not valid: allowed whole seconds 0s-86400s");
    if (inst.garp_extra_if_all && inst.garp_extra_if == Duration::zero())
      error(join_path(path, "garp_extra_if_all"), "garp_extra_if_all needs a garp_extra_if interval");
    if (inst.garp_master_delay > seconds(255))
      error(join_path(path, "garp_master_delay"),
            quote(duration_text(inst.garp_master_delay)) + " is out of range: allowed 0s-255s");

    check_virtual_ips(inst, path);
    check_strict_mode(inst, path);
    check_excluded_ips(inst, path);

    // RFC 5798 section 5.2.3: a VRID identifies a router per interface and address family.
    if (inst.virtual_router_id != 0 && !inst.interface.empty() && !inst.virtual_ipaddress.empty()) {
      auto key = std::make_tuple(inst.interface, inst.virtual_ipaddress.front().prefix.address.family(),
                                 inst.virtual_router_id);
      auto [it, inserted] = vrids_.emplace(key, i);
      if (!inserted)
        error(join_path(path, "virtual_router_id"),
              "virtual_router_id " + std::to_string(inst.virtual_router_id) + " is already used on " +
                  inst.interface + " by " + quote(config_.vrrp_instances[it->second].name) +
                  ": allowed one instance per VRID, interface and address family");
    }

    std::optional<core::AddressFamily> family;
    if (!inst.virtual_ipaddress.empty()) family = inst.virtual_ipaddress.front().prefix.address.family();
    if (inst.unicast_src_ip && family && inst.unicast_src_ip->family() != *family)
      error(join_path(path, "unicast_src_ip"),
            std::string(to_string(inst.unicast_src_ip->family())) + " source for " +
                std::string(to_string(*family)) + " virtual addresses: allowed the same family");
    std::set<core::IpAddress> peers;
    for (std::size_t p = 0; p < inst.unicast_peer.size(); ++p) {
      const auto& peer = inst.unicast_peer[p];
      std::string ppath = index_path(join_path(path, "unicast_peer"), p);
      if (family && peer.family() != *family)
        error(ppath, std::string(to_string(peer.family())) + " peer for " + std::string(to_string(*family)) +
                         " virtual addresses: allowed the same family");
      if (!peers.insert(peer).second) error(ppath, "duplicate unicast peer " + quote(peer.to_string()));
    }
    // RFC 5798 7.1: adverts to the multicast group are always TTL-checked.
    if (!inst.check_unicast_ttl && inst.unicast_peer.empty())
      error(join_path(path, "check_unicast_ttl"),
            "check_unicast_ttl: false needs unicast_peer: allowed only in unicast mode (multicast adverts must "
            "arrive with TTL 255)");
    if (inst.unicast_ttl && inst.unicast_peer.empty())
      error(join_path(path, "unicast_ttl"),
            "unicast_ttl needs unicast_peer: multicast adverts are sent with TTL 255 (keepalived 2.2.7 reports it as "
            "an error and resets it)");
    std::set<std::string> tracked;
    for (std::size_t t = 0; t < inst.track_interface.size(); ++t)
      if (!tracked.insert(inst.track_interface[t].name).second)
        error(index_path(join_path(path, "track_interface"), t),
              "interface " + quote(inst.track_interface[t].name) + " is tracked twice");
    check_track_scripts(inst, path);
    check_tracked_files(inst, path);
    check_tracked_processes(inst.track_process, path);
  }

  void check_static_addresses() {
    for (std::size_t i = 0; i < config_.static_ipaddress.size(); ++i) {
      const auto& a = config_.static_ipaddress[i];
      const std::string p = index_path("static_ipaddress", i);
      if (a.dev.empty()) missing(p, "dev", "the device the address goes on (dev NAME)");
      if (!a.label.empty() && !a.dev.empty() && a.label.rfind(a.dev, 0) != 0)
        error(p, "label " + quote(a.label) + " must start with the device name " + quote(a.dev));
    }
  }

  // What every VRRP address is held to, a VIP or an excluded one: a label
  // (IPv4 only) starts with its device's name, and no address is listed twice
  // in the whole file.
  void check_vip_label_and_uniqueness(const VrrpInstance& inst, const VirtualIpAddress& vip, const std::string& p) {
    const std::string& dev = vip.dev.empty() ? inst.interface : vip.dev;
    // The mapping form's options (the text form checks them as it reads them).
    if (vip.broadcast && (!vip.broadcast->is_ipv4() || !vip.prefix.address.is_ipv4()))
      error(join_path(p, "brd"), "brd: allowed an IPv4 broadcast address, for an IPv4 address");
    if (vip.peer && vip.peer->family() != vip.prefix.address.family())
      error(join_path(p, "peer"), "peer: allowed an address of the same family");
    if ((vip.home || vip.mngtmpaddr) && vip.prefix.address.is_ipv4())
      error(p, "home and mngtmpaddr are for IPv6 addresses only");
    if (!vip.label.empty()) {
      if (!vip.prefix.address.is_ipv4())
        error(p, "label " + quote(vip.label) + " on an IPv6 address: labels exist for IPv4 only");
      else if (!dev.empty() && vip.label.rfind(dev, 0) != 0)
        error(p, "label " + quote(vip.label) + " must start with the device name " + quote(dev));
    }
    auto [it, inserted] = vips_.emplace(vip.prefix.address, p);
    if (!inserted)
      error(p, "duplicate virtual address " + quote(vip.prefix.address.to_string()) + ": already at " + it->second);
  }

  // virtual_ipaddress_excluded: any family; no address of virtual_ipaddress
  // (checked after check_virtual_ips filled vips_) or listed twice.
  void check_excluded_ips(const VrrpInstance& inst, const std::string& path) {
    const std::string xpath = join_path(path, "virtual_ipaddress_excluded");
    for (std::size_t v = 0; v < inst.virtual_ipaddress_excluded.size(); ++v) {
      const auto& vip = inst.virtual_ipaddress_excluded[v];
      const std::string p = index_path(xpath, v);
      check_vip_label_and_uniqueness(inst, vip, p);
    }
  }

  void check_virtual_ips(const VrrpInstance& inst, const std::string& path) {
    const std::string vpath = join_path(path, "virtual_ipaddress");
    if (inst.virtual_ipaddress.empty()) {
      missing(path, "virtual_ipaddress", "at least one address");
      return;
    }
    core::AddressFamily family = inst.virtual_ipaddress.front().prefix.address.family();
    for (std::size_t v = 0; v < inst.virtual_ipaddress.size(); ++v) {
      const auto& vip = inst.virtual_ipaddress[v];
      std::string p = index_path(vpath, v);
      if (vip.prefix.address.family() != family) {
        error(p, quote(vip.prefix.address.to_string()) + " is " + std::string(to_string(vip.prefix.address.family())) +
                     " but the instance's first address is " + std::string(to_string(family)) +
                     ": allowed one address family per instance (RFC 5798 section 5.2.9)");
      } else if (inst.version == 2 && !vip.prefix.address.is_ipv4()) {
        error(p, quote(vip.prefix.address.to_string()) + " is IPv6: VRRPv2 carries IPv4 only (RFC 3768); set version 3");
      }
      check_vip_label_and_uniqueness(inst, vip, p);
    }
  }

  void check_sync_groups() {
    std::set<std::string> names;
    std::map<std::string, std::string> member_of;
    for (std::size_t g = 0; g < config_.vrrp_sync_groups.size(); ++g) {
      const auto& group = config_.vrrp_sync_groups[g];
      std::string path = index_path("vrrp_sync_groups", g);
      if (group.name.empty())
        missing(path, "name", "a unique group name");
      else if (!names.insert(group.name).second)
        error(join_path(path, "name"), "duplicate sync group name " + quote(group.name));
      if (group.group.empty()) missing(path, "group", "a list of vrrp_instances[].name");
      check_tracked_processes(group.track_process, path);
      for (std::size_t m = 0; m < group.group.size(); ++m) {
        const auto& member = group.group[m];
        std::string mpath = index_path(join_path(path, "group"), m);
        if (!instance_exists(member)) {
          std::vector<std::string> candidates(instance_names_.begin(), instance_names_.end());
          std::string msg = "no VRRP instance named " + quote(member);
          if (auto near = did_you_mean(member, candidates)) msg += ": did you mean '" + *near + "'?";
          else msg += ": allowed a vrrp_instances[].name";
          error(mpath, msg);
        } else if (auto [it, inserted] = member_of.emplace(member, path); !inserted) {
          error(mpath, "instance " + quote(member) + " is already in " + it->second +
                           ": allowed in one sync group only");
        }
      }
    }
  }

  // Each group: its name, and members that are an address (or range) with a
  // port, or a fwmark. Groups that pass are in valid_groups_ (a virtual
  // server expands only those).
  void check_virtual_server_groups() {
    for (std::size_t g = 0; g < config_.virtual_server_groups.size(); ++g) {
      const auto& group = config_.virtual_server_groups[g];
      const std::string path = index_path("virtual_server_groups", g);
      const std::size_t before = errors_.size();
      if (group.name.empty()) missing(path, "name", "a unique group name");
      else if (group_names_.count(group.name))
        error(join_path(path, "name"), "duplicate virtual_server_group name " + quote(group.name));
      if (group.members.empty()) missing(path, "members", "a list of {address, port} or {fwmark}");
      std::uint64_t services = 0;
      for (std::size_t m = 0; m < group.members.size(); ++m) {
        const auto& e = group.members[m];
        const std::string mpath = index_path(join_path(path, "members"), m);
        if (!e.address && !e.fwmark)
          error(mpath, "neither address nor fwmark: allowed an IP address or range and a port, or a fwmark");
        if (e.address && e.fwmark)
          error(join_path(mpath, "fwmark"), "fwmark together with address: allowed one of address+port or fwmark");
        if (e.fwmark && e.port != 0) error(join_path(mpath, "port"), "port with fwmark: a fwmark service has no port");
        if (e.address && e.family)
          error(join_path(mpath, "family"), "family with an address: allowed with fwmark only (an address has its own)");
        if (e.address) {
          const std::uint64_t n = e.address_count();
          if (n == 0) error(join_path(mpath, "address"), "the range's end is not above its start");
          else if (n > kMaxGroupServices)
            error(join_path(mpath, "address"), quote(address_range_text(e)) + " holds " +
                                                   (n >= (std::uint64_t{1} << 32) ? "over 4294967295" : std::to_string(n)) +
                                                   " addresses: allowed up to " + std::to_string(kMaxGroupServices) +
                                                   " (one IPVS service each)");
          services += n;
        } else {
          ++services;
        }
      }
      if (services > kMaxGroupServices)
        error(join_path(path, "members"), std::to_string(services) + " services: allowed up to " +
                                              std::to_string(kMaxGroupServices) + " per group");
      if (!group.name.empty()) group_names_.insert(group.name);
      if (errors_.size() == before) valid_groups_.insert(group.name);
    }
  }

  // The members of vs's group as services: duplicates, families and ports.
  void check_group_members(const VirtualServer& vs, const std::string& path) {
    const std::string gpath = join_path(path, "group");
    const VirtualServerGroup* group = find_virtual_server_group(config_, *vs.group);
    if (group == nullptr) {
      std::vector<std::string> candidates(group_names_.begin(), group_names_.end());
      std::string msg = "no virtual_server_group named " + quote(*vs.group);
      if (auto near = did_you_mean(*vs.group, candidates)) msg += ": did you mean '" + *near + "'?";
      else msg += ": allowed a virtual_server_groups[].name";
      error(gpath, msg);
      return;
    }
    if (!valid_groups_.count(group->name)) return;  // its own errors say enough
    const bool tunnel = vs.lb_kind == ForwardingMethod::kTun;
    const std::string of_group = " of virtual_server_group " + quote(group->name);
    for (const auto& e : group->members) {
      if (e.fwmark) {
        const core::AddressFamily family = e.family.value_or(vs.family());
        if (family != vs.family() && !tunnel)
          error(gpath, "fwmark " + std::to_string(*e.fwmark) + of_group + " is " + std::string(to_string(family)) +
                           " and the real servers " + std::string(to_string(vs.family())) +
                           ": IPVS forwards across families only with lb_kind TUN");
        auto [it, inserted] = fwmarks_.emplace(std::make_pair(*e.fwmark, family), path);
        if (!inserted)
          error(gpath, "duplicate virtual server fwmark " + std::to_string(*e.fwmark) + of_group + ": already at " +
                           it->second);
        continue;
      }
      if (e.port == 0 && vs.persistence_timeout.count() == 0)
        error(gpath, quote(address_range_text(e)) + of_group + " has port 0 (all ports), only allowed for a "
                     "persistent service: give it a port, or set persistence_timeout");
      if (e.address->family() != vs.family() && !tunnel)
        error(gpath, quote(address_range_text(e)) + of_group + " is " + std::string(to_string(e.address->family())) +
                         " and the real servers " + std::string(to_string(vs.family())) +
                         ": IPVS forwards across families only with lb_kind TUN");
      if (e.port != 0) group_ports_.insert(e.port);
      for (const auto& a : e.addresses()) {
        auto [it, inserted] =
            services_.emplace(std::make_tuple(static_cast<int>(vs.protocol), a.to_string(), e.port), path);
        if (!inserted) {
          error(gpath, "duplicate virtual server " + std::string(to_string(vs.protocol)) + " " + a.to_string() +
                           " port " + std::to_string(e.port) + of_group + ": already at " + it->second);
          break;  // one error per member
        }
      }
    }
  }

  // lb_kind with its tunnel settings (a virtual, real or sorry server's).
  void check_forwarding(const Forwarding& f, const std::string& path) {
    if (f.lb_kind != ForwardingMethod::kTun) {
      const char* key = f.tunnel_port                                  ? "tunnel_port"
                        : f.tunnel_type != TunnelType::kIpip           ? "tunnel_type"
                        : f.tunnel_checksum != TunnelChecksum::kNone ? "tunnel_checksum"
                                                                       : nullptr;
      if (key != nullptr)
        error(join_path(path, key), "tunnel settings with lb_kind " + std::string(to_string(f.lb_kind)) +
                                        ": allowed only with lb_kind TUN");
      return;
    }
    if (f.tunnel_type == TunnelType::kGue && !f.tunnel_port)
      missing(path, "tunnel_port", "the GUE UDP port 1-65535 (tunnel_type gue)");
    else if (f.tunnel_type != TunnelType::kGue && f.tunnel_port)
      error(join_path(path, "tunnel_port"), "tunnel_port with tunnel_type " +
                                                std::string(to_string(f.tunnel_type)) + ": allowed only with gue");
    if (f.tunnel_checksum != TunnelChecksum::kNone && f.tunnel_type == TunnelType::kIpip)
      error(join_path(path, "tunnel_checksum"), quote(std::string(to_string(f.tunnel_checksum))) +
                                                    " with tunnel_type ipip: allowed only with gue or gre");
    else if (f.tunnel_type == TunnelType::kGre && f.tunnel_checksum == TunnelChecksum::kRemote)
      error(join_path(path, "tunnel_checksum"), "'remcsum' with tunnel_type gre: allowed nocsum or csum (remote "
                                                "checksum offload is GUE's only)");
  }

  void check_virtual_server(std::size_t i) {
    const VirtualServer& vs = config_.virtual_servers[i];
    const std::string path = index_path("virtual_servers", i);
    group_ports_.clear();
    if (!vs.address && !vs.fwmark && !vs.group)
      missing(path, "address", "an IP address and port, a fwmark, or a group");
    if (vs.group && (vs.address || vs.fwmark))
      error(join_path(path, "group"), std::string("group together with ") + (vs.address ? "address" : "fwmark") +
                                          ": allowed one of address+port, fwmark or group");
    if (vs.group && vs.port != 0)
      error(join_path(path, "port"), "port with group: the group's members have their ports");
    if (vs.ip_family && vs.address && vs.address->family() != *vs.ip_family)
      error(join_path(path, "ip_family"), std::string("ip_family ") + std::string(address_family_text(*vs.ip_family)) +
                                              " for the " + std::string(to_string(vs.address->family())) +
                                              " address " + vs.address->to_string() + ": allowed its own family");
    if (vs.group) check_group_members(vs, path);
    if (vs.address && vs.fwmark)
      error(join_path(path, "fwmark"), "fwmark together with address: allowed one of address+port or fwmark");
    if (vs.address && vs.port == 0 && vs.persistence_timeout.count() == 0)
      error(join_path(path, "port"),
            "port 0 (all ports) is only allowed for a persistent service: allowed 1-65535, or set "
            "persistence_timeout");
    if (vs.fwmark && !vs.address && vs.port != 0)
      error(join_path(path, "port"), "port with fwmark: a fwmark service has no port");

    // Duplicate services: same protocol+address+port, or same fwmark and family.
    if (vs.address) {
      auto [it, inserted] = services_.emplace(
          std::make_tuple(static_cast<int>(vs.protocol), vs.address->to_string(), vs.port), path);
      if (!inserted)
        error(join_path(path, "address"), "duplicate virtual server " + std::string(to_string(vs.protocol)) + " " +
                                              vs.address->to_string() + " port " + std::to_string(vs.port) +
                                              ": already at " + it->second);
    } else if (vs.fwmark) {
      auto [it, inserted] = fwmarks_.emplace(std::make_pair(*vs.fwmark, vs.family()), path);
      if (!inserted)
        error(join_path(path, "fwmark"),
              "duplicate virtual server fwmark " + std::to_string(*vs.fwmark) + ": already at " + it->second);
    }

    if (vs.persistence_timeout.count() % 1000 != 0)
      error(join_path(path, "persistence_timeout"),
            quote(duration_text(vs.persistence_timeout)) + " is not whole seconds: IPVS timeouts are in seconds");
    if (vs.persistence_granularity && vs.family() == core::AddressFamily::kIpv4 && *vs.persistence_granularity > 32)
      error(join_path(path, "persistence_granularity"),
            "prefix /" + std::to_string(*vs.persistence_granularity) + " for an IPv4 service: allowed 0-32");
    check_forwarding(vs.forwarding(), path);
    if (vs.delay_loop.count() == 0) error(join_path(path, "delay_loop"), "'0s' is too short: allowed 1ms or more");
    if (vs.persistence_engine && *vs.persistence_engine != "sip")
      error(join_path(path, "persistence_engine"),
            quote(*vs.persistence_engine) + " is not an IPVS persistence engine: allowed sip (Linux has no other)");
    else if (vs.persistence_engine && vs.persistence_timeout.count() == 0)
      error(join_path(path, "persistence_engine"), "a persistence engine without persistence_timeout: IPVS uses "
                                                   "it only for a persistent service; set persistence_timeout");
    if (vs.connect_timeout && vs.connect_timeout->count() == 0)
      error(join_path(path, "connect_timeout"), "'0s' is too short: allowed 1ms or more");
    if (vs.announce && !vs.address)
      error(join_path(path, "announce"), std::string("announce on a ") + (vs.group ? "group" : "fwmark") +
                                             " service: only a virtual server's own address can be announced");
    if (vs.announce && vs.address) {
      for (const auto& inst : config_.vrrp_instances)
        for (const auto& vip : inst.virtual_ipaddress)
          if (vip.prefix.address == *vs.address)
            error(join_path(path, "announce"), vs.address->to_string() + " is also a VIP of vrrp_instance '" +
                                                   inst.name + "': a VIP is either moved by VRRP or announced, not both");
    }
    const VirtualServerGroup* group = vs.group ? find_virtual_server_group(config_, *vs.group) : nullptr;
    const bool fwmarks_only = group != nullptr && std::all_of(group->members.begin(), group->members.end(),
                                                              [](const VirtualServerGroupEntry& e) { return !e.address; });
    if (vs.ops && !vs.fwmark && !fwmarks_only && vs.protocol != Protocol::kUdp)
      error(join_path(path, "ops"), "one-packet scheduling with protocol " + std::string(to_string(vs.protocol)) +
                                        ": allowed only with protocol UDP");
    if (vs.sorry_server && vs.sorry_server->forwarding)
      check_forwarding(*vs.sorry_server->forwarding, join_path(path, "sorry_server"));
    if (vs.sorry_server && vs.sorry_server->address.family() != vs.family() &&
        vs.sorry_server->forwarding.value_or(vs.forwarding()).lb_kind != ForwardingMethod::kTun)
      error(join_path(path, "sorry_server"),
            std::string(to_string(vs.sorry_server->address.family())) + " sorry server for an " +
                std::string(to_string(vs.family())) + " service: IPVS forwards across families only with lb_kind TUN");
    for (const auto& [key, script] : {std::pair{"quorum_up", &vs.quorum_up}, std::pair{"quorum_down", &vs.quorum_down}})
      if (*script && core::split_command_line(**script).empty())
        error(join_path(path, key), quote(**script) + " holds no command: allowed a command line");

    std::set<std::pair<core::IpAddress, std::uint16_t>> reals;
    for (std::size_t r = 0; r < vs.real_servers.size(); ++r) check_real_server(vs, path, r, reals);
  }

  void check_real_server(const VirtualServer& vs, const std::string& vs_path, std::size_t r,
                         std::set<std::pair<core::IpAddress, std::uint16_t>>& reals) {
    const RealServer& rs = vs.real_servers[r];
    const RealServerOptions& o = *rs.options;
    // Built only for what is said about it, or for its checks (10,000 real
    // servers were 20,000 allocations of a path never used).
    auto path = [&] { return index_path(join_path(vs_path, "real_servers"), r); };
    const std::uint16_t effective_port = rs.port != 0 ? rs.port : vs.port;
    if (!reals.emplace(rs.address, effective_port).second)
      error(join_path(path(), "address"), "duplicate real server " + quote(rs.address.to_string()) + " port " +
                                            std::to_string(effective_port) + " in this virtual server");
    if (o.forwarding) check_forwarding(*o.forwarding, path());
    const ForwardingMethod lb_kind = o.forwarding.value_or(vs.forwarding()).lb_kind;
    if (rs.address.family() != vs.family() && lb_kind != ForwardingMethod::kTun)
      error(join_path(path(), "address"),
            std::string(to_string(rs.address.family())) + " real server in an " +
                std::string(to_string(vs.family())) + " virtual server: IPVS forwards across families only with "
                "lb_kind TUN");
    if ((lb_kind == ForwardingMethod::kDr || lb_kind == ForwardingMethod::kTun) && vs.address &&
        vs.port != 0 && rs.port != 0 && rs.port != vs.port)
      error(join_path(path(), "port"), "port " + std::to_string(rs.port) + " differs from the virtual server's port " +
                                         std::to_string(vs.port) + ": lb_kind " +
                                         std::string(to_string(lb_kind)) +
                                         " cannot change ports; allowed " + std::to_string(vs.port) + " or NAT");
    if ((lb_kind == ForwardingMethod::kDr || lb_kind == ForwardingMethod::kTun) && vs.group && rs.port != 0)
      for (std::uint16_t port : group_ports_)
        if (port != rs.port) {
          error(join_path(path(), "port"), "port " + std::to_string(rs.port) + " differs from port " +
                                             std::to_string(port) + " of a member of group " + quote(*vs.group) +
                                             ": lb_kind " + std::string(to_string(lb_kind)) +
                                             " cannot change ports; leave the real server's port out (each service's "
                                             "own), or use NAT");
          break;
        }
    for (const auto& [key, script] : {std::pair{"notify_up", &o.notify_up}, std::pair{"notify_down", &o.notify_down}})
      if (*script && core::split_command_line(**script).empty())
        error(join_path(path(), key), quote(**script) + " holds no command: allowed a command line");
    if (o.lthreshold != 0 && o.uthreshold != 0 && o.lthreshold > o.uthreshold)
      error(join_path(path(), "lthreshold"), "lthreshold " + std::to_string(o.lthreshold) + " above uthreshold " +
                                               std::to_string(o.uthreshold) + ": allowed up to uthreshold");
    for (const auto& [key, value] : {std::pair{"connect_timeout", o.connect_timeout}, std::pair{"delay_loop", o.delay_loop}})
      if (value && value->count() == 0) error(join_path(path(), key), "'0s' is too short: allowed 1ms or more");
    if (!rs.checks.empty()) {
      const std::string p = path();
      for (std::size_t c = 0; c < rs.checks.size(); ++c) check_check(vs, rs, check_path(p, rs.checks, c), c);
    }
    for (std::size_t f = 0; f < rs.options->file_checks.size(); ++f) {
      const std::string fpath = rs.options->file_checks.size() > 1 ? index_path(join_path(path(), "FILE_CHECK"), f)
                                                           : join_path(path(), "FILE_CHECK");
      if (!track_file_names_.count(rs.options->file_checks[f].name))
        error(join_path(fpath, "track_file"),
              "no track_file named " + quote(rs.options->file_checks[f].name) + ": allowed a track_files[].name");
    }
  }

  void check_check(const VirtualServer& vs, const RealServer& rs, const std::string& path, std::size_t c) {
    const Check& check = rs.checks[c];
    // MISC_CHECK runs a script and PING_CHECK sends ICMP: no port.
    bool portless = std::holds_alternative<MiscCheck>(check.probe) || std::holds_alternative<PingCheck>(check.probe);
    if (!portless && !check.connect_port && rs.port == 0 && vs.port == 0)
      error(path, "no target port: set connect_port, or give the real server a port");
    if (check.connect_timeout && check.connect_timeout->count() == 0)
      error(join_path(path, "connect_timeout"), "'0s' is too short: allowed 1ms or more");
    if (check.delay_loop && check.delay_loop->count() == 0)
      error(join_path(path, "delay_loop"), "'0s' is too short: allowed 1ms or more");
    check_socket_options(rs, check, path);
    if (const auto* http = std::get_if<HttpCheck>(&check.probe)) {
      if (http->url.empty()) missing(path, "url", "a list of {path, status_code, digest}");
      for (std::size_t u = 0; u < http->url.size(); ++u) {
        std::string upath = index_path(join_path(path, "url"), u);
        if (http->url[u].path.empty())
          missing(upath, "path", "an absolute URL path such as /health");
        else if (http->url[u].path[0] != '/')
          error(join_path(upath, "path"), quote(http->url[u].path) + " is not an absolute path: allowed /...");
        check_url_regex(http->url[u], upath);
      }
    }
    if (const auto* udp = std::get_if<UdpCheck>(&check.probe)) {
      if (udp->reply && !udp->require_reply)
        error(join_path(path, "require_reply"), "a reply pattern with require_reply off: allowed a pattern only "
                                                "when a reply is required");
      if (udp->min_reply_length > udp->max_reply_length)
        error(join_path(path, "min_reply_length"),
              std::to_string(udp->min_reply_length) + " is above max_reply_length " +
                  std::to_string(udp->max_reply_length) + ": every reply would fail");
      if (udp->payload && std::any_of(udp->payload->wildcard.begin(), udp->payload->wildcard.end(),
                                      [](std::uint8_t w) { return w != 0; }))
        error(join_path(path, "payload"), "x digits in the payload: allowed hex digits only");
    }
    if (const auto* misc = std::get_if<MiscCheck>(&check.probe)) {
      if (misc->misc_path.empty()) missing(path, "misc_path", "a command line");
      if (misc->misc_timeout && misc->misc_timeout->count() == 0)
        error(join_path(path, "misc_timeout"), "'0s' is too short: allowed 1ms or more");
    }
  }

  // bindto, bind_port, bind_if, fwmark: what keepalived 2.2.7 would refuse or ignore.
  void check_socket_options(const RealServer& rs, const Check& check, const std::string& path) {
    const std::string_view keyword = check_keyword(check);
    const bool misc = std::holds_alternative<MiscCheck>(check.probe);
    const bool redis = std::holds_alternative<RedisCheck>(check.probe);
    for (const auto& [key, given] : {std::pair{"bindto", check.bindto.has_value()},
                                     std::pair{"bind_port", check.bind_port.has_value()},
                                     std::pair{"bind_if", check.bind_if.has_value()},
                                     std::pair{"fwmark", check.fwmark.has_value()}}) {
      if (!given) continue;
      if (misc)
        error(join_path(path, key), std::string(key) + " in a MISC_CHECK: a script has no probe socket (keepalived "
                                    "2.2.7 has no such keyword there)");
      else if (redis && std::string_view(key) != "bindto")
        error(join_path(path, key), std::string(key) + " in a REDIS_CHECK: hiredis opens the socket itself; "
                                    "allowed bindto only");
    }
    if (misc) return;
    const core::IpAddress target = check.connect_ip.value_or(rs.address);
    if (check.bindto && check.bindto->family() != target.family())
      error(join_path(path, "bindto"), check.bindto->to_string() + " is not of the family of the target " +
                                           target.to_string() + " (keepalived 2.2.7 skips such a bindto): allowed an " +
                                           (target.is_ipv4() ? "IPv4" : "IPv6") + " address");
    if (check.bind_port && !check.bindto)
      error(join_path(path, "bind_port"), "bind_port without bindto: keepalived 2.2.7 binds the probe only to a bindto "
                                          "address, so the port alone is not used; add bindto");
    if (target.is_ipv6_link_local() && !check.bind_if && !std::holds_alternative<PingCheck>(check.probe))
      error(join_path(path, check.connect_ip ? "connect_ip" : "bind_if"),
            std::string(keyword) + " to the link-local address " + target.to_string() +
                " needs bind_if (keepalived 2.2.7 drops the check): add bind_if INTERFACE");
    if (check.bindto && check.bindto->is_ipv6_link_local() && !check.bind_if)
      error(join_path(path, "bindto"), "the link-local bindto " + check.bindto->to_string() +
                                           " needs bind_if (the kernel binds it only on an interface): add bind_if");
  }

  void check_url_regex(const UrlCheck& url, const std::string& upath) {
    if (!url.regex) {
      for (const auto& [key, given] : {std::pair{"regex_no_match", url.regex_no_match},
                                       std::pair{"regex_options", !url.regex_options.empty()},
                                       std::pair{"regex_min_offset", url.regex_min_offset.has_value()},
                                       std::pair{"regex_max_offset", url.regex_max_offset.has_value()},
                                       std::pair{"regex_stack", url.regex_stack.has_value()}})
        if (given)
          error(join_path(upath, key), std::string(key) + " without regex (keepalived 2.2.7 ignores it): add regex "
                                       "or remove it");
      return;
    }
    if (auto compiled = core::ResponseRegex::compile(*url.regex, url.regex_options); !compiled)
      error(join_path(upath, "regex"), quote(*url.regex) + ": " + compiled.error().message +
                                           " (keepalived 2.2.7 drops the url's regex)");
    if (url.regex_min_offset && url.regex_max_offset && *url.regex_min_offset > *url.regex_max_offset)
      error(join_path(upath, "regex_min_offset"),
            "regex_min_offset " + std::to_string(*url.regex_min_offset) + " above regex_max_offset " +
                std::to_string(*url.regex_max_offset) + " (keepalived 2.2.7 ignores both): allowed at most the max");
  }

  const Config& config_;
  const SourceMap& sources_;
  std::vector<ConfigError> errors_;
  std::set<std::string> instance_names_;
  std::set<std::string> script_names_;
  std::set<std::string> track_file_names_;
  std::set<std::string> track_process_names_;
  std::map<std::tuple<std::string, core::AddressFamily, std::uint8_t>, std::size_t> vrids_;
  std::map<core::IpAddress, std::string> vips_;
  std::map<std::tuple<int, std::string, std::uint16_t>, std::string> services_;
  std::map<std::pair<std::uint32_t, core::AddressFamily>, std::string> fwmarks_;
  static constexpr std::uint64_t kMaxGroupServices = 65536;
  std::set<std::string> group_names_;
  std::set<std::string> valid_groups_;
  std::set<std::uint16_t> group_ports_;  // the non-zero ports of the group of the virtual server checked now
};

}  // namespace

std::vector<ConfigError> validate(const Config& config, const SourceMap& sources) {
  return Validator(config, sources).run();
}

std::string check_path(const std::string& rs_path, const std::vector<Check>& checks, std::size_t index) {
  std::string_view keyword = check_keyword(checks[index]);
  std::size_t same = 0;
  std::size_t position = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (check_keyword(checks[i]) != keyword) continue;
    if (i == index) position = same;
    ++same;
  }
  std::string path = join_path(rs_path, std::string(keyword));
  return same > 1 ? index_path(path, position) : path;
}

}  // namespace lvsd::conf
