//===- RegionsCommand.cpp - adrsc regions ---------------------------------===//

#include "Driver.h"

#include "adrs/Regions/RegionFinder.h"
#include "adrs/Regions/SourceParser.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> RegionsSpec(cl::Positional, cl::Required,
                                        cl::desc("<spec.adrs>"),
                                        cl::sub(RegionsCmd),
                                        cl::cat(AdrsCategory));

static cl::opt<OutputFormat> RegionsFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text", "for people (default)"),
               clEnumValN(OutputFormat::JSON, "json", "for tools")),
    cl::init(OutputFormat::Text), cl::sub(RegionsCmd), cl::cat(AdrsCategory));

static cl::opt<bool> RegionsShowText("text",
                                     cl::desc("Print each region's code too"),
                                     cl::sub(RegionsCmd),
                                     cl::cat(AdrsCategory));

static cl::opt<bool> RegionsVerbose(
    "v",
    cl::desc("Print the compiler arguments of each region's translation "
             "unit, and where a compilation database's flags for it come "
             "from"),
    cl::sub(RegionsCmd), cl::cat(AdrsCategory));

static std::string relative(StringRef Path, StringRef Base) {
  if (!Base.empty() && Path.startswith(Base) && Path.size() > Base.size() &&
      Path[Base.size()] == '/')
    return Path.drop_front(Base.size() + 1).str();
  return Path.str();
}

int runRegions() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  std::optional<spec::Spec> Spec = loadSpecOrReport(RegionsSpec, Diags);
  if (!Spec)
    return ExitFailed;
  std::optional<std::vector<regions::Region>> Found =
      findRegionsOrReport(*Spec, Diags);
  if (!Found)
    return ExitFailed;

  if (RegionsFormat == OutputFormat::JSON) {
    json::Array A;
    for (const regions::Region &R : *Found)
      A.push_back(regions::toJSON(R));
    outs() << formatv("{0:2}", json::Value(std::move(A))) << "\n";
    return ExitOK;
  }
  for (const regions::Region &R : *Found) {
    outs() << R.Name << ": " << spec::toString(R.Kind) << " in "
           << relative(R.File, Spec->BaseDir) << ":" << R.FirstLine << "-"
           << R.LastLine << " (" << plural(R.LastLine - R.FirstLine + 1, "line")
           << ")\n";
    if (!R.Function.empty()) {
      outs() << "  function: " << R.Function << "\n";
      // Whether a would-be best can be confirmed with the candidate in a
      // process of its own (docs/evaluator.md#confirmation).
      outs() << "  confirmation: "
             << (R.Boundary.empty()
                     ? "possible (its arguments can be copied to a process "
                       "of its own)"
                     : "not possible: " + R.Boundary)
             << "\n";
    }
    if (R.Unit != R.File) {
      outs() << "  compiled in: ";
      for (size_t K = 0; K < R.Units.size(); ++K)
        outs() << (K ? ", " : "") << relative(R.Units[K], Spec->BaseDir);
      outs() << "\n";
    }
    if (RegionsVerbose) {
      for (const std::string &Unit : R.Units) {
        std::string Of = R.Units.size() > 1
                             ? " (" + relative(Unit, Spec->BaseDir) + ")"
                             : std::string();
        // The database loaded when the spec was, so neither can fail here
        // but by a bug; it is said rather than hidden.
        Expected<std::vector<std::string>> Args =
            regions::compilerArguments(Spec->Build, Unit);
        outs() << "  arguments" << Of << ":";
        if (Args) {
          for (const std::string &A : *Args) {
            outs() << " ";
            sys::printArg(outs(), A,
                          /*Quote=*/A.empty() || A.find_first_of(" \t\"'\\$") !=
                                                     std::string::npos);
          }
        } else {
          outs() << " (" << toString(Args.takeError()) << ")";
        }
        outs() << "\n";
        if (!Spec->Build.CompilationDatabase.empty()) {
          Expected<regions::DatabaseFlags> Flags =
              regions::databaseFlags(Spec->Build.CompilationDatabase, Unit);
          outs() << "  database entry" << Of << ": "
                 << (!Flags                    ? toString(Flags.takeError())
                     : Flags->Inferred.empty() ? std::string("its own")
                                               : Flags->Inferred)
                 << "\n";
        }
      }
    }
    if (!R.Context.empty()) {
      outs() << "  uses:\n";
      for (const regions::ContextDecl &C : R.Context)
        outs() << formatv("    {0,-9} {1}  ({2}:{3})\n", C.Kind, C.Name,
                          relative(C.File, Spec->BaseDir), C.Line);
    }
    if (RegionsShowText) {
      outs() << "  code:\n";
      SmallVector<StringRef, 32> Lines;
      StringRef(R.Text).split(Lines, '\n');
      if (!Lines.empty() && Lines.back().empty())
        Lines.pop_back();
      for (size_t I = 0; I < Lines.size(); ++I)
        outs() << formatv("    {0,4} | {1}\n", R.FirstLine + I, Lines[I]);
    }
  }
  return ExitOK;
}

} // namespace driver
} // namespace adrs
