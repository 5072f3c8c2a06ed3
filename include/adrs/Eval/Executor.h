//===- adrs/Eval/Executor.h - A warm zygote that runs candidates -*- C++
//-*-===//
//
// The process that owns the run never executes a candidate. It starts a
// zygote -- a fresh program, adrs-zygote, with an empty environment, so that
// nothing of adrsc's (an API key, its memory) is there to be read -- which
// compiles the prebuilt code once (jit::Engine) and then, for
// each request, forks a sandboxed child that compiles the candidate, runs
// the passes on that parse, links it and evaluates it (exec::runSandboxed).
// Requests and answers travel as framed JSON over a transport (Transport.h):
// a socket to a local zygote, or srun's pipes to `adrsc worker` on a SLURM
// node. A zygote that dies or stops answering is started again (within the
// transport's bound), and the request is sent once more.
//
// What comes back from a child is read as hostile: the child ran the
// candidate, which may have written anything to the channel. Shapes are
// checked and sizes capped here, in the receiver; what fails is the
// candidate's invalid_output. What fails in adrsc's own machinery (a zygote
// that cannot be reached twice) is an llvm::Error, never a candidate status.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVAL_EXECUTOR_H
#define ADRS_EVAL_EXECUTOR_H

#include "adrs/Core/Status.h"
#include "adrs/Eval/Recorder.h"
#include "adrs/Eval/Transport.h"
#include "adrs/Exec/Sandbox.h"
#include "adrs/JIT/Engine.h"
#include "adrs/Regions/Region.h"
#include "adrs/Regions/SourceParser.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Registry.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace adrs {
namespace eval {

/// What a child task gets: the linked candidate and what an evaluation
/// needs.
struct ChildContext {
  const spec::Spec &Spec;
  jit::Engine &Engine;
  const std::vector<Workload> &Workloads;
  std::shared_ptr<Cache> Shared;
  jit::CandidateTimings &Timings;
  /// The wall-clock seconds the request allows in all.
  double WallSeconds;
  /// The child's result channel, for exec::startStep before each step a
  /// task takes (the request's Limits.StepSeconds then bounds each).
  int ResultFd;
};

/// Work done in a candidate's child in place of one evaluation: the
/// candidate is compiled and linked once, then the task runs it as often as
/// it needs (constant tuning runs it at every point CMA-ES asks for).
/// Tasks register themselves, as passes do:
///
///   static adrs::eval::ChildTaskRegistry::Add<TuneTask> X("tune", "...");
class ChildTask {
public:
  virtual ~ChildTask();
  /// Runs in the candidate's process. The result goes back to the caller
  /// as data; the caller must read it as hostile, since the candidate ran.
  virtual llvm::json::Value run(ChildContext &Ctx,
                                const llvm::json::Value &Payload) = 0;
};
using ChildTaskRegistry = llvm::Registry<ChildTask>;

/// What the child does once the candidate compiled and its passes accepted
/// it.
enum class ChildAction {
  Evaluate,  ///< Link and run the evaluator once.
  CheckOnly, ///< Stop after the passes: nothing is linked or run.
  LinkOnly,  ///< Link, but do not run the evaluator (benchmarks).
  /// Evaluate with the candidate in a process of its own: the evaluator's
  /// process calls it through proxies that copy arguments and results, so
  /// the candidate can neither read nor write the evaluator's memory or its
  /// result channel. Passes are not run again.
  Confirm,
  Task, ///< Link, then run the named ChildTask.
};

struct RunRequest {
  regions::FileOverrides Overrides; ///< Empty: the baseline.
  /// Where the regions are in the overridden files, for the passes.
  std::vector<regions::Region> Regions;
  /// Candidate passes to run on the child's own parse before it links;
  /// empty: none.
  std::vector<std::string> Passes;
  std::vector<Workload> Workloads;
  exec::SandboxLimits Limits;
  ChildAction Action = ChildAction::Evaluate;
  std::string Task; ///< For ChildAction::Task: the registered name.
  llvm::json::Value TaskPayload = nullptr;
  /// The cascade stage run (an evaluator command reads it as ADRS_STAGE).
  std::string Stage;
  /// Compile each candidate unit whole, reusing none of the baseline's
  /// functions (jit::Engine::reusedFunctions): to check that reuse changes
  /// no score, or to measure what it saves.
  bool WholeUnits = false;
};

struct RunResult {
  /// OK (ran and reported; not scored yet), CompileError, Rejected,
  /// Duplicate, Timeout, Crashed, OutOfMemory, AbnormalExit, InvalidOutput.
  adrs::Status Status = adrs::Status::OK;
  std::string Reason;
  Report Reported;
  std::vector<regions::SourceDiagnostic> CompileErrors;
  /// Rejections, fingerprints, features, lifted constants.
  passes::PassResults Passes;
  jit::CandidateTimings Timings;
  llvm::json::Value TaskResult = nullptr; ///< For ChildAction::Task.
  /// For ChildAction::Confirm: calls made across the process boundary.
  uint64_t RemoteCalls = 0;
  double WallMs = 0; ///< The whole child, fork to exit.
  /// Nothing was compiled: the child linked the compile of an earlier
  /// request for the same candidate (an earlier stage or repeat), which
  /// the zygote kept.
  bool CompiledBefore = false;
  std::string Stdout, Stderr;
};

/// Where an executor's zygote runs.
struct ExecutorOptions {
  spec::ExecutorKind Kind = spec::ExecutorKind::Local;
  unsigned Index = 0; ///< Among the run's workers.
  std::string RunTag; ///< See TransportOptions::RunTag.
  /// Set (above 0) when the run is stopping: a zygote still starting (a
  /// step waiting in the cluster's queue) is not waited for.
  const std::atomic<int> *Interrupted = nullptr;
};

class Executor {
public:
  /// Starts the zygote and waits until it has built the prebuilt code.
  static llvm::Expected<std::unique_ptr<Executor>>
  start(const spec::Spec &S, const std::vector<regions::Region> &Regions,
        const ExecutorOptions &O = {});
  /// Starts \p Count executors, numbered from \p O's index on, whose
  /// zygotes build the prebuilt code at the same time: every one is
  /// launched before any is waited for, so N workers take about as long to
  /// start as one. On an error none is left running.
  static llvm::Expected<std::vector<std::unique_ptr<Executor>>>
  startAll(const spec::Spec &S, const std::vector<regions::Region> &Regions,
           const ExecutorOptions &O, unsigned Count);
  ~Executor();

  /// Runs one candidate in a fresh child of the zygote.
  llvm::Expected<RunResult> run(const RunRequest &Request);

  /// From now on, a candidate whose passes::programFingerprint is \p Program
  /// comes back as a duplicate without being linked or run (when its passes
  /// include the fingerprint pass).
  void remember(std::string Program);

  /// How many times the zygote had to be started again.
  unsigned restarts() const { return Restarts; }
  /// The zygote is gone for good: it could not be started again, or the
  /// transport's restarts are spent. Every later run() fails at once.
  bool lost() const { return Lost; }
  /// Names the zygote in messages ("the zygote", "SLURM worker 2").
  std::string describe() const;
  /// Why this problem's candidates cannot be confirmed in a process of
  /// their own (ChildAction::Confirm); empty when they can.
  const std::string &whyNotConfirmable() const { return NotConfirmable; }

  /// The zygote's process id, or the process that speaks for it (srun),
  /// for tests that kill it.
  int zygotePid() const { return Link ? Link->pid() : -1; }
  double setupSeconds() const { return SetupSeconds; }
  /// How many functions of the candidate units a candidate's compile leaves
  /// out, calling the baseline's (jit::Engine::reusedFunctions), and for the
  /// units with none, why.
  size_t reusedFunctions() const { return ReusedFunctions.size(); }
  const std::vector<std::string> &reusedFunctionNames() const {
    return ReusedFunctions;
  }
  const std::string &whyNoReuse() const { return WhyNoReuse; }

private:
  Executor(const spec::Spec &S, std::vector<regions::Region> Regions,
           ExecutorOptions O)
      : S(S), Regions(std::move(Regions)), Options(std::move(O)) {}
  /// Starts the zygote (launch) and waits until it is ready (awaitReady).
  llvm::Error spawn();
  /// Creates the transport and reads the spec, once.
  static llvm::Expected<std::unique_ptr<Executor>>
  create(const spec::Spec &S, const std::vector<regions::Region> &Regions,
         const ExecutorOptions &O);
  llvm::Error launch();
  llvm::Error awaitReady();
  /// Why a zygote did not start, with what its transport last said; stops
  /// it.
  llvm::Error notStarted(const llvm::Twine &Why);
  void stop();

  const spec::Spec &S;
  std::vector<regions::Region> Regions;
  std::vector<std::string> Known;
  std::set<std::string> KnownSet;
  size_t ZygoteKnows = 0; ///< How much of Known the zygote has.
  ExecutorOptions Options;
  std::unique_ptr<Transport> Link;
  bool Running = false; ///< Link reaches a zygote that said it is ready.
  bool Lost = false;
  unsigned Restarts = 0;
  double SetupSeconds = 0;
  std::vector<std::string> ReusedFunctions;
  std::string WhyNoReuse;
  std::string NotConfirmable;
  std::string SpecText; ///< The spec as read when this started.
};

/// Names a run's workers after its directory (TransportOptions::RunTag): the
/// same directory, the same tag, in every session.
std::string runTag(llvm::StringRef RunDirectory);

/// Ends what runs under \p O's tag with \p O's transport: the workers a
/// dead run left behind.
llvm::Error sweepWorkers(const spec::Spec &S, const ExecutorOptions &O);

/// Sweeps (sweepWorkers) when it goes: on the way out of a run, Ctrl-C
/// included, whatever its executors did not end themselves.
class WorkerSweep {
public:
  WorkerSweep(const spec::Spec &S, ExecutorOptions O) : S(S), O(std::move(O)) {}
  ~WorkerSweep();

private:
  const spec::Spec &S;
  ExecutorOptions O;
};

/// The main of adrs-zygote, the program each zygote runs: a fresh process
/// with an empty environment, started by Executor::start (or by `adrsc
/// worker`) and told over its descriptors what to prepare.
int zygoteMain(int Argc, char **Argv);

/// adrs-zygote's path: beside this program, or the build tree's.
llvm::Expected<std::string> zygoteProgram();

/// Starts adrs-zygote, with an empty environment, in a process of its own
/// (a PID namespace of its own where allowed), reading requests from \p
/// ReadFd and answering on \p WriteFd. Returns its process id, or -1 with
/// errno set. \p ExpectSpec, when given, is the only spec the zygote will
/// prepare. \p StepVariables ("NAME=VALUE", names from
/// stepVariableNames()) go to an evaluator command the zygote runs; they
/// reach it through a pipe, not its environment, which a candidate forked
/// from it could read in /proc/self/environ.
int startZygote(const std::string &Program, int ReadFd, int WriteFd,
                llvm::StringRef ExpectSpec = "",
                llvm::ArrayRef<std::string> StepVariables = {});

/// The variables of a SLURM job step an evaluator command on a worker is
/// given, beside what every evaluator command gets: which job and step and
/// node it runs in, how many CPUs the step has, and which GPUs SLURM gave
/// it. They describe the step, never the caller.
llvm::ArrayRef<llvm::StringLiteral> stepVariableNames();

/// Those of \p Environment ("NAME=VALUE" strings, environ's shape) whose
/// names stepVariableNames() lists; values past a few kilobytes are
/// dropped rather than cut.
std::vector<std::string> stepVariables(const char *const *Environment);

} // namespace eval
} // namespace adrs

#endif
