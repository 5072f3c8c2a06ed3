//===- eval.cpp - Replays access traces through the cache -----------------===//

#include "adrs/Evaluator.h"
#include "harness.h"

namespace harness {
long gEvictions = 0;
} // namespace harness

void evaluate(adrs::EvalContext &Ctx) {
  Ctx.metric("miss_rate", double(harness::gEvictions));
}
