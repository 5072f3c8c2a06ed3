//===- TuneTask.cpp - CMA-ES inside the candidate's child -----------------===//
//
// The "tune" child task: the lifted program is linked once, then each point
// CMA-ES asks for is written into the parameter table and the evaluator runs
// again. A point that crashes or runs over its time jumps back here and
// counts as invalid. The process may be damaged after such a fault, so a few
// of them end the tuning with what it found; the tuned program is evaluated
// again in a fresh child anyway.
//
//===----------------------------------------------------------------------===//

#include "adrs/Eval/Evaluation.h"
#include "adrs/Eval/Executor.h"
#include "adrs/Exec/Sandbox.h"
#include "adrs/Tune/CMAES.h"
#include "adrs/Tune/Tuning.h"

#include <cmath>
#include <csignal>
#include <limits>
#include <setjmp.h>
#include <sys/time.h>

using namespace llvm;

namespace adrs {
namespace tune {

namespace {

sigjmp_buf Recovery;
volatile sig_atomic_t Fault = 0;
/// Set only while a point's evaluation runs: Recovery is that point's.
volatile sig_atomic_t InPoint = 0;

void onFault(int Signal) {
  Fault = Signal;
  if (InPoint) {
    InPoint = 0;
    siglongjmp(Recovery, 1);
  }
  // Outside a point Recovery belongs to a frame that has returned: jumping
  // there runs on a dead stack. With a heap that a faulting point left
  // damaged, glibc's "malloc(): corrupted ..." and abort() then came round
  // and round until the child had printed the sandbox's output limit many
  // times over. The child ends with the signal instead.
  std::signal(Signal, SIG_DFL);
  raise(Signal);
}

constexpr int FaultSignals[] = {SIGSEGV, SIGBUS,  SIGFPE,
                                SIGILL,  SIGALRM, SIGABRT};

void setTimer(double Seconds) {
  itimerval Timer{};
  Timer.it_value.tv_sec = time_t(Seconds);
  Timer.it_value.tv_usec =
      suseconds_t((Seconds - double(time_t(Seconds))) * 1e6);
  setitimer(ITIMER_REAL, &Timer, nullptr);
}

class TuneTask : public eval::ChildTask {
public:
  json::Value run(eval::ChildContext &Ctx,
                  const json::Value &Payload) override {
    std::vector<Parameter> Parameters;
    unsigned Evaluations = 0;
    uint64_t Seed = 0;
    double Seconds = 10;
    const json::Object *P = Payload.getAsObject();
    if (!P)
      return json::Object{{"error", "the tuning request is not an object"}};
    if (const json::Array *A = P->getArray("parameters"))
      for (const json::Value &V : *A)
        if (const json::Array *X = V.getAsArray(); X && X->size() == 4)
          Parameters.push_back({(*X)[0].getAsNumber().value_or(0),
                                (*X)[1].getAsNumber().value_or(0),
                                (*X)[2].getAsNumber().value_or(0),
                                (*X)[3].getAsBoolean().value_or(false)});
    Evaluations = unsigned(P->getInteger("evaluations").value_or(0));
    Seed = uint64_t(P->getInteger("seed").value_or(0));
    Seconds = P->getNumber("seconds_per_evaluation").value_or(10);

    static char AltStack[1 << 16];
    stack_t Stack{};
    Stack.ss_sp = AltStack;
    Stack.ss_size = sizeof(AltStack);
    sigaltstack(&Stack, nullptr); // a stack overflow is a fault like any other
    struct sigaction Action {};
    Action.sa_handler = onFault;
    Action.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigemptyset(&Action.sa_mask);
    for (int Sig : FaultSignals)
      sigaction(Sig, &Action, nullptr);
    unsigned Faults = 0;
    constexpr unsigned MaxFaults = 5;
    auto Cost = [&](const std::vector<double> &Values) -> double {
      if (Faults >= MaxFaults)
        return std::numeric_limits<double>::infinity();
      double *Table = jit::parameterTable();
      for (size_t I = 0; I < Values.size() && I < jit::MaxParameters; ++I)
        Table[I] = Values[I];
      eval::Recorder Rec(Ctx.Workloads, Ctx.Shared);
      if (sigsetjmp(Recovery, 1) != 0) {
        setTimer(0);
        ++Faults;
        return std::numeric_limits<double>::infinity();
      }
      // The alarm is the point's own; the parent also ends a point whose
      // code blocks or ignores it (Limits.StepSeconds).
      exec::startStep(Ctx.ResultFd);
      InPoint = 1;
      setTimer(Seconds);
      Ctx.Engine.evaluate(Rec, Ctx.Timings);
      setTimer(0);
      InPoint = 0;
      const eval::Report &R = Rec.report();
      if (!R.Problems.empty())
        return std::numeric_limits<double>::infinity();
      eval::Evaluation E = eval::scoreMetrics(Ctx.Spec, R.Metrics);
      return E.Feasible && E.Score ? -*E.Score
                                   : std::numeric_limits<double>::infinity();
    };
    Outcome O = minimize(Parameters, Cost, Evaluations, Seed);
    for (int Sig : FaultSignals)
      std::signal(Sig, SIG_DFL);
    // JSON has no infinity: an invalid cost travels as null.
    auto Number = [](double D) {
      return std::isfinite(D) ? json::Value(D) : json::Value(nullptr);
    };
    auto Measure = [](const std::optional<double> &D) {
      return D ? json::Value(*D) : json::Value(nullptr);
    };
    return json::Object{
        {"best", json::Array(O.Best)},
        {"faults", Faults},
        {"best_cost", Number(O.BestCost)},
        {"initial_cost", Number(O.InitialCost)},
        {"evaluations", O.Evaluations},
        {"stopped", toString(O.Stopped)},
        {"population", O.PopulationSize},
        {"best_step", O.BestStep},
        {"points", O.Explored.Points},
        {"coverage", Measure(O.Explored.Coverage)},
        {"trajectory_length", Measure(O.Explored.TrajectoryLength)},
        {"error", O.Error}};
  }
};

eval::ChildTaskRegistry::Add<TuneTask>
    Tune("tune", "CMA-ES over the lifted constants of the linked candidate");

} // namespace

void linkTuneTask() {}

} // namespace tune
} // namespace adrs
