// kernel tier: `lvsctl list` prints byte for byte what `ipvsadm -Ln` prints
// for the same kernel table, in every column mode, and `lvsctl save` what
// `ipvsadm -Sn` prints (and ipvsadm -R reads it back to the same table).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/netns.hpp"

namespace lvsd::test {
namespace {

const std::string kLvsctl = LVSD_LVSCTL;

// IPVS is per network namespace: each test programs its own director host.
class LvsctlVersusIpvsadm : public ::testing::Test {
 protected:
  void SetUp() override {
    director_ = &topo_.add_host("lvs", "10.0.0.2/24");
    // Destinations must be unicast-routable for IPVS to accept them.
    auto r = director_->run("ip addr add 192.168.152.1/24 dev eth0 && ip -6 addr add 2001:db8::ff/64 dev eth0 nodad");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  CommandResult in_director(const std::string& cmd) { return director_->run(cmd); }
  void program(const std::vector<std::string>& rules) {
    for (const auto& rule : rules) {
      auto r = in_director("ipvsadm " + rule);
      ASSERT_EQ(r.exit_code, 0) << rule << ": " << r.output;
    }
  }
  Topology topo_;
  Host* director_ = nullptr;
};

const std::vector<std::string> kRules = {
    "-A -t 10.0.0.100:80 -s rr",
    "-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1",
    "-a -t 10.0.0.100:80 -r 10.0.0.12:8080 -m -w 65535 -x 100 -y 10",
    "-a -t 10.0.0.100:80 -r 10.0.0.14:80 --tun-type gue --tun-port 6080 --tun-nocsum -i -w 0",
    "-A -t 192.168.152.100:443 -s wrr -p 300 -M 255.255.255.0",
    "-a -t 192.168.152.100:443 -r 192.168.152.133:443 -i -w 3",
    "-A -u 10.0.0.100:53 -s sh -b sh-fallback,sh-port -o",
    "-a -u 10.0.0.100:53 -r 10.0.0.11:53 -g",
    "-A -f 7 -s lc",
    "-a -f 7 -r 10.0.0.13:0 -g",
    "-A -t [2001:db8::100]:80 -s mh -p",
    "-a -t [2001:db8::100]:80 -r [2001:db8::1]:80 -g",
    "-A --sctp-service 10.0.0.100:9 -s wlc",
    "-A -t 10.0.0.101:80 -s lblcr",
    "-a -t 10.0.0.101:80 -r 10.0.0.15:80 -i -w 7 --tun-type gre --tun-csum",
};

TEST_F(LvsctlVersusIpvsadm, ListMatchesInEveryColumnMode) {
  program(kRules);
  const std::vector<std::pair<std::string, std::string>> modes = {
      {"", ""},
      {"--stats", "--stats"},
      {"--rate", "--rate"},
      {"--stats --exact", "--stats --exact"},
      {"--thresholds", "--thresholds"},
      {"--persistent-conn", "--persistent-conn"},
      {"--tun-info", "--tun-info"},
  };
  for (const auto& [ours, theirs] : modes) {
    auto expected = in_director("ipvsadm -Ln " + theirs);
    auto got = in_director(kLvsctl + " list " + ours);
    ASSERT_EQ(expected.exit_code, 0) << expected.output;
    EXPECT_EQ(got.exit_code, 0) << got.output;
    EXPECT_EQ(got.output, expected.output) << "mode: " << ours;
  }
}

TEST_F(LvsctlVersusIpvsadm, EmptyTable) {
  EXPECT_EQ(in_director(kLvsctl + " list").output, in_director("ipvsadm -Ln").output);
  EXPECT_EQ(in_director(kLvsctl + " save").output, "");
}

TEST_F(LvsctlVersusIpvsadm, SaveMatchesAndRestores) {
  program(kRules);
  auto expected = in_director("ipvsadm -Sn");
  auto saved = in_director(kLvsctl + " save");
  EXPECT_EQ(saved.output, expected.output);
  // ipvsadm -R reads what we saved back into the same table.
  auto before = in_director("ipvsadm -Ln").output;
  auto r = in_director("ipvsadm -C && " + kLvsctl + " save >/dev/null; echo " + shell_quote(saved.output) +
                       " | ipvsadm -R");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(in_director("ipvsadm -Ln").output, before);
}

TEST_F(LvsctlVersusIpvsadm, JsonIsParseableAndComplete) {
  program(kRules);
  auto r = in_director(kLvsctl + " list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); "
                                 "print(len(d[\"services\"]), sum(len(s[\"destinations\"]) for s in d[\"services\"]))'");
  EXPECT_EQ(r.output, "7 8\n");
}

TEST_F(LvsctlVersusIpvsadm, BadArgumentsExitTwo) {
  EXPECT_EQ(in_director(kLvsctl + " list --no-such-flag").exit_code, 2);
  EXPECT_EQ(in_director(kLvsctl + " list --stats --rate").exit_code, 2);
  EXPECT_EQ(in_director(kLvsctl).exit_code, 2);
}

// Connection entries through a real DR path: client -> director -> httpd.
TEST(LvsctlConnections, MatchIpvsadmLnc) {
  Topology topo;
  auto& client = topo.add_host("client", "10.0.0.1/24");
  auto& director = topo.add_host("lvs", "10.0.0.2/24");
  auto& rs = topo.add_host("rs1", "10.0.0.11/24");
  ASSERT_EQ(rs.run("ip addr add 10.0.0.100/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 "
                   "net.ipv4.conf.all.arp_announce=2 && mkdir -p /run/tmp/www && echo rs1 > /run/tmp/www/index.html")
                .exit_code,
            0);
  auto httpd = rs.spawn("busybox httpd -f -p 80 -h /run/tmp/www");
  ASSERT_EQ(director
                .run("ip addr add 10.0.0.100/24 dev eth0 && ipvsadm -A -t 10.0.0.100:80 -s rr -p 60 && "
                     "ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g")
                .exit_code,
            0);
  ASSERT_TRUE(wait_until([&] { return client.run("curl -s -m 2 http://10.0.0.100/").output == "rs1\n"; },
                         std::chrono::seconds(10), std::chrono::milliseconds(100)));
  // Hide the expiry column: the two reads can straddle a second.
  const std::string mask = " | sed -E 's/^([A-Z]+ +)[0-9]+:[0-9]+/\\1MM:SS/'";
  auto expected = director.run("ipvsadm -Lnc" + mask);
  auto got = director.run(kLvsctl + " connections" + mask);
  EXPECT_NE(expected.output.find("10.0.0.100:80"), std::string::npos) << expected.output;
  EXPECT_EQ(got.output, expected.output);
  EXPECT_EQ(director.run(kLvsctl + " list -c" + mask).output, expected.output);
}

}  // namespace
}  // namespace lvsd::test
