//===- cache_sim.h - A fixed-size cache replaying an access trace -*- C++ -*-===//
//
// A cache holds at most Capacity keys. The trace is replayed one access at a
// time; an access to a key in the cache is a hit, any other access a miss,
// and the missed key is then inserted. When the cache is full, a policy,
// choose_victim(), picks the entry that makes room.
//
// The simulator checks every decision: a victim index out of range counts as
// an invalid victim and entry 0 is evicted instead, so a broken policy is
// caught here, outside the evolved region.
//
//===----------------------------------------------------------------------===//

#ifndef CACHE_SIM_H
#define CACHE_SIM_H

#include "adrs/Crossing.h"

#include <string>
#include <vector>

namespace cache {

/// One trace file, parsed.
struct Trace {
  int Capacity = 0;       ///< Entries the cache holds.
  std::vector<long> Keys; ///< The accesses, in order.
};

/// Reads a trace: a line `capacity N`, then one key (an integer) per line.
/// Blank lines and lines starting with '#' are ignored.
bool loadTrace(const std::string &Path, Trace &Out, std::string &Error);

/// What the policy sees about one cached entry.
struct Entry {
  long Key;
  long InsertedAt; ///< Time of the miss that brought it in.
  long LastAccess; ///< Time of its latest access.
  int Hits;        ///< Hits since it was inserted.
};

/// What the policy sees on a miss with a full cache. Time counts accesses:
/// the first access of the trace is at time 0.
struct View {
  long Now;              ///< Time of this access.
  long Key;              ///< The key that missed and needs room.
  const Entry *Entries;  ///< Entries[0 .. Size-1], a copy of the cache.
  int Size;              ///< Entries in the cache (= Capacity).
  int Capacity;
};

struct Result {
  long Accesses = 0;
  long Misses = 0;
  long InvalidVictims = 0; ///< Decisions outside 0 .. Size-1.
};

/// Replays T through a cache of T.Capacity entries.
Result simulate(const Trace &T, int (*ChooseVictim)(const View &));

} // namespace cache

/// How a View reaches the policy when adrsc confirms a would-be best with
/// the policy in a process of its own: the struct, and the entries it
/// points to.
template <> struct adrs::Crossing<cache::View> {
  static void write(const cache::View &V, adrs::CrossingWriter &W) {
    W.value(V);
    W.array(V.Entries, std::size_t(V.Size > 0 ? V.Size : 0));
  }
  static void read(cache::View &V, adrs::CrossingReader &R) {
    R.value(V);
    V.Entries = R.array<cache::Entry>(std::size_t(V.Size > 0 ? V.Size : 0));
  }
};

#endif // CACHE_SIM_H
