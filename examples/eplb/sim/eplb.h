//===- eplb.h - Expert-parallelism load balancing model ---------*- C++ -*-===//
//
// The EPLB case study of the ADRS leaderboard: a mixture-of-experts model
// serves every MoE layer's 64 logical experts from 288 physical expert slots
// on 32 GPUs (9 slots each) in 4 nodes. Every window of serving, a
// rebalancing algorithm looks at the token load each logical expert received
// and decides how many replicas each expert gets and which slot holds each
// replica; the placement is then used for the next window, where an expert's
// load is split evenly over its replicas.
//
// This header holds what the policy and the evaluator share: the load of one
// window, the placement a policy returns, the checks a placement must pass
// and the balancedness it is scored by, bit-exact with the leaderboard's
// evaluator in double precision (data/README.md).
//
//===----------------------------------------------------------------------===//

#ifndef EPLB_EPLB_H
#define EPLB_EPLB_H

#include <cstdint>
#include <string>
#include <vector>

namespace eplb {

/// The shape of the cluster: `replicas` physical slots over `gpus` GPUs in
/// `nodes` nodes, and the logical experts split into `groups` groups (the
/// hierarchical policy keeps a group on one node).
struct Cluster {
  int replicas = 288;
  int groups = 8;
  int nodes = 4;
  int gpus = 32;

  int slotsPerGpu() const { return replicas / gpus; }
};

/// The summed token load of every logical expert of every layer over one
/// window: tokens[layer * experts + expert].
struct Load {
  int layers = 0;
  int experts = 0;
  std::vector<std::int64_t> tokens;

  std::int64_t at(int layer, int expert) const {
    return tokens[static_cast<std::size_t>(layer) * experts + expert];
  }
};

/// A placement for every layer, as the leaderboard's rebalance_experts
/// returns it (flattened, row-major):
///  - phy2log[layer * replicas + slot]: the logical expert in that slot;
///  - logcnt[layer * experts + expert]: how many slots hold the expert;
///  - log2phy[(layer * experts + expert) * maxReplicas + rank]: the slot of
///    the expert's replica number `rank`, for rank < logcnt, and -1 after.
/// The evaluator checks that the three agree (checkPlacement()).
struct Placement {
  std::vector<int> phy2log;
  std::vector<int> log2phy;
  std::vector<int> logcnt;
  int maxReplicas = 0; ///< the row width of log2phy
};

/// A load trace: consecutive windows of one serving run. The evaluator
/// rebalances on window k and scores the placement on window k + 1.
struct Trace {
  Cluster cluster;
  std::vector<Load> windows;
};

/// Parses a trace file (data/README.md gives the format). On an error
/// returns false and sets \p error (with the line number).
bool parseTrace(const std::string &text, Trace &out, std::string &error);
bool loadTrace(const std::string &path, Trace &out, std::string &error);

/// Checks \p p against the cluster and the window it will serve: every
/// array has its size, every expert id is in 0..experts-1 and every slot id
/// in 0..replicas-1, logcnt is the number of slots phy2log gives each
/// expert, log2phy lists exactly those slots (each once, then -1 padding),
/// and no expert with load in \p next has no replica (its load would be
/// dropped). Returns an empty string when it passes, else the first fault
/// ("layer 3: expert 7 has load 5120 in the next window but no replica").
std::string checkPlacement(const Placement &p, const Cluster &c,
                           const Load &next);

/// The leaderboard's balancedness of a checked placement on the window it
/// serves: every expert's load is split evenly over its replicas (double
/// precision), a GPU's load is the sum over its slots, and
/// gpu = sum over layers of mean GPU load / sum over layers of max GPU load;
/// expert is the same over the slots.
struct Balance {
  double gpu = 0;
  double expert = 0;
};
Balance balancedness(const Placement &p, const Cluster &c, const Load &next);

/// The leaderboard's score, 90 x balGpu + 5 x min(0.002 / t, 2), minus
/// min(20 t, 20) when t > 0.01, with t the rebalancing time in seconds
/// scaled by kTimeScale: compiled code runs this algorithm about that much
/// faster than the leaderboard's Python (data/README.md). The speed points
/// thus saturate at 10 when one rebalancing takes 1 ms / kTimeScale.
constexpr double kTimeScale = 100;
double score(double balGpu, double seconds);

} // namespace eplb

#endif // EPLB_EPLB_H
