//===- levi.cpp - The LEVI leaderboard solution (apportionment + snake) ---===//
//
// The algorithm of the LEVI framework's EPLB solution on the ADRS
// leaderboard (solutions/eplb/LEVI), re-implemented from its description:
//
//  1. apportionment over all experts, ignoring groups and nodes: every
//     expert gets one replica, and each of the spare slots goes to the
//     expert with the largest (load + 1e-12) / replicas, in double
//     precision, the first on ties;
//  2. the replicas, each carrying its expert's load / replicas, are sorted
//     by that load, heaviest first (stable: ties in expert, then replica
//     order; the reference's sort is not stable, which changes no load);
//  3. snake mapping: the i-th heaviest replica goes to GPU i mod 32 in
//     rounds that go GPU 0..31, then 31..0, then 0..31 again, slot i / 32
//     of that GPU.
//
// log2phy is as wide as the largest replica count of any layer, as in the
// reference. Drop-in replacement for policy/rebalance.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "eplb.h"

#include <algorithm>
#include <vector>

// See policy/rebalance.cpp for the contract.
eplb::Placement rebalance_experts(const eplb::Load &weight, int numReplicas,
                                  int numGroups, int numNodes, int numGpus) {
  // EVOLVE-BLOCK-START rebalance
  (void)numGroups;
  (void)numNodes;
  const int layers = weight.layers;
  const int experts = weight.experts;
  const int slotsPerGpu = numReplicas / numGpus;

  eplb::Placement out;
  out.phy2log.assign(static_cast<std::size_t>(layers) * numReplicas, 0);
  out.logcnt.assign(static_cast<std::size_t>(layers) * experts, 1);

  // 1. Apportionment.
  std::vector<double> w(experts);
  for (int layer = 0; layer < layers; ++layer) {
    const std::size_t base = static_cast<std::size_t>(layer) * experts;
    std::vector<int> &count = out.logcnt; // this layer's from base on
    for (int e = 0; e < experts; ++e)
      w[e] = static_cast<double>(weight.at(layer, e)) + 1e-12;
    for (int s = experts; s < numReplicas; ++s) {
      int best = 0;
      for (int e = 1; e < experts; ++e)
        if (w[e] / count[base + e] > w[best] / count[base + best])
          best = e;
      ++count[base + best];
    }
  }
  out.maxReplicas = *std::max_element(out.logcnt.begin(), out.logcnt.end());
  out.log2phy.assign(
      static_cast<std::size_t>(layers) * experts * out.maxReplicas, -1);

  // The slot of the i-th heaviest replica: the snake over the GPUs.
  std::vector<int> snake(numReplicas);
  for (int i = 0; i < numReplicas; ++i) {
    const int round = i / numGpus, pos = i % numGpus;
    const int gpu = round % 2 == 0 ? pos : numGpus - 1 - pos;
    snake[i] = gpu * slotsPerGpu + round;
  }

  struct Replica {
    double load;
    int expert;
    int rank;
  };
  std::vector<Replica> replicas;
  for (int layer = 0; layer < layers; ++layer) {
    const int *count = &out.logcnt[static_cast<std::size_t>(layer) * experts];
    // 2. Replicas by load, heaviest first.
    replicas.clear();
    for (int e = 0; e < experts; ++e) {
      const double load =
          (static_cast<double>(weight.at(layer, e)) + 1e-12) / count[e];
      for (int r = 0; r < count[e]; ++r)
        replicas.push_back({load, e, r});
    }
    std::stable_sort(
        replicas.begin(), replicas.end(),
        [](const Replica &a, const Replica &b) { return a.load > b.load; });
    // 3. Snake mapping, and the maps.
    for (int i = 0; i < numReplicas; ++i) {
      const Replica &r = replicas[i];
      out.phy2log[static_cast<std::size_t>(layer) * numReplicas + snake[i]] =
          r.expert;
      out.log2phy[(static_cast<std::size_t>(layer) * experts + r.expert) *
                      out.maxReplicas +
                  r.rank] = snake[i];
    }
  }
  return out;
  // EVOLVE-BLOCK-END
}
