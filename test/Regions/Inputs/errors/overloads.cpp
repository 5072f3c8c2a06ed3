// Two overloads marked ADRS_EVOLVE: the spec's name is ambiguous.
#include "adrs/Evolve.h"

namespace lb {

ADRS_EVOLVE int pick(int Servers) { return Servers - 1; }
ADRS_EVOLVE int pick(int Servers, int Hint) { return Hint % Servers; }

} // namespace lb
