//===- evaluate.cpp - Evaluator for multi-region Can't Be Late ------------===//
//
// A stage's workloads are one traces file and one or more scenarios files.
// Every run of every scenario is simulated (sim/multi_sim.h); a scenario
// costs the mean of its runs, and AvgCost is the mean of the scenarios, as
// the leaderboard computes it. The score is the leaderboard's, unrounded.
//
// What the leaderboard lets a policy get away with is counted here, and the
// spec requires each count to be 0:
//   - failed_runs: a run that failed (an exception, a region that does not
//     exist, the trace ending first). The leaderboard drops such a run, and
//     the rest of its scenario, from the mean; here it stays in, billed as
//     on-demand from the start ($147.52).
//   - lookahead_runs: a run whose decisions changed when only later ticks
//     of the availability changed.
//   - late_switches: region switches asked for once the job was done (they
//     would only reprice the bill; they are refused).
//   - deadline_misses: jobs that ended after the deadline.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "multi_sim.h"

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

cblm::Decision decide(const cblm::PolicyState &s);

namespace {

struct TracesFile {
  std::vector<cblm::Trace> Traces;
  std::string Error;
};

struct ScenariosFile {
  std::vector<cblm::Scenario> Scenarios;
  std::string Error;
};

bool endsWith(const std::string &S, const char *Suffix) {
  const std::string X(Suffix);
  return S.size() >= X.size() &&
         S.compare(S.size() - X.size(), X.size(), X) == 0;
}

/// FNV-1a over everything a cost is computed from. The policy runs in this
/// process; a stray write into the traces must not go unnoticed.
std::uint64_t fingerprint(const std::vector<cblm::Trace> &Traces) {
  std::uint64_t Hash = 14695981039346656037ull;
  auto Add = [&Hash](const void *Data, std::size_t Size) {
    const unsigned char *Bytes = static_cast<const unsigned char *>(Data);
    for (std::size_t I = 0; I < Size; ++I)
      Hash = (Hash ^ Bytes[I]) * 1099511628211ull;
  };
  for (const cblm::Trace &T : Traces) {
    Add(T.region.data(), T.region.size());
    Add(&T.index, sizeof(T.index));
    Add(&T.gapSeconds, sizeof(T.gapSeconds));
    Add(&T.spotPrice, sizeof(T.spotPrice));
    Add(T.spot.data(), T.spot.size());
  }
  return Hash;
}

std::string format(const char *Fmt, double A, double B = 0, double C = 0) {
  char Buffer[160];
  std::snprintf(Buffer, sizeof(Buffer), Fmt, A, B, C);
  return Buffer;
}

} // namespace

void adrs_evaluate(adrs::EvalContext &Ctx) {
  const adrs::Workload *TracesW = nullptr;
  std::vector<const adrs::Workload *> ScenarioWs;
  std::set<std::string> SeenPaths;
  for (const adrs::Workload &W : Ctx.workloads()) {
    if (!SeenPaths.insert(W.Path).second)
      continue;
    if (endsWith(W.Path, ".traces")) {
      if (TracesW) {
        Ctx.artifact("error", "two traces files in one stage: " +
                                  TracesW->Name + " and " + W.Name);
        return;
      }
      TracesW = &W;
    } else if (endsWith(W.Path, ".scenarios")) {
      ScenarioWs.push_back(&W);
    } else {
      Ctx.artifact("error", W.Name + ": a workload is a .traces or a "
                                     ".scenarios file");
      return;
    }
  }
  if (!TracesW || ScenarioWs.empty()) {
    // No metrics: adrsc reports invalid_output with this text.
    Ctx.artifact("error", "a stage needs one .traces file and at least one "
                          ".scenarios file");
    return;
  }

  // Parsing does not depend on the candidate.
  const TracesFile &T = Ctx.cached<TracesFile>(TracesW->Path, [&] {
    TracesFile F;
    cblm::loadTraces(TracesW->Path, F.Traces, F.Error);
    return F;
  });
  if (!T.Error.empty()) {
    Ctx.artifact("error", T.Error);
    return;
  }
  std::vector<cblm::Scenario> Scenarios;
  for (const adrs::Workload *W : ScenarioWs) {
    const ScenariosFile &S = Ctx.cached<ScenariosFile>(W->Path, [&] {
      ScenariosFile F;
      cblm::loadScenarios(W->Path, F.Scenarios, F.Error);
      return F;
    });
    if (!S.Error.empty()) {
      Ctx.artifact("error", S.Error);
      return;
    }
    Scenarios.insert(Scenarios.end(), S.Scenarios.begin(), S.Scenarios.end());
  }
  std::set<std::string> Names;
  for (const cblm::Scenario &S : Scenarios)
    if (!Names.insert(S.name).second) {
      Ctx.artifact("error", "scenario '" + S.name + "' appears twice");
      return;
    }
  std::vector<std::vector<cblm::Run>> Runs(Scenarios.size());
  for (std::size_t I = 0; I < Scenarios.size(); ++I) {
    std::string Error;
    if (!cblm::resolveRuns(Scenarios[I], T.Traces, Runs[I], Error)) {
      Ctx.artifact("error", TracesW->Name + ": " + Error);
      return;
    }
    if (Runs[I].empty()) {
      Ctx.artifact("error", "scenario '" + Scenarios[I].name + "' has no runs");
      return;
    }
  }
  const std::uint64_t Expected = fingerprint(T.Traces);

  double CostSum = 0, LocalSum = 0;
  int Failed = 0, LookedAhead = 0, LateSwitches = 0, Missed = 0, NumRuns = 0;
  int Listed = 0;
  const int MaxListed = 12; // problems quoted in the `problems` artifact
  std::string Summary, RunCosts, Problems;
  for (std::size_t I = 0; I < Scenarios.size(); ++I) {
    const std::string &Name = Scenarios[I].name;
    double Cost = 0, Local = 0;
    int ScenarioFailed = 0;
    RunCosts += Name + ":";
    for (const cblm::Run &Run : Runs[I]) {
      const cblm::RunResult R = cblm::simulate(Run, decide);
      if (R.tampered) {
        Ctx.artifact("error", Name + ", trace " + std::to_string(Run.trace) +
                                  ": the availability changed while the "
                                  "policy ran (a write outside the policy's "
                                  "own memory)");
        return;
      }
      Cost += R.cost;
      Local += R.costAtLocalPrices;
      ++NumRuns;
      ScenarioFailed += R.failed;
      LookedAhead += R.lookedAhead;
      LateSwitches += R.lateSwitches;
      Missed += !R.metDeadline;
      RunCosts += format(" %.17g", R.cost);
      auto Note = [&](const std::string &What) {
        if (Listed++ < MaxListed)
          Problems += Name + ", trace " + std::to_string(Run.trace) + ": " +
                      What + "\n";
      };
      if (R.failed)
        Note("failed: " + R.failure + "; billed as on-demand from the start");
      if (R.lookedAhead)
        Note("looked ahead: " + R.lookahead);
      if (R.lateSwitches)
        Note(std::to_string(R.lateSwitches) +
             " region switch(es) after the job was done, refused");
      if (!R.metDeadline)
        Note("finished after the deadline");
    }
    RunCosts += "\n";
    const double N = static_cast<double>(Runs[I].size());
    CostSum += Cost / N;
    LocalSum += Local / N;
    Failed += ScenarioFailed;
    Ctx.workloadMetric(Name, "cost", Cost / N);
    Ctx.workloadMetric(Name, "cost_local_prices", Local / N);
    Ctx.workloadMetric(Name, "runs", N);
    Ctx.workloadMetric(Name, "failed_runs", ScenarioFailed);
    Summary +=
        Name + format(": mean cost $%.6f over %.0f runs", Cost / N, N) +
        format(" ($%.6f with spot at each region's own price)\n", Local / N);
  }

  if (fingerprint(T.Traces) != Expected) {
    Ctx.artifact("error", "the traces changed while the policy ran (a write "
                          "outside the policy's own memory)");
    return;
  }

  const double AvgCost = CostSum / static_cast<double>(Scenarios.size());
  const double Score = cblm::scoreFromCost(AvgCost);
  Ctx.metric("score", Score);
  Ctx.metric("avg_cost", AvgCost);
  Ctx.metric("avg_cost_local_prices",
             LocalSum / static_cast<double>(Scenarios.size()));
  Ctx.metric("failed_runs", Failed);
  Ctx.metric("lookahead_runs", LookedAhead);
  Ctx.metric("late_switches", LateSwitches);
  Ctx.metric("deadline_misses", Missed);

  Summary += format("AvgCost $%.6f over %.0f scenarios and ", AvgCost,
                    static_cast<double>(Scenarios.size())) +
             std::to_string(NumRuns) +
             format(" runs: score %.2f (0 at $146.88, the job on on-demand; "
                    "100 at $46.71, on spot at 0.9731 $/h)\n",
                    Score);
  Ctx.artifact("summary", Summary);
  Ctx.artifact("runs", RunCosts);
  if (!Problems.empty())
    Ctx.artifact("problems", Problems);
}
