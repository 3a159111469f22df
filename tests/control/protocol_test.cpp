#include "control/protocol.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

namespace lvsd::control {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

std::string error_of(std::string_view line) {
  auto r = parse_request(line);
  EXPECT_FALSE(r.ok()) << line;
  return r.ok() ? std::string() : r.error().message;
}

TEST(ControlProtocol, ParsesEveryCommand) {
  EXPECT_EQ(parse_request(R"({"command":"status"})").value(), Request{StatusRequest{}});
  EXPECT_EQ(parse_request(R"({"command":"reload"})").value(), Request{ReloadRequest{}});
  EXPECT_EQ(parse_request(R"({"command":"restart"})").value(), Request{RestartRequest{}});
  const auto vs = director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.1"), 80);
  EXPECT_EQ(parse_request(R"({"command":"disable","virtual_server":"10.0.0.1:80"})").value(),
            Request{DisableRequest{.virtual_server = vs}});
  EXPECT_EQ(parse_request(R"({"command":"enable","virtual_server":"TCP 10.0.0.1:80"})").value(),
            Request{EnableRequest{.virtual_server = vs}});
  const Request drain = DrainRequest{
      .virtual_server = vs, .real_server = {.address = ip("10.0.0.2"), .port = 8080}, .timeout_s = 30};
  EXPECT_EQ(
      parse_request(R"({"command":"drain","virtual_server":"tcp/10.0.0.1:80","real_server":"10.0.0.2:8080","timeout_s":30})")
          .value(),
      drain);
  EXPECT_EQ(parse_request(R"({"command":"drain-node"})").value(), Request{DrainNodeRequest{}});
  EXPECT_EQ(parse_request(R"({"command":"drain-node","stop":true})").value(), Request{DrainNodeRequest{.stop = true}});
  EXPECT_EQ(parse_request(R"({"command":"undrain-node"})").value(), Request{UndrainNodeRequest{}});
  EXPECT_EQ(parse_request(R"({"command":"drain-node","stop":"yes"})").error().message,
            "drain-node: field 'stop' must be true or false");
  EXPECT_EQ(parse_request(R"({"command":"undrain-node","stop":true})").error().message,
            "undrain-node: unknown field 'stop'");
  const Request undrain = UndrainRequest{.virtual_server = vs, .real_server = {.address = ip("10.0.0.2")}};
  EXPECT_EQ(parse_request(R"({"command":"undrain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2"})").value(),
            undrain);
}

TEST(ControlProtocol, EncodedRequestsParseBackEqual) {
  const std::vector<Request> requests{
      StatusRequest{},
      ReloadRequest{},
      RestartRequest{},
      DrainRequest{.virtual_server = director::ServiceKey::inet(director::Protocol::kUdp, ip("2001:db8::1"), 53),
                   .real_server = {.address = ip("2001:db8::2"), .port = 53},
                   .timeout_s = 5},
      DrainRequest{.virtual_server = director::ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 7),
                   .real_server = {.address = ip("2001:db8::2")}},
      UndrainRequest{.virtual_server = director::ServiceKey::inet(director::Protocol::kSctp, ip("10.0.0.1"), 9),
                     .real_server = {.address = ip("10.0.0.3"), .port = 9}},
      EnableRequest{.virtual_server = director::ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 5)},
      DisableRequest{.virtual_server = director::ServiceKey::inet(director::Protocol::kTcp, ip("10.0.0.1"), 443)},
      DrainNodeRequest{},
      DrainNodeRequest{.stop = true},
      UndrainNodeRequest{},
  };
  for (const auto& r : requests) {
    const std::string line = encode_request(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = parse_request(line);
    ASSERT_TRUE(back.ok()) << line << ": " << back.error().message;
    EXPECT_EQ(*back, r) << line;
  }
}

TEST(ControlProtocol, VirtualServerSpellings) {
  EXPECT_EQ(parse_virtual_server("FWM 5").value(), director::ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 5));
  EXPECT_EQ(parse_virtual_server("fwm:5").value(), director::ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 5));
  EXPECT_EQ(parse_virtual_server("FWM 5 IPv6").value(), director::ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 5));
  EXPECT_EQ(parse_virtual_server("UDP [2001:db8::1]:53").value(),
            director::ServiceKey::inet(director::Protocol::kUdp, ip("2001:db8::1"), 53));
  EXPECT_EQ(parse_virtual_server(" sctp/10.1.1.1:7 ").value(),
            director::ServiceKey::inet(director::Protocol::kSctp, ip("10.1.1.1"), 7));
  // What `lvsctl status` shows is accepted back.
  const auto key = director::ServiceKey::inet(director::Protocol::kUdp, ip("2001:db8::1"), 53);
  EXPECT_EQ(parse_virtual_server(director::describe(key)).value(), key);
}

TEST(ControlProtocol, BadIdentitiesSayWhy) {
  EXPECT_NE(parse_virtual_server("10.0.0.1").error().message.find("needs a port"), std::string::npos);
  EXPECT_NE(parse_virtual_server("10.0.0.1:0").error().message.find("1-65535"), std::string::npos);
  EXPECT_NE(parse_virtual_server("10.0.0.1:99999").error().message.find("1-65535"), std::string::npos);
  EXPECT_NE(parse_virtual_server("host:80").error().message.find("not an IP address"), std::string::npos);
  EXPECT_NE(parse_virtual_server("FWM 0").error().message.find("firewall mark"), std::string::npos);
  EXPECT_NE(parse_virtual_server("FWM 5 IPv7").error().message.find("FWM MARK IPv6"), std::string::npos);
  EXPECT_NE(parse_real_server("[2001:db8::1").error().message.find("missing ']'"), std::string::npos);
  EXPECT_FALSE(parse_real_server("").ok());
}

TEST(ControlProtocol, MalformedRequestsNameTheProblem) {
  EXPECT_NE(error_of("{\"command\":").find("malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("\xff\xfe").find("malformed JSON"), std::string::npos);
  EXPECT_NE(error_of("[1,2]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("missing field 'command'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":5})").find("'command' must be a string"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"explode"})").find("unknown command 'explode'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"drain","virtual_server":"10.0.0.1:80"})").find("missing field 'real_server'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"drain","virtual_server":80,"real_server":"10.0.0.2"})")
                .find("'virtual_server' must be a string"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2","timeout_s":-1})")
                .find("'timeout_s'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2","timeout_s":1.5})")
                .find("'timeout_s'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"drain","virtual_server":"10.0.0.1:80","real_server":"10.0.0.2","timeout_s":"5"})")
                .find("'timeout_s'"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"status","verbose":true})").find("unknown field 'verbose'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"enable","virtual_server":"nonsense"})").find("virtual_server: 'nonsense'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMaxRequestBytes + 1, ' ')).find("longer than"), std::string::npos);
}

TEST(ControlProtocol, DuplicateKeysAtAnyDepthAreRefused) {
  // The parser alone keeps one of the two: this line used to reload.
  EXPECT_EQ(error_of(R"({"command":"status","command":"reload"})"), "malformed request: duplicate key 'command'");
  EXPECT_EQ(error_of(R"({"command":"disable","virtual_server":"10.0.0.1:80","virtual_server":"10.0.0.2:80"})"),
            "malformed request: duplicate key 'virtual_server'");
  EXPECT_EQ(error_of(R"({"command":"status","x":[{"a":1,"b":{"c":1,"c":2}}]})"),
            "malformed request: duplicate key 'c'");
  // The same key in sibling objects is no duplicate.
  EXPECT_EQ(error_of(R"({"command":"status","x":{"a":1},"y":[{"a":1},{"a":2}]})"), "status: unknown field 'x'");
  EXPECT_EQ(error_of(R"([{"a":1},{"a":1}])"), "a request must be a JSON object");
}

TEST(ControlProtocol, BytesAfterANulAreRefused) {
  using namespace std::string_literals;
  // The JSON lexer stops at a NUL: everything after it would go unseen.
  EXPECT_EQ(error_of("{\"command\":\"status\"}\0{\"command\":\"reload\"}"s),
            "malformed request: NUL byte at offset 20");
  EXPECT_EQ(error_of("{\"command\":\"status\"}\0"s), "malformed request: NUL byte at offset 20");
  EXPECT_EQ(error_of("{\"command\":\"sta\0tus\"}"s), "malformed request: NUL byte at offset 15");
}

TEST(ControlProtocol, RepliesRoundTrip) {
  auto ok = parse_reply(encode_reply(ok_reply({{"changed", true}}))).value();
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.result["changed"], true);
  auto bad = parse_reply(encode_reply(error_reply("configuration refused", {"a.yaml:1:1: x", "a.yaml:2:3: y"}))).value();
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.error, "configuration refused");
  EXPECT_EQ(bad.errors, (std::vector<std::string>{"a.yaml:1:1: x", "a.yaml:2:3: y"}));
  EXPECT_FALSE(parse_reply("{\"result\":1}").ok());
  EXPECT_FALSE(parse_reply("nope").ok());
}

TEST(ControlProtocol, ReplyWithInvalidUtf8IsStillOneValidLine) {
  const std::string line = encode_reply(error_reply("bad byte \xff here"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = parse_reply(line);
  ASSERT_TRUE(back.ok());
  EXPECT_NE(back->error.find("bad byte"), std::string::npos);
}

}  // namespace
}  // namespace lvsd::control
