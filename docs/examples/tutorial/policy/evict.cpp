//===- evict.cpp - Which entry leaves the cache (the initial program) -----===//
//
// Least recently used, with a small bonus for entries that were hit before:
// each hit, up to maxHits, counts as hitBonus cache lifetimes of recency.
//
//===----------------------------------------------------------------------===//

#include "cache_sim.h"

#include <algorithm>

// Called on a miss when the cache is full. Return the index of the entry to
// evict, 0 .. v.Size - 1. v.Entries[i] gives each entry's key, insertion
// time, last access time and hits; v.Now is the current time.
int choose_victim(const cache::View &v) {
  // EVOLVE-BLOCK-START evict
  const double hitBonus = 0.1; // cache lifetimes of recency, per hit
  const int maxHits = 4;       // hits beyond this earn nothing more
  auto score = [&](const cache::Entry &e) {
    const double age = double(v.Now - e.LastAccess) / v.Capacity;
    return age - hitBonus * std::min(e.Hits, maxHits);
  };
  // The entry with the highest score goes (the first one, on a tie).
  const cache::Entry *victim = std::max_element(
      v.Entries, v.Entries + v.Size,
      [&](const cache::Entry &a, const cache::Entry &b) {
        return score(a) < score(b);
      });
  return int(victim - v.Entries);
  // EVOLVE-BLOCK-END
}
