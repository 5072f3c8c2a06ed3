//===- weights.cpp - How much each tier of service counts -----------------===//

#include "adrs/Evolve.h"
#include "lb/types.h"

namespace lb {

ADRS_EVOLVE double tierWeight(Tier T) {
  switch (T) {
  case Tier::Gold:
    return 4.0;
  case Tier::Silver:
    return 2.0;
  case Tier::Bronze:
    break;
  }
  return 1.0;
}

} // namespace lb
