//===- adrs/JIT/Engine.h - Prebuilt code plus one candidate -----*- C++ -*-===//
//
// The engine compiles everything that does not change (the simulator, the
// evaluator) once, into an ORC LLJIT, and links it. Functions that the
// region's translation unit defines and that prebuilt code calls are reached
// through forwarding stubs, so that a candidate is linked by pointing the
// stubs at its own definitions: a candidate costs the compile of its own
// translation unit and nothing else.
//
// An engine is meant to live in a zygote process and be used in forked
// children, one candidate each (see Executor.h): the JIT state is inherited,
// and whatever a candidate does to it dies with the child.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_JIT_ENGINE_H
#define ADRS_JIT_ENGINE_H

#include "adrs/Evaluator.h"
#include "adrs/JIT/Compiler.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Regions/Region.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <set>

namespace adrs {
namespace jit {

struct CandidateTimings {
  double CompileMs = 0;
  double LinkMs = 0;
  double RunMs = 0;
};

/// What to check on a candidate before it runs: the passes, on the AST of
/// the very parse that compiles it, so the check costs no second parse.
struct CandidateChecks {
  std::vector<regions::Region> Regions; ///< Where the regions are now.
  std::vector<std::string> Passes;      ///< Pass names, in order.
  /// Programs already evaluated (passes::programFingerprint); a candidate
  /// found here is marked a duplicate and neither linked nor run.
  const std::set<std::string> *Known = nullptr;
};

/// The values ADRS_PARAM(i, literal) reads in a candidate: lifted constants
/// (the lift-constants pass) become table reads, so tuning them needs no
/// recompilation.
constexpr unsigned MaxParameters = 4096;
double *parameterTable();

class Engine {
public:
  /// Compiles and links the prebuilt code for \p S, whose regions are
  /// \p Regions (all in one translation unit).
  static llvm::Expected<std::unique_ptr<Engine>>
  create(const spec::Spec &S, const std::vector<regions::Region> &Regions);
  ~Engine();

  /// Compiles the candidate unit with \p Overrides, links it in place of
  /// the previous one and runs the evaluator with \p Ctx. Compile errors are
  /// returned in \p Diagnostics (and as an error).
  /// With \p Checks, the passes run first and a candidate they reject
  /// (Results->Rejections) is neither linked nor run.
  llvm::Error run(const regions::FileOverrides &Overrides, EvalContext &Ctx,
                  std::vector<regions::SourceDiagnostic> &Diagnostics,
                  CandidateTimings &Timings,
                  const CandidateChecks *Checks = nullptr,
                  passes::PassResults *Results = nullptr);

  /// Runs the evaluator on the candidate linked by the last prepare().
  void evaluate(EvalContext &Ctx, CandidateTimings &Timings);

  /// Compile (and check) and link only, without running.
  llvm::Error prepare(const regions::FileOverrides &Overrides,
                      std::vector<regions::SourceDiagnostic> &Diagnostics,
                      CandidateTimings &Timings,
                      const CandidateChecks *Checks = nullptr,
                      passes::PassResults *Results = nullptr);

  /// Seconds it took to build the prebuilt code.
  double setupSeconds() const;

private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace jit
} // namespace adrs

#endif
