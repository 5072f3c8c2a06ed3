//===- place.cpp - A template-heavy placement policy ----------------------===//
//
// The region's unit includes <algorithm>, <vector> and <unordered_map> and the
// region instantiates templates of its own: what a new user's policy looks
// like, and what makes a candidate's compile expensive.
//
//===----------------------------------------------------------------------===//
#include "place.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

template <class Key, class Value>
static Value &slot(std::unordered_map<Key, Value> &Map, const Key &K) {
  return Map[K];
}

std::vector<int> place(const std::vector<Job> &Jobs, int Machines) {
  // EVOLVE-BLOCK-START place
  std::vector<size_t> Order(Jobs.size());
  for (size_t I = 0; I < Order.size(); ++I)
    Order[I] = I;
  std::stable_sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    return Jobs[A].Size > Jobs[B].Size;
  });
  std::unordered_map<int, std::vector<double>> ByAffinity;
  std::vector<double> Load(Machines, 0.0);
  std::vector<int> Where(Jobs.size(), 0);
  const double AffinityBonus = 0.5;
  for (size_t I : Order) {
    std::vector<double> &Seen = slot(ByAffinity, Jobs[I].Affinity);
    int Best = 0;
    double BestCost = 1e300;
    for (int M = 0; M < Machines; ++M) {
      double Cost = Load[M] + Jobs[I].Size;
      if (std::find(Seen.begin(), Seen.end(), double(M)) != Seen.end())
        Cost -= AffinityBonus;
      if (Cost < BestCost) {
        BestCost = Cost;
        Best = M;
      }
    }
    Load[Best] += Jobs[I].Size;
    Seen.push_back(double(Best));
    Where[I] = Best;
  }
  return Where;
  // EVOLVE-BLOCK-END
}
