#pragma once
// The PromQL in a Grafana dashboard, for the tests: every query (panel
// targets, annotations, template variables), the metric and label names a
// query uses, and a query with Grafana's variables filled in.
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lvsd::control {

// Panel targets and annotations carry "expr"; query variables carry "query"
// (a string, or an object with "query").
inline void collect_queries(const nlohmann::json& j, std::vector<std::string>& out, bool in_templating = false) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "expr" && value.is_string()) {
        out.push_back(value.get<std::string>());
      } else if (in_templating && key == "query" && j.value("type", "") == "query") {
        if (value.is_string()) out.push_back(value.get<std::string>());
        if (value.is_object() && value.contains("query")) out.push_back(value["query"].get<std::string>());
      } else {
        collect_queries(value, out, in_templating || key == "templating");
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_queries(v, out, in_templating);
  }
}

inline std::vector<std::string> dashboard_queries(const nlohmann::json& dashboard) {
  std::vector<std::string> out;
  collect_queries(dashboard, out);
  return out;
}

struct PromqlNames {
  std::set<std::string> metrics;
  std::set<std::string> labels;
};

// Metric and label names of a PromQL expression (or of Grafana's
// label_values(selector, label)). A small scanner, enough for the queries
// a dashboard holds: strings, numbers, durations and $variables are skipped;
// names inside {...} before a matcher, and in the lists after by, without,
// on, ignoring, group_left and group_right, are labels; a name followed by
// "(" is a function; aggregation operators and keywords are neither;
// any other name is a metric.
inline PromqlNames promql_names(std::string_view q) {
  static const std::set<std::string> kAggregations{"sum",    "min",    "max",          "avg",  "group",   "stddev",
                                                   "stdvar", "count",  "count_values", "topk", "bottomk", "quantile"};
  static const std::set<std::string> kKeywords{"bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"};
  static const std::set<std::string> kLabelLists{"by", "without", "on", "ignoring", "group_left", "group_right"};
  PromqlNames out;
  auto is_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  auto is_name = [&](char c) { return is_start(c) || std::isdigit(static_cast<unsigned char>(c)); };
  auto skip_string = [&](std::size_t& i) {
    const char quote = q[i++];
    while (i < q.size() && q[i] != quote) i += q[i] == '\\' ? 2 : 1;
    ++i;
  };
  auto skip_space = [&](std::size_t i) {
    while (i < q.size() && std::isspace(static_cast<unsigned char>(q[i]))) ++i;
    return i;
  };
  // label_values(selector, label): its last argument is a label.
  if (q.rfind("label_values(", 0) == 0 && q.back() == ')') {
    const auto comma = q.rfind(',');
    if (comma != std::string_view::npos) {
      std::string label(q.substr(comma + 1, q.size() - comma - 2));
      label.erase(0, label.find_first_not_of(' '));
      out.labels.insert(label);
      PromqlNames inner = promql_names(q.substr(13, comma - 13));
      out.metrics = std::move(inner.metrics);
      out.labels.insert(inner.labels.begin(), inner.labels.end());
      return out;
    }
  }
  std::size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '"' || c == '\'' || c == '`') {
      skip_string(i);
    } else if (c == '$') {  // a Grafana variable: $name or ${name}
      ++i;
      if (i < q.size() && q[i] == '{') {
        while (i < q.size() && q[i] != '}') ++i;
        ++i;
      } else {
        while (i < q.size() && is_name(q[i])) ++i;
      }
    } else if (c == '[') {  // a range or subquery: durations and variables
      while (i < q.size() && q[i] != ']') ++i;
      ++i;
    } else if (c == '{') {  // matchers: label op "value"
      ++i;
      while (i < q.size() && q[i] != '}') {
        if (q[i] == '"' || q[i] == '\'' || q[i] == '`') {
          skip_string(i);
        } else if (is_start(q[i])) {
          const std::size_t start = i;
          while (i < q.size() && is_name(q[i])) ++i;
          out.labels.insert(std::string(q.substr(start, i - start)));
        } else {
          ++i;
        }
      }
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {  // 0.99, 1e3, 5m
      while (i < q.size() && (is_name(q[i]) || q[i] == '.')) ++i;
    } else if (is_start(c)) {
      const std::size_t start = i;
      while (i < q.size() && is_name(q[i])) ++i;
      const std::string name(q.substr(start, i - start));
      const std::size_t next = skip_space(i);
      if (kLabelLists.contains(name)) {
        if (next < q.size() && q[next] == '(') {
          i = next + 1;
          while (i < q.size() && q[i] != ')') {
            if (is_start(q[i])) {
              const std::size_t s = i;
              while (i < q.size() && is_name(q[i])) ++i;
              out.labels.insert(std::string(q.substr(s, i - s)));
            } else {
              ++i;
            }
          }
          ++i;
        }
      } else if (kAggregations.contains(name) || kKeywords.contains(name)) {
        // an operator
      } else if (next < q.size() && q[next] == '(') {
        // a function
      } else {
        out.metrics.insert(name);
      }
    } else {
      ++i;
    }
  }
  return out;
}

// The query as Grafana sends it, for a Prometheus that has no Grafana in
// front: variables replaced by what "All" and the default interval give.
inline std::string grafana_substitute(std::string q) {
  const std::pair<const char*, const char*> kVariables[] = {
      {"$__rate_interval", "1m"}, {"$__interval", "15s"}, {"$__range", "1h"}, {"$job", ".*"}, {"$virtual_server", ".*"}};
  for (const auto& [from, to] : kVariables) {
    for (auto at = q.find(from); at != std::string::npos; at = q.find(from, at)) {
      q.replace(at, std::string_view(from).size(), to);
    }
  }
  return q;
}

}  // namespace lvsd::control
