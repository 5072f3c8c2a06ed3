//===- adrs/Core/Bandit.h - Proposals to what recently paid -----*- C++ -*-===//
//
// A discounted UCB1 bandit (AdaEvolve gives islands proposals this way):
// each arm (an island, a built-in operator) is paid when what it produced
// improved, and older pay counts less, so an arm that stopped paying loses
// its share within a few hundred pulls. No arm starves: one that has had
// fewer than its floor share of all pulls is chosen next, for an island or
// operator that has nothing to offer now may have later, after the others
// moved on. The floor is kept exactly, not by chance, so that a test can
// check it in the run's database.
//
// The state is a function of the pay it was given, in order, so a resumed
// run rebuilds it by replaying its database.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CORE_BANDIT_H
#define ADRS_CORE_BANDIT_H

#include <cstdint>
#include <vector>

namespace adrs {

class Bandit {
public:
  explicit Bandit(unsigned Arms);

  /// The arm for the next proposal: the most starved arm while one has had
  /// fewer than \p Floor / arms() of all pulls, else the arm with the
  /// highest discounted mean pay plus UCB1 bonus (the lowest on a tie).
  unsigned choose(double Floor) const;
  /// \p Arm produced something that earned \p Reward (0 to 1).
  void pay(unsigned Arm, double Reward);

  unsigned arms() const { return unsigned(Pulls.size()); }
  /// The discounted pulls of \p Arm.
  double pulls(unsigned Arm) const { return Pulls[Arm]; }

  /// Pay of 100 pulls ago counts 1/e as much as the latest.
  static constexpr double Discount = 0.99;
  /// UCB1's exploration constant for rewards in [0, 1].
  static constexpr double Exploration = 1.41421356237;

private:
  std::vector<double> Pulls, Rewards;
  std::vector<uint64_t> Counts; ///< Undiscounted pulls, for the floor.
  uint64_t Total = 0;
};

} // namespace adrs

#endif
