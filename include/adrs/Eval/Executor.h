//===- adrs/Eval/Executor.h - A warm zygote that runs candidates -*- C++
//-*-===//
//
// The process that owns the run never executes a candidate. It forks a
// zygote before it has any threads; the zygote compiles the prebuilt code
// once (jit::Engine) and then, for each request, forks a sandboxed child
// that compiles, links and evaluates one candidate (exec::runSandboxed).
// Requests and answers travel over a socket as JSON. A zygote that dies is
// started again, and the request that killed it is answered, not lost.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVAL_EXECUTOR_H
#define ADRS_EVAL_EXECUTOR_H

#include "adrs/Eval/Recorder.h"
#include "adrs/Exec/Sandbox.h"
#include "adrs/JIT/Engine.h"
#include "adrs/Regions/Region.h"
#include "adrs/Regions/SourceParser.h"
#include "adrs/Tune/CMAES.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace adrs {
namespace eval {

/// Tune a candidate's lifted constants in its child: compiled once, then
/// evaluated at each point CMA-ES asks for.
struct TuneRequest {
  std::vector<tune::Parameter> Parameters; ///< By ADRS_PARAM index.
  unsigned Evaluations = 0;
  uint64_t Seed = 0;
  double SecondsPerEvaluation = 10; ///< A point that runs longer fails.
};

struct RunRequest {
  regions::FileOverrides Overrides; ///< Empty: the baseline.
  std::vector<Workload> Workloads;
  exec::SandboxLimits Limits;
  /// Compile and link only; the evaluator does not run (for benchmarks).
  bool DryRun = false;
  /// Passes to run on the candidate's parse before it is linked.
  std::optional<jit::CandidateChecks> Checks;
  /// Instead of one evaluation, tune the constants (the overrides then hold
  /// ADRS_PARAM reads).
  std::optional<TuneRequest> Tune;
  /// Filled by the executor: programs the zygote has not been told of.
  std::vector<std::string> KnownPrograms;
};

struct RunResult {
  /// ok, compile_error, timeout, crashed, out_of_memory, abnormal_exit,
  /// invalid_output.
  std::string Status;
  std::string Reason;
  Report Reported;
  std::vector<regions::SourceDiagnostic> CompileErrors;
  /// Rejections (status rejected), fingerprints and features.
  passes::PassResults Passes;
  jit::CandidateTimings Timings;
  std::optional<tune::Outcome> Tuned; ///< For a TuneRequest.
  double WallMs = 0;                  ///< The whole child, fork to exit.
  std::string Stdout, Stderr;
};

class Executor {
public:
  /// Forks the zygote and waits until it has built the prebuilt code.
  static llvm::Expected<std::unique_ptr<Executor>>
  start(const spec::Spec &S, const std::vector<regions::Region> &Regions);
  ~Executor();

  /// Runs one candidate in a fresh child of the zygote.
  llvm::Expected<RunResult> run(const RunRequest &Request);

  /// From now on, a candidate whose passes::programFingerprint is
  /// \p Program comes back as a duplicate without being linked or run
  /// (when its checks include the fingerprint pass).
  void remember(std::string Program);

  /// How many times the zygote had to be started again.
  unsigned restarts() const { return Restarts; }
  /// The zygote's process id (for tests that kill it).
  int zygotePid() const { return ZygotePid; }
  double setupSeconds() const { return SetupSeconds; }

private:
  Executor(const spec::Spec &S, std::vector<regions::Region> Regions)
      : S(S), Regions(std::move(Regions)) {}
  llvm::Error spawn();
  void stop();

  const spec::Spec &S;
  std::vector<regions::Region> Regions;
  std::vector<std::string> Known;
  std::set<std::string> KnownSet;
  size_t ZygoteKnows = 0; ///< How much of Known the zygote has.
  int Socket = -1;
  int ZygotePid = -1;
  unsigned Restarts = 0;
  double SetupSeconds = 0;
};

} // namespace eval
} // namespace adrs

#endif
