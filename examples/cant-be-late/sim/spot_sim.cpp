//===- spot_sim.cpp - Can't Be Late single-region spot simulator ----------===//
//
// The simulation loop mirrors the Python reference step by step; the comments
// number the steps as in the semantics given in data/README.md. For the
// standard grid every quantity is a whole number of seconds, so the double
// arithmetic is exact; the reference's order of operations is kept anyway so
// other inputs round the same way.
//
//===----------------------------------------------------------------------===//

#include "spot_sim.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace cbl {

namespace {

double pricePerHour(ClusterType type) {
  switch (type) {
  case ClusterType::Spot:
    return kSpotPrice;
  case ClusterType::OnDemand:
    return kOnDemandPrice;
  case ClusterType::None:
    break;
  }
  return 0;
}

bool fail(std::string &error, long lineNo, const std::string &what) {
  error = "line " + std::to_string(lineNo) + ": " + what;
  return false;
}

} // namespace

bool parseTraces(std::istream &in, std::vector<Trace> &out,
                 std::string &error) {
  std::string line;
  long lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;

    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      std::size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab - start));
      if (tab == std::string::npos)
        break;
      start = tab + 1;
    }
    if (fields.size() != 4)
      return fail(error, lineNo,
                  "expected 4 tab-separated fields, got " +
                      std::to_string(fields.size()));

    Trace trace;
    trace.env = fields[0];
    trace.id = fields[1];
    if (trace.env.empty() || trace.id.empty())
      return fail(error, lineNo, "empty env or trace_id");

    const char *gapText = fields[2].c_str();
    char *end = nullptr;
    errno = 0;
    trace.gapSeconds = std::strtod(gapText, &end);
    if (end == gapText || *end != '\0' || errno != 0 ||
        !std::isfinite(trace.gapSeconds) || trace.gapSeconds <= 0)
      return fail(error, lineNo, "bad gap_seconds '" + fields[2] + "'");

    const std::string &bits = fields[3];
    if (bits.empty())
      return fail(error, lineNo, "empty availability bits");
    trace.preempted.reserve(bits.size());
    for (char c : bits) {
      if (c != '0' && c != '1')
        return fail(error, lineNo,
                    std::string("availability bits must be 0/1, got '") + c +
                        "'");
      trace.preempted.push_back(c == '1');
    }
    out.push_back(std::move(trace));
  }
  if (in.bad())
    return fail(error, lineNo, "read error");
  return true;
}

bool loadTraces(const std::string &path, std::vector<Trace> &out,
                std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  if (!parseTraces(in, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

SimResult simulate(const Trace &trace, double deadlineHours,
                   double overheadHours, Policy policy, double taskHours) {
  const double gap = trace.gapSeconds;
  const double task = taskHours * 3600;
  const double deadline = deadlineHours * 3600;
  const double overhead = overheadHours * 3600;
  const long numTraceTicks = static_cast<long>(trace.preempted.size());

  std::vector<double> done;
  done.reserve(static_cast<std::size_t>(numTraceTicks) + 1);
  double doneSum = 0; // must equal the reference's sum(done) bit for bit
  double remOverhead = 0;
  double cost = 0;
  ClusterType cluster = ClusterType::None;
  long t = 0;

  SimResult result;
  if (!(gap > 0) || policy == nullptr)
    return result;

  while (task - doneSum > 1e-8) {
    // 1. Observe availability; the cluster that ran during the previous
    // tick is charged for it even if it is preempted now.
    const bool hasSpot = t < numTraceTicks && !trace.preempted[t];
    const ClusterType last = cluster;
    cost += pricePerHour(last) * gap / 3600;
    if (cluster == ClusterType::Spot && !hasSpot)
      cluster = ClusterType::None;

    // 2. Credit the tick that just ended, minus any restart overhead.
    double progress = 0;
    if (last != ClusterType::None) {
      double usable = std::max(gap - remOverhead, 0.0);
      remOverhead -= gap - usable;
      if (remOverhead < 1e-3)
        remOverhead = 0;
      progress = std::min(usable, task - doneSum);
    }
    done.push_back(progress);
    doneSum += progress;

    // 3. Ask the policy.
    PolicyState s;
    s.tick = t;
    s.gapSeconds = gap;
    s.taskSeconds = task;
    s.deadlineSeconds = deadline;
    s.restartOverheadSeconds = overhead;
    s.doneSeconds = doneSum;
    s.doneTicks = done.data();
    s.numDoneTicks = done.size();
    s.last = last;
    s.hasSpot = hasSpot;
    s.remainingOverheadSeconds = remOverhead;
    ClusterType req = policy(s);

    // 4. Safety rule: once the remaining work (plus one restart) no longer
    // fits strictly before the deadline, stop taking chances.
    const double remainingTime = std::floor((deadline - t * gap) / gap) * gap;
    const double left = task - doneSum;
    if (left > 1e-3 &&
        std::ceil((left + overhead) / gap) * gap >= remainingTime)
      req = last == ClusterType::Spot && remOverhead < 1e-3
                ? ClusterType::Spot
                : ClusterType::OnDemand;

    // 5. Spot cannot be had while preempted; any (re)start costs overhead.
    if (req == ClusterType::Spot && !hasSpot)
      req = ClusterType::None;
    const ClusterType cur =
        last == ClusterType::Spot && !hasSpot ? ClusterType::None : last;
    if (cur != req && req != ClusterType::None)
      remOverhead = overhead;

    // 6. Advance.
    cluster = req;
    ++t;
  }

  // The last iteration credited tick t-2, which ends at (t-1) * gap.
  result.cost = cost;
  result.ticks = t - 1;
  result.metDeadline = result.ticks * gap <= deadline;
  return result;
}

Evaluation evaluate(const std::vector<Trace> &traces, Policy policy) {
  Evaluation eval;
  double total = 0;
  for (int di = 0; di < kNumDeadlines; ++di) {
    for (int oi = 0; oi < kNumOverheads; ++oi) {
      double configTotal = 0;
      for (const Trace &trace : traces) {
        SimResult r = simulate(trace, kDeadlineHours[di], kOverheadHours[oi],
                               policy, kTaskHours);
        configTotal += r.cost;
        eval.missedDeadlines += !r.metDeadline;
        ++eval.numSimulations;
      }
      total += configTotal;
      eval.avgCostByConfig[di][oi] =
          traces.empty() ? 0 : configTotal / traces.size();
    }
  }
  eval.avgCost = eval.numSimulations ? total / eval.numSimulations : 0;
  eval.score = scoreFromCost(eval.avgCost);
  return eval;
}

double scoreFromCost(double avgCost) {
  const double onDemandCost = kOnDemandPrice * kTaskHours;
  const double spotCost = kSpotPrice * kTaskHours;
  double frac = (onDemandCost - avgCost) / (onDemandCost - spotCost);
  return 100 * std::min(std::max(frac, 0.0), 1.0);
}

} // namespace cbl
