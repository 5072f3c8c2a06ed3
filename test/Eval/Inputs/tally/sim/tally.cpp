#include "tally.h"

#include <algorithm>
#include <cstdio>

namespace tally {

double Cost = 0;
double Unmet = 0;

bool run(const char *Path, double (*Provision)(const Step &)) {
  std::FILE *F = std::fopen(Path, "r");
  if (!F)
    return false;
  Cost = Unmet = 0;
  Step S{0, 0, 0};
  double D;
  while (std::fscanf(F, " %lf", &D) == 1) {
    S.Demand = D;
    double Capacity = Provision(S);
    if (!(Capacity >= 0))
      Capacity = 0;
    Cost += Capacity;
    Unmet += std::max(0.0, D - Capacity);
    S.Previous = D;
    ++S.Index;
  }
  std::fclose(F);
  return S.Index > 0;
}

} // namespace tally
