//===- score.cpp - How much an entry is worth keeping ---------------------===//

#include "adrs/Evolve.h"
#include "cache/cache.h"

namespace cache {

ADRS_EVOLVE double priority(const Entry &E, long Now) {
  double Age = double(Now - E.LastUse);
  double Score = E.Hits * 2.0 - Age / 100;
  if (E.LastKind == Kind::Scan)
    Score -= 10;
  for (int I = 0; I < E.SizeKB; ++I)
    for (int J = 0; J < 2; ++J)
      Score -= 0.25;
  return Score > 0 && E.Hits > 1 ? Score : 0;
}

} // namespace cache
