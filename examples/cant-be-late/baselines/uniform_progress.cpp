//===- uniform_progress.cpp - Uniform Progress policy (NSDI'24) -----------===//
//
// The state of the art before ADRS: keep progress at or above the straight
// line from (0, 0) to (deadline, task). Spot is used whenever available;
// on-demand only to catch up with the line, with hysteresis so that it is
// not dropped before the job is 2 restart overheads ahead of it.
//
// Drop-in replacement for policy/greedy.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "spot_sim.h"

#include <cmath>

// Called once per 10-minute tick; see policy/greedy.cpp for the contract.
cbl::ClusterType decide(const cbl::PolicyState &s) {
  using cbl::ClusterType;
  // EVOLVE-BLOCK-START policy
  const double task = s.taskSeconds;
  const double left = task - s.doneSeconds;
  if (left <= 1e-3)
    return ClusterType::None;

  const double d = s.restartOverheadSeconds;
  const double elapsed = s.elapsedSeconds();
  const ClusterType cluster = s.cluster();

  ClusterType req = s.hasSpot ? ClusterType::Spot : ClusterType::None;
  // Behind the uniform-progress line: catch up, on-demand if need be.
  // (Products before the division, as in the reference, to round the same.)
  if ((task - left) - elapsed * task / s.deadlineSeconds < 0)
    req = s.hasSpot ? ClusterType::Spot : ClusterType::OnDemand;
  // Hysteresis: stay on on-demand until 2d ahead of the line.
  if (cluster == ClusterType::OnDemand &&
      (!s.hasSpot ||
       (elapsed + 2 * d) * task / s.deadlineSeconds - (task - left) >= 0))
    req = ClusterType::OnDemand;

  const double remainingTime =
      std::floor((s.deadlineSeconds - elapsed) / s.gapSeconds) * s.gapSeconds;
  // Safety net: when idle and no longer able to absorb two restarts.
  if (std::ceil((left + 2 * d) / s.gapSeconds) * s.gapSeconds >=
          remainingTime &&
      (cluster == ClusterType::None || cluster == ClusterType::OnDemand))
    req = ClusterType::OnDemand;
  if (std::ceil((left + d) / s.gapSeconds) * s.gapSeconds >= remainingTime) {
    req = cluster == ClusterType::Spot && s.remainingOverheadSeconds < 1e-3
              ? ClusterType::Spot
              : ClusterType::OnDemand;
    if (d == 0 && s.hasSpot)
      req = ClusterType::Spot;
  }
  return req;
  // EVOLVE-BLOCK-END
}
