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

Reply reload_reply(const ReloadOutcome& outcome) {
  if (!outcome.applied) {
    return error_reply("configuration refused; lvsd keeps running the previous one", outcome.errors);
  }
  return ok_reply({{"summary", outcome.summary}});
}

struct Dispatcher {
  const ControlHandlers& h;
  ReplyLine& reply;

  void answer(const Reply& r) const { reply(encode_reply(r), r.ok); }

  void operator()(const StatusRequest&) const {
    if (missing(h.status)) return answer(not_supported("status"));
    h.status(std::move(reply));
  }
  void operator()(const ReloadRequest&) const {
    if (missing(h.reload)) return answer(not_supported("reload"));
    h.reload([reply = std::move(reply)](const ReloadOutcome& outcome) {
      const Reply r = reload_reply(outcome);
      reply(encode_reply(r), r.ok);
    });
  }
  void operator()(const DrainRequest& r) const {
    if (missing(h.drain)) return answer(not_supported("drain"));
    answer(changed_reply(h.drain(r)));
  }
  void operator()(const UndrainRequest& r) const {
    if (missing(h.undrain)) return answer(not_supported("undrain"));
    answer(changed_reply(h.undrain(r)));
  }
  void operator()(const EnableRequest& r) const {
    if (missing(h.enable)) return answer(not_supported("enable"));
    answer(changed_reply(h.enable(r)));
  }
  void operator()(const DisableRequest& r) const {
    if (missing(h.disable)) return answer(not_supported("disable"));
    answer(changed_reply(h.disable(r)));
  }
  void operator()(const DrainNodeRequest& r) const {
    if (missing(h.drain_node)) return answer(not_supported("drain-node"));
    answer(changed_reply(h.drain_node(r)));
  }
  void operator()(const UndrainNodeRequest&) const {
    if (missing(h.undrain_node)) return answer(not_supported("undrain-node"));
    answer(changed_reply(h.undrain_node()));
  }
  void operator()(const RestartRequest&) const {
    if (missing(h.restart)) return answer(not_supported("restart"));
    auto st = h.restart();
    if (!st.ok()) return answer(error_reply(st.error().message));
    answer(ok_reply({{"restarting", true}}));
  }
};

}  // namespace

std::string status_reply_line(const StatusSnapshot& snapshot) { return encode_reply(ok_reply(to_json(snapshot))); }

void dispatch(const ControlHandlers& handlers, std::string_view line, ReplyLine reply) {
  auto request = parse_request(line);
  if (!request.ok()) return reply(encode_reply(error_reply(request.error().message)), false);
  // A handler that throws before taking `reply` is answered here; one that
  // took it (status, reload) answers through it.
  auto fallback = reply;
  try {
    std::visit(Dispatcher{handlers, reply}, *request);
  } catch (const std::exception& e) {
    core::log::get()->error("control: {}: {}", command_name(*request), e.what());
    fallback(encode_reply(error_reply("internal error in " + std::string(command_name(*request)) + ": " + e.what())),
             false);
  } catch (...) {
    core::log::get()->error("control: {}: non-standard exception", command_name(*request));
    fallback(encode_reply(error_reply("internal error in " + std::string(command_name(*request)))), false);
  }
}

}  // namespace lvsd::control
