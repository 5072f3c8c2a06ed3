//===- greedy.cpp - Prism's greedy placement (the initial program) --------===//
//
// Algorithm 1 of the Prism paper without its tau check, the leaderboard's
// initial program (and its `human_SOTA`): models by req_rate / slo, largest
// first, each on the GPU with the lowest pressure per free GB among those
// it fits on.
//
//===----------------------------------------------------------------------===//

#include "prism.h"
// Compiled in with the policy because the `exact` baseline, which stands in
// for this file, calls it; the spec forbids a candidate to.
#include "prism_exact.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

// Returns the GPU of every model of `c`: entry j is the GPU (0 ..
// c.numGpus-1) that model j runs on. A GPU holds at most 80 GB of models
// (prism::kGpuMemGB). The evaluator scores the largest KVPR of any GPU,
//   sum of req_rate / slo of its models / (80 - sum of their sizes),
// and the smaller the better; prism::kvpr() computes it from the two sums.
std::vector<int> place(const prism::Case &c) {
  // EVOLVE-BLOCK-START placement
  const int n = c.numModels();
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  // By pressure (req_rate / slo), largest first; ties keep model order.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return c.models[a].pressure() > c.models[b].pressure();
  });

  std::vector<double> pressure(c.numGpus, 0.0);
  std::vector<double> freeGB(c.numGpus, prism::kGpuMemGB);
  std::vector<int> gpuOf(n, -1);
  for (int j : order) {
    const prism::Model &m = c.models[j];
    int best = -1;
    double bestRatio = 0;
    for (int g = 0; g < c.numGpus; ++g) {
      if (m.sizeGB > freeGB[g] || freeGB[g] <= 0)
        continue;
      const double ratio = pressure[g] / freeGB[g];
      if (best < 0 || ratio < bestRatio) { // ties: the lowest GPU id
        best = g;
        bestRatio = ratio;
      }
    }
    if (best < 0)
      throw std::runtime_error("a model fits on no GPU");
    gpuOf[j] = best;
    pressure[best] += m.pressure();
    freeGB[best] -= m.sizeGB;
  }
  return gpuOf;
  // EVOLVE-BLOCK-END
}
