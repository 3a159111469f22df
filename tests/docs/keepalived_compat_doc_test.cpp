// unit: docs/keepalived-compat.md lists every keepalived 2.2.7 keyword with
// what lvsd does with it, exactly as the import's keyword table
// (conf/keepalived_keywords.cpp) has it. The part between the markers is
// made from the table: `LVSD_UPDATE_DOCS=1 <this test>` rewrites it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "conf/keepalived_keywords.hpp"

namespace lvsd::conf {
namespace {

constexpr std::string_view kBegin = "<!-- keyword table: made by tests/docs/keepalived_compat_doc_test.cpp -->\n";
constexpr std::string_view kEnd = "<!-- end of keyword table -->\n";

std::string cell(const KaKeyword& k) {
  switch (k.support) {
    case KaSupport::kImplemented: return "supported";
    case KaSupport::kIgnored: return "accepted, ignored with a warning: " + std::string(k.reason);
    case KaSupport::kNotImplemented:
      return "refused: not implemented by lvsd yet (the file is refused, never run without it)" +
             (k.reason.empty() ? std::string() : ": " + std::string(k.reason));
  }
  return "?";
}

std::string table() {
  std::ostringstream o;
  std::map<std::string, std::map<KaSupport, int>> counts;
  for (const auto& k : keepalived_keywords()) ++counts[std::string(to_string(k.block))][k.support];
  o << "| block | supported | ignored (warning) | refused (not yet) |\n|---|---|---|---|\n";
  std::string last;
  for (const auto& k : keepalived_keywords()) {
    const std::string block(to_string(k.block));
    if (block == last) continue;
    last = block;
    auto& c = counts[block];
    o << "| `" << block << "` | " << c[KaSupport::kImplemented] << " | " << c[KaSupport::kIgnored] << " | "
      << c[KaSupport::kNotImplemented] << " |\n";
  }
  last.clear();
  for (const auto& k : keepalived_keywords()) {
    const std::string block(to_string(k.block));
    if (block != last) {
      o << "\n### `" << block << "`\n\n| keyword | lvsd |\n|---|---|\n";
      last = block;
    }
    o << "| `" << k.name << "` | " << cell(k) << " |\n";
  }
  return o.str();
}

TEST(KeepalivedCompatDoc, ListsEveryKeywordAsTheImportTreatsIt) {
  const std::string path = std::string(LVSD_SOURCE_DIR) + "/docs/keepalived-compat.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  const auto begin = doc.find(kBegin);
  const auto end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "marker missing in " << path;
  ASSERT_NE(end, std::string::npos) << "marker missing in " << path;
  const std::string made = table();
  const std::string have = doc.substr(begin + kBegin.size(), end - begin - kBegin.size());
  if (have != made && std::getenv("LVSD_UPDATE_DOCS") != nullptr) {
    doc.replace(begin + kBegin.size(), end - begin - kBegin.size(), made);
    std::ofstream(path) << doc;
    GTEST_SKIP() << "rewrote " << path;
  }
  EXPECT_EQ(have, made) << path << " differs from the keyword table; LVSD_UPDATE_DOCS=1 rewrites it";
}

}  // namespace
}  // namespace lvsd::conf
