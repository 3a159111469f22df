// netns tier: the Topology fixture itself. Two hosts on the bridge reach each
// other; pulling one's cable cuts them apart; namespaces vanish afterwards.
#include <gtest/gtest.h>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

TEST(BridgeFixture, TwoHostsPingEachOtherOverTheBridge) {
  Topology topo;
  auto& a = topo.add_host("a", "10.77.0.1/24");
  auto& b = topo.add_host("b", "10.77.0.2/24");
  auto r = a.run("ping -c1 -W2 10.77.0.2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = b.run("ping -c1 -W2 10.77.0.1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(a.mac(), b.mac());
}

TEST(BridgeFixture, PulledCableCutsTheHostOff) {
  Topology topo;
  auto& a = topo.add_host("a", "10.77.1.1/24");
  auto& b = topo.add_host("b", "10.77.1.2/24");
  ASSERT_EQ(a.run("ping -c1 -W2 10.77.1.2").exit_code, 0);
  topo.set_link(b, false);
  EXPECT_NE(a.run("ping -c1 -W1 10.77.1.2").exit_code, 0);
  topo.set_link(b, true);
  EXPECT_TRUE(wait_until([&] { return a.run("ping -c1 -W1 10.77.1.2").exit_code == 0; },
                         std::chrono::seconds(10), std::chrono::milliseconds(100)));
}

TEST(BridgeFixture, NamespacesAreRemovedWithTheTopology) {
  std::string ns;
  {
    Topology topo;
    ns = topo.add_host("a", "10.77.2.1/24").netns();
    EXPECT_EQ(run_command("ip netns list | grep -qw " + ns).exit_code, 0);
  }
  EXPECT_NE(run_command("ip netns list | grep -qw " + ns).exit_code, 0);
}

TEST(BridgeFixture, SpawnedProcessRunsInsideTheHostAndIsKilled) {
  Topology topo;
  auto& a = topo.add_host("a", "10.77.3.1/24");
  auto& b = topo.add_host("b", "10.77.3.2/24");
  auto server = b.spawn("busybox nc -l -p 7000 -e echo hello-from-b");
  ASSERT_TRUE(server->running());
  std::string got;
  EXPECT_TRUE(wait_until(
      [&] {
        got = a.run("busybox nc -w 1 10.77.3.2 7000 </dev/null").output;
        return got.find("hello-from-b") != std::string::npos;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(100)))
      << got;
  server->kill_and_wait();
  EXPECT_FALSE(server->running());
}

}  // namespace
}  // namespace lvsd::test
