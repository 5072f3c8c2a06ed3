//===- round_robin.cpp - Round-robin placement (the 0-point anchor) -------===//
//
// Model j on GPU j mod numGpus: the placement the leaderboard's score counts
// as 0. Drop-in replacement for policy/greedy.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "prism.h"

#include <vector>

std::vector<int> place(const prism::Case &c) {
  // EVOLVE-BLOCK-START placement
  std::vector<int> gpuOf(c.numModels());
  for (int j = 0; j < c.numModels(); ++j)
    gpuOf[j] = j % c.numGpus;
  return gpuOf;
  // EVOLVE-BLOCK-END
}
