//===- Program.cpp - A program as the search sees it ----------------------===//

#include "adrs/Core/Program.h"

#include "llvm/ADT/Hashing.h"

namespace adrs {

uint64_t textKey(const Program &P) {
  llvm::hash_code H = llvm::hash_value(P.size());
  for (const auto &[Region, Text] : P)
    H = llvm::hash_combine(H, llvm::hash_value(Region), llvm::hash_value(Text));
  return uint64_t(size_t(H));
}

} // namespace adrs
