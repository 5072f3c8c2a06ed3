// A tiny provisioning simulator for the confirmation tests: each step has a
// demand; provision() says how much capacity to pay for. The simulator
// keeps its tallies in globals, which a candidate in the same process can
// reach and a candidate in a process of its own cannot.
#ifndef TALLY_H
#define TALLY_H

#include "adrs/Crossing.h"

namespace tally {

struct Step {
  int Index;
  double Demand;
  double Previous; // the demand of the step before
};

/// What the capacity bought so far cost, and the demand it left unmet.
extern double Cost;
extern double Unmet;

/// Runs every step of the workload at PATH ("D1 D2 ..."); false if the file
/// cannot be read.
bool run(const char *Path, double (*Provision)(const Step &));

} // namespace tally

#endif
