#include "cli/daemon_commands.hpp"

#include <cerrno>
#include <chrono>
#include <optional>
#include <ostream>
#include <thread>

#include "control/client.hpp"
#include "control/status.hpp"

namespace lvsd::cli {

namespace {

struct Outcome {
  int exit_code = 0;
  std::optional<control::Reply> reply{};  // set when lvsd answered
};

Outcome call(const DaemonCommandOptions& o, const control::Request& request, std::ostream& err) {
  int connect_errno = 0;
  auto client = control::ControlClient::connect(o.socket_path, std::chrono::seconds(60), &connect_errno);
  if (!client.ok() && (connect_errno == EACCES || connect_errno == EPERM)) {
    // lvsd may well be running: "not running" (exit 3) would send the operator the wrong way.
    err << "lvsctl: permission denied on lvsd's control socket " << o.socket_path
        << " (it is root's, mode 0600): run lvsctl as root, e.g. sudo lvsctl ...\n";
    return {.exit_code = 1};
  }
  if (!client.ok()) {
    err << "lvsctl: lvsd is not running (cannot connect to " << client.error().message
        << "): this command needs the daemon; list/save/connections work without it\n";
    return {.exit_code = kExitNotRunning};
  }
  auto reply = client->call(request);
  if (!reply.ok()) {
    err << "lvsctl: " << control::command_name(request) << ": " << reply.error().message << "\n";
    return {.exit_code = 1};
  }
  if (!reply->ok) {
    err << "lvsctl: " << control::command_name(request) << ": " << reply->error << "\n";
    for (const auto& e : reply->errors) err << "  " << e << "\n";
    return {.exit_code = 1, .reply = std::move(*reply)};
  }
  return {.exit_code = 0, .reply = std::move(*reply)};
}

// Runs a request; prints the JSON result with --json, else what `text` says.
template <typename Text>
int run(const DaemonCommandOptions& o, const control::Request& request, std::ostream& out, std::ostream& err,
        Text text) {
  Outcome outcome = call(o, request, err);
  if (o.json && outcome.reply) {
    // With --json the reply itself goes to stdout, refused or not.
    out << nlohmann::json::parse(control::encode_reply(*outcome.reply)).dump(2) << "\n";
    return outcome.exit_code;
  }
  if (outcome.exit_code != 0) return outcome.exit_code;
  return text(outcome.reply->result);
}

int usage(std::ostream& err, const std::string& message) {
  err << "lvsctl: " << message << "\n";
  return 2;
}

bool changed(const nlohmann::json& result) {
  return result.is_object() && result.contains("changed") && result["changed"].is_boolean() &&
         result["changed"].get<bool>();
}

}  // namespace

int run_status(const DaemonCommandOptions& o, std::ostream& out, std::ostream& err) {
  return run(o, control::StatusRequest{}, out, err, [&](const nlohmann::json& result) {
    auto snapshot = control::status_from_json(result);
    if (!snapshot.ok()) {
      err << "lvsctl: status: unexpected reply from lvsd: " << snapshot.error().message << "\n";
      return 1;
    }
    out << control::format_status(*snapshot);
    return 0;
  });
}

int run_reload(const DaemonCommandOptions& o, std::ostream& out, std::ostream& err) {
  return run(o, control::ReloadRequest{}, out, err, [&](const nlohmann::json& result) {
    out << "reload: applied";
    if (result.is_object() && result.contains("summary") && result["summary"].is_string()) {
      const auto summary = result["summary"].get<std::string>();
      if (!summary.empty()) out << ": " << summary;
    }
    out << "\n";
    return 0;
  });
}

// The new image answers on the socket once it is up; until then connects
// are refused or unanswered. Bounded: 100 tries, 100 ms apart.
std::optional<control::StatusSnapshot> wait_for_daemon(const DaemonCommandOptions& o) {
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto client = control::ControlClient::connect(o.socket_path);
    if (!client.ok()) continue;
    auto reply = client->call(control::StatusRequest{});
    if (!reply.ok() || !reply->ok) continue;
    auto snapshot = control::status_from_json(reply->result);
    if (snapshot.ok()) return std::move(*snapshot);
  }
  return std::nullopt;
}

int run_restart(const DaemonCommandOptions& o, std::ostream& out, std::ostream& err) {
  Outcome outcome = call(o, control::RestartRequest{}, err);
  if (outcome.exit_code != 0) {
    if (o.json && outcome.reply) out << nlohmann::json::parse(control::encode_reply(*outcome.reply)).dump(2) << "\n";
    return outcome.exit_code;
  }
  auto back = wait_for_daemon(o);
  if (!back) {
    err << "lvsctl: restart: lvsd did not answer again within 10 s (see its log)\n";
    return 1;
  }
  if (o.json) {
    out << nlohmann::json{{"ok", true}, {"result", {{"restarted", true}, {"pid", back->pid}}}}.dump(2) << "\n";
  } else {
    out << "restart: lvsd re-executed itself and answers again (pid " << back->pid
        << "; VIPs and IPVS stayed)\n";
  }
  return 0;
}

int run_drain(const DaemonCommandOptions& o, const std::string& virtual_server, const std::string& real_server,
              std::optional<std::uint32_t> timeout_s, std::ostream& out, std::ostream& err) {
  auto vs = control::parse_virtual_server(virtual_server);
  if (!vs.ok()) return usage(err, "drain: " + vs.error().message);
  auto rs = control::parse_real_server(real_server);
  if (!rs.ok()) return usage(err, "drain: " + rs.error().message);
  const control::DrainRequest request{.virtual_server = *vs, .real_server = *rs, .timeout_s = timeout_s};
  return run(o, request, out, err, [&](const nlohmann::json& result) {
    out << (changed(result) ? "draining " : "already draining ") << control::describe(*rs) << " of "
        << director::describe(*vs) << ": weight 0, removed when its active connections end";
    if (timeout_s) out << " or after " << *timeout_s << " s";
    out << "\n";
    return 0;
  });
}

int run_undrain(const DaemonCommandOptions& o, const std::string& virtual_server, const std::string& real_server,
                std::ostream& out, std::ostream& err) {
  auto vs = control::parse_virtual_server(virtual_server);
  if (!vs.ok()) return usage(err, "undrain: " + vs.error().message);
  auto rs = control::parse_real_server(real_server);
  if (!rs.ok()) return usage(err, "undrain: " + rs.error().message);
  return run(o, control::UndrainRequest{.virtual_server = *vs, .real_server = *rs}, out, err,
             [&](const nlohmann::json& result) {
               out << control::describe(*rs) << " of " << director::describe(*vs)
                   << (changed(result) ? ": back in service\n" : ": was not drained\n");
               return 0;
             });
}

int run_enable(const DaemonCommandOptions& o, const std::string& virtual_server, std::ostream& out,
               std::ostream& err) {
  auto vs = control::parse_virtual_server(virtual_server);
  if (!vs.ok()) return usage(err, "enable: " + vs.error().message);
  return run(o, control::EnableRequest{.virtual_server = *vs}, out, err, [&](const nlohmann::json& result) {
    out << director::describe(*vs) << (changed(result) ? ": enabled\n" : ": was not disabled\n");
    return 0;
  });
}

int run_disable(const DaemonCommandOptions& o, const std::string& virtual_server, std::ostream& out,
                std::ostream& err) {
  auto vs = control::parse_virtual_server(virtual_server);
  if (!vs.ok()) return usage(err, "disable: " + vs.error().message);
  return run(o, control::DisableRequest{.virtual_server = *vs}, out, err, [&](const nlohmann::json& result) {
    out << director::describe(*vs) << (changed(result) ? ": disabled (removed from IPVS)\n" : ": already disabled\n");
    return 0;
  });
}

int run_drain_node(const DaemonCommandOptions& o, bool stop, std::ostream& out, std::ostream& err) {
  return run(o, control::DrainNodeRequest{.stop = stop}, out, err, [&](const nlohmann::json& result) {
    out << "drain-node: " << (changed(result) ? "every announcement withdrawn" : "already drained")
        << "; forwarding goes on for what still arrives";
    if (stop) out << "; lvsd stops after its drain_grace";
    out << "\n";
    return 0;
  });
}

int run_undrain_node(const DaemonCommandOptions& o, std::ostream& out, std::ostream& err) {
  return run(o, control::UndrainNodeRequest{}, out, err, [&](const nlohmann::json& result) {
    out << "undrain-node: " << (changed(result) ? "announcing again" : "was not drained") << "\n";
    return 0;
  });
}

}  // namespace lvsd::cli
