//===- multi_sim.cpp - Can't Be Late over several regions -----------------===//
//
// The loop mirrors the leaderboard's Python simulator step by step; the
// comments number the steps as data/README.md does. Every quantity of the
// leaderboard's job is a whole number of seconds, so the double arithmetic
// is exact; the reference's order of operations is kept anyway.
//
//===----------------------------------------------------------------------===//

#include "multi_sim.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace cblm {

namespace {

bool fail(std::string &error, long lineNo, const std::string &what) {
  error = "line " + std::to_string(lineNo) + ": " + what;
  return false;
}

std::vector<std::string> split(const std::string &line, char sep) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    std::size_t at = line.find(sep, start);
    fields.push_back(line.substr(start, at - start));
    if (at == std::string::npos)
      return fields;
    start = at + 1;
  }
}

bool parseNumber(const std::string &text, double &out) {
  const char *begin = text.c_str();
  char *end = nullptr;
  errno = 0;
  out = std::strtod(begin, &end);
  return end != begin && *end == '\0' && errno == 0 && std::isfinite(out);
}

bool parseCount(const std::string &text, long max, long &out) {
  if (text.empty() || text.size() > 9 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stol(text);
  return out <= max;
}

/// Reads every non-comment line of \p in through \p parseLine.
template <typename ParseLine>
bool forEachLine(std::istream &in, std::string &error, ParseLine parseLine) {
  std::string line;
  long lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    std::string why;
    if (!parseLine(line, why))
      return fail(error, lineNo, why);
  }
  if (in.bad())
    return fail(error, lineNo, "read error");
  return true;
}

template <typename Parse, typename T>
bool loadFile(const std::string &path, std::vector<T> &out, std::string &error,
              Parse parse) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  if (!parse(in, out, error)) {
    error = path + ": " + error;
    return false;
  }
  if (out.empty()) {
    error = path + ": the file has no entries";
    return false;
  }
  return true;
}

// Far above the leaderboard's 1107 ticks and 100 traces per region; the
// bounds only keep a malformed file from asking for absurd amounts of work.
constexpr long kMaxTicks = 100000;
constexpr long kMaxTraceIndex = 100000;

} // namespace

bool parseTraces(std::istream &in, std::vector<Trace> &out,
                 std::string &error) {
  return forEachLine(in, error, [&](const std::string &line, std::string &why) {
    const std::vector<std::string> f = split(line, '\t');
    if (f.size() != 6) {
      why = "expected 6 tab-separated fields (region, trace, gap_seconds, "
            "start_time, spot_price, availability), got " +
            std::to_string(f.size());
      return false;
    }
    Trace t;
    t.region = f[0];
    t.startTime = f[3];
    long index = 0;
    if (t.region.empty() || !parseCount(f[1], kMaxTraceIndex, index)) {
      why = "empty region or bad trace index '" + f[1] + "'";
      return false;
    }
    t.index = static_cast<int>(index);
    if (!parseNumber(f[2], t.gapSeconds) || t.gapSeconds <= 0) {
      why = "bad gap_seconds '" + f[2] + "'";
      return false;
    }
    if (!parseNumber(f[4], t.spotPrice) || t.spotPrice < 0) {
      why = "bad spot_price '" + f[4] + "'";
      return false;
    }
    // Runs of ticks: a<N> (spot available) or u<N> (unavailable).
    for (const std::string &runText : split(f[5], ',')) {
      long length = 0;
      if (runText.size() < 2 || (runText[0] != 'a' && runText[0] != 'u') ||
          !parseCount(runText.substr(1), kMaxTicks, length) || length == 0 ||
          static_cast<long>(t.spot.size()) + length > kMaxTicks) {
        why = "availability is runs such as a12 or u300 (at most " +
              std::to_string(kMaxTicks) + " ticks), got '" + runText + "'";
        return false;
      }
      t.spot.insert(t.spot.end(), static_cast<std::size_t>(length),
                    runText[0] == 'a');
    }
    out.push_back(std::move(t));
    return true;
  });
}

bool loadTraces(const std::string &path, std::vector<Trace> &out,
                std::string &error) {
  return loadFile(path, out, error, parseTraces);
}

bool parseScenarios(std::istream &in, std::vector<Scenario> &out,
                    std::string &error) {
  return forEachLine(in, error, [&](const std::string &line, std::string &why) {
    const std::vector<std::string> f = split(line, '\t');
    if (f.size() != 3) {
      why = "expected 3 tab-separated fields (scenario, regions, traces), "
            "got " +
            std::to_string(f.size());
      return false;
    }
    Scenario s;
    s.name = f[0];
    s.regions = split(f[1], ',');
    std::set<std::string> seen(s.regions.begin(), s.regions.end());
    if (s.name.empty() || s.regions.empty() ||
        s.regions.size() > static_cast<std::size_t>(kMaxRegions) ||
        seen.size() != s.regions.size() || seen.count("")) {
      why = "a scenario has a name and 1 to " + std::to_string(kMaxRegions) +
            " distinct regions";
      return false;
    }
    // Traces: indices and ranges such as 8-20,22-58.
    for (const std::string &item : split(f[2], ',')) {
      const std::size_t dash = item.find('-');
      long first = 0, last = 0;
      const bool ok =
          dash == std::string::npos
              ? parseCount(item, kMaxTraceIndex, first) && (last = first, true)
              : parseCount(item.substr(0, dash), kMaxTraceIndex, first) &&
                    parseCount(item.substr(dash + 1), kMaxTraceIndex, last) &&
                    first <= last;
      if (!ok) {
        why = "traces are indices and ranges such as 0-7,9, got '" + item + "'";
        return false;
      }
      for (long i = first; i <= last; ++i)
        s.traces.push_back(static_cast<int>(i));
    }
    out.push_back(std::move(s));
    return true;
  });
}

bool loadScenarios(const std::string &path, std::vector<Scenario> &out,
                   std::string &error) {
  return loadFile(path, out, error, parseScenarios);
}

bool resolveRuns(const Scenario &s, const std::vector<Trace> &traces,
                 std::vector<Run> &out, std::string &error) {
  std::map<std::pair<std::string, int>, const Trace *> byKey;
  for (const Trace &t : traces)
    if (!byKey.emplace(std::make_pair(t.region, t.index), &t).second) {
      error = "trace " + std::to_string(t.index) + " of " + t.region +
              " appears twice";
      return false;
    }
  for (int index : s.traces) {
    Run run;
    run.scenario = s.name;
    run.trace = index;
    for (const std::string &region : s.regions) {
      auto it = byKey.find({region, index});
      if (it == byKey.end()) {
        error =
            s.name + ": no trace " + std::to_string(index) + " of " + region;
        return false;
      }
      const Trace *t = it->second;
      if (!run.regions.empty() &&
          (t->spot.size() != run.regions.front()->spot.size() ||
           t->gapSeconds != run.regions.front()->gapSeconds)) {
        error = s.name + ": trace " + std::to_string(index) +
                " has regions of different lengths or ticks";
        return false;
      }
      run.regions.push_back(t);
    }
    out.push_back(std::move(run));
  }
  return true;
}

namespace {

/// The run's availability, tick-major: cell (t, k) is spot in region k at
/// tick t.
struct Availability {
  long numTicks = 0;
  int numRegions = 0;
  std::vector<std::uint8_t> cells;

  explicit Availability(const Run &run)
      : numTicks(run.numTicks()),
        numRegions(static_cast<int>(run.regions.size())),
        cells(static_cast<std::size_t>(numTicks) * run.regions.size()) {
    for (long t = 0; t < numTicks; ++t)
      for (int k = 0; k < numRegions; ++k)
        cells[static_cast<std::size_t>(t * numRegions + k)] =
            run.regions[static_cast<std::size_t>(k)]
                ->spot[static_cast<std::size_t>(t)];
  }
  const std::uint8_t *row(long t) const {
    return cells.data() + static_cast<std::size_t>(t * numRegions);
  }
  bool spot(long t, int k) const { return row(t)[k] != 0; }
};

/// What one pass over a run produced.
struct Pass {
  bool failed = false;
  std::string failure;
  long failedAt = -1; // the tick whose call failed
  std::vector<Decision> decisions;
  std::vector<ClusterType> history; // what ran during each tick before t
  std::vector<int> historyRegion;   // and where
  int finalRegion = 0;
  int lateSwitches = 0;
  long ticks = 0; // policy calls made
};

std::string describe(const Decision &d) {
  const char *name = d.cluster == ClusterType::Spot       ? "SPOT"
                     : d.cluster == ClusterType::OnDemand ? "ON_DEMAND"
                                                          : "NONE";
  return std::string(name) + (d.region == Decision::kStay
                                  ? std::string(" where it was")
                                  : " in region " + std::to_string(d.region));
}

/// One pass of the loop. With \p stopAfter >= 0 it stops right after the
/// policy's call at that tick (a replay); otherwise it runs to the end.
Pass runLoop(const Run &run, const Availability &avail, Policy policy,
             long stopAfter) {
  const double gap = run.regions.front()->gapSeconds;
  const double task = kTaskSeconds;
  const double deadline = kDeadlineSeconds;
  const double d = kRestartOverheadSeconds;
  const int n = avail.numRegions;
  // The policy gets its own copy of the prices: the bill uses the traces.
  std::vector<double> prices;
  for (const Trace *t : run.regions)
    prices.push_back(t->spotPrice);

  Pass pass;
  double doneSum = 0; // must equal the reference's sum(done) bit for bit
  double rem = 0;
  ClusterType cluster = ClusterType::None;
  int region = 0;
  long t = 0;
  while (std::max(0.0, task - doneSum) > 1e-8) {
    if (t >= avail.numTicks) {
      pass.failed = true;
      pass.failedAt = t;
      pass.failure = "the job was not done when the trace ended (" +
                     std::to_string(avail.numTicks) + " ticks)";
      return pass;
    }
    // 1. Observe the current region; charge what ran in the last tick.
    const bool hasSpot = avail.spot(t, region);
    const ClusterType last = cluster;
    pass.history.push_back(last);
    pass.historyRegion.push_back(region);
    if (cluster == ClusterType::Spot && !hasSpot)
      cluster = ClusterType::None;

    // 2. Credit the tick that just ended, minus any restart overhead.
    double progress = 0;
    if (last != ClusterType::None) {
      const double usable = std::max(gap - rem, 0.0);
      rem -= gap - usable;
      if (rem < 1e-3)
        rem = 0;
      progress = std::min(usable, task - doneSum);
    }
    doneSum += progress;

    // 3. Ask the policy.
    PolicyState s;
    s.tick = t;
    s.gapSeconds = gap;
    s.taskSeconds = task;
    s.deadlineSeconds = deadline;
    s.restartOverheadSeconds = d;
    s.doneSeconds = doneSum;
    s.last = last;
    s.hasSpot = hasSpot;
    s.remainingOverheadSeconds = rem;
    s.region = region;
    s.numRegions = n;
    s.spotRow = avail.row(t);
    s.spotPrices = prices.data();
    Decision decision;
    try {
      decision = policy(s);
    } catch (const std::exception &e) {
      pass.failure = std::string("the policy threw: ") + e.what();
    } catch (...) {
      pass.failure = "the policy threw something that is not a "
                     "std::exception";
    }
    ++pass.ticks;
    if (!pass.failure.empty()) {
      pass.failure = "tick " + std::to_string(t) + ": " + pass.failure;
      pass.failed = true;
      pass.failedAt = t;
      return pass;
    }
    pass.decisions.push_back(decision);
    if (t == stopAfter)
      return pass;

    // The region: free and immediate, but not once the job is done, when
    // the only effect of a switch would be on the bill.
    const int target =
        decision.region == Decision::kStay ? region : decision.region;
    if (target < 0 || target >= n) {
      pass.failed = true;
      pass.failedAt = t;
      pass.failure = "tick " + std::to_string(t) + ": region " +
                     std::to_string(target) + " does not exist (0.." +
                     std::to_string(n - 1) + ")";
      return pass;
    }
    if (target != region) {
      if (task - doneSum > 1e-8)
        region = target;
      else
        ++pass.lateSwitches;
    }
    ClusterType req = decision.cluster == ClusterType::Spot ||
                              decision.cluster == ClusterType::OnDemand
                          ? decision.cluster
                          : ClusterType::None;

    // 4. The deadline guarantee, outside the policy.
    const double left = task - doneSum;
    if (left > 1e-3 && std::ceil((left + d) / gap) * gap >=
                           std::floor((deadline - t * gap) / gap) * gap)
      req = last == ClusterType::Spot && rem < 1e-3 ? ClusterType::Spot
                                                    : ClusterType::OnDemand;

    // 5. No spot where it is unavailable. 6. Any (re)start costs overhead;
    // keeping spot while moving to a region that has it does not.
    if (req == ClusterType::Spot && !avail.spot(t, region))
      req = ClusterType::None;
    const ClusterType cur =
        last == ClusterType::Spot && !hasSpot ? ClusterType::None : last;
    if (cur != req && req != ClusterType::None)
      rem = d;

    // 7. Advance.
    cluster = req;
    ++t;
  }
  pass.finalRegion = region;
  return pass;
}

double pricePerHour(ClusterType type, double spotPrice) {
  switch (type) {
  case ClusterType::Spot:
    return spotPrice;
  case ClusterType::OnDemand:
    return kOnDemandPrice;
  case ClusterType::None:
    break;
  }
  return 0;
}

Decision onDemandOnly(const PolicyState &) {
  return {ClusterType::OnDemand, Decision::kStay};
}

/// SplitMix64: the cut ticks of the replays, the same in every evaluation.
std::uint64_t mix(std::uint64_t &state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Replays \p run with the availability after a tick c inverted, for a few
/// ticks c; returns "" when every decision up to c was the same, else the
/// first difference.
std::string findLookahead(const Run &run, const Availability &avail,
                          Policy policy, const Pass &original) {
  const int kReplays = 16;
  std::uint64_t state = 0x5eed;
  for (char ch : run.scenario)
    state = state * 131 + static_cast<unsigned char>(ch);
  state = state * 131 + static_cast<std::uint64_t>(run.trace);
  const long calls = static_cast<long>(original.decisions.size());
  for (int r = 0; r < kReplays && calls > 1; ++r) {
    // The last call cannot look beyond the job; any other can.
    const long cut =
        static_cast<long>(mix(state) % static_cast<std::uint64_t>(calls - 1));
    Availability changed = avail;
    for (std::size_t i = static_cast<std::size_t>((cut + 1) * avail.numRegions);
         i < changed.cells.size(); ++i)
      changed.cells[i] ^= 1;
    const Pass replay = runLoop(run, changed, policy, cut);
    for (long t = 0; t <= cut; ++t) {
      if (replay.failed && replay.failedAt == t)
        return "tick " + std::to_string(t) + ": " + replay.failure +
               " when the availability after tick " + std::to_string(cut) +
               " changed";
      const Decision &was = original.decisions[static_cast<std::size_t>(t)];
      const Decision &now = replay.decisions[static_cast<std::size_t>(t)];
      if (!(was == now))
        return "tick " + std::to_string(t) + ": decided " + describe(now) +
               " instead of " + describe(was) +
               " when only the availability after tick " + std::to_string(cut) +
               " changed";
    }
  }
  return "";
}

} // namespace

RunResult simulate(const Run &run, Policy policy) {
  RunResult result;
  const Availability avail(run);
  Pass pass = runLoop(run, avail, policy, -1);
  result.tampered = avail.cells != Availability(run).cells;
  if (!pass.failed) {
    result.lookahead = findLookahead(run, avail, policy, pass);
    result.lookedAhead = !result.lookahead.empty();
  }
  if (pass.failed) {
    result.failed = true;
    result.failure = pass.failure;
    pass = runLoop(run, avail, onDemandOnly, -1);
  }

  // The leaderboard's bill: every spot tick at the price of the region the
  // run ends in, added left to right from 0.
  const double gap = run.regions.front()->gapSeconds;
  const double finalPrice =
      run.regions[static_cast<std::size_t>(pass.finalRegion)]->spotPrice;
  for (std::size_t i = 0; i < pass.history.size(); ++i) {
    result.cost += pricePerHour(pass.history[i], finalPrice) * gap / 3600;
    result.costAtLocalPrices +=
        pricePerHour(
            pass.history[i],
            run.regions[static_cast<std::size_t>(pass.historyRegion[i])]
                ->spotPrice) *
        gap / 3600;
  }
  // The last call credited tick t-2, which ends at (t-1) * gap.
  result.ticks = pass.ticks - 1;
  result.metDeadline = result.ticks * gap <= kDeadlineSeconds;
  result.lateSwitches = pass.lateSwitches;
  return result;
}

double scoreFromCost(double avgCost) {
  const double frac =
      (kOnDemandJobCost - avgCost) / (kOnDemandJobCost - kSpotJobCost);
  return 100 * std::min(std::max(frac, 0.0), 1.0);
}

} // namespace cblm
