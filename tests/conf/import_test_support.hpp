#pragma once
// What the keepalived.conf import tests share: importing a text, reading its
// errors and warnings, and the round trip through YAML.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conf/keepalived_import.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf::test_support {

inline LoadResult ka(const std::string& text) { return import_keepalived(text, "k.conf", no_include_reader()); }

// Each error (or warning) as "file:line:col: path: message", one per line.
inline std::string all_messages(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += format_error(e) + "\n";
  return out;
}
inline std::string messages(const LoadResult& r) { return all_messages(r.errors); }
inline std::string warnings(const LoadResult& r) { return all_messages(r.warnings); }

// "line:col path" of each, for comparing where errors are reported.
using Where = std::vector<std::string>;
inline Where where(const std::vector<ConfigError>& errors) {
  Where out;
  for (const auto& e : errors)
    out.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + " " + e.path);
  return out;
}

// The import's model, written as YAML and read back, is the same model.
inline void expect_round_trip(const Config& config) {
  const std::string yaml = to_yaml(config);
  auto back = load_yaml(yaml, "back.yaml");
  ASSERT_TRUE(back.ok()) << messages(back) << yaml;
  EXPECT_EQ(*back.config, config) << yaml;
}

}  // namespace lvsd::conf::test_support
