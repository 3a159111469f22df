#include "daemon/daemon.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "conf/writer.hpp"
#include "control/metrics.hpp"
#include "control/status_builder.hpp"
#include "core/log.hpp"
#include "daemon/desired_state.hpp"
#include "daemon/status_view.hpp"
#include "daemon/sync_daemon.hpp"
#include "daemon/vrrp_scripts.hpp"
#include "director/ownership.hpp"
#include "lvsd/version.hpp"

namespace lvsd::daemon {

namespace {

IpvsSyncOptions sync_options(const conf::Config& config) {
  return IpvsSyncOptions{
      .resync_interval = std::chrono::duration_cast<std::chrono::milliseconds>(config.global.ipvs_resync_interval),
      .flush_foreign = config.global.lvs_flush};
}

// IPVS is needed only for virtual servers and the connection-sync daemon: a
// VRRP-only node runs on a kernel without ip_vs.
bool needs_ipvs(const conf::Config& config) {
  return !config.virtual_servers.empty() || config.global.lvs_sync_daemon.has_value() ||
         config.global.sloppy_tcp.has_value() || config.global.sloppy_sctp.has_value();
}

// The VIPs of every VRRP instance: checks of an ha_suspend virtual server on
// one of them run only while this node holds it.
std::set<core::IpAddress> vrrp_vips(const conf::Config& config) {
  std::set<core::IpAddress> out;
  for (const auto& instance : config.vrrp_instances)
    for (const auto& vip : instance.virtual_ipaddress) out.insert(vip.prefix.address);
  for (const auto& instance : config.vrrp_instances)
    for (const auto& vip : instance.virtual_ipaddress_excluded) out.insert(vip.prefix.address);
  return out;
}

// A netlink round trip on the loop never waits longer than the shortest
// VRRP advert interval (and 2 s without VRRP).
std::chrono::milliseconds loop_receive_timeout(const conf::Config& config) {
  std::chrono::milliseconds timeout{2000};
  for (const auto& instance : config.vrrp_instances) {
    timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(instance.advert_int));
  }
  return std::max(timeout, std::chrono::milliseconds(10));
}

void log_warnings(const LoadedConfig& loaded) {
  auto log = core::log::get();
  for (const auto& w : loaded.warnings) log->warn("config: {}", conf::format_error(w));
}

// How long a stop waits for notify scripts, and how often it looks.
constexpr core::Duration kStopScriptGrace = std::chrono::seconds(5);
constexpr core::Duration kScriptPoll = std::chrono::milliseconds(20);

// After a restart in place, how long an announced VIP stays announced
// without a verdict of its checks: two check rounds of its slowest service.
core::Duration announce_hold(const conf::Config& config, const core::IpAddress& vip) {
  core::Duration longest = std::chrono::seconds(1);
  for (const auto& vs : config.virtual_servers)
    if (vs.announce && vs.address == vip) longest = std::max<core::Duration>(longest, vs.delay_loop);
  return 2 * longest + std::chrono::seconds(5);
}

const char* role_name(director::SyncDaemonRole r) {
  return r == director::SyncDaemonRole::kMaster ? "master" : "backup";
}

}  // namespace

// Everything that talks to the kernel's IPVS; opened only when the
// configuration needs it. `stats` is a second socket, used only by jobs on
// the offload thread (a client is never shared between threads).
struct Daemon::Ipvs {
  std::unique_ptr<IpvsKernel> kernel;
  IpvsSync sync;
  std::shared_ptr<IpvsKernel> stats;

  Ipvs(std::unique_ptr<IpvsKernel> k, core::Scheduler& scheduler, const conf::Config& config,
       director::OwnershipRecord owned, std::string ownership_path, IpvsSync::DesiredSource desired,
       IpvsSync::AsyncSurvey async_survey)
      : kernel(std::move(k)),
        sync(
            scheduler, *kernel, sync_options(config), std::move(owned),
            [path = std::move(ownership_path)](const director::OwnershipRecord& record) {
              if (auto st = director::save_ownership(path, record); !st.ok()) {
                core::log::get()->error("{}: {}", path, st.error().message);
              }
            },
            std::move(desired), std::move(async_survey)) {}
};

Daemon::Daemon(DaemonParts parts, DaemonOptions options, LoadedConfig config, HandoverState resumed)
    : parts_(std::move(parts)),
      options_(std::move(options)),
      config_(std::make_shared<const conf::Config>(std::move(*config.config))),
      config_digest_(config.yaml_digest),
      config_basis_(config.reload ? std::make_shared<const conf::ReloadBasis>(std::move(*config.reload)) : nullptr),
      resumed_(std::move(resumed)),
      admin_(
          parts_.scheduler,
          [this](const std::set<director::ServiceKey>& services) -> core::Result<director::IpvsTable> {
            if (!ipvs_) return core::Error{"IPVS is not in use"};
            return ipvs_->kernel->dump_services(services);
          },
          [this] { push_desired(); }),
      checks_(parts_.scheduler, parts_.make_checker),
      health_(parts_.scheduler, checks_, [this] { push_desired(); }),
      request_timer_(parts_.scheduler.create_timer([this] { run_next_request(); })),
      endpoints_timer_(parts_.scheduler.create_timer([this] { serve_endpoints(); })),
      collect_timer_(parts_.scheduler.create_timer([this] { collect_slice(); })),
      stop_timer_(parts_.scheduler.create_timer([this] {
        if (scripts_running() == 0 || parts_.scheduler.now() >= stop_deadline_) {
          parts_.process.stop_loop();
        } else {
          stop_timer_->arm(kScriptPoll);
        }
      })) {
  index_announced();
  announce_timer_ = parts_.scheduler.create_timer([this] { refresh_announcements(); });
  drain_stop_timer_ = parts_.scheduler.create_timer([this] {
    core::log::get()->info("drain-node: grace period over, stopping");
    stop();
  });
  started_unix_ms_ = resumed_.started_at_ms != 0 ? resumed_.started_at_ms : parts_.process.unix_now_ms();
  if (parts_.process.run_script) health_.set_script_runner(parts_.process.run_script);
  if (parts_.process.lvs_fifo_line) health_.set_fifo_writer(parts_.process.lvs_fifo_line);
  parts_.vrrp.set_listeners([this](const core::IpAddress& vip, bool held) { on_vip(vip, held); },
                            [this](const std::string& instance, vrrp::State) { on_role(instance); });
}

Daemon::~Daemon() {
  // Nothing may call back into a half-destroyed daemon.
  parts_.vrrp.set_listeners({}, {});
}

// Before health_.set_config(): the FILE_CHECKs it builds start from the
// files' numbers (at start no real server exists yet to be pushed).
void Daemon::follow_track_files() {
  if (!parts_.process.follow_track_files) return;
  auto values = parts_.process.follow_track_files(
      *config_, [this](const std::string& name, long value) { health_.set_file_value(name, value); });
  for (const auto& [name, value] : values) health_.set_file_value(name, value);
}

bool Daemon::start() {
  auto log = core::log::get();
  // VRRP first: after a hitless restart, resumed masters advertise before
  // any slow work (opening IPVS, dumping a large table), so the peer's
  // Master_Down_Timer never runs out. A fresh start goes to Backup.
  parts_.vrrp.resume_as_master({resumed_.master_instances.begin(), resumed_.master_instances.end()});
  if (parts_.process.apply_fifos) parts_.process.apply_fifos(config_->global);
  parts_.vrrp.apply(*config_);
  if (needs_ipvs(*config_) && !open_ipvs(*config_)) return false;
  mark_vips();
  follow_track_files();
  health_.set_config(*config_);
  // The operator's overrides survive a restart in place (before the first
  // push: a drained real server must not come back for a moment).
  restore_overrides(resumed_);
  if (ipvs_) {
    // A restart keeps serving with what the kernel holds until checks decide.
    if (auto kernel = ipvs_->kernel->dump(); kernel.ok()) {
      health_.keep_until_checked(*kernel);
      ipvs_->sync.adopt_dump(std::move(*kernel));  // one dump at start, not two
    } else {
      log->warn("IPVS: cannot read the kernel's table at start: {}", kernel.error().message);
    }
    apply_ipvs_settings();
  }
  adopt_routes();
  if (ipvs_) {
    push_desired();
    apply_sync_daemons();
  }
  refresh_announcements();
  serve_endpoints();
  parts_.process.notify_manager("READY=1");
  return true;
}

bool Daemon::open_ipvs(const conf::Config& config) {
  auto log = core::log::get();
  auto kernel = parts_.open_ipvs();
  if (!kernel.ok()) {
    log->error("cannot talk to IPVS (is the ip_vs module loaded? is lvsd root?): {}", kernel.error().message);
    return false;
  }
  (*kernel)->set_receive_timeout(loop_receive_timeout(config));
  auto owned = director::load_ownership(options_.ownership_path);
  if (!owned.ok()) {
    log->warn("{}: {}; starting with no recorded ownership", options_.ownership_path, owned.error().message);
    owned = director::OwnershipRecord{};
  }
  // The periodic resync reads the table off the loop, one service at a time.
  auto async_survey = [this](std::shared_ptr<const director::ServiceDigests> expected,
                             std::function<void(core::Result<director::TableSurvey>)> done) {
    auto stats = stats_socket();
    if (!stats) return done(core::Error{"no second IPVS socket"});
    parts_.offload.post([stats, expected = std::move(expected),
                         done = std::move(done)]() mutable -> core::Offload::Continuation {
      auto survey = survey_kernel(*stats, std::move(expected));
      return [survey = std::move(survey), done = std::move(done)]() mutable { done(std::move(survey)); };
    });
  };
  ipvs_ = std::make_unique<Ipvs>(std::move(*kernel), parts_.scheduler, config, std::move(*owned),
                                 options_.ownership_path, [this] { return desired_table(); }, std::move(async_survey));
  return true;
}

std::shared_ptr<IpvsKernel> Daemon::stats_socket() {
  if (!ipvs_) return nullptr;
  if (!ipvs_->stats) {
    auto opened = parts_.open_ipvs();
    if (!opened.ok()) {
      core::log::get()->warn("IPVS: cannot open a second socket for reads off the loop: {}", opened.error().message);
      return nullptr;
    }
    ipvs_->stats = std::shared_ptr<IpvsKernel>(std::move(*opened));
  }
  return ipvs_->stats;
}

void Daemon::push_desired() {
  if (ipvs_) ipvs_->sync.set_desired(desired_table());
  refresh_announcements();
}

// --- scale-out announcements -------------------------------------------------

bool Daemon::route_table_open() {
  if (routes_) return true;
  if (!parts_.open_routes) return false;
  auto opened = parts_.open_routes();
  if (!opened.ok()) {
    core::log::get()->error("announce: cannot open a routing socket: {}", opened.error().message);
    return false;
  }
  routes_ = std::move(*opened);
  return true;
}

// At start: lvsd's routes the kernel holds (a restart in place, or a crash
// without `lvsd --cleanup`) become what lvsd holds; the first refresh keeps
// or removes each. After a restart in place, the announced ones are held
// until their checks decide.
void Daemon::adopt_routes() {
  announcer_.set_drained(resumed_.node_drained, parts_.scheduler.now());
  // Also without announced services: routes a previous configuration left
  // (or a crash without cleanup) are found and removed.
  if (!route_table_open()) return;
  auto listed = routes_->list();
  if (!listed.ok()) {
    core::log::get()->warn("announce: cannot read lvsd's routes at start: {}", listed.error().message);
    return;
  }
  held_routes_ = std::move(*listed);
  const bool resumed = resumed_.pid != 0;
  for (const auto& r : held_routes_) {
    if (resumed && r.kind == RouteKind::kAnnounce) {
      announcer_.hold(r.vip, parts_.scheduler.now() + announce_hold(*config_, r.vip));
    }
  }
  if (!held_routes_.empty()) {
    core::log::get()->info("announce: found {} route(s) of lvsd's in the kernel{}", held_routes_.size(),
                           resumed ? " (restart in place: announced VIPs are kept until their checks decide)" : "");
  }
}

// The virtual servers marked announce, found once per configuration (the
// refresh runs on every health verdict).
void Daemon::index_announced() {
  announced_services_.clear();
  announced_indices_.clear();
  for (std::size_t i = 0; i < config_->virtual_servers.size(); ++i) {
    const auto& vs = config_->virtual_servers[i];
    if (!vs.announce || !vs.address) continue;
    announced_services_.push_back({.vip = *vs.address,
                                   .label = std::string(conf::to_string(vs.protocol)) + " " +
                                            core::Endpoint{.address = *vs.address, .port = vs.port}.to_string(),
                                   .quorum_met = false});
    announced_indices_.push_back(i);
  }
  announcing_ = !announced_services_.empty();
}

void Daemon::refresh_announcements() {
  // Cheap when nothing is announced: this runs on every health verdict.
  if (held_routes_.empty() && !announcing_ && announcer_.empty()) return;
  auto log = core::log::get();
  const core::TimePoint now = parts_.scheduler.now();
  std::vector<AnnouncedService> services = announced_services_;
  for (std::size_t i = 0; i < services.size(); ++i) services[i].quorum_met = health_.quorum_met(announced_indices_[i]);
  const auto before = announcer_.vips();
  announcer_.update(services, now);
  const auto after = announcer_.vips();
  for (const auto& a : after) {
    auto old = std::find_if(before.begin(), before.end(), [&](const VipAnnouncement& b) { return b.vip == a.vip; });
    if (old == before.end() || old->announced != a.announced) {
      log->log(a.announced ? core::log::Level::info : core::log::Level::warn, "announce: {} {} ({})",
               a.vip.to_string(), a.announced ? "announced" : "withdrawn", a.reason);
    }
  }
  // What lvsd holds once this is applied: a local route for every VIP it
  // may forward (all announced services, while running) and an announce
  // route for each announced one.
  std::vector<VipRoute> wanted;
  const bool exiting = requests_.running() == Request::kStop;
  for (const auto& a : after) {
    if (!exiting) wanted.push_back({.kind = RouteKind::kLocal, .table = kLocalTable, .vip = a.vip});
    if (a.announced) wanted.push_back({.kind = RouteKind::kAnnounce, .table = config_->global.announce.table, .vip = a.vip});
  }
  const RoutePlan plan = plan_routes(held_routes_, wanted);
  if ((!plan.add.empty() || !plan.remove.empty()) && route_table_open()) {
    std::set<VipRoute> held(held_routes_.begin(), held_routes_.end());
    // Withdrawals first: an announcement never outlives the decision.
    for (const auto& r : plan.remove) {
      if (r.kind != RouteKind::kAnnounce) continue;
      if (auto st = routes_->remove(r); st.ok()) held.erase(r); else log->error("announce: {}", st.error().message);
    }
    for (const auto& r : plan.add) {
      if (r.kind != RouteKind::kLocal) continue;
      if (auto st = routes_->add(r); st.ok()) held.insert(r); else log->error("announce: {}", st.error().message);
    }
    for (const auto& r : plan.add) {
      if (r.kind != RouteKind::kAnnounce) continue;
      if (auto st = routes_->add(r); st.ok()) held.insert(r); else log->error("announce: {}", st.error().message);
    }
    for (const auto& r : plan.remove) {
      if (r.kind != RouteKind::kLocal) continue;
      if (auto st = routes_->remove(r); st.ok()) held.erase(r); else log->error("announce: {}", st.error().message);
    }
    held_routes_.assign(held.begin(), held.end());
  }
  if (auto next = announcer_.next_deadline()) {
    announce_timer_->arm(std::max(core::Duration::zero(), *next - now));
  } else {
    announce_timer_->cancel();
  }
}

core::Result<bool> Daemon::drain_node(bool then_stop) {
  if (requests_.stopping()) return core::Error{"lvsd is stopping"};
  if (!announcing_) return core::Error{"no virtual server is announced (announce: true): nothing to drain"};
  const bool changed = !announcer_.drained();
  announcer_.set_drained(true, parts_.scheduler.now());
  refresh_announcements();
  auto log = core::log::get();
  if (changed) log->warn("drain-node: every announcement withdrawn; forwarding what still arrives");
  if (then_stop && !drain_stop_timer_->armed()) {
    const auto grace = config_->global.announce.drain_grace;
    log->warn("drain-node: stopping in {} ms (drain_grace)",
              std::chrono::duration_cast<std::chrono::milliseconds>(grace).count());
    drain_stop_timer_->arm(grace);
    return true;
  }
  return changed;
}

core::Result<bool> Daemon::undrain_node() {
  if (requests_.stopping()) return core::Error{"lvsd is stopping"};
  const bool changed = announcer_.drained() || drain_stop_timer_->armed();
  if (drain_stop_timer_->armed()) {
    drain_stop_timer_->cancel();
    core::log::get()->info("undrain-node: the pending stop is cancelled");
  }
  announcer_.set_drained(false, parts_.scheduler.now());
  refresh_announcements();
  if (changed) core::log::get()->info("undrain-node: announcing again");
  return changed;
}

void Daemon::terminate() {
  if (config_->global.announce.drain_on_stop && announcing_ && !requests_.stopping()) {
    if (drain_stop_timer_->armed()) {
      // A second SIGTERM while draining: stop now.
      drain_stop_timer_->cancel();
      stop();
      return;
    }
    if (drain_node(true).ok()) return;
  }
  stop();
}

director::IpvsTable Daemon::desired_table() const {
  return ipvs_ ? admin_.apply(health_.table()) : director::IpvsTable{};
}

// The role of the VRRP instance the sync daemon follows, if VRRP runs it.
// The net.ipv4.vs settings the configuration sets (those it leaves unset
// keep whatever the kernel has).
void Daemon::apply_ipvs_settings() {
  if (!ipvs_) return;
  auto log = core::log::get();
  const auto& g = config_->global;
  for (const auto& [name, value] : {std::pair{"sloppy_tcp", g.sloppy_tcp}, std::pair{"sloppy_sctp", g.sloppy_sctp}}) {
    if (!value) continue;
    if (auto st = ipvs_->kernel->set_sysctl(name, *value ? 1 : 0); !st.ok()) {
      log->error("IPVS: cannot set net.ipv4.vs.{} = {}: {}", name, *value ? 1 : 0, st.error().message);
    } else {
      log->info("IPVS: net.ipv4.vs.{} = {}", name, *value ? 1 : 0);
    }
  }
  // lvs_timeouts: the ones given; 0 leaves the kernel's (keepalived's rule).
  const auto seconds = [](const std::optional<conf::Duration>& d) {
    return d ? static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(*d).count()) : 0u;
  };
  const director::Timeouts t{.tcp_s = seconds(g.lvs_timeouts.tcp), .tcp_fin_s = seconds(g.lvs_timeouts.tcpfin),
                             .udp_s = seconds(g.lvs_timeouts.udp)};
  if (t != director::Timeouts{}) {
    if (auto st = ipvs_->kernel->set_timeouts(t); !st.ok())
      log->error("IPVS: cannot set the connection timeouts: {}", st.error().message);
    else
      log->info("IPVS: timeouts tcp {} tcpfin {} udp {} (0: unchanged)", t.tcp_s, t.tcp_fin_s, t.udp_s);
  }
}

void Daemon::apply_sync_daemons() {
  if (!ipvs_) return;
  auto log = core::log::get();
  std::optional<director::SyncDaemonRole> followed;
  const auto& sd = config_->global.lvs_sync_daemon;
  if (sd && sd->vrrp_instance) {
    if (auto state = parts_.vrrp.state_of(*sd->vrrp_instance)) {
      followed = *state == vrrp::State::kMaster ? director::SyncDaemonRole::kMaster : director::SyncDaemonRole::kBackup;
    }
  }
  auto running = ipvs_->kernel->sync_daemons();
  if (!running.ok()) {
    log->error("ipvs sync daemon: cannot read the kernel's: {}", running.error().message);
    return;
  }
  const SyncDaemonPlan plan = plan_sync_daemons(*running, wanted_sync_daemons(*config_, followed));
  for (auto role : plan.stop) {
    if (auto st = ipvs_->kernel->stop_sync_daemon(role); !st.ok()) {
      log->error("ipvs sync daemon: {}", st.error().message);
    } else {
      log->info("ipvs sync daemon: {} stopped", role_name(role));
    }
  }
  for (const auto& d : plan.start) {
    if (auto st = ipvs_->kernel->start_sync_daemon(d); !st.ok()) {
      log->error("ipvs sync daemon: {}", st.error().message);
    } else {
      log->info("ipvs sync daemon: {} started on {} (sync id {})", role_name(d.role), d.interface, d.sync_id);
    }
  }
}

void Daemon::on_vip(const core::IpAddress& vip, bool held) {
  held_[vip] = held;
  health_.set_address_held(vip, held);
}

void Daemon::on_role(const std::string& instance) {
  const auto& sd = config_->global.lvs_sync_daemon;
  if (ipvs_ && sd && sd->vrrp_instance == instance) apply_sync_daemons();
}

// ha_suspend: a VRRP VIP counts as held only once VRRP says so.
void Daemon::mark_vips() {
  for (const auto& vip : vrrp_vips(*config_)) health_.set_address_held(vip, held_[vip]);
}

void Daemon::restore_overrides(const HandoverState& resumed) {
  auto log = core::log::get();
  if (resumed.disabled_virtual_servers.empty() && resumed.drains.empty()) return;
  const director::IpvsTable configured = configured_table(*config_);
  for (const auto& text : resumed.disabled_virtual_servers) {
    auto key = control::parse_virtual_server(text);
    auto done = key.ok() ? admin_.disable(configured, *key) : core::Result<bool>(key.error());
    if (!done.ok()) log->warn("handover: disable {}: {}", text, done.error().message);
  }
  for (const auto& d : resumed.drains) {
    auto key = control::parse_virtual_server(d.virtual_server);
    auto rs = control::parse_real_server(d.real_server);
    std::optional<core::Duration> timeout;
    if (d.deadline_unix_ms != 0) {
      timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, d.deadline_unix_ms - parts_.process.unix_now_ms()));
    }
    auto done = !key.ok()   ? core::Result<bool>(key.error())
                : !rs.ok()  ? core::Result<bool>(rs.error())
                : d.drained ? admin_.restore_drained(configured, *key, *rs)
                            : admin_.drain(configured, *key, *rs, timeout);
    if (!done.ok()) log->warn("handover: drain {} {}: {}", d.virtual_server, d.real_server, done.error().message);
  }
}

// --- requests ---------------------------------------------------------------

void Daemon::reload(std::function<void(control::ReloadOutcome)> done) {
  if (!requests_.add(Request::kReload)) {
    if (done) done({.applied = false, .errors = {"lvsd is stopping"}, .summary = {}});
    return;
  }
  if (done) reload_waiters_.push_back(std::move(done));
  request_timer_->arm(core::Duration::zero());
}

core::Status Daemon::request_restart() {
  if (options_.argv.empty()) return core::Error{"this lvsd was started without its command line; cannot re-execute"};
  if (requests_.stopping()) return core::Error{"lvsd is stopping"};
  if (!requests_.add(Request::kRestart)) return core::Error{"restart in progress"};
  // After the reply has gone out (the control server writes it when the
  // handler returns): the request runs from the timer.
  request_timer_->arm(core::Duration::zero());
  return {};
}

void Daemon::stop() {
  if (!requests_.add(Request::kStop)) return;  // already stopping
  // A stop does not wait for a reload being read: it runs now (the read's
  // result is dropped when it comes back).
  const control::ReloadOutcome stopping{.applied = false, .errors = {"lvsd is stopping"}, .summary = {}};
  if (requests_.running() == Request::kReload) {
    answer_reloads(stopping);
    requests_.finished();
  }
  // Reloads still queued will not run: their askers get an answer now.
  auto queued = std::move(reload_waiters_);
  reload_waiters_.clear();
  for (auto& done : queued) done(stopping);
  run_next_request();
}

void Daemon::run_next_request() {
  if (requests_.busy()) return;  // the running one starts the next when it ends
  const auto next = requests_.start_next();
  if (!next) return;
  switch (*next) {
    case Request::kReload: start_reload(); break;
    case Request::kRestart: start_restart(); break;
    case Request::kStop: run_stop(); break;
  }
}

void Daemon::start_reload() {
  auto log = core::log::get();
  // Before anything else: a reload must never let a backup's
  // Master_Down_Timer run out.
  parts_.vrrp.advertise_masters();
  parts_.process.notify_manager("RELOADING=1");
  log->info("reload: reading {}", options_.config_path);
  running_reload_ = std::move(reload_waiters_);
  reload_waiters_.clear();
  // Reading and parsing run off the loop; the result comes back here.
  parts_.offload.post([read = parts_.read_config, path = options_.config_path,
                       previous = PreviousConfig{.yaml_digest = config_digest_, .config = config_, .reload = config_basis_},
                       this]() -> core::Offload::Continuation {
    LoadedConfig next = read(path, previous);
    return [this, next = std::move(next)]() mutable {
      if (requests_.running() != Request::kReload) return;  // a stop came first
      finish_reload(std::move(next));
    };
  });
}

void Daemon::finish_reload(LoadedConfig next) {
  auto log = core::log::get();
  log_warnings(next);
  auto refuse = [&](std::vector<std::string> errors) {
    ++counters_.reloads_failed;
    counters_.last_failed_reload_unix_ms = parts_.process.unix_now_ms();
    for (const auto& e : errors) log->error("config: {}", e);
    log->error("reload refused: keeping the running configuration");
    parts_.process.notify_manager("READY=1");
    answer_reloads({.applied = false, .errors = std::move(errors), .summary = {}});
    requests_.finished();
    request_timer_->arm(core::Duration::zero());
  };
  if (!next.unchanged && !next.config) return refuse(std::move(next.errors));
  parts_.vrrp.advertise_masters();
  if (next.unchanged) {
    log->info("reload: {} is unchanged, its parsed configuration is kept", options_.config_path);
  } else {
    if (!ipvs_ && needs_ipvs(*next.config) && !open_ipvs(*next.config)) {
      return refuse({"the new configuration needs IPVS, which cannot be used (see lvsd's log)"});
    }
    config_ = std::make_shared<const conf::Config>(std::move(*next.config));
    config_digest_ = next.yaml_digest;
    config_basis_ = next.reload ? std::make_shared<const conf::ReloadBasis>(std::move(*next.reload)) : nullptr;
    index_announced();
  }
  if (parts_.process.apply_fifos) parts_.process.apply_fifos(config_->global);
  parts_.vrrp.apply(*config_);
  if (ipvs_) {
    ipvs_->sync.set_options(sync_options(*config_));
    ipvs_->kernel->set_receive_timeout(loop_receive_timeout(*config_));
  }
  mark_vips();
  // The health view and the overrides follow every verdict and command as it
  // happens, so the desired table is always current: with the same Config,
  // set_config() would rebuild exactly what is there. Only a table that is
  // not fully applied yet (a refused operation, a failed dump) is pushed again.
  if (!next.unchanged) {
    follow_track_files();
    health_.set_config(*config_);
    ++config_generation_;
    // With nothing drained or disabled there is nothing to forget: do not
    // build a table of every real server for it.
    if (!admin_.drains().empty() || !admin_.disabled().empty()) admin_.forget_missing(configured_table(*config_));
    refresh_announcements();
  }
  if (ipvs_) {
    if (next.unchanged && ipvs_->sync.in_sync()) {
      log->info("reload: same configuration and IPVS holds the desired table: no change");
    } else {
      push_desired();
    }
    if (!next.unchanged) apply_ipvs_settings();
    apply_sync_daemons();
  }
  // A reload through the control socket must not destroy the server that
  // is answering it: sockets whose address changed are reopened just after.
  endpoints_timer_->arm(core::Duration::zero());
  ++counters_.reloads_succeeded;
  counters_.last_reload_unix_ms = parts_.process.unix_now_ms();
  const std::string summary = conf::summary(*config_);
  log->info("reload: done: {}", summary);
  parts_.process.notify_manager("READY=1");
  answer_reloads({.applied = true, .errors = {}, .summary = summary});
  requests_.finished();
  request_timer_->arm(core::Duration::zero());
}

void Daemon::answer_reloads(const control::ReloadOutcome& outcome) {
  auto waiters = std::move(running_reload_);
  running_reload_.clear();
  for (auto& done : waiters) done(outcome);
}

HandoverState Daemon::handover_state() const {
  const std::int64_t now_ms = parts_.process.unix_now_ms();
  HandoverState state{.pid = parts_.process.pid, .written_at_ms = now_ms, .master_instances = parts_.vrrp.masters(),
                      .started_at_ms = started_unix_ms_};
  if (!state.master_instances.empty()) {
    // What the new image needs to advertise before it has read the file.
    // Only the scripts an instance tracks: a file may define many more.
    const conf::Config vrrp_part{.global = config_->global,
                                 .vrrp_scripts = tracked_scripts(*config_),
                                 .track_files = config_->track_files,
                                 .vrrp_instances = config_->vrrp_instances,
                                 .vrrp_sync_groups = config_->vrrp_sync_groups};
    state.vrrp_config = conf::to_yaml(vrrp_part);
  }
  state.node_drained = announcer_.drained();
  const WallClock clock{.monotonic_now = parts_.scheduler.now(), .unix_now_ms = now_ms};
  for (const auto& key : admin_.disabled()) state.disabled_virtual_servers.push_back(director::describe(key));
  for (const auto& [key, entry] : admin_.drains()) {
    state.drains.push_back({.virtual_server = director::describe(key.service),
                            .real_server = key.destination.to_string(),
                            .deadline_unix_ms = entry.deadline ? clock.to_unix_ms(*entry.deadline) : 0,
                            .drained = entry.phase == control::DrainPhase::kDrained});
  }
  return state;
}

// Hitless restart: the process image is replaced in place (same pid). IPVS
// stays as it is and is adopted; masters hand their role over. Runs only
// when nothing else does (RequestQueue), so every write of a reload before
// it is done and the new image starts from the file the operator last asked
// for.
void Daemon::start_restart() {
  auto log = core::log::get();
  parts_.vrrp.advertise_masters();
  const HandoverState state = handover_state();
  log->info("restarting in place ({} VRRP master instance(s) handed over)", state.master_instances.size());
  parts_.process.notify_manager("RELOADING=1");
  log->flush();
  auto st = parts_.process.hand_over(state);
  if (st.ok()) return;  // replaced (only a test's hand_over returns)
  // Still here: the handover or the exec failed and this image keeps running.
  log->error("restart failed, still running: {}", st.error().message);
  parts_.process.notify_manager("READY=1");
  requests_.finished();
  request_timer_->arm(core::Duration::zero());
}

void Daemon::run_stop() {
  auto log = core::log::get();
  parts_.process.notify_manager("STOPPING=1");
  // RFC 5798 6.4.3: a master resigns (priority 0) and releases its VIPs, so
  // a backup takes over after Skew_Time; nothing comes before it.
  parts_.vrrp.stop();
  drain_stop_timer_->cancel();
  // Scale-out: every announcement withdrawn, then the local routes removed.
  announcer_.set_stopping();
  refresh_announcements();
  if (ipvs_ && config_->global.lvs_flush_on_stop) {
    log->info("stopping: removing the IPVS services lvsd owns (lvs_flush_on_stop)");
    ipvs_->sync.set_desired({});
  } else if (ipvs_) {
    log->info("stopping: IPVS left as it is (established connections keep flowing)");
  }
  // keepalived's omega: quorum_down and notify_down scripts at a stop.
  health_.run_stop_scripts();
  // The STOP notify scripts were just started: give them (and any other
  // still running) a moment to finish before lvsd exits, which ends them.
  if (const std::size_t n = scripts_running(); n > 0) {
    log->info("stopping: waiting up to {} s for {} notify script(s)",
              std::chrono::duration_cast<std::chrono::seconds>(kStopScriptGrace).count(), n);
    stop_deadline_ = parts_.scheduler.now() + kStopScriptGrace;
    stop_timer_->arm(kScriptPoll);
    return;
  }
  parts_.process.stop_loop();
}

std::size_t Daemon::scripts_running() const {
  return parts_.vrrp.scripts_running() + (parts_.process.scripts_running ? parts_.process.scripts_running() : 0);
}

// --- inspection ---------------------------------------------------------------

void Daemon::snapshot(std::function<void(control::StatusSnapshot)> done) {
  collect([done = std::move(done)](control::StatusSnapshot s) mutable -> core::Offload::Continuation {
    return [s = std::move(s), done = std::move(done)]() mutable { done(std::move(s)); };
  });
}

void Daemon::render(std::function<std::string(const control::StatusSnapshot&)> render,
                    std::function<void(std::string)> done) {
  collect([render = std::move(render), done = std::move(done)](control::StatusSnapshot s) mutable {
    std::string text = render(s);  // off the loop too: 10,000 real servers are megabytes of text
    return core::Offload::Continuation([text = std::move(text), done = std::move(done)]() mutable {
      done(std::move(text));
    });
  });
}

// One status being gathered: what only the loop knows is copied in slices
// of kSliceVirtualServers virtual servers per loop turn (10,000 real
// servers' health is megabytes of strings: inside UML, where every page
// fault is costly, building it in one go held the loop for most of a
// second); then the kernel's counters are dumped and the answer assembled
// off the loop.
struct Daemon::Collection {
  control::StatusSnapshot snapshot;
  WallClock clock;
  std::vector<VirtualServerHealth> view;
  std::size_t next = 0;
  std::uint64_t generation = 0;
  std::function<core::Offload::Continuation(control::StatusSnapshot)> finish;
};

namespace {
constexpr std::size_t kSliceVirtualServers = 64;
}  // namespace

void Daemon::collect(std::function<core::Offload::Continuation(control::StatusSnapshot)> finish) {
  const WallClock clock{.monotonic_now = parts_.scheduler.now(), .unix_now_ms = parts_.process.unix_now_ms()};
  control::StatusSnapshot s{.version = kVersion,
                            .router_id = config_->global.router_id,
                            .config_path = options_.config_path,
                            .pid = parts_.process.pid,
                            .generated_unix_ms = clock.unix_now_ms,
                            .started_unix_ms = started_unix_ms_};
  for (const auto& instance : parts_.vrrp.statuses()) s.vrrp_instances.push_back(to_control(instance, clock));
  s.vrrp_scripts = parts_.vrrp.script_statuses();
  if (ipvs_) {
    const auto& c = ipvs_->sync.counters();
    s.counters.reconciles = c.reconciles;
    s.counters.reconcile_operations = c.operations_applied;
    s.counters.reconcile_errors = c.operation_failures + c.dump_failures;
  }
  s.counters.reloads_succeeded = counters_.reloads_succeeded;
  s.counters.reloads_failed = counters_.reloads_failed;
  s.counters.last_reload_unix_ms = counters_.last_reload_unix_ms;
  s.counters.last_failed_reload_unix_ms = counters_.last_failed_reload_unix_ms;
  if (announcing_ || !announcer_.empty()) {
    control::ScaleOutStatus so{.table = config_->global.announce.table,
                               .node_drained = announcer_.drained(),
                               .node_drained_since_unix_ms =
                                   announcer_.drained() ? clock.to_unix_ms(announcer_.drained_since()) : 0,
                               .announcements = {}};
    for (const auto& a : announcer_.vips()) {
      so.announcements.push_back({.vip = a.vip.to_string(),
                                  .announced = a.announced,
                                  .reason = a.reason,
                                  .since_unix_ms = clock.to_unix_ms(a.since),
                                  .transitions = a.transitions,
                                  .services = a.services});
    }
    s.scale_out = std::move(so);
  }
  auto c = std::make_unique<Collection>();
  c->snapshot = std::move(s);
  c->clock = clock;
  c->generation = config_generation_;
  c->finish = std::move(finish);
  c->view.reserve(health_.virtual_server_count());
  collections_.push_back(std::move(c));
  if (!collect_timer_->armed()) collect_timer_->arm(core::Duration::zero());
}

void Daemon::collect_slice() {
  if (collections_.empty()) return;
  Collection& c = *collections_.front();
  if (c.generation != config_generation_) {
    // A reload replaced the health view's configuration meanwhile: start over.
    c.view.clear();
    c.next = 0;
    c.generation = config_generation_;
  }
  health_.append_status(c.next, kSliceVirtualServers, c.view);
  c.next += kSliceVirtualServers;
  if (c.next < health_.virtual_server_count()) {
    collect_timer_->arm(core::Duration::zero());
    return;
  }
  std::unique_ptr<Collection> done = std::move(collections_.front());
  collections_.pop_front();
  if (!collections_.empty()) collect_timer_->arm(core::Duration::zero());
  parts_.offload.post([c = std::shared_ptr<Collection>(std::move(done)), stats = stats_socket(), config = config_,
                       overrides = admin_.overrides()]() mutable -> core::Offload::Continuation {
    std::optional<director::IpvsTable> kernel;
    if (stats) {
      if (auto dump = stats->dump(); dump.ok()) kernel = std::move(*dump);
    }
    const director::IpvsTable configured = configured_table(*config);
    const HealthIndex index = index_health(c->view, c->clock);
    control::StatusSnapshot& s = c->snapshot;
    s.virtual_servers = control::virtual_server_status(control::StatusSources{
        .configured = configured,
        .kernel = kernel ? &*kernel : nullptr,
        .overrides = &overrides,
        .health = [&](const director::ServiceKey& key,
                      const director::Destination& d) -> std::optional<control::RealServerHealth> {
          auto it = index.find({director::describe(key), d.endpoint.to_string()});
          if (it == index.end()) return std::nullopt;
          return it->second;
        },
        .to_unix_ms = [&](core::TimePoint t) { return c->clock.to_unix_ms(t); }});
    std::map<std::string, bool> quorum;
    for (const auto& h : c->view) {
      quorum[h.virtual_server] = h.quorum_met;
      for (const auto& service : h.services) quorum[service] = h.quorum_met;
    }
    for (auto& vs : s.virtual_servers) {
      if (auto it = quorum.find(vs.key); it != quorum.end()) vs.quorum_lost = !it->second;
    }
    return c->finish(std::move(s));
  });
}

control::ControlHandlers Daemon::control_handlers() {
  control::ControlHandlers h;
  h.status = [this](control::ReplyLine done) {
    render(control::status_reply_line, [done = std::move(done)](std::string line) { done(std::move(line), true); });
  };
  h.reload = [this](std::function<void(control::ReloadOutcome)> done) { reload(std::move(done)); };
  h.drain = [this](const control::DrainRequest& r) {
    std::optional<core::Duration> timeout;
    if (r.timeout_s) timeout = std::chrono::seconds(*r.timeout_s);
    return admin_.drain(configured_table(*config_), r.virtual_server, r.real_server, timeout);
  };
  h.undrain = [this](const control::UndrainRequest& r) {
    return admin_.undrain(configured_table(*config_), r.virtual_server, r.real_server);
  };
  h.disable = [this](const control::DisableRequest& r) { return admin_.disable(configured_table(*config_), r.virtual_server); };
  h.enable = [this](const control::EnableRequest& r) { return admin_.enable(r.virtual_server); };
  h.restart = [this] { return request_restart(); };
  h.drain_node = [this](const control::DrainNodeRequest& r) { return drain_node(r.stop); };
  h.undrain_node = [this] { return undrain_node(); };
  return h;
}

void Daemon::serve_endpoints() {
  parts_.endpoints.serve(config_->global, control_handlers(),
                         [this](control::MetricsServer::Reply reply) {
                           render(
                               [head_only = reply.head_only](const control::StatusSnapshot& s) {
                                 return control::metrics_response(control::render_metrics(s), head_only);
                               },
                               std::move(reply.send));
                         });
}

}  // namespace lvsd::daemon
