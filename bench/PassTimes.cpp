//===- PassTimes.cpp - What each candidate pass costs ---------------------===//
//
// Parses an example's region unit once with a one-constant edit applied,
// as `adrsc patch` does, then runs each pass on that same AST many times
// and prints the median time of each, so that a pass's own cost is seen
// without the parse around it (which is noisier than the pass).
//
//   build/bin/adrs-bench-passes [--runs N] [--example DIR]
//
//===----------------------------------------------------------------------===//

#include "adrs/Passes/Pass.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Patch/Edit.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Regions/SourceParser.h"
#include "adrs/Spec/SpecLoader.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>

using namespace llvm;
using namespace adrs;

// Only these in --help, not the hundreds LLVM registers.
static cl::OptionCategory BenchOptions("adrs-bench-passes options");

static cl::opt<unsigned> Runs("runs", cl::init(200),
                              cl::desc("Runs of each pass to time"),
                              cl::cat(BenchOptions));
static cl::opt<std::string>
    Example("example", cl::init(ADRS_SOURCE_DIR "/examples/cant-be-late"),
            cl::desc("The example directory"), cl::cat(BenchOptions));

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(BenchOptions);
  cl::ParseCommandLineOptions(argc, argv, "adrsc per-pass time\n");
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
  const regions::Region &R = Regions->front();
  std::map<std::string, std::string> Original;
  Original[R.File] = (*MemoryBuffer::getFile(R.File))->getBuffer().str();

  // The region changed, so that the passes see a candidate, not the file.
  StringRef Line = StringRef(R.Text).split('\n').first;
  std::string Reply = "<<<<<<< SEARCH\n" + Line.str() + "\n=======\n" +
                      Line.str() + " // edited\n>>>>>>> REPLACE\n";
  Expected<patch::Edit> Edit = patch::parseEdit(Reply);
  if (!Edit) {
    errs() << toString(Edit.takeError()) << "\n";
    return 1;
  }
  patch::PatchResult P = patch::applyEdit(*Edit, *Regions, Original);
  if (!P.accepted()) {
    errs() << P.Rejections.front().Message << "\n";
    return 1;
  }
  Expected<std::unique_ptr<regions::SourceParser>> Parser =
      regions::SourceParser::create(S->Build, R.Unit);
  if (!Parser) {
    errs() << toString(Parser.takeError()) << "\n";
    return 1;
  }
  if (Error E = (*Parser)->reparse(P.Files)) {
    errs() << toString(std::move(E)) << "\n";
    return 1;
  }
  clang::ASTUnit &AST = (*Parser)->ast();
  clang::SourceManager &Sources = AST.getSourceManager();
  auto Ref = Sources.getFileManager().getOptionalFileRef(R.File);
  clang::FileID FID = Ref ? Sources.translateFile(*Ref) : clang::FileID();
  if (FID.isInvalid()) {
    errs() << "the region's file is not in its unit\n";
    return 1;
  }
  std::vector<passes::PassRegion> InFile;
  for (const regions::Region &PR : P.Regions)
    if (PR.File == R.File)
      InFile.push_back({&PR, unsigned(PR.Begin), unsigned(PR.End)});

  passes::linkBuiltinPasses();
  outs() << "per-pass time on " << Example << " (" << unsigned(Runs)
         << " runs on one parse, medians):\n";
  double Sum = 0;
  for (const std::string &Name : passes::defaultPasses()) {
    std::vector<double> Times;
    for (unsigned I = 0; I < Runs; ++I) {
      std::unique_ptr<passes::CandidatePass> Pass;
      for (const passes::PassRegistry::entry &E :
           passes::PassRegistry::entries())
        if (E.getName() == Name)
          Pass = E.instantiate();
      passes::PassResults Results;
      passes::PassContext Ctx(AST.getASTContext(), FID, InFile, *S, Results);
      auto Start = std::chrono::steady_clock::now();
      Pass->run(Ctx);
      Times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - Start)
                          .count());
      if (!Results.Rejections.empty()) {
        errs() << "the '" << Name << "' pass refuses the candidate: "
               << Results.Rejections.front().Message << "\n";
        return 1;
      }
    }
    std::sort(Times.begin(), Times.end());
    double Median = Times[Times.size() / 2];
    Sum += Median;
    outs() << format("  %-14s %8.3f ms\n", Name.c_str(), Median);
  }
  outs() << format("  %-14s %8.3f ms\n", static_cast<const char *>("all"), Sum);
  return 0;
}
