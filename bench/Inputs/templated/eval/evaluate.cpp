//===- evaluate.cpp - The makespan over a fixed job mix -------------------===//
#include "adrs/Evaluator.h"
#include "place.h"

void evaluate(adrs::EvalContext &Ctx) {
  std::vector<Job> Jobs;
  for (int I = 0; I < 200; ++I)
    Jobs.push_back({I, double((I * 37) % 23 + 1), I % 7});
  std::vector<int> Where = place(Jobs, 8);
  Ctx.metric("makespan", makespan(Jobs, Where, 8));
}
