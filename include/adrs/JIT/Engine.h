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
#include "adrs/Regions/Region.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace adrs {
namespace jit {

struct CandidateTimings {
  double CompileMs = 0;
  double LinkMs = 0;
  double RunMs = 0;
};

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
  llvm::Error run(const regions::FileOverrides &Overrides, EvalContext &Ctx,
                  std::vector<regions::SourceDiagnostic> &Diagnostics,
                  CandidateTimings &Timings);

  /// Compile and link only, without running: the cost a candidate adds.
  llvm::Error prepare(const regions::FileOverrides &Overrides,
                      std::vector<regions::SourceDiagnostic> &Diagnostics,
                      CandidateTimings &Timings);

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
