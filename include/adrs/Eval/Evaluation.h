//===- adrs/Eval/Evaluation.h - Scoring a candidate -------------*- C++ -*-===//
//
// What the spec says an evaluation is: cascade stages with thresholds,
// train or test workloads, repeats with mean and deviation, declared
// metrics that must all be reported, a scalar score and the objective
// vector, constraints that make a candidate infeasible. The result is the
// Result JSON of `adrsc eval --format=json`.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVAL_EVALUATION_H
#define ADRS_EVAL_EVALUATION_H

#include "adrs/Core/Status.h"
#include "adrs/Eval/Executor.h"
#include "adrs/Passes/CandidateChecker.h"

#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace adrs {
namespace eval {

enum class Side { Train, Test, All };

struct StageOutcome {
  std::string Name;
  size_t Workloads = 0;
  adrs::Status Status = adrs::Status::OK;
  double WallMs = 0;
};

/// Whether a result was confirmed with the candidate in a process of its
/// own, where it could reach neither the evaluator's memory nor its result
/// channel (Evaluator::confirm). OutOfTime: it ran, twice, and did not
/// finish, which says nothing either way.
enum class Confirmation { NotAsked, Confirmed, NotConfirmable, OutOfTime };
llvm::StringRef toString(Confirmation C);

struct Evaluation {
  adrs::Status Status = adrs::Status::OK;
  std::string Reason;
  bool Feasible = false;
  std::optional<double> Score;
  std::map<std::string, double> Metrics;
  std::map<std::string, double> MetricStdDev; ///< With repeats > 1.
  std::map<std::string, std::map<std::string, double>> PerWorkload;
  std::map<std::string, std::string> Artifacts;
  std::vector<std::string> FailedConstraints;
  /// One value per objective in spec order, larger is better.
  std::vector<double> Objectives;
  std::vector<regions::SourceDiagnostic> CompileErrors;
  passes::PassResults Passes;
  double CompileMs = 0, LinkMs = 0, RunMs = 0, WallMs = 0;
  /// Runs (stages, repeats) that linked an earlier run's compile of the
  /// same candidate instead of compiling it again.
  unsigned CompilesReused = 0;
  std::vector<StageOutcome> Stages;
  std::string Stdout, Stderr;
  Confirmation Confirmed = Confirmation::NotAsked;
  /// Why it could not be confirmed, or what the confirmation found.
  std::string ConfirmNote;
};

/// The Result JSON.
llvm::json::Value toJSON(const Evaluation &E);

/// What to check on a candidate before it runs: the passes, over the
/// regions where the candidate has them.
struct Checks {
  std::vector<regions::Region> Regions;
  std::vector<std::string> Passes;
};

/// Scores metrics as a one-stage evaluation would: the declared metrics
/// must all be there, then the score, objectives and constraints. Used where
/// a full evaluation would be too heavy (each step of constant tuning).
Evaluation scoreMetrics(const spec::Spec &S,
                        const std::map<std::string, double> &Metrics);

/// Whether two scores are the same within the spec's tolerance (`confirm
/// bests tolerance P`, relative to the larger of 1 and the scores' sizes;
/// 1e-9 by default): what a confirmation and a minimisation call the same.
bool sameScore(const spec::Spec &S, std::optional<double> A,
               std::optional<double> B);

/// The GPU device files of this machine (NVIDIA's, ROCm's, DRI render
/// nodes) that exist: an evaluator command may open them to drive a GPU.
/// On a SLURM node whose cgroup.conf constrains devices, the step's cgroup
/// decides which of them it may open; CUDA_VISIBLE_DEVICES and its kin say
/// which to use.
std::vector<std::string> gpuDeviceFiles();

class Evaluator {
public:
  /// \p Exec runs the candidates: a C++ evaluator's, or an evaluator
  /// command's on a SLURM worker. It is null for a spec whose evaluator is
  /// an external command run here.
  Evaluator(const spec::Spec &S, Executor *Exec);
  ~Evaluator();

  /// With \p Checks, the passes run on the candidate's own parse (in the
  /// child for a C++ evaluator, in this process before an evaluator command
  /// runs); a rejected candidate, or one remember()ed, never runs. An error
  /// is adrsc's own failure (a lost executor), never the candidate's.
  llvm::Expected<Evaluation> evaluate(const regions::FileOverrides &Overrides,
                                      Side S, const Checks *C = nullptr);

  /// Evaluates again with the candidate in a process of its own and
  /// compares with \p Reported, the result of evaluate(): the confirmed
  /// result when they agree (within the spec's tolerance), a RewardHacking
  /// one when they do not, \p Reported marked NotConfirmable when the
  /// problem's functions cannot be called across processes. With
  /// \p Regions, where the candidate's regions are, its compile is the one
  /// evaluate() made, and can be the one the zygote kept from it.
  llvm::Expected<Evaluation>
  confirm(const regions::FileOverrides &Overrides, Side S,
          const Evaluation &Reported,
          const std::vector<regions::Region> *Regions = nullptr);

  /// From now on, a candidate whose program fingerprint is \p Program comes
  /// back as a duplicate without running.
  void remember(const std::string &Program);

  /// The per-candidate wall-clock limit: the spec's `limits time`, or
  /// adaptive: max(floor, factor x the baseline's time) once that is known,
  /// and a generous minute before.
  double timeLimit() const;
  void setBaselineSeconds(double Seconds) { BaselineSeconds = Seconds; }
  /// Every run compiles the candidate units whole (RunRequest::WholeUnits).
  void setWholeUnits(bool On) { WholeUnits = On; }

  /// The workloads a side or stage runs on, in a stable order.
  std::vector<Workload> workloads(Side S,
                                  const spec::Stage *St = nullptr) const;

  /// The sandbox limits of one run on \p W.
  exec::SandboxLimits limits(const std::vector<Workload> &W) const;
  Executor *executor() const { return Exec; }

  /// Runs the spec's evaluator command on a mirror of the sources with the
  /// candidate's files in place: here for a local run, or in the zygote of
  /// a SLURM worker, which answers with the result.
  RunResult runCommand(const RunRequest &Request);

  /// Variables ("NAME=VALUE") the evaluator command gets beside its own:
  /// on a SLURM worker, the step's (stepVariables()).
  void setCommandVariables(std::vector<std::string> Variables) {
    CommandVariables = std::move(Variables);
  }

private:
  llvm::Expected<Evaluation> runStages(const regions::FileOverrides &Overrides,
                                       Side S, const Checks *C,
                                       ChildAction Action);

  /// The passes for an evaluator command, which has no zygote to run them.
  llvm::Expected<std::optional<Evaluation>>
  checkHere(const regions::FileOverrides &Overrides, const Checks &C);

  const spec::Spec &S;
  Executor *Exec;
  std::unique_ptr<passes::CandidateChecker> Checker;
  std::set<std::string> Known; ///< Without an executor, which keeps its own.
  std::optional<double> BaselineSeconds;
  bool WholeUnits = false;
  std::string Scratch;
  unsigned NextRun = 0;
  std::vector<std::string> CommandVariables;
};

} // namespace eval
} // namespace adrs

#endif
