#include "healthcheck/http_request.hpp"

namespace lvsd::healthcheck {

std::string http_request(std::string_view path, std::string_view host, HttpVersion version) {
  std::string out;
  out.reserve(path.size() + host.size() + 96);
  out += "GET ";
  out += path;
  out += version == HttpVersion::k1_1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n";
  out += "Host: ";
  out += host;
  out += "\r\nUser-Agent: lvsd-healthcheck\r\nAccept: */*\r\n";
  if (version != HttpVersion::k1_0) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

}  // namespace lvsd::healthcheck
