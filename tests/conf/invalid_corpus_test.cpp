// Data-driven: every file in tests/conf/invalid/ starts with comment lines
//   # expect: LINE:COLUMN key.path
// (one per error, in the order reported), and loading it must produce exactly
// those errors. Files ending in .conf go through the keepalived importer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "conf/loader.hpp"

namespace lvsd::conf {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(LVSD_SOURCE_DIR) / "tests/conf/invalid";

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCorpus))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> expectations(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string line;
  const std::string marker = "expect: ";
  while (std::getline(in, line)) {
    if (line.size() < 2 || (line[0] != '#' && line[0] != '!')) break;
    auto at = line.find(marker);
    if (at == std::string::npos) continue;
    std::string expected = line.substr(at + marker.size());
    while (!expected.empty() && std::isspace(static_cast<unsigned char>(expected.back()))) expected.pop_back();
    out.push_back(expected);
  }
  return out;
}

class InvalidCorpus : public testing::TestWithParam<fs::path> {};

TEST_P(InvalidCorpus, ProducesExactlyTheExpectedErrors) {
  const fs::path& file = GetParam();
  std::vector<std::string> expected = expectations(file);
  ASSERT_FALSE(expected.empty()) << file << " has no '# expect: LINE:COL path' header";
  LoadResult r = load_file(file.string());
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> actual;
  std::string all;
  for (const auto& e : r.errors) {
    EXPECT_EQ(e.location.file, file.string());
    EXPECT_FALSE(e.message.empty());
    actual.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) +
                     (e.path.empty() ? "" : " " + e.path));
    all += format_error(e) + "\n";
  }
  EXPECT_EQ(actual, expected) << all;
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidCorpus, testing::ValuesIn(corpus_files()),
                         [](const testing::TestParamInfo<fs::path>& param) {
                           std::string name = param.param.filename().string();
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return name;
                         });

TEST(InvalidCorpusSize, AtLeastFortyFilesInBothFormats) {
  auto files = corpus_files();
  auto conf = std::count_if(files.begin(), files.end(), [](const fs::path& p) { return p.extension() == ".conf"; });
  auto yaml = std::count_if(files.begin(), files.end(), [](const fs::path& p) { return p.extension() == ".yaml"; });
  EXPECT_GE(files.size(), 40u);
  EXPECT_GE(conf, 10);
  EXPECT_GE(yaml, 10);
}

}  // namespace
}  // namespace lvsd::conf
