// Compiled with its own entry of the compilation database: POLICY_SCALE=10
// and sim/inc on the include path.
#include "scale.h"
#include "config.h"

double simWeight() { return POLICY_SCALE + BONUS; }
