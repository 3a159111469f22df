// keepalived's preprocessing of keepalived.conf (issue #14): $NAME=
// definitions and their uses, multi-line definitions, ~SEQ, @ID / @^ID.
// The expected words in the tables were measured with keepalived 2.2.7:
// each input was put in a `vrrp_sync_group G { group { ... } }` block, whose
// every word `keepalived -t -i ID` names in a "Virtual router W specified in
// sync group G doesn't exist" line (and "Unknown keyword" for the others).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "conf/keepalived_import.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/keepalived_preprocess.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

const std::string kDir = std::string(LVSD_SOURCE_DIR) + "/tests/conf/keepalived_compat/";

std::string messages(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += format_error(e) + "\n";
  return out;
}

std::vector<std::string> where(const std::vector<ConfigError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(std::to_string(e.location.line) + ":" + std::to_string(e.location.column));
  return out;
}
using Strings = std::vector<std::string>;

// A statement as one string: its words, "quoted" ones in quotes, a block in braces.
std::string flat(const KaStatement& st) {
  std::string out = st.keyword.text;
  for (const auto& a : st.args) out += " " + (a.quoted ? "\"" + a.text + "\"" : a.text);
  if (st.has_block) {
    out += " {";
    for (const auto& c : st.children) out += " " + flat(c) + ";";
    out += " }";
  }
  return out;
}

// Every word of the statements, in order (what keepalived's group block lists).
Strings words(const KaParseResult& r) {
  Strings out;
  std::function<void(const KaStatement&)> add = [&](const KaStatement& st) {
    out.push_back(st.keyword.text);
    for (const auto& a : st.args) out.push_back(a.text);
    for (const auto& c : st.children) add(c);
  };
  for (const auto& st : r.statements) add(st);
  return out;
}

KaParseResult parse(const std::string& text, const std::string& id = "vm") {
  return parse_keepalived(text, "k.conf", no_include_reader(), id);
}

Strings statements(const std::string& text, const std::string& id = "vm") {
  auto r = parse(text, id);
  EXPECT_TRUE(r.errors.empty()) << text << "\n" << messages(r.errors);
  Strings out;
  for (const auto& st : r.statements) out.push_back(flat(st));
  return out;
}

// ------------------------------------------------------------ measured with keepalived -t

struct Measured {
  std::string text;
  std::string config_id;
  Strings words;  // as keepalived 2.2.7 reported them
};

TEST(KeepalivedPreprocess, ExpandsAsKeepalivedDid) {
  const std::vector<Measured> table = {
      // Definitions: the value without its comment or surrounding blanks.
      {"$X=foo # comment\n$Y=  lead  \n<${X}> <${Y}>\n", "vm", {"<foo>", "<lead>"}},
      // $NAME is replaced before a blank or the end only; ${NAME} anywhere; "quotes" too.
      {"$X=foo\n$X a${X}b c$X $X|\n\"q$X\" \"${X}q\"\n", "vm", {"foo", "afoob", "cfoo", "$X|", "q$X", "fooq"}},
      // A value is expanded when used, with the definitions of then.
      {"$S=${R}x\n$R=r1\n$R=r2\n${S} $R\n", "vm", {"r2x", "r2"}},
      {"$Q=\"quoted str\"\n$E=\nx ${Q} a $E b\n", "vm", {"x", "quoted str", "a", "b"}},
      // An undefined $NAME stays.
      {"$UNDEF x\n", "vm", {"$UNDEF", "x"}},
      // Multi-line definitions: alone on a line, their lines are lines (with @ID).
      {"$M= \\\n  m1 \\\n  @vm mvm \\\n  @^vm mnotvm \\\n  m2\n$M\n${M}\n", "vm",
       {"m1", "mvm", "m2", "m1", "mvm", "m2"}},
      {"$N=\\\nn1\n$X=foo \\\nbar\n$N\n$X\n", "vm", {"n1", "foo", "bar"}},
      // @ID and @^ID, case-sensitive; `@ID` alone and `@ ID` drop the line.
      {"@vm isvm\n@^vm notvm\n@other isother\n@^other notother\n@vm\n@ vm spaced\n${_INSTANCE}\n", "vm",
       {"isvm", "notother", "vm"}},
      {"@vm isvm\n@^vm notvm\n@other isother\n@^other notother\n${_INSTANCE}\n", "other",
       {"notvm", "isother", "other"}},
      {"@vm isvm\n", "VM", {}},
      {"$I=@vm\n$I yes\n", "vm", {"yes"}},
      {"$I=@other\n$I yes\n", "vm", {}},
      // ~SEQ: its forms and defaults.
      {"~SEQ(A, 0, 3) a$A\n", "vm", {"a0", "a1", "a2", "a3"}},
      {"~SEQ(B,1,2,7) b${B}\n", "vm", {"b1", "b3", "b5", "b7"}},
      {"~SEQ(C,3) c${C}\n~SEQ(D,3,1) d${D}\n~SEQ(E,-2) e${E}\n~SEQ(F,0) f${F}\n", "vm",
       {"c1", "c2", "c3", "d3", "d2", "d1", "e-1", "e-2", "f1", "f0"}},
      {"~SEQx(F, 8, 4, 20) f${F}\n~SEQ (N, 1, 2) n${N}\n", "vm", {"f8", "fc", "f10", "f14", "n1", "n2"}},
      {"~SEQ(E,0x10,0x12) e${E}\n~SEQ(E,010,012) o${E}\n~SEQ(E,1,3,2) t${E}\n", "vm",
       {"e16", "e17", "e18", "o8", "o9", "o10", "t1"}},
      {"~SEQ(A,0,2) ~SEQ(B,0,1) x${A}${B}\n", "vm", {"x00", "x01", "x10", "x11", "x20", "x21"}},
      {"@vm ~SEQ(A,0,1) x$A\n~SEQ(A,0,1) @vm y$A\n~SEQ(A,0,1) @other z$A\n", "vm", {"x0", "x1", "y0", "y1"}},
      {"$N=2\n~SEQ(A,0,$N) x$A\n", "vm", {"x0", "x1", "x2"}},
      {"$S=~SEQ(A,0,1)\n$S x$A\n", "vm", {"x0", "x1"}},
      // The variable overrides a definition and keeps its last value.
      {"$X=5\n$X\n~SEQ(X,0,1) x$X\n$X\n", "vm", {"5", "x0", "x1", "1"}},
      // ${_HASH} starts a comment outside quotes (2.2.7), is a '#' inside.
      {"a ${_HASH}h b\n\"q${_HASH}r\" s\n", "vm", {"a", "q#r", "s"}},
  };
  for (const auto& m : table) {
    auto r = parse(m.text, m.config_id);
    EXPECT_TRUE(r.errors.empty()) << m.text << messages(r.errors);
    EXPECT_EQ(words(r), m.words) << m.text << "(config id " << m.config_id << ")";
  }
}

// ------------------------------------------------------------ in place

TEST(KeepalivedPreprocess, DefinitionsWorkInsideBlocksAndKeepTheUsesPosition) {
  EXPECT_EQ(statements("$IF=eth0\n$N=1\nvrrp_instance VI_${N} {\n  interface $IF\n}\n"),
            Strings{"vrrp_instance VI_1 { interface eth0; }"});
  // Words that come from a definition are at the $ that used it; the others keep their column.
  auto r = parse("$P=1 2\n  priority  $P x\n");
  ASSERT_EQ(r.statements.size(), 1u);
  const auto& st = r.statements[0];
  EXPECT_EQ(st.keyword.location.column, 3);
  ASSERT_EQ(st.args.size(), 3u);
  EXPECT_EQ(st.args[0].location.line, 2);
  EXPECT_EQ(st.args[0].location.column, 13);
  EXPECT_EQ(st.args[1].location.column, 13);
  EXPECT_EQ(st.args[2].location.column, 16);
}

TEST(KeepalivedPreprocess, MultiLineDefinitionsNest) {
  // The man page's shape: a virtual server made of real servers, each from a definition.
  const std::string text =
      "$RS= \\\n"
      "real_server 10.0.${VS}.${RN} 80 { \\\n"
      "  weight ${RN} \\\n"
      "}\n"
      "$VSD= \\\n"
      "virtual_server 10.1.0.${VS} 80 { \\\n"
      "  $RN=1 \\\n"
      "  $RS \\\n"
      "  $RN=2 \\\n"
      "  $RS \\\n"
      "}\n"
      "$VS=7\n"
      "$VSD\n";
  EXPECT_EQ(statements(text), Strings{"virtual_server 10.1.0.7 80 { real_server 10.0.7.1 80 { weight 1; }; "
                                      "real_server 10.0.7.2 80 { weight 2; }; }"});
  // Everything a multi-line definition made is at the line that used it.
  auto r = parse(text);
  ASSERT_EQ(r.statements.size(), 1u);
  EXPECT_EQ(r.statements[0].children.at(1).args.at(0).location.line, 13);
  EXPECT_EQ(r.statements[0].children.at(1).args.at(0).location.column, 1);
}

TEST(KeepalivedPreprocess, DefinitionsHoldAcrossIncludes) {
  std::map<std::string, std::string> files = {{"/etc/k/defs.conf", "$DIR=/etc/k\n$IF=eth1\n$HERE=${_PWD}\n"},
                                              {"/etc/k/main/vi.conf", "vrrp_instance V {\n interface $IF\n}\n"}};
  IncludeReader reader = [&](const std::string& pattern, const std::string&,
                             std::size_t) -> core::Result<std::vector<KaFile>> {
    auto f = files.find(pattern);
    if (f == files.end()) return core::Error{"no " + pattern};
    return std::vector<KaFile>{KaFile{.path = f->first, .content = f->second}};
  };
  // The include line is read after @ID and substitution, as keepalived 2.2.7 does.
  auto r = parse_keepalived("include /etc/k/defs.conf\n@vm include ${DIR}/main/vi.conf\n@^vm include nothing\n"
                            "x ${HERE} ${_PWD}\n",
                            "/srv/main.conf", reader, std::string("vm"));
  ASSERT_TRUE(r.errors.empty()) << messages(r.errors);
  ASSERT_EQ(r.statements.size(), 2u);
  EXPECT_EQ(flat(r.statements[0]), "vrrp_instance V { interface eth1; }");
  // ${_PWD} is the directory of the file that uses it (a value is expanded when used).
  EXPECT_EQ(flat(r.statements[1]), "x /srv /srv");
}

TEST(KeepalivedPreprocess, HostConfigIdIsTheNodeNameUpToItsFirstDot) {
  const std::string id = host_config_id();
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(id.find('.'), std::string::npos);
  // No config id given: the host's.
  EXPECT_EQ(words(parse_keepalived("@" + id + " yes\n@^" + id + " no\n", "k.conf", no_include_reader())),
            Strings{"yes"});
}

// ------------------------------------------------------------ errors: file:line:column, one each

struct Refused {
  std::string text;
  std::string at;       // line:column
  std::string message;  // a part of it
};

TEST(KeepalivedPreprocess, WhatKeepalivedRefusesIsRefusedAtItsPlace) {
  const std::vector<Refused> table = {
      {"x\n  ~SEQ(H, 0, 0, 2) h${H}\n", "2:3", "the step is 0; keepalived 2.2.7 reports \"Invalid ~SEQ values\""},
      {"~SEQ(I, 0, -1, 2) i${I}\n", "1:1", "a step of -1 never goes from 0 to 2"},
      {"~SEQ(J, 2, 1, 0) j${J}\n", "1:1", "Invalid ~SEQ values"},
      {"~SEQ(K) k${K}\n", "1:1", "it takes 2 to 4 values"},
      {"~SEQ(L, x, 2) l${L}\n", "1:1", "'x' is not a number; keepalived 2.2.7 reports \"Invalid ~SEQ definition\""},
      {"~SEQ(O, 0, 1, 2, 3) o${O}\n", "1:1", "not 5"},
      {"~SEQ(1A, 0, 2) x\n", "1:1", "'1A' is not a name"},
      {"~SEQ x\n", "1:1", "allowed ~SEQ(VAR, [START, [STEP,]] END)"},
      {"  $1A=bad\n", "1:3", "'$1A=bad' is not a definition: a name is made of letters"},
      {"$W = sp\n", "1:1", "no blank is allowed before '='"},
      {"a b ${UNDEF}\n", "1:5", "${UNDEF} is not defined"},
      // Found by the fuzzer: undefined inside a definition's value, used later.
      {"$NET=10.${SUBNET}\n$VIP=${NET}.1\nx $VIP\n", "3:3", "${SUBNET} is not defined"},
      {"a ${1A}\n", "1:3", "'${1A}' is not a definition's use"},
      {"$A=${B}\n$B=x$A\nz\n  y ${A}\n", "4:5", "uses itself ($A -> $B -> $A)"},
      {"$M=\\\na\nx $M\n", "3:3", "$M is a multi-line definition: it can only be used alone on its line"},
      {"$M=\\\n$M\n$M\n", "3:1", "uses itself"},
      {"x ${_RANDOM}\n", "1:3", "${_RANDOM} is not implemented by lvsd"},
  };
  for (const auto& t : table) {
    auto r = parse(t.text);
    EXPECT_EQ(where(r.errors), Strings{t.at}) << t.text << messages(r.errors);
    if (!r.errors.empty()) {
      EXPECT_NE(r.errors[0].message.find(t.message), std::string::npos) << t.text << r.errors[0].message;
    }
  }
}

TEST(KeepalivedPreprocess, AnUndefinedUseIsOneErrorAndNothingElse) {
  // Not also "unknown keyword", not also "'${IF}' is not an interface name".
  auto r = import_keepalived("vrrp_instance VI_1 {\n  interface ${IF}\n  virtual_router_id 51\n"
                             "  virtual_ipaddress {\n    ${VIP}\n  }\n  unicast_peer {\n    ${PEER}\n  }\n}\n",
                             "k.conf", no_include_reader(), std::string("vm"));
  EXPECT_EQ(where(r.errors), (Strings{"2:13", "5:5", "8:5"})) << messages(r.errors);
  EXPECT_FALSE(r.config);
}

TEST(KeepalivedPreprocess, AnErrorInExpandedTextIsAtTheUse) {
  auto r = import_keepalived("$PRIO=300\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n"
                             "  priority ${PRIO}\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n",
                             "k.conf", no_include_reader(), std::string("vm"));
  ASSERT_EQ(where(r.errors), Strings{"5:12"}) << messages(r.errors);
  EXPECT_NE(r.errors[0].message.find("300"), std::string::npos) << r.errors[0].message;
}

TEST(KeepalivedPreprocess, DefinitionsThatDoubleEndWithAnError) {
  // keepalived follows these until memory runs out; lvsd stops at once, with one error.
  std::string twice, empty_lines, chain;
  for (int i = 0; i < 40; ++i) {
    twice += "$D" + std::to_string(i) + "=${D" + std::to_string(i + 1) + "}${D" + std::to_string(i + 1) + "}\n";
    empty_lines += "$M" + std::to_string(i) + "=\\\n$M" + std::to_string(i + 1) + " \\\n$M" +
                   std::to_string(i + 1) + "\n";
  }
  for (int i = 0; i < 100; ++i) chain += "$C" + std::to_string(i) + "=${C" + std::to_string(i + 1) + "}\n";
  for (const auto& [defs, use] : std::vector<std::pair<std::string, std::string>>{
           {twice + "$D40=\n", "x ${D0}\n"}, {twice + "$D40=abc\n", "x ${D0}\n"},
           {empty_lines + "$M40=\n", "$M0\n"}, {chain + "$C100=x\n", "x ${C0}\n"}}) {
    auto r = parse(defs + use);
    ASSERT_EQ(r.errors.size(), 1u) << use << format_error(r.errors.at(0));
    EXPECT_EQ(r.errors[0].location.line, std::count(defs.begin(), defs.end(), '\n') + 1) << use;
  }
}

TEST(KeepalivedPreprocess, ALongSequenceOfNothingEnds) {
  auto r = parse("~SEQ(A, 0, 1, 100000000000)\n");
  ASSERT_EQ(where(r.errors), Strings{"1:1"});
  EXPECT_NE(r.errors[0].message.find("runs too long"), std::string::npos) << r.errors[0].message;
}

// ------------------------------------------------------------ a pair's file

TEST(KeepalivedPreprocess, OneFileForBothEndsOfAPair) {
  auto main = import_keepalived_file(kDir + "preprocess.conf", std::string("main"));
  auto backup = import_keepalived_file(kDir + "preprocess.conf", std::string("backup"));
  ASSERT_TRUE(main.ok()) << messages(main.errors);
  ASSERT_TRUE(backup.ok()) << messages(backup.errors);
  EXPECT_TRUE(main.warnings.empty()) << messages(main.warnings);
  const auto& m = main.config->vrrp_instances.at(0);
  const auto& b = backup.config->vrrp_instances.at(0);
  EXPECT_EQ(main.config->global.router_id, "lb_main");
  EXPECT_EQ(backup.config->global.router_id, "lb_backup");
  EXPECT_EQ(m.priority, 150);
  EXPECT_EQ(b.priority, 100);
  ASSERT_EQ(m.unicast_peer.size(), 1u);
  EXPECT_EQ(m.unicast_peer[0].to_string(), "192.168.10.2");
  ASSERT_EQ(b.unicast_peer.size(), 1u);
  EXPECT_EQ(b.unicast_peer[0].to_string(), "192.168.10.1");
  Strings vips;
  for (const auto& v : m.virtual_ipaddress) vips.push_back(v.prefix.to_string());
  EXPECT_EQ(vips, (Strings{"192.168.10.100/24", "192.168.10.101/24", "192.168.10.103/24", "192.168.10.105/24"}));
  const auto& vs = main.config->virtual_servers.at(0);
  ASSERT_EQ(vs.real_servers.size(), 2u);
  EXPECT_EQ(vs.real_servers[1].weight, 12);

  // lvsctl import-keepalived writes the expansions: the YAML loads back to the same model.
  auto reloaded = load_yaml(to_yaml(*main.config), "imported.yaml");
  ASSERT_TRUE(reloaded.ok()) << messages(reloaded.errors);
  EXPECT_EQ(*reloaded.config, *main.config);
  const std::string yaml = to_yaml(*backup.config);
  EXPECT_EQ(yaml.find('$'), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("SEQ"), std::string::npos) << yaml;
}

TEST(KeepalivedPreprocess, DetectedAsKeepalivedByItsFirstLine) {
  EXPECT_EQ(detect_format("lvsd.cfg", "$IF=eth0\nvrrp_instance V {\n}\n"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("lvsd.cfg", "@main global_defs {\n}\n"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("lvsd.cfg", "~SEQ(A,1,2) include x$A\n"), SourceFormat::kKeepalived);
  EXPECT_EQ(detect_format("lvsd.cfg", "global:\n  router_id: x\n"), SourceFormat::kYaml);
}

}  // namespace
}  // namespace lvsd::conf
