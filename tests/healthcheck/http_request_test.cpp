// The request line and headers of HTTP_GET per http_protocol (keepalived's
// 1.0, 1.0C, 1.1: measured, keepalived 2.2.7 sends "HTTP/1.0" without
// Connection for 1.0, "HTTP/1.0" + "Connection: close" for 1.0C and
// "HTTP/1.1" + "Connection: close" for 1.1).
#include "healthcheck/http_request.hpp"

#include <gtest/gtest.h>

namespace lvsd::healthcheck {
namespace {

TEST(HttpRequest, VersionAndConnectionHeaderFollowHttpProtocol) {
  EXPECT_EQ(http_request("/health", "api.example", HttpVersion::k1_0),
            "GET /health HTTP/1.0\r\nHost: api.example\r\nUser-Agent: lvsd-healthcheck\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(http_request("/health", "api.example", HttpVersion::k1_0_close),
            "GET /health HTTP/1.0\r\nHost: api.example\r\nUser-Agent: lvsd-healthcheck\r\nAccept: */*\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_EQ(http_request("/", "10.0.0.5:8080", HttpVersion::k1_1),
            "GET / HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nUser-Agent: lvsd-healthcheck\r\nAccept: */*\r\n"
            "Connection: close\r\n\r\n");
}

}  // namespace
}  // namespace lvsd::healthcheck
