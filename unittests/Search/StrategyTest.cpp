//===- StrategyTest.cpp - Which program to improve next -------------------===//
//
// The strategies' defining properties, on synthetic members: which parent
// each one picks, how the best and the Pareto front are kept, and that the
// same observations and random numbers give the same choices.
//
//===----------------------------------------------------------------------===//

#include "adrs/Search/Strategy.h"

#include "llvm/ADT/STLExtras.h"

#include "gtest/gtest.h"

#include <set>

using namespace adrs;
using namespace adrs::search;

namespace {

Member member(int64_t Id, std::optional<double> Score, int64_t Parent = 0,
              Status S = Status::OK, int Island = 0) {
  Member M;
  M.Id = Id;
  if (Id != 0)
    M.Parents = {Parent};
  M.Island = Island;
  M.Status = S;
  M.Feasible = S == Status::OK;
  M.Score = Score;
  M.Objectives = {Score.value_or(0)};
  M.Features = {{"length", double(Id % 7)}, {"complexity", double(Id % 5)}};
  return M;
}

spec::SearchSpec searchOf(spec::SearchStrategy Kind) {
  spec::SearchSpec S;
  S.Strategy = Kind;
  return S;
}

TEST(StrategyTest, BetterPrefersFeasibleThenScoreThenAge) {
  Member A = member(1, 5), B = member(2, 9, 0, Status::Infeasible);
  EXPECT_TRUE(better(A, B)) << "feasible beats a higher infeasible score";
  Member C = member(3, 6);
  EXPECT_TRUE(better(C, A));
  Member D = member(4, 6);
  EXPECT_TRUE(better(C, D)) << "the older of two equals";
  EXPECT_FALSE(better(D, C));
}

TEST(StrategyTest, DominatesNeedsOneStrictImprovement) {
  EXPECT_TRUE(dominates({2, 2}, {1, 2}));
  EXPECT_FALSE(dominates({2, 2}, {2, 2}));
  EXPECT_FALSE(dominates({3, 1}, {1, 3}));
}

TEST(StrategyTest, GreedyAlwaysTakesTheBestFinishedBefore) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Greedy);
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  std::mt19937_64 Rng(1);
  EXPECT_EQ(S->select(1, Rng).Parent, 0);
  S->observe(member(1, 3));
  S->observe(member(2, 2, 1));
  S->observe(member(3, 9, 1, Status::CompileError));
  EXPECT_EQ(S->select(4, Rng).Parent, 1) << "a failure is never the best";
  ASSERT_NE(S->best(), nullptr);
  EXPECT_EQ(S->best()->Id, 1);
  EXPECT_EQ(S->baseline()->Id, 0);
}

TEST(StrategyTest, RandomAlwaysStartsFromTheBaseline) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Random);
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  std::mt19937_64 Rng(7);
  for (int64_t I = 1; I < 50; ++I) {
    EXPECT_EQ(S->select(uint64_t(I), Rng).Parent, 0);
    S->observe(member(I, double(I), 0));
  }
  EXPECT_EQ(S->best()->Id, 49);
}

TEST(StrategyTest, FeedbackShowsRecentAttemptsFailuresIncluded) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Feedback);
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  for (int64_t I = 1; I <= 70; ++I)
    S->observe(member(I, 1, 0, I % 3 ? Status::OK : Status::Timeout));
  std::mt19937_64 Rng(3);
  Selection Sel = S->select(71, Rng);
  ASSERT_EQ(Sel.History.size(), 64u) << "the newest 64";
  EXPECT_EQ(Sel.History.front(), 7);
  EXPECT_EQ(Sel.History.back(), 70);
}

/// Replays the same observations into a new strategy and asks for the same
/// selections: a resumed run depends on it.
void expectReplayable(spec::SearchStrategy Kind) {
  spec::SearchSpec Spec = searchOf(Kind);
  Spec.MigrateEvery = 10;
  auto Drive = [&](std::unique_ptr<Strategy> &S) {
    std::vector<int64_t> Parents;
    S->observe(member(0, 1));
    for (int64_t I = 1; I <= 200; ++I) {
      std::mt19937_64 Rng(1000 + I);
      Selection Sel = S->select(uint64_t(I), Rng);
      Parents.push_back(Sel.Parent);
      Status St = I % 5 == 0 ? Status::Crashed : Status::OK;
      S->observe(member(I, double((I * 37) % 101), Sel.Parent, St, Sel.Island));
    }
    return Parents;
  };
  std::unique_ptr<Strategy> A = Strategy::create(Spec);
  std::unique_ptr<Strategy> B = Strategy::create(Spec);
  std::vector<int64_t> PA = Drive(A), PB = Drive(B);
  EXPECT_EQ(PA, PB);
  for (size_t I = 0; I < PA.size(); ++I)
    EXPECT_LE(PA[I], int64_t(I)) << "a parent finished before its child";
}

TEST(StrategyTest, IslandsAreReplayable) {
  expectReplayable(spec::SearchStrategy::Islands);
}
TEST(StrategyTest, TreeIsReplayable) {
  expectReplayable(spec::SearchStrategy::Tree);
}

TEST(StrategyTest, IslandsMigrateAtTheirInterval) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Islands);
  Spec.Islands = 2;
  Spec.MigrateEvery = 10;
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  unsigned Migrations = 0;
  for (int64_t I = 1; I <= 40; ++I) {
    std::mt19937_64 Rng(I);
    Selection Sel = S->select(uint64_t(I), Rng);
    S->observe(member(I, double(I), Sel.Parent, Status::OK, Sel.Island));
    for (const SearchEvent &E : S->takeEvents()) {
      EXPECT_EQ(E.Kind, EventKind::Migration);
      ++Migrations;
    }
  }
  EXPECT_EQ(Migrations, 4u) << "one every ten candidates";
}

TEST(StrategyTest, ParetoFrontKeepsOnlyTheNonDominated) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Greedy);
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  Member Base = member(0, 1);
  Base.Objectives = {1, 1};
  S->observe(Base);
  auto With = [](int64_t Id, double A, double B) {
    Member M = member(Id, A + B);
    M.Objectives = {A, B};
    return M;
  };
  S->observe(With(1, 3, 1));
  S->observe(With(2, 1, 3));
  S->observe(With(3, 2, 2));
  S->observe(With(4, 3, 3)); // dominates all three
  ASSERT_EQ(S->paretoFront().size(), 1u);
  EXPECT_EQ(S->paretoFront().front().Id, 4);
}

} // namespace

namespace {

TEST(StrategyTest, APinnedProgramIsTheParentOfEveryOtherProposal) {
  for (spec::SearchStrategy Kind :
       {spec::SearchStrategy::Greedy, spec::SearchStrategy::Feedback,
        spec::SearchStrategy::Random, spec::SearchStrategy::Tree,
        spec::SearchStrategy::Islands}) {
    spec::SearchSpec Spec = searchOf(Kind);
    Spec.Islands = 3;
    std::unique_ptr<Strategy> S = Strategy::create(Spec);
    S->observe(member(0, 1));
    for (int64_t I = 1; I <= 20; ++I)
      S->observe(member(I, double(I), I - 1));
    S->pin(member(4, 4, 3));
    std::mt19937_64 Rng(5);
    std::set<int> Islands;
    for (uint64_t It = 21; It < 41; ++It) {
      Selection Sel = S->select(It, Rng);
      if (It % 2 == 1) {
        EXPECT_EQ(Sel.Parent, 4) << toString(Kind).str() << " " << It;
        Islands.insert(Sel.Island);
      } else if (Kind != spec::SearchStrategy::Islands) {
        // (The islands keep it in their archives, so their own choices
        // may fall on it too.)
        EXPECT_NE(Sel.Parent, 4) << toString(Kind).str() << " " << It;
      }
    }
    if (Kind == spec::SearchStrategy::Islands)
      EXPECT_EQ(Islands.size(), 3u) << "from every island";
    S->unpin(4);
    if (Kind != spec::SearchStrategy::Islands)
      for (uint64_t It = 41; It < 51; ++It)
        EXPECT_NE(S->select(It, Rng).Parent, 4) << toString(Kind).str();
  }
}

TEST(StrategyTest, APinnedProgramStaysInEveryIslandsArchive) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Islands);
  Spec.Islands = 2;
  Spec.ArchiveSize = 3;
  Spec.Exploration = 0;
  Spec.Exploitation = 1; // parents from the elites only
  // Proposals that are never observed would all go to the bandit's one
  // choice: islands in turn here.
  Spec.Bandit = false;
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  S->observe(member(1, 2, 0, Status::OK, 0));
  S->pin(member(1, 2, 0, Status::OK, 0));
  // Far better programs fill the archives; the pinned one is not evicted.
  for (int64_t I = 2; I <= 30; ++I)
    S->observe(member(I, 100 + double(I), 0, Status::OK, int(I % 2)));
  S->unpin(1); // from here on, only the archives can offer it
  std::mt19937_64 Rng(11);
  std::set<int> IslandsWithIt;
  for (uint64_t It = 31; It < 400; ++It) {
    Selection Sel = S->select(It, Rng);
    if (Sel.Parent == 1 || llvm::is_contained(Sel.Inspirations, 1))
      IslandsWithIt.insert(Sel.Island);
  }
  EXPECT_EQ(IslandsWithIt.size(), 2u);
}

TEST(StrategyTest, ARollbackGoesOnFromTheCandidateAndItsDescendants) {
  for (spec::SearchStrategy Kind :
       {spec::SearchStrategy::Greedy, spec::SearchStrategy::Feedback,
        spec::SearchStrategy::Random, spec::SearchStrategy::Tree,
        spec::SearchStrategy::Islands}) {
    spec::SearchSpec Spec = searchOf(Kind);
    Spec.Islands = 2;
    std::unique_ptr<Strategy> S = Strategy::create(Spec);
    S->observe(member(0, 1));
    for (int64_t I = 1; I <= 10; ++I)
      S->observe(member(I, double(I), I - 1));
    S->rollback(member(3, 3, 2));
    ASSERT_NE(S->incumbent(), nullptr);
    EXPECT_EQ(S->incumbent()->Id, 3) << toString(Kind).str();
    EXPECT_EQ(S->best()->Id, 10) << "the best ever found stays the best";
    // In flight at the rollback, from outside #3's subtree: not searched.
    S->observe(member(11, 50, 10));
    EXPECT_EQ(S->incumbent()->Id, 3) << toString(Kind).str();
    EXPECT_EQ(S->best()->Id, 11);
    std::set<int64_t> Subtree = {3};
    std::mt19937_64 Rng(2);
    for (int64_t I = 12; I < 40; ++I) {
      Selection Sel = S->select(uint64_t(I), Rng);
      EXPECT_TRUE(Subtree.count(Sel.Parent))
          << toString(Kind).str() << ": #" << Sel.Parent << " at " << I;
      S->observe(member(I, 3 + double(I) / 100, Sel.Parent));
      Subtree.insert(I);
    }
  }
}

TEST(StrategyTest, WithoutSteeringTheIncumbentIsTheBest) {
  spec::SearchSpec Spec = searchOf(spec::SearchStrategy::Islands);
  std::unique_ptr<Strategy> S = Strategy::create(Spec);
  S->observe(member(0, 1));
  for (int64_t I = 1; I <= 30; ++I) {
    S->observe(member(I, double(I * 7 % 11), 0));
    EXPECT_EQ(S->incumbent()->Id, S->best()->Id);
  }
}

} // namespace
