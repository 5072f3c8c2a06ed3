// The evaluator: the simulator's cost over every workload.
#include "adrs/Evaluator.h"
#include "sim.h"

void evaluate(adrs::EvalContext &Ctx) {
  double Cost = 0;
  for (const adrs::Workload &W : Ctx.workloads())
    Cost += sim::run(W.Path.c_str());
  Ctx.metric("cost", Cost);
}
