//===- balancer.cpp - Sends each request to a server ----------------------===//

#include "lb/types.h"

namespace lb {

/// Index of the server that takes R, or -1 to drop it.
int pickServer(const Pool &Servers, const Request &R) {
  int Best = -1;
  double BestScore = 0;
  // EVOLVE-BLOCK-START pick
  for (int I = 0; I < Servers.size(); ++I) {
    const Server &S = Servers[I];
    if (!S.Healthy)
      continue;
    double Score = (S.Capacity - S.Load) * tierWeight(R.Class);
    if (Best < 0 || Score > BestScore) {
      Best = I;
      BestScore = Score;
    }
  }
  // EVOLVE-BLOCK-END
  return Best;
}

/// Whether R is admitted at all when the pool is loaded to Utilization.
bool admit(const Request &R, double Utilization) {
  // EVOLVE-BLOCK-START admit
  if (R.Class == Tier::Gold)
    return true;
  if (R.Class == Tier::Silver && Utilization < 0.95)
    return true;
  return Utilization < 0.9;
  // EVOLVE-BLOCK-END
}

double utilization(const Pool &Servers) {
  double Load = 0, Capacity = 0;
  for (const Server &S : Servers) {
    Load += S.Load;
    Capacity += S.Capacity;
  }
  return Capacity > 0 ? Load / Capacity : 1;
}

} // namespace lb
