#include "tests/support/prometheus.hpp"

#include <cmath>
#include <fstream>
#include <limits>

namespace lvsd::test {

Prometheus::Prometheus(Host& host, std::string dir, const std::vector<std::string>& targets, int port)
    : host_(host), dir_(std::move(dir)), port_(port), targets_(targets.size()) {
  run_command("rm -rf " + shell_quote(dir_ + "/data") + " && mkdir -p " + shell_quote(dir_ + "/data"));
  std::ofstream config(dir_ + "/prometheus.yml");
  config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: lvsd\n    static_configs:\n      - targets: [";
  for (std::size_t i = 0; i < targets.size(); ++i) config << (i ? ", " : "") << "'" << targets[i] << "'";
  config << "]\n";
  config.close();
  // No remote storage, no alertmanager, no service discovery: the only
  // addresses it talks to are its own listener and the targets.
  process_ = host_.spawn("prometheus --config.file=" + shell_quote(dir_ + "/prometheus.yml") +
                         " --storage.tsdb.path=" + shell_quote(dir_ + "/data") +
                         " --web.listen-address=127.0.0.1:" + std::to_string(port_) + " --log.level=warn");
}

Prometheus::~Prometheus() {
  process_.reset();  // SIGTERM, then SIGKILL after 2 s
  run_command("rm -rf " + shell_quote(dir_ + "/data"));
}

bool Prometheus::started(std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        return host_.run("curl -sf -m 2 http://127.0.0.1:" + std::to_string(port_) + "/-/ready").exit_code == 0;
      },
      timeout, std::chrono::milliseconds(200));
}

bool Prometheus::wait_for_scrapes(int n, std::chrono::milliseconds timeout) {
  const std::string q = "count_over_time(up{job=\"lvsd\"}[5m]) >= " + std::to_string(n) +
                        " and min_over_time(up{job=\"lvsd\"}[5m]) == 1";
  return wait_until(
      [&] {
        const nlohmann::json r = query(q);
        return r.is_array() && r.size() == targets_;
      },
      timeout, std::chrono::milliseconds(250));
}

nlohmann::json Prometheus::query(const std::string& promql) {
  const auto r = host_.run("curl -s -m 5 http://127.0.0.1:" + std::to_string(port_) +
                           "/api/v1/query --data-urlencode " + shell_quote("query=" + promql));
  if (r.exit_code != 0) {
    last_error_ = "curl: exit " + std::to_string(r.exit_code) + ": " + r.output;
    return nullptr;
  }
  const nlohmann::json answer = nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || answer.value("status", "") != "success" || !answer.contains("data")) {
    last_error_ = promql + ": " + r.output;
    return nullptr;
  }
  last_error_.clear();
  return answer["data"].value("result", nlohmann::json());
}

double Prometheus::scalar(const std::string& promql) {
  const nlohmann::json r = query(promql);
  if (!r.is_array() || r.size() != 1) {
    if (last_error_.empty()) last_error_ = promql + ": " + (r.is_null() ? std::string("no answer") : r.dump());
    return std::numeric_limits<double>::quiet_NaN();
  }
  return std::stod(r[0]["value"][1].get<std::string>());
}

std::string Prometheus::log() const { return process_ ? process_->output() : std::string(); }

}  // namespace lvsd::test
