//===- place.cpp - What placing a job costs -------------------------------===//

#include "adrs/Evolve.h"
#include "multi/weights.h"

ADRS_EVOLVE double placeCost(int Job) { return weight(Job) * 2.0; }
