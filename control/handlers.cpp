#include "control/handlers.hpp"

#include <exception>

#include "core/log.hpp"

namespace lvsd::control {

namespace {

Reply changed_reply(const core::Result<bool>& result) {
  if (!result.ok()) return error_reply(result.error().message);
  return ok_reply({{"changed", *result}});
}

template <typename Fn>
bool missing(const Fn& fn) {
  return !static_cast<bool>(fn);
}

Reply not_supported(std::string_view command) {
  return error_reply("command '" + std::string(command) + "' is not supported by this lvsd");
}

struct Dispatcher {
  const ControlHandlers& h;

  Reply operator()(const StatusRequest&) const {
    if (missing(h.status)) return not_supported("status");
    return ok_reply(to_json(h.status()));
  }
  Reply operator()(const ReloadRequest&) const {
    if (missing(h.reload)) return not_supported("reload");
    ReloadOutcome outcome = h.reload();
    if (!outcome.applied) {
      return error_reply("configuration refused; lvsd keeps running the previous one", std::move(outcome.errors));
    }
    return ok_reply({{"summary", outcome.summary}});
  }
  Reply operator()(const DrainRequest& r) const {
    if (missing(h.drain)) return not_supported("drain");
    return changed_reply(h.drain(r));
  }
  Reply operator()(const UndrainRequest& r) const {
    if (missing(h.undrain)) return not_supported("undrain");
    return changed_reply(h.undrain(r));
  }
  Reply operator()(const EnableRequest& r) const {
    if (missing(h.enable)) return not_supported("enable");
    return changed_reply(h.enable(r));
  }
  Reply operator()(const DisableRequest& r) const {
    if (missing(h.disable)) return not_supported("disable");
    return changed_reply(h.disable(r));
  }
  Reply operator()(const RestartRequest&) const {
    if (missing(h.restart)) return not_supported("restart");
    auto st = h.restart();
    if (!st.ok()) return error_reply(st.error().message);
    return ok_reply({{"restarting", true}});
  }
};

}  // namespace

Reply dispatch(const ControlHandlers& handlers, std::string_view line) {
  auto request = parse_request(line);
  if (!request.ok()) return error_reply(request.error().message);
  try {
    return std::visit(Dispatcher{handlers}, *request);
  } catch (const std::exception& e) {
    core::log::get()->error("control: {}: {}", command_name(*request), e.what());
    return error_reply("internal error in " + std::string(command_name(*request)) + ": " + e.what());
  } catch (...) {
    core::log::get()->error("control: {}: non-standard exception", command_name(*request));
    return error_reply("internal error in " + std::string(command_name(*request)));
  }
}

}  // namespace lvsd::control
