//===- adrs/Passes/AllowList.h - The candidate language ---------*- C++ -*-===//
//
// The `allow` pass: what code inside the regions may call and use, instead
// of what it may not. Region code may use the C++ standard library's
// algorithms, containers, numerics, math and utilities, the C math
// functions, the problem's own declarations outside the regions, its own
// declarations, and what the spec adds with `allow`; everything else is
// refused, with the construct, its line and why. On top of that the pass
// refuses what reaches memory the region did not create or reinterprets
// it (pointer arithmetic, subscripts on pointers, casts between pointer
// types or away from const, new and delete, unions), assembly, declarations
// that bind a name to a symbol of the process, and preprocessor directives,
// line markers, pragmas, digraphs and trigraphs written in a region.
// docs/evaluator.md describes the language.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PASSES_ALLOWLIST_H
#define ADRS_PASSES_ALLOWLIST_H

#include "adrs/Passes/Pass.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace adrs {
namespace passes {

class AllowListPass : public CandidatePass {
public:
  void run(PassContext &Ctx) override;
};

namespace allowlist {

/// The C math library (<math.h>: `sqrt`, `floorf`, `lround`, ...) and the
/// integer `abs`, `labs`, `llabs`: the C functions region code may call.
bool isCMathFunction(llvm::StringRef Name);

/// The compiler builtins region code may call: bit counting and byte swaps,
/// overflow checks, floating-point classification, and the builtin forms
/// of the C math functions (`__builtin_sqrt`, `__builtin_inf`).
bool isAllowedBuiltin(llvm::StringRef Name);

/// A header file as the candidate language sees it.
struct LibraryFile {
  /// Part of the C++ standard library's headers (libstdc++ or libc++).
  bool IsCxxLibrary = false;
  /// The public headers (`vector`, `cmath`) the file belongs to: itself
  /// for a public header; for an internal one the headers libstdc++ names
  /// with `@headername{...}`, or libc++'s directory (`__algorithm/` is
  /// `algorithm`). Empty for an internal file that belongs to none.
  std::vector<std::string> Headers;
};

/// Classifies the system header at \p Path, whose text is \p Text.
LibraryFile classifyLibraryFile(llvm::StringRef Path, llvm::StringRef Text);

} // namespace allowlist
} // namespace passes
} // namespace adrs

#endif
