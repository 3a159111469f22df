#pragma once
// The GET request HTTP_GET and SSL_GET send for one url (pure).
#include <string>
#include <string_view>

#include "healthcheck/check_spec.hpp"

namespace lvsd::healthcheck {

// "GET PATH HTTP/1.0" (k1_0, k1_0_close) or "HTTP/1.1" (k1_1), then Host,
// User-Agent and Accept, and "Connection: close" except with plain 1.0 (as
// keepalived's http_protocol 1.0, 1.0C, 1.1), then the blank line.
std::string http_request(std::string_view path, std::string_view host, HttpVersion version);

}  // namespace lvsd::healthcheck
