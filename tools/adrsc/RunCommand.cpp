//===- RunCommand.cpp - adrsc run (and plain `adrsc spec.adrs`) -----------===//
//
// Evolves the spec's regions until the budget is spent, then prints a summary
// and leaves the best program in <run>/best. A live progress line on a
// terminal, plain log lines otherwise. Ctrl-C stops cleanly: the run can be
// resumed by running the same command again.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Evolve/Run.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Store/RunStore.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <csignal>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> RunSpec(cl::Positional, cl::Required,
                                    cl::desc("<spec.adrs>"), cl::sub(RunCmd),
                                    cl::cat(AdrsCategory));

static cl::opt<std::string>
    RunDir("o",
           cl::desc("The run directory (default: adrs-runs/<problem> next "
                    "to the spec); an existing run there is resumed"),
           cl::value_desc("dir"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<bool> RunFresh(
    "fresh",
    cl::desc("Start over: delete the run directory's database first (asks "
             "on a terminal; --force to skip the question)"),
    cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<bool> RunForce("force", cl::desc("With --fresh, do not ask"),
                              cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<unsigned>
    RunJobs("j",
            cl::desc("Candidates evaluated at once (default: the number of "
                     "cores); -j1 makes a run reproducible for its seed"),
            cl::value_desc("N"), cl::Prefix, cl::init(0), cl::sub(RunCmd),
            cl::cat(AdrsCategory));

enum class ExecutorChoice { Spec, Local, Slurm };
static cl::opt<ExecutorChoice> RunExecutor(
    "executor",
    cl::desc("Where candidates are evaluated (default: the spec's "
             "'executor', else local)"),
    cl::values(clEnumValN(ExecutorChoice::Local, "local",
                          "zygotes on this machine, -j of them"),
               clEnumValN(ExecutorChoice::Slurm, "slurm",
                          "'adrsc worker' job steps on a SLURM cluster "
                          "(docs/cluster.md)")),
    cl::init(ExecutorChoice::Spec), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<unsigned> RunWorkers(
    "workers",
    cl::desc("With the slurm executor: how many workers (job steps); "
             "default: the spec's 'workers', else -j"),
    cl::value_desc("N"), cl::init(0), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<uint64_t>
    RunIterations("iterations",
                  cl::desc("Stop after this many proposals in all (overrides "
                           "the spec's budget)"),
                  cl::value_desc("N"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<std::string>
    RunTime("time",
            cl::desc("Stop after this much run time in all, e.g. 90s, 10m, "
                     "2h (overrides the spec's budget)"),
            cl::value_desc("duration"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<uint64_t> RunSeed(
    "seed",
    cl::desc("The run's random seed (overrides the spec's): the same seed and "
             "-j1 give the same run; a resumed run must be given the seed it "
             "started with"),
    cl::value_desc("N"), cl::sub(RunCmd), cl::cat(AdrsCategory));

enum class StrategyChoice { Spec, Islands, Greedy, Feedback, Tree, Random };
static cl::opt<StrategyChoice> RunStrategy(
    "strategy",
    cl::desc("How parents are chosen (overrides the spec's 'search'; the "
             "spec's settings for other strategies are left unused)"),
    cl::values(
        clEnumValN(StrategyChoice::Islands, "islands",
                   "MAP-Elites islands with migration"),
        clEnumValN(StrategyChoice::Greedy, "greedy", "always the best so far"),
        clEnumValN(StrategyChoice::Feedback, "feedback",
                   "the best, with every recent attempt shown"),
        clEnumValN(StrategyChoice::Tree, "tree", "Monte-Carlo tree search"),
        clEnumValN(StrategyChoice::Random, "random",
                   "always the initial program: the control a search must "
                   "beat")),
    cl::init(StrategyChoice::Spec), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<bool> RunStartFromBaselines(
    "start-from-baselines",
    cl::desc("Put the spec's reference programs ('baseline NAME = FILE') "
             "into the initial population, as parents and crossover donors "
             "(the spec's 'search ..., start from baselines')"),
    cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<bool> RunQuiet("quiet",
                              cl::desc("Print only errors and the summary"),
                              cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<bool>
    RunVerbose("v",
               cl::desc("Also print the routine events (migrations, stalls, "
                        "tunings starting, scratchpads), which otherwise go "
                        "only to the run database ('adrsc log')"),
               cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<double> RunProgressEvery(
    "progress-every",
    cl::desc("Without a terminal, print the progress line every this many "
             "seconds (default: 10)"),
    cl::value_desc("seconds"), cl::init(10), cl::sub(RunCmd),
    cl::cat(AdrsCategory));

static cl::opt<bool> RunNoMinimize(
    "no-minimize",
    cl::desc("Do not minimise the best program at the end of the run (by "
             "default, a run that stops on its budget finds which hunks of "
             "the best's diff keep its score: minimize.json, "
             "best/minimal.patch)"),
    cl::sub(RunCmd), cl::cat(AdrsCategory));

enum class GeneratorChoice { Spec, Builtin, LLM, Command };
static cl::opt<GeneratorChoice> RunGenerator(
    "generator", cl::desc("Who proposes edits (default: the spec's)"),
    cl::values(clEnumValN(GeneratorChoice::Builtin, "builtin",
                          "genetic-improvement edits, no model"),
               clEnumValN(GeneratorChoice::LLM, "llm",
                          "models behind an OpenAI-compatible endpoint "
                          "(--llm-endpoint, --model)"),
               clEnumValN(GeneratorChoice::Command, "command",
                          "a program that reads the prompt on stdin "
                          "(the spec's 'generator command')")),
    cl::init(GeneratorChoice::Spec), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> RunEndpoint(
    "llm-endpoint",
    cl::desc("The OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 "
             "for a local llama.cpp server (overrides the spec's)"),
    cl::value_desc("url"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::list<std::string> RunModels(
    "model",
    cl::desc("A model to ask, with an optional weight (repeatable; replaces "
             "the spec's models): --model gpt-4o-mini:3 --model gpt-4o:1"),
    cl::value_desc("name[:weight]"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> RunKeyEnv(
    "api-key-env",
    cl::desc("The environment variable that holds the API key (overrides "
             "the spec's; the key itself is never written anywhere)"),
    cl::value_desc("VAR"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> RunReplay(
    "replay",
    cl::desc("Take every model's reply from the run in this directory "
             "instead of asking: the same run again, without a network "
             "(use the same -j and spec)"),
    cl::value_desc("rundir"), cl::sub(RunCmd), cl::cat(AdrsCategory));

static cl::list<std::string> RunPasses(
    "passes",
    cl::desc(
        "Candidate passes (default: forbid,allow,fingerprint,features; the "
        "fingerprint and features passes always run)"),
    cl::CommaSeparated, cl::sub(RunCmd), cl::cat(AdrsCategory));

namespace {

std::atomic<int> Interrupts{0};

void onInterrupt(int) {
  // A second Ctrl-C stops without waiting; the run loop sees the count.
  Interrupts.fetch_add(1);
}

std::string signedText(double D, int Digits) {
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), "%+.*f", Digits, D);
  return Buffer;
}

/// The units the spec language accepts for durations, and their long forms.
std::optional<double> parseDuration(StringRef Text) {
  Text = Text.trim();
  double Scale = 1;
  StringRef Number = Text.take_while(
      [](char C) { return isDigit(C) || C == '.' || C == 'e' || C == 'E'; });
  StringRef Unit = Text.drop_front(Number.size()).trim();
  if (Unit == "ms")
    Scale = 0.001;
  else if (Unit.empty() ||
           is_contained(
               ArrayRef<StringRef>{"s", "sec", "secs", "second", "seconds"},
               Unit))
    Scale = 1;
  else if (is_contained(
               ArrayRef<StringRef>{"m", "min", "mins", "minute", "minutes"},
               Unit))
    Scale = 60;
  else if (is_contained(ArrayRef<StringRef>{"h", "hour", "hours"}, Unit))
    Scale = 3600;
  else if (is_contained(ArrayRef<StringRef>{"d", "day", "days"}, Unit))
    Scale = 86400;
  else
    return std::nullopt;
  Text = Number;
  double V;
  if (Text.trim().getAsDouble(V) || V <= 0)
    return std::nullopt;
  return V * Scale;
}

std::string clock(double Seconds) {
  unsigned S = unsigned(std::lround(Seconds));
  if (S >= 3600)
    return formatv("{0}h{1:2}m", S / 3600, (S / 60) % 60);
  if (S >= 60)
    return formatv("{0}m{1:2}s", S / 60, S % 60);
  return formatv("{0}s", S);
}

std::string failures(const evolve::Progress &P) {
  std::string Out;
  for (const auto &[K, V] : P.Failures)
    Out += formatv("{0}{1} {2}", Out.empty() ? "" : ", ", V, toString(K));
  return Out.empty() ? "none" : Out;
}

std::string progressLine(const evolve::Progress &P) {
  std::string Best = P.BestScore ? formatv("{0:F4}", *P.BestScore).str() : "-";
  std::string Delta;
  if (P.BestScore && P.BaselineScore)
    Delta = " (" + signedText(*P.BestScore - *P.BaselineScore, 2) + ")";
  return formatv("iter {0}  best {1}{2}  {3:F1} cand/s  dup {4}  failed: {5}"
                 "{6}  {7}{8}",
                 P.Iteration, Best, Delta, P.CandidatesPerSecond, P.Duplicates,
                 failures(P),
                 P.Models.empty() ? std::string()
                                  : formatv("  ${0:F4}", P.CostUSD).str(),
                 clock(P.Elapsed),
                 P.ETA ? "  ETA " + clock(*P.ETA) : std::string())
      .str();
}

bool confirm(StringRef Question) {
  if (!sys::Process::StandardInIsUserInput())
    return false;
  errs() << Question << " [y/N] ";
  std::string Answer;
  char C;
  while (::read(0, &C, 1) == 1 && C != '\n')
    Answer += C;
  return StringRef(Answer).trim().equals_insensitive("y") ||
         StringRef(Answer).trim().equals_insensitive("yes");
}

} // namespace

int runRun() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  std::optional<spec::Spec> Spec = loadSpecOrReport(RunSpec, Diags);
  if (!Spec)
    return ExitFailed;
  // The command line's seed and strategy stand in for the spec's; both are
  // in the run's snapshot, so a resume with other ones is refused.
  if (RunSeed.getNumOccurrences())
    Spec->Seed = RunSeed;
  // Where candidates are evaluated is not in the snapshot: a run may
  // resume on a cluster, or back on this machine.
  if (RunExecutor == ExecutorChoice::Local)
    Spec->Executor = spec::ExecutorSpec();
  else if (RunExecutor == ExecutorChoice::Slurm)
    Spec->Executor.Kind = spec::ExecutorKind::Slurm;
  if (RunWorkers.getNumOccurrences()) {
    if (Spec->Executor.Kind != spec::ExecutorKind::Slurm) {
      WithColor::error(errs(), "adrsc")
          << "--workers is for --executor slurm; a local run evaluates -j "
             "candidates at once\n";
      return ExitUsage;
    }
    if (RunWorkers == 0) {
      WithColor::error(errs(), "adrsc") << "--workers must be at least 1\n";
      return ExitUsage;
    }
    Spec->Executor.Workers = RunWorkers;
  }
  switch (RunStrategy) {
  case StrategyChoice::Spec:
    break;
  case StrategyChoice::Islands:
    Spec->Search.Strategy = spec::SearchStrategy::Islands;
    break;
  case StrategyChoice::Greedy:
    Spec->Search.Strategy = spec::SearchStrategy::Greedy;
    break;
  case StrategyChoice::Feedback:
    Spec->Search.Strategy = spec::SearchStrategy::Feedback;
    break;
  case StrategyChoice::Tree:
    Spec->Search.Strategy = spec::SearchStrategy::Tree;
    break;
  case StrategyChoice::Random:
    Spec->Search.Strategy = spec::SearchStrategy::Random;
    break;
  }
  if (RunStartFromBaselines) {
    if (Spec->Baselines.empty()) {
      errs() << "adrsc run: --start-from-baselines: the spec names no "
                "'baseline' programs to start from\n";
      return ExitFailed;
    }
    Spec->Search.StartFromBaselines = true;
  }
  // The command line's choices of generator stand in for the spec's.
  spec::GeneratorSpec &G = Spec->Generator;
  if (RunGenerator == GeneratorChoice::Builtin)
    G.Kind = spec::GeneratorKind::Builtin;
  else if (RunGenerator == GeneratorChoice::LLM)
    G.Kind = spec::GeneratorKind::LLM;
  else if (RunGenerator == GeneratorChoice::Command)
    G.Kind = spec::GeneratorKind::Command;
  if (!RunEndpoint.empty()) {
    StringRef U = RunEndpoint;
    if (!U.startswith("http://") && !U.startswith("https://")) {
      WithColor::error(errs(), "adrsc")
          << "--llm-endpoint must be an http:// or https:// URL, not '"
          << RunEndpoint << "'\n";
      return ExitUsage;
    }
    G.Endpoint = U.rtrim("/").str();
  }
  if (!RunKeyEnv.empty())
    G.ApiKeyEnv = RunKeyEnv;
  if (!RunModels.empty()) {
    G.Models.clear();
    for (StringRef M : RunModels) {
      auto [Name, Weight] = M.rsplit(':');
      spec::LLMModel Model;
      Model.Name = Name.str();
      if (!Weight.empty() &&
          (Weight.getAsDouble(Model.Weight) || !(Model.Weight >= 0))) {
        // A colon that is part of the name (llama3.1:8b) has no number
        // after it.
        Model.Name = M.str();
        Model.Weight = 1;
      }
      G.Models.push_back(std::move(Model));
    }
  }
  if (G.Kind == spec::GeneratorKind::LLM && G.Models.empty()) {
    WithColor::error(errs(), "adrsc")
        << "the llm generator needs a model: give one in the spec "
           "(model \"NAME\") or with --model NAME\n";
    return ExitUsage;
  }
  if (G.Kind == spec::GeneratorKind::Command && G.Command.empty()) {
    WithColor::error(errs(), "adrsc")
        << "the command generator needs the spec's 'generator command { run "
           "\"CMD\" }'\n";
    return ExitUsage;
  }
  if (G.Kind == spec::GeneratorKind::LLM)
    // An API key may be in this process's memory from now on: no core
    // file, and no other process of this user reading it.
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  evolve::RunOptions O;
  O.Replay = RunReplay;
  O.Directory =
      RunDir.empty() ? evolve::defaultRunDirectory(*Spec) : std::string(RunDir);
  O.Jobs = RunJobs ? unsigned(RunJobs)
                   : std::max(1u, std::thread::hardware_concurrency());
  if (RunIterations.getNumOccurrences())
    O.Iterations = RunIterations;
  if (!RunTime.empty()) {
    O.TimeSeconds = parseDuration(RunTime);
    if (!O.TimeSeconds) {
      WithColor::error(errs(), "adrsc")
          << "--time expects a duration such as 90s, 10m or 2h, not '"
          << RunTime << "'\n";
      return ExitUsage;
    }
  }
  O.Passes.assign(RunPasses.begin(), RunPasses.end());
  if (!checkPassNames(O.Passes))
    return ExitUsage;

  std::string DB = evolve::databasePath(O.Directory);
  if (RunFresh && sys::fs::exists(DB)) {
    if (!RunForce &&
        !confirm("delete the run in '" + O.Directory + "' and start over?")) {
      WithColor::error(errs(), "adrsc")
          << "not starting over: the run in '" << O.Directory
          << "' is kept (use --fresh --force to delete it without asking)\n";
      return ExitFailed;
    }
    // Deleted by the run once it holds the directory's lock, so that a run
    // still going on there is never deleted.
    O.Fresh = true;
  }

  if (!O.Fresh)
    if (std::string Why = evolve::otherCompilationDatabase(O.Directory, *Spec);
        !Why.empty()) {
      WithColor::error(errs(), "adrsc") << Why << "\n";
      return ExitFailed;
    }
  std::optional<std::vector<regions::Region>> Regions =
      findRegionsOrReport(*Spec, Diags);
  if (!Regions)
    return ExitFailed;

  bool Terminal = sys::Process::StandardErrIsDisplayed();
  size_t LineWidth = 0;
  auto ClearLine = [&] {
    if (LineWidth) {
      errs() << "\r" << std::string(LineWidth, ' ') << "\r";
      LineWidth = 0;
    }
  };
  O.Interrupted = &Interrupts;
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  if (!(RunProgressEvery > 0)) {
    WithColor::error(errs(), "adrsc")
        << "--progress-every expects a number of seconds above 0\n";
    return ExitUsage;
  }
  O.Minimize = !RunNoMinimize;
  if (!RunQuiet) {
    O.OnLog = [&](evolve::LogLevel Level, const std::string &Line) {
      if (Level == evolve::LogLevel::Routine && !RunVerbose)
        return;
      ClearLine();
      errs() << "adrsc: " << Line << "\n";
    };
    auto LastLog = std::chrono::steady_clock::now();
    O.OnProgress = [&, LastLog](const evolve::Progress &P) mutable {
      std::string Line = progressLine(P);
      if (Terminal) {
        unsigned Columns = sys::Process::StandardErrColumns();
        if (Columns && Line.size() >= Columns)
          Line.resize(Columns - 1);
        ClearLine();
        errs() << Line;
        LineWidth = Line.size();
        return;
      }
      // Into a log: a line every few seconds is plenty.
      auto Now = std::chrono::steady_clock::now();
      if (Now - LastLog >=
          std::chrono::duration<double>(double(RunProgressEvery))) {
        errs() << "adrsc: " << Line << "\n";
        LastLog = Now;
      }
    };
  }
  if (!RunQuiet) {
    errs() << "adrsc: run directory " << O.Directory << " (";
    if (Spec->Executor.Kind == spec::ExecutorKind::Slurm) {
      unsigned W = Spec->Executor.Workers ? Spec->Executor.Workers : O.Jobs;
      errs() << W << " SLURM " << (W == 1 ? "worker" : "workers") << ")\n";
    } else {
      errs() << O.Jobs << (O.Jobs == 1 ? " job" : " jobs") << ")\n";
    }
  }

  Expected<evolve::RunSummary> Sum = evolve::run(*Spec, *Regions, O);
  ClearLine();
  if (!Sum) {
    WithColor::error(errs(), "adrsc") << toString(Sum.takeError()) << "\n";
    return ExitFailed;
  }
  const evolve::Progress &P = Sum->Final;
  outs() << "stopped     " << Sum->StopReason << "\n";
  outs() << "candidates  " << P.Iteration << " (" << P.Evaluated
         << " evaluated, " << P.Duplicates << " duplicates";
  if (Sum->Resumed)
    outs() << ", " << Sum->Resumed << " redone after a kill";
  outs() << ")\n";
  outs() << "this run    " << Sum->SessionCandidates << " in "
         << format("%.1f", Sum->SessionSeconds) << " s, "
         << format("%.1f", Sum->SessionSeconds > 0
                               ? Sum->SessionCandidates / Sum->SessionSeconds
                               : 0.0)
         << " candidates/s\n";
  outs() << "failures    " << failures(P) << "\n";
  printModelUsage(outs(), P.Models);
  if (P.BaselineScore)
    outs() << "baseline    score " << format("%.4f", *P.BaselineScore) << "\n";
  if (P.BestScore) {
    outs() << "best        #" << P.BestId << ", score "
           << format("%.4f", *P.BestScore);
    if (P.BaselineScore)
      outs() << " (" << signedText(*P.BestScore - *P.BaselineScore, 4) << ")";
    outs() << (P.BestFeasible ? "" : " (infeasible)") << "\n";
  }
  outs() << "result      " << Sum->BestDirectory << " (adrsc best "
         << O.Directory << ")\n";
  if (!Sum->Minimized.empty())
    outs() << "minimal     " << Sum->Minimized << "\n";
  return Sum->Feasible ? ExitOK : ExitFailed;
}

} // namespace driver
} // namespace adrs
