// Round robin from the second server on, where the offset is a variable
// with a dynamic initialiser: a compiled candidate carried to a later stage
// (compile-once.test) must run its initialisers there too.
#include "lb.h"

#include <cstdlib>

static const int Offset = std::atoi("1");

int assign(const lb::View &v) {
  // EVOLVE-BLOCK-START assign
  return int((v.JobIndex + Offset) % v.NumServers);
  // EVOLVE-BLOCK-END
}
