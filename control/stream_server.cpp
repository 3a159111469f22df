#include "control/stream_server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <utility>

#include "core/log.hpp"
#include "core/result.hpp"

namespace lvsd::control {

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kMaxAcceptsPerWakeup = 64;
}  // namespace

struct StreamServer::Client {
  core::UniqueFd fd;  // declared first: closes after the watcher stopped
  std::unique_ptr<core::IoWatcher> watcher;
  std::unique_ptr<core::Timer> idle;
  std::unique_ptr<core::Timer> request;  // the current request's deadline
  std::string input;
  std::string output;
  bool eof = false;         // the peer shut down its sending side
  bool closing = false;     // close once output is written
  bool completed_one = false;  // a request of this client was answered (never evicted)
  std::size_t written = 0;  // of output, already sent
  bool waiting = false;     // the session's reply comes later (complete())
  // complete() called from inside the session call that returns kWait.
  std::optional<std::pair<std::string, SessionNext>> early;
};

StreamServer::StreamServer(core::EventLoop& loop, core::UniqueFd listen_fd, StreamServerOptions options,
                           Session session, std::string name)
    : StreamServer(loop, loop.scheduler(), std::move(listen_fd), std::move(options), std::move(session),
                   std::move(name)) {}

StreamServer::StreamServer(core::EventLoop& loop, core::Scheduler& scheduler, core::UniqueFd listen_fd,
                           StreamServerOptions options,
                           Session session, std::string name)
    : loop_(loop),
      scheduler_(scheduler),
      listen_fd_(std::move(listen_fd)),
      options_(std::move(options)),
      session_(std::move(session)),
      name_(std::move(name)) {
  accept_watcher_ = std::make_unique<core::IoWatcher>(loop_, listen_fd_.get(), core::IoWatcher::kRead,
                                                      [this](int) { on_accept(); });
  accept_watcher_->start();
}

StreamServer::~StreamServer() {
  clients_.clear();
  accept_watcher_.reset();  // stop watching before listen_fd_ closes
}

void StreamServer::on_accept() {
  for (int i = 0; i < kMaxAcceptsPerWakeup; ++i) {
    core::UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        core::log::get()->warn("{}: accept: {}", name_, core::errno_error("accept", errno).message);
      }
      return;
    }
    if (clients_.size() >= options_.max_clients && !evict_incomplete()) {
      ++counters_.rejected_too_many;
      if (!options_.busy_message.empty()) {
        (void)!::send(fd.get(), options_.busy_message.data(), options_.busy_message.size(),
                      MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      continue;
    }
    ++counters_.accepted;
    const std::uint64_t id = next_id_++;
    auto c = std::make_unique<Client>();
    c->fd = std::move(fd);
    c->watcher = std::make_unique<core::IoWatcher>(loop_, c->fd.get(), core::IoWatcher::kRead,
                                                   [this, id](int ready) { on_client(id, ready); });
    c->idle = scheduler_.create_timer([this, id] {
      ++counters_.dropped_idle;
      drop(id);
    });
    c->idle->arm(options_.idle_timeout);
    c->request = scheduler_.create_timer([this, id] {
      ++counters_.dropped_request_timeout;
      core::log::get()->debug("{}: dropped a client whose request did not arrive whole in time", name_);
      drop(id);
    });
    start_request_clock(*c);
    c->watcher->start();
    clients_.emplace(id, std::move(c));
  }
}

void StreamServer::on_client(std::uint64_t id, int ready) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  c.idle->arm(options_.idle_timeout);
  if (ready & core::IoWatcher::kWrite) {
    if (!flush(c)) return drop(id);
    if (c.output.empty()) start_request_clock(c);
  }
  if ((ready & core::IoWatcher::kRead) && c.output.empty() && !c.closing && !c.waiting) {
    // One bounded read per wakeup keeps every client's turn short.
    const std::size_t room = options_.max_input_bytes + 1 > c.input.size()
                                 ? std::min(kReadChunk, options_.max_input_bytes + 1 - c.input.size())
                                 : 0;
    if (room > 0) {
      char buf[kReadChunk];
      const ssize_t n = ::recv(c.fd.get(), buf, room, 0);
      if (n > 0) {
        c.input.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        c.eof = true;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return drop(id);
      }
    }
  }
  progress(id, c);
}

void StreamServer::progress(std::uint64_t id, Client& c) {
  // Answer every complete request in the input, one reply at a time, until
  // the input needs more bytes, the socket is full or a reply is pending
  // (the input is bounded, so this ends).
  for (;;) {
    if (!run_session(id, c)) return drop(id);
    if (c.output.empty()) break;
    // A reply in the making: the request is complete, its clock stops.
    c.completed_one = true;
    c.request->cancel();
    if (!flush(c)) return drop(id);
    if (!c.output.empty()) break;
    start_request_clock(c);  // the reply is out: the next request's clock starts
  }
  if (c.waiting) {
    // The request is complete (its clock stops); nothing to read or write
    // until the reply comes.
    c.completed_one = true;
    c.request->cancel();
    c.watcher->stop();
    return;
  }
  if (c.output.empty() && (c.closing || c.eof)) return drop(id);
  c.watcher->set_events(c.output.empty() ? core::IoWatcher::kRead : core::IoWatcher::kWrite);
  c.watcher->start();
}

void StreamServer::complete(std::uint64_t client, std::string output, SessionNext next) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (client == current_) {
    c.early.emplace(std::move(output), next);  // run_session takes it when the session returns
    return;
  }
  if (!c.waiting) return;
  c.waiting = false;
  if (c.output.empty()) {
    c.output = std::move(output);  // a status reply is megabytes: no copy
  } else {
    c.output += output;
  }
  if (next == SessionNext::kClose) c.closing = true;
  c.idle->arm(options_.idle_timeout);
  progress(client, c);
}

bool StreamServer::run_session(std::uint64_t id, Client& c) {
  while (c.output.empty() && !c.closing && !c.waiting && (!c.input.empty() || c.eof)) {
    const std::size_t before = c.input.size();
    current_ = id;
    const SessionNext next = session_(c.input, c.output, c.eof);
    current_ = 0;
    if (next == SessionNext::kClose) c.closing = true;
    if (next == SessionNext::kWait) {
      if (c.early) {
        // Answered before the session even returned.
        c.output += std::move(c.early->first);
        if (c.early->second == SessionNext::kClose) c.closing = true;
        c.early.reset();
      } else {
        c.waiting = true;
      }
    }
    if (c.input.size() > options_.max_input_bytes && !c.closing) {
      // The session neither consumed nor refused an oversized input.
      ++counters_.dropped_oversize;
      return false;
    }
    if (c.waiting) break;
    if (c.input.size() == before && c.output.empty()) break;  // needs more input
    if (c.eof && c.input.empty()) break;
  }
  return true;
}

bool StreamServer::flush(Client& c) {
  // Written from an offset: a reply of megabytes (a status of 10,000 real
  // servers) is not moved to the front after every partial send.
  while (c.written < c.output.size()) {
    const ssize_t n = ::send(c.fd.get(), c.output.data() + c.written, c.output.size() - c.written, MSG_NOSIGNAL);
    if (n > 0) {
      c.written += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  std::string().swap(c.output);  // a large reply's buffer is not kept per client
  c.written = 0;
  return true;
}

void StreamServer::start_request_clock(Client& c) {
  if (options_.request_timeout > core::Duration::zero()) c.request->arm(options_.request_timeout);
}

void StreamServer::drop(std::uint64_t id) { clients_.erase(id); }

bool StreamServer::evict_incomplete() {
  // Ids grow with accept order: the first match is the oldest.
  for (const auto& [id, c] : clients_) {
    if (c->completed_one) continue;
    ++counters_.evicted_incomplete;
    core::log::get()->debug("{}: all {} slots taken; dropped the oldest client without a complete request", name_,
                            options_.max_clients);
    drop(id);
    return true;
  }
  return false;
}

}  // namespace lvsd::control
