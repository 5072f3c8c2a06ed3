//===- place_sim.cpp - The makespan of a placement ------------------------===//
#include "place.h"

#include <algorithm>

double makespan(const std::vector<Job> &Jobs, const std::vector<int> &Where,
                int Machines) {
  std::vector<double> Load(Machines, 0.0);
  for (size_t I = 0; I < Jobs.size() && I < Where.size(); ++I)
    if (Where[I] >= 0 && Where[I] < Machines)
      Load[Where[I]] += Jobs[I].Size;
    else
      return 1e9;
  return *std::max_element(Load.begin(), Load.end());
}
