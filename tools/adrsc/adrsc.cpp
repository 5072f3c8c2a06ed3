//===- adrsc.cpp - The adrsc driver ---------------------------------------===//
//
// adrsc evolves the marked parts of a C++ system against a researcher's
// evaluator. This file only parses the command line and dispatches; each
// subcommand's work lives in the component libraries.
//
// Exit codes: 0 success, 1 the input was checked and found wanting (errors
// in a spec, an infeasible program), 2 the command line itself was wrong.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"
#include "adrs/Config.h"

#include "adrs/Eval/Executor.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace llvm;
using namespace adrs;

namespace adrs {
namespace driver {

cl::OptionCategory AdrsCategory("adrsc options");

cl::SubCommand CheckCmd("check",
                        "Parse a spec and check it; print nothing when it is "
                        "correct, clang-style diagnostics otherwise");
cl::SubCommand RegionsCmd("regions",
                          "List the regions a spec names, found with Clang, "
                          "with the context a proposal needs");
cl::SubCommand PatchCmd("patch",
                        "Apply an edit (an LLM reply, prose and all) to the "
                        "regions, re-parse, run the candidate passes, and "
                        "print the diff or why the edit is refused");
cl::SubCommand EvalCmd("eval",
                       "Score the current sources, or an edit of them, as a "
                       "search would: compile, link and run the evaluator in "
                       "a sandbox");
cl::SubCommand RunCmd("run",
                      "Evolve the regions until the budget is spent; resume "
                      "the run if its directory has one ('adrsc spec.adrs' "
                      "is 'adrsc run spec.adrs')");
cl::SubCommand BestCmd("best",
                       "Print the best candidate of a run: its scores on the "
                       "train and test workloads and its diff");
cl::SubCommand ApplyCmd("apply",
                        "Write a run's best program back into the sources");
cl::SubCommand VerifyCmd("verify",
                         "Score the current sources on the test workloads "
                         "and check the spec's constraints and verify "
                         "conditions (exit 0 pass, 1 fail)");
cl::SubCommand HintCmd("hint",
                       "Add a hint to a run's prompts, running or stopped "
                       "(--file F, --list, --remove N)");
cl::SubCommand PinCmd("pin", "Keep a candidate among a run's parents, in "
                             "every island (--remove, --list)");
cl::SubCommand RollbackCmd("rollback",
                           "Make a run go on from a candidate as if nothing "
                           "after it had improved on it");
cl::SubCommand LogCmd("log", "Print a run's events in order: bests, hints, "
                             "pins, rollbacks, scratchpads, migrations, "
                             "tunings");
cl::SubCommand ReportCmd("report",
                         "Write a run's report: one self-contained HTML page "
                         "(score plots, the winner's lineage and diff, "
                         "failure taxonomy, search health) or its JSON");
cl::SubCommand ServeCmd("serve", "Serve a run's report as a live dashboard on "
                                 "127.0.0.1 while the run goes on (/ and "
                                 "/report.json)");
cl::SubCommand PromptsCmd("prompts",
                          "List the system-prompt variants of a run whose "
                          "prompts evolve, with their scores");
cl::SubCommand WorkerCmd("worker",
                         "Evaluate a run's candidates on another machine: "
                         "started by 'adrsc run' as a SLURM job step, it "
                         "speaks on stdin and stdout (docs/cluster.md)");

static cl::list<std::string>
    LoadPlugins("load",
                cl::desc("Load a plugin (a shared object) that registers "
                         "candidate passes"),
                cl::value_desc("lib.so"), cl::sub(cl::SubCommand::getAll()),
                cl::cat(AdrsCategory));

// ---- Options shared by the commands that read a spec
// -------------------------

static cl::opt<unsigned> ErrorLimit(
    "error-limit",
    cl::desc("Stop after this many errors (0 = no limit; default 20)"),
    cl::init(20), cl::sub(CheckCmd), cl::sub(RegionsCmd), cl::sub(PatchCmd),
    cl::sub(EvalCmd), cl::sub(RunCmd), cl::sub(VerifyCmd),
    cl::cat(AdrsCategory));

static cl::opt<bool> WarningsAsErrors("Werror",
                                      cl::desc("Treat warnings as errors"),
                                      cl::sub(CheckCmd), cl::sub(RegionsCmd),
                                      cl::sub(PatchCmd), cl::sub(EvalCmd),
                                      cl::sub(RunCmd), cl::sub(VerifyCmd),
                                      cl::cat(AdrsCategory));

static cl::opt<bool> NoWarnings("w", cl::desc("Do not print warnings"),
                                cl::sub(CheckCmd), cl::sub(RegionsCmd),
                                cl::sub(PatchCmd), cl::sub(EvalCmd),
                                cl::sub(RunCmd), cl::sub(VerifyCmd),
                                cl::cat(AdrsCategory));

static cl::opt<std::string> CompilationDatabase(
    "p",
    cl::desc("Take each file's compiler flags from the compile_commands.json "
             "in this build directory (as clang-tidy -p); overrides the "
             "spec's 'compdb'"),
    cl::value_desc("build-dir"), cl::sub(CheckCmd), cl::sub(RegionsCmd),
    cl::sub(PatchCmd), cl::sub(EvalCmd), cl::sub(RunCmd), cl::sub(VerifyCmd),
    cl::sub(BestCmd), cl::cat(AdrsCategory));

enum class ColorMode { Auto, Always, Never };
static cl::opt<ColorMode> Color(
    "color", cl::desc("Color diagnostics"),
    cl::values(clEnumValN(ColorMode::Auto, "auto", "when stderr is a terminal"),
               clEnumValN(ColorMode::Always, "always", "always"),
               clEnumValN(ColorMode::Never, "never", "never")),
    cl::init(ColorMode::Auto), cl::sub(CheckCmd), cl::sub(RegionsCmd),
    cl::sub(PatchCmd), cl::sub(EvalCmd), cl::sub(RunCmd), cl::sub(VerifyCmd),
    cl::cat(AdrsCategory));

bool useColor() {
  switch (Color) {
  case ColorMode::Always:
    // As clang's -fcolor-diagnostics: even into a pipe or a file.
    errs().enable_colors(true);
    WithColor::setAutoDetectFunction([](const raw_ostream &) { return true; });
    return true;
  case ColorMode::Never:
    return false;
  case ColorMode::Auto:
    return errs().has_colors();
  }
  return false;
}

void configure(DiagnosticEngine &Diags) {
  Diags.setErrorLimit(ErrorLimit);
  Diags.setWarningsAsErrors(WarningsAsErrors);
  Diags.setIgnoreWarnings(NoWarnings);
}

std::string plural(size_t N, StringRef Word) {
  return formatv("{0} {1}{2}", N, Word, N == 1 ? "" : "s").str();
}

void printModelUsage(raw_ostream &OS,
                     const std::map<std::string, store::ModelUsage> &Models) {
  double Total = 0;
  for (const auto &[Model, U] : Models) {
    OS << "model       " << Model << ": " << U.Requests << " requests, "
       << U.PromptTokens << " + " << U.CompletionTokens << " tokens, $"
       << format("%.4f", U.CostUSD) << "\n";
    Total += U.CostUSD;
  }
  if (!Models.empty())
    OS << "cost        $" << format("%.4f", Total) << "\n";
}

void printErrorCount(const DiagnosticEngine &Diags) {
  if (Diags.getNumErrors())
    errs() << plural(Diags.getNumErrors(), "error") << " generated.\n";
  else if (Diags.getNumWarnings())
    errs() << plural(Diags.getNumWarnings(), "warning") << " generated.\n";
}

std::optional<std::vector<regions::Region>>
findRegionsOrReport(const spec::Spec &S, DiagnosticEngine &Diags) {
  Expected<std::vector<regions::Region>> Regions =
      regions::findRegions(S, Diags);
  if (!Regions) {
    consumeError(Regions.takeError());
    printErrorCount(Diags);
    return std::nullopt;
  }
  return std::move(*Regions);
}

bool startExecutor(const spec::Spec &S,
                   const std::vector<regions::Region> &Regions,
                   std::unique_ptr<eval::Executor> &Exec) {
  if (S.Evaluator.Kind != spec::EvaluatorKind::Function)
    return true;
  Expected<std::unique_ptr<eval::Executor>> Started =
      eval::Executor::start(S, Regions);
  if (!Started) {
    WithColor::error(errs(), "adrsc")
        << "cannot prepare the evaluation: " << toString(Started.takeError())
        << "\n";
    return false;
  }
  Exec = std::move(*Started);
  return true;
}

std::optional<std::vector<std::string>>
passListOrReport(ArrayRef<std::string> Given) {
  std::vector<std::string> Passes(Given.begin(), Given.end());
  if (Passes.empty())
    Passes = passes::defaultPasses();
  if (Passes.size() == 1 && Passes[0] == "none")
    Passes.clear();
  if (!checkPassNames(Passes))
    return std::nullopt;
  return Passes;
}

bool checkPassNames(ArrayRef<std::string> Names) {
  Expected<passes::PassPipeline> Pipeline = passes::PassPipeline::create(Names);
  if (!Pipeline) {
    WithColor::error(errs(), "adrsc") << toString(Pipeline.takeError()) << "\n";
    return false;
  }
  return true;
}

std::optional<spec::Spec> loadSpecOrReport(StringRef Path,
                                           DiagnosticEngine &Diags) {
  spec::LoadOptions Options;
  Options.CompilationDatabase = CompilationDatabase;
  Expected<spec::Spec> Spec = spec::loadSpec(Path, Diags, Options);
  if (!Spec) {
    consumeError(Spec.takeError());
    printErrorCount(Diags);
    return std::nullopt;
  }
  if (!regions::checkCompilationDatabase(*Spec, Diags)) {
    printErrorCount(Diags);
    return std::nullopt;
  }
  return std::move(*Spec);
}

} // namespace driver
} // namespace adrs

using namespace adrs::driver;

namespace {

void printVersion(raw_ostream &OS) {
  OS << "adrsc " << ADRS_VERSION << " (LLVM " << ADRS_LLVM_VERSION << ")\n";
}

const char *const Overview =
    R"(adrsc - AI-driven research for systems, as a compiler-style tool

adrsc evolves the marked parts of a C++ simulator or system (a scheduler, a
load balancer, a placement heuristic) against your evaluator, and ends with
the best program, a patch and a report.

Mark what may change with // EVOLVE-BLOCK-START name ... // EVOLVE-BLOCK-END
or ADRS_EVOLVE, describe the problem in a spec (docs/spec-language.md), then:

  adrsc check spec.adrs          check the spec; clang-style diagnostics
  adrsc regions spec.adrs        the regions Clang finds, with their context
  adrsc patch spec.adrs --edit reply.txt
                                 apply an edit, re-parse, run the passes
  adrsc eval spec.adrs [--edit reply.txt]
                                 score the sources (or an edit) in a sandbox
  adrsc spec.adrs                evolve the regions (adrsc run spec.adrs);
                                 run it again to resume
  adrsc best adrs-runs/NAME      the best program of a run, train and test
  adrsc apply adrs-runs/NAME     write the best program into the sources
  adrsc verify spec.adrs         the regression gate: test workloads, exit 0/1
  adrsc hint adrs-runs/NAME "..." a hint for the model, running or stopped
  adrsc pin|rollback adrs-runs/NAME ID
                                 keep a parent; go on from a candidate
  adrsc log adrs-runs/NAME       the run's events: bests, hints, pins, ...
  adrsc report adrs-runs/NAME    the run's report as one HTML page (or JSON)
  adrsc serve adrs-runs/NAME     the report as a live dashboard on 127.0.0.1
  adrsc prompts adrs-runs/NAME   the system-prompt variants, with their scores

Run 'adrsc help <command>' or 'adrsc <command> --help' for a command's options.
Exit codes: 0 success, 1 errors in the input, 2 a wrong command line.
)";

/// A reader that stopped reading (`adrsc eval spec.adrs | head -1`) wanted
/// no more: the command ends as it would have, without a word about the
/// output it could not write. Runs at exit, before the streams' destructors,
/// which would otherwise stop the process with "IO failure on output
/// stream".
void forgiveClosedPipes() {
  for (raw_fd_ostream *OS : {&outs(), &errs()}) {
    OS->flush();
    if (OS->has_error() && OS->error() == std::errc::broken_pipe)
      OS->clear_error();
  }
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  // The executor's transports register themselves from static libraries.
  eval::linkSlurmTransport();
  // One behaviour for every command: a closed output pipe fails the write
  // (forgiven at exit) instead of raising SIGPIPE, which the evaluation
  // zygote's socket and a chat command's pipes need ignored anyway.
  std::signal(SIGPIPE, SIG_IGN);
  outs();
  errs();
  std::atexit(forgiveClosedPipes);
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(AdrsCategory, *cl::TopLevelSubCommand);
  for (cl::SubCommand *Sub :
       {&CheckCmd, &RegionsCmd, &PatchCmd, &EvalCmd, &RunCmd, &BestCmd,
        &ApplyCmd, &VerifyCmd, &HintCmd, &PinCmd, &RollbackCmd, &LogCmd,
        &ReportCmd, &ServeCmd, &PromptsCmd, &WorkerCmd})
    cl::HideUnrelatedOptions(AdrsCategory, *Sub);

  // `adrsc help check` is `adrsc check --help`.
  std::vector<const char *> Args(argv, argv + argc);
  if (Args.size() >= 2 && StringRef(Args[1]) == "help") {
    if (Args.size() == 2) {
      Args = {argv[0], "--help"};
    } else {
      const char *Command = Args[2];
      bool Known = false;
      std::vector<std::string> Names;
      for (cl::SubCommand *Sub : cl::getRegisteredSubcommands())
        if (!Sub->getName().empty()) {
          Names.push_back(Sub->getName().str());
          Known |= Sub->getName() == Command;
        }
      if (!Known) {
        llvm::sort(Names);
        WithColor::error(errs(), "adrsc")
            << "unknown command '" << Command
            << "'; the commands are: " << join(Names, ", ") << "\n";
        return ExitUsage;
      }
      Args = {argv[0], Command, "--help"};
    }
  }
  if (Args.size() == 1) {
    outs() << Overview;
    return ExitUsage;
  }
  // `adrsc spec.adrs` is `adrsc run spec.adrs`.
  static const char RunName[] = "run";
  if (Args.size() >= 2 && !StringRef(Args[1]).startswith("-") &&
      !is_contained(std::vector<StringRef>{"check", "regions", "patch", "eval",
                                           "run", "best", "apply", "verify",
                                           "hint", "pin", "rollback", "log",
                                           "report", "serve", "help"},
                    StringRef(Args[1])) &&
      StringRef(Args[1]).endswith(".adrs"))
    Args.insert(Args.begin() + 1, RunName);

  std::string Errors;
  raw_string_ostream ErrorStream(Errors);
  if (!cl::ParseCommandLineOptions(int(Args.size()), Args.data(), Overview,
                                   &ErrorStream)) {
    ErrorStream.flush();
    errs() << Errors;
    errs() << "adrsc: run 'adrsc --help' for usage\n";
    return ExitUsage;
  }

  for (const std::string &Plugin : LoadPlugins)
    if (Error E = adrs::passes::loadPlugin(Plugin)) {
      WithColor::error(errs(), "adrsc") << toString(std::move(E)) << "\n";
      return ExitUsage;
    }

  if (CheckCmd)
    return runCheck();
  if (RegionsCmd)
    return runRegions();
  if (PatchCmd)
    return runPatch();
  if (EvalCmd)
    return runEval();
  if (RunCmd)
    return runRun();
  if (BestCmd)
    return runBest();
  if (ApplyCmd)
    return runApply();
  if (VerifyCmd)
    return runVerify();
  if (HintCmd)
    return runHint();
  if (PinCmd)
    return runPin();
  if (RollbackCmd)
    return runRollback();
  if (LogCmd)
    return runLog();
  if (ReportCmd)
    return runReport();
  if (ServeCmd)
    return runServe();
  if (PromptsCmd)
    return runPrompts();
  if (WorkerCmd)
    return runWorker();

  outs() << Overview;
  return ExitUsage;
}
