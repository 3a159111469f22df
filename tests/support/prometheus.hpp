#pragma once
// Debian's Prometheus server, run inside a test host (netns and kernel
// tiers): its own configuration and a temporary storage directory, listening
// on the host's loopback, scraping only the targets the test gives it. The
// test queries it through its HTTP API (/api/v1/query) with curl.
//
//   test::Prometheus prom(host, dir, {"127.0.0.1:9547"});
//   ASSERT_TRUE(prom.wait_for_scrapes(2, 30s)) << prom.log();
//   auto v = prom.query("lvsd_vrrp_state{state=\"MASTER\"} == 1");
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/netns.hpp"

namespace lvsd::test {

class Prometheus {
 public:
  // Writes `dir`/prometheus.yml (job "lvsd", 1 s scrape interval, the
  // targets) and starts `prometheus` in `host` on 127.0.0.1:`port` with its
  // storage in `dir`/data. Check started() before use.
  Prometheus(Host& host, std::string dir, const std::vector<std::string>& targets, int port = 9090);
  ~Prometheus();
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  // True once its HTTP API answers (bounded wait).
  bool started(std::chrono::milliseconds timeout);
  // True once every target has been scraped successfully at least `n` times
  // (its `up` series holds n samples equal to 1); bounded wait.
  bool wait_for_scrapes(int n, std::chrono::milliseconds timeout);
  // An instant query; the "result" array of the answer (vector samples:
  // {"metric": {labels}, "value": [time, "value"]}), or null if the query
  // failed (the reason in last_error()).
  nlohmann::json query(const std::string& promql);
  // Several instant queries in one command run in the host (spawning a
  // process in a namespace is slow inside user-mode-linux): their "result"
  // arrays in order, null for a query that failed.
  std::vector<nlohmann::json> query_all(const std::vector<std::string>& promql);
  const std::string& last_error() const { return last_error_; }
  // The value of the only sample a query returns; NaN if it returns none
  // or several.
  double scalar(const std::string& promql);
  // The value of a result holding one sample; NaN otherwise.
  static double single_value(const nlohmann::json& result);
  std::string log() const;

 private:
  Host& host_;
  std::string dir_;
  int port_;
  std::size_t targets_;
  std::unique_ptr<Process> process_;
  std::string last_error_;
};

}  // namespace lvsd::test
