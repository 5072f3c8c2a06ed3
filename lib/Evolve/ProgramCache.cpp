//===- ProgramCache.cpp - Programs by candidate id ------------------------===//

#include "ProgramCache.h"

using namespace llvm;

namespace adrs {
namespace evolve {

void ProgramCache::put(int64_t Id, Program P) {
  auto It = Index.find(Id);
  if (It != Index.end()) {
    Order.erase(It->second);
    Index.erase(It);
  }
  Order.push_front({Id, std::move(P)});
  Index[Id] = Order.begin();
  while (Order.size() > Capacity) {
    Index.erase(Order.back().first);
    Order.pop_back();
  }
}

Expected<const Program *> ProgramCache::get(int64_t Id) {
  auto It = Index.find(Id);
  if (It != Index.end()) {
    Order.splice(Order.begin(), Order, It->second);
    return &It->second->second;
  }
  Expected<std::optional<store::Candidate>> C = Store.candidate(Id);
  if (!C)
    return C.takeError();
  if (!*C)
    return nullptr;
  put(Id, std::move((*C)->Regions));
  return &Order.front().second;
}

} // namespace evolve
} // namespace adrs
