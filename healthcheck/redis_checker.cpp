// REDIS_CHECK: hiredis' async client on our libev loop (redisLibevAttach on
// EventLoop::raw()). AUTH when a password is set, PING must answer PONG and,
// with an expected role, INFO replication must show it. The commands are
// pipelined: one round trip after the connect. connect_timeout bounds the
// whole exchange.
#include <fcntl.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "healthcheck/probe_base.hpp"
#include "healthcheck/redis_info.hpp"

namespace lvsd::healthcheck {

namespace {

enum class Step : std::intptr_t { kAuth = 1, kPing, kInfo };

// Replies quoted in reasons are cut: a reason is one log line.
constexpr std::size_t kMaxQuotedReply = 120;

std::string reply_text(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STRING: return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return std::to_string(r->integer);
    case REDIS_REPLY_NIL: return "(nil)";
    default: return "(unexpected reply type " + std::to_string(r->type) + ")";
  }
}

std::string quoted(const redisReply* r) {
  std::string text = reply_text(r);
  if (text.size() > kMaxQuotedReply) text = text.substr(0, kMaxQuotedReply) + "...";
  return text;
}

class RedisChecker final : public ProbeBase {
 public:
  RedisChecker(core::EventLoop& loop, core::Scheduler& timers, CheckSpec spec)
      : ProbeBase(loop, timers), spec_(std::move(spec)) {}
  ~RedisChecker() override { cancel(); }

  void start(Done done) override {
    begin(std::move(done), spec_.connect_timeout);
    deadline_extended_ = false;
    // bindto: hiredis binds its socket to the source address itself.
    redisAsyncContext* ac = spec_.bind_address.empty()
                                ? redisAsyncConnect(spec_.address.c_str(), spec_.port)
                                : redisAsyncConnectBind(spec_.address.c_str(), spec_.port, spec_.bind_address.c_str());
    if (ac == nullptr) return finish_soon(false, "redis connect: out of memory");
    if (ac->err != 0) {
      std::string reason = "redis connect: " + std::string(ac->errstr);
      redisAsyncFree(ac);
      return finish_soon(false, reason);
    }
    // hiredis opens its socket without SOCK_CLOEXEC: a script started
    // meanwhile must not inherit it.
    ::fcntl(ac->c.fd, F_SETFD, FD_CLOEXEC);
    ac_ = ac;
    ac->data = this;
    redisLibevAttach(loop_.raw(), ac);
    redisAsyncSetConnectCallback(ac, &RedisChecker::on_connect);
    redisAsyncSetDisconnectCallback(ac, &RedisChecker::on_disconnect);
    // Queued now, written once connected.
    if (!spec_.redis_password.empty()) {
      redisAsyncCommand(ac, &RedisChecker::on_reply, step_data(Step::kAuth), "AUTH %b",
                        spec_.redis_password.data(), spec_.redis_password.size());
    }
    redisAsyncCommand(ac, &RedisChecker::on_reply, step_data(Step::kPing), "PING");
    if (spec_.redis_expect_role != RedisRole::kAny) {
      redisAsyncCommand(ac, &RedisChecker::on_reply, step_data(Step::kInfo), "INFO replication");
    }
    phase_ = "connect";
  }

 private:
  static void* step_data(Step s) { return reinterpret_cast<void*>(static_cast<std::intptr_t>(s)); }

  static RedisChecker* owner(const redisAsyncContext* ac) { return static_cast<RedisChecker*>(ac->data); }

  static void on_connect(const redisAsyncContext* ac, int status) {
    RedisChecker* self = owner(ac);
    if (self == nullptr) return;
    core::guarded("redis connect", [&] {
      if (status == REDIS_OK) {
        self->phase_ = "reply";
        return;
      }
      // hiredis frees the context itself after a failed connect.
      self->ac_->data = nullptr;
      self->ac_ = nullptr;
      self->finish(false, "redis connect: " + std::string(ac->errstr));
    });
  }

  static void on_disconnect(const redisAsyncContext* ac, int /*status*/) {
    RedisChecker* self = owner(ac);
    if (self == nullptr) return;
    core::guarded("redis disconnect", [&] {
      // hiredis is freeing the context.
      self->ac_->data = nullptr;
      self->ac_ = nullptr;
      std::string why = ac->err != 0 ? std::string(ac->errstr) : std::string("closed by server");
      self->finish(false, "redis connection lost: " + why);
    });
  }

  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    RedisChecker* self = owner(ac);
    if (self == nullptr || reply == nullptr) return;  // probe over, or the context is going away
    auto step = static_cast<Step>(reinterpret_cast<std::intptr_t>(privdata));
    core::guarded("redis reply", [&] { self->handle_reply(step, static_cast<redisReply*>(reply)); });
  }

  void handle_reply(Step step, const redisReply* r) {
    switch (step) {
      case Step::kAuth:
        if (r->type == REDIS_REPLY_ERROR) return finish(false, "redis AUTH failed: " + quoted(r));
        return;
      case Step::kPing:
        if (r->type != REDIS_REPLY_STATUS || reply_text(r) != "PONG") {
          return finish(false, "redis PING answered " + quoted(r));
        }
        if (spec_.redis_expect_role == RedisRole::kAny) return finish(true, "redis PONG");
        return;
      case Step::kInfo: {
        if (r->type != REDIS_REPLY_STRING) return finish(false, "redis INFO answered " + quoted(r));
        std::string info = reply_text(r);
        if (auto mismatch = redis_role_mismatch(spec_.redis_expect_role, info)) return finish(false, *mismatch);
        return finish(true, spec_.redis_expect_role == RedisRole::kMaster ? "redis PONG, role:master"
                                                                          : "redis PONG, role:slave, link up");
      }
    }
  }

  void release() override {
    if (ac_ == nullptr) return;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    ac->data = nullptr;  // callbacks run by the free below see no owner
    // Inside a hiredis reply callback this only marks the context; hiredis
    // frees it when the callback returns.
    redisAsyncFree(ac);
  }

  // A reply (or connect) that came in time but whose event our busy loop has
  // not run yet (libev runs timers before I/O) is handed to hiredis first,
  // and the exchange gets one more connect_timeout, once per probe.
  void on_deadline() override {
    const int fd = ac_ != nullptr ? ac_->c.fd : -1;
    // Connected and waiting for replies, a writable socket is no news.
    const int wanted = std::string_view(phase_) == "connect" ? core::IoWatcher::kRead | core::IoWatcher::kWrite
                                                             : core::IoWatcher::kRead;
    const int ready = deadline_extended_ ? 0 : ready_now(fd, wanted);
    if (ready == 0) return finish(false, timeout_reason());
    deadline_extended_ = true;
    rearm_deadline(spec_.connect_timeout);
    redisAsyncContext* ac = ac_;
    // hiredis' callbacks may finish the probe (and destroy this): touch
    // nothing of ours after them.
    if (ready & core::IoWatcher::kRead) return redisAsyncHandleRead(ac);
    redisAsyncHandleWrite(ac);
  }

  std::string timeout_reason() override {
    return "redis " + std::string(phase_) + " timeout after " + format_duration(spec_.connect_timeout);
  }

  CheckSpec spec_;
  redisAsyncContext* ac_ = nullptr;
  const char* phase_ = "connect";
  bool deadline_extended_ = false;
};

}  // namespace

std::unique_ptr<Checker> make_redis_checker(core::EventLoop& loop, core::Scheduler& timers, const CheckSpec& spec) {
  return std::make_unique<RedisChecker>(loop, timers, spec);
}

}  // namespace lvsd::healthcheck
