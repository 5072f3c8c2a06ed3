// The evaluator of the tests: the mean response time over the stage's
// workloads, invalid choices, per-workload metrics, artifacts.
#include "adrs/Evaluator.h"
#include "lb.h"

#include <string>

int assign(const lb::View &v);

namespace {
struct Seen {
  std::string Path;
};
} // namespace

void evaluate(adrs::EvalContext &Ctx) {
  double Total = 0;
  long Jobs = 0, Invalid = 0;
  std::string Names;
  for (const adrs::Workload &W : Ctx.workloads()) {
    // Nothing worth caching in files this small; cached() is exercised.
    const Seen &S = Ctx.cached<Seen>(W.Path, [&] { return Seen{W.Path}; });
    lb::Result R;
    if (!lb::simulate(S.Path.c_str(), assign, R)) {
      Ctx.artifact("error", "cannot read " + W.Name);
      return;
    }
    Total += R.MeanResponse * R.Jobs;
    Jobs += R.Jobs;
    Invalid += R.Invalid;
    Ctx.workloadMetric(W.Name, "mean_response", R.MeanResponse);
    Names += W.Name + " ";
  }
  Ctx.metric("mean_response", Jobs ? Total / Jobs : 0);
  Ctx.metric("invalid_choices", double(Invalid));
  Ctx.artifact("workloads", Names);
}
