#pragma once
// Desired IPVS table vs the kernel's table -> the minimal ordered plan.
// Pure: no socket, no clock. The daemon dumps the kernel (ipvs_client),
// calls reconcile(), applies the plan, then records ownership.
#include <cstddef>
#include <span>

#include "director/operation.hpp"
#include "director/ownership.hpp"
#include "director/types.hpp"

namespace lvsd::director {

struct ReconcileOptions {
  // Remove kernel services that lvsd does not own (global.lvs_flush). Off:
  // services someone else created are left alone.
  bool flush_foreign = false;
};

// The plan that makes `kernel` equal to `desired` for every desired service,
// and removes the services that are no longer desired but owned (or all
// undesired ones with flush_foreign).
//
// Order:
//   1. per desired service, in `desired` order: NEW_SERVICE or SET_SERVICE
//      first, then its DEL_DEST, SET_DEST, NEW_DEST (a destination always
//      after the service it belongs to);
//   2. then DEL_SERVICE for each service to remove. The kernel drops a
//      service's destinations with it, so none are deleted one by one;
//      every DEL_DEST in a plan comes before every DEL_SERVICE.
// Only what differs is changed: an unchanged table gives an empty plan;
// a changed weight, threshold or forwarding method gives one SET_DEST; a
// changed scheduler, flags, persistence timeout, granularity or engine gives
// one SET_SERVICE. Stats and connection counters are never compared.
// A desired service or destination listed twice is taken once (first wins).
ReconcilePlan reconcile(const IpvsTable& desired, const IpvsTable& kernel, const OwnershipRecord& owned,
                        const ReconcileOptions& options = {});

// What lvsd owns after `plan` was applied: `before`, plus every desired
// service except those whose NEW_SERVICE failed (a desired service that
// already existed is adopted), minus the services a successful DEL_SERVICE
// removed. `failed` holds the indices into plan.operations that failed.
OwnershipRecord ownership_after(const OwnershipRecord& before, const IpvsTable& desired, const ReconcilePlan& plan,
                                std::span<const std::size_t> failed);

// The kernel table as it is after `plan` ran on `before`, assuming the kernel
// did what each operation not listed in `failed` asked. Lets the daemon diff a
// config reload against its last view without dumping 1,000 services again;
// the periodic resync dumps and repairs any drift. The result has no
// destination counters (VirtualService::counters).
// `before` is taken by value: a caller done with it moves it in.
IpvsTable table_after(IpvsTable before, const ReconcilePlan& plan, std::span<const std::size_t> failed);

}  // namespace lvsd::director
