// Reading again only the virtual server an edit changed (conf/item_spans.hpp,
// reload_yaml in conf/loader.hpp): the result must be load_yaml()'s for any
// edit, and the shortcut must be taken for the edit operators make all day.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

#include "conf/loader.hpp"
#include "conf/item_spans.hpp"
#include "tests/conf/reload_test_support.hpp"

namespace lvsd::conf {
namespace {

// n virtual servers of m real servers each, as `lvsctl import-keepalived` writes them.
std::string table(int n, int m, int changed_weight_at = -1) {
  std::string out = "global:\n  router_id: T # the head\nvirtual_servers:\n";
  for (int s = 0; s < n; ++s) {
    out += "  - address: 10.1." + std::to_string(s / 250) + "." + std::to_string(s % 250 + 1) +
           "\n    port: 80\n    lb_algo: wrr\n    lb_kind: DR\n    real_servers:\n";
    for (int r = 0; r < m; ++r) {
      out += "      - address: 10.2." + std::to_string(r / 250) + "." + std::to_string(r % 250 + 1) +
             "\n        port: 80\n        weight: " + std::to_string(s * m + r == changed_weight_at ? 7 : 1) + "\n";
    }
  }
  return out + "# the tail\n";
}

std::vector<std::string> where(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors)
    out.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column) + " " + e.path + ": " +
                  e.message);
  return out;
}

// ------------------------------------------------------------ ItemSpans

// "head[a]gap[bb]gap[c]tail" with items a, bb, c.
struct Pieces {
  std::string text = "head[a]--[bb]--[c]tail";
  std::vector<ItemSpans::Item> items = {{5, 6}, {10, 12}, {16, 17}};
};

TEST(ItemSpans, AnEditInsideOneItemIsThatItemWithItsNewBytes) {
  const Pieces p;
  const auto spans = ItemSpans::of(p.text, p.items).value();
  EXPECT_EQ(spans.items(), 3u);
  EXPECT_FALSE(spans.one_changed_item(p.text));  // no edit

  const std::string longer = "head[a]--[bXYb]--[c]tail";
  auto change = spans.one_changed_item(longer).value();
  EXPECT_EQ(change.index, 1u);
  EXPECT_EQ(longer.substr(change.begin, change.end - change.begin), "bXYb");
  // The spans of the edited text find the next edit, in the item after it.
  const auto next = spans.after(longer, change).value();
  const std::string again = "head[a]--[bXYb]--[]tail";
  change = next.one_changed_item(again).value();
  EXPECT_EQ(change.index, 2u);
  EXPECT_EQ(change.begin, change.end);
  EXPECT_FALSE(next.one_changed_item(longer));
  // Bytes know nothing of items: an item written inside another's bytes is
  // one changed item here (the loader then finds two items there); the
  // front's comparison reaches past the copied gap.
  EXPECT_EQ(spans.one_changed_item("head[a]--[bb]--[bb]--[c]tail").value().index, 2u);

  // Bytes appended to an item's end, and the first item emptied.
  change = spans.one_changed_item("head[aZZ]--[bb]--[c]tail").value();
  EXPECT_EQ(change.index, 0u);
  EXPECT_EQ(change.end - change.begin, 3u);
  change = spans.one_changed_item("head[]--[bb]--[c]tail").value();
  EXPECT_EQ(change.index, 0u);
  EXPECT_EQ(change.begin, change.end);
}

TEST(ItemSpans, AnyOtherEditIsNotOneItem) {
  const Pieces p;
  const auto spans = ItemSpans::of(p.text, p.items).value();
  for (const std::string edited : {
           "Head[a]--[bb]--[c]tail",     // the head
           "head[a]-+[bb]--[c]tail",     // a gap
           "head[a]--[bb]--[c]tall",     // the tail
           "head[a]--[bb]--[c]tail\n",   // after the end
           "xhead[a]--[bb]--[c]tail",    // before the start
           "head[x]--[bb]--[y]tail",     // two items
           "head[a]--[bx]-+[c]tail",     // an item and a gap
           "head[a]--[c]tail",           // an item and its gap removed
           "",
       }) {
    EXPECT_FALSE(spans.one_changed_item(edited)) << edited;
  }
}

TEST(ItemSpans, ItemsMustBeInOrderInsideTheText) {
  EXPECT_FALSE(ItemSpans::of("abc", {}));
  EXPECT_FALSE(ItemSpans::of("abc", {{2, 1}}));
  EXPECT_FALSE(ItemSpans::of("abc", {{0, 4}}));
  EXPECT_FALSE(ItemSpans::of("abcdef", {{2, 4}, {3, 5}}));
  EXPECT_TRUE(ItemSpans::of("abcdef", {{2, 3}, {3, 5}}));
}

// ------------------------------------------------------------ reload_yaml

TEST(ReloadYaml, AnItemsBytesAreWhereTheLoaderReadIt) {
  const std::string text = table(3, 2);
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(where(loaded));
  ASSERT_TRUE(loaded.reload);
  EXPECT_EQ(loaded.reload->spans.items(), 3u);
  // Only the second server's first weight differs: that item, from its first
  // key up to the next item's "-".
  const std::string edited = table(3, 2, 2);
  const auto change = loaded.reload->spans.one_changed_item(edited).value();
  EXPECT_EQ(change.index, 1u);
  const std::string item = edited.substr(change.begin, change.end - change.begin);
  EXPECT_TRUE(item.starts_with("address: 10.1.0.2\n")) << item;
  EXPECT_TRUE(item.ends_with("weight: 1\n")) << item;
  EXPECT_NE(item.find("weight: 7"), std::string::npos);
}

TEST(ReloadYaml, OneChangedVirtualServerIsReadAloneTheRestIsKept) {
  const std::string text = table(4, 3);
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  // A `before` that differs from the file in the first virtual server: what
  // reload_yaml keeps of it shows that only the changed one was read.
  Config before = *loaded.config;
  before.virtual_servers[0].real_servers[0].weight = 42;
  const std::string edited = table(4, 3, 3 * 2 + 1);  // third server, second real server
  const LoadResult reloaded = reload_yaml(edited, "t.yaml", before, *loaded.reload);
  ASSERT_TRUE(reloaded.ok()) << testing::PrintToString(where(reloaded));
  EXPECT_EQ(reloaded.config->virtual_servers[0].real_servers[0].weight, 42);  // kept, not read
  EXPECT_EQ(reloaded.config->virtual_servers[2].real_servers[1].weight, 7);
  Config expected = *load_yaml(edited, "t.yaml").config;
  expected.virtual_servers[0].real_servers[0].weight = 42;
  EXPECT_EQ(*reloaded.config, expected);
  ASSERT_TRUE(reloaded.reload);
  // The next reload's spans: the same text is no edit; back to the first
  // text is the same item again.
  EXPECT_FALSE(reloaded.reload->spans.one_changed_item(edited));
  EXPECT_EQ(reloaded.reload->spans.one_changed_item(text).value().index, 2u);
}

TEST(ReloadYaml, AnEditOutsideOneVirtualServerLoadsTheWholeFile) {
  const std::string text = table(3, 2);
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  Config before = *loaded.config;
  before.virtual_servers[0].real_servers[0].weight = 42;  // shows whether it was kept
  for (const std::string& edited : {
           std::string(text).replace(text.find("router_id: T"), 12, "router_id: U"),  // the head
           text + "static_ipaddress: [10.9.9.9/32 dev lo]\n",                           // the tail
           table(3, 2, 3),  // the second server: read alone
       }) {
    const LoadResult reloaded = reload_yaml(edited, "t.yaml", before, *loaded.reload);
    const LoadResult whole = load_yaml(edited, "t.yaml");
    ASSERT_EQ(reloaded.ok(), whole.ok());
    if (edited.find("weight: 7") != std::string::npos) {
      EXPECT_EQ(reloaded.config->virtual_servers[0].real_servers[0].weight, 42);
    } else {
      EXPECT_EQ(*reloaded.config, *whole.config) << edited;
    }
  }
}

TEST(ReloadYaml, AnErrorInTheChangedVirtualServerIsLocatedAsALoadLocatesIt) {
  const std::string text = table(3, 2);
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  const std::size_t second = text.find("10.1.0.2");
  for (const std::string& edited : {
           std::string(text).replace(text.find("weight: 1", second), 9, "weight: -3"),   // a bad value
           std::string(text).replace(text.find("lb_algo", second), 7, "lb_algx"),        // an unknown key
           std::string(text).replace(text.find("10.1.0.2"), 8, "10.1.0.1"),              // the first one's address
           std::string(text).replace(text.find("port: 80", second), 8, "port: [80"),     // a syntax error
           std::string(text).replace(text.find("port: 80", second), 8, "port: &p 80"),  // an anchor
           std::string(text).replace(text.find("port: 80", second), 0, "---\n"),        // a second document
           std::string(text).replace(text.find("port: 80", second), 0, "- address: 10.1.0.9\n    "),  // an item more
       }) {
    const LoadResult reloaded = reload_yaml(edited, "t.yaml", *loaded.config, *loaded.reload);
    const LoadResult whole = load_yaml(edited, "t.yaml");
    EXPECT_EQ(where(reloaded), where(whole)) << edited;
    EXPECT_EQ(reloaded.ok(), whole.ok()) << edited;
    EXPECT_EQ(reloaded.reload.has_value(), whole.reload.has_value()) << edited;  // none with an anchor
    if (whole.ok()) {
      EXPECT_EQ(*reloaded.config, *whole.config) << edited;
    }
  }
}

TEST(ReloadYaml, AFileWithAnchorsHasNoSpans) {
  const std::string text =
      "virtual_servers:\n  - &one\n    address: 10.1.0.1\n    port: 80\n    real_servers: [{address: 10.2.0.1, port: 80}]\n"
      "  - address: 10.1.0.2\n    port: 80\n    real_servers: [{address: 10.2.0.1, port: 80}]\n";
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(where(loaded));
  EXPECT_FALSE(loaded.reload);
  EXPECT_TRUE(load_yaml(table(2, 1), "t.yaml").reload);
}

// Random edits, one to three in a row, anywhere in the file and mostly
// inside virtual servers, with bytes that matter to YAML: whatever reload_yaml
// gives (a configuration or errors) is what loading the edited file whole
// gives. Counts that the shortcut was taken often enough to matter.
TEST(ReloadYaml, AnyEditGivesWhatLoadingTheFileWholeGives) {
  const reload_test::Edits edits{
      .characters = " \n-:#\"'|>+{}[],&*!%@?\tax19.",
      .words = {"weight: 3", "port: 81", "\n      - address: 10.2.0.9\n        port: 80", "\n    quorum: 2", "  ",
                "\n  - ", "\n", "# c", "lb_algo: rr"},
      .value_key = "weight: ",
      .rewritten = "weight: 5"};
  const reload_test::ChainCounts n = reload_test::edit_chains(
      2000, 20261205, table(4, 2), edits, [](const std::string& t) { return load_yaml(t, "t.yaml"); },
      [](const std::string& t, const LoadResult& before) {
        return reload_yaml(t, "t.yaml", *before.config, *before.reload);
      },
      [](const LoadResult& reloaded, const LoadResult& whole, const std::string& t) {
        EXPECT_EQ(where(reloaded), where(whole)) << t;
        if (reloaded.ok() && whole.ok()) {
          EXPECT_EQ(*reloaded.config, *whole.config) << t;
        }
      });
  RecordProperty("shortcuts", n.shortcuts);
  EXPECT_GT(n.shortcuts, n.edits / 10) << n.edits << " edits, " << n.refused << " refused";
  EXPECT_GT(n.refused, n.edits / 10) << n.edits << " edits, " << n.shortcuts << " shortcuts";
}

// The shortcut's point: one weight changed in 1,000 x 10 costs a fraction of
// a whole load. Compared with a whole load of the same file in the same run
// (best of five each), so a busy machine slows both.
TEST(ReloadYaml, OneWeightOfTenThousandCostsAFractionOfALoad) {
  const std::string text = table(1000, 10);
  const LoadResult loaded = load_yaml(text, "t.yaml");
  ASSERT_TRUE(loaded.ok() && loaded.reload);
  const std::string edited = table(1000, 10, 5003);
  const auto whole = reload_test::best_of_five([&] { ASSERT_TRUE(load_yaml(edited, "t.yaml").ok()); });
  const auto one = reload_test::best_of_five([&] { ASSERT_TRUE(reload_yaml(edited, "t.yaml", *loaded.config, *loaded.reload).ok()); });
  const double ratio = std::chrono::duration<double>(one) / std::chrono::duration<double>(whole);
  RecordProperty("ratio_percent", static_cast<int>(ratio * 100));
  EXPECT_LT(ratio, 0.34) << "one virtual server " << std::chrono::duration<double, std::milli>(one).count()
                          << " ms, whole file " << std::chrono::duration<double, std::milli>(whole).count() << " ms";
}

}  // namespace
}  // namespace lvsd::conf
