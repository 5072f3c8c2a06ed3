// An evaluator with a mistake: it never reports 'invalid_choices', which
// the spec declares.
#include "adrs/Evaluator.h"
#include "lb.h"

int assign(const lb::View &v);

void evaluate_skip(adrs::EvalContext &Ctx) {
  double Total = 0;
  long Jobs = 0;
  for (const adrs::Workload &W : Ctx.workloads()) {
    lb::Result R;
    if (lb::simulate(W.Path.c_str(), assign, R)) {
      Total += R.MeanResponse * R.Jobs;
      Jobs += R.Jobs;
    }
  }
  Ctx.metric("mean_response", Jobs ? Total / Jobs : 0);
  Ctx.artifact("note", "invalid_choices is not reported");
}
