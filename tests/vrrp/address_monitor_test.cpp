// unit: the deletions AddressMonitor reports, parsed from the messages the
// kernel sends (built here as lvsd builds its own RTM_DELADDR / RTM_NEWADDR).
#include "vrrp/address_monitor.hpp"

#include <gtest/gtest.h>

#include "vrrp/addr.hpp"

namespace lvsd::vrrp {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

TEST(AddressMonitor, ReportsDeletionsOnly) {
  const VipSpec v4{.prefix = {ip("10.0.0.100"), 24}, .ifindex = 3};
  const VipSpec v6{.prefix = {ip("2001:db8::1"), 64}, .ifindex = 4};
  std::vector<std::uint8_t> buffer;
  for (const auto& msg : {build_address_request(AddressOp::kRemove, v4, 1), build_address_request(AddressOp::kAdd, v4, 2),
                          build_address_request(AddressOp::kRemove, v6, 3)}) {
    buffer.insert(buffer.end(), msg.begin(), msg.end());
    buffer.resize((buffer.size() + 3) & ~std::size_t{3});  // NLMSG_ALIGN between messages
  }
  EXPECT_EQ(parse_address_deletions(buffer),
            (std::vector<AddressDeleted>{{.ifindex = 3, .address = ip("10.0.0.100")},
                                         {.ifindex = 4, .address = ip("2001:db8::1")}}));
}

TEST(AddressMonitor, ATruncatedBufferStopsTheParse) {
  const auto msg = build_address_request(AddressOp::kRemove, VipSpec{.prefix = {ip("10.0.0.1"), 32}, .ifindex = 1}, 1);
  EXPECT_TRUE(parse_address_deletions(std::span(msg.data(), msg.size() - 1)).empty());
  EXPECT_TRUE(parse_address_deletions({}).empty());
}

}  // namespace
}  // namespace lvsd::vrrp
