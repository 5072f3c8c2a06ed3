//===- admission.cpp - Whether a job may enter the cluster ----------------===//

#include "sim/policy.h"
#include "sim/shared.h"
#include "sim/types.h"

#include <algorithm>
#include <vector>

namespace sim {

Action admit(const Job &J, const Machine &M, double Now) {
  const double Budget = J.deadline - Now;
  int Attempts = J.retries;
  // EVOLVE-BLOCK-START admit
  double Needed = estimateRuntime(J, M) * backoff(Attempts);
  double Ticks = clampTo(Needed / gTickSeconds, 0.0, 1e6);
  int Tries = clampTo(Attempts, 0, kMaxRetries);
  Window<double> Recent;
  Window<int> Counts;
  Counts.Sum += Tries;
  if (Tries >= kMaxRetries || Ticks * gTickSeconds > Budget + Recent.mean())
    return Action::Wait;
  JobQueue Pending{J};
  return std::min(M.load(), admissionThreshold(M)) < 1 ? Action::Run
                                                       : Action::Wait;
  // EVOLVE-BLOCK-END
}

} // namespace sim
