// The evaluator of the adrsc run tests: the mean absolute error over the
// stage's workloads, and the predictions the spec's `require` forbids.
#include "adrs/Evaluator.h"
#include "fit.h"

#include <string>
#include <time.h>
#include <vector>

double predict(double x);

namespace {
struct Points {
  std::vector<fit::Point> List;
  bool Ok = false;
};
} // namespace

void evaluate_fit(adrs::EvalContext &Ctx) {
  double Total = 0;
  long N = 0, Negatives = 0, Invalid = 0;
  for (const adrs::Workload &W : Ctx.workloads()) {
    const Points &P = Ctx.cached<Points>(W.Path, [&] {
      Points Out;
      Out.Ok = fit::load(W.Path.c_str(), Out.List);
      return Out;
    });
    if (!P.Ok) {
      Ctx.artifact("error", "cannot read " + W.Name);
      return;
    }
    fit::Result R = fit::run(P.List, predict);
    Total += R.Error * R.Points;
    N += R.Points;
    Negatives += R.Negatives;
    Invalid += R.Invalid;
    Ctx.workloadMetric(W.Name, "error", R.Error);
  }
  Ctx.metric("error", N ? Total / N : 0);
  Ctx.metric("negatives", double(Negatives));
  Ctx.metric("invalid", double(Invalid));
}

// The same, slowly: a tenth of a second per evaluation, for the tests that
// signal a run while candidates are being evaluated.
void evaluate_fit_slow(adrs::EvalContext &Ctx) {
  timespec Tenth = {0, 100000000};
  nanosleep(&Tenth, nullptr);
  evaluate_fit(Ctx);
}
