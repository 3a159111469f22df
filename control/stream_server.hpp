#pragma once
// Non-blocking stream-socket server on the one event loop, shared by the
// control socket (JSON lines) and the metrics endpoint (HTTP/1.0). The
// protocol is a Session function; the server does accept, reads, writes,
// limits and timeouts:
//   - at most max_clients at once (more are accepted and closed at once);
//   - a client's unconsumed input never exceeds max_input_bytes plus one read;
//   - while a reply is being written, nothing more is read from that client
//     (so a client that sends but never reads holds one reply, not more);
//   - a client idle (no progress either way) for idle_timeout is dropped;
//   - a whole request must arrive within request_timeout of the accept (or of
//     the end of the previous reply), however its bytes trickle in: any byte
//     re-arms the idle timer, so that alone lets 1 byte every few seconds hold
//     a slot forever. A reply in the making stops the clock (a deferred one must);
//   - when all max_clients slots are taken, a new client evicts the oldest
//     client without a completed request (if any), or clients reconnecting as
//     soon as their deadline drops them would keep a real client out.
// Nothing blocks: a slow or stuck client costs a buffer and two timers.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/event_loop.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::control {

struct StreamServerOptions {
  std::size_t max_clients = 16;
  std::size_t max_input_bytes = 64 * 1024;
  core::Duration idle_timeout = std::chrono::seconds(30);
  core::Duration request_timeout = std::chrono::seconds(5);  // zero: no deadline
  // Written (best effort, never waited for) to a client turned away because
  // max_clients are connected.
  std::string busy_message{};
};

// kClose: close once `output` is written. kWait: the reply comes later,
// through StreamServer::complete() (the work runs off the loop); nothing
// more is read from that client until then.
enum class SessionNext { kContinue, kClose, kWait };

// Called when input arrived (or the peer closed its side: eof). Consumes what
// it handled from the front of `input`, appends any reply to `output`.
using Session = std::function<SessionNext(std::string& input, std::string& output, bool eof)>;

struct StreamServerCounters {
  std::uint64_t accepted = 0;
  std::uint64_t rejected_too_many = 0;
  std::uint64_t dropped_idle = 0;
  std::uint64_t dropped_oversize = 0;
  std::uint64_t dropped_request_timeout = 0;  // a request did not arrive whole in time
  std::uint64_t evicted_incomplete = 0;       // made room for a newcomer (see above)
};

class StreamServer {
 public:
  // Takes ownership of `listen_fd` (a listening, non-blocking socket).
  StreamServer(core::EventLoop& loop, core::UniqueFd listen_fd, StreamServerOptions options, Session session,
               std::string name);
  // Timers from `scheduler` instead of the loop's (tests: a FakeScheduler).
  StreamServer(core::EventLoop& loop, core::Scheduler& scheduler, core::UniqueFd listen_fd, StreamServerOptions options,
               Session session, std::string name);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  std::size_t client_count() const { return clients_.size(); }
  // Inside a Session call: the client whose input it handles (for complete()).
  std::uint64_t current_client() const { return current_; }
  // The reply to a client whose session returns kWait, later or from inside
  // that very session call (then it is taken as the call's output); `next`
  // says whether to go on reading (kContinue) or to close once it is written
  // (kClose). A client gone meanwhile is skipped.
  void complete(std::uint64_t client, std::string output, SessionNext next);
  const StreamServerCounters& counters() const { return counters_; }

 private:
  struct Client;
  void on_accept();
  void on_client(std::uint64_t id, int ready);
  // Feeds input to the session while no output is pending. False: close now.
  bool run_session(std::uint64_t id, Client& c);
  // After new input or output: answer, write, close or wait for more.
  void progress(std::uint64_t id, Client& c);
  bool flush(Client& c);  // false: the peer is gone
  void start_request_clock(Client& c);
  void drop(std::uint64_t id);
  // Makes room by dropping the oldest client with no completed request. False: none.
  bool evict_incomplete();

  core::EventLoop& loop_;
  core::Scheduler& scheduler_;
  core::UniqueFd listen_fd_;  // closes after accept_watcher_ (declared later) stopped
  StreamServerOptions options_;
  Session session_;
  std::string name_;
  std::unique_ptr<core::IoWatcher> accept_watcher_;
  std::map<std::uint64_t, std::unique_ptr<Client>> clients_;
  std::uint64_t next_id_ = 1;
  std::uint64_t current_ = 0;
  StreamServerCounters counters_;
};

}  // namespace lvsd::control
