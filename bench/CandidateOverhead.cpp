//===- CandidateOverhead.cpp - What one candidate costs -------------------===//
//
// Measures, on the Can't Be Late example, adrsc's per-candidate overhead --
// applying an edit, re-parsing and running the passes, compiling the
// region's unit, linking it against the prebuilt simulator and evaluator,
// and forking the sandboxed child -- without the evaluator's own work, side
// by side with building the same whole program with a `clang++ -O2`
// subprocess. Prints both medians and their ratio.
//
//   build/bin/adrs-bench-overhead [--candidates N] [--builds M]
//
//===----------------------------------------------------------------------===//

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Executor.h"
#include "adrs/Passes/CandidateChecker.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

using namespace llvm;
using namespace adrs;

// Only these in --help, not the hundreds LLVM registers.
static cl::OptionCategory BenchOptions("adrs-bench-overhead options");

static cl::opt<unsigned> Candidates("candidates", cl::init(40),
                                    cl::desc("Candidates to time"),
                                    cl::cat(BenchOptions));
static cl::opt<unsigned> Builds("builds", cl::init(5),
                                cl::desc("clang++ builds to time"),
                                cl::cat(BenchOptions));
static cl::opt<bool> Separate(
    "separate-check",
    cl::desc("Also time the separate re-parse that `adrsc patch` does "
             "(the search runs the passes on the child's parse instead)"),
    cl::cat(BenchOptions));
static cl::opt<unsigned> Soak(
    "soak", cl::init(0),
    cl::desc("Then run this many full evaluations and report the memory of "
             "adrsc's own process and of the zygote before and after"),
    cl::cat(BenchOptions));
static cl::opt<std::string>
    Example("example", cl::init(ADRS_SOURCE_DIR "/examples/cant-be-late"),
            cl::desc("The example directory"), cl::cat(BenchOptions));

/// Resident memory of a process in KiB, from /proc.
static long residentKiB(const std::string &Pid) {
  std::ifstream Status("/proc/" + Pid + "/status");
  std::string Line;
  while (std::getline(Status, Line))
    if (Line.rfind("VmRSS:", 0) == 0)
      return std::stol(Line.substr(6));
  return -1;
}

static double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  return V.empty() ? 0 : V[V.size() / 2];
}

static double msSince(std::chrono::steady_clock::time_point T) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - T)
      .count();
}

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(BenchOptions);
  cl::ParseCommandLineOptions(argc, argv, "adrsc per-candidate overhead\n");
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs());
  Expected<spec::Spec> S = spec::loadSpec(Example + "/spec.adrs", Diags);
  if (!S) {
    errs() << toString(S.takeError()) << "\n";
    return 1;
  }
  Expected<std::vector<regions::Region>> Regions =
      regions::findRegions(*S, Diags);
  if (!Regions) {
    errs() << toString(Regions.takeError()) << "\n";
    return 1;
  }
  Expected<candidate::Sources> Sources = candidate::Sources::read(*Regions);
  if (!Sources) {
    errs() << toString(Sources.takeError()) << "\n";
    return 1;
  }
  Expected<passes::PassPipeline> Pipeline =
      passes::PassPipeline::create(passes::defaultPasses());
  if (!Pipeline) {
    errs() << toString(Pipeline.takeError()) << "\n";
    return 1;
  }

  // Start the zygote before anything else can create threads.
  Expected<std::unique_ptr<eval::Executor>> Exec =
      eval::Executor::start(*S, *Regions);
  if (!Exec) {
    errs() << toString(Exec.takeError()) << "\n";
    return 1;
  }
  Expected<std::unique_ptr<passes::CandidateChecker>> Checker =
      passes::CandidateChecker::create(*S, *Regions);
  if (!Checker) {
    errs() << toString(Checker.takeError()) << "\n";
    return 1;
  }

  std::vector<double> Patch, Check, Compile, Link, Child, Total;
  for (unsigned I = 0; I < Candidates; ++I) {
    // A different constant each time: nothing can be cached by text.
    std::string Reply = "<<<<<<< SEARCH\n  if (left <= 1e-9)\n=======\n"
                        "  if (left <= " +
                        std::to_string(1e-9 * (I + 2)) + ")\n>>>>>>> REPLACE\n";
    auto Start = std::chrono::steady_clock::now();
    Expected<candidate::Prepared> P =
        candidate::prepare(*Sources, Reply, Sources->baseline());
    if (!P) {
      errs() << toString(P.takeError()) << "\n";
      return 1;
    }
    Patch.push_back(msSince(Start));
    if (Separate) {
      auto CheckStart = std::chrono::steady_clock::now();
      Expected<passes::CheckResult> C =
          (*Checker)->check(P->Layout.Overrides, P->Layout.Regions, *Pipeline);
      if (!C || C->Result != Status::OK) {
        if (!C)
          consumeError(C.takeError());
        errs() << "the candidate did not pass the checks\n";
        return 1;
      }
      Check.push_back(msSince(CheckStart));
    }
    eval::RunRequest Request;
    Request.Overrides = P->Layout.Overrides;
    Request.Action = eval::ChildAction::LinkOnly;
    // The passes run on the child's own parse of the candidate.
    Request.Regions = P->Layout.Regions;
    Request.Passes = passes::defaultPasses();
    Request.Limits.WallSeconds = 30;
    Expected<eval::RunResult> Run = (*Exec)->run(Request);
    if (!Run || Run->Status != Status::OK) {
      errs() << "the candidate did not build: "
             << (Run ? Run->Reason : toString(Run.takeError())) << "\n";
      return 1;
    }
    Compile.push_back(Run->Timings.CompileMs);
    Link.push_back(Run->Timings.LinkMs);
    Child.push_back(Run->WallMs);
    Total.push_back(msSince(Start));
  }

  if (Soak) {
    eval::RunRequest Request;
    Request.Limits.WallSeconds = 30;
    for (const std::string &F : S->trainFiles())
      Request.Workloads.push_back({F, F});
    long SelfBefore = residentKiB("self");
    unsigned Failures = 0;
    auto SoakStart = std::chrono::steady_clock::now();
    for (unsigned I = 0; I < Soak; ++I) {
      std::string Reply = "<<<<<<< SEARCH\n  if (left <= 1e-9)\n=======\n"
                          "  if (left <= " +
                          std::to_string(1e-9 * (I + 2)) +
                          ")\n>>>>>>> REPLACE\n";
      Expected<candidate::Prepared> P =
          candidate::prepare(*Sources, Reply, Sources->baseline());
      if (!P) {
        errs() << toString(P.takeError()) << "\n";
        return 1;
      }
      Request.Overrides = P->Layout.Overrides;
      Request.Regions = P->Layout.Regions;
      Request.Passes = passes::defaultPasses();
      Expected<eval::RunResult> Run = (*Exec)->run(Request);
      if (!Run || Run->Status != Status::OK) {
        ++Failures;
        if (!Run)
          consumeError(Run.takeError());
      }
      if (I + 1 == 100)
        SelfBefore = residentKiB("self"); // after warm-up
    }
    double Seconds = msSince(SoakStart) / 1000;
    outs() << format("soak: %u evaluations in %.1f s (%.1f per second), %u "
                     "failed; adrsc RSS %ld KiB after 100, %ld KiB after %u\n",
                     unsigned(Soak), Seconds, Soak / Seconds, Failures,
                     SelfBefore, residentKiB("self"), unsigned(Soak));
  }

  // The conventional way: one clang++ -O2 build of the whole program.
  std::string Clang = "clang++-16";
  ErrorOr<std::string> ClangPath = sys::findProgramByName(Clang);
  if (!ClangPath)
    ClangPath = sys::findProgramByName("clang++");
  std::vector<double> Build;
  if (ClangPath) {
    SmallString<128> Out;
    sys::fs::createTemporaryFile("adrs-bench", "exe", Out);
    for (unsigned I = 0; I < Builds; ++I) {
      std::vector<std::string> Owned = {
          *ClangPath,
          "-O2",
          "-std=c++17",
          "-I",
          Example + "/sim",
          "-I",
          std::string(ADRS_SOURCE_DIR) + "/include",
          Example + "/sim/spot_sim.cpp",
          Example + "/policy/greedy.cpp",
          std::string(ADRS_SOURCE_DIR) + "/bench/cbl_main.cpp",
          "-o",
          std::string(Out)};
      std::vector<StringRef> Args(Owned.begin(), Owned.end());
      auto Start = std::chrono::steady_clock::now();
      int Rc = sys::ExecuteAndWait(*ClangPath, Args);
      if (Rc != 0) {
        errs() << "clang++ failed\n";
        return 1;
      }
      Build.push_back(msSince(Start));
    }
    sys::fs::remove(Out);
  }

  outs() << "adrsc per-candidate overhead on " << Example << " (" << Candidates
         << " candidates, medians):\n";
  outs() << format("  apply edit            %8.2f ms\n", median(Patch));
  if (Separate)
    outs() << format("  separate re-parse     %8.2f ms (not in the total)\n",
                     median(Check));
  outs() << format("  parse, passes, codegen%8.2f ms\n", median(Compile));
  outs() << format("  link                  %8.2f ms\n", median(Link));
  outs() << format("  sandboxed child, all  %8.2f ms\n", median(Child));
  outs() << format("  total per candidate   %8.2f ms\n",
                   median(Total) - (Separate ? median(Check) : 0));
  if (!Build.empty()) {
    outs() << format("clang++ -O2 whole-program build (%u builds): %8.2f ms\n",
                     unsigned(Build.size()), median(Build));
    outs() << format("ratio (clang++ build / adrsc candidate): %.1fx\n",
                     median(Build) /
                         (median(Total) - (Separate ? median(Check) : 0)));
  }
  return 0;
}
