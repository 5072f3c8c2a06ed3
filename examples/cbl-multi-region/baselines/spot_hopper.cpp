//===- spot_hopper.cpp - Greedy that moves to where spot is ---------------===//
//
// The greedy initial program with one change, written for this example
// (it is not a published solution): when the current region has no spot,
// it moves to the cheapest region that has spot now and runs spot there,
// instead of moving to the next region and waiting a tick. With spot in
// the new region the move costs no restart when spot was running, since
// switching region is free. The deadline rules are the greedy's.
// Drop-in replacement for policy/greedy.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "multi_sim.h"

#include <algorithm>
#include <cmath>

cblm::Decision decide(const cblm::PolicyState &s) {
  using cblm::ClusterType;
  using cblm::Decision;
  // EVOLVE-BLOCK-START policy
  const double left = s.taskSeconds - s.doneSeconds;
  if (left <= 1e-3)
    return {ClusterType::None, Decision::kStay};

  const double gap = s.gapSeconds;
  const double d = s.restartOverheadSeconds;
  const double timeLeft =
      std::floor((s.deadlineSeconds - s.elapsedSeconds()) / gap) * gap;
  if (std::ceil((left + d) / gap) * gap >= timeLeft)
    return {s.last == ClusterType::Spot && s.remainingOverheadSeconds < 1e-3
                ? ClusterType::Spot
                : ClusterType::OnDemand,
            Decision::kStay};
  if (std::ceil((left + 2 * d) / gap) * gap >= timeLeft)
    return {s.last == ClusterType::Spot && s.hasSpot ? ClusterType::Spot
                                                     : ClusterType::OnDemand,
            Decision::kStay};
  if (s.hasSpot)
    return {ClusterType::Spot, Decision::kStay};
  // The cheapest region with spot now (the lowest index on ties).
  int best = -1;
  for (int k = 0; k < s.numRegions; ++k)
    if (s.spotAvailable(k) && (best < 0 || s.spotPrice(k) < s.spotPrice(best)))
      best = k;
  if (best >= 0)
    return {ClusterType::Spot, best};
  return {ClusterType::None, Decision::kStay};
  // EVOLVE-BLOCK-END
}
