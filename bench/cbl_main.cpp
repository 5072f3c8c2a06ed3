// A standalone driver for the Can't Be Late example, used only by the
// overhead benchmark to time a conventional whole-program build.
#include "spot_sim.h"

#include <cstdio>

cbl::ClusterType decide(const cbl::PolicyState &s);

int main(int argc, char **argv) {
  std::vector<cbl::Trace> Traces;
  std::string Error;
  if (argc < 2 || !cbl::loadTraces(argv[1], Traces, Error))
    return 1;
  std::printf("%.4f\n", cbl::evaluate(Traces, decide).avgCost);
  return 0;
}
