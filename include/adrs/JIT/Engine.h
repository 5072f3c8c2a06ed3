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

namespace adrs {
namespace jit {

class CallChannel;

struct CandidateTimings {
  double CompileMs = 0;
  double LinkMs = 0;
  double RunMs = 0;
};

/// The values ADRS_PARAM(i, literal) reads in a candidate: lifted constants
/// (the lift-constants pass) become table reads, so tuning them needs no
/// recompilation.
constexpr unsigned MaxParameters = 4096;
double *parameterTable();

/// A candidate's life in the engine, in steps a caller can stop between:
/// compile (parse, type-check and run the passes on that same parse),
/// generate (object code; what it makes can be carried to another child
/// and adopted there), link (the candidate's code and its static
/// initialisers become live: from here on it runs), evaluate.
class Engine {
public:
  /// Compiles and links the prebuilt code for \p S, whose regions are
  /// \p Regions (all compiled in one translation unit; regions may sit in
  /// headers that unit includes).
  static llvm::Expected<std::unique_ptr<Engine>>
  create(const spec::Spec &S, const std::vector<regions::Region> &Regions);
  ~Engine();

  /// Parses and type-checks the candidate unit with \p Overrides in place
  /// (the unit and any header that holds a region), then runs \p Passes on
  /// that parse over \p Regions (where the regions are in the overridden
  /// files). Compile errors come back in \p Diagnostics and as an error.
  llvm::Error compile(const regions::FileOverrides &Overrides,
                      const std::vector<regions::Region> &Regions,
                      const passes::PassPipeline &Passes,
                      passes::PassResults &Results,
                      std::vector<regions::SourceDiagnostic> &Diagnostics,
                      CandidateTimings &Timings);

  /// Generates the object code of what the last compile() parsed (its time
  /// is added to Timings.CompileMs). No candidate code runs. link() calls
  /// it when it has not been called.
  llvm::Error generate(CandidateTimings &Timings);

  /// What generate() made, as bytes another process forked from the same
  /// engine can adopt() instead of compiling the candidate again (the next
  /// stage of a cascade, a repeat, a confirmation); empty before
  /// generate().
  std::string compiled() const;

  /// Takes \p Compiled, what compiled() gave in a process forked from the
  /// same engine, as if compile() and generate() had made it. The bytes
  /// are checked for shape, not trusted: they travel through another
  /// process.
  llvm::Error adopt(llvm::StringRef Compiled);

  /// Links what generate() or adopt() made in place of the previous
  /// candidate: its object code, its static initialisers, the stubs.
  /// Candidate code runs from here on.
  llvm::Error link(CandidateTimings &Timings);

  /// Runs the evaluator on the linked candidate.
  void evaluate(EvalContext &Ctx, CandidateTimings &Timings);

  /// compile() without passes, link() and evaluate(), for tests and tools
  /// that trust the code.
  llvm::Error run(const regions::FileOverrides &Overrides, EvalContext &Ctx,
                  std::vector<regions::SourceDiagnostic> &Diagnostics,
                  CandidateTimings &Timings);

  /// Why a candidate of this problem cannot be confirmed with it in a
  /// process of its own (see regions::whyNotCallableAcross); empty when it
  /// can.
  std::string whyNotConfirmable() const;

  /// In the evaluator's process of a confirmation, instead of compile() and
  /// link(): the simulator's calls into the unit go, through proxies, to
  /// the candidate's process at the other end of \p Channel. \p OnLost is
  /// called, and must not return, when that process stops answering.
  llvm::Error linkRemote(CallChannel &Channel, void (*OnLost)(const char *Why));

  /// In the candidate's process of a confirmation, after link(): makes the
  /// calls that arrive on \p Channel until the other side has gone, and
  /// returns how many it made.
  llvm::Expected<uint64_t> serveRemote(CallChannel &Channel);

  /// Seconds it took to build the prebuilt code.
  double setupSeconds() const;

  /// How many inline functions and template instantiations of the
  /// candidate units were compiled at setup, for every candidate to call
  /// rather than compile again (0 for a unit whose own code could not be
  /// compiled ahead of its candidates).
  size_t sharedFunctions() const;

  /// The functions of the candidate units no region reaches (a
  /// candidate's compile leaves them out and calls the baseline's), by
  /// name, demangled without their parameters, in the order of the units'
  /// texts.
  std::vector<std::string> reusedFunctionNames() const;
  /// For each candidate unit none of whose functions is reused, why.
  std::string whyNoReuse() const;
  /// Whether the next compile may reuse those functions (on by default).
  void setReuse(bool On);

private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace jit
} // namespace adrs

#endif
