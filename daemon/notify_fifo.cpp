#include "daemon/notify_fifo.hpp"

#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/spawn.hpp"

namespace lvsd::daemon {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Reaps a FIFO script after its FifoWriter is gone, then frees itself.
struct Reaper {
  ::ev_child watcher{};
  std::string command;
  static void on_exit(struct ev_loop* loop, struct ev_child* w, int) {
    ev_child_stop(loop, w);
    delete static_cast<Reaper*>(w->data);
  }
};

}  // namespace

struct FifoWriter::Script {
  ::ev_child watcher{};
  FifoWriter* owner = nullptr;
  std::string command;
  pid_t pid = 0;
  static void on_exit(struct ev_loop* loop, struct ev_child* w, int) {
    auto* self = static_cast<Script*>(w->data);
    ev_child_stop(loop, w);
    const int status = w->rstatus;
    // keepalived 2.2.7 logs the end of its FIFO script and does not start it again.
    if (WIFSIGNALED(status))
      core::log::get()->warn("{}: script {} killed by signal {}", self->owner->what_, self->command, WTERMSIG(status));
    else
      core::log::get()->warn("{}: script {} exited with status {}", self->owner->what_, self->command,
                             WEXITSTATUS(status));
    self->pid = 0;
  }
};

FifoWriter::FifoWriter(core::EventLoop& loop, std::string what, std::string path, core::UniqueFd fd, bool created)
    : loop_(loop), what_(std::move(what)), path_(std::move(path)), fd_(std::move(fd)), created_(created) {}

core::Result<std::unique_ptr<FifoWriter>> FifoWriter::open(core::EventLoop& loop, std::string what,
                                                           const conf::NotifyFifo& config,
                                                           const core::ScriptPolicy& script_policy) {
  const std::string& path = config.path;
  bool created = false;
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return core::Error{what + " " + path + ": " + errno_text(errno)};
    // The owner first: a FIFO for a user that does not exist is not made.
    std::optional<core::Account> owner;
    if (config.owner) {
      auto resolved = core::resolve_script_user(core::ScriptPolicy{.user = config.owner->user, .group = config.owner->group},
                                                core::system_accounts());
      if (!resolved) return core::Error{what + " " + path + ": owner: " + resolved.error().message};
      owner = *resolved;
    }
    if (::mkfifo(path.c_str(), 0600) != 0) return core::Error{what + " " + path + ": mkfifo: " + errno_text(errno)};
    created = true;
    if (owner && ::chown(path.c_str(), owner->uid, owner->gid) != 0) {
      const int err = errno;
      ::unlink(path.c_str());
      return core::Error{what + " " + path + ": chown to " + owner->name + ": " + errno_text(err)};
    }
  } else if (!S_ISFIFO(st.st_mode)) {
    return core::Error{what + " " + path + " exists and is not a FIFO: remove it, or name another path"};
  }
  // Read-write: never ENXIO for want of a reader, and the pipe holds lines
  // until one comes. O_NONBLOCK: a full pipe fails the write instead of
  // stalling the loop.
  const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (created) ::unlink(path.c_str());
    return core::Error{what + " " + path + ": open: " + errno_text(err)};
  }
  std::unique_ptr<FifoWriter> writer(new FifoWriter(loop, std::move(what), path, core::UniqueFd(fd), created));
  // A script that cannot start is logged; the FIFO is written all the same
  // (another reader may come).
  if (config.script) {
    if (auto started = writer->start_script(*config.script, script_policy); !started.ok())
      core::log::get()->error("{} script: {}", writer->what_, started.error().message);
  }
  core::log::get()->info("{}: writing to {}{}", writer->what_, path, created ? " (created)" : "");
  return writer;
}

core::Status FifoWriter::start_script(const std::string& command, const core::ScriptPolicy& policy) {
  std::vector<std::string> argv = core::split_command_line(command);
  argv.push_back(path_);
  auto prepared = core::prepare_script(argv, policy);
  if (!prepared) return prepared.error();
  if (prepared->warning)
    core::log::get()->warn("{} script: {} (enable_script_security would refuse it)", what_, *prepared->warning);
  auto pid = core::spawn_script(*prepared);
  if (!pid) return pid.error();
  auto script = std::make_unique<Script>();
  script->owner = this;
  script->command = prepared->argv[0];
  script->pid = *pid;
  ev_child_init(&script->watcher, &Script::on_exit, *pid, 0);
  script->watcher.data = script.get();
  ev_child_start(loop_.raw(), &script->watcher);
  core::log::get()->info("{}: started {} {} (pid {}, uid {})", what_, script->command, path_, *pid, prepared->user.uid);
  script_ = std::move(script);
  return {};
}

FifoWriter::~FifoWriter() {
  if (script_) {
    ev_child_stop(loop_.raw(), &script_->watcher);
    if (script_->pid > 0) {
      ::kill(-script_->pid, SIGTERM);
      auto* reaper = new Reaper{};
      reaper->command = script_->command;
      ev_child_init(&reaper->watcher, &Reaper::on_exit, script_->pid, 0);
      reaper->watcher.data = reaper;
      ev_child_start(loop_.raw(), &reaper->watcher);
    }
  }
  if (created_) ::unlink(path_.c_str());
}

int FifoWriter::script_pid() const { return script_ ? script_->pid : 0; }

void FifoWriter::write(std::string_view line) {
  const ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n == static_cast<ssize_t>(line.size())) {
    ++written_;
    if (dropping_) {
      core::log::get()->info("{} {}: writing again ({} line(s) dropped in all)", what_, path_, dropped_);
      dropping_ = false;
    }
    return;
  }
  ++dropped_;
  // One warning per run of dropped lines (a reader gone for an hour must not flood the log).
  if (!dropping_) {
    const int err = n < 0 ? errno : 0;
    core::log::get()->warn("{} {}: line dropped ({}): {} line(s) dropped in all", what_, path_,
                           n < 0 ? (err == EAGAIN ? std::string("the pipe is full: its reader is slow or absent")
                                                  : errno_text(err))
                                 : std::string("short write"),
                           dropped_);
    dropping_ = true;
  }
}

NotifyFifos::NotifyFifos(core::EventLoop& loop) : loop_(loop) {}

NotifyFifos::~NotifyFifos() { close_all(); }

void NotifyFifos::close_all() {
  for (Slot* s : {&all_, &vrrp_, &lvs_}) {
    s->writer.reset();
    s->config.reset();
  }
}

void NotifyFifos::apply_slot(Slot& slot, const char* what, const std::optional<conf::NotifyFifo>& wanted,
                             const conf::Global& global) {
  const core::ScriptPolicy policy = wanted ? conf::script_policy(global, wanted->script_user) : core::ScriptPolicy{};
  if (slot.writer && slot.config == wanted && slot.policy == policy) return;
  slot.writer.reset();  // closes it (and removes a FIFO lvsd made) before a new one may take its path
  slot.config = wanted;
  slot.policy = policy;
  if (!wanted) return;
  auto opened = FifoWriter::open(loop_, what, *wanted, policy);
  if (!opened) {
    core::log::get()->error("{}", opened.error().message);
    return;
  }
  slot.writer = std::move(*opened);
}

void NotifyFifos::suspend() {
  for (Slot* s : {&all_, &vrrp_, &lvs_}) s->writer.reset();
}

void NotifyFifos::resume() { apply(last_); }

void NotifyFifos::apply(const conf::Global& global) {
  last_ = global;
  apply_slot(all_, "notify_fifo", global.notify_fifo, global);
  apply_slot(vrrp_, "vrrp_notify_fifo", global.vrrp_notify_fifo, global);
  apply_slot(lvs_, "lvs_notify_fifo", global.lvs_notify_fifo, global);
}

void NotifyFifos::vrrp(std::string_view line) {
  if (all_.writer) all_.writer->write(line);
  if (vrrp_.writer) vrrp_.writer->write(line);
}

void NotifyFifos::lvs(std::string_view line) {
  if (all_.writer) all_.writer->write(line);
  if (lvs_.writer) lvs_.writer->write(line);
}

std::uint64_t NotifyFifos::dropped() const {
  std::uint64_t n = 0;
  for (const Slot* s : {&all_, &vrrp_, &lvs_})
    if (s->writer) n += s->writer->dropped();
  return n;
}

}  // namespace lvsd::daemon
