// The evaluator of the worker environment test: what of the caller's
// environment a candidate's process on a SLURM worker can read. The run
// sets ADRSC_CLUSTER_SECRET before it starts; neither the environment nor
// /proc/self/environ may show it, and the environment must be empty.
#include "adrs/Evaluator.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char **environ;

double predict(double x);

void evaluate_env(adrs::EvalContext &Ctx) {
  double Vars = 0;
  for (char **E = environ; E && *E; ++E)
    ++Vars;
  double Leaked = std::getenv("ADRSC_CLUSTER_SECRET") ? 1 : 0;
  if (std::FILE *F = std::fopen("/proc/self/environ", "r")) {
    std::string All;
    char Buffer[4096];
    size_t N;
    while ((N = std::fread(Buffer, 1, sizeof Buffer, F)) > 0)
      All.append(Buffer, N);
    std::fclose(F);
    if (All.find("ADRSC_CLUSTER_SECRET") != std::string::npos)
      Leaked += 1;
  }
  Ctx.metric("vars", Vars);
  Ctx.metric("leaked", Leaked);
  Ctx.metric("error", predict(1.0) < 0 ? -predict(1.0) : predict(1.0));
}
