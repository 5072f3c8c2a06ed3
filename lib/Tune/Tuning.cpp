//===- Tuning.cpp - Tuning a program's constants --------------------------===//

#include "adrs/Tune/Tuning.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

using namespace llvm;

namespace adrs {
namespace tune {

namespace {

/// A literal for \p Value that reads like the one it replaces.
std::string literalFor(const passes::LiftedConstant &C, double Value) {
  if (C.IsInteger) {
    std::string S = std::to_string((long long)std::llround(Value));
    return Value < 0 ? "(" + S + ")" : S;
  }
  std::string S = formatv("{0}", format("%.6g", Value)).str();
  if (S.find_first_of(".eEn") == std::string::npos)
    S += ".0";
  StringRef Spelling(C.Spelling);
  if (Spelling.endswith("f") || Spelling.endswith("F"))
    S += "f";
  return Value < 0 ? "(" + S + ")" : S;
}

} // namespace

Error readTuneResult(const json::Value &V, const std::vector<Parameter> &Params,
                     Tuning &T) {
  auto Bad = [](const Twine &Why) {
    return createStringError(inconvertibleErrorCode(),
                             "the tuning child sent a malformed result: " +
                                 Why);
  };
  const json::Object *O = V.getAsObject();
  if (!O)
    return Bad("not an object");
  auto Cost = [&](StringRef Key) {
    return O->getNumber(Key).value_or(std::numeric_limits<double>::infinity());
  };
  T.Result.BestCost = Cost("best_cost");
  T.Result.InitialCost = Cost("initial_cost");
  T.Result.Evaluations = unsigned(std::clamp<int64_t>(
      O->getInteger("evaluations").value_or(0), 0, INT32_MAX));
  T.Faults = unsigned(
      std::clamp<int64_t>(O->getInteger("faults").value_or(0), 0, INT32_MAX));
  T.Result.Error = O->getString("error").value_or("").take_front(1024).str();
  // Unknown or missing: said as nothing rather than guessed.
  T.Result.Stopped = earlyStopNamed(O->getString("stopped").value_or("none"))
                         .value_or(EarlyStop::None);
  T.Result.PopulationSize = unsigned(std::clamp<int64_t>(
      O->getInteger("population").value_or(0), 0, INT32_MAX));
  T.Result.BestStep = unsigned(std::clamp<int64_t>(
      O->getInteger("best_step").value_or(0), 0, T.Result.Evaluations));
  T.Result.Explored.Points = unsigned(std::clamp<int64_t>(
      O->getInteger("points").value_or(0), 0, T.Result.Evaluations));
  // A measure the child could not have computed is not shown as one.
  auto Measure = [&](StringRef Key, std::optional<double> &Out) -> Error {
    const json::Value *V = O->get(Key);
    if (!V || V->kind() == json::Value::Null)
      return Error::success();
    std::optional<double> D = V->getAsNumber();
    if (!D || !std::isfinite(*D) || *D < 0 || *D > 1)
      return Bad(Key + " is not a number in [0, 1]");
    Out = *D;
    return Error::success();
  };
  if (Error E = Measure("coverage", T.Result.Explored.Coverage))
    return E;
  if (Error E =
          Measure("trajectory_length", T.Result.Explored.TrajectoryLength))
    return E;
  const json::Array *Best = O->getArray("best");
  if (!Best)
    return Bad("no best point");
  if (Best->empty())
    return Error::success(); // nothing was evaluated
  if (Best->size() != Params.size())
    return Bad("a best point of " + Twine(Best->size()) + " values for " +
               Twine(Params.size()) + " constants");
  for (size_t I = 0; I < Best->size(); ++I) {
    std::optional<double> D = (*Best)[I].getAsNumber();
    if (!D || !std::isfinite(*D))
      return Bad("a value that is not a finite number");
    T.Result.Best.push_back(std::clamp(*D, Params[I].Lower, Params[I].Upper));
  }
  return Error::success();
}

/// tuneConstants without its clock.
static Expected<Tuning> tuneIn(eval::Evaluator &Ev,
                               const candidate::Sources &Sources,
                               const Program &P, unsigned Evaluations,
                               uint64_t Seed) {
  Tuning T;
  eval::Executor *Exec = Ev.executor();
  if (!Exec) {
    T.Failure = "constant tuning needs a C++ evaluator";
    return T;
  }
  std::vector<Workload> W = Ev.workloads(eval::Side::Train);
  candidate::Materialized M = Sources.materialize(P);

  // Lift: the lift-constants pass on the child's parse, nothing run.
  eval::RunRequest Lift;
  Lift.Overrides = M.Overrides;
  Lift.Regions = M.Regions;
  Lift.Passes = {"lift-constants"};
  Lift.Workloads = W;
  Lift.Limits = Ev.limits(W);
  Lift.Action = eval::ChildAction::CheckOnly;
  Expected<eval::RunResult> Lifted = Exec->run(Lift);
  if (!Lifted)
    return Lifted.takeError();
  if (Lifted->Status != Status::OK) {
    T.Failure = ("lifting the constants failed: " + toString(Lifted->Status) +
                 " " + Lifted->Reason)
                    .str();
    return T;
  }
  T.Constants = Lifted->Passes.Constants;
  T.Lifted = Lifted->Passes.Transformed;
  if (T.Constants.empty()) {
    T.Failure = "the program has no numeric constants to tune";
    return T;
  }
  if (T.Constants.size() > jit::MaxParameters) {
    T.Failure = "too many constants to tune";
    return T;
  }

  // Tune: the lifted program, compiled once, run at every point.
  std::vector<Parameter> Params;
  json::Array ParamJSON;
  for (const passes::LiftedConstant &C : T.Constants) {
    Params.push_back({C.Value, C.Lower, C.Upper, C.IsInteger});
    ParamJSON.push_back(json::Array{C.Value, C.Lower, C.Upper, C.IsInteger});
  }
  Program LiftedProgram = P;
  for (const auto &[Region, Text] : T.Lifted)
    LiftedProgram[Region] = Text;
  candidate::Materialized LM = Sources.materialize(LiftedProgram);
  eval::RunRequest Run;
  Run.Overrides = LM.Overrides;
  Run.Workloads = W;
  Run.Limits = Ev.limits(W);
  Run.Limits.WallSeconds = Ev.timeLimit() * (Evaluations + 1) + 10;
  Run.Limits.CpuSeconds = 0;
  // Each point has its own alarm in the child; a point whose code blocks
  // it is ended from outside at twice its time.
  Run.Limits.StepSeconds = 2 * Ev.timeLimit() + 1;
  Run.Action = eval::ChildAction::Task;
  Run.Task = "tune";
  Run.TaskPayload = json::Object{{"parameters", std::move(ParamJSON)},
                                 {"evaluations", Evaluations},
                                 {"seed", int64_t(Seed)},
                                 {"seconds_per_evaluation", Ev.timeLimit()}};
  Expected<eval::RunResult> Tuned = Exec->run(Run);
  if (!Tuned)
    return Tuned.takeError();
  if (Tuned->Status != Status::OK) {
    T.Failure = ("the tuning child ended with " + toString(Tuned->Status) +
                 (Tuned->Reason.empty() ? "" : ": " + Tuned->Reason))
                    .str();
    return T;
  }
  if (Error E = readTuneResult(Tuned->TaskResult, Params, T)) {
    T.Failure = toString(std::move(E));
    return T;
  }
  if (!T.Result.Error.empty())
    T.Failure = "CMA-ES failed: " + T.Result.Error;
  return T;
}

Expected<Tuning> tuneConstants(eval::Evaluator &Ev,
                               const candidate::Sources &Sources,
                               const Program &P, unsigned Evaluations,
                               uint64_t Seed) {
  linkTuneTask(); // the child runs the "tune" task registered beside it
  auto Started = std::chrono::steady_clock::now();
  Expected<Tuning> T = tuneIn(Ev, Sources, P, Evaluations, Seed);
  if (T)
    T->WallMs = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - Started)
                    .count();
  return T;
}

Program writeBack(const Program &P, const Tuning &T) {
  Program Out = P;
  for (const auto &[Region, Text] : T.Lifted) {
    std::string New;
    StringRef Rest(Text);
    for (;;) {
      size_t At = Rest.find("ADRS_PARAM(");
      if (At == StringRef::npos)
        break;
      New += Rest.take_front(At).str();
      Rest = Rest.drop_front(At + strlen("ADRS_PARAM("));
      unsigned Index = 0;
      StringRef Digits = Rest.take_while(isDigit);
      Digits.getAsInteger(10, Index);
      size_t Close = Rest.find(')');
      if (Close == StringRef::npos)
        break;
      Rest = Rest.drop_front(Close + 1);
      for (const passes::LiftedConstant &C : T.Constants)
        if (C.Index == Index && Index < T.Result.Best.size())
          New += literalFor(C, T.Result.Best[Index]);
    }
    New += Rest.str();
    Out[Region] = std::move(New);
  }
  return Out;
}

} // namespace tune
} // namespace adrs
