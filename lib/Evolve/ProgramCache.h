//===- ProgramCache.h - Programs by candidate id ----------------*- C++ -*-===//
//
// The recent programs in memory, the rest read back from the run database
// when asked for, so that memory does not grow with the run.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_EVOLVE_PROGRAMCACHE_H
#define ADRS_LIB_EVOLVE_PROGRAMCACHE_H

#include "adrs/Core/Program.h"
#include "adrs/Store/RunStore.h"

#include <list>
#include <unordered_map>

namespace adrs {
namespace evolve {

class ProgramCache {
public:
  ProgramCache(store::RunStore &Store, size_t Capacity)
      : Store(Store), Capacity(Capacity) {}

  void put(int64_t Id, Program P);
  /// The program of candidate \p Id; none when no such candidate finished.
  /// An error when the database cannot be read.
  llvm::Expected<const Program *> get(int64_t Id);

private:
  using Entry = std::pair<int64_t, Program>;
  store::RunStore &Store;
  size_t Capacity;
  std::list<Entry> Order; ///< Most recently used first.
  std::unordered_map<int64_t, std::list<Entry>::iterator> Index;
};

} // namespace evolve
} // namespace adrs

#endif
