//===- retry.cpp - How long a preempted job waits before it retries -------===//

#include "sim/types.h"

#include <algorithm>

namespace sim {

double retryDelaySeconds(const Job &J) {
  // The only block of this file: the spec may leave its name out.
  // EVOLVE-BLOCK-START
  double Delay = gTickSeconds * (1 << std::min(J.retries, kMaxRetries));
  return std::min(Delay, 3600.0);
  // EVOLVE-BLOCK-END
}

} // namespace sim
