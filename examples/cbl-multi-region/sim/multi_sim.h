//===- multi_sim.h - Can't Be Late over several regions ---------*- C++ -*-===//
//
// The multi-region Can't Be Late simulator of the ADRS leaderboard
// (`cant_be_late_multi`): a 48-hour job, a 52-hour deadline, and every
// 195-second tick a policy picks spot, on-demand or nothing, and the region
// to run in. Switching region is free and immediate. The loop is bit-exact
// with the leaderboard's Python simulator: the greedy initial program's 34
// costs are the leaderboard's to the last bit.
//
// Three things the Python reference lets a policy do are closed here, and
// each is counted so that the spec can make such a policy infeasible:
//   - looking into the future: every run is replayed with the availability
//     after a tick changed, and the decisions up to that tick must not
//     change (lookahead_runs);
//   - switching region once the job is done, which the leaderboard bills
//     by repricing every spot tick at the final region's price: refused
//     (late_switches);
//   - failing a run (an exception, a region that does not exist, running
//     past the trace), which the reference answers by dropping the run
//     from its scenario's mean: the run is billed as on-demand from the
//     start instead (failed_runs).
//
//===----------------------------------------------------------------------===//

#ifndef CBLM_MULTI_SIM_H
#define CBLM_MULTI_SIM_H

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace cblm {

enum class ClusterType { None, Spot, OnDemand };

/// Regions a scenario may have: the leaderboard's largest has 9.
constexpr int kMaxRegions = 16;

// The leaderboard's job (seconds) and on-demand price ($/h).
constexpr double kTaskSeconds = 48 * 3600.0;
constexpr double kDeadlineSeconds = 52 * 3600.0;
constexpr double kRestartOverheadSeconds = 0.2 * 3600;
constexpr double kOnDemandPrice = 3.06;
/// The score's reference costs: the whole job on on-demand, and on spot at
/// the single-region price the leaderboard uses (0.9731 $/h).
constexpr double kOnDemandJobCost = kOnDemandPrice * 48;
constexpr double kSpotJobCost = 0.9731 * 48;

/// Everything a policy may look at when deciding the tick that starts now.
/// Times are in seconds.
struct PolicyState {
  long tick = 0;                        // index of the tick about to start
  double gapSeconds = 0;                // tick length (195 s)
  double taskSeconds = 0;               // total compute the job needs
  double deadlineSeconds = 0;           // measured from tick 0
  double restartOverheadSeconds = 0;    // progress lost on each (re)start
  double doneSeconds = 0;               // progress so far
  ClusterType last = ClusterType::None; // what ran during the previous tick
  bool hasSpot = false; // spot available now in the current region
  double remainingOverheadSeconds = 0; // restart overhead still to pay
  int region = 0;                      // the current region
  int numRegions = 0;
  /// This tick's row of the run's availability: spotRow[k] != 0 when region
  /// k has spot now. Only entries 0 .. numRegions-1 are this tick; the rows
  /// of later ticks follow it in memory, as the whole trace is within reach
  /// of a Python policy, and reading them is caught (lookahead_runs).
  const std::uint8_t *spotRow = nullptr;
  /// What a spot tick costs in region k, in $/h. (The leaderboard bills
  /// every spot tick of a run at the price of the region the run ends in.)
  const double *spotPrices = nullptr;

  double elapsedSeconds() const { return tick * gapSeconds; }
  double leftSeconds() const { return taskSeconds - doneSeconds; }
  bool spotAvailable(int k) const {
    return k >= 0 && k < numRegions && spotRow[k] != 0;
  }
  double spotPrice(int k) const {
    return k >= 0 && k < numRegions ? spotPrices[k] : 0;
  }
  /// The cluster the job holds now: `last`, unless spot was just preempted.
  ClusterType cluster() const {
    return last == ClusterType::Spot && !hasSpot ? ClusterType::None : last;
  }
};

/// What to run during the tick that starts now, and where.
struct Decision {
  ClusterType cluster = ClusterType::None;
  /// The region to be in: switching is free and takes effect for this tick.
  /// kStay, or the current region, stays; any other value outside
  /// 0 .. numRegions-1 fails the run.
  int region = kStay;
  static constexpr int kStay = -1;

  bool operator==(const Decision &O) const {
    return cluster == O.cluster && region == O.region;
  }
};

/// A policy decides each tick from what it sees. Requesting spot where it
/// is unavailable is treated as None. A policy must be deterministic: two
/// runs that look the same up to a tick must decide the same up to it.
using Policy = Decision (*)(const PolicyState &s);

/// One region's availability window.
struct Trace {
  std::string region; // e.g. "us-east-1a_v100_1"
  int index = 0;      // trace index within the region (the same window in
                      // every region)
  double gapSeconds = 0;
  std::string startTime;
  double spotPrice = 0;           // $/h: the trace's first price
  std::vector<std::uint8_t> spot; // 1 = spot AVAILABLE during tick t
};

/// A leaderboard scenario: regions in index order and the trace indices it
/// runs (each index is one run, with that trace of every region).
struct Scenario {
  std::string name;
  std::vector<std::string> regions;
  std::vector<int> traces;
};

/// Parses a traces file (format in data/README.md).
bool parseTraces(std::istream &in, std::vector<Trace> &out, std::string &error);
bool loadTraces(const std::string &path, std::vector<Trace> &out,
                std::string &error);
/// Parses a scenarios file (format in data/README.md).
bool parseScenarios(std::istream &in, std::vector<Scenario> &out,
                    std::string &error);
bool loadScenarios(const std::string &path, std::vector<Scenario> &out,
                   std::string &error);

/// The traces of one run, region by region, all of the same length and
/// tick.
struct Run {
  std::string scenario;
  int trace = 0;
  std::vector<const Trace *> regions;

  long numTicks() const {
    return static_cast<long>(regions.front()->spot.size());
  }
};

/// Finds the traces of every run of \p s; false (with \p error) when one is
/// missing or their lengths or ticks differ.
bool resolveRuns(const Scenario &s, const std::vector<Trace> &traces,
                 std::vector<Run> &out, std::string &error);

/// The outcome of one run.
struct RunResult {
  bool failed = false;          // the run could not finish; billed as on-demand
  std::string failure;          // why
  double cost = 0;              // the leaderboard's bill (on-demand if failed)
  double costAtLocalPrices = 0; // spot ticks at their own region's price
  bool metDeadline = true;
  long ticks = 0;       // ticks until the job finished
  int lateSwitches = 0; // switches refused because the job was done
  bool lookedAhead = false;
  std::string lookahead; // the first tick whose decision changed, and how
  /// The policy wrote into the availability it was given: nothing about
  /// the run can be trusted.
  bool tampered = false;
};

/// Runs the job on \p run, then replays it to check that no decision
/// depended on a later tick.
RunResult simulate(const Run &run, Policy policy);

/// 100 * clip((OD - avgCost) / (OD - SPOT), 0, 1) with the job's
/// all-on-demand and all-spot costs.
double scoreFromCost(double avgCost);

} // namespace cblm

#endif // CBLM_MULTI_SIM_H
