//===- Bandit.cpp - Proposals to what recently paid -----------------------===//

#include "adrs/Core/Bandit.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace adrs {

Bandit::Bandit(unsigned Arms)
    : Pulls(Arms, 0), Rewards(Arms, 0), Counts(Arms, 0) {}

unsigned Bandit::choose(double Floor) const {
  size_t K = Pulls.size();
  if (K <= 1)
    return 0;
  size_t Starved =
      size_t(std::min_element(Counts.begin(), Counts.end()) - Counts.begin());
  if (double(Counts[Starved]) < Floor * double(Total) / double(K))
    return unsigned(Starved);
  double Weight = 0;
  for (double P : Pulls)
    Weight += P;
  unsigned Choice = 0;
  double BestValue = -1;
  for (size_t A = 0; A < K; ++A) {
    // An arm never tried comes first.
    double Value =
        Pulls[A] < 1e-9
            ? std::numeric_limits<double>::infinity()
            : Rewards[A] / Pulls[A] +
                  Exploration *
                      std::sqrt(std::log(std::max(Weight, 1.0)) / Pulls[A]);
    if (Value > BestValue) {
      BestValue = Value;
      Choice = unsigned(A);
    }
  }
  return Choice;
}

void Bandit::pay(unsigned Arm, double Reward) {
  if (Arm >= Pulls.size())
    return;
  for (size_t A = 0; A < Pulls.size(); ++A) {
    Pulls[A] *= Discount;
    Rewards[A] *= Discount;
  }
  Pulls[Arm] += 1;
  Rewards[Arm] += Reward;
  ++Counts[Arm];
  ++Total;
}

} // namespace adrs
