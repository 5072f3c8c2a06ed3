//===- adrs/Passes/CandidateChecker.h - Before a candidate runs -*- C++ -*-===//
//
// Everything that can be known about a candidate without running it: does
// the patched code compile (parsed and type-checked by Clang, no codegen),
// do the passes accept it, and what are its fingerprint and features. A
// candidate that fails here never costs an evaluation.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PASSES_CANDIDATECHECKER_H
#define ADRS_PASSES_CANDIDATECHECKER_H

#include "adrs/Passes/Pass.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Regions/SourceParser.h"

#include <memory>

namespace adrs {
namespace passes {

struct CheckResult {
  enum class Status { OK, CompileError, Rejected };
  Status Result = Status::OK;
  /// Compiler errors (and their notes), for CompileError.
  std::vector<regions::SourceDiagnostic> Diagnostics;
  PassResults Passes;
  /// All regions' fingerprints combined, in the spec's order.
  std::string Fingerprint;
};

llvm::StringRef toString(CheckResult::Status S);

class CandidateChecker {
public:
  /// Parses each translation unit that holds a region once; later checks
  /// re-parse them with the preamble reused.
  static llvm::Expected<std::unique_ptr<CandidateChecker>>
  create(const spec::Spec &S, const std::vector<regions::Region> &Regions);
  ~CandidateChecker();

  /// Checks the sources with \p Patch applied (an accepted patch), running
  /// \p Passes by name in order.
  llvm::Expected<CheckResult> check(const patch::PatchResult &Patch,
                                    llvm::ArrayRef<std::string> Passes);

  /// Checks the unmodified sources (the baseline).
  llvm::Expected<CheckResult> checkBaseline(llvm::ArrayRef<std::string> Passes);

private:
  CandidateChecker(const spec::Spec &S) : S(S) {}
  llvm::Expected<CheckResult> run(const regions::FileOverrides &Overrides,
                                  const std::vector<regions::Region> &Regions,
                                  llvm::ArrayRef<std::string> Passes);

  const spec::Spec &S;
  std::vector<regions::Region> Baseline;
  std::map<std::string, std::unique_ptr<regions::SourceParser>> Units;
};

} // namespace passes
} // namespace adrs

#endif
