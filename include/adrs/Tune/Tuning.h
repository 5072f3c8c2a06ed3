//===- adrs/Tune/Tuning.h - Tuning a program's constants --------*- C++ -*-===//
//
// Structure from the generator, numbers from an optimiser: a program's
// numeric literals are lifted into a parameter table (the lift-constants
// pass), one sandboxed child compiles the lifted program once and runs it at
// every point CMA-ES asks for (the "tune" child task), and the best point is
// written back into the program as literals, which then becomes a candidate
// like any other.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_TUNE_TUNING_H
#define ADRS_TUNE_TUNING_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Core/Program.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Tune/CMAES.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace adrs {
namespace tune {

struct Tuning {
  /// Why nothing came of it, when nothing did (no constants, a failed
  /// child, an optimiser error): a sentence for the log.
  std::string Failure;
  std::vector<passes::LiftedConstant> Constants;
  /// Region name -> text with ADRS_PARAM reads in place of literals.
  std::map<std::string, std::string> Lifted;
  Outcome Result;
  unsigned Faults = 0; ///< Points that crashed or ran over their time.
  double WallMs = 0;   ///< Lifting and tuning, as the parent waited.
};

/// Tunes the constants of \p P with at most \p Evaluations evaluations, on
/// the training workloads, in one child of \p Ev's executor. An error is
/// adrsc's own failure (a lost executor); anything the program does is a
/// Failure.
llvm::Expected<Tuning> tuneConstants(eval::Evaluator &Ev,
                                     const candidate::Sources &Sources,
                                     const Program &P, unsigned Evaluations,
                                     uint64_t Seed);

/// Reads what the "tune" child task answered into \p T. The child ran the
/// candidate, so the answer is read as hostile: one finite value per
/// constant, each kept within the constant's bounds; a best step within the
/// evaluations, and measures of exploration within [0, 1] or absent.
llvm::Error readTuneResult(const llvm::json::Value &V,
                           const std::vector<Parameter> &Params, Tuning &T);

/// The program with each ADRS_PARAM(i, literal) of \p T.Lifted replaced by
/// the value tuned for it; regions without constants keep \p P's text.
Program writeBack(const Program &P, const Tuning &T);

/// Forces the "tune" child task into a statically linked binary.
void linkTuneTask();

} // namespace tune
} // namespace adrs

#endif
