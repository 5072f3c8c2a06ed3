// ADRS_EVOLVE hidden in a macro: the region is not written in the file.
#include "adrs/Evolve.h"

#define DEFINE_POLICY(NAME, EXPR)                                              \
  ADRS_EVOLVE int NAME(int Servers, int Hint) { return EXPR; }

namespace lb {

DEFINE_POLICY(roundRobin, Hint % Servers)

} // namespace lb
