#pragma once
// Prometheus text exposition (format 0.0.4) of a StatusSnapshot, and a tiny
// HTTP/1.0 endpoint serving it on the loop (`global.metrics: 127.0.0.1:9547`).
//
// Every metric (name, type, labels, meaning) is listed in docs/metrics.md;
// a test renders a snapshot with every family and checks that list and the
// Grafana dashboard (contrib/grafana/lvsd.json) against it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "control/status.hpp"
#include "control/stream_server.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"

namespace lvsd::control {

std::string render_metrics(const StatusSnapshot& snapshot);

// A label value with \\, \" and \n escaped (the exposition format's rules).
std::string escape_label_value(std::string_view value);

// The HTTP side, pure, in two steps because the body is made later (off the
// loop): what a complete request head asks for. GET/HEAD /metrics: the
// metrics (metrics_response(), 200, with the body unless `head_only`);
// other paths 404; other methods 405; anything unparsable 400: the whole
// response in `refusal`. Always "Connection: close".
struct MetricsRequest {
  std::optional<std::string> refusal{};
  bool head_only = false;
};
MetricsRequest parse_metrics_request(std::string_view request_head);
std::string metrics_response(const std::string& body, bool head_only);

struct MetricsServerOptions {
  // "ADDR:PORT" or "[V6]:PORT". A non-loopback address is logged as a warning.
  std::string listen = "127.0.0.1:9547";
  StreamServerOptions stream{.max_clients = 8, .max_input_bytes = 8 * 1024,
                             .idle_timeout = std::chrono::seconds(10), .request_timeout = std::chrono::seconds(5)};
};

class MetricsServer {
 public:
  // `render` is called for each scrape and passes the whole HTTP response
  // (metrics_response() of the exposition text) to `reply.send` when it is
  // ready: the daemon makes both off the loop, megabytes for 10,000 real
  // servers.
  struct Reply {
    bool head_only = false;
    std::function<void(std::string response)> send;
  };
  using Render = std::function<void(Reply reply)>;
  static core::Result<std::unique_ptr<MetricsServer>> open(core::EventLoop& loop, MetricsServerOptions options,
                                                           Render render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  std::uint16_t port() const { return port_; }  // the bound port (useful with port 0)
  std::uint64_t scrapes() const { return scrapes_; }
  const StreamServerCounters& connection_counters() const { return stream_->counters(); }

 private:
  MetricsServer() = default;
  Render render_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with the server
  std::unique_ptr<StreamServer> stream_;
  std::uint16_t port_ = 0;
  std::uint64_t scrapes_ = 0;
};

}  // namespace lvsd::control
