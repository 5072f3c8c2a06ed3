//===- greedy.cpp - Greedy multi-region policy (the initial program) ------===//
//
// The leaderboard's initial program (SimpleGreedyMultiRegionStrategy): spot
// whenever the current region has it; otherwise move on to the next region
// and wait; on-demand once the work left barely fits before the deadline.
//
//===----------------------------------------------------------------------===//

#include "multi_sim.h"

#include <algorithm>
#include <cmath>

// Called once per 195-second tick. `s` holds the time, the job (task,
// deadline, restart overhead, progress so far), what ran during the
// previous tick (`s.last`, or `s.cluster()` after a preemption), the current
// region and, for every region k, whether it has spot now
// (`s.spotAvailable(k)`) and its spot price (`s.spotPrice(k)`). Return the
// cluster for this tick (Spot, ignored where unavailable; OnDemand; or None
// to wait) and the region to run it in: switching region is free and
// immediate, and keeping spot while moving to a region that has it costs no
// restart. Each start of a different cluster type costs the restart
// overhead in lost progress. The simulator enforces the deadline itself.
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
  const double needWithOneRestart = std::ceil((left + d) / gap) * gap;
  const double needWithTwoRestarts = std::ceil((left + 2 * d) / gap) * gap;

  // Out of time: keep a running spot instance, else on-demand.
  if (needWithOneRestart >= timeLeft)
    return {s.last == ClusterType::Spot && s.remainingOverheadSeconds < 1e-3
                ? ClusterType::Spot
                : ClusterType::OnDemand,
            Decision::kStay};
  // Too tight to survive another preemption: keep spot only if it runs.
  if (needWithTwoRestarts >= timeLeft)
    return {s.last == ClusterType::Spot && s.hasSpot ? ClusterType::Spot
                                                     : ClusterType::OnDemand,
            Decision::kStay};
  if (s.hasSpot)
    return {ClusterType::Spot, Decision::kStay};
  // No spot here: try the next region, and wait for this tick.
  return {ClusterType::None, (s.region + 1) % s.numRegions};
  // EVOLVE-BLOCK-END
}
