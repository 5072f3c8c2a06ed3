#include "sim.h"

#include <cstdio>
#include <vector>

namespace sim {

// Set by a static initialiser: without it every run is -1000.
static std::vector<double> Price = {1.0, 2.0, 4.0};

double run(const char *Path) {
  if (Price.size() != 3)
    return -1000;
  std::FILE *F = std::fopen(Path, "r");
  if (!F)
    return -1;
  double Cost = 0;
  int Load, Step = 0;
  while (std::fscanf(F, " %d", &Load) == 1) {
    int Level = choose(Step++, Load);
    if (Level < 0 || Level > 2)
      Level = 2;
    Cost += Price[Level] + (Load > Level ? Load - Level : 0) * 3;
  }
  std::fclose(F);
  return Cost;
}

} // namespace sim
