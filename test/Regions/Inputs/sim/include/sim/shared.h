//===- sim/shared.h - Helpers both the scheduler and placement use --------===//

#ifndef SIM_SHARED_H
#define SIM_SHARED_H

namespace sim {

inline double backoff(int Retries) {
  // EVOLVE-BLOCK-START backoff
  return 1.0 + Retries * 0.5;
  // EVOLVE-BLOCK-END
}

} // namespace sim

#endif
