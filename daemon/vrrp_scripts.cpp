#include "daemon/vrrp_scripts.hpp"

#include <algorithm>
#include <set>

#include "core/log.hpp"
#include "core/script.hpp"
#include "healthcheck/checker.hpp"

namespace lvsd::daemon {

struct VrrpScripts::Script {
  conf::VrrpScript settings;
  core::ScriptPolicy policy;
  std::unique_ptr<healthcheck::Checker> checker;
  healthcheck::HealthState state;
  std::unique_ptr<core::Timer> next;
  control::VrrpScriptStatus status;
};

std::vector<conf::VrrpScript> tracked_scripts(const conf::Config& config) {
  std::set<std::string> tracked;
  for (const auto& instance : config.vrrp_instances)
    for (const auto& t : instance.track_script) tracked.insert(t.name);
  std::vector<conf::VrrpScript> out;
  for (const auto& script : config.vrrp_scripts)
    if (tracked.count(script.name)) out.push_back(script);
  return out;
}

VrrpScripts::VrrpScripts(core::EventLoop& loop, core::Scheduler& timers, Listener listener)
    : loop_(loop), timers_(timers), listener_(std::move(listener)) {}

VrrpScripts::~VrrpScripts() { stop(); }

void VrrpScripts::apply(const conf::Config& config) {
  const auto wanted = tracked_scripts(config);
  auto log = core::log::get();
  for (auto it = scripts_.begin(); it != scripts_.end();) {
    auto same = std::find_if(wanted.begin(), wanted.end(), [&](const conf::VrrpScript& s) { return s.name == it->first; });
    const bool keep = same != wanted.end() && *same == it->second->settings &&
                      conf::script_policy(config.global, same->user) == it->second->policy;
    if (keep) {
      ++it;
      continue;
    }
    log->info("vrrp_script {}: {}", it->first, same == wanted.end() ? "no longer tracked, stopped" : "changed, restarted");
    it = scripts_.erase(it);  // the Checker's destructor kills a running script
  }
  for (const auto& settings : wanted) {
    if (scripts_.count(settings.name)) continue;
    healthcheck::CheckSpec spec;
    spec.kind = healthcheck::CheckKind::kMisc;
    spec.delay_loop = settings.interval;
    spec.misc_argv = core::split_command_line(settings.script);
    spec.misc_policy = conf::script_policy(config.global, settings.user);
    spec.misc_timeout = settings.timeout > core::Duration::zero() ? settings.timeout : settings.interval;
    auto script = std::unique_ptr<Script>(new Script{
        .settings = settings,
        .policy = spec.misc_policy,
        .checker = healthcheck::make_misc_checker(loop_, timers_, spec),
        .state = healthcheck::HealthState(
            {.rise = settings.rise, .fall = settings.fall, .start_up = false, .start_down = settings.init_fail}),
        .next = nullptr,
        .status = {.name = settings.name,
                   .result = std::string(healthcheck::to_string(settings.init_fail ? healthcheck::Verdict::kDown
                                                                                   : healthcheck::Verdict::kUnknown))},
    });
    Script* raw = script.get();
    raw->next = timers_.create_timer([this, raw] { run(*raw); });
    scripts_.emplace(settings.name, std::move(script));
    run(*raw);  // keepalived runs a tracked script at once
  }
}

void VrrpScripts::run(Script& script) {
  script.checker->start([this, &script](healthcheck::CheckResult result) {
    ++script.status.runs;
    if (!result.up) ++script.status.failed_runs;
    script.status.last_run = result.reason;
    const auto transition = script.state.record(result.up, result.reason, timers_.now());
    script.status.result = std::string(healthcheck::to_string(script.state.verdict()));
    script.next->arm(script.settings.interval);
    if (transition) {
      core::log::get()->info("vrrp_script {}: {} -> {} ({})", script.settings.name,
                             healthcheck::to_string(transition->from), healthcheck::to_string(transition->to),
                             result.reason);
      // May destroy nothing here: instances only read the verdict.
      listener_(script.settings.name, script.state.up());
    }
  });
}

void VrrpScripts::stop() {
  for (auto& [name, script] : scripts_) {
    script->next->cancel();
    script->checker->cancel();
  }
  scripts_.clear();
}

std::optional<bool> VrrpScripts::up(const std::string& name) const {
  auto it = scripts_.find(name);
  if (it == scripts_.end() || it->second->state.verdict() == healthcheck::Verdict::kUnknown) return std::nullopt;
  return it->second->state.up();
}

std::vector<control::VrrpScriptStatus> VrrpScripts::statuses() const {
  std::vector<control::VrrpScriptStatus> out;
  for (const auto& [name, script] : scripts_) out.push_back(script->status);
  return out;
}

}  // namespace lvsd::daemon
