//===- eval.cpp - The cost of three jobs ----------------------------------===//

#include "adrs/Evaluator.h"

double simulate(int Jobs);

void evaluate(adrs::EvalContext &Ctx) { Ctx.metric("cost", simulate(3)); }
