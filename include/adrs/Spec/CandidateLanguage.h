//===- adrs/Spec/CandidateLanguage.h - What region code may use -*- C++ -*-===//
//
// The headers of the default-deny candidate language, shared by the spec's
// `allow headers` (which checks the names it is given) and the allow pass
// (which decides what a region may use). Header names go without brackets:
// "vector", "cmath", "math.h".
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SPEC_CANDIDATELANGUAGE_H
#define ADRS_SPEC_CANDIDATELANGUAGE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace adrs {
namespace spec {

/// Every header of the C++ standard library, and the C library's headers in
/// both spellings (`cmath` and `math.h`).
llvm::ArrayRef<llvm::StringRef> standardHeaders();

/// The standard headers whose declarations region code may use without an
/// `allow headers`: the algorithms, containers, numerics, math and
/// utilities. Never I/O, files, threads, clocks, randomness or raw memory.
llvm::ArrayRef<llvm::StringRef> defaultAllowedHeaders();

/// The C++ spelling of a C library header (`math.h` -> `cmath`); any other
/// name is returned as it is.
std::string cxxHeaderName(llvm::StringRef Header);

/// True if \p Header (either spelling) is in defaultAllowedHeaders().
bool isDefaultAllowedHeader(llvm::StringRef Header);

} // namespace spec
} // namespace adrs

#endif
