//===- evaluate.cpp - Evaluator for the cache eviction tutorial -----------===//
//
// Replays every trace of the stage through the cache with choose_victim()
// and reports the miss ratio over all accesses, and the decisions the
// simulator had to refuse. See docs/tutorial.md.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "cache_sim.h"

#include <cstdio>
#include <string>

// The function under evolution, defined in policy/evict.cpp.
int choose_victim(const cache::View &v);

namespace {

// What cached() keeps for one trace file: the parsed trace, or the error.
struct Parsed {
  cache::Trace Trace;
  std::string Error;
};

std::string percent(double X) {
  char Buffer[32];
  std::snprintf(Buffer, sizeof(Buffer), "%.2f%%", 100 * X);
  return Buffer;
}

} // namespace

void evaluate_cache(adrs::EvalContext &Ctx) {
  long Accesses = 0, Misses = 0, Invalid = 0;
  std::string Summary, Worst;
  double WorstRatio = -1;

  for (const adrs::Workload &W : Ctx.workloads()) {
    // Parsing does not depend on the candidate: do it through cached().
    const Parsed &P = Ctx.cached<Parsed>(W.Path, [&] {
      Parsed Out;
      cache::loadTrace(W.Path, Out.Trace, Out.Error);
      return Out;
    });
    if (!P.Error.empty()) {
      Ctx.artifact("error", P.Error); // no metrics: invalid_output
      return;
    }

    cache::Result R = cache::simulate(P.Trace, choose_victim);
    // The simulator counted every access itself; check before believing it.
    if (R.Accesses != long(P.Trace.Keys.size())) {
      Ctx.artifact("error", W.Name + ": the replay did not finish");
      return;
    }
    Accesses += R.Accesses;
    Misses += R.Misses;
    Invalid += R.InvalidVictims;

    const double Ratio = double(R.Misses) / double(R.Accesses);
    Ctx.workloadMetric(W.Name, "miss_ratio", Ratio);
    Ctx.workloadMetric(W.Name, "invalid_victims", double(R.InvalidVictims));
    Summary += W.Name + ": " + percent(Ratio) + " misses (cache of " +
               std::to_string(P.Trace.Capacity) + ", " +
               std::to_string(R.Accesses) + " accesses)\n";
    if (Ratio > WorstRatio) {
      WorstRatio = Ratio;
      Worst = W.Name;
    }
  }

  if (Accesses == 0) {
    Ctx.artifact("error", "the stage has no traces");
    return;
  }

  // Every metric the spec declares, each exactly once, each finite.
  Ctx.metric("miss_ratio", double(Misses) / double(Accesses));
  Ctx.metric("invalid_victims", double(Invalid));

  Ctx.artifact("summary", Summary);
  Ctx.artifact("worst", Worst + " (" + percent(WorstRatio) + " misses)");
  if (Invalid > 0)
    Ctx.artifact("invalid", std::to_string(Invalid) +
                                " victims were outside 0 .. Size-1; entry 0 "
                                "was evicted instead");
}
