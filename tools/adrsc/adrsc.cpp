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

#include "adrs/Config.h"
#include "adrs/Spec/SpecJSON.h"
#include "adrs/Spec/SpecLoader.h"
#include "adrs/Support/Diagnostics.h"

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
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace llvm;
using namespace adrs;

namespace {

enum ExitCode { ExitOK = 0, ExitFailed = 1, ExitUsage = 2 };

cl::OptionCategory AdrsCategory("adrsc options");

cl::SubCommand CheckCmd("check",
                        "Parse a spec and check it; print nothing when it is "
                        "correct, clang-style diagnostics otherwise");

// ---- adrsc check -----------------------------------------------------------

cl::opt<std::string> CheckSpec(cl::Positional, cl::Required,
                               cl::desc("<spec.adrs>"), cl::sub(CheckCmd),
                               cl::cat(AdrsCategory));

enum class DumpFormat { None, JSON };
cl::opt<DumpFormat> CheckDump(
    "dump", cl::desc("Print the resolved spec (absolute paths, expanded "
                     "globs, defaults filled in)"),
    cl::values(clEnumValN(DumpFormat::JSON, "json", "as JSON on stdout")),
    cl::init(DumpFormat::None), cl::sub(CheckCmd), cl::cat(AdrsCategory));

cl::opt<bool> CheckVerbose("v",
                           cl::desc("Print a one-line summary of the spec"),
                           cl::sub(CheckCmd), cl::cat(AdrsCategory));

// ---- Options shared by the commands that read a spec -------------------------

cl::opt<unsigned> ErrorLimit(
    "error-limit",
    cl::desc("Stop after this many errors (0 = no limit; default 20)"),
    cl::init(20), cl::sub(CheckCmd), cl::cat(AdrsCategory));

cl::opt<bool> WarningsAsErrors("Werror", cl::desc("Treat warnings as errors"),
                               cl::sub(CheckCmd), cl::cat(AdrsCategory));

cl::opt<bool> NoWarnings("w", cl::desc("Do not print warnings"),
                         cl::sub(CheckCmd), cl::cat(AdrsCategory));

enum class ColorMode { Auto, Always, Never };
cl::opt<ColorMode> Color(
    "color", cl::desc("Color diagnostics"),
    cl::values(clEnumValN(ColorMode::Auto, "auto", "when stderr is a terminal"),
               clEnumValN(ColorMode::Always, "always", "always"),
               clEnumValN(ColorMode::Never, "never", "never")),
    cl::init(ColorMode::Auto), cl::sub(CheckCmd), cl::cat(AdrsCategory));

bool useColor() {
  switch (Color) {
  case ColorMode::Always:
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

std::string duration(double Seconds) {
  auto Format = [](double Value, const char *Unit) {
    char Buffer[64];
    std::snprintf(Buffer, sizeof(Buffer), "%g%s", Value, Unit);
    return std::string(Buffer);
  };
  if (Seconds >= 3600 && std::fmod(Seconds, 3600) == 0)
    return Format(Seconds / 3600, "h");
  if (Seconds >= 60 && std::fmod(Seconds, 60) == 0)
    return Format(Seconds / 60, "m");
  return Format(Seconds, "s");
}

std::string summary(const spec::Spec &S) {
  std::string Evaluator =
      S.Evaluator.Kind == spec::EvaluatorKind::Function
          ? "evaluator " + S.Evaluator.Function
          : "evaluator command";
  std::vector<std::string> Budget;
  if (S.Budget.Iterations)
    Budget.push_back(formatv("{0} iterations", *S.Budget.Iterations).str());
  if (S.Budget.TimeSeconds)
    Budget.push_back(duration(*S.Budget.TimeSeconds));
  if (S.Budget.USD)
    Budget.push_back(formatv("${0}", *S.Budget.USD).str());
  if (S.Budget.TargetScore)
    Budget.push_back(formatv("target score {0}", *S.Budget.TargetScore).str());
  return formatv("problem '{0}': {1}, {2}, {3}, {4} train / {5} test "
                 "workloads, generator {6}, search {7}, budget {8}",
                 S.Name, plural(S.Regions.size(), "region"), Evaluator,
                 plural(S.Metrics.size(), "metric"), S.trainFiles().size(),
                 S.testFiles().size(), toString(S.Generator.Kind),
                 toString(S.Search.Strategy), join(Budget, ", "))
      .str();
}

int runCheck() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  Expected<spec::Spec> Spec = spec::loadSpec(CheckSpec, Diags);
  if (!Spec) {
    // The diagnostics have been printed; the count closes them, as clang
    // does ("2 errors generated.").
    consumeError(Spec.takeError());
    errs() << plural(Diags.getNumErrors(), "error") << " generated.\n";
    return ExitFailed;
  }
  if (Diags.getNumWarnings())
    errs() << plural(Diags.getNumWarnings(), "warning") << " generated.\n";
  if (CheckVerbose)
    outs() << CheckSpec << ": " << summary(*Spec) << "\n";
  if (CheckDump == DumpFormat::JSON)
    outs() << formatv("{0:2}", spec::toJSON(*Spec)) << "\n";
  return ExitOK;
}

void printVersion(raw_ostream &OS) {
  OS << "adrsc " << ADRS_VERSION << " (LLVM " << ADRS_LLVM_VERSION << ")\n";
}

const char *const Overview = R"(adrsc - AI-driven research for systems, as a compiler-style tool

adrsc evolves the marked parts of a C++ simulator or system (a scheduler, a
load balancer, a placement heuristic) against your evaluator, and ends with
the best program, a patch and a report.

Mark what may change with // EVOLVE-BLOCK-START name ... // EVOLVE-BLOCK-END
or ADRS_EVOLVE, describe the problem in a spec (docs/spec-language.md), then:

  adrsc check spec.adrs          check the spec; clang-style diagnostics

Run 'adrsc help <command>' or 'adrsc <command> --help' for a command's options.
Exit codes: 0 success, 1 errors in the input, 2 a wrong command line.
)";

} // namespace

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::SetVersionPrinter(printVersion);
  cl::HideUnrelatedOptions(AdrsCategory, *cl::TopLevelSubCommand);
  cl::HideUnrelatedOptions(AdrsCategory, CheckCmd);

  // `adrsc help check` is `adrsc check --help`.
  std::vector<const char *> Args(argv, argv + argc);
  if (Args.size() >= 2 && StringRef(Args[1]) == "help") {
    if (Args.size() == 2) {
      Args = {argv[0], "--help"};
    } else {
      const char *Command = Args[2];
      Args = {argv[0], Command, "--help"};
    }
  }
  if (Args.size() == 1) {
    outs() << Overview;
    return ExitUsage;
  }

  std::string Errors;
  raw_string_ostream ErrorStream(Errors);
  if (!cl::ParseCommandLineOptions(int(Args.size()), Args.data(), Overview,
                                   &ErrorStream)) {
    ErrorStream.flush();
    errs() << Errors;
    StringRef First = Args[1];
    if (First.endswith(".adrs"))
      errs() << "adrsc: to check this spec, run 'adrsc check " << First
             << "'\n";
    errs() << "adrsc: run 'adrsc --help' for usage\n";
    return ExitUsage;
  }

  if (CheckCmd)
    return runCheck();

  outs() << Overview;
  return ExitUsage;
}
