#include "daemon/handover.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/unique_fd.hpp"
#include "daemon/signals.hpp"

namespace lvsd::daemon {

namespace {
constexpr int kFormatVersion = 1;
}  // namespace

std::string encode_handover(const HandoverState& state) {
  nlohmann::json j = {{"version", kFormatVersion},
                      {"pid", state.pid},
                      {"written_at_ms", state.written_at_ms},
                      {"master_instances", state.master_instances},
                      {"started_at_ms", state.started_at_ms},
                      {"disabled_virtual_servers", state.disabled_virtual_servers},
                      {"drains", nlohmann::json::array()},
                      {"vrrp_config", state.vrrp_config},
                      {"node_drained", state.node_drained}};
  for (const auto& d : state.drains) {
    j["drains"].push_back({{"virtual_server", d.virtual_server},
                           {"real_server", d.real_server},
                           {"deadline_unix_ms", d.deadline_unix_ms},
                           {"drained", d.drained}});
  }
  return j.dump() + "\n";
}

core::Result<HandoverState> decode_handover(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Error{"handover: not a JSON object"};
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != kFormatVersion) {
    return core::Error{"handover: unknown format version"};
  }
  auto pid = j.find("pid");
  auto at = j.find("written_at_ms");
  auto masters = j.find("master_instances");
  if (pid == j.end() || !pid->is_number_integer()) return core::Error{"handover: 'pid' missing or not a number"};
  if (at == j.end() || !at->is_number_integer()) {
    return core::Error{"handover: 'written_at_ms' missing or not a number"};
  }
  if (masters == j.end() || !masters->is_array()) return core::Error{"handover: 'master_instances' is not a list"};
  HandoverState state{.pid = pid->get<pid_t>(), .written_at_ms = at->get<std::int64_t>(), .master_instances = {}};
  for (const auto& name : *masters) {
    if (!name.is_string()) return core::Error{"handover: 'master_instances' holds a non-string"};
    state.master_instances.push_back(name.get<std::string>());
  }
  // Optional (older images did not write it).
  if (auto started = j.find("started_at_ms"); started != j.end()) {
    if (!started->is_number_integer()) return core::Error{"handover: 'started_at_ms' is not a number"};
    state.started_at_ms = started->get<std::int64_t>();
  }
  if (auto disabled = j.find("disabled_virtual_servers"); disabled != j.end()) {
    if (!disabled->is_array()) return core::Error{"handover: 'disabled_virtual_servers' is not a list"};
    for (const auto& vs : *disabled) {
      if (!vs.is_string()) return core::Error{"handover: 'disabled_virtual_servers' holds a non-string"};
      state.disabled_virtual_servers.push_back(vs.get<std::string>());
    }
  }
  if (auto vrrp = j.find("vrrp_config"); vrrp != j.end()) {
    if (!vrrp->is_string()) return core::Error{"handover: 'vrrp_config' is not a string"};
    state.vrrp_config = vrrp->get<std::string>();
  }
  if (auto drained = j.find("node_drained"); drained != j.end()) {
    if (!drained->is_boolean()) return core::Error{"handover: 'node_drained' is not true or false"};
    state.node_drained = drained->get<bool>();
  }
  if (auto drains = j.find("drains"); drains != j.end()) {
    if (!drains->is_array()) return core::Error{"handover: 'drains' is not a list"};
    for (const auto& d : *drains) {
      if (!d.is_object() || !d.contains("virtual_server") || !d["virtual_server"].is_string() ||
          !d.contains("real_server") || !d["real_server"].is_string() || !d.contains("deadline_unix_ms") ||
          !d["deadline_unix_ms"].is_number_integer()) {
        return core::Error{"handover: a drain needs virtual_server, real_server and deadline_unix_ms"};
      }
      const bool drained = d.contains("drained") && d["drained"].is_boolean() && d["drained"].get<bool>();
      state.drains.push_back({.virtual_server = d["virtual_server"].get<std::string>(),
                              .real_server = d["real_server"].get<std::string>(),
                              .deadline_unix_ms = d["deadline_unix_ms"].get<std::int64_t>(),
                              .drained = drained});
    }
  }
  return state;
}

bool handover_applies(const HandoverState& state, pid_t self, std::int64_t now_ms,
                      std::chrono::milliseconds max_age) {
  if (state.pid != self) return false;
  const std::int64_t age = now_ms - state.written_at_ms;
  return age >= 0 && age <= max_age.count();
}

core::Status write_handover(const std::string& path, const HandoverState& state) {
  const std::string tmp = path + ".tmp";
  core::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return core::errno_error("open " + tmp, errno);
  const std::string text = encode_handover(state);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      fd.reset();
      ::unlink(tmp.c_str());
      return core::errno_error("write " + tmp, err);
    }
    done += static_cast<std::size_t>(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return core::errno_error("rename " + tmp, err);
  }
  return {};
}

core::Result<HandoverState> take_handover(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::errno_error("open " + path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  ::unlink(path.c_str());
  auto state = decode_handover(text.str());
  if (!state.ok()) return state.error().context(path);
  return state;
}

core::Status reexec_with_handover(const std::vector<std::string>& argv, const std::string& handover_path) {
  std::vector<std::string> args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    // A previous re-exec's --handover must not pile up.
    if (argv[i] == "--handover") {
      ++i;
      continue;
    }
    if (argv[i].rfind("--handover=", 0) == 0) continue;
    args.push_back(argv[i]);
  }
  args.push_back("--handover");
  args.push_back(handover_path);
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  // Nothing of this image may leak into the next: every descriptor above
  // stderr closes on exec (libraries do not all ask for it). The daemon's
  // signals are blocked across the exec and stay pending until the new
  // image's loop handles them (daemon/signals.hpp); every other signal is
  // unblocked.
  (void)::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  const sigset_t blocked = daemon_signals();
  sigset_t previous;
  ::sigprocmask(SIG_SETMASK, &blocked, &previous);
  ::execv("/proc/self/exe", raw.data());
  const int err = errno;
  ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  return core::errno_error("execv /proc/self/exe", err);
}

}  // namespace lvsd::daemon
