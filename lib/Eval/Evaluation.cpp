//===- Evaluation.cpp - Scoring a candidate -------------------------------===//

#include "adrs/Eval/Evaluation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace eval {

Evaluator::Evaluator(const spec::Spec &S, Executor *Exec) : S(S), Exec(Exec) {
  SmallString<128> Dir;
  if (!sys::fs::createUniqueDirectory("adrs-scratch", Dir))
    Scratch = std::string(Dir);
}

Evaluator::~Evaluator() {
  if (!Scratch.empty())
    sys::fs::remove_directories(Scratch);
}

double Evaluator::timeLimit() const {
  if (S.Limit.TimeSeconds)
    return *S.Limit.TimeSeconds;
  if (BaselineSeconds)
    return std::max(S.Limit.TimeoutFloorSeconds,
                    S.Limit.TimeoutBaselineFactor * *BaselineSeconds);
  return 60;
}

static std::string relativeName(StringRef Path, StringRef Base) {
  if (Path.startswith(Base) && Path.size() > Base.size() &&
      Path[Base.size()] == '/')
    return Path.drop_front(Base.size() + 1).str();
  return Path.str();
}

std::vector<Workload> Evaluator::workloads(Side Which,
                                           const spec::Stage *St) const {
  std::vector<std::string> Files;
  StringRef Set = St                    ? StringRef(St->Workloads)
                  : Which == Side::Test ? "test"
                  : Which == Side::All  ? "all"
                                        : "train";
  if (Set == "train" || Set == "all")
    append_range(Files, S.trainFiles());
  if (Set == "test" || Set == "all")
    append_range(Files, S.testFiles());
  if (const spec::WorkloadSet *W = S.findWorkloads(Set))
    Files = Which == Side::Test ? W->TestFiles : W->TrainFiles;

  if (St && (St->Count || St->Fraction < 1)) {
    // A stage's subset is the same for every candidate: the first files of
    // a shuffle seeded by the spec, so candidates are compared fairly.
    uint64_t State = S.Seed ^ 0x5eedull;
    auto Next = [&State] {
      uint64_t Z = (State += 0x9e3779b97f4a7c15ull);
      Z = (Z ^ (Z >> 30)) * 0xbf58476d1ce4e5b9ull;
      Z = (Z ^ (Z >> 27)) * 0x94d049bb133111ebull;
      return Z ^ (Z >> 31);
    };
    for (size_t I = Files.size(); I > 1; --I)
      std::swap(Files[I - 1], Files[Next() % I]);
    size_t Keep =
        St->Count ? *St->Count : size_t(std::ceil(St->Fraction * Files.size()));
    Files.resize(std::min(Files.size(), std::max<size_t>(Keep, 1)));
    llvm::sort(Files);
  }
  std::vector<Workload> Out;
  for (const std::string &F : Files)
    Out.push_back({relativeName(F, S.BaseDir), F});
  return Out;
}

exec::SandboxLimits Evaluator::limits(const std::vector<Workload> &W) const {
  exec::SandboxLimits L;
  L.WallSeconds = timeLimit();
  L.SetupSeconds = S.Limit.CompileSeconds;
  L.MemoryBytes = S.Limit.MemoryBytes;
  L.OutputBytes = S.Limit.OutputBytes;
  L.ScratchDir = Scratch;
  // A candidate reads only the workloads of its stage: during search, the
  // test workloads are out of its reach.
  L.ConfineReads = exec::canConfineFiles();
  for (const Workload &X : W)
    L.ReadablePaths.push_back(X.Path);
  return L;
}

namespace {

/// A tree of links to \p From, so that a command sees the whole project;
/// the caller then writes the candidate's files over their links. Run
/// directories and hidden directories are left out.
Error mirror(StringRef From, StringRef To) {
  std::error_code EC;
  for (sys::fs::recursive_directory_iterator It(From, EC), End;
       It != End && !EC; It.increment(EC)) {
    StringRef Path = It->path();
    StringRef Name = sys::path::filename(Path);
    if (Name.startswith(".") || Name == "adrs-runs") {
      It.no_push();
      continue;
    }
    SmallString<256> Target(To);
    sys::path::append(Target, Path.drop_front(From.size()));
    if (It->type() == sys::fs::file_type::directory_file) {
      if (std::error_code E = sys::fs::create_directories(Target))
        return createStringError(E, "cannot create '%s'", Target.c_str());
    } else if (std::error_code E = sys::fs::create_link(Path, Target)) {
      return createStringError(E, "cannot link '%s'", Target.c_str());
    }
  }
  if (EC)
    return createStringError(EC, "cannot read '%s'", From.str().c_str());
  return Error::success();
}

std::function<std::optional<double>(StringRef)>
lookupIn(const std::map<std::string, double> &Metrics) {
  return [&Metrics](StringRef Name) -> std::optional<double> {
    auto It = Metrics.find(Name.str());
    if (It == Metrics.end())
      return std::nullopt;
    return It->second;
  };
}

Expected<double> scoreOf(const spec::Spec &S,
                         const std::map<std::string, double> &Metrics);

/// The last step of every evaluation: the objective vector, then the
/// constraints, which make a scored candidate infeasible or feasible.
void judge(const spec::Spec &S, Evaluation &E) {
  for (const spec::Objective &O : S.Objectives) {
    auto It = E.Metrics.find(O.Metric);
    double V = It != E.Metrics.end() ? It->second : NAN;
    E.Objectives.push_back(O.Dir == spec::Direction::Maximize ? V : -V);
  }
  std::map<std::string, double> WithScore = E.Metrics;
  if (E.Score)
    WithScore.emplace("score", *E.Score);
  for (const spec::Constraint &C : S.Constraints) {
    Expected<double> Holds = C.Condition->evaluate(lookupIn(WithScore));
    if (!Holds)
      E.FailedConstraints.push_back(C.Condition->str() + " (" +
                                    toString(Holds.takeError()) + ")");
    else if (*Holds == 0)
      E.FailedConstraints.push_back(C.Condition->str());
  }
  if (!E.FailedConstraints.empty()) {
    E.Status = Status::Infeasible;
    E.Reason = "constraint violated: " + join(E.FailedConstraints, "; ");
    return;
  }
  E.Feasible = true;
}

} // namespace

Evaluation scoreMetrics(const spec::Spec &S,
                        const std::map<std::string, double> &Metrics) {
  Evaluation E;
  E.Metrics = Metrics;
  for (const spec::Metric &M : S.Metrics)
    if (!Metrics.count(M.Name)) {
      E.Status = Status::InvalidOutput;
      E.Reason = "the evaluator did not report metric '" + M.Name + "'";
      return E;
    }
  Expected<double> Score = scoreOf(S, Metrics);
  if (!Score) {
    E.Status = Status::InvalidOutput;
    E.Reason = "cannot compute the score: " + toString(Score.takeError());
    return E;
  }
  if (!std::isfinite(*Score)) {
    E.Status = Status::InvalidOutput;
    E.Reason = "the score is not a finite number";
    return E;
  }
  E.Score = *Score;
  judge(S, E);
  return E;
}

namespace {

/// The scalar score: the spec's expression, or the weighted sum of the
/// objectives with minimised ones negated.
Expected<double> scoreOf(const spec::Spec &S,
                         const std::map<std::string, double> &Metrics) {
  if (S.Score)
    return S.Score->evaluate(lookupIn(Metrics));
  double Sum = 0;
  for (const spec::Objective &O : S.Objectives) {
    auto It = Metrics.find(O.Metric);
    if (It == Metrics.end())
      return createStringError(inconvertibleErrorCode(),
                               "metric '%s' was not reported",
                               O.Metric.c_str());
    Sum += O.Weight *
           (O.Dir == spec::Direction::Maximize ? It->second : -It->second);
  }
  return Sum;
}

} // namespace

std::vector<std::string> gpuDeviceFiles() {
  std::vector<std::string> Files;
  for (StringRef Fixed :
       {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
        "/dev/nvidia-modeset", "/dev/kfd"})
    if (sys::fs::exists(Fixed))
      Files.push_back(Fixed.str());
  // One file per device: /dev/nvidia0..N, /dev/dri/renderD128.. (AMD and
  // Intel).
  for (auto [Dir, Prefix] : {std::pair<StringRef, StringRef>{"/dev", "nvidia"},
                             {"/dev/dri", "renderD"}}) {
    std::error_code EC;
    for (sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC;
         It.increment(EC)) {
      StringRef Name = sys::path::filename(It->path());
      unsigned Number;
      if (Name.consume_front(Prefix) && !Name.getAsInteger(10, Number))
        Files.push_back(It->path());
    }
  }
  llvm::sort(Files);
  return Files;
}

RunResult Evaluator::runCommand(const RunRequest &Request) {
  RunResult R;
  SmallString<128> Dir;
  if (std::error_code EC =
          sys::fs::createUniqueDirectory("adrs-candidate", Dir)) {
    R.Status = Status::AbnormalExit;
    R.Reason = "cannot create a directory for the candidate: " + EC.message();
    return R;
  }
  auto Cleanup = make_scope_exit([&] { sys::fs::remove_directories(Dir); });
  if (Error E = mirror(S.BaseDir, Dir)) {
    R.Status = Status::AbnormalExit;
    R.Reason = toString(std::move(E));
    return R;
  }
  for (const auto &[File, Text] : Request.Overrides) {
    SmallString<256> Target(Dir);
    sys::path::append(Target, relativeName(File, S.BaseDir));
    sys::fs::remove(Target); // a link to the original: never write through it
    std::error_code EC;
    raw_fd_ostream OS(Target, EC);
    if (EC) {
      R.Status = Status::AbnormalExit;
      R.Reason = "cannot write the candidate's '" + File + "': " + EC.message();
      return R;
    }
    OS << Text;
  }

  exec::SandboxLimits L = Request.Limits;
  L.Seccomp = false;      // a command must be able to exec its interpreter
  L.ConfineReads = false; // ... and read its libraries wherever they are
  L.ScratchDir = std::string(Dir);
  L.WritableFiles = gpuDeviceFiles(); // ... and drive a GPU, if there is one
  std::string Workloads;
  for (const Workload &W : Request.Workloads)
    Workloads += W.Path + "\n";
  std::string Command = S.Evaluator.Command;
  const std::string &StageName = Request.Stage;
  std::string SpecDir = S.BaseDir;
  exec::SandboxResult SR = exec::runSandboxed(L, [&](int) {
    // The environment was emptied; give the command what it needs and no
    // more (no API keys). A SLURM step's variables come first, so that
    // none of them can stand in for one of ours.
    for (const std::string &V : CommandVariables) {
      auto [Name, Value] = StringRef(V).split('=');
      setenv(Name.str().c_str(), Value.str().c_str(), 1);
    }
    setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
    setenv("LC_ALL", "C", 1);
    setenv("ADRS_WORKLOADS", Workloads.c_str(), 1);
    setenv("ADRS_STAGE", StageName.c_str(), 1);
    setenv("ADRS_CANDIDATE_DIR", Dir.c_str(), 1);
    // Workloads are named from here, as a C++ evaluator's are.
    setenv("ADRS_SPEC_DIR", SpecDir.c_str(), 1);
    // Writes are allowed in the mirror only: a compiler's temporary files
    // (and mktemp's) go there instead of /tmp.
    setenv("TMPDIR", Dir.c_str(), 1);
    execl("/bin/sh", "sh", "-c", Command.c_str(), static_cast<char *>(nullptr));
    return 127;
  });
  R.WallMs = SR.WallMs;
  R.Timings.RunMs = SR.WallMs;
  R.Stdout = SR.Stdout;
  R.Stderr = SR.Stderr;
  if (SR.Status != exec::SandboxStatus::AbnormalExit &&
      SR.Status != exec::SandboxStatus::OK) {
    R.Status = SR.Status == exec::SandboxStatus::Timeout   ? Status::Timeout
               : SR.Status == exec::SandboxStatus::Crashed ? Status::Crashed
               : SR.Status == exec::SandboxStatus::OutOfMemory
                   ? Status::OutOfMemory
                   : Status::InvalidOutput;
    R.Reason = "the evaluator command " + SR.Reason;
    return R;
  }
  if (SR.ExitCode != 0) {
    R.Status = Status::AbnormalExit;
    R.Reason = "the evaluator command exited with status " +
               std::to_string(SR.ExitCode);
    StringRef Err = StringRef(SR.Stderr).trim();
    if (!Err.empty())
      R.Reason += ": " + Err.take_back(400).str();
    return R;
  }
  // The command's report is the last JSON object it printed.
  StringRef Out = StringRef(SR.Stdout).rtrim();
  size_t Brace = Out.rfind("\n{");
  StringRef Json = Brace == StringRef::npos ? Out : Out.drop_front(Brace + 1);
  Expected<Report> Parsed = reportFromJSON(Json);
  if (!Parsed) {
    R.Status = Status::InvalidOutput;
    R.Reason = "the evaluator command did not print a JSON object with "
               "\"metrics\": " +
               toString(Parsed.takeError());
    return R;
  }
  R.Status = Status::OK;
  R.Reported = std::move(*Parsed);
  return R;
}

void Evaluator::remember(const std::string &Program) {
  if (Program.empty())
    return;
  // An evaluator command's duplicates are found here (checkHere), wherever
  // the command runs.
  if (Exec && S.Evaluator.Kind == spec::EvaluatorKind::Function)
    Exec->remember(Program);
  else
    Known.insert(Program);
}

Expected<std::optional<Evaluation>>
Evaluator::checkHere(const regions::FileOverrides &Overrides, const Checks &C) {
  if (!Checker) {
    Expected<std::unique_ptr<passes::CandidateChecker>> Made =
        passes::CandidateChecker::create(S, C.Regions);
    if (!Made)
      return Made.takeError();
    Checker = std::move(*Made);
  }
  Expected<passes::PassPipeline> Pipeline =
      passes::PassPipeline::create(C.Passes);
  if (!Pipeline)
    return Pipeline.takeError();
  Expected<passes::CheckResult> Checked =
      Checker->check(Overrides, C.Regions, *Pipeline);
  if (!Checked)
    return Checked.takeError();
  Evaluation E;
  E.Passes = Checked->Passes;
  E.CompileErrors = Checked->Diagnostics;
  E.Status = Checked->Result;
  if (Checked->Result == Status::CompileError)
    E.Reason = "the candidate does not compile";
  else if (Checked->Result == Status::Rejected)
    E.Reason = Checked->Passes.Rejections.front().Message;
  else if (Known.count(Checked->fingerprint())) {
    E.Status = Status::Duplicate;
    E.Reason = "the same program (up to comments, layout and local names) "
               "was evaluated before";
  } else
    return std::nullopt; // it may run
  return std::optional<Evaluation>(std::move(E));
}

Expected<Evaluation>
Evaluator::evaluate(const regions::FileOverrides &Overrides, Side Which,
                    const Checks *C) {
  return runStages(Overrides, Which, C, ChildAction::Evaluate);
}

Expected<Evaluation>
Evaluator::confirm(const regions::FileOverrides &Overrides, Side Which,
                   const Evaluation &Reported,
                   const std::vector<regions::Region> *Regions) {
  Evaluation Out = Reported;
  std::string WhyNot = S.Evaluator.Kind == spec::EvaluatorKind::Command
                           ? std::string("the evaluator is a command, which "
                                         "runs in a process of its own")
                           : Exec->whyNotConfirmable();
  if (!WhyNot.empty()) {
    Out.Confirmed = Confirmation::NotConfirmable;
    Out.ConfirmNote = WhyNot;
    return Out;
  }
  // Where the regions are, and no passes: they judged the program once.
  Checks Where;
  if (Regions)
    Where.Regions = *Regions;
  const Checks *At = Regions ? &Where : nullptr;
  Expected<Evaluation> Apart =
      runStages(Overrides, Which, At, ChildAction::Confirm);
  if (!Apart)
    return Apart.takeError();
  // Every call of the region crosses between two processes, and on a busy
  // machine each crossing waits for a core: a confirmation that runs out of
  // time says more about the machine than about the candidate. Once more,
  // then the verdict.
  bool TimedOut =
      Apart->Status == Status::Timeout && Reported.Status != Status::Timeout;
  if (TimedOut) {
    Apart = runStages(Overrides, Which, At, ChildAction::Confirm);
    if (!Apart)
      return Apart.takeError();
    TimedOut = Apart->Status == Status::Timeout;
  }
  // What the candidate could not reach is what counts: the scores and
  // metrics recorded are the confirmation's.
  Evaluation C = std::move(*Apart);
  C.Passes = Reported.Passes;
  C.CompileMs = Reported.CompileMs;
  C.LinkMs = Reported.LinkMs;
  C.Confirmed = Confirmation::Confirmed;
  bool Agrees = C.Status == Reported.Status &&
                C.Feasible == Reported.Feasible &&
                sameScore(S, C.Score, Reported.Score);
  if (Agrees)
    return C;
  auto Score = [](const Evaluation &E) {
    std::string Why = E.Reason.empty() ? "" : " (" + E.Reason + ")";
    if (!E.Score)
      return toString(E.Status).str() + Why;
    std::string Text = formatv("score {0:F4}", *E.Score).str();
    if (E.Status != Status::OK)
      Text += ", " + toString(E.Status).str() + Why;
    return Text;
  };
  if (TimedOut) {
    // Not counted, and not called a hack: a candidate that stalls only in
    // its own process gains nothing by it, and an honest one on a busy
    // machine is not accused.
    C.ConfirmNote = "it reported " + Score(Reported) +
                    " where it could reach the evaluator, and its "
                    "confirmation in a process of its own ran out of time "
                    "twice (" +
                    C.Reason +
                    "); confirmation is slow on a busy machine, since "
                    "every call of the region crosses between two processes";
    C.Reason = "its result could not be confirmed: " + C.ConfirmNote;
    C.Feasible = false;
    C.Confirmed = Confirmation::OutOfTime;
    return C;
  }
  C.ConfirmNote = "it reported " + Score(Reported) +
                  " where it could reach the evaluator, and " + Score(C) +
                  " in a process of its own";
  C.Status = Status::RewardHacking;
  C.Reason = "its result could not be confirmed: " + C.ConfirmNote;
  C.Feasible = false;
  return C;
}

bool sameScore(const spec::Spec &S, std::optional<double> A,
               std::optional<double> B) {
  if (!A || !B)
    return A.has_value() == B.has_value();
  double Scale = std::max({1.0, std::fabs(*A), std::fabs(*B)});
  return std::fabs(*A - *B) <= S.ConfirmTolerance * Scale;
}

Expected<Evaluation>
Evaluator::runStages(const regions::FileOverrides &Overrides, Side Which,
                     const Checks *C, ChildAction Action) {
  Evaluation E;
  if (Which == Side::Test && S.testFiles().empty()) {
    E.Status = Status::InvalidOutput;
    E.Reason = "the spec holds out no test workloads (add 'as test' or "
               "'split train P%' to a workloads statement)";
    return E;
  }
  std::vector<const spec::Stage *> Stages;
  if (Which == Side::Train)
    for (const spec::Stage &St : S.Stages)
      Stages.push_back(&St);
  if (Stages.empty())
    Stages.push_back(nullptr); // the whole side, in one stage

  // An evaluator command runs no passes of its own: they run here, so that a
  // candidate is judged alike whichever evaluator the spec has, and wherever
  // the command runs.
  bool RunsCommand = S.Evaluator.Kind == spec::EvaluatorKind::Command;
  if (C && RunsCommand && !C->Passes.empty()) {
    Expected<std::optional<Evaluation>> Refused = checkHere(Overrides, *C);
    if (!Refused)
      return Refused.takeError();
    if (*Refused)
      return std::move(**Refused);
  }

  for (size_t I = 0; I < Stages.size(); ++I) {
    const spec::Stage *St = Stages[I];
    std::vector<Workload> W = workloads(Which, St);
    StageOutcome Outcome;
    Outcome.Name = St ? St->Name : (Which == Side::Test ? "test" : "full");
    Outcome.Workloads = W.size();

    std::map<std::string, std::vector<double>> Samples;
    for (unsigned Rep = 0; Rep < S.Repeats; ++Rep) {
      RunRequest Request;
      Request.Overrides = Overrides;
      Request.Workloads = W;
      Request.Limits = limits(W);
      Request.Action = Action;
      Request.Stage = Outcome.Name;
      Request.WholeUnits = WholeUnits;
      if (Action == ChildAction::Confirm) {
        // Every call crosses a process boundary: room for that, and the
        // candidate's side compiles it again.
        Request.Limits.WallSeconds = 10 * Request.Limits.WallSeconds + 10;
        Request.Limits.CpuSeconds = 0;
      }
      // A fresh scratch directory per run: nothing passes from one
      // candidate, or one repeat, to the next.
      SmallString<128> Fresh(Scratch);
      sys::path::append(Fresh, "run-" + std::to_string(NextRun++));
      if (!Scratch.empty() && !sys::fs::create_directories(Fresh))
        Request.Limits.ScratchDir = std::string(Fresh);
      auto Clean = make_scope_exit([&] {
        if (Request.Limits.ScratchDir != Scratch)
          sys::fs::remove_directories(Fresh);
      });
      // The passes judge the program, not the stage: once is enough. The
      // regions go with every run: where they are tells the engine which
      // of the unit's code is the baseline's, and need not be compiled.
      if (C && !RunsCommand) {
        Request.Regions = C->Regions;
        if (I == 0 && Rep == 0)
          Request.Passes = C->Passes;
      }
      Expected<RunResult> Run =
          Exec ? Exec->run(Request) : Expected<RunResult>(runCommand(Request));
      if (!Run)
        return Run.takeError();
      E.CompileMs += Run->Timings.CompileMs;
      E.CompilesReused += Run->CompiledBefore;
      E.LinkMs += Run->Timings.LinkMs;
      E.RunMs += Run->Timings.RunMs;
      E.WallMs += Run->WallMs;
      Outcome.WallMs += Run->WallMs;
      E.Stdout = Run->Stdout;
      E.Stderr = Run->Stderr;
      if (I == 0 && Rep == 0)
        E.Passes = Run->Passes;
      if (Run->Status != Status::OK) {
        E.Status = Run->Status;
        E.Reason = Run->Reason;
        E.CompileErrors = Run->CompileErrors;
        Outcome.Status = Run->Status;
        E.Stages.push_back(Outcome);
        return E;
      }
      const Report &R = Run->Reported;
      if (!R.Problems.empty()) {
        E.Status = Status::InvalidOutput;
        E.Reason = R.Problems.front();
        Outcome.Status = E.Status;
        E.Stages.push_back(Outcome);
        return E;
      }
      for (const spec::Metric &M : S.Metrics)
        if (!R.Metrics.count(M.Name)) {
          E.Status = Status::InvalidOutput;
          E.Reason = "the evaluator did not report metric '" + M.Name + "'";
          if (auto It = R.Artifacts.find("error"); It != R.Artifacts.end())
            E.Reason += ": " + It->second;
          Outcome.Status = E.Status;
          E.Stages.push_back(Outcome);
          E.Artifacts = R.Artifacts;
          return E;
        }
      for (const auto &[K, V] : R.Metrics)
        Samples[K].push_back(V);
      E.PerWorkload = R.PerWorkload;
      E.Artifacts = R.Artifacts;
    }

    E.Metrics.clear();
    E.MetricStdDev.clear();
    for (const auto &[K, Vs] : Samples) {
      double Mean = 0;
      for (double V : Vs)
        Mean += V;
      Mean /= Vs.size();
      E.Metrics[K] = Mean;
      if (Vs.size() > 1) {
        double Var = 0;
        for (double V : Vs)
          Var += (V - Mean) * (V - Mean);
        E.MetricStdDev[K] = std::sqrt(Var / (Vs.size() - 1));
      }
    }
    Expected<double> Score = scoreOf(S, E.Metrics);
    if (!Score) {
      E.Status = Status::InvalidOutput;
      E.Reason = "cannot compute the score: " + toString(Score.takeError());
      Outcome.Status = E.Status;
      E.Stages.push_back(Outcome);
      return E;
    }
    E.Score = *Score;
    Outcome.Status = Status::OK;
    E.Stages.push_back(Outcome);

    // A cascade stage lets only promising candidates through to the next.
    if (St && St->KeepIf && I + 1 < Stages.size()) {
      std::map<std::string, double> WithScore = E.Metrics;
      WithScore.emplace("score", *Score);
      Expected<double> Keep = St->KeepIf->evaluate(lookupIn(WithScore));
      if (!Keep || *Keep == 0) {
        if (!Keep)
          consumeError(Keep.takeError());
        E.Status = Status::Infeasible;
        E.Reason = "stopped after stage '" + St->Name + "': keep if " +
                   St->KeepIf->str() + " does not hold";
        return E;
      }
    }
  }

  judge(S, E);
  return E;
}

StringRef toString(Confirmation C) {
  switch (C) {
  case Confirmation::NotAsked:
    return "not_asked";
  case Confirmation::Confirmed:
    return "confirmed";
  case Confirmation::NotConfirmable:
    return "not_confirmable";
  case Confirmation::OutOfTime:
    return "out_of_time";
  }
  llvm_unreachable("a confirmation without a spelling");
}

json::Value toJSON(const Evaluation &E) {
  json::Object Metrics, StdDev, PerWorkload, Artifacts;
  for (const auto &[K, V] : E.Metrics)
    Metrics[K] = V;
  for (const auto &[K, V] : E.MetricStdDev)
    StdDev[K] = V;
  for (const auto &[W, Ms] : E.PerWorkload) {
    json::Object O;
    for (const auto &[K, V] : Ms)
      O[K] = V;
    PerWorkload[W] = std::move(O);
  }
  for (const auto &[K, V] : E.Artifacts)
    Artifacts[K] = V;
  json::Array Stages;
  for (const StageOutcome &St : E.Stages)
    Stages.push_back(json::Object{{"name", St.Name},
                                  {"workloads", int64_t(St.Workloads)},
                                  {"status", toString(St.Status)},
                                  {"wall_ms", St.WallMs}});
  json::Value PassJSON = passes::toJSON(E.Passes);
  json::Object &PassData = *PassJSON.getAsObject();
  json::Array Diagnostics;
  for (const regions::SourceDiagnostic &D : E.CompileErrors)
    Diagnostics.push_back(json::Object{{"file", D.File},
                                       {"line", D.Line},
                                       {"column", D.Column},
                                       {"message", D.Message}});
  return json::Object{
      {"status", toString(E.Status)},
      {"reason", E.Reason},
      {"score", E.Score ? json::Value(*E.Score) : json::Value(nullptr)},
      {"feasible", E.Feasible},
      {"metrics", std::move(Metrics)},
      {"metrics_stddev", std::move(StdDev)},
      {"per_workload", std::move(PerWorkload)},
      {"artifacts", std::move(Artifacts)},
      {"failed_constraints", json::Array(E.FailedConstraints)},
      {"objectives", json::Array(E.Objectives)},
      {"diagnostics", std::move(Diagnostics)},
      {"stdout", StringRef(E.Stdout).take_back(4096).str()},
      {"stderr", StringRef(E.Stderr).take_back(4096).str()},
      {"rejections", std::move(PassData["rejections"])},
      {"features", std::move(PassData["features"])},
      {"fingerprint", passes::programFingerprint(E.Passes)},
      {"confirmation", json::Object{{"status", toString(E.Confirmed)},
                                    {"note", E.ConfirmNote}}},
      {"stages", std::move(Stages)},
      {"compiles_reused", int64_t(E.CompilesReused)},
      {"timings_ms", json::Object{{"compile", E.CompileMs},
                                  {"link", E.LinkMs},
                                  {"run", E.RunMs},
                                  {"wall", E.WallMs}}}};
}

} // namespace eval
} // namespace adrs
