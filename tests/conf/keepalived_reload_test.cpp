// Reading again only the virtual_server block an edit changed in a
// keepalived.conf (reimport_keepalived, conf/keepalived_import.hpp): the result,
// warnings included, must be import_keepalived()'s for any edit, and the
// shortcut must be taken for the edit operators make all day.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "conf/keepalived_import.hpp"
#include "tests/conf/reload_test_support.hpp"

namespace lvsd::conf {
namespace {

// A head with ignored keywords (warnings, as the seed's mail settings), n
// virtual servers of m real servers, a VRRP instance among them, and a tail.
std::string table(int n, int m, int changed_weight_at = -1) {
  std::string out =
      "global_defs {\n  notification_email {\n    ops@example.com\n  }\n  smtp_server 127.0.0.1\n"
      "  router_id T\n}\n\n";
  for (int s = 0; s < n; ++s) {
    if (s == n / 2) {
      out += "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n"
             "  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n\n";
    }
    out += "virtual_server 10.1." + std::to_string(s / 250) + "." + std::to_string(s % 250 + 1) +
           " 80 {\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n";
    for (int r = 0; r < m; ++r) {
      out += "  real_server 10.2." + std::to_string(r / 250) + "." + std::to_string(r % 250 + 1) +
             " 80 {\n    weight " + std::to_string(s * m + r == changed_weight_at ? 7 : 1) + "\n  }\n";
    }
    out += "}\n# after " + std::to_string(s) + "\n";
  }
  return out + "static_ipaddress {\n  10.9.9.9/32 dev lo\n}\n";
}

LoadResult import(const std::string& text) { return import_keepalived(text, "k.conf", no_include_reader()); }

LoadResult reimport(const std::string& text, const Config& before, const ReloadBasis& basis) {
  return reimport_keepalived(text, "k.conf", no_include_reader(), std::nullopt, before, basis);
}

std::vector<std::string> messages(const std::vector<ConfigError>& list) {
  std::vector<std::string> out;
  for (const auto& e : list)
    out.push_back(e.location.file + ":" + std::to_string(e.location.line) + ":" + std::to_string(e.location.column) +
                  " " + e.path + ": " + e.message);
  return out;
}

TEST(ReimportKeepalived, OneChangedBlockIsReadAloneTheRestAndItsWarningsAreKept) {
  const std::string text = table(4, 3);
  const LoadResult loaded = import(text);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(messages(loaded.errors));
  ASSERT_TRUE(loaded.reload);
  EXPECT_EQ(loaded.reload->spans.items(), 4u);
  EXPECT_FALSE(loaded.warnings.empty());  // notification_email, smtp_server
  Config before = *loaded.config;
  before.virtual_servers[0].real_servers[0].weight = 42;  // kept, not read
  const std::string edited = table(4, 3, 3 * 2 + 1);
  const LoadResult reloaded = reimport(edited, before, *loaded.reload);
  ASSERT_TRUE(reloaded.ok()) << testing::PrintToString(messages(reloaded.errors));
  EXPECT_EQ(reloaded.config->virtual_servers[0].real_servers[0].weight, 42);
  EXPECT_EQ(reloaded.config->virtual_servers[2].real_servers[1].weight, 7);
  Config expected = *import(edited).config;
  expected.virtual_servers[0].real_servers[0].weight = 42;
  EXPECT_EQ(*reloaded.config, expected);
  EXPECT_EQ(messages(reloaded.warnings), messages(loaded.warnings));
  ASSERT_TRUE(reloaded.reload);
  EXPECT_FALSE(reloaded.reload->spans.one_changed_item(edited));
}

TEST(ReimportKeepalived, WarningsAfterTheBlockMoveWithItsLines) {
  // A warning after the edited block (an ignored keyword in the last one).
  std::string text = table(3, 2);
  const std::size_t last = text.rfind("lb_kind DR");
  text.insert(last, "alpha_typo_ignored\n  ");
  LoadResult loaded = import(text);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(messages(loaded.errors));
  ASSERT_TRUE(loaded.reload);
  // Two lines more in the first block: a real server added.
  std::string edited = text;
  edited.insert(edited.find("  real_server"), "  real_server 10.2.0.99 80 {\n    weight 2\n  }\n");
  const LoadResult reloaded = reimport(edited, *loaded.config, *loaded.reload);
  const LoadResult whole = import(edited);
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(*reloaded.config, *whole.config);
  EXPECT_EQ(messages(reloaded.warnings), messages(whole.warnings));
  EXPECT_NE(messages(reloaded.warnings), messages(loaded.warnings));  // they did move

  // The ignored word taken out of the last block: its warning goes, read alone.
  std::string fixed = edited;
  fixed.erase(fixed.find("alpha_typo_ignored\n  "), 21);
  const LoadResult fixed_reloaded = reimport(fixed, *reloaded.config, *reloaded.reload);
  const LoadResult fixed_whole = import(fixed);
  ASSERT_TRUE(fixed_reloaded.ok() && fixed_whole.ok());
  EXPECT_TRUE(reloaded.reload->spans.one_changed_item(fixed));
  EXPECT_EQ(*fixed_reloaded.config, *fixed_whole.config);
  EXPECT_EQ(messages(fixed_reloaded.warnings), messages(fixed_whole.warnings));
  EXPECT_EQ(fixed_reloaded.warnings.size() + 1, reloaded.warnings.size());
}

// The last block of a file without a last '\n': its last line is its own.
TEST(ReimportKeepalived, TheLastLineOfAFileWithoutItsNewlineBelongsToTheLastBlock) {
  const std::string text = "virtual_server 10.1.0.1 80 {\n  protocol TCP\n  real_server 10.2.0.1 80 {\n  }\n}\n"
                           "virtual_server 10.1.0.2 80 {\n  protocol TCP\n  real_server 10.2.0.1 80 {\n  }\n"
                           "  alpha_typo_ignored }";
  const LoadResult loaded = import(text);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(messages(loaded.errors));
  ASSERT_TRUE(loaded.reload);
  ASSERT_EQ(loaded.warnings.size(), 1u);  // the ignored word, on the last line
  // The word taken out: the block alone has no warning, and neither has the file.
  std::string fixed = text;
  fixed.replace(fixed.find("alpha_typo_ignored }"), 20, "}");
  ASSERT_TRUE(loaded.reload->spans.one_changed_item(fixed));
  const LoadResult reloaded = reimport(fixed, *loaded.config, *loaded.reload);
  const LoadResult whole = import(fixed);
  ASSERT_TRUE(reloaded.ok() && whole.ok());
  EXPECT_EQ(messages(reloaded.warnings), messages(whole.warnings));
  EXPECT_TRUE(reloaded.warnings.empty());
  EXPECT_EQ(*reloaded.config, *whole.config);
}

TEST(ReimportKeepalived, WhatCannotBeReadInPiecesIsImportedWhole) {
  for (const std::string& text : {
           table(2, 1) + "include /etc/keepalived/other.conf\n",
           "$W=1\n" + table(2, 1),
           table(2, 1) + "# ~SEQ in a comment\n",
           "@host1 global_defs {\n}\n" + table(2, 1),
       }) {
    const LoadResult loaded = import_keepalived(text, "k.conf", [](const std::string&, const std::string&, std::size_t)
                                                                    -> core::Result<std::vector<KaFile>> {
      return std::vector<KaFile>{};
    });
    EXPECT_FALSE(loaded.reload) << text;
  }
  // An e-mail address is only text.
  EXPECT_TRUE(import(table(2, 1)).reload);
}

TEST(ReimportKeepalived, AnEditElsewhereOrWithAMessageImportsTheWholeFile) {
  const std::string text = table(3, 2);
  const LoadResult loaded = import(text);
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  Config before = *loaded.config;
  before.virtual_servers[0].real_servers[0].weight = 42;  // shows whether it was kept
  const std::size_t second = text.find("virtual_server 10.1.0.2");
  for (const std::string& edited : {
           std::string(text).replace(text.find("router_id T"), 11, "router_id U"),        // global_defs
           std::string(text).replace(text.find("priority 100"), 12, "priority 101"),      // a gap
           std::string(text).replace(text.find("10.9.9.9"), 8, "10.9.9.8"),               // the tail
           std::string(text).replace(text.find("protocol TCP", second), 12, ""),          // a warning: UDP
           std::string(text).replace(text.find("lb_kind DR", second), 10, "lb_kind XX"),  // an error
           std::string(text).replace(text.find("weight 1", second), 8, "weight 1\n  }\n  }"),  // a brace more
           std::string(text).replace(text.find("weight 1", second), 8, "weight 1 {"),     // a brace less
           std::string(text).replace(text.find("}\n# after 1"), 0, "}\nvirtual_server 10.1.0.9 80 {\n"),
           std::string(text).replace(second, 27, "virtual_server 10.1.0.1 80"),            // a duplicate
           std::string(text).replace(second, 0, "include x.conf\n"),
       }) {
    const LoadResult reloaded = reimport(edited, before, *loaded.reload);
    const LoadResult whole = import(edited);
    ASSERT_EQ(messages(reloaded.errors), messages(whole.errors)) << edited;
    ASSERT_EQ(reloaded.ok(), whole.ok()) << edited;
    EXPECT_EQ(messages(reloaded.warnings), messages(whole.warnings)) << edited;
    if (whole.ok()) {
      EXPECT_EQ(*reloaded.config, *whole.config) << edited;  // the 42 was not kept
    }
  }
}

// Random edits, one to three in a row, with the bytes that matter to
// keepalived.conf: whatever reimport_keepalived gives (a configuration, its
// warnings, or errors) is what importing the edited file whole gives.
TEST(ReimportKeepalived, AnyEditGivesWhatImportingTheFileWholeGives) {
  const reload_test::Edits edits{
      .characters = " \n{}#!\"\t@$~ax19.",
      .words = {"weight 3", "  real_server 10.2.0.9 80 {\n    weight 1\n  }\n", "\n", "protocol UDP", "}", "{",
                "virtual_server 10.1.9.9 80 {\n", "# c", "lb_algo rr", "quorum 2\n", "alpha\n",
                "sorry_server 10.3.0.1 80\n"},
      .value_key = "weight ",
      .rewritten = "weight 5"};
  const reload_test::ChainCounts n = reload_test::edit_chains(
      1500, 20261205, table(4, 2), edits, [](const std::string& t) { return import(t); },
      [](const std::string& t, const LoadResult& before) { return reimport(t, *before.config, *before.reload); },
      [](const LoadResult& reloaded, const LoadResult& whole, const std::string& t) {
        EXPECT_EQ(messages(reloaded.errors), messages(whole.errors)) << t;
        EXPECT_EQ(messages(reloaded.warnings), messages(whole.warnings)) << t;
        if (reloaded.ok() && whole.ok()) {
          EXPECT_EQ(*reloaded.config, *whole.config) << t;
        }
      });
  RecordProperty("shortcuts", n.shortcuts);
  EXPECT_GT(n.shortcuts, n.edits / 10) << n.edits << " edits, " << n.refused << " refused";
  EXPECT_GT(n.refused, n.edits / 20) << n.edits << " edits, " << n.shortcuts << " shortcuts";
}

// One weight of 1,000 x 10: a fraction of a whole import, both measured in
// the same run (best of five), so a busy machine slows both.
TEST(ReimportKeepalived, OneWeightOfTenThousandCostsAFractionOfAnImport) {
  const std::string text = table(1000, 10);
  const LoadResult loaded = import(text);
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  const std::string edited = table(1000, 10, 5003);
  const auto whole = reload_test::best_of_five([&] { ASSERT_TRUE(import(edited).ok()); });
  const auto one = reload_test::best_of_five([&] { ASSERT_TRUE(reimport(edited, *loaded.config, *loaded.reload).ok()); });
  const double ratio = std::chrono::duration<double>(one) / std::chrono::duration<double>(whole);
  RecordProperty("ratio_percent", static_cast<int>(ratio * 100));
  EXPECT_LT(ratio, 0.34) << "one block " << std::chrono::duration<double, std::milli>(one).count()
                          << " ms, whole file " << std::chrono::duration<double, std::milli>(whole).count() << " ms";
}

}  // namespace
}  // namespace lvsd::conf
