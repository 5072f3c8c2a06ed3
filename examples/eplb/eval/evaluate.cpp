//===- evaluate.cpp - Evaluator for expert-parallelism load balancing -----===//
//
// Each workload is a load trace of consecutive windows. For every window k
// but the last, the policy rebalances on window k's loads and its placement
// is scored on window k + 1, as in the leaderboard's evaluator. Reported:
// the mean GPU balancedness (the leaderboard's bal_gpu) and slot
// balancedness over all (window, next window) pairs, the rebalancing time,
// the leaderboard's score with that time rescaled for compiled code, and the
// number of pairs whose placement was refused, which the spec requires to be
// zero.
//
// Timing. Every pair is rebalanced kRepeats times, each call on a fresh copy
// of the window, in rounds over the trace's windows (no call gets the same
// input as the one before it), and only the call is timed, in CPU time of
// the thread (cpuSeconds());
// the pair's time is the median of its calls, and the workload's the mean
// of its pairs'.
// The median ignores the calls that a busy machine preempted or that ran
// with cold caches. Every call's placement must be the same as the first
// (the algorithm is scored on what it returned, not on a lucky call). Time
// enters the score only through a term that saturates (eplb::score), so
// below the saturation point noise cannot move the score at all, and above
// it the time term is at most 10 of about 100 points.
//
// Checking. The placements are kept, the trace is parsed again, and only
// then is each placement checked (eplb::checkPlacement: the three maps
// agree, ids are in range, no load is dropped) and scored, from phy2log and
// the fresh copy of the loads: no number comes from memory the policy could
// reach. A pair whose placement is refused, or whose call threw, is counted
// in invalid_placements and scores 0.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "eplb.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

// The function under evolution, defined in policy/rebalance.cpp.
eplb::Placement rebalance_experts(const eplb::Load &weight, int numReplicas,
                                  int numGroups, int numNodes, int numGpus);

namespace {

constexpr int kRepeats = 11;

/// What the policy did on one (window, next window) pair.
struct Call {
  eplb::Placement Placement;
  double Seconds = 0; ///< median over the repeats
  std::string Fault;  ///< why the placement cannot be scored, or empty
};

/// CPU time of the calling thread (user and system), in seconds. Wall
/// time would also count the time other processes of a busy machine hold
/// the CPU; a candidate cannot start threads or processes, so on an idle
/// machine the two are the same.
double cpuSeconds() {
  timespec T;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &T);
  return double(T.tv_sec) + double(T.tv_nsec) * 1e-9;
}

bool samePlacement(const eplb::Placement &A, const eplb::Placement &B) {
  return A.maxReplicas == B.maxReplicas && A.phy2log == B.phy2log &&
         A.logcnt == B.logcnt && A.log2phy == B.log2phy;
}

/// FNV-1a over phy2log then logcnt, each entry as 4 little-endian bytes:
/// tools/placement_digests.py computes the same from the published
/// placements, so a test can show that they are reproduced exactly.
std::uint64_t digest(const eplb::Placement &P) {
  std::uint64_t Hash = 14695981039346656037ull;
  auto Add = [&Hash](const std::vector<int> &Values) {
    for (int V : Values) {
      const std::uint32_t U = static_cast<std::uint32_t>(V);
      for (int Byte = 0; Byte < 4; ++Byte)
        Hash = (Hash ^ ((U >> (8 * Byte)) & 0xff)) * 1099511628211ull;
    }
  };
  Add(P.phy2log);
  Add(P.logcnt);
  return Hash;
}

std::string format(const char *Fmt, double X) {
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), Fmt, X);
  return Buffer;
}

std::vector<Call> runPolicy(const eplb::Trace &T) {
  const std::size_t Pairs = T.windows.size() - 1;
  std::vector<Call> Calls(Pairs);
  std::vector<std::vector<double>> Times(Pairs);
  // Round after round over the windows, so that no call has the same input
  // as the call before it.
  for (int R = 0; R < kRepeats; ++R)
    for (std::size_t K = 0; K < Pairs; ++K) {
      Call &C = Calls[K];
      if (!C.Fault.empty())
        continue;
      const eplb::Load Given = T.windows[K]; // a fresh copy for every call
      eplb::Placement P;
      try {
        const double Start = cpuSeconds();
        P = rebalance_experts(Given, T.cluster.replicas, T.cluster.groups,
                              T.cluster.nodes, T.cluster.gpus);
        const double End = cpuSeconds();
        Times[K].push_back(End - Start);
      } catch (const std::exception &E) {
        C.Fault = std::string("rebalance_experts() threw: ") + E.what();
      } catch (...) {
        C.Fault = "rebalance_experts() threw something that is not a "
                  "std::exception";
      }
      if (!C.Fault.empty())
        continue;
      if (R == 0)
        C.Placement = std::move(P);
      else if (!samePlacement(P, C.Placement))
        C.Fault = "call " + std::to_string(R + 1) +
                  " on the same window returned another placement than the "
                  "first; a placement must depend only on the loads";
    }
  for (std::size_t K = 0; K < Pairs; ++K)
    if (!Times[K].empty()) {
      std::sort(Times[K].begin(), Times[K].end());
      Calls[K].Seconds = Times[K][Times[K].size() / 2];
    }
  return Calls;
}

} // namespace

void evaluate_eplb(adrs::EvalContext &Ctx) {
  const std::vector<adrs::Workload> &Workloads = Ctx.workloads();
  if (Workloads.empty()) {
    Ctx.artifact("error", "the stage has no workloads");
    return;
  }

  // 1. Run the policy on every pair of every trace.
  std::vector<std::vector<Call>> Calls(Workloads.size());
  for (std::size_t I = 0; I < Workloads.size(); ++I) {
    eplb::Trace Given;
    std::string Error;
    if (!eplb::loadTrace(Workloads[I].Path, Given, Error)) {
      Ctx.artifact("error", Error);
      return; // no metrics: the candidate is reported as invalid_output
    }
    Calls[I] = runPolicy(Given);
  }

  // 2. Check and score. No candidate code runs from here on.
  double BalGpu = 0, BalExpert = 0, Seconds = 0;
  int Pairs = 0, Invalid = 0;
  std::string Summary, Digests, Problems;
  for (std::size_t I = 0; I < Workloads.size(); ++I) {
    const std::string &Name = Workloads[I].Name;
    eplb::Trace T;
    std::string Error;
    if (!eplb::loadTrace(Workloads[I].Path, T, Error)) {
      Ctx.artifact("error", Error);
      return;
    }
    double WGpu = 0, WExpert = 0, WSeconds = 0;
    int WInvalid = 0;
    std::string PairText;
    for (std::size_t K = 0; K < Calls[I].size(); ++K) {
      Call &C = Calls[I][K];
      const eplb::Load &Next = T.windows[K + 1];
      if (C.Fault.empty())
        C.Fault = eplb::checkPlacement(C.Placement, T.cluster, Next);
      eplb::Balance B;
      if (C.Fault.empty()) {
        B = eplb::balancedness(C.Placement, T.cluster, Next);
        char Hex[20];
        std::snprintf(Hex, sizeof(Hex), "%016llx",
                      static_cast<unsigned long long>(digest(C.Placement)));
        Digests += Name + " window " + std::to_string(K) + ": " + Hex + "\n";
      } else {
        ++WInvalid;
        Problems += Name + " window " + std::to_string(K) + ": " + C.Fault +
                    "; the pair scores 0\n";
      }
      WGpu += B.gpu;
      WExpert += B.expert;
      WSeconds += C.Seconds;
      Ctx.workloadMetric(Name, format("bal_gpu_%02.0f", double(K)), B.gpu);
      PairText += format(" %.4f", B.gpu);
    }
    const double N = double(Calls[I].size());
    Ctx.workloadMetric(Name, "bal_gpu", WGpu / N);
    Ctx.workloadMetric(Name, "bal_expert", WExpert / N);
    Ctx.workloadMetric(Name, "time_us", WSeconds / N * 1e6);
    Ctx.workloadMetric(Name, "invalid", WInvalid);
    Summary += Name + ": bal_gpu " + format("%.7f", WGpu / N) +
               " (per window:" + PairText + "), bal_expert " +
               format("%.7f", WExpert / N) + ", " +
               format("%.1f", WSeconds / N * 1e6) + " us per rebalancing (" +
               std::to_string(T.windows[0].layers) + " layers x " +
               std::to_string(T.windows[0].experts) + " experts)\n";
    BalGpu += WGpu;
    BalExpert += WExpert;
    Seconds += WSeconds;
    Pairs += int(Calls[I].size());
    Invalid += WInvalid;
  }

  BalGpu /= Pairs;
  BalExpert /= Pairs;
  Seconds /= Pairs;
  const double Score = eplb::score(BalGpu, Seconds);
  Ctx.metric("score", Score);
  Ctx.metric("bal_gpu", BalGpu);
  Ctx.metric("bal_expert", BalExpert);
  Ctx.metric("time_us", Seconds * 1e6);
  Ctx.metric("invalid_placements", Invalid);

  Summary += "mean over " + std::to_string(Pairs) + " windows: bal_gpu " +
             format("%.7f", BalGpu) + ", " + format("%.1f", Seconds * 1e6) +
             " us: score " + format("%.3f", Score) + " = 90 x bal_gpu + " +
             format("%.3f", Score - 90 * BalGpu) +
             " for speed (10 at most, from " +
             format("%.0f", 1e-3 / eplb::kTimeScale * 1e6) + " us down)\n";
  Ctx.artifact("balance", Summary);
  Ctx.artifact("placements", Digests);
  if (Invalid > 0)
    Ctx.artifact("invalid", Problems);
}
