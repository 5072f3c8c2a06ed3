//===- spot_sim.h - Can't Be Late single-region spot simulator --*- C++ -*-===//
//
// A tick-based replay of the Can't Be Late (NSDI'24) simulator: a job needing
// a fixed amount of compute must finish before a deadline, and every tick a
// policy picks spot (cheap, preemptible), on-demand or nothing. The loop is
// bit-exact with the Python reference used by the public ADRS evaluator, so
// costs here can be compared directly with published figures.
//
// The deadline safety rule lives in simulate(), not in the policy, so an
// evolved policy can never trade a missed deadline for a lower cost.
//
//===----------------------------------------------------------------------===//

#ifndef CBL_SPOT_SIM_H
#define CBL_SPOT_SIM_H

#include "adrs/Crossing.h"

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace cbl {

enum class ClusterType { None, Spot, OnDemand };

/// One availability window of a spot trace.
struct Trace {
  std::string env; // e.g. "us-west-2a_k80_8"
  std::string id;  // trace_id column, kept as text
  double gapSeconds = 600;
  std::vector<uint8_t> preempted; // 1 = spot UNAVAILABLE during tick t
};

/// Everything a policy may look at when deciding the cluster for the tick
/// that starts now. All times are in seconds.
struct PolicyState {
  long tick = 0;                     // index of the tick about to start
  double gapSeconds = 0;             // tick length
  double taskSeconds = 0;            // total compute the job needs
  double deadlineSeconds = 0;        // measured from tick 0
  double restartOverheadSeconds = 0; // progress lost on each (re)start
  /// Progress so far, summed tick by tick in order (same rounding as the
  /// reference's sum(task_done_time)).
  double doneSeconds = 0;
  /// Per-tick progress, doneTicks[0 .. numDoneTicks-1]; numDoneTicks is
  /// tick + 1 (entry 0 is the empty tick before the start).
  const double *doneTicks = nullptr;
  std::size_t numDoneTicks = 0;
  ClusterType last = ClusterType::None; // what ran during the previous tick
  bool hasSpot = false;                 // spot available for this tick
  double remainingOverheadSeconds = 0;  // restart overhead still to pay

  double elapsedSeconds() const { return tick * gapSeconds; }
  double leftSeconds() const { return taskSeconds - doneSeconds; }
  /// The cluster the job holds now: `last`, unless spot was just preempted.
  ClusterType cluster() const {
    return last == ClusterType::Spot && !hasSpot ? ClusterType::None : last;
  }
};

/// A policy returns the cluster it wants for the tick that starts now.
/// Requesting spot while it is unavailable is treated as None. A policy that
/// keeps static state should reset it when s.tick == 0.
using Policy = ClusterType (*)(const PolicyState &s);

struct SimResult {
  double cost = 0;          // dollars
  bool metDeadline = false; // finished at or before the deadline
  long ticks = 0;           // ticks until the job finished
};

// Prices in $/hour for the single-region setting.
constexpr double kSpotPrice = 0.9731;
constexpr double kOnDemandPrice = 3.06;

// The standard evaluation grid: 48 h job, 2 deadlines x 3 overheads.
constexpr double kTaskHours = 48;
constexpr double kDeadlineHours[] = {52, 70};
constexpr double kOverheadHours[] = {0.02, 0.05, 0.1};
constexpr int kNumDeadlines = 2;
constexpr int kNumOverheads = 3;

/// Parses the TSV format `env <TAB> trace_id <TAB> gap_seconds <TAB> bits`.
/// Lines starting with '#' and empty lines are skipped. On a malformed line
/// returns false and sets \p error (with the line number); \p out then holds
/// the traces read so far.
bool parseTraces(std::istream &in, std::vector<Trace> &out, std::string &error);
bool loadTraces(const std::string &path, std::vector<Trace> &out,
                std::string &error);

/// Runs one job on \p trace until it has done taskHours of work. Ticks past
/// the end of the trace count as spot unavailable.
SimResult simulate(const Trace &trace, double deadlineHours,
                   double overheadHours, Policy policy,
                   double taskHours = kTaskHours);

/// Averages over every trace for the standard grid.
struct Evaluation {
  double avgCost = 0;
  double score = 0; // see scoreFromCost()
  double avgCostByConfig[kNumDeadlines][kNumOverheads] = {};
  int missedDeadlines = 0;
  int numSimulations = 0;
};

Evaluation evaluate(const std::vector<Trace> &traces, Policy policy);

/// 100 * clip((OD - avgCost) / (OD - SPOT), 0, 1), where OD and SPOT are the
/// costs of running the whole 48 h job on that instance type.
double scoreFromCost(double avgCost);

} // namespace cbl

/// How a PolicyState reaches the policy when adrsc confirms a score with the
/// policy in a process of its own: the struct, and the per-tick progress
/// that doneTicks points to.
template <> struct adrs::Crossing<cbl::PolicyState> {
  static void write(const cbl::PolicyState &S, adrs::CrossingWriter &W) {
    W.value(S);
    W.array(S.doneTicks, S.numDoneTicks);
  }
  static void read(cbl::PolicyState &S, adrs::CrossingReader &R) {
    R.value(S);
    S.doneTicks = R.array<double>(S.numDoneTicks);
  }
};

#endif // CBL_SPOT_SIM_H
