//===- eval.cpp - Scores one job ------------------------------------------===//

#include "adrs/Evaluator.h"
#include "lang/model.h"

double score(const lang::Job &J);

void evaluate(adrs::EvalContext &Ctx) {
  lang::Job J;
  Ctx.metric("cost", score(J));
}
