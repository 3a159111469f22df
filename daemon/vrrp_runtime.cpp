#include "daemon/vrrp_runtime.hpp"

#include <net/if.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "core/log.hpp"
#include "core/script.hpp"
#include "core/sysctl.hpp"
#include "conf/ip_syntax.hpp"
#include "daemon/ip_config.hpp"
#include "daemon/vrrp_config.hpp"
#include "vrrp/addr.hpp"
#include "vrrp/address_monitor.hpp"
#include "vrrp/garp.hpp"
#include "vrrp/link_monitor.hpp"
#include "vrrp/neighbour_advert.hpp"
#include "vrrp/socket.hpp"
#include "vrrp/sync_group.hpp"
#include "vrrp/vip_filter.hpp"
#include "vrrp/vmac.hpp"

namespace lvsd::daemon {
namespace {

int ifindex_of(const std::string& name) { return static_cast<int>(if_nametoindex(name.c_str())); }

std::string ifname_of(int ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(static_cast<unsigned>(ifindex), buf) != nullptr ? std::string(buf) : std::string();
}

// An instance's settings as kept: all but the notify scripts.
conf::VrrpInstance without_notify(conf::VrrpInstance instance) {
  instance.notify = {};
  return instance;
}

// What a reload compares to decide on a rebuild: virtual routes and rules
// are changed in place (a master swaps them without a failover).
conf::VrrpInstance rebuild_settings(conf::VrrpInstance instance) {
  instance.notify = {};
  instance.virtual_routes.clear();
  instance.virtual_rules.clear();
  return instance;
}

class AddressVipPort final : public vrrp::VipPort {
 public:
  explicit AddressVipPort(vrrp::AddressClient& client) : client_(client) {}
  core::Status add(const vrrp::VipSpec& vip) override { return client_.add(vip); }
  core::Status remove(const vrrp::VipSpec& vip) override { return client_.remove(vip); }
  core::Result<std::vector<vrrp::InterfaceAddress>> list(core::AddressFamily family, int ifindex) override {
    return client_.list(family, ifindex);
  }

 private:
  vrrp::AddressClient& client_;
};

// No accept mode (vrrp_strict, no_accept): while the instance holds a VIP,
// packets to and from it are dropped. The drop goes in before the address and
// comes out after it, so the VIP never accepts a packet in between.
class FilteredVipPort final : public vrrp::VipPort {
 public:
  FilteredVipPort(vrrp::VipPort& inner, vrrp::VipFilter& filter, std::string instance)
      : inner_(inner), filter_(filter), instance_(std::move(instance)) {}
  core::Status add(const vrrp::VipSpec& vip) override {
    if (auto st = filter_.add(vip.prefix.address); !st.ok()) {
      core::log::get()->error("vrrp instance {}: no accept mode: cannot drop packets to {}: {}", instance_,
                              vip.prefix.address.to_string(), st.error().message);
    }
    return inner_.add(vip);
  }
  core::Status remove(const vrrp::VipSpec& vip) override {
    auto removed = inner_.remove(vip);
    if (auto st = filter_.remove(vip.prefix.address); !st.ok()) {
      core::log::get()->error("vrrp instance {}: no accept mode: {}", instance_, st.error().message);
    }
    return removed;
  }
  core::Result<std::vector<vrrp::InterfaceAddress>> list(core::AddressFamily family, int ifindex) override {
    return inner_.list(family, ifindex);
  }

 private:
  vrrp::VipPort& inner_;
  vrrp::VipFilter& filter_;
  std::string instance_;
};

class SocketAdvertPort final : public vrrp::AdvertPort {
 public:
  explicit SocketAdvertPort(vrrp::VrrpSocket socket) : socket_(std::move(socket)) {}
  core::Status send(std::span<const std::uint8_t> payload, const core::IpAddress& destination) override {
    return socket_.send(payload, destination);
  }
  vrrp::VrrpSocket& socket() { return socket_; }

 private:
  vrrp::VrrpSocket socket_;
};

// Gratuitous ARP for IPv4 VIPs, unsolicited NA for IPv6 ones, each on the
// VIP's own device; senders opened on first use.
class DeviceAnnouncer final : public vrrp::AnnouncePort {
 public:
  explicit DeviceAnnouncer(const std::vector<vrrp::VipSpec>& vips) {
    for (const auto& v : vips) device_of_[v.prefix.address] = v.ifindex;
  }
  core::Status announce(const core::IpAddress& vip) override {
    const int ifindex = device_of_[vip];
    const std::string name = ifname_of(ifindex);
    if (name.empty()) return core::Error{"interface index " + std::to_string(ifindex) + " is gone"};
    if (vip.family() == core::AddressFamily::kIpv4) {
      auto it = garp_.find(ifindex);
      if (it == garp_.end()) {
        auto opened = vrrp::GarpSender::open(name);
        if (!opened.ok()) return opened.error();
        it = garp_.emplace(ifindex, std::move(*opened)).first;
      }
      return it->second.send(vip);
    }
    auto it = na_.find(ifindex);
    if (it == na_.end()) {
      auto opened = vrrp::NaSender::open(name);
      if (!opened.ok()) return opened.error();
      it = na_.emplace(ifindex, std::move(*opened)).first;
    }
    return it->second.send(vip);
  }

 private:
  std::map<core::IpAddress, int> device_of_;
  std::map<int, vrrp::GarpSender> garp_;
  std::map<int, vrrp::NaSender> na_;
};

}  // namespace

struct VrrpRuntime::GroupEntry {
  std::unique_ptr<vrrp::SyncGroup> group;
  vrrp::NotifyConfig notify;
};

struct VrrpRuntime::Running {
  conf::VrrpInstance settings;  // without notify scripts: what a reload compares
  std::vector<vrrp::TrackedScript> tracked_scripts;  // and the weights its scripts give it
  std::vector<vrrp::TrackedFile> tracked_files;      // and its files
  std::vector<vrrp::TrackedProcess> tracked_processes;  // and its processes (its own and its sync group's)
  vrrp::NotifyConfig notify;
  bool priority_changes = false;  // vrrp_notify_priority_changes(): MASTER_PRIORITY lines
  std::vector<core::IpAddress> vips;
  bool accept = true;                          // conf::accept_mode(): false filters the VIPs
  std::unique_ptr<FilteredVipPort> filtered;   // no accept mode only
  // virtual_routes / virtual_rules held now (added on becoming MASTER).
  std::vector<conf::IpRoute> routes_held;
  std::vector<conf::IpRule> rules_held;
  std::unique_ptr<SocketAdvertPort> adverts;
  std::unique_ptr<DeviceAnnouncer> announcer;
  std::unique_ptr<vrrp::Instance> instance;  // after the ports it uses
  std::unique_ptr<core::IoWatcher> watcher;
  GroupEntry* group = nullptr;
  core::AddressFamily family = core::AddressFamily::kIpv4;
  std::string vmac;  // use_vmac: the VMAC's name
  // garp_extra_if ... all: the VIPs on other devices, announced every
  // interval while MASTER.
  std::vector<core::IpAddress> extra_vips;
  std::unique_ptr<core::Timer> extra_garp;
};

VrrpRuntime::VrrpRuntime(core::EventLoop& loop) : loop_(loop) {}

VrrpRuntime::~VrrpRuntime() {
  deleted_addresses_watcher_.reset();
  vrrp_scripts_.reset();  // its listener reaches the instances
  track_files_.reset();
  track_processes_.reset();
  // Instances first: they use the ports and the address client.
  instances_.clear();
  groups_.clear();
}

std::vector<core::IpAddress> VrrpRuntime::own_addresses(const vrrp::InstanceConfig& config) {
  std::vector<core::IpAddress> out;
  if (auto listed = addresses_->list(config.family, config.ifindex); listed.ok()) {
    for (const auto& a : *listed) out.push_back(a.prefix.address);
  }
  return out;
}

std::unique_ptr<VrrpRuntime::Running> VrrpRuntime::build(const conf::VrrpInstance& in, const conf::Config& config) {
  auto log = core::log::get();
  if (in.virtual_ipaddress.empty()) return nullptr;
  const int ifindex = ifindex_of(in.interface);
  if (ifindex == 0) {
    log->error("vrrp instance {}: no interface {}", in.name, in.interface);
    return nullptr;
  }
  const core::AddressFamily family =
      in.virtual_ipaddress.front().prefix.address.is_ipv4() ? core::AddressFamily::kIpv4 : core::AddressFamily::kIpv6;
  // The primary address (RFC 5798 5.1.1.1 / 5.1.2.1: IPv6 uses the link-local one).
  std::optional<core::IpAddress> primary;
  if (in.unicast_src_ip) primary = *in.unicast_src_ip;
  if (!primary) {
    auto listed = addresses_->list(family, ifindex);
    if (!listed.ok()) {
      log->error("vrrp instance {}: addresses of {}: {}", in.name, in.interface, listed.error().message);
      return nullptr;
    }
    for (const auto& a : *listed) {
      const bool is_vip = std::any_of(in.virtual_ipaddress.begin(), in.virtual_ipaddress.end(),
                                      [&](const conf::VirtualIpAddress& v) { return v.prefix.address == a.prefix.address; });
      if (is_vip || (family == core::AddressFamily::kIpv6 && !a.prefix.address.is_ipv6_link_local())) continue;
      primary = a.prefix.address;
      break;
    }
  }
  if (!primary) {
    log->error("vrrp instance {}: {} has no {} address to send adverts from", in.name, in.interface,
               family == core::AddressFamily::kIpv4 ? "IPv4" : "IPv6 link-local");
    return nullptr;
  }
  if (in.promote_secondaries && family == core::AddressFamily::kIpv4) {
    // keepalived's promote_secondaries: removing a VIP that is the primary
    // address of its subnet must not take the subnet's other addresses with it.
    if (auto set = core::write_sysctl("/proc/sys", "net/ipv4/conf/" + in.interface + "/promote_secondaries", "1");
        !set.ok()) {
      log->warn("vrrp instance {}: promote_secondaries on {}: {}", in.name, in.interface, set.error().message);
    }
  }
  std::string advert_interface = in.interface;
  if (in.use_vmac) {
    auto vmac = make_vmac(in, ifindex, family, *primary);
    if (!vmac.ok()) {
      log->error("vrrp instance {}: use_vmac: {}", in.name, vmac.error().message);
      return nullptr;
    }
    if (!in.vmac_xmit_base) advert_interface = in.vmac_interface;
  }
  const auto group = vrrp_group(config.global, family);
  auto instance_config = vrrp_instance_config(in.use_vmac ? vips_on_vmac(in) : in, ifindex_of, *primary,
                                              config.vrrp_scripts, group, config.track_files,
                                              config.track_processes, config.vrrp_sync_groups, config.global);
  if (!instance_config.ok()) {
    log->error("{}", instance_config.error().message);
    return nullptr;
  }
  auto socket = vrrp::VrrpSocket::open({.family = family,
                                        .interface = advert_interface,
                                        .source = *primary,
                                        .join_multicast = in.unicast_peer.empty(),
                                        .group = group,
                                        .unicast_ttl = in.unicast_ttl.value_or(vrrp::kRequiredTtl)});
  if (!socket.ok()) {
    log->error("vrrp instance {}: socket on {}: {}", in.name, advert_interface, socket.error().message);
    return nullptr;
  }
  auto running = std::make_unique<Running>();
  running->family = family;
  if (in.use_vmac) running->vmac = in.vmac_interface;
  if (in.garp_extra_if > core::Duration::zero() && in.garp_extra_if_all) {
    for (const auto* list : {&in.virtual_ipaddress, &in.virtual_ipaddress_excluded})
      for (const auto& v : *list)
        if (!v.dev.empty() && v.dev != in.interface && v.dev != running->vmac) running->extra_vips.push_back(v.prefix.address);
  }
  running->settings = without_notify(in);
  running->tracked_scripts = instance_config->track_script;
  running->tracked_files = instance_config->track_file;
  running->tracked_processes = instance_config->track_process;
  running->notify = vrrp_notify_config(in.notify, config.global);
  running->priority_changes = vrrp_notify_priority_changes(in, config);
  for (const auto& v : in.virtual_ipaddress) running->vips.push_back(v.prefix.address);
  for (const auto& v : in.virtual_ipaddress_excluded) running->vips.push_back(v.prefix.address);
  running->adverts = std::make_unique<SocketAdvertPort>(std::move(*socket));
  running->announcer = std::make_unique<DeviceAnnouncer>(instance_config->vips);
  running->accept = conf::accept_mode(config.global, in);
  vrrp::VipPort* vip_port = vip_port_.get();
  if (!running->accept) {
    // keepalived runs the instance without its firewall then, and so does lvsd.
    open_vip_filter("vrrp instance " + in.name + ": no accept mode cannot drop packets to the VIPs; they accept "
                    "them, as under keepalived without a firewall");
  }
  if (!running->accept && vip_filter_) {
    running->filtered = std::make_unique<FilteredVipPort>(*vip_port_, *vip_filter_, in.name);
    vip_port = running->filtered.get();
    log->warn("vrrp instance {}: no accept mode ({}): while MASTER, packets to its VIPs are dropped (nftables table "
              "lvsd), as keepalived does; an IPVS service on them gets no traffic",
              in.name, conf::strict_mode(config.global, in) ? "strict mode" : "no_accept");
  }
  running->instance = std::make_unique<vrrp::Instance>(loop_.scheduler(), *instance_config, *running->adverts,
                                                       *vip_port, *running->announcer);
  running->instance->set_own_addresses(own_addresses(*instance_config));
  Running* raw = running.get();
  running->instance->set_state_listener(
      [this, raw](const vrrp::Instance&, vrrp::State from, vrrp::State to) { on_transition(*raw, from, to); });
  running->instance->set_priority_listener([this, raw](const vrrp::Instance& instance, std::uint8_t priority) {
    if (fifos_ == nullptr || !raw->priority_changes) return;
    if (auto line = vrrp_priority_line(instance.config().name, instance.state(), priority)) fifos_->vrrp(*line);
  });
  // keepalived's notify_master_rx_lower_pri: the script (as written, off the
  // loop, with the notify timeout) and the FIFO line, each time.
  running->instance->set_lower_priority_listener([this, raw](const vrrp::Instance& instance, std::uint8_t priority) {
    if (raw->notify.master_rx_lower_pri) {
      auto argv = core::split_command_line(*raw->notify.master_rx_lower_pri);
      if (!argv.empty()) scripts_->run(argv);
    }
    if (fifos_ != nullptr) fifos_->vrrp(vrrp_rx_lower_line(instance.config().name, priority));
    if (raw->group != nullptr) raw->group->group->member_heard_lower_priority(instance);
  });
  running->watcher = std::make_unique<core::IoWatcher>(loop_, raw->adverts->socket().fd(), core::IoWatcher::kRead,
                                                       [raw](int) {
    core::guarded("vrrp socket", [raw] {
      // Bounded: a flood cannot keep the loop here forever.
      for (int i = 0; i < 256; ++i) {
        auto received = raw->adverts->socket().receive();
        if (!received.ok()) {
          core::log::get()->warn("vrrp instance {}: receive: {}", raw->settings.name, received.error().message);
          return;
        }
        if (!*received) return;
        raw->instance->on_datagram(**received);
      }
    });
  });
  log->info("vrrp instance {}: VRRPv{} VRID {} on {}{} from {}, priority {}", in.name, in.version,
            static_cast<int>(in.virtual_router_id), in.interface,
            in.use_vmac ? " (VMAC " + in.vmac_interface + " " + conf::mac_text(conf::vmac_mac(in)) +
                              (in.vmac_xmit_base ? ", adverts on the base interface)" : ")")
                        : std::string(),
            primary->to_string(), static_cast<int>(in.priority));
  return running;
}

void VrrpRuntime::ensure_link_monitor() {
  if (links_) return;
  auto opened = vrrp::LinkMonitor::open();
  if (!opened.ok()) {
    core::log::get()->error("vrrp: cannot watch links (track_interface will not work): {}", opened.error().message);
    return;
  }
  links_ = std::make_unique<vrrp::LinkMonitor>(std::move(*opened));
  if (auto all = links_->dump(); all.ok()) {
    for (const auto& l : *all) link_up_[l.name] = l.up;
  } else {
    core::log::get()->error("vrrp: reading links: {}", all.error().message);
  }
  links_watcher_ = std::make_unique<core::IoWatcher>(loop_, links_->fd(), core::IoWatcher::kRead, [this](int) {
    core::guarded("vrrp link monitor", [this] { on_links_readable(); });
  });
  links_watcher_->start();
}

void VrrpRuntime::ensure_address_monitor() {
  if (deleted_addresses_) return;
  auto opened = vrrp::AddressMonitor::open();
  if (!opened.ok()) {
    core::log::get()->error("vrrp: cannot watch addresses (a VIP deleted under a MASTER goes unnoticed): {}",
                            opened.error().message);
    return;
  }
  deleted_addresses_ = std::make_unique<vrrp::AddressMonitor>(std::move(*opened));
  deleted_addresses_watcher_ = std::make_unique<core::IoWatcher>(
      loop_, deleted_addresses_->fd(), core::IoWatcher::kRead,
      [this](int) { core::guarded("vrrp address monitor", [this] { on_addresses_readable(); }); });
  deleted_addresses_watcher_->start();
}

void VrrpRuntime::on_addresses_readable() {
  for (const auto& deleted : deleted_addresses_->drain()) {
    // Only a MASTER's VIPs matter; and an address that is there again (the
    // event came late, after lvsd itself removed and re-added it) is not gone.
    const bool a_master_holds = std::any_of(instances_.begin(), instances_.end(), [&](const auto& entry) {
      return entry.second->instance->state() == vrrp::State::kMaster &&
             std::find(entry.second->vips.begin(), entry.second->vips.end(), deleted.address) !=
                 entry.second->vips.end();
    });
    if (!a_master_holds) continue;
    if (auto now = addresses_->list(deleted.address.family(), deleted.ifindex); now.ok()) {
      const bool back = std::any_of(now->begin(), now->end(), [&](const vrrp::InterfaceAddress& a) {
        return a.prefix.address == deleted.address;
      });
      if (back) continue;
    }
    for (auto& [name, running] : instances_) running->instance->on_address_deleted(deleted.ifindex, deleted.address);
  }
}

void VrrpRuntime::on_links_readable() {
  for (const auto& l : links_->drain()) {
    link_up_[l.name] = l.up;
    for (auto& [name, running] : instances_) running->instance->on_link(l.name, l.up);
  }
}

void VrrpRuntime::apply(const conf::Config& config) {
  auto log = core::log::get();
  if (!addresses_) {
    auto client = vrrp::AddressClient::open();
    if (!client.ok()) {
      log->error("vrrp: cannot open rtnetlink: {}", client.error().message);
      return;
    }
    addresses_ = std::make_unique<vrrp::AddressClient>(std::move(*client));
    vip_port_ = std::make_unique<AddressVipPort>(*addresses_);
    scripts_ = std::make_unique<vrrp::SpawnScriptRunner>(loop_);
  }
  if (!ip_config_) {
    auto client = IpConfigClient::open();
    if (client.ok()) ip_config_ = std::make_unique<IpConfigClient>(std::move(*client));
    else log->error("vrrp: cannot open rtnetlink for routes and rules: {}", client.error().message);
  }
  scripts_->set_policy(conf::script_policy(config.global));
  const std::vector<conf::VrrpInstance> wanted_instances = with_vmac_names(config);
  disable_local_igmp_ = config.global.disable_local_igmp;
  // Groups are rebuilt below; until then no member moves another (an old
  // group may name an instance this apply removes).
  for (auto& [name, running] : instances_) running->group = nullptr;
  groups_.clear();
  // Stop what went away or changed.
  for (auto it = instances_.begin(); it != instances_.end();) {
    auto wanted = std::find_if(wanted_instances.begin(), wanted_instances.end(),
                               [&](const conf::VrrpInstance& i) { return i.name == it->first; });
    const vrrp::InstanceConfig& running_config = it->second->instance->config();
    bool same = wanted != wanted_instances.end() &&
                rebuild_settings(*wanted) == rebuild_settings(it->second->settings) &&
                running_config.multicast_group == vrrp_group(config.global, running_config.family) &&
                it->second->accept == conf::accept_mode(config.global, *wanted);
    if (same) {
      auto tracked = vrrp_tracked_scripts(*wanted, config.vrrp_scripts);
      same = tracked.ok() && *tracked == it->second->tracked_scripts;
      auto files = vrrp_tracked_files(*wanted, config.track_files);
      same = same && files.ok() && *files == it->second->tracked_files;
      auto processes = vrrp_tracked_processes(*wanted, config.track_processes, config.vrrp_sync_groups);
      same = same && processes.ok() && *processes == it->second->tracked_processes;
    }
    if (same) {
      it->second->notify = vrrp_notify_config(wanted->notify, config.global);
      it->second->priority_changes = vrrp_notify_priority_changes(*wanted, config);
      update_virtual_routes(*it->second, *wanted);
      ++it;
      continue;
    }
    log->info("vrrp instance {}: {}", it->first, wanted == wanted_instances.end() ? "removed" : "changed, rebuilding");
    it->second->instance->stop();
    remove_vmac(*it->second);
    it = instances_.erase(it);
  }
  const bool tracking = std::any_of(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                                    [](const conf::VrrpInstance& i) {
                                      return !i.track_interface.empty() || !i.dont_track_primary ||
                                             !tracked_vip_devices(i).empty();
                                    });
  if (tracking) ensure_link_monitor();
  if (!config.vrrp_instances.empty()) ensure_address_monitor();
  if (!vrrp_scripts_) {
    vrrp_scripts_ = std::make_unique<VrrpScripts>(loop_, loop_.scheduler(), [this](const std::string& name, bool up) {
      for (auto& [instance_name, running] : instances_) running->instance->on_script(name, up);
    });
  }
  vrrp_scripts_->apply(config);
  if (!track_files_) {
    track_files_ = std::make_unique<TrackFiles>(loop_, [this](const std::string& name, long value) {
      for (auto& [instance_name, running] : instances_) running->instance->on_file(name, value);
    });
  }
  track_files_->apply(config);
  if (!track_processes_) {
    track_processes_ = std::make_unique<TrackProcesses>(loop_, [this](const std::string& name, bool up) {
      for (auto& [instance_name, running] : instances_) running->instance->on_process(name, up);
    });
  }
  track_processes_->apply(config);
  // A kept instance hears a verdict that a reload changed (a block counted anew).
  for (auto& [name, running] : instances_)
    for (const auto& t : running->tracked_processes)
      if (auto up = track_processes_->up(t.name)) running->instance->on_process(t.name, *up);
  // keepalived's vrrp_startup_delay: only the instances of a fresh start
  // (not a reload; not a restart in place that resumes masters).
  const core::Duration startup_delay =
      !applied_ && resume_.empty() ? core::Duration{config.global.vrrp_startup_delay} : core::Duration::zero();
  applied_ = true;
  std::vector<Running*> started;
  for (const auto& in : wanted_instances) {
    if (instances_.contains(in.name)) continue;
    auto running = build(in, config);
    if (!running) continue;
    started.push_back(running.get());
    instances_.emplace(in.name, std::move(running));
  }
  rebuild_sync_groups(config);
  update_vmac_filter();
  for (Running* r : started) {
    // Tell the instance how its tracked links are before it starts.
    for (const auto& t : r->instance->config().track_interface) {
      auto known = link_up_.find(t.name);
      r->instance->on_link(t.name, known != link_up_.end() && known->second);
    }
    for (const auto& t : r->tracked_scripts)
      if (auto up = vrrp_scripts_->up(t.name)) r->instance->on_script(t.name, *up);
    for (const auto& t : r->tracked_files) r->instance->on_file(t.name, track_files_->value(t.name));
    for (const auto& t : r->tracked_processes)
      if (auto up = track_processes_->up(t.name)) r->instance->on_process(t.name, *up);
    r->watcher->start();
    const bool resume = resume_.erase(r->instance->config().name) > 0;
    // Leftovers of a crashed run go, as its VIPs do; a resumed master keeps
    // them (its transition to Master adds them again, which changes nothing).
    if (!resume) remove_virtual_routes(*r, /*leftovers=*/true);
    r->instance->start(resume, startup_delay);
  }
  // A name this apply did not build (kept running, or not set up) must not
  // make a later rebuild start as master.
  resume_.clear();
  apply_static(config);
}

std::vector<TrackedProcessStatus> VrrpRuntime::tracked_processes() const {
  if (!track_processes_) return {};
  auto out = track_processes_->statuses();
  for (auto& status : out) {
    for (const auto& [name, running] : instances_) {
      for (const auto& t : running->tracked_processes) {
        if (t.name != status.name) continue;
        const bool good = t.reverse ? !status.up : status.up;
        const bool owner = running->settings.priority == vrrp::kPriorityOwner;
        status.effects.push_back({.instance = name,
                                  .weight = t.weight,
                                  .reverse = t.reverse,
                                  .priority_change = owner ? 0 : vrrp::tracked_weight(t.weight, t.reverse, status.up),
                                  .fault = t.weight == 0 && !good});
      }
    }
  }
  return out;
}

void VrrpRuntime::add_virtual_routes(Running& running) {
  if (!ip_config_) return;
  auto log = core::log::get();
  const std::string& name = running.settings.name;
  // Rules after routes: a rule that sends traffic to a table should find it filled.
  for (const auto& route : running.settings.virtual_routes) {
    auto k = kernel_route(route, ifindex_of);
    core::Status st = k.ok() ? ip_config_->add(*k) : core::Status(k.error());
    if (!st.ok()) {
      log->error("vrrp instance {}: adding virtual route {}: {}", name, conf::ip_route_text(route), st.error().message);
      continue;
    }
    if (std::find(running.routes_held.begin(), running.routes_held.end(), route) == running.routes_held.end())
      running.routes_held.push_back(route);
    log->info("vrrp instance {}: added virtual route {}", name, conf::ip_route_text(route));
  }
  for (const auto& rule : running.settings.virtual_rules) {
    if (auto st = ip_config_->add(kernel_rule(rule)); !st.ok()) {
      log->error("vrrp instance {}: adding virtual rule {}: {}", name, conf::ip_rule_text(rule), st.error().message);
      continue;
    }
    if (std::find(running.rules_held.begin(), running.rules_held.end(), rule) == running.rules_held.end())
      running.rules_held.push_back(rule);
    log->info("vrrp instance {}: added virtual rule {}", name, conf::ip_rule_text(rule));
  }
}

void VrrpRuntime::update_virtual_routes(Running& running, const conf::VrrpInstance& wanted) {
  if (running.settings.virtual_routes == wanted.virtual_routes && running.settings.virtual_rules == wanted.virtual_rules)
    return;
  const bool master = running.instance->state() == vrrp::State::kMaster;
  if (master && ip_config_) {
    // What the new file drops goes (rules first); the rest is (re-)added below.
    auto log = core::log::get();
    for (const auto& rule : only_in(running.settings.virtual_rules, wanted.virtual_rules)) {
      if (auto st = ip_config_->remove(kernel_rule(rule)); !st.ok())
        log->error("vrrp instance {}: removing virtual rule {}: {}", wanted.name, conf::ip_rule_text(rule), st.error().message);
      std::erase(running.rules_held, rule);
    }
    for (const auto& route : only_in(running.settings.virtual_routes, wanted.virtual_routes)) {
      if (auto k = kernel_route(route, ifindex_of); k.ok()) {
        if (auto st = ip_config_->remove(*k); !st.ok())
          log->error("vrrp instance {}: removing virtual route {}: {}", wanted.name, conf::ip_route_text(route), st.error().message);
      }
      std::erase(running.routes_held, route);
    }
  }
  running.settings.virtual_routes = wanted.virtual_routes;
  running.settings.virtual_rules = wanted.virtual_rules;
  if (master) add_virtual_routes(running);
}

void VrrpRuntime::remove_virtual_routes(Running& running, bool leftovers) {
  if (!ip_config_) return;
  auto log = core::log::get();
  const std::string& name = running.settings.name;
  // Rules first: no rule points at a table being emptied.
  for (const auto& rule : running.settings.virtual_rules) {
    if (auto st = ip_config_->remove(kernel_rule(rule)); !st.ok())
      log->error("vrrp instance {}: removing virtual rule {}: {}", name, conf::ip_rule_text(rule), st.error().message);
    else if (!leftovers) log->info("vrrp instance {}: removed virtual rule {}", name, conf::ip_rule_text(rule));
  }
  for (const auto& route : running.settings.virtual_routes) {
    auto k = kernel_route(route, ifindex_of);
    if (!k.ok()) continue;  // its device is gone, and the route with it
    if (auto st = ip_config_->remove(*k); !st.ok())
      log->error("vrrp instance {}: removing virtual route {}: {}", name, conf::ip_route_text(route), st.error().message);
    else if (!leftovers) log->info("vrrp instance {}: removed virtual route {}", name, conf::ip_route_text(route));
  }
  running.routes_held.clear();
  running.rules_held.clear();
}

void VrrpRuntime::update_extra_garp(Running& running, bool master) {
  if (running.extra_vips.empty()) return;
  if (!master) {
    running.extra_garp.reset();
    return;
  }
  // keepalived's garp_extra_if: the first ones an interval after becoming MASTER.
  const core::Duration every = running.settings.garp_extra_if;
  Running* raw = &running;
  running.extra_garp = loop_.scheduler().create_timer([raw, every] {
    for (const auto& vip : raw->extra_vips) {
      if (auto st = raw->announcer->announce(vip); !st.ok())
        core::log::get()->warn("vrrp instance {}: garp_extra_if: {}: {}", raw->settings.name, vip.to_string(),
                               st.error().message);
    }
    raw->extra_garp->arm(every);
  });
  running.extra_garp->arm(every);
}

bool VrrpRuntime::open_vip_filter(const std::string& why) {
  if (vip_filter_) return true;
  auto opened = vrrp::VipFilter::open();
  if (!opened.ok()) {
    core::log::get()->error("{} ({})", why, opened.error().message);
    return false;
  }
  vip_filter_ = std::make_unique<vrrp::VipFilter>(std::move(*opened));
  return true;
}

core::Result<int> VrrpRuntime::make_vmac(const conf::VrrpInstance& in, int base_ifindex, core::AddressFamily family,
                                         const core::IpAddress& primary) {
  auto log = core::log::get();
  if (!vmacs_) {
    auto opened = vrrp::VmacClient::open();
    if (!opened.ok()) return opened.error();
    vmacs_ = std::make_unique<vrrp::VmacClient>(std::move(*opened));
  }
  const std::string& name = in.vmac_interface;
  auto ifindex = vmacs_->ensure({.name = name, .base_ifindex = base_ifindex, .mac = conf::vmac_mac(in)});
  if (!ifindex.ok()) return ifindex.error();
  // The sysctls keepalived 2.2.7 sets (measured). IPv4: only the VMAC
  // answers ARP for the VIPs (arp_ignore on both, arp_filter on the base);
  // adverts from the base's address arrive on the VMAC (accept_local, no
  // rp_filter); removing a VIP keeps the others of its subnet.
  std::vector<std::pair<std::string, std::string>> sysctls;
  const std::string vmac_v4 = "net/ipv4/conf/" + name + "/";
  if (family == core::AddressFamily::kIpv4) {
    const std::string base_v4 = "net/ipv4/conf/" + in.interface + "/";
    sysctls = {{base_v4 + "arp_ignore", "1"},     {base_v4 + "arp_filter", "1"},
               {vmac_v4 + "arp_ignore", "1"},     {vmac_v4 + "accept_local", "1"},
               {vmac_v4 + "promote_secondaries", "1"}, {vmac_v4 + "rp_filter", "0"},
               {"net/ipv6/conf/" + name + "/disable_ipv6", "1"}};
  }
  for (const auto& [key, value] : sysctls)
    if (auto st = core::write_sysctl("/proc/sys", key, value); !st.ok())
      log->warn("vrrp instance {}: VMAC {}: {}", in.name, name, st.error().message);
  if (family == core::AddressFamily::kIpv4 && disable_local_igmp_ && !igmp_reports_) {
    // keepalived 2.2.7 (measured): 0 while it runs, the old value back at its stop.
    const std::string key = "net/ipv4/igmp_link_local_mcast_reports";
    if (const auto old = core::read_sysctl("/proc/sys", key)) {
      if (auto st = core::write_sysctl("/proc/sys", key, "0"); st.ok()) igmp_reports_ = *old;
      else log->warn("vrrp instance {}: disable_local_igmp: {}", in.name, st.error().message);
    }
  }
  if (family == core::AddressFamily::kIpv4) {
    // The kernel uses the larger of all.rp_filter and the interface's: as
    // keepalived does, each interface gets the larger one and `all` 0, so
    // the VMAC's 0 holds and no other interface filters less than before.
    const auto all = core::read_sysctl("/proc/sys", "net/ipv4/conf/all/rp_filter");
    if (all && *all != "0") {
      if (!rp_filter_all_) rp_filter_all_ = *all;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator("/proc/sys/net/ipv4/conf", ec)) {
        const std::string iface = entry.path().filename().string();
        if (iface == "all" || iface == name) continue;
        const auto own = core::read_sysctl("/proc/sys", "net/ipv4/conf/" + iface + "/rp_filter");
        if (own && std::stoi(*own) < std::stoi(*all))
          (void)core::write_sysctl("/proc/sys", "net/ipv4/conf/" + iface + "/rp_filter", *all);
      }
      (void)core::write_sysctl("/proc/sys", "net/ipv4/conf/all/rp_filter", "0");
      log->warn("vrrp instance {}: use_vmac: net.ipv4.conf.all.rp_filter {} set to 0 and every interface's raised "
                "to {} (as keepalived does; put back when lvsd stops)", in.name, *all, *all);
    }
  } else {
    // The adverts' source, the base interface's link-local address, must be
    // the VMAC's too.
    if (auto st = addresses_->add({.prefix = {primary, 64}, .ifindex = *ifindex, .scope = vrrp::AddressScope::kLink});
        !st.ok())
      return core::Error{"VMAC " + name + ": link-local address " + primary.to_string() + ": " + st.error().message};
  }
  update_vmac_filter(std::pair{name, in.interface}, family);
  if (auto st = vmacs_->set_up(*ifindex); !st.ok()) return st.error();
  return *ifindex;
}

void VrrpRuntime::remove_vmac(const Running& running) {
  if (running.vmac.empty() || !vmacs_) return;
  if (auto st = vmacs_->remove(running.vmac); !st.ok())
    core::log::get()->error("vrrp instance {}: {}", running.settings.name, st.error().message);
}

void VrrpRuntime::update_vmac_filter(const std::optional<std::pair<std::string, std::string>>& adding,
                                     core::AddressFamily adding_family) {
  for (const auto family : {core::AddressFamily::kIpv4, core::AddressFamily::kIpv6}) {
    std::vector<std::pair<std::string, std::string>> vmacs;
    for (const auto& [name, running] : instances_)
      if (!running->vmac.empty() && running->family == family && !running->settings.vmac_xmit_base)
        vmacs.emplace_back(running->vmac, running->settings.interface);
    if (adding && adding_family == family) vmacs.push_back(*adding);
    // disable_local_igmp: the kernel sends no such IGMP reports at all.
    if (family == core::AddressFamily::kIpv4 && disable_local_igmp_) vmacs.clear();
    // Nothing to write when no VMAC was ever made (no nftables needed then).
    if (vmacs.empty() && !vmac_filter_written_[family == core::AddressFamily::kIpv6]) continue;
    if (!open_vip_filter("vrrp: use_vmac: cannot send the VMACs' multicast reports out on their base interfaces; a "
                         "BACKUP sends them from the virtual MAC"))
      return;
    if (auto st = vip_filter_->run(vrrp::vmac_filter_commands(family, vmacs)); !st.ok())
      core::log::get()->error("vrrp: use_vmac: nftables: {}", st.error().message);
    else
      vmac_filter_written_[family == core::AddressFamily::kIpv6] = !vmacs.empty();
  }
}

void VrrpRuntime::apply_static(const conf::Config& config) {
  auto log = core::log::get();
  // A reload removes the ones the new file no longer has and (re-)adds every
  // one it has; stop() applies an empty list (keepalived removes them at stop).
  for (const auto& rule : only_in(static_.static_rules, config.static_rules))
    if (ip_config_) {
      if (auto st = ip_config_->remove(kernel_rule(rule)); !st.ok())
        log->error("static rule {}: removing: {}", conf::ip_rule_text(rule), st.error().message);
    }
  for (const auto& route : only_in(static_.static_routes, config.static_routes)) {
    auto k = kernel_route(route, ifindex_of);
    if (ip_config_ && k.ok()) {
      if (auto st = ip_config_->remove(*k); !st.ok())
        log->error("static route {}: removing: {}", conf::ip_route_text(route), st.error().message);
    }
  }
  for (const auto& address : only_in(static_.static_ipaddress, config.static_ipaddress)) {
    auto spec = static_address(address, ifindex_of);
    if (addresses_ && spec.ok()) {
      if (auto st = addresses_->remove(*spec); !st.ok())
        log->error("static address {}: removing: {}", address.prefix.to_string(), st.error().message);
    }
  }
  for (const auto& address : config.static_ipaddress) {
    auto spec = static_address(address, ifindex_of);
    core::Status st = !spec.ok() ? core::Status(spec.error())
                      : addresses_ ? addresses_->add(*spec)
                                   : core::Status(core::Error{"no rtnetlink socket"});
    if (!st.ok()) log->error("static address {}: {}", address.prefix.to_string(), st.error().message);
  }
  for (const auto& route : config.static_routes) {
    auto k = kernel_route(route, ifindex_of);
    core::Status st = !k.ok() ? core::Status(k.error())
                      : ip_config_ ? ip_config_->add(*k)
                                   : core::Status(core::Error{"no rtnetlink socket"});
    if (!st.ok()) log->error("static route {}: {}", conf::ip_route_text(route), st.error().message);
  }
  for (const auto& rule : config.static_rules) {
    core::Status st = ip_config_ ? ip_config_->add(kernel_rule(rule)) : core::Status(core::Error{"no rtnetlink socket"});
    if (!st.ok()) log->error("static rule {}: {}", conf::ip_rule_text(rule), st.error().message);
  }
  static_ = conf::Config{.static_ipaddress = config.static_ipaddress,
                         .static_routes = config.static_routes,
                         .static_rules = config.static_rules};
}

void VrrpRuntime::rebuild_sync_groups(const conf::Config& config) {
  for (auto& [name, running] : instances_) running->group = nullptr;
  groups_.clear();
  for (const auto& g : config.vrrp_sync_groups) {
    std::vector<vrrp::Instance*> members;
    std::vector<Running*> runnings;
    for (const auto& member : g.group) {
      auto it = instances_.find(member);
      if (it == instances_.end()) continue;
      members.push_back(it->second->instance.get());
      runnings.push_back(it->second.get());
    }
    auto entry = std::make_unique<GroupEntry>();
    entry->group = std::make_unique<vrrp::SyncGroup>(g.name, std::move(members));
    entry->notify = vrrp_notify_config(g.notify, config.global);
    for (Running* r : runnings) r->group = entry.get();
    groups_.push_back(std::move(entry));
  }
}

void VrrpRuntime::on_transition(Running& running, vrrp::State from, vrrp::State to) {
  const vrrp::Instance& instance = *running.instance;
  const std::uint8_t priority = instance.fsm().priority();
  for (const auto& argv : vrrp::notify_commands(running.notify, vrrp::NotifySubject::kInstance,
                                                instance.config().name, to, priority)) {
    scripts_->run(argv);
  }
  // keepalived 2.2.7 writes a group's first state before its member's (and
  // every later one after it; measured): the instance's line waits for the
  // group's when the instance starts.
  std::string instance_line = vrrp_state_line(vrrp::NotifySubject::kInstance, instance.config().name, to, priority);
  const bool group_line_first = from == vrrp::State::kInitialize && running.group != nullptr;
  if (fifos_ != nullptr && !group_line_first) fifos_->vrrp(instance_line);
  // After the Instance moved the VIPs: a route with `src VIP` needs its address.
  if (to == vrrp::State::kMaster) add_virtual_routes(running);
  else if (from == vrrp::State::kMaster) remove_virtual_routes(running, /*leftovers=*/false);
  update_extra_garp(running, to == vrrp::State::kMaster);
  if (vip_listener_ && (to == vrrp::State::kMaster || from == vrrp::State::kMaster)) {
    for (const auto& vip : running.vips) vip_listener_(vip, to == vrrp::State::kMaster);
  }
  if (role_listener_) role_listener_(instance.config().name, to);
  if (running.group != nullptr) {
    GroupEntry* entry = running.group;
    if (auto group_state = entry->group->member_changed(*running.instance, from, to)) {
      for (const auto& argv : vrrp::notify_commands(entry->notify, vrrp::NotifySubject::kGroup,
                                                    entry->group->name(), *group_state, priority)) {
        scripts_->run(argv);
      }
      // keepalived 2.2.7 writes a group's line with priority 0 (measured).
      if (fifos_ != nullptr)
        fifos_->vrrp(vrrp_state_line(vrrp::NotifySubject::kGroup, entry->group->name(), *group_state, 0));
    }
  }
  if (fifos_ != nullptr && group_line_first) fifos_->vrrp(instance_line);
}

void VrrpRuntime::set_listeners(VipListener vip, RoleListener role) {
  vip_listener_ = std::move(vip);
  role_listener_ = std::move(role);
  if (!vip_listener_) return;
  for (const auto& [name, running] : instances_) {
    if (running->instance->state() != vrrp::State::kMaster) continue;
    for (const auto& address : running->vips) vip_listener_(address, true);
  }
}

void VrrpRuntime::advertise_masters() {
  for (auto& [name, running] : instances_) running->instance->advertise_now();
}

void VrrpRuntime::stop() {
  if (vrrp_scripts_) vrrp_scripts_->stop();
  for (auto& [name, running] : instances_) {
    running->instance->stop();
    remove_vmac(*running);
  }
  instances_.clear();
  groups_.clear();
  update_vmac_filter();
  if (igmp_reports_) {
    if (auto st = core::write_sysctl("/proc/sys", "net/ipv4/igmp_link_local_mcast_reports", *igmp_reports_); !st.ok())
      core::log::get()->error("vrrp: putting back net.ipv4.igmp_link_local_mcast_reports: {}", st.error().message);
    igmp_reports_.reset();
  }
  if (rp_filter_all_) {
    if (auto st = core::write_sysctl("/proc/sys", "net/ipv4/conf/all/rp_filter", *rp_filter_all_); !st.ok())
      core::log::get()->error("vrrp: putting back net.ipv4.conf.all.rp_filter: {}", st.error().message);
    rp_filter_all_.reset();
  }
  // keepalived 2.2.7 removes its static rules, routes and addresses when it
  // stops (measured: SIGTERM); so does lvsd. A hitless restart does not stop.
  apply_static(conf::Config{});
}

std::vector<vrrp::InstanceStatus> VrrpRuntime::statuses() const {
  std::vector<vrrp::InstanceStatus> out;
  for (const auto& [name, running] : instances_) {
    out.push_back(running->instance->status());
    for (const auto& r : running->routes_held) out.back().routes_held.push_back(conf::ip_route_text(r));
    for (const auto& r : running->rules_held) out.back().rules_held.push_back(conf::ip_rule_text(r));
  }
  return out;
}

std::vector<std::string> VrrpRuntime::masters() const {
  std::vector<std::string> out;
  for (const auto& [name, running] : instances_)
    if (running->instance->state() == vrrp::State::kMaster) out.push_back(name);
  return out;
}

std::optional<vrrp::State> VrrpRuntime::state_of(const std::string& instance) const {
  auto it = instances_.find(instance);
  if (it == instances_.end()) return std::nullopt;
  return it->second->instance->state();
}

}  // namespace lvsd::daemon
