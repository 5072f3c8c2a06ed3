//===- ReusableCode.h - A candidate unit's unreached code ---*- C++ -*-===//
//
// A candidate's unit is compiled whole for every candidate, although most of
// a real project's file (LevelDB's db/version_set.cc: 1,500 lines around
// three small regions) is the same in all of them. The baseline's build of
// the unit, linked at setup, already holds that code. A function whose
// every path stays clear of the regions -- it calls no function and reads no
// variable that a region defines, directly or through other code -- does
// the same in the baseline as in any candidate, so a candidate's parse can
// leave its body out and call the baseline's definition instead.
//
// The bodies are blanked out byte for byte (a member's whole definition, a
// free function's body down to a ';'), newlines kept, so that every line,
// column and offset the passes and the diagnostics see stays where it was.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_JIT_REUSABLECODE_H
#define ADRS_LIB_JIT_REUSABLECODE_H

#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace clang {
class ASTContext;
} // namespace clang

namespace adrs {
namespace jit {

/// A function of a unit whose baseline definition serves every candidate.
struct ReusableFunction {
  /// The bytes [Begin, End) of the unit blanked out in a candidate's parse.
  size_t Begin = 0, End = 0;
  /// Whether a ';' takes the first byte's place: a free function stays
  /// declared; a member is declared by its class already, and an
  /// out-of-line declaration of it would be an error.
  bool KeepsDeclaration = false;
  std::string Name; ///< Its IR (mangled) name.
};

/// What of a unit a candidate's parse may leave out.
struct ReusableCode {
  std::vector<ReusableFunction> Functions; ///< In the order of the text.
  /// Why none may be left out, when that is the case.
  std::string WhyNone;
};

/// Finds the functions of the unit \p Ctx parsed (its main file) that no
/// region reaches: those of \p Regions (byte ranges of the main file) and
/// of \p HeaderRegions (byte ranges of headers the unit includes, by
/// path).
ReusableCode findReusableCode(
    clang::ASTContext &Ctx,
    const std::vector<std::pair<size_t, size_t>> &Regions,
    const std::map<std::string, std::vector<std::pair<size_t, size_t>>>
        &HeaderRegions = {});

/// Whether \p Text is \p Baseline outside the regions, \p To in \p Text
/// and \p From in \p Baseline (the same regions, in the same order), byte
/// for byte.
bool sameOutsideRegions(llvm::StringRef Text, llvm::StringRef Baseline,
                        const std::vector<std::pair<size_t, size_t>> &From,
                        const std::vector<std::pair<size_t, size_t>> &To);

/// \p Text, a candidate's text of the unit whose baseline text is
/// \p Baseline, with the reusable functions blanked out; \p Baseline's
/// regions are \p From and the candidate's \p To (the same regions, in the
/// same order). Only functions whose bytes are the same in both texts are
/// left out, and their names are put in \p Left; nothing when the regions
/// do not correspond.
std::optional<std::string>
withoutReusableCode(llvm::StringRef Text, llvm::StringRef Baseline,
                    const ReusableCode &Code,
                    const std::vector<std::pair<size_t, size_t>> &From,
                    const std::vector<std::pair<size_t, size_t>> &To,
                    std::set<std::string> &Left);

} // namespace jit
} // namespace adrs

#endif // ADRS_LIB_JIT_REUSABLECODE_H
