//===- Transport.cpp - How an executor reaches its zygote -----------------===//

#include "adrs/Eval/Transport.h"

using namespace llvm;

LLVM_INSTANTIATE_REGISTRY(adrs::eval::TransportRegistry)

namespace adrs {
namespace eval {

Transport::~Transport() = default;

Expected<std::unique_ptr<Transport>> createTransport(spec::ExecutorKind Kind) {
  StringRef Name = spec::toString(Kind);
  for (const TransportRegistry::entry &E : TransportRegistry::entries())
    if (E.getName() == Name)
      return E.instantiate();
  return createStringError(inconvertibleErrorCode(),
                           "no executor transport '%s' is registered",
                           Name.str().c_str());
}

} // namespace eval
} // namespace adrs
