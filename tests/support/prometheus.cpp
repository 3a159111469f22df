#include "tests/support/prometheus.hpp"

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

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

namespace {

// The "result" of one API answer, or null (and why in `error`).
nlohmann::json result_of(const std::string& promql, const std::string& answer_text, std::string& error) {
  const nlohmann::json answer = nlohmann::json::parse(answer_text, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || answer.value("status", "") != "success" || !answer.contains("data")) {
    error = promql + ": " + answer_text;
    return nullptr;
  }
  return answer["data"].value("result", nlohmann::json());
}

// Percent-encodes all but RFC 3986's unreserved characters.
std::string url_encode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

nlohmann::json Prometheus::query(const std::string& promql) { return query_all({promql}).front(); }

std::vector<nlohmann::json> Prometheus::query_all(const std::vector<std::string>& promql) {
  // One curl for them all (a process is slow to start inside UML), each
  // answer on a line of its own (the API answers on one line).
  std::string command = "curl -s -m 10 -w '\\n'";
  for (const auto& q : promql) {
    command += " " + shell_quote("http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query?query=" + url_encode(q));
  }
  const auto r = host_.run(command);
  std::vector<nlohmann::json> out;
  std::istringstream lines(r.output);
  last_error_.clear();
  for (const auto& q : promql) {
    std::string line;
    std::getline(lines, line);
    std::string error;
    out.push_back(result_of(q, line, error));
    if (!error.empty()) last_error_ += (last_error_.empty() ? "" : "; ") + error;
  }
  return out;
}

double Prometheus::scalar(const std::string& promql) {
  const nlohmann::json r = query(promql);
  if (!r.is_array() || r.size() != 1 || !r[0].contains("value")) {
    if (last_error_.empty()) last_error_ = promql + ": " + (r.is_null() ? std::string("no answer") : r.dump());
    return std::numeric_limits<double>::quiet_NaN();
  }
  return single_value(r);
}

double Prometheus::single_value(const nlohmann::json& result) {
  if (!result.is_array() || result.size() != 1 || !result[0].contains("value")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return std::stod(result[0]["value"][1].get<std::string>());
}

std::string Prometheus::log() const { return process_ ? process_->output() : std::string(); }

}  // namespace lvsd::test
