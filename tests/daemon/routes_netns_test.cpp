// RouteClient against a real kernel, inside a namespace of the test's own:
// the routes `ip route` shows, idempotent add and remove, and only lvsd's
// routes listed.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/unique_fd.hpp"
#include "daemon/routes.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::daemon {
namespace {

core::IpAddress ip(const char* text) { return *core::IpAddress::parse(text); }

// Runs the test body inside `netns`, back in the original namespace after.
class InNamespace {
 public:
  explicit InNamespace(const std::string& netns)
      : original_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    core::UniqueFd target(::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
    entered_ = original_ && target && ::setns(target.get(), CLONE_NEWNET) == 0;
  }
  ~InNamespace() {
    if (entered_) ::setns(original_.get(), CLONE_NEWNET);
  }
  bool entered() const { return entered_; }

 private:
  core::UniqueFd original_;
  bool entered_ = false;
};

TEST(RouteClientNetns, AddsListsAndRemovesLvsdsRoutesOnly) {
  test::Topology topo;
  auto& host = topo.add_host("d", "10.0.0.1/24");
  ASSERT_EQ(host.run("ip route add 10.77.0.1/32 dev lo table 200").exit_code, 0);  // someone else's
  const VipRoute local{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = ip("10.0.0.100")};
  const VipRoute announce{.kind = RouteKind::kAnnounce, .table = 200, .vip = ip("10.0.0.100")};
  const VipRoute local6{.kind = RouteKind::kLocal, .table = kLocalTable, .vip = ip("2001:db8::100")};
  {
    InNamespace in(host.netns());
    ASSERT_TRUE(in.entered());
    auto client = RouteClient::open();
    ASSERT_TRUE(client.ok()) << client.error().message;
    for (const auto& r : {local, announce, local6, announce}) {
      auto st = client->add(r);
      ASSERT_TRUE(st.ok()) << st.error().message;  // a second add of the same route succeeds too
    }
    auto listed = client->list();
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    EXPECT_EQ(*listed, (std::vector<VipRoute>{local, local6, announce}));  // sorted
  }
  EXPECT_EQ(host.run("ip -o route show table 200 proto 250").output, "10.0.0.100 dev lo scope link \n");
  EXPECT_NE(host.run("ip route show table local type local proto 250").output.find("local 10.0.0.100 dev lo"),
            std::string::npos);
  // The VIP is delivered locally: a ping to it is answered by this host.
  EXPECT_EQ(host.run("ping -c1 -W1 10.0.0.100").exit_code, 0);
  {
    InNamespace in(host.netns());
    auto client = RouteClient::open();
    ASSERT_TRUE(client.ok());
    for (const auto& r : {announce, local, local6, local}) {
      auto st = client->remove(r);
      ASSERT_TRUE(st.ok()) << st.error().message;  // removing an absent one succeeds
    }
    auto listed = client->list();
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty());
  }
  EXPECT_EQ(host.run("ip -o route show table 200").output, "10.77.0.1 dev lo scope link \n");  // untouched
}

}  // namespace
}  // namespace lvsd::daemon
