#pragma once
// A tiny hand-rolled netlink message writer for tests: builds the bytes we
// expect independently of libnl, so codec tests compare against something
// that does not share the codec's code.
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace lvsd::director::test {

class NetlinkWriter {
 public:
  NetlinkWriter(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, std::uint8_t cmd) {
    nlmsghdr h{.nlmsg_len = 0, .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq, .nlmsg_pid = 0};
    raw(&h, sizeof h);
    genlmsghdr g{.cmd = cmd, .version = 1, .reserved = 0};
    raw(&g, sizeof g);
  }

  NetlinkWriter& u8(std::uint16_t type, std::uint8_t v) { return attr(type, &v, 1); }
  NetlinkWriter& u16(std::uint16_t type, std::uint16_t v) { return attr(type, &v, 2); }
  // A u16 attribute holding a big-endian value, written byte by byte.
  NetlinkWriter& be16(std::uint16_t type, std::uint16_t v) {
    std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xff)};
    return attr(type, b, 2);
  }
  NetlinkWriter& u32(std::uint16_t type, std::uint32_t v) { return attr(type, &v, 4); }
  NetlinkWriter& u64(std::uint16_t type, std::uint64_t v) { return attr(type, &v, 8); }
  NetlinkWriter& str(std::uint16_t type, const std::string& s) { return attr(type, s.c_str(), s.size() + 1); }
  NetlinkWriter& bytes(std::uint16_t type, std::vector<std::uint8_t> v) { return attr(type, v.data(), v.size()); }

  // Nested attributes carry NLA_F_NESTED, as libnl and the kernel (since 5.2) set it.
  NetlinkWriter& begin(std::uint16_t type) {
    nests_.push_back(buf_.size());
    nlattr a{.nla_len = 0, .nla_type = static_cast<std::uint16_t>(type | NLA_F_NESTED)};
    raw(&a, sizeof a);
    return *this;
  }
  NetlinkWriter& end() {
    std::size_t start = nests_.back();
    nests_.pop_back();
    auto len = static_cast<std::uint16_t>(buf_.size() - start);
    std::memcpy(buf_.data() + start, &len, 2);
    return *this;
  }

  std::vector<std::uint8_t> done() {
    auto len = static_cast<std::uint32_t>(buf_.size());
    std::memcpy(buf_.data(), &len, 4);
    return buf_;
  }

 private:
  NetlinkWriter& attr(std::uint16_t type, const void* data, std::size_t n) {
    nlattr a{.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + n), .nla_type = type};
    raw(&a, sizeof a);
    raw(data, n);
    while (buf_.size() % 4 != 0) buf_.push_back(0);
    return *this;
  }
  void raw(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    buf_.insert(buf_.end(), p, p + n);
  }

  std::vector<std::uint8_t> buf_;
  std::vector<std::size_t> nests_;
};

}  // namespace lvsd::director::test
