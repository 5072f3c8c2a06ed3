//===- evaluate.cpp - Evaluator for transaction scheduling ----------------===//
//
// Asks the policy for an order of each workload's transactions, checks that
// the order is a permutation, computes its makespan with the reference model
// and reports the sum M of the makespans and the leaderboard's score.
//
// The score is 0 at the sum S of the sequential (identity-order) makespans
// and 100 at LB + 0.1 x (S - LB), with LB the sum of each workload's longest
// transaction; both are computed from the stage's workloads. On the three
// published workloads S = 537 and LB = 46, the leaderboard's constants; on
// the held-out workloads the score is relative to their own S and LB.
//
// A schedule that is not a permutation (or a policy that throws) is counted
// in invalid_schedules, which the spec requires to be 0, and that workload
// is scored as the sequential order: the makespan reported is the one of an
// order that was actually run.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "txn_sim.h"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

// The function under evolution, defined in policy/schedule.cpp.
std::vector<int> schedule(const txn::Workload &w);

namespace {

std::string format(const char *Fmt, double A, double B = 0, double C = 0) {
  char Buffer[160];
  std::snprintf(Buffer, sizeof(Buffer), Fmt, A, B, C);
  return Buffer;
}

} // namespace

void evaluate_txn(adrs::EvalContext &Ctx) {
  const std::vector<adrs::Workload> &Workloads = Ctx.workloads();
  if (Workloads.empty()) {
    Ctx.artifact("error", "the stage has no workloads");
    return;
  }

  // 1. Ask the policy, giving it a copy of each workload. Parsing 100 lines
  // costs less than the policy, so nothing here goes through cached().
  std::vector<std::vector<int>> Orders(Workloads.size());
  std::vector<std::string> Thrown(Workloads.size());
  for (std::size_t I = 0; I < Workloads.size(); ++I) {
    txn::Workload Given;
    std::string Error;
    if (!txn::loadWorkload(Workloads[I].Path, Given, Error)) {
      Ctx.artifact("error", Error);
      return; // no metrics: the candidate is reported as invalid_output
    }
    try {
      Orders[I] = schedule(Given);
    } catch (const std::exception &E) {
      Thrown[I] = std::string("schedule() threw: ") + E.what();
    } catch (...) {
      Thrown[I] = "schedule() threw something that is not a std::exception";
    }
  }

  // 2. Score. No candidate code runs from here on, and every number comes
  // from a fresh parse of the files, not from memory the policy could reach.
  double Makespans = 0, Sequential = 0, LowerBound = 0;
  int Invalid = 0;
  std::string Summary, Problems;
  for (std::size_t I = 0; I < Workloads.size(); ++I) {
    const std::string &Name = Workloads[I].Name;
    txn::Workload W;
    std::string Error;
    if (!txn::loadWorkload(Workloads[I].Path, W, Error)) {
      Ctx.artifact("error", Error);
      return;
    }
    const int Seq = txn::makespan(W, txn::sequentialOrder(W));
    const int Bound = txn::lowerBound(W);

    std::string Why = Thrown[I];
    if (Why.empty())
      txn::checkPermutation(Orders[I], W.size(), Why);
    const bool Valid = Why.empty();
    const int M = Valid ? txn::makespan(W, Orders[I]) : Seq;
    if (!Valid) {
      ++Invalid;
      Problems += Name + ": " + Why +
                  "; scored as the sequential order (makespan " +
                  std::to_string(Seq) + ")\n";
    }

    Makespans += M;
    Sequential += Seq;
    LowerBound += Bound;
    Ctx.workloadMetric(Name, "makespan", M);
    Ctx.workloadMetric(Name, "sequential", Seq);
    Ctx.workloadMetric(Name, "lower_bound", Bound);
    Ctx.workloadMetric(Name, "invalid", Valid ? 0 : 1);
    Summary += Name + ": makespan " + std::to_string(M) + " (sequential " +
               std::to_string(Seq) + ", lower bound " + std::to_string(Bound) +
               ", " + std::to_string(W.size()) + " transactions)" +
               (Valid ? "" : " INVALID") + "\n";
  }

  const double Score = txn::score(Makespans, Sequential, LowerBound);
  Ctx.metric("score", Score);
  Ctx.metric("makespan_sum", Makespans);
  Ctx.metric("invalid_schedules", Invalid);

  Summary += format("sum %.0f: score %.2f (0 at the sequential %.0f, ",
                    Makespans, Score, Sequential) +
             format("100 at %.1f = lower bound %.0f + 10%% of the gap)\n",
                    LowerBound + 0.10 * (Sequential - LowerBound), LowerBound);
  Ctx.artifact("makespans", Summary);
  if (Invalid > 0)
    Ctx.artifact("invalid", Problems);
}
