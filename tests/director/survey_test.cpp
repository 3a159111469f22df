// TableSurveyor: a service read from the kernel is kept only when it is not
// what its expected digest says; expected services never read are missing.
#include "director/survey.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

namespace lvsd::director {
namespace {

core::IpAddress ip(const std::string& text) { return core::IpAddress::parse(text).value(); }

VirtualService service(const std::string& vip, std::vector<std::int32_t> weights) {
  VirtualService vs{.service = Service{{.key = ServiceKey::inet(Protocol::kTcp, ip(vip), 80), .scheduler = "wrr"}}};
  int host = 1;
  for (auto w : weights) {
    vs.destinations.push_back({.endpoint = {ip("10.2.0." + std::to_string(host++)), 80}, .weight = w});
    vs.counters.push_back({.active_connections = 7});  // a dump's counters never count
  }
  return vs;
}

std::vector<std::string> keys_of(const IpvsTable& t) {
  std::vector<std::string> out;
  for (const auto& vs : t.services) out.push_back(describe(vs.service.key));
  return out;
}

IpvsTable desired() {
  return {.services = {service("10.1.0.3", {1, 2}), service("10.1.0.1", {1}), service("10.1.0.2", {5, 5, 5})}};
}

TEST(TableSurveyor, DigestsAreSortedByKeyOnePerService) {
  const ServiceDigests d = digests_of(desired());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_TRUE(std::is_sorted(d.begin(), d.end(), [](const auto& a, const auto& b) { return a.key < b.key; }));
  EXPECT_EQ(describe(d[0].key), "TCP 10.1.0.1:80");
}

TEST(TableSurveyor, KernelAsExpectedKeepsNothingWhateverTheOrder) {
  TableSurveyor s(std::make_shared<const ServiceDigests>(digests_of(desired())));
  // The kernel's own order: services by hash, destinations newest first.
  VirtualService third = service("10.1.0.2", {5, 5, 5});
  std::reverse(third.destinations.begin(), third.destinations.end());
  s.add(service("10.1.0.1", {1}));
  s.add(third);
  s.add(service("10.1.0.3", {1, 2}));
  const TableSurvey survey = std::move(s).finish();
  EXPECT_TRUE(survey.as_expected());
}

TEST(TableSurveyor, KeepsChangedAndUnexpectedServicesWholeAndNamesMissingOnes) {
  TableSurveyor s(std::make_shared<const ServiceDigests>(digests_of(desired())));
  s.add(service("10.1.0.3", {1, 9}));  // a weight changed by hand
  s.add(service("10.1.0.1", {1}));
  s.add(service("10.9.9.9", {1}));  // someone else's
  // 10.1.0.2 was deleted by hand
  const TableSurvey survey = std::move(s).finish();
  EXPECT_EQ(keys_of(survey.differing), (std::vector<std::string>{"TCP 10.1.0.3:80", "TCP 10.9.9.9:80"}));
  EXPECT_EQ(survey.differing.services[0].destinations[1].weight, 9);
  EXPECT_EQ(survey.differing.services[0].counters.size(), 2u);
  ASSERT_EQ(survey.missing.size(), 1u);
  EXPECT_EQ(describe(survey.missing[0]), "TCP 10.1.0.2:80");
  EXPECT_FALSE(survey.as_expected());
}

TEST(TableSurveyor, AMissingDestinationIsADifference) {
  TableSurveyor s(std::make_shared<const ServiceDigests>(digests_of(desired())));
  s.add(service("10.1.0.1", {1}));
  s.add(service("10.1.0.2", {5, 5}));
  s.add(service("10.1.0.3", {1, 2}));
  EXPECT_EQ(keys_of(std::move(s).finish().differing), (std::vector<std::string>{"TCP 10.1.0.2:80"}));
}

TEST(TableSurveyor, WithoutExpectedDigestsEveryServiceIsKept) {
  TableSurveyor s(nullptr);
  for (auto& vs : desired().services) s.add(vs);
  const TableSurvey survey = std::move(s).finish();
  EXPECT_EQ(survey.differing.services.size(), 3u);
  EXPECT_TRUE(survey.missing.empty());
}

TEST(TableSurveyor, EmptyKernelMissesEveryExpectedService) {
  TableSurveyor s(std::make_shared<const ServiceDigests>(digests_of(desired())));
  EXPECT_EQ(std::move(s).finish().missing.size(), 3u);
}

}  // namespace
}  // namespace lvsd::director
