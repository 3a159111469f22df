// conf/yaml_tree: the document tree built from libyaml's events.
#include "conf/yaml_tree.hpp"

#include <gtest/gtest.h>

#include <vector>

#include <string>

namespace lvsd::conf::yaml {
namespace {

std::string at(const NodeRef& n) { return std::to_string(n.mark().line) + ":" + std::to_string(n.mark().column); }

TEST(YamlTree, MappingEntriesKeepDocumentOrderAndPositions) {
  ParseResult r = parse("b: 1\na:\n  - x\n  - 'y'\nc: {d: e}\n");
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.tree.document_count(), 1u);
  NodeRef root = r.tree.document(0);
  ASSERT_TRUE(root.is_mapping());
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root.key(0).text(), "b");
  EXPECT_EQ(root.key(1).text(), "a");
  EXPECT_EQ(root.key(2).text(), "c");
  EXPECT_EQ(at(root), "1:1");
  EXPECT_EQ(at(root.value(0)), "1:4");
  NodeRef list = root.value(1);
  ASSERT_TRUE(list.is_sequence());
  EXPECT_EQ(at(list), "3:3");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list.item(0).plain());
  EXPECT_EQ(list.item(1).text(), "y");
  EXPECT_FALSE(list.item(1).plain());
  EXPECT_EQ(at(list.item(1)), "4:5");
  NodeRef flow = root.value(2);
  ASSERT_TRUE(flow.is_mapping());
  EXPECT_EQ(at(flow), "5:4");
  EXPECT_EQ(flow.value(0).text(), "e");
}

TEST(YamlTree, PlainNullsAreNullQuotedOrTaggedAreText) {
  ParseResult r = parse("- ~\n- null\n- Null\n- NULL\n-\n- ''\n- \"null\"\n- !!str null\n- nil\n- |\n  null\n");
  ASSERT_FALSE(r.error) << r.error->message;
  NodeRef s = r.tree.document(0);
  ASSERT_EQ(s.size(), 10u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_TRUE(s.item(i).is_null()) << i;
  for (std::size_t i = 5; i < 10; ++i) EXPECT_TRUE(s.item(i).is_scalar()) << i;
  EXPECT_EQ(s.item(7).tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(s.item(9).text(), "null\n");
  EXPECT_FALSE(s.item(9).plain());
}

TEST(YamlTree, TagsStayOnTheirOwnNodes) {
  // Tags are kept apart from the nodes: each must come back on its node only.
  ParseResult r = parse("a: !!str 1\nb: 2\nc: !!seq [x, !!int 3]\nd: !!map {e: f}\ng: h\n");
  ASSERT_FALSE(r.error) << r.error->message;
  NodeRef root = r.tree.document(0);
  ASSERT_EQ(root.size(), 5u);
  EXPECT_EQ(root.value(0).tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(root.value(0).text(), "1");
  EXPECT_EQ(root.value(1).tag(), "");
  EXPECT_EQ(root.value(2).tag(), "tag:yaml.org,2002:seq");
  EXPECT_EQ(root.value(2).item(0).tag(), "");
  EXPECT_EQ(root.value(2).item(1).tag(), "tag:yaml.org,2002:int");
  EXPECT_EQ(root.value(3).tag(), "tag:yaml.org,2002:map");
  EXPECT_EQ(root.value(3).value(0).text(), "f");
  EXPECT_EQ(root.value(4).tag(), "");
  for (std::size_t i = 0; i < root.size(); ++i) EXPECT_EQ(root.key(i).tag(), "") << i;
}

TEST(YamlTree, CollectionsHaveNoTextAndScalarsNoChildren) {
  ParseResult r = parse("k: [a, b]\nm: {x: y}\ns: text\nn: ~\n");
  ASSERT_FALSE(r.error) << r.error->message;
  NodeRef root = r.tree.document(0);
  EXPECT_EQ(root.text(), "");
  EXPECT_EQ(root.value(0).text(), "");
  EXPECT_EQ(root.value(0).size(), 2u);
  EXPECT_EQ(root.value(1).text(), "");
  EXPECT_EQ(root.value(1).size(), 1u);
  EXPECT_EQ(root.value(2).text(), "text");
  EXPECT_EQ(root.value(2).size(), 0u);
  EXPECT_TRUE(root.value(3).is_null());
  EXPECT_EQ(root.value(3).text(), "~");
  EXPECT_EQ(root.value(3).size(), 0u);
}

TEST(YamlTree, AliasesShareTheAnchoredNode) {
  ParseResult r = parse("a: &x {k: v}\nb: *x\nc: *x\n");
  ASSERT_FALSE(r.error);
  NodeRef root = r.tree.document(0);
  ASSERT_TRUE(root.value(1).is_mapping());
  EXPECT_EQ(root.value(2).value(0).text(), "v");
  EXPECT_EQ(at(root.value(2)), "1:4");  // where the anchored node is
}

TEST(YamlTree, LaterAnchorOfTheSameNameWins) {
  ParseResult r = parse("[&a 1, *a, &a 2, *a]\n");
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.tree.document(0).item(1).text(), "1");
  EXPECT_EQ(r.tree.document(0).item(3).text(), "2");
}

TEST(YamlTree, ErrorsHaveAPositionAndContext) {
  ParseResult r = parse("a: [1, 2\nb: 3\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->mark.line, 2);
  EXPECT_EQ(r.error->message, "did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)");
  ParseResult undefined = parse("[*a, &a 1]\n");
  ASSERT_TRUE(undefined.error);
  EXPECT_EQ(undefined.error->mark.column, 2);
}

TEST(YamlTree, BadEncodingIsPlacedFromTheByteOffset) {
  ParseResult r = parse("a: 1\nb: \xc3\xa9\xff\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->mark.line, 2);
  EXPECT_EQ(r.error->mark.column, 5);
}

TEST(YamlTree, DocumentsAndEmptyStreams) {
  EXPECT_EQ(parse("").tree.document_count(), 0u);
  EXPECT_EQ(parse("# only a comment\n").tree.document_count(), 0u);
  ParseResult two = parse("a: 1\n---\n");
  ASSERT_EQ(two.tree.document_count(), 2u);
  EXPECT_TRUE(two.tree.document(1).is_null());
  EXPECT_EQ(two.tree.document_start(1).line, 2);
}

TEST(YamlTree, NestingIsBounded) {
  // libyaml's scanner does work proportional to the nesting depth for every
  // token, so a file of 100,000 '[' would take minutes: refused at level 65.
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  ParseResult r = parse(deep);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->mark.column, 65);
  EXPECT_EQ(r.error->message, "nested more than 64 levels deep");
  std::string ok = std::string(64, '[') + std::string(64, ']');
  ParseResult fine = parse(ok);
  ASSERT_FALSE(fine.error) << fine.error->message;
  NodeRef n = fine.tree.document(0);
  int depth = 1;
  while (n.size() == 1) {
    n = n.item(0);
    ++depth;
  }
  EXPECT_EQ(depth, 64);
}

// What a stream saw: each item's index, its first value, and where it was.
struct Seen {
  std::vector<std::string> firsts;
  std::vector<NodeRef> items;
  std::vector<std::size_t> nodes_so_far;
  ItemStream stream;
  Seen() : stream{.key = "list", .on_item = [this](const StreamedItem& s) {
                    EXPECT_EQ(s.index, firsts.size());
                    EXPECT_EQ(s.key.text(), "list");
                    firsts.emplace_back(s.item.is_mapping()    ? s.item.value(0).text()
                                       : s.item.is_sequence() ? s.item.item(0).text()
                                                              : s.item.text());
                    items.push_back(s.item);
                    nodes_so_far.push_back(s.nodes_so_far);
                  }} {}
};

TEST(YamlTree, StreamedItemsAreHandedOverOneByOneAndTheirNodesReused) {
  std::string text = "before: {a: 1}\nlist:\n";
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) {
    names.push_back("n" + std::to_string(i));
    text += "  - {name: " + names.back() + ", values: [1, 2, 3]}\n";
  }
  text += "after: [x]\n";
  Seen seen;
  ParseResult r = parse(text, &seen.stream);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(seen.firsts, names);
  // Every item was built where the first one was: its nodes were dropped.
  for (const NodeRef& item : seen.items) EXPECT_EQ(item, seen.items.front());
  EXPECT_EQ(seen.nodes_so_far.back() - seen.nodes_so_far.front(), 99u * 8);  // 8 nodes an item
  const ParseResult whole = parse(text);
  EXPECT_EQ(r.tree.node_count(), whole.tree.node_count() + 1);  // and the placeholder
  // The rest of the document is whole; the list keeps its length, of nulls.
  NodeRef root = r.tree.document(0);
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root.value(0).value(0).text(), "1");
  EXPECT_EQ(root.value(2).item(0).text(), "x");
  EXPECT_EQ(r.tree.streamed_list(), root.value(1));
  ASSERT_EQ(root.value(1).size(), 100u);
  EXPECT_TRUE(root.value(1).item(99).is_null());
  EXPECT_FALSE(whole.tree.streamed_list().valid());
}

TEST(YamlTree, StreamedItemWithAnAnchorStaysForItsAliases) {
  Seen seen;
  ParseResult r = parse("list:\n  - &a {k: one}\n  - {k: two}\n  - *a\n  - [&b three]\nother: [*a, *b]\n", &seen.stream);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(seen.firsts, (std::vector<std::string>{"one", "two", "one", "three"}));
  NodeRef root = r.tree.document(0);
  NodeRef list = root.value(0);
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list.item(0).value(0).text(), "one");
  EXPECT_TRUE(list.item(1).is_null());
  EXPECT_EQ(list.item(2), list.item(0));
  EXPECT_EQ(list.item(3).item(0).text(), "three");
  EXPECT_EQ(root.value(1).item(0).value(0).text(), "one");
  EXPECT_EQ(root.value(1).item(1).text(), "three");
}

TEST(YamlTree, OnlyTheTopLevelKeysFirstListOfTheFirstDocumentIsStreamed) {
  Seen seen;
  ParseResult r = parse("nested: {list: [a]}\nlist: [b, c]\nlist: [d]\n---\nlist: [e]\n", &seen.stream);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(seen.firsts, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(r.tree.document(0).value(2).item(0).text(), "d");
  EXPECT_EQ(r.tree.document(1).value(0).item(0).text(), "e");

  Seen mapping;
  ParseResult m = parse("list: {a: b}\n", &mapping.stream);
  EXPECT_TRUE(mapping.firsts.empty());
  EXPECT_FALSE(m.tree.streamed_list().valid());
  Seen top;
  parse("- list\n- [x]\n", &top.stream);
  EXPECT_TRUE(top.firsts.empty());
}

TEST(YamlTree, StreamedItemsBeforeASyntaxErrorWereHandedOver) {
  Seen seen;
  ParseResult r = parse("list:\n  - one\n  - two\n  - [three\n", &seen.stream);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(seen.firsts, (std::vector<std::string>{"one", "two"}));
}

}  // namespace
}  // namespace lvsd::conf::yaml
