#include "director/survey.hpp"

#include <algorithm>
#include <utility>

namespace lvsd::director {

namespace {
bool by_key(const ServiceDigest& a, const ServiceDigest& b) { return a.key < b.key; }
}  // namespace

ServiceDigests digests_of(const IpvsTable& table) {
  ServiceDigests out;
  out.reserve(table.services.size());
  for (const auto& vs : table.services) out.push_back({.key = vs.service.key, .digest = settings_digest(vs)});
  std::sort(out.begin(), out.end(), by_key);
  return out;
}

TableSurveyor::TableSurveyor(std::shared_ptr<const ServiceDigests> expected)
    : expected_(std::move(expected)), seen_(expected_ ? expected_->size() : 0, false) {}

void TableSurveyor::add(VirtualService service) {
  if (expected_) {
    const ServiceDigest probe{.key = service.service.key};
    auto it = std::lower_bound(expected_->begin(), expected_->end(), probe, by_key);
    if (it != expected_->end() && it->key == probe.key) {
      seen_[static_cast<std::size_t>(it - expected_->begin())] = true;
      if (it->digest == settings_digest(service)) return;
    }
  }
  survey_.differing.services.push_back(std::move(service));
}

TableSurvey TableSurveyor::finish() && {
  for (std::size_t i = 0; i < seen_.size(); ++i) {
    if (!seen_[i]) survey_.missing.push_back((*expected_)[i].key);
  }
  return std::move(survey_);
}

}  // namespace lvsd::director
