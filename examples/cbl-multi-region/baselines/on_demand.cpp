//===- on_demand.cpp - On-demand from the first tick (the 0-point anchor) -===//
//
// The whole job on on-demand in region 0: 890 ticks at 3.06 $/h, $147.52 a
// run, above the score's $146.88 anchor (the 48 hours without the restart
// overhead and the tick rounding), so the score is 0. Drop-in replacement
// for policy/greedy.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "multi_sim.h"

cblm::Decision decide(const cblm::PolicyState &s) {
  using cblm::ClusterType;
  using cblm::Decision;
  // EVOLVE-BLOCK-START policy
  if (s.taskSeconds - s.doneSeconds <= 1e-3)
    return {ClusterType::None, Decision::kStay};
  return {ClusterType::OnDemand, Decision::kStay};
  // EVOLVE-BLOCK-END
}
