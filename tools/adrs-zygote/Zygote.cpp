//===- Zygote.cpp - adrs-zygote: where candidates are evaluated -----------===//
//
// Started by adrsc (eval::Executor) with an empty environment and a socket;
// builds the simulator and evaluator once, then forks one sandboxed child
// per candidate. Not meant to be run by hand.
//
//===----------------------------------------------------------------------===//

#include "adrs/Eval/Executor.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Tune/Tuning.h"

int main(int argc, char **argv) {
  // The registries' entries live in static libraries: keep them.
  adrs::passes::linkBuiltinPasses();
  adrs::tune::linkTuneTask();
  return adrs::eval::zygoteMain(argc, argv);
}
