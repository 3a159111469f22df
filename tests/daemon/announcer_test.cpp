// Scale-out decisions: which VIPs a node announces, and why.
#include "daemon/announcer.hpp"

#include <gtest/gtest.h>

namespace lvsd::daemon {
namespace {

using namespace std::chrono_literals;

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

core::TimePoint at(core::Duration d) { return core::TimePoint{} + d; }

TEST(Announcer, AnnouncesWhileAnyServiceOnTheVipHasItsQuorum) {
  Announcer a;
  a.update({{ip("10.0.0.1"), "TCP 10.0.0.1:80", true}, {ip("10.0.0.1"), "TCP 10.0.0.1:443", false},
            {ip("10.0.0.2"), "TCP 10.0.0.2:80", false}},
           at(1s));
  const auto vips = a.vips();
  ASSERT_EQ(vips.size(), 2u);
  EXPECT_TRUE(vips[0].announced);
  EXPECT_EQ(vips[0].reason, "serving");
  EXPECT_EQ(vips[0].services, (std::vector<std::string>{"TCP 10.0.0.1:80", "TCP 10.0.0.1:443"}));
  EXPECT_FALSE(vips[1].announced);
  EXPECT_EQ(vips[1].reason, "no quorum");
  EXPECT_EQ(vips[1].since, at(1s));
  EXPECT_EQ(a.announced(), std::vector<core::IpAddress>{ip("10.0.0.1")});
}

TEST(Announcer, CountsTransitionsAndKeepsSinceWhileUnchanged) {
  Announcer a;
  a.update({{ip("10.0.0.1"), "x", true}}, at(1s));
  EXPECT_EQ(a.vips()[0].transitions, 1u);
  a.update({{ip("10.0.0.1"), "x", true}}, at(2s));
  EXPECT_EQ(a.vips()[0].since, at(1s));
  a.update({{ip("10.0.0.1"), "x", false}}, at(3s));
  EXPECT_EQ(a.vips()[0].transitions, 2u);
  EXPECT_EQ(a.vips()[0].since, at(3s));
  a.update({}, at(4s));  // the service left the configuration
  EXPECT_TRUE(a.vips().empty());
}

TEST(Announcer, DrainAndStopWithdrawWhateverTheHealth) {
  Announcer a;
  a.set_drained(true, at(5s));
  a.update({{ip("10.0.0.1"), "x", true}}, at(5s));
  EXPECT_FALSE(a.vips()[0].announced);
  EXPECT_EQ(a.vips()[0].reason, "node drained");
  EXPECT_EQ(a.drained_since(), at(5s));
  a.set_drained(false, at(6s));
  a.update({{ip("10.0.0.1"), "x", true}}, at(6s));
  EXPECT_TRUE(a.vips()[0].announced);
  a.set_stopping();
  a.update({{ip("10.0.0.1"), "x", true}}, at(7s));
  EXPECT_FALSE(a.vips()[0].announced);
  EXPECT_EQ(a.vips()[0].reason, "stopping");
}

TEST(Announcer, AHoldKeepsAVipAnnouncedUntilItsQuorumOrTheDeadline) {
  Announcer a;
  a.hold(ip("10.0.0.1"), at(10s));
  a.hold(ip("10.0.0.2"), at(20s));
  a.update({{ip("10.0.0.1"), "x", false}, {ip("10.0.0.2"), "y", false}}, at(1s));
  EXPECT_EQ(a.announced().size(), 2u);
  EXPECT_EQ(a.vips()[0].reason, "held after restart");
  EXPECT_EQ(a.next_deadline(), at(10s));
  a.update({{ip("10.0.0.1"), "x", false}, {ip("10.0.0.2"), "y", true}}, at(2s));  // .2 decided: hold ends
  EXPECT_EQ(a.next_deadline(), at(10s));
  a.update({{ip("10.0.0.1"), "x", false}, {ip("10.0.0.2"), "y", false}}, at(10s));
  EXPECT_TRUE(a.announced().empty());  // .1 ran out; .2's hold was gone, its quorum lost now
  EXPECT_EQ(a.next_deadline(), std::nullopt);
  // A drained node does not announce a held VIP either.
  Announcer b;
  b.hold(ip("10.0.0.1"), at(10s));
  b.set_drained(true, at(0s));
  b.update({{ip("10.0.0.1"), "x", false}}, at(1s));
  EXPECT_TRUE(b.announced().empty());
}

}  // namespace
}  // namespace lvsd::daemon
