// The initial policy: half again the demand. The headers are for the
// candidates of the tests.
#include "tally.h"

#include <cmath>
#include <cstdio>
#include <cstring>

double provision(const tally::Step &s) {
  // EVOLVE-BLOCK-START provision
  return s.Demand * 1.5;
  // EVOLVE-BLOCK-END
}
