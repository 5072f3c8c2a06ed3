// A C++11 unit whose class is constructed elsewhere: the constructor and
// destructor are called from sim/sim.cpp, a unit no candidate changes.
#include "pacer.h"

Pacer::Pacer(int Base) : Base(Base), Calls(0) {}

Pacer::~Pacer() {}

int Pacer::next(int X) {
  ++Calls;
  // EVOLVE-BLOCK-START pace
  return Base * X;
  // EVOLVE-BLOCK-END
}
