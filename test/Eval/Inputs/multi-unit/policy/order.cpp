//===- order.cpp - What ordering a job costs ------------------------------===//

#include "multi/weights.h"

// Defined in place.cpp, another unit a candidate may change.
double placeCost(int Job);

double orderCost(int Job) {
  // EVOLVE-BLOCK-START order
  return weight(Job) + 10.0;
  // EVOLVE-BLOCK-END
}
