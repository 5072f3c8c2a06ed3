// Compiles only with the define of its own entry in the compilation
// database (POLICY_SCALE=3, BONUS=1).
#include "scale.h"

double policy(double x) {
  // EVOLVE-BLOCK-START policy
  return x * POLICY_SCALE + BONUS;
  // EVOLVE-BLOCK-END
}
