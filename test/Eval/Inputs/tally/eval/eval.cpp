// The evaluator of the confirmation tests: the cost of the capacity over
// every workload of the stage, and the demand it left unmet.
#include "adrs/Evaluator.h"
#include "tally.h"

double provision(const tally::Step &s);

void evaluate(adrs::EvalContext &Ctx) {
  double Cost = 0, Unmet = 0;
  for (const adrs::Workload &W : Ctx.workloads()) {
    if (!tally::run(W.Path.c_str(), provision)) {
      Ctx.artifact("error", "cannot read " + W.Name);
      return;
    }
    Cost += tally::Cost;
    Unmet += tally::Unmet;
  }
  Ctx.metric("cost", Cost);
  Ctx.metric("unmet", Unmet);
}
