//===- SearchSelect.cpp - What choosing a parent costs --------------------===//
//
// Feeds every search strategy a synthetic run of N candidates (scores,
// features, failures and duplicates in realistic proportions), then times
// select(): the median and 99th percentile of many calls, after N/10 and after
// N candidates side by side, so growth with the run's size shows as a ratio.
// Also prints the process's resident memory after each strategy.
//
//   build/bin/adrs-bench-select [--candidates 20000] [--selects 2000]
//
//===----------------------------------------------------------------------===//

#include "adrs/Search/Strategy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

using namespace llvm;
using namespace adrs;

// Only these in --help, not the hundreds LLVM registers.
static cl::OptionCategory BenchOptions("adrs-bench-select options");

static cl::opt<unsigned> Candidates("candidates", cl::init(20000),
                                    cl::desc("Candidates to observe"),
                                    cl::cat(BenchOptions));
static cl::opt<unsigned> Selects("selects", cl::init(2000),
                                 cl::desc("select() calls to time"),
                                 cl::cat(BenchOptions));

static long residentKiB() {
  std::ifstream Status("/proc/self/status");
  std::string Line;
  while (std::getline(Status, Line))
    if (Line.rfind("VmRSS:", 0) == 0)
      return std::stol(Line.substr(6));
  return -1;
}

struct Timing {
  double MedianUs, WorstUs;
};

static Timing timeSelects(search::Strategy &S, uint64_t From) {
  std::vector<double> Us;
  std::mt19937_64 Rng(1);
  for (unsigned I = 0; I < Selects; ++I) {
    auto T = std::chrono::steady_clock::now();
    search::Selection Sel = S.select(From + I, Rng);
    Us.push_back(std::chrono::duration<double, std::micro>(
                     std::chrono::steady_clock::now() - T)
                     .count());
    (void)Sel;
  }
  std::sort(Us.begin(), Us.end());
  // The 99th percentile: the worst single call is the scheduler's, not ours.
  return {Us[Us.size() / 2], Us[Us.size() * 99 / 100]};
}

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(BenchOptions);
  cl::ParseCommandLineOptions(argc, argv, "adrsc parent selection cost\n");
  const std::pair<spec::SearchStrategy, const char *> Kinds[] = {
      {spec::SearchStrategy::Islands, "islands"},
      {spec::SearchStrategy::Greedy, "greedy"},
      {spec::SearchStrategy::Feedback, "feedback"},
      {spec::SearchStrategy::Tree, "tree"},
      {spec::SearchStrategy::Random, "random"}};
  outs() << "strategy  med@N/10 us  p99@N/10 us     med@N us     p99@N us"
            "   ratio    RSS KiB\n";
  for (auto [Kind, Name] : Kinds) {
    spec::SearchSpec Spec;
    Spec.Strategy = Kind;
    Spec.Islands = 4;
    Spec.Features = {{"complexity", 10}, {"length", 10}};
    std::unique_ptr<search::Strategy> S = search::Strategy::create(Spec);
    std::mt19937_64 Rng(7);
    std::normal_distribution<double> Score(30, 5);
    search::Member Base;
    Base.Id = 0;
    Base.Status = Status::OK;
    Base.Feasible = true;
    Base.Score = 27.8;
    Base.Features = {{"complexity", 7}, {"length", 156}};
    S->observe(Base);
    Timing Early{0, 0};
    for (unsigned I = 1; I <= Candidates; ++I) {
      search::Selection Sel = S->select(I, Rng);
      search::Member M;
      M.Id = I;
      M.Parents = {Sel.Parent};
      M.Island = Sel.Island;
      unsigned Kind = Rng() % 10;
      M.Status = Kind < 6   ? Status::OK
                 : Kind < 8 ? Status::Infeasible
                 : Kind < 9 ? Status::CompileError
                            : Status::Duplicate;
      if (ranToTheEnd(M.Status)) {
        M.Score = Score(Rng);
        M.Feasible = M.Status == Status::OK;
      }
      M.Features = {{"complexity", double(3 + Rng() % 12)},
                    {"length", double(100 + Rng() % 120)}};
      S->observe(M);
      if (I == Candidates / 10)
        Early = timeSelects(*S, I + 1);
    }
    Timing Late = timeSelects(*S, Candidates + 1);
    outs() << format("%-9s %12.2f %12.2f %12.2f %12.2f %7.2f %10ld\n", Name,
                     Early.MedianUs, Early.WorstUs, Late.MedianUs, Late.WorstUs,
                     Early.MedianUs > 0 ? Late.MedianUs / Early.MedianUs : 0.0,
                     residentKiB());
  }
  return 0;
}
