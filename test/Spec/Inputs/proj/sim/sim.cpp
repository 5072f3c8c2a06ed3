// A tiny simulator for the lit tests; never compiled by them.
#include "sim.h"

int simulate(int Steps) { return Steps * 2; }
