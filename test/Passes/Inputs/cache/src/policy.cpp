//===- policy.cpp - Which entry the cache evicts --------------------------===//
//
// The simulator's policy file. It includes the C library for the trace
// tools that share it; the regions must not use it.
//
//===----------------------------------------------------------------------===//

#include "cache/cache.h"
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// EVOLVE-BLOCK-START tuning
const double kRecencyWeight = 1.0;
// EVOLVE-BLOCK-END

namespace cache {

void flushAll(Cache &C) { C.Used = 0; }

/// The slot to evict when the cache is full.
int chooseVictim(const Cache &C) {
  int Victim = 0;
  // EVOLVE-BLOCK-START evict
  for (int I = 1; I < C.Used; ++I)
    if (C.Slots[I].LastUse < C.Slots[Victim].LastUse)
      Victim = I;
  // EVOLVE-BLOCK-END
  return Victim;
}

} // namespace cache
