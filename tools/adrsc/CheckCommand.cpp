//===- CheckCommand.cpp - adrsc check -------------------------------------===//

#include "Driver.h"

#include "adrs/JIT/Prebuilt.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecJSON.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cmath>
#include <cstdio>

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> CheckSpec(cl::Positional, cl::Required,
                                      cl::desc("<spec.adrs>"),
                                      cl::sub(CheckCmd), cl::cat(AdrsCategory));

enum class DumpFormat { None, JSON };
static cl::opt<DumpFormat> CheckDump(
    "dump",
    cl::desc("Print the resolved spec (absolute paths, expanded "
             "globs, defaults filled in)"),
    cl::values(clEnumValN(DumpFormat::JSON, "json", "as JSON on stdout")),
    cl::init(DumpFormat::None), cl::sub(CheckCmd), cl::cat(AdrsCategory));

static cl::opt<bool>
    CheckVerbose("v", cl::desc("Print a one-line summary of the spec"),
                 cl::sub(CheckCmd), cl::cat(AdrsCategory));

static cl::opt<bool> CheckSpecOnly(
    "spec-only",
    cl::desc("Check the spec alone: do not parse the sources to find the "
             "evolve blocks and the evaluator they name (faster; eval and "
             "run will find what is missing)"),
    cl::sub(CheckCmd), cl::cat(AdrsCategory));

static std::string duration(double Seconds) {
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

static std::string summary(const spec::Spec &S) {
  std::string Evaluator = S.Evaluator.Kind == spec::EvaluatorKind::Function
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
  std::optional<spec::Spec> Spec = loadSpecOrReport(CheckSpec, Diags);
  if (!Spec)
    return ExitFailed;
  // Reading the linked binaries' headers costs nothing beside a build, and
  // a wrong one would otherwise be found only when eval or run sets up.
  if (Error E = jit::checkPrebuilt(Spec->Build.Links,
                                   Triple(sys::getProcessTriple()))) {
    WithColor::error(errs(), "adrsc") << toString(std::move(E)) << "\n";
    return ExitFailed;
  }
  // The names the spec gives, resolved against the sources: what eval and
  // run would otherwise find only after building the simulator.
  std::string Sources;
  std::string Unconfirmable;
  if (!CheckSpecOnly) {
    std::optional<std::vector<regions::Region>> Found =
        findRegionsOrReport(*Spec, Diags);
    if (!Found)
      return ExitFailed;
    // A would-be best is confirmed with the candidate in a process of its
    // own only where the region's arguments can be copied there.
    for (const regions::Region &R : *Found)
      if (!R.Boundary.empty())
        Unconfirmable +=
            "  region '" + R.Name +
            "' cannot be confirmed in a process of its own: " + R.Boundary +
            "\n";
    Expected<regions::EvaluatorCheck> Evaluator =
        regions::checkEvaluator(*Spec, Diags);
    if (!Evaluator) {
      WithColor::error(errs(), "adrsc")
          << "cannot parse the evaluator's sources: "
          << toString(Evaluator.takeError()) << "\n";
      return ExitFailed;
    }
    if (*Evaluator == regions::EvaluatorCheck::Missing) {
      printErrorCount(Diags);
      return ExitFailed;
    }
    Sources =
        "; sources: " + plural(Spec->Regions.size(), "evolve block") + " found";
    if (*Evaluator == regions::EvaluatorCheck::Found)
      Sources += ", evaluator found";
    else if (*Evaluator == regions::EvaluatorCheck::NotChecked)
      Sources += ", evaluator not checked (its files do not compile as they "
                 "are)";
  }
  Expected<std::optional<regions::DatabaseUse>> Database =
      regions::compilationDatabaseUse(*Spec);
  if (!Database) {
    WithColor::error(errs(), "adrsc") << toString(Database.takeError()) << "\n";
    return ExitFailed;
  }
  printErrorCount(Diags);
  if (CheckVerbose) {
    outs() << CheckSpec << ": " << summary(*Spec) << Sources << "\n"
           << Unconfirmable;
    if (*Database) {
      const regions::DatabaseUse &Use = **Database;
      outs() << "  compilation database '" << Spec->Build.CompilationDatabase
             << "': " << Use.Entries
             << (Use.Entries == 1 ? " entry" : " entries") << "; own entry for "
             << plural(Use.Own.size(), "unit") << ", inferred for "
             << Use.Inferred.size() << "\n";
      for (const auto &[File, How] : Use.Inferred)
        outs() << "    " << File << ": " << How << "\n";
    }
  }
  if (CheckDump == DumpFormat::JSON) {
    json::Value Dump = spec::toJSON(*Spec);
    if (*Database) {
      const regions::DatabaseUse &Use = **Database;
      json::Array Inferred;
      for (const auto &[File, How] : Use.Inferred)
        Inferred.push_back(json::Object{{"file", File}, {"how", How}});
      json::Object *Build = Dump.getAsObject()->getObject("build");
      (*Build)["compdb_use"] = json::Object{{"entries", int64_t(Use.Entries)},
                                            {"own", json::Array(Use.Own)},
                                            {"inferred", std::move(Inferred)}};
    }
    outs() << formatv("{0:2}", Dump) << "\n";
  }
  return ExitOK;
}

} // namespace driver
} // namespace adrs
