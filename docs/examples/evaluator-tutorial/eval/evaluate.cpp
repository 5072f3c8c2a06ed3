//===- evaluate.cpp - The evaluator of the load-balancing tutorial ---------===//
//
// Runs the policy on every workload of the stage, checks what came back,
// and reports three metrics (each exactly once), the same numbers per
// workload, and text feedback for the next proposal.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "balancer.h"

#include <cmath>
#include <cstdio>
#include <string>

// The function under evolution, defined in policy/assign.cpp.
int assign(const lb::View &v);

namespace {

// What cached() keeps for one workload file: the parsed jobs, or why the
// file could not be read. It must be copyable or movable.
struct Parsed {
  lb::Workload Load;
  std::string Error;
};

std::string fixed(double X) {
  char Buffer[32];
  std::snprintf(Buffer, sizeof(Buffer), "%.3f", X);
  return Buffer;
}

} // namespace

void evaluate_balancer(adrs::EvalContext &Ctx) {
  double TotalResponse = 0, MaxResponse = 0;
  long Jobs = 0, Invalid = 0;
  std::string Summary, Worst;
  double WorstMean = -1;

  for (const adrs::Workload &W : Ctx.workloads()) {
    // Parsing does not depend on the candidate: do it through cached().
    const Parsed &P = Ctx.cached<Parsed>(W.Path, [&] {
      Parsed Out;
      lb::loadWorkload(W.Path, Out.Load, Out.Error);
      return Out;
    });
    if (!P.Error.empty()) {
      // No metrics at all: adrsc reports invalid_output, with this text.
      Ctx.artifact("error", P.Error);
      return;
    }

    lb::Result R = lb::simulate(P.Load, assign);

    // Validate what came back before believing it. These checks are here,
    // outside the region, so no candidate can remove them.
    if (R.Jobs != long(P.Load.Jobs.size()) || !std::isfinite(R.MeanResponse) ||
        R.MeanResponse < 0) {
      Ctx.artifact("error", W.Name + ": the simulation did not finish every job");
      return;
    }

    TotalResponse += R.MeanResponse * double(R.Jobs);
    Jobs += R.Jobs;
    Invalid += R.InvalidChoices;
    if (R.MaxResponse > MaxResponse)
      MaxResponse = R.MaxResponse;

    Ctx.workloadMetric(W.Name, "mean_response", R.MeanResponse);
    Ctx.workloadMetric(W.Name, "max_response", R.MaxResponse);
    Ctx.workloadMetric(W.Name, "invalid_choices", double(R.InvalidChoices));
    Summary += W.Name + ": mean " + fixed(R.MeanResponse) + " s, max " +
               fixed(R.MaxResponse) + " s over " + std::to_string(R.Jobs) +
               " jobs\n";
    if (R.MeanResponse > WorstMean) {
      WorstMean = R.MeanResponse;
      Worst = W.Name;
    }
  }

  if (Jobs == 0) {
    Ctx.artifact("error", "the stage has no workloads");
    return;
  }

  // Every metric the spec declares, each exactly once, each finite.
  Ctx.metric("mean_response", TotalResponse / double(Jobs));
  Ctx.metric("max_response", MaxResponse);
  Ctx.metric("invalid_choices", double(Invalid));

  Ctx.artifact("summary", Summary);
  Ctx.artifact("worst", Worst + " (mean response " + fixed(WorstMean) + " s)");
  if (Invalid > 0)
    Ctx.artifact("invalid", std::to_string(Invalid) +
                                " jobs were sent to a server that does not "
                                "exist; they ran on server 0");
}
