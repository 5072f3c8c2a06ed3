//===- rebalance.cpp - DeepSeek's hierarchical EPLB (the initial program) -===//
//
// A port of vLLM's rebalance_experts (its port of DeepSeek EPLB, Apache-2.0;
// upstream MIT), the leaderboard's initial program, with the same float32
// arithmetic, stable descending sorts and first-index argmax, so that it
// makes the same placements (data/README.md):
//
//  1. groups to nodes: the 8 expert groups (8 consecutive experts each) are
//     packed on the 4 nodes, 2 per node, heaviest group first, each to the
//     non-full node with the least weight so far (the lowest on ties);
//  2. replication within each node: every expert of the node starts with
//     one replica, and each of the node's spare slots goes to the expert
//     with the largest load per replica;
//  3. replicas to GPUs: the node's 72 replicas, each carrying load / count,
//     are packed on its 8 GPUs, 9 each, the same way as step 1;
//  4. the maps are put together: phy2log, log2phy (rank order) and logcnt.
//
// When the groups do not divide evenly over the nodes it uses one node and
// one group (DeepSeek's global policy), as the reference does.
//
//===----------------------------------------------------------------------===//

#include "eplb.h"

#include <algorithm>
#include <numeric>
#include <vector>

// Returns a placement of every layer's experts for the next window, given
// each expert's load in the window that just ended. `weight` has
// weight.layers rows of weight.experts loads; there are numReplicas slots
// on numGpus GPUs in numNodes nodes, and the experts form numGroups groups
// of consecutive ids. See eplb::Placement for what each array holds; the
// evaluator checks that they agree and measures how long this takes.
eplb::Placement rebalance_experts(const eplb::Load &weight, int numReplicas,
                                  int numGroups, int numNodes, int numGpus) {
  // EVOLVE-BLOCK-START rebalance
  const int layers = weight.layers;
  const int experts = weight.experts;
  if (numGroups % numNodes != 0) { // DeepSeek's global policy
    numGroups = 1;
    numNodes = 1;
  }
  const int groupSize = experts / numGroups;
  const int groupsPerNode = numGroups / numNodes;
  const int expertsPerNode = experts / numNodes;
  const int slotsPerNode = numReplicas / numNodes;
  const int gpusPerNode = numGpus / numNodes;
  const int slotsPerGpu = numReplicas / numGpus;

  // Puts items on `packs` packs of equal count, heaviest first, each on the
  // lightest pack that is not full (the first on ties). float32 sums, as in
  // the reference; a stable sort keeps equal weights in index order.
  auto pack = [](const std::vector<float> &w, int packs,
                 std::vector<int> &packOf, std::vector<int> &rankOf) {
    const int n = static_cast<int>(w.size());
    const int perPack = n / packs;
    packOf.assign(n, 0);
    rankOf.assign(n, 0);
    if (perPack == 1) {
      std::iota(packOf.begin(), packOf.end(), 0);
      return;
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&w](int a, int b) { return w[a] > w[b]; });
    std::vector<float> load(packs, 0.0f);
    std::vector<int> items(packs, 0);
    for (int item : order) {
      int best = -1;
      for (int p = 0; p < packs; ++p)
        if (items[p] < perPack && (best < 0 || load[p] < load[best]))
          best = p;
      packOf[item] = best;
      rankOf[item] = items[best];
      load[best] += w[item];
      ++items[best];
    }
  };

  eplb::Placement out;
  out.maxReplicas = numReplicas - experts + 1;
  out.phy2log.assign(static_cast<std::size_t>(layers) * numReplicas, 0);
  out.logcnt.assign(static_cast<std::size_t>(layers) * experts, 0);
  out.log2phy.assign(
      static_cast<std::size_t>(layers) * experts * out.maxReplicas, -1);

  std::vector<float> w(experts), groupWeight(numGroups);
  std::vector<int> groupPack, groupRank, log2mlog(experts), mlog2log(experts);
  std::vector<float> nodeWeight(expertsPerNode), replicaWeight(slotsPerNode);
  std::vector<int> phy2mlog(slotsPerNode), phyRank(slotsPerNode);
  std::vector<int> mlogCount(experts), gpuOf, rankOnGpu;
  for (int layer = 0; layer < layers; ++layer) {
    for (int e = 0; e < experts; ++e)
      w[e] = static_cast<float>(weight.at(layer, e));

    // 1. Groups to nodes.
    for (int g = 0; g < numGroups; ++g) {
      float sum = 0.0f;
      for (int j = 0; j < groupSize; ++j)
        sum += w[g * groupSize + j];
      groupWeight[g] = sum;
    }
    pack(groupWeight, numNodes, groupPack, groupRank);
    for (int g = 0; g < numGroups; ++g)
      for (int j = 0; j < groupSize; ++j) {
        const int mlog =
            (groupPack[g] * groupsPerNode + groupRank[g]) * groupSize + j;
        log2mlog[g * groupSize + j] = mlog;
        mlog2log[mlog] = g * groupSize + j;
      }

    for (int node = 0; node < numNodes; ++node) {
      // 2. Replicas within the node: one each, then the spare slots to the
      // largest load per replica (float32 quotients, the first on ties).
      const int base = node * expertsPerNode; // this node's counts
      for (int i = 0; i < expertsPerNode; ++i) {
        nodeWeight[i] = w[mlog2log[node * expertsPerNode + i]];
        mlogCount[base + i] = 1;
        phy2mlog[i] = i;
        phyRank[i] = 0;
      }
      for (int s = expertsPerNode; s < slotsPerNode; ++s) {
        int best = 0;
        float bestLoad =
            nodeWeight[0] / static_cast<float>(mlogCount[base + 0]);
        for (int i = 1; i < expertsPerNode; ++i) {
          const float perReplica =
              nodeWeight[i] / static_cast<float>(mlogCount[base + i]);
          if (perReplica > bestLoad) {
            best = i;
            bestLoad = perReplica;
          }
        }
        phy2mlog[s] = best;
        phyRank[s] = mlogCount[base + best];
        ++mlogCount[base + best];
      }

      // 3. The node's replicas to its GPUs.
      for (int s = 0; s < slotsPerNode; ++s)
        replicaWeight[s] = nodeWeight[phy2mlog[s]] /
                           static_cast<float>(mlogCount[base + phy2mlog[s]]);
      pack(replicaWeight, gpusPerNode, gpuOf, rankOnGpu);

      // 4. Global slot ids and the maps.
      for (int s = 0; s < slotsPerNode; ++s) {
        const int slot =
            node * slotsPerNode + gpuOf[s] * slotsPerGpu + rankOnGpu[s];
        const int logical = mlog2log[node * expertsPerNode + phy2mlog[s]];
        out.phy2log[static_cast<std::size_t>(layer) * numReplicas + slot] =
            logical;
        out.log2phy[(static_cast<std::size_t>(layer) * experts + logical) *
                        out.maxReplicas +
                    phyRank[s]] = slot;
      }
    }
    for (int e = 0; e < experts; ++e)
      out.logcnt[static_cast<std::size_t>(layer) * experts + e] =
          mlogCount[log2mlog[e]];
  }
  return out;
  // EVOLVE-BLOCK-END
}
