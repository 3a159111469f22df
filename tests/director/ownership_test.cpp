// ownership: the state file round-trips and reports bad lines.
#include "director/ownership.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lvsd::director {
namespace {

core::IpAddress ip(const char* text) { return core::IpAddress::parse(text).value(); }

OwnershipRecord sample() {
  return OwnershipRecord{.services = {ServiceKey::inet(Protocol::kTcp, ip("10.0.0.1"), 80),
                                      ServiceKey::inet(Protocol::kUdp, ip("2001:db8::1"), 53),
                                      ServiceKey::inet(Protocol::kSctp, ip("10.0.0.2"), 3868),
                                      ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 7),
                                      ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 9)}};
}

TEST(Ownership, EncodesOneKeyPerLine) {
  EXPECT_EQ(encode_ownership(sample()),
            "# lvsd ipvs ownership v1\n"
            "FWM 7\n"
            "TCP 10.0.0.1:80\n"
            "SCTP 10.0.0.2:3868\n"
            "FWM 9 IPv6\n"
            "UDP [2001:db8::1]:53\n");
}

TEST(Ownership, RoundTrips) {
  auto back = decode_ownership(encode_ownership(sample()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, sample());
  EXPECT_TRUE(back->owns(ServiceKey::firewall_mark(core::AddressFamily::kIpv6, 9)));
  EXPECT_FALSE(back->owns(ServiceKey::firewall_mark(core::AddressFamily::kIpv4, 9)));
}

TEST(Ownership, ReportsEveryBadLine) {
  auto r = decode_ownership("# header\nTCP 10.0.0.1:80\nICMP 10.0.0.1:1\n\nTCP 10.0.0.1:99999\nFWM 0\nTCP 10.0.0.1\n");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("line 3: unknown protocol \"ICMP\""), std::string::npos) << m;
  EXPECT_NE(m.find("line 5: bad port"), std::string::npos) << m;
  EXPECT_NE(m.find("line 6: bad firewall mark"), std::string::npos) << m;
  EXPECT_NE(m.find("line 7: missing :PORT"), std::string::npos) << m;
}

TEST(Ownership, SaveThenLoadAndMissingFileIsEmpty) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("lvsd-own-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string path = (dir / "sub" / "ipvs-owned").string();

  auto missing = load_ownership(path);
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_TRUE(missing->services.empty());

  ASSERT_TRUE(save_ownership(path, sample()).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto loaded = load_ownership(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, sample());

  std::ofstream(path) << "garbage line\n";
  auto bad = load_ownership(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lvsd::director
