//===- CompileCost.cpp - What compiling one candidate costs ---------------===//
//
// Measures, side by side in one run, the per-candidate compile of three
// problems -- Can't Be Late (a small unit), cloudcast (a unit with <queue>,
// <functional> and <algorithm>) and bench/Inputs/templated (a region that
// instantiates std::stable_sort, std::unordered_map and a template of its
// own) -- against `clang++ -O2 -c` of every translation unit of the same
// program with the same flags. Each candidate changes a constant, so nothing
// can be reused by text; it goes through the executor as in a run (parse,
// passes and code generation in the sandboxed child, then linking), without
// the evaluator's own work. Each candidate is then run once more, as a
// cascade's next stage would run it, to time what that run costs.
//
//   build/bin/adrs-bench-compile [--candidates N] [--builds M] [--problem P]
//
// A fourth problem, LevelDB's compaction policy (examples/leveldb, a
// 1,500-line unit with three regions), is measured when its tree is there
// (examples/leveldb/get-leveldb.sh): most of its unit is reached by no
// region and is not compiled per candidate.
//
//===----------------------------------------------------------------------===//

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Executor.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Regions/SourceParser.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <string>

using namespace llvm;
using namespace adrs;

static cl::OptionCategory BenchOptions("adrs-bench-compile options");

static cl::opt<unsigned> Candidates("candidates", cl::init(20),
                                    cl::desc("Candidates to time per problem"),
                                    cl::cat(BenchOptions));
static cl::opt<unsigned> Builds("builds", cl::init(3),
                                cl::desc("clang++ builds to time per problem"),
                                cl::cat(BenchOptions));
static cl::opt<bool>
    WholeUnits("whole-units",
               cl::desc("Also time each problem's candidates compiled with "
                        "their units whole (no reused functions)"),
               cl::cat(BenchOptions));
static cl::list<std::string>
    Only("problem",
         cl::desc("Only this problem (cant-be-late, cloudcast, templated, "
                  "leveldb); "
                  "may be repeated"),
         cl::cat(BenchOptions));

namespace {

struct Problem {
  const char *Name;
  const char *Spec; ///< Relative to the source tree.
  const char *Search;
  /// The replacement, with %s where a different constant goes each time.
  const char *Replace;
  /// A file, relative to the source tree, without which the problem is
  /// skipped unless asked for by name; null when it is always measured.
  const char *Needs = nullptr;
};

const Problem Problems[] = {
    {"cant-be-late", "examples/cant-be-late/spec.adrs", "  if (left <= 1e-9)",
     "  if (left <= %s)"},
    {"cloudcast", "examples/cloudcast/spec.adrs",
     "  const double sharedEdgeWeight = 1.0;",
     "  const double sharedEdgeWeight = %s;"},
    {"templated", "bench/Inputs/templated/spec.adrs",
     "  const double AffinityBonus = 0.5;",
     "  const double AffinityBonus = %s;"},
    {"leveldb", "examples/leveldb/compaction.adrs",
     "  double result = 10. * 1048576.0;",
     "  double result = 10. * %s * 1048576.0;",
     "examples/leveldb/work/build/libleveldb.a"},
};

double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  return V.empty() ? 0 : V[V.size() / 2];
}

double msSince(std::chrono::steady_clock::time_point T) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - T)
      .count();
}

struct Figures {
  double Compile = 0, Link = 0, Build = 0;
  /// The same candidate's next run (a cascade's next stage, a repeat):
  /// what it costs to link the compile the zygote kept.
  double Again = 0;
  unsigned Units = 0;
  size_t Reused =
      0; ///< Functions of the unit compiled once, not per candidate.
};

Expected<Figures> measure(const Problem &P, bool Whole) {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs());
  Expected<spec::Spec> S =
      spec::loadSpec(std::string(ADRS_SOURCE_DIR) + "/" + P.Spec, Diags);
  if (!S)
    return S.takeError();
  Expected<std::vector<regions::Region>> Regions =
      regions::findRegions(*S, Diags);
  if (!Regions)
    return Regions.takeError();
  Expected<candidate::Sources> Sources = candidate::Sources::read(*Regions);
  if (!Sources)
    return Sources.takeError();
  Expected<std::unique_ptr<eval::Executor>> Exec =
      eval::Executor::start(*S, *Regions);
  if (!Exec)
    return Exec.takeError();

  Figures F;
  F.Reused = (*Exec)->reusedFunctions();
  std::vector<double> Compile, Link, Again;
  for (unsigned I = 0; I < Candidates; ++I) {
    std::string Constant = std::to_string(1.0 + 1e-6 * (I + 1));
    auto [Before, After] = StringRef(P.Replace).split("%s");
    std::string Reply = "<<<<<<< SEARCH\n" + std::string(P.Search) +
                        "\n=======\n" + Before.str() + Constant + After.str() +
                        "\n>>>>>>> REPLACE\n";
    Expected<candidate::Prepared> C =
        candidate::prepare(*Sources, Reply, Sources->baseline());
    if (!C)
      return C.takeError();
    eval::RunRequest Request;
    Request.Overrides = C->Layout.Overrides;
    Request.Action = eval::ChildAction::LinkOnly;
    Request.Regions = C->Layout.Regions;
    Request.Passes = passes::defaultPasses();
    Request.Limits.WallSeconds = 60;
    Request.WholeUnits = Whole;
    Expected<eval::RunResult> Run = (*Exec)->run(Request);
    if (!Run)
      return Run.takeError();
    if (Run->Status != Status::OK)
      return createStringError(inconvertibleErrorCode(),
                               "a candidate of %s did not build: %s", P.Name,
                               Run->Reason.c_str());
    Compile.push_back(Run->Timings.CompileMs);
    Link.push_back(Run->Timings.LinkMs);
    // The next stage: no passes (they judged the program once), the
    // compile kept by the zygote.
    Request.Passes.clear();
    Expected<eval::RunResult> Next = (*Exec)->run(Request);
    if (!Next)
      return Next.takeError();
    if (Next->Status != Status::OK || !Next->CompiledBefore)
      return createStringError(inconvertibleErrorCode(),
                               "the next run of a candidate of %s did not "
                               "link its kept compile: %s",
                               P.Name, Next->Reason.c_str());
    Again.push_back(Next->Timings.CompileMs + Next->Timings.LinkMs);
  }
  F.Compile = median(Compile);
  F.Link = median(Link);
  F.Again = median(Again);

  // The conventional way: every translation unit of the program compiled by
  // clang++ -O2 with the spec's own flags (no link, which would only add).
  ErrorOr<std::string> Clang = sys::findProgramByName("clang++-16");
  if (!Clang)
    Clang = sys::findProgramByName("clang++");
  if (!Clang)
    return createStringError(inconvertibleErrorCode(), "no clang++ found");
  std::vector<std::string> Units;
  for (const std::string &U : S->Build.Sources)
    if (!is_contained(Units, U))
      Units.push_back(U);
  for (const std::string &U : S->Evaluator.Files)
    if (!is_contained(Units, U))
      Units.push_back(U);
  for (const regions::Region &R : *Regions)
    if (!is_contained(Units, R.Unit))
      Units.push_back(R.Unit);
  F.Units = Units.size();
  SmallString<128> Out;
  if (std::error_code EC = sys::fs::createTemporaryFile("adrs-bench", "o", Out))
    return createStringError(EC, "cannot create a temporary file");
  std::vector<double> Build;
  for (unsigned B = 0; B < Builds; ++B) {
    auto Start = std::chrono::steady_clock::now();
    for (const std::string &U : Units) {
      Expected<std::vector<std::string>> Flags =
          regions::compilerArguments(S->Build, U);
      if (!Flags)
        return Flags.takeError();
      std::vector<std::string> Owned = {*Clang};
      Owned.insert(Owned.end(), Flags->begin() + 1, Flags->end());
      for (const char *A : {"-O2", "-c", "-o"})
        Owned.push_back(A);
      Owned.push_back(std::string(Out));
      Owned.push_back(U);
      std::vector<StringRef> Args(Owned.begin(), Owned.end());
      std::string Message;
      if (sys::ExecuteAndWait(*Clang, Args, std::nullopt, {}, 0, 0, &Message) !=
          0)
        return createStringError(inconvertibleErrorCode(),
                                 "clang++ failed on %s: %s", U.c_str(),
                                 Message.c_str());
    }
    Build.push_back(msSince(Start));
  }
  sys::fs::remove(Out);
  F.Build = median(Build);
  return F;
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(BenchOptions);
  cl::ParseCommandLineOptions(argc, argv, "adrsc per-candidate compile cost\n");
  outs() << "problem                compile ms    link ms  candidate ms  "
            "clang++ -O2 -c "
            "ms    ratio  reused  next stage ms\n";
  bool Failed = false;
  for (const Problem &P : Problems) {
    if (!Only.empty() && !is_contained(Only, std::string(P.Name)))
      continue;
    if (P.Needs && Only.empty() &&
        !sys::fs::exists(std::string(ADRS_SOURCE_DIR) + "/" + P.Needs)) {
      outs() << format("%-20s skipped: no %s (examples/leveldb/get-leveldb.sh "
                       "makes it)\n",
                       P.Name, P.Needs);
      continue;
    }
    for (bool Whole : {false, true}) {
      if (Whole && !WholeUnits)
        continue;
      Expected<Figures> F = measure(P, Whole);
      if (!F) {
        errs() << P.Name << ": " << toString(F.takeError()) << "\n";
        Failed = true;
        continue;
      }
      double Candidate = F->Compile + F->Link;
      std::string Name = std::string(P.Name) + (Whole ? " (whole)" : "");
      outs() << format(
          "%-20s %12.1f %10.1f %12.1f %14.1f (%u) %7.1fx %7zu %14.1f\n",
          Name.c_str(), F->Compile, F->Link, Candidate, F->Build, F->Units,
          F->Build / Candidate, Whole ? size_t(0) : F->Reused, F->Again);
    }
  }
  outs() << "medians over " << Candidates << " candidates and " << Builds
         << " builds per problem; compile is the child's parse, passes and "
            "code generation, link its JIT linking; (N) is the number of "
            "translation units clang++ compiles; reused, the functions of the "
            "regions' units no region reaches, compiled once at setup (none "
            "with --whole-units' rows); next stage, the same candidate's next "
            "run (a cascade's next stage, a repeat), which links the compile "
            "the zygote kept\n";
  return Failed ? 1 : 0;
}
