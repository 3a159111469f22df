// keepalived 2.2.7's checker options in both front ends: bindto, bind_port,
// bind_if, fwmark, warmup, alpha, http_protocol, enable_sni, the url's
// virtualhost and regex keys, the real server's virtualhost, alpha and
// warmup, the virtual server's warmup. What keepalived ignores with an error
// in its log lvsd refuses, at the value's file:line:column.
#include <gtest/gtest.h>

#include "tests/conf/import_test_support.hpp"
#include "conf/keepalived_import.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/loader.hpp"
#include "conf/writer.hpp"

namespace lvsd::conf {
namespace {

using namespace test_support;

using std::chrono::milliseconds;
using std::chrono::seconds;

LoadResult import_text(const std::string& text) { return import_keepalived(text, "k.conf", no_include_reader()); }
const char* kKeepalived = R"(virtual_server 10.0.0.100 80 {
  lb_kind NAT protocol TCP
  delay_loop 10
  warmup 4
  virtualhost vs.example
  real_server 10.0.0.11 80 {
    alpha
    warmup 2
    virtualhost rs.example
    HTTP_GET {
      url {
        path /health
        virtualhost url.example
        regex "^up \\d+"
        regex_options caseless multiline
        regex_min_offset 0
        regex_max_offset 100
        regex_stack 32768 65536
      }
      url {
        path /fail
        regex "\x65rror"
        regex_no_match
      }
      http_protocol 1.0C
      bindto 10.0.0.1
      bind_port 40001
      bind_if eth0
      fwmark 7
      alpha no
      warmup 0
    }
    SSL_GET {
      url {
        path /
      }
      enable_sni
      fast_recovery
    }
    TCP_CHECK {
      bindto 10.0.0.2
    }
    MISC_CHECK {
      misc_path /bin/true
      alpha yes
      warmup 1
    }
  }
}
)";

TEST(CheckOptions, KeepalivedImportReadsEveryKeyword) {
  auto r = import_text(kKeepalived);
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  // fast_recovery: accepted with a warning (lvsd checks every url per probe).
  ASSERT_EQ(r.warnings.size(), 1u) << all_messages(r.warnings);
  EXPECT_EQ(r.warnings[0].path, "virtual_servers[0].real_servers[0].SSL_GET.fast_recovery");
  const VirtualServer& vs = r.config->virtual_servers.at(0);
  EXPECT_EQ(vs.warmup, std::optional<Duration>(seconds(4)));
  const RealServer& rs = vs.real_servers.at(0);
  EXPECT_EQ(rs.options->alpha, std::optional<bool>(true));
  EXPECT_EQ(rs.options->warmup, std::optional<Duration>(seconds(2)));
  EXPECT_EQ(rs.options->virtualhost, std::optional<std::string>("rs.example"));
  ASSERT_EQ(rs.checks.size(), 4u);
  const Check& get = rs.checks[0];
  const auto& http = std::get<HttpCheck>(get.probe);
  EXPECT_EQ(http.http_protocol, HttpProtocol::k1_0C);
  EXPECT_FALSE(http.enable_sni);
  EXPECT_EQ(get.bindto, core::IpAddress::parse("10.0.0.1"));
  EXPECT_EQ(get.bind_port, std::optional<std::uint16_t>(40001));
  EXPECT_EQ(get.bind_if, std::optional<std::string>("eth0"));
  EXPECT_EQ(get.fwmark, std::optional<std::uint32_t>(7));
  EXPECT_EQ(get.alpha, std::optional<bool>(false));
  EXPECT_EQ(get.warmup, std::optional<Duration>(Duration::zero()));
  ASSERT_EQ(http.url.size(), 2u);
  const UrlCheck& u = http.url[0];
  EXPECT_EQ(u.virtualhost, std::optional<std::string>("url.example"));
  // keepalived's quoted reader turns "\\d" into \d (and "\d" into d).
  EXPECT_EQ(u.regex, std::optional<std::string>("^up \\d+"));
  EXPECT_EQ(u.regex_options, (std::vector<std::string>{"caseless", "multiline"}));
  EXPECT_EQ(u.regex_min_offset, std::optional<std::uint64_t>(0));
  EXPECT_EQ(u.regex_max_offset, std::optional<std::uint64_t>(100));
  EXPECT_EQ(u.regex_stack, (std::optional<RegexStack>(RegexStack{.start = 32768, .max = 65536})));
  EXPECT_EQ(http.url[1].regex, std::optional<std::string>("error"));
  EXPECT_TRUE(http.url[1].regex_no_match);
  const auto& ssl = std::get<HttpCheck>(rs.checks[1].probe);
  EXPECT_TRUE(ssl.enable_sni);
  // keepalived's default request is HTTP/1.0 without Connection: written out.
  EXPECT_EQ(ssl.http_protocol, HttpProtocol::k1_0);
  // Inheritance: the check's, the real server's, the virtual server's.
  EXPECT_EQ(check_timing(vs, rs, get).warmup, Duration::zero());
  EXPECT_EQ(check_timing(vs, rs, rs.checks[1]).warmup, seconds(2));
  EXPECT_EQ(check_timing(vs, RealServer{}, rs.checks[1]).warmup, seconds(4));
  EXPECT_EQ(check_timing(VirtualServer{.delay_loop = seconds(9)}, RealServer{}, Check{}).warmup, seconds(9));
  EXPECT_TRUE(check_starts_up(vs, rs, get));            // its own "alpha no" (the virtual server has none)
  EXPECT_FALSE(check_starts_up(vs, rs, rs.checks[1]));  // the real server's alpha
  EXPECT_FALSE(check_starts_up(vs, rs, rs.checks[3]));  // its own "alpha yes"
  // No alpha anywhere: keepalived's start (up); the virtual server's alpha:
  // down, even with "alpha no" below it (measured in keepalived 2.2.7).
  EXPECT_TRUE(check_starts_up(VirtualServer{.start_up = true}, RealServer{}, Check{}));
  EXPECT_FALSE(check_starts_up(VirtualServer{.start_up = false}, RealServer{}, Check{}));
  EXPECT_FALSE(check_starts_up(VirtualServer{.start_up = false}, RealServer{.options = RealServerOptions{.alpha = false}}, Check{}));
  EXPECT_FALSE(check_starts_up(VirtualServer{.start_up = false}, RealServer{}, Check{.alpha = false}));
}

TEST(CheckOptions, ImportRoundTripsThroughYaml) {
  auto r = import_text(kKeepalived);
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const std::string yaml = to_yaml(*r.config);
  auto back = load_yaml(yaml, "import.yaml");
  ASSERT_TRUE(back.ok()) << all_messages(back.errors) << yaml;
  EXPECT_EQ(*back.config, *r.config) << yaml;
  EXPECT_EQ(to_yaml(*back.config), yaml);
  EXPECT_NE(yaml.find("http_protocol: 1.0C"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("regex_options: \"caseless multiline\""), std::string::npos) << yaml;
}

TEST(CheckOptions, YamlReadsEveryKey) {
  auto r = load_yaml(R"(virtual_servers:
  - address: fd00::100
    port: 80
    lb_algo: rr
    lb_kind: NAT
    warmup: 3s
    real_servers:
      - address: fd00::11
        port: 80
        alpha: false
        virtualhost: rs.example
        HTTP_GET:
          url:
            - path: /
              regex: 'ok\s'
              regex_max_offset: 3
          http_protocol: "1.0"
          enable_sni: true
          bindto: "fd00::1"
          bind_port: 1024
          fwmark: 0
        REDIS_CHECK:
          bindto: "fd00::1"
          alpha: true
)",
                     "t.yaml");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const RealServer& rs = r.config->virtual_servers.at(0).real_servers.at(0);
  EXPECT_EQ(rs.options->alpha, std::optional<bool>(false));
  const Check& get = rs.checks.at(0);
  EXPECT_EQ(std::get<HttpCheck>(get.probe).http_protocol, HttpProtocol::k1_0);
  EXPECT_TRUE(std::get<HttpCheck>(get.probe).enable_sni);
  EXPECT_EQ(std::get<HttpCheck>(get.probe).url.at(0).regex, std::optional<std::string>("ok\\s"));
  EXPECT_EQ(get.fwmark, std::optional<std::uint32_t>(0));
  EXPECT_EQ(rs.checks.at(1).alpha, std::optional<bool>(true));
}

// Errors at the value, in both front ends, saying what keepalived would do.
TEST(CheckOptions, InvalidValuesAreErrorsWhereTheyAre) {
  auto k = import_text(
      "virtual_server 10.0.0.100 80 {\n"
      " real_server 10.0.0.11 80 {\n"
      "  HTTP_GET {\n"
      "   url {\n"
      "    path /\n"
      "    regex \"a(b\"\n"
      "    regex_options caseless bogus\n"
      "   }\n"
      "   url {\n"
      "    path /x\n"
      "    regex_no_match\n"
      "   }\n"
      "   url {\n"
      "    path /y\n"
      "    regex ok\n"
      "    regex_min_offset 9\n"
      "    regex_max_offset 3\n"
      "   }\n"
      "   bindto fd00::1\n"
      "   bind_port 1\n"
      "   http_protocol 2.0\n"
      "  }\n"
      "  TCP_CHECK {\n"
      "   bind_port 40000\n"
      "   alpha maybe\n"
      "  }\n"
      "  TCP_CHECK {\n"
      "   connect_ip fe80::1\n"
      "  }\n"
      " }\n"
      "}\n");
  EXPECT_EQ(where(k.errors),
            (Where{"6:11 virtual_servers[0].real_servers[0].HTTP_GET.url[0].regex",
                   "7:19 virtual_servers[0].real_servers[0].HTTP_GET.url[0].regex_options",
                   "11:5 virtual_servers[0].real_servers[0].HTTP_GET.url[1].regex_no_match",
                   "16:22 virtual_servers[0].real_servers[0].HTTP_GET.url[2].regex_min_offset",
                   "19:11 virtual_servers[0].real_servers[0].HTTP_GET.bindto",
                   "21:18 virtual_servers[0].real_servers[0].HTTP_GET.http_protocol",
                   "24:14 virtual_servers[0].real_servers[0].TCP_CHECK[0].bind_port",
                   "25:10 virtual_servers[0].real_servers[0].TCP_CHECK[0].alpha",
                   "28:15 virtual_servers[0].real_servers[0].TCP_CHECK[1].connect_ip"}))
      << all_messages(k.errors);
  const std::string m = all_messages(k.errors);
  EXPECT_NE(m.find("unknown regex option 'bogus' (keepalived 2.2.7 ignores it)"), std::string::npos) << m;
  EXPECT_NE(m.find("'a(b': invalid regex at offset 3: missing closing parenthesis (keepalived 2.2.7 drops the "
                   "url's regex)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("fd00::1 is not of the family of the target 10.0.0.11 (keepalived 2.2.7 skips such a bindto)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("bind_port without bindto"), std::string::npos) << m;
  EXPECT_NE(m.find("'2.0' is not allowed: allowed 1.0, 1.0C, 1.1 (keepalived 2.2.7 ignores the line)"), std::string::npos) << m;
  EXPECT_NE(m.find("needs bind_if (keepalived 2.2.7 drops the check)"), std::string::npos) << m;

  auto y = load_yaml(R"(virtual_servers:
  - address: 10.0.0.100
    port: 80
    real_servers:
      - address: 10.0.0.11
        HTTP_GET:
          url:
            - {path: /, regex: "a(b"}
        MISC_CHECK:
          misc_path: /bin/true
          bindto: 10.0.0.1
        REDIS_CHECK:
          fwmark: 1
)",
                     "t.yaml");
  EXPECT_EQ(where(y.errors), (Where{"8:32 virtual_servers[0].real_servers[0].HTTP_GET.url[0].regex",
                                    "11:19 virtual_servers[0].real_servers[0].MISC_CHECK.bindto",
                                    "13:19 virtual_servers[0].real_servers[0].REDIS_CHECK.fwmark"}))
      << all_messages(y.errors);
}

// keepalived 2.2.7's quoted reader (measured: "a\d+b\\c\x41\ttab" is the
// pattern "ad+b\cA<tab>tab", unquoted unq\d+ is "unqd+").
TEST(CheckOptions, RegexEscapesAreKeepalivedsQuotedReader) {
  auto r = import_text(
      "virtual_server 10.0.0.100 80 {\n real_server 10.0.0.11 80 {\n  HTTP_GET {\n"
      "   url {\n    path /a\n    regex \"a\\d+b\\\\c\\x41\\ttab\"\n   }\n"
      "   url {\n    path /b\n    regex unq\\d+\n   }\n"
      "   url {\n    path /c\n    regex it's'x\n   }\n"
      "   url {\n    path /d\n    regex \"\\101\\cA\\E\"\n   }\n"
      "  }\n }\n}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r.errors);
  const auto& urls = std::get<HttpCheck>(r.config->virtual_servers[0].real_servers[0].checks[0].probe).url;
  EXPECT_EQ(urls[0].regex, std::optional<std::string>("ad+b\\cA\ttab"));
  EXPECT_EQ(urls[1].regex, std::optional<std::string>("unqd+"));
  EXPECT_EQ(urls[2].regex, std::optional<std::string>("itsx"));
  EXPECT_EQ(urls[3].regex, std::optional<std::string>("A\x01\x1b"));
  auto unterminated = import_text(
      "virtual_server 10.0.0.100 80 {\n real_server 10.0.0.11 80 {\n  HTTP_GET {\n"
      "   url {\n    path /a\n    regex it's\n   }\n  }\n }\n}\n");
  EXPECT_EQ(where(unterminated.errors), (Where{"6:11 virtual_servers[0].real_servers[0].HTTP_GET.url[0].regex"}))
      << all_messages(unterminated.errors);
}

}  // namespace
}  // namespace lvsd::conf
