//===- BanditTest.cpp - The discounted UCB1 bandit ------------------------===//

#include "adrs/Core/Bandit.h"

#include "gtest/gtest.h"

#include <vector>

using namespace adrs;

namespace {

/// Plays \p Rounds pulls where arm \p Paying is paid 1 and the others 0,
/// and returns how often each arm was chosen.
std::vector<unsigned> play(Bandit &B, unsigned Rounds, unsigned Paying,
                           double Floor) {
  std::vector<unsigned> Chosen(B.arms(), 0);
  for (unsigned R = 0; R < Rounds; ++R) {
    unsigned A = B.choose(Floor);
    ++Chosen[A];
    B.pay(A, A == Paying ? 1 : 0);
  }
  return Chosen;
}

TEST(BanditTest, EveryArmIsTriedFirst) {
  Bandit B(4);
  std::vector<unsigned> Chosen = play(B, 4, 2, 0);
  for (unsigned C : Chosen)
    EXPECT_EQ(C, 1u);
}

TEST(BanditTest, ThePayingArmGetsMostPulls) {
  Bandit B(4);
  std::vector<unsigned> Chosen = play(B, 400, 1, 0.2);
  EXPECT_GT(Chosen[1], 200u);
  for (unsigned A : {0u, 2u, 3u})
    EXPECT_LT(Chosen[A], Chosen[1]);
}

TEST(BanditTest, TheFloorIsKeptExactly) {
  // Arm 0 pays always; still, every arm keeps its floor share.
  for (double Floor : {0.2, 0.5, 1.0}) {
    Bandit B(5);
    unsigned Rounds = 500;
    std::vector<unsigned> Chosen = play(B, Rounds, 0, Floor);
    for (unsigned C : Chosen)
      EXPECT_GE(C + 1, Floor * Rounds / 5) << "floor " << Floor;
  }
}

TEST(BanditTest, OldPayIsForgotten) {
  // Arm 0 paid for 300 rounds, then arm 2 does: within a few hundred
  // pulls arm 2 has the larger share of the recent ones.
  Bandit B(3);
  play(B, 300, 0, 0.1);
  play(B, 200, 2, 0.1);
  std::vector<unsigned> Recent = play(B, 200, 2, 0.1);
  EXPECT_GT(Recent[2], Recent[0]);
  EXPECT_GT(Recent[2], 100u);
}

TEST(BanditTest, ChoicesAreAFunctionOfThePay) {
  // Two bandits given the same pay choose the same: a replayed run
  // rebuilds the one it had.
  Bandit A(6), B(6);
  for (unsigned R = 0; R < 300; ++R) {
    unsigned X = A.choose(0.3), Y = B.choose(0.3);
    ASSERT_EQ(X, Y);
    double Pay = (R * 7 + X) % 5 == 0 ? 1 : 0;
    A.pay(X, Pay);
    B.pay(Y, Pay);
  }
}

TEST(BanditTest, OneArmAndBadArms) {
  Bandit One(1);
  EXPECT_EQ(One.choose(0.5), 0u);
  One.pay(0, 1);
  One.pay(7, 1); // no such arm: ignored
  EXPECT_DOUBLE_EQ(One.pulls(0), 1.0);
}

} // namespace
