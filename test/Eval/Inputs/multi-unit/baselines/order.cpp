//===- order.cpp - A reference that orders at a flat cost ------------------===//

#include "multi/weights.h"

double placeCost(int Job);

double orderCost(int Job) {
  // EVOLVE-BLOCK-START order
  return weight(Job) + 1.0;
  // EVOLVE-BLOCK-END
}
