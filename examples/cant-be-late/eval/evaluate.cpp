//===- evaluate.cpp - Evaluator for Can't Be Late --------------------------===//
//
// Runs the policy on every trace of the stage's workloads for the standard
// grid (2 deadlines x 3 restart overheads) and reports the average cost and
// the score of the public ADRS evaluator. The deadline safety rule is in the
// simulator, outside the evolved region; a missed deadline is still counted
// and reported so that the spec's `require` can reject such a candidate.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "spot_sim.h"

#include <cstdio>
#include <string>
#include <vector>

cbl::ClusterType decide(const cbl::PolicyState &s);

namespace {

struct TraceFile {
  std::vector<cbl::Trace> Traces;
  std::string Error;
};

std::string format(const char *Fmt, double A, double B = 0) {
  char Buffer[128];
  std::snprintf(Buffer, sizeof(Buffer), Fmt, A, B);
  return Buffer;
}

} // namespace

void adrs_evaluate(adrs::EvalContext &Ctx) {
  double TotalCost = 0;
  int Simulations = 0, Missed = 0;
  std::string Feedback;
  for (const adrs::Workload &W : Ctx.workloads()) {
    // Parsed once per run; candidates only pay for simulating.
    const TraceFile &File = Ctx.cached<TraceFile>(W.Path, [&] {
      TraceFile F;
      cbl::loadTraces(W.Path, F.Traces, F.Error);
      return F;
    });
    if (!File.Error.empty()) {
      Ctx.artifact("error", File.Error);
      return; // no metrics: the candidate is reported as invalid_output
    }
    cbl::Evaluation E = cbl::evaluate(File.Traces, decide);
    TotalCost += E.avgCost * E.numSimulations;
    Simulations += E.numSimulations;
    Missed += E.missedDeadlines;
    Ctx.workloadMetric(W.Name, "avg_cost", E.avgCost);
    Ctx.workloadMetric(W.Name, "deadline_misses", E.missedDeadlines);
    for (int D = 0; D < cbl::kNumDeadlines; ++D)
      Feedback += format("deadline %.0fh: ", cbl::kDeadlineHours[D]) +
                  format("avg cost $%.2f (overhead 0.02h) .. ",
                         E.avgCostByConfig[D][0]) +
                  format("$%.2f (0.1h)\n", E.avgCostByConfig[D][2]);
  }
  if (Simulations == 0) {
    Ctx.artifact("error", "no traces in the stage's workloads");
    return;
  }
  double AvgCost = TotalCost / Simulations;
  Ctx.metric("avg_cost", AvgCost);
  Ctx.metric("score", cbl::scoreFromCost(AvgCost));
  Ctx.metric("deadline_misses", Missed);
  Ctx.artifact("costs", Feedback);
}
