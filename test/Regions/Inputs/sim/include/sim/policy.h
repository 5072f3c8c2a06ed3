//===- sim/policy.h - Admission thresholds, inline for speed --------------===//

#ifndef SIM_POLICY_H
#define SIM_POLICY_H

#include "sim/types.h"

namespace sim {

inline double admissionThreshold(const Machine &M) {
  // EVOLVE-BLOCK-START threshold
  return 0.8 * M.speed;
  // EVOLVE-BLOCK-END
}

} // namespace sim

#endif
