#pragma once
// The control socket: a Unix stream socket (default /run/lvsd/lvsd.sock,
// mode 0600, its directory created 0755 if missing) on the daemon's loop.
// Each line is one JSON request (control/protocol.hpp), answered in order by
// dispatch() (control/handlers.hpp). A line longer than kMaxRequestBytes gets
// an error reply and the connection is closed. A stale socket file (nobody
// listening, e.g. left by a crash or a re-exec) is replaced; a path that is
// not a socket, or one another process still listens on, is an error. The
// destructor removes the socket file.
#include <memory>
#include <string>

#include "control/handlers.hpp"
#include "control/stream_server.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"

namespace lvsd::control {

struct ControlServerOptions {
  std::string path = "/run/lvsd/lvsd.sock";
  StreamServerOptions stream{.max_clients = 16, .max_input_bytes = kMaxRequestBytes,
                             .idle_timeout = std::chrono::seconds(60), .request_timeout = std::chrono::seconds(5)};
};

class ControlServer {
 public:
  static core::Result<std::unique_ptr<ControlServer>> open(core::EventLoop& loop, ControlServerOptions options,
                                                           ControlHandlers handlers);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }
  std::size_t client_count() const { return stream_->client_count(); }
  const StreamServerCounters& connection_counters() const { return stream_->counters(); }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t error_replies() const { return error_replies_; }

 private:
  ControlServer(std::string path, ControlHandlers handlers) : path_(std::move(path)), handlers_(std::move(handlers)) {}
  SessionNext on_input(std::string& input, std::string& output, bool eof);

  std::string path_;
  ControlHandlers handlers_;
  std::unique_ptr<StreamServer> stream_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::uint64_t requests_ = 0;
  std::uint64_t error_replies_ = 0;
  // Expires with the server: a late reply must not reach a closed one.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Creates a listening Unix stream socket at `path` (non-blocking, close-on-exec,
// mode `mode`), replacing a stale socket file.
core::Result<core::UniqueFd> listen_unix(const std::string& path, unsigned mode);

}  // namespace lvsd::control
