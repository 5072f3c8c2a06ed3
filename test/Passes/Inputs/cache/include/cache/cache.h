//===- cache/cache.h - The cache simulator's data model -------------------===//

#ifndef CACHE_CACHE_H
#define CACHE_CACHE_H

namespace cache {

enum class Kind { Read, Write, Scan };

struct Entry {
  long Key = 0;
  long LastUse = 0;  // tick of the last hit
  int Hits = 0;
  int SizeKB = 4;
  Kind LastKind = Kind::Read;
};

constexpr int kSlots = 16;

/// Counts of reuse distances, in N buckets.
template <int N> struct Histogram {
  int Buckets[N] = {};
  int size() const { return N; }
};

struct Cache {
  Entry Slots[kSlots];
  int Used = 0;
  long Now = 0;
};

/// Drops every entry; only the simulator may call it.
void flushAll(Cache &C);

} // namespace cache

#endif
