//===- greedy.cpp - Greedy spot policy (the initial program) --------------===//
//
// Use spot whenever it is available and wait otherwise, falling back to
// on-demand only once the remaining work barely fits before the deadline.
//
//===----------------------------------------------------------------------===//

#include "spot_sim.h"

#include <algorithm>
#include <cmath>

// Called once per 10-minute tick. `s` holds the time (tick, elapsed), the job
// (task, deadline, restart overhead, progress so far), what ran during the
// previous tick (`s.last`, or `s.cluster()` after a preemption) and whether
// spot is available now. Return the cluster to run for this tick: Spot
// (ignored while unavailable), OnDemand, or None to wait. Each switch to a
// different non-None type costs the restart overhead in lost progress. The
// simulator enforces the deadline itself, so this only has to be cheap.
cbl::ClusterType decide(const cbl::PolicyState &s) {
  using cbl::ClusterType;
  // EVOLVE-BLOCK-START policy
  const double left = s.taskSeconds - s.doneSeconds;
  if (left <= 1e-9)
    return ClusterType::None;

  const double d = s.restartOverheadSeconds;
  const double ticksLeft = std::max(
      0.0, std::floor((s.deadlineSeconds - s.elapsedSeconds()) / s.gapSeconds));
  const double needWithOneRestart = std::ceil((left + d) / s.gapSeconds);
  const double needWithTwoRestarts = std::ceil((left + 2 * d) / s.gapSeconds);

  // Greedy turns to on-demand only when the work left (with one more
  // restart) fills every tick left: a margin of 1.
  const double margin = 1.0;
  if (needWithOneRestart * margin >= ticksLeft)
    return ClusterType::OnDemand;
  // Too tight to survive another preemption: keep a running spot instance,
  // but do not start a new one.
  if (needWithTwoRestarts >= ticksLeft)
    return s.cluster() == ClusterType::Spot && s.hasSpot
               ? ClusterType::Spot
               : ClusterType::OnDemand;
  return s.hasSpot ? ClusterType::Spot : ClusterType::None;
  // EVOLVE-BLOCK-END
}
