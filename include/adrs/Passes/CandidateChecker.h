//===- adrs/Passes/CandidateChecker.h - Before a candidate runs -*- C++ -*-===//
//
// Everything that can be known about a candidate without running it: does
// the patched code compile (parsed and type-checked by Clang, no codegen),
// do the passes accept it, and what are its fingerprint and features. A
// candidate that fails here never costs an evaluation. The passes run
// through the same PassPipeline as in the evaluation child, so `adrsc patch`
// and a search judge a candidate alike.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PASSES_CANDIDATECHECKER_H
#define ADRS_PASSES_CANDIDATECHECKER_H

#include "adrs/Core/Status.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Regions/SourceParser.h"

#include <memory>

namespace adrs {
namespace passes {

struct CheckResult {
  /// OK, CompileError or Rejected.
  adrs::Status Result = adrs::Status::OK;
  /// Compiler errors (and their notes), for CompileError.
  std::vector<regions::SourceDiagnostic> Diagnostics;
  PassResults Passes;

  std::string fingerprint() const { return programFingerprint(Passes); }
};

class CandidateChecker {
public:
  /// Parses each translation unit that holds a region once; later checks
  /// re-parse them with the preamble reused.
  static llvm::Expected<std::unique_ptr<CandidateChecker>>
  create(const spec::Spec &S, const std::vector<regions::Region> &Regions);
  ~CandidateChecker();

  /// Checks the sources with \p Overrides in place, the regions being at
  /// \p Regions, through \p Passes.
  llvm::Expected<CheckResult> check(const regions::FileOverrides &Overrides,
                                    const std::vector<regions::Region> &Regions,
                                    const PassPipeline &Passes);

private:
  CandidateChecker(const spec::Spec &S) : S(S) {}

  const spec::Spec &S;
  std::map<std::string, std::unique_ptr<regions::SourceParser>> Units;
};

} // namespace passes
} // namespace adrs

#endif
