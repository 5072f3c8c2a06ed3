//===- placement.cpp - Where a job runs -----------------------------------===//

#include "adrs/Evolve.h"
#include "sim/types.h"

#include <algorithm>
#include <vector>

// A free function: the whole definition is the region.
ADRS_EVOLVE double score(const sim::Job &J, const sim::Machine &M) {
  return M.speed / (1.0 + M.load()) - 0.01 * J.size;
}

namespace sim {
namespace placement {

// A function in a namespace, named unqualified or qualified in the spec.
ADRS_EVOLVE int spread(const std::vector<Machine> &Ms) {
  return static_cast<int>(std::count_if(
      Ms.begin(), Ms.end(), [](const Machine &M) { return !M.busy; }));
}

} // namespace placement

// A method.
ADRS_EVOLVE const Machine *Cluster::pick(const Job &J) const {
  const Machine *Best = nullptr;
  for (const Machine &M : Machines)
    if (!M.busy && (!Best || score(J, M) > score(J, *Best)))
      Best = &M;
  return Best;
}

} // namespace sim

#include "sim/shared.h"

double retryDelay(int Retries) { return 60 * sim::backoff(Retries); }
