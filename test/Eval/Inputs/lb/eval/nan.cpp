// An evaluator with a mistake: a metric that is not a number (0/0 when no
// job ran, here on purpose), and one reported twice.
#include "adrs/Evaluator.h"

#include <cmath>

void evaluate_nan(adrs::EvalContext &Ctx) {
  Ctx.metric("mean_response", std::nan(""));
  Ctx.metric("invalid_choices", 0);
}

void evaluate_twice(adrs::EvalContext &Ctx) {
  Ctx.metric("mean_response", 1);
  Ctx.metric("invalid_choices", 0);
  Ctx.metric("mean_response", 0.5);
}
