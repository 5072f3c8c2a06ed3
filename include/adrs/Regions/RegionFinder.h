//===- adrs/Regions/RegionFinder.h - Finding the spec's regions -*- C++ -*-===//

#ifndef ADRS_REGIONS_REGIONFINDER_H
#define ADRS_REGIONS_REGIONFINDER_H

#include "adrs/Regions/Region.h"
#include "adrs/Spec/Spec.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace adrs {
namespace regions {

/// Finds every region the spec names, in the spec's order, with context.
/// Problems (unbalanced markers, a block cutting a declaration in half, a
/// region in a macro expansion or in a header compiled twice, sources that
/// do not compile, a region the spec names that is not there) are reported
/// to \p Diags at the source or spec line; then the result is an error.
llvm::Expected<std::vector<Region>> findRegions(const spec::Spec &S,
                                                DiagnosticEngine &Diags);

/// What checkEvaluator() found.
enum class EvaluatorCheck {
  Found,         ///< The spec's C++ evaluator is defined where it says.
  Missing,       ///< It is not; an error on \p Diags says what is there.
  NotChecked,    ///< Its files do not compile as they are.
  NotApplicable, ///< The evaluator is a command.
};

/// Looks for the spec's C++ evaluator, `void NAME(adrs::EvalContext &)` at
/// namespace scope, in its files, so that a wrong name is found before
/// anything is compiled for running. Fails only when Clang cannot run.
llvm::Expected<EvaluatorCheck> checkEvaluator(const spec::Spec &S,
                                              DiagnosticEngine &Diags);

/// Loads the spec's compilation database, if it names one, so that a
/// missing or malformed compile_commands.json is reported once, at the
/// `compdb` statement (or against `-p`), before anything is compiled.
/// False when it was reported.
bool checkCompilationDatabase(const spec::Spec &S, DiagnosticEngine &Diags);

/// How the spec's translation units (its sources, the evaluator's files,
/// the sources with regions) get their flags from the compilation database.
struct DatabaseUse {
  size_t Entries = 0; ///< In compile_commands.json.
  /// Units with an entry of their own.
  std::vector<std::string> Own;
  /// Units without one: file, and how Clang inferred its flags.
  std::vector<std::pair<std::string, std::string>> Inferred;
};
/// Null when the spec names no database.
llvm::Expected<std::optional<DatabaseUse>>
compilationDatabaseUse(const spec::Spec &S);

} // namespace regions
} // namespace adrs

#endif
