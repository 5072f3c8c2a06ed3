//===- adrs/Spec/SpecJSON.h - A spec as JSON --------------------*- C++ -*-===//

#ifndef ADRS_SPEC_SPECJSON_H
#define ADRS_SPEC_SPECJSON_H

#include "adrs/Spec/Spec.h"

#include "llvm/Support/JSON.h"

namespace adrs {
namespace spec {

/// The resolved spec as data: what `adrsc check --dump=json` prints and what
/// a run stores as its spec snapshot.
llvm::json::Value toJSON(const Spec &S);

} // namespace spec
} // namespace adrs

#endif
