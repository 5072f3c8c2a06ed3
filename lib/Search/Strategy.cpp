//===- Strategy.cpp - Which program to improve next -----------------------===//

#include "adrs/Search/Strategy.h"
#include "adrs/Core/Bandit.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <unordered_map>

using namespace llvm;

namespace adrs {
namespace search {

bool better(const Member &A, const Member &B) {
  if (A.Feasible != B.Feasible)
    return A.Feasible;
  double SA = A.Score.value_or(-std::numeric_limits<double>::infinity());
  double SB = B.Score.value_or(-std::numeric_limits<double>::infinity());
  if (SA != SB)
    return SA > SB;
  return A.Id < B.Id;
}

Strategy::~Strategy() = default;

void Strategy::observe(const Member &M) {
  if (M.Parents.empty() && !Baseline)
    Baseline = M;
  else if (M.Parents.empty())
    Starts.push_back(M); // a reference program (`start from baselines`)
  bool Improved = M.scored() && (!Best || better(M, *Best));
  if (Improved)
    Best = M;
  if (M.scored() && M.Feasible && M.Objectives.size() > 1)
    updateFront(M);
  bool Searched = true;
  if (Root && !M.Parents.empty()) {
    int64_t Parent = M.Parents.front();
    Searched = Subtree.count(Parent) || isPinned(Parent);
    if (Searched)
      Subtree.insert(M.Id);
  }
  if (Searched) {
    if (M.scored() && (!Incumbent || better(M, *Incumbent)))
      Incumbent = M;
    add(M);
  }
  if (!M.Parents.empty())
    watchProgress(M, Improved);
}

void Strategy::watchProgress(const Member &M, bool Improved) {
  if (!Spec.StallAfter || !handlesStalls())
    return;
  bool New = M.Status != adrs::Status::Duplicate &&
             (M.Fingerprint.empty() || Programs.insert(M.Fingerprint).second);
  size_t Half = std::max(1u, Spec.StallAfter / 2);
  RecentNew.push_back(New);
  RecentNewCount += New;
  while (RecentNew.size() > Half) {
    RecentNewCount -= RecentNew.front();
    RecentNew.pop_front();
  }
  if (Improved) {
    SinceImprovement = 0;
    StallLevel = 0;
    return;
  }
  ++SinceImprovement;
  // Going round in circles (mostly programs seen before) is a stall
  // sooner than merely not improving.
  bool Circling = RecentNew.size() == Half && RecentNewCount * 2 < Half &&
                  SinceImprovement >= Half;
  if (SinceImprovement < Spec.StallAfter && !Circling)
    return;
  unsigned Waited = SinceImprovement;
  SinceImprovement = 0;
  StallLevel = std::min(StallLevel + 1, MaxStallLevel);
  std::string Done = escape(StallLevel);
  event(EventKind::Stall,
        formatv("level {0}: no better program in {1} candidates ({2}% of the "
                "last {3} were new programs); proposals now make up to {4} "
                "edits with {4}x wider constants (a model is asked for a "
                "bolder change){5}{6}",
                StallLevel, Waited,
                int(std::lround(100.0 * RecentNewCount / RecentNew.size())),
                RecentNew.size(), 1 + StallLevel, Done.empty() ? "" : "; ",
                Done));
}

Selection Strategy::select(uint64_t Iteration, std::mt19937_64 &Rng) {
  // Half the proposals stay the strategy's own, whatever the number of
  // pins: a pin adds a parent, it does not take the search over.
  Selection S =
      !Pins.empty() && Iteration % 2 == 1
          ? fromPin(Iteration, Pins[(Iteration / 2) % Pins.size()], Rng)
          : choose(Iteration, Rng);
  S.Boldness = 1 + StallLevel;
  return S;
}

Selection Strategy::fromPin(uint64_t, const Member &P, std::mt19937_64 &) {
  Selection S;
  S.Parent = P.Id;
  S.Island = P.Island;
  return S;
}

bool Strategy::isPinned(int64_t Id) const {
  return llvm::any_of(Pins, [&](const Member &P) { return P.Id == Id; });
}

void Strategy::pin(const Member &M) {
  if (isPinned(M.Id))
    return;
  Pins.push_back(M);
  keep(M);
}

void Strategy::unpin(int64_t Id) {
  llvm::erase_if(Pins, [&](const Member &P) { return P.Id == Id; });
}

void Strategy::rollback(const Member &M) {
  Root = M;
  Subtree = {M.Id};
  Incumbent = M;
  restart(M);
  for (const Member &P : Pins)
    keep(P);
}

bool dominates(const std::vector<double> &A, const std::vector<double> &B) {
  bool Strict = false;
  for (size_t I = 0; I < A.size() && I < B.size(); ++I) {
    if (A[I] < B[I])
      return false;
    Strict |= A[I] > B[I];
  }
  return Strict;
}

void Strategy::updateFront(const Member &M) {
  for (const Member &F : Front)
    if (dominates(F.Objectives, M.Objectives) || F.Objectives == M.Objectives)
      return;
  llvm::erase_if(Front, [&](const Member &F) {
    return dominates(M.Objectives, F.Objectives);
  });
  Front.push_back(M);
  // Bounded like every archive: beyond it, the front keeps its best scores.
  if (Front.size() > std::max(1u, Spec.ArchiveSize)) {
    std::sort(Front.begin(), Front.end(), better);
    Front.resize(Spec.ArchiveSize);
  }
}

namespace {

double uniform(std::mt19937_64 &Rng) {
  return std::uniform_real_distribution<double>(0, 1)(Rng);
}

size_t pick(size_t N, std::mt19937_64 &Rng) {
  return std::uniform_int_distribution<size_t>(0, N - 1)(Rng);
}

/// (1+1): the next proposal always starts from the best program so far; a
/// candidate replaces it only when strictly better.
class Greedy : public Strategy {
public:
  using Strategy::Strategy;

protected:
  Selection choose(uint64_t, std::mt19937_64 &) override {
    Selection S;
    S.Parent = Incumbent ? Incumbent->Id : 0;
    return S;
  }
  void add(const Member &) override {}
  void restart(const Member &) override {}
};

/// The paper's feedback loop: refine the best, showing every recent attempt
/// and how it failed.
class Feedback : public Strategy {
public:
  using Strategy::Strategy;

protected:
  Selection choose(uint64_t, std::mt19937_64 &) override {
    Selection S;
    S.Parent = Incumbent ? Incumbent->Id : 0;
    S.History.assign(Recent.begin(), Recent.end());
    return S;
  }
  void restart(const Member &) override { Recent.clear(); }
  void add(const Member &M) override {
    if (M.Parents.empty())
      return;
    Recent.push_back(M.Id);
    // The database has the full history; the prompt shows the newest.
    while (Recent.size() > 64)
      Recent.pop_front();
  }

private:
  std::deque<int64_t> Recent;
};

/// Best-of-N from the initial program: the honest control.
class Random : public Strategy {
public:
  using Strategy::Strategy;

protected:
  Selection choose(uint64_t, std::mt19937_64 &) override {
    Selection S;
    S.Parent = rootId();
    return S;
  }
  void add(const Member &) override {}
  void restart(const Member &) override {}
  // The control stays the plain control.
  bool handlesStalls() const override { return false; }
};

/// Monte-Carlo tree search over the tree of candidates. A node is expanded
/// (becomes the parent) while it has fewer children than sqrt of its
/// visits (progressive widening); otherwise the walk goes down to the child
/// with the highest UCB1 value. A candidate's reward is 1 when it beats its
/// parent, 0.5 when it equals it, 0.2 when it runs but is worse and 0 when
/// it fails; rewards are added along the path to the root.
class Tree : public Strategy {
public:
  using Strategy::Strategy;

protected:
  Selection choose(uint64_t, std::mt19937_64 &Rng) override {
    int64_t Node = rootId();
    for (;;) {
      auto It = Nodes.find(Node);
      if (It == Nodes.end())
        break;
      const NodeStats &N = It->second;
      double Visits = N.Visits + N.InFlight;
      if (N.Children.size() < std::ceil(std::sqrt(Visits + 1)))
        break; // widen: this node gets a new child
      double BestValue = -1;
      int64_t Choice = -1;
      double LogVisits = std::log(std::max(Visits, 1.0));
      for (int64_t C : N.Children) {
        const NodeStats &S = Nodes.find(C)->second;
        if (!S.Scorable)
          continue;
        double V = S.Visits + S.InFlight;
        double Value = V == 0 ? std::numeric_limits<double>::infinity()
                              : S.Reward / V + Spec.UCBExploration *
                                                   std::sqrt(LogVisits / V);
        if (Value > BestValue) {
          BestValue = Value;
          Choice = C;
        }
      }
      if (Choice < 0)
        break; // no child can be a parent: expand here
      Node = Choice;
    }
    // Parallel workers must not all pile onto one node: an in-flight
    // proposal counts as a visit with no reward until it finishes.
    ++Nodes[Node].InFlight;
    (void)Rng;
    Selection S;
    S.Parent = Node;
    return S;
  }

  // The walk starts at rootId(), so a rollback needs nothing more.
  void restart(const Member &) override {}

  void add(const Member &M) override {
    NodeStats &N = Nodes[M.Id];
    N.Scorable = M.scored();
    N.Score = M.Score;
    N.Feasible = M.Feasible;
    if (M.Parents.empty())
      return;
    int64_t Parent = M.Parents.front();
    auto P = Nodes.find(Parent);
    if (P == Nodes.end())
      return;
    P->second.Children.push_back(M.Id);
    if (P->second.InFlight)
      --P->second.InFlight;
    N.Parent = Parent;
    double R = reward(M, P->second.Score, P->second.Feasible);
    N.Visits = 1;
    N.Reward = R;
    for (int64_t A = Parent; A >= 0;) {
      NodeStats &S = Nodes[A];
      S.Visits += 1;
      S.Reward += R;
      A = S.Parent;
    }
  }

private:
  struct NodeStats {
    int64_t Parent = -1;
    std::vector<int64_t> Children;
    double Visits = 0, Reward = 0;
    unsigned InFlight = 0;
    std::optional<double> Score;
    bool Feasible = false;
    bool Scorable = false;
  };

  static double reward(const Member &M, std::optional<double> ParentScore,
                       bool ParentFeasible) {
    if (!M.scored())
      return 0;
    if (M.Feasible && !ParentFeasible)
      return 1;
    if (!M.Feasible && ParentFeasible)
      return 0.1;
    double P = ParentScore.value_or(-std::numeric_limits<double>::infinity());
    if (*M.Score > P)
      return 1;
    if (*M.Score == P)
      return 0.5;
    return 0.2;
  }

  std::unordered_map<int64_t, NodeStats> Nodes;
};

/// Islands of MAP-Elites grids. Each island keeps the best program of each
/// cell of a grid over the feature dimensions, plus an elite archive; every
/// `migrate every` candidates each island sends copies of its top programs
/// to the next island in a ring.
class Islands : public Strategy {
public:
  explicit Islands(const spec::SearchSpec &S) : Strategy(S) {
    for (const spec::FeatureDimension &F : S.Features)
      Dims.push_back({F.Name, std::max(1u, F.Bins)});
    // Without features, structure: how long and how branchy the code is.
    if (Dims.empty())
      Dims = {{"complexity", 10}, {"length", 10}};
    Isles.resize(std::max(1u, S.Islands));
  }

protected:
  Selection choose(uint64_t Iteration, std::mt19937_64 &Rng) override {
    Selection S;
    S.Island = Spec.Bandit ? Arms.choose(Spec.BanditFloor)
                           : unsigned(Iteration % Isles.size());
    const Island &I = Isles[S.Island];
    if (I.Cells.empty()) {
      S.Parent = rootId();
      return S;
    }
    // A stalled search draws from the whole grid more often.
    double Exploration = std::min(0.8, Spec.Exploration * (1 + stallLevel()));
    double Exploitation = std::min(Spec.Exploitation, 1 - Exploration);
    double R = uniform(Rng);
    if (R < Exploration) {
      S.Parent = cellMember(I, pick(I.Cells.size(), Rng)).Id;
    } else if (R < Exploration + Exploitation && !I.Elites.empty()) {
      S.Parent = I.Elites[pick(I.Elites.size(), Rng)].Id;
    } else {
      // Fitness-proportional over the cells, feasible ones first.
      double Low = std::numeric_limits<double>::infinity();
      for (const auto &[K, M] : I.Cells)
        if (M.Feasible)
          Low = std::min(Low, *M.Score);
      std::vector<double> Weights;
      for (const auto &[K, M] : I.Cells)
        Weights.push_back(M.Feasible ? *M.Score - Low + 1e-3 : 1e-6);
      std::discrete_distribution<size_t> D(Weights.begin(), Weights.end());
      S.Parent = cellMember(I, D(Rng)).Id;
    }
    inspire(I, S, Rng);
    return S;
  }

  Selection fromPin(uint64_t Iteration, const Member &P,
                    std::mt19937_64 &Rng) override {
    Selection S;
    S.Island = Iteration % Isles.size();
    S.Parent = P.Id;
    inspire(Isles[S.Island], S, Rng);
    return S;
  }

  void keep(const Member &M) override {
    for (Island &I : Isles)
      place(I, M);
  }

  void restart(const Member &Root) override {
    for (Island &I : Isles) {
      I.Cells.clear();
      I.Elites.clear();
      place(I, Root);
    }
  }

  std::string escape(unsigned Level) override {
    if (Level < 2)
      return formatv("islands draw parents from anywhere on their grid {0}% "
                     "of the time",
                     int(std::lround(
                         100 * std::min(0.8, Spec.Exploration * (1 + Level)))));
    // The island whose best is the worst starts again: from the elite
    // least like the best program (level 2), then from a starting point
    // (the initial program or a reference, in turn).
    size_t Weakest = 0;
    for (size_t K = 1; K < Isles.size(); ++K)
      if (islandBest(K) && (!islandBest(Weakest) ||
                            better(*islandBest(Weakest), *islandBest(K))))
        Weakest = K;
    std::optional<Member> From;
    std::string Why;
    if (Level == 2) {
      From = diverseElite();
      Why = "the elite least like the best";
    }
    if (!From) {
      std::vector<Member> Points;
      if (Baseline)
        Points.push_back(*Baseline);
      Points.insert(Points.end(), Starts.begin(), Starts.end());
      if (Points.empty())
        return {};
      From = Points[Restarts % Points.size()];
      Why = From->Id == rootId() ? "the initial program" : "a reference";
    }
    ++Restarts;
    Island &I = Isles[Weakest];
    // With one island, starting again would lose the best: the island
    // keeps its elites and gets the new start beside them.
    if (Isles.size() > 1) {
      I.Cells.clear();
      I.Elites.clear();
    }
    place(I, *From);
    for (const Member &P : Pins)
      place(I, P);
    return formatv("island {0} starts again from #{1} ({2})", Weakest, From->Id,
                   Why);
  }

  void add(const Member &M) override {
    if (M.Parents.empty()) {
      // The baseline (and each reference started from) seeds every island.
      for (Island &I : Isles)
        place(I, M);
      return;
    }
    ++Children;
    Island &Home = Isles[M.Island % Isles.size()];
    // The island's arm is paid when the candidate beats the island's best.
    bool Gain =
        M.scored() && (Home.Elites.empty() || better(M, Home.Elites.front()));
    Arms.pay(M.Island % Isles.size(), Gain ? 1 : 0);
    if (M.scored())
      place(Home, M);
    if (Spec.MigrateEvery && Children % Spec.MigrateEvery == 0 &&
        Isles.size() > 1)
      migrate();
  }

private:
  struct Island {
    std::map<std::vector<unsigned>, Member> Cells;
    std::vector<Member> Elites; ///< Sorted, best first.
  };

  const Member *islandBest(size_t K) const {
    return Isles[K].Elites.empty() ? nullptr : &Isles[K].Elites.front();
  }

  /// The scored program, from any island, farthest from the best in the
  /// feature space (each dimension scaled to what has been seen); none when
  /// there is no other.
  std::optional<Member> diverseElite() {
    const Member *Top = best();
    if (!Top)
      return std::nullopt;
    std::vector<unsigned> TopCell = cell(*Top);
    std::optional<Member> Far;
    double FarDistance = 0;
    for (const Island &I : Isles)
      for (const auto &[Key, M] : I.Cells) {
        if (M.Id == Top->Id || !M.scored())
          continue;
        double D = 0;
        for (size_t K = 0; K < Key.size(); ++K)
          D += std::abs(double(Key[K]) - double(TopCell[K]));
        if (D > FarDistance || (D == FarDistance && Far && better(M, *Far))) {
          Far = M;
          FarDistance = D;
        }
      }
    return Far;
  }
  struct Dimension {
    std::string Name;
    unsigned Bins;
    double Low = std::numeric_limits<double>::infinity();
    double High = -std::numeric_limits<double>::infinity();
  };

  /// Inspirations: the island's top programs, then programs from other
  /// cells, so that a proposal sees both what works and what differs.
  void inspire(const Island &I, Selection &S, std::mt19937_64 &Rng) const {
    unsigned Want = Spec.Inspirations;
    for (const Member &E : I.Elites) {
      if (S.Inspirations.size() >= (Want + 1) / 2)
        break;
      if (E.Id != S.Parent)
        S.Inspirations.push_back(E.Id);
    }
    for (unsigned Try = 0; S.Inspirations.size() < Want && Try < 4 * Want;
         ++Try) {
      int64_t Id = cellMember(I, pick(I.Cells.size(), Rng)).Id;
      if (Id != S.Parent && !is_contained(S.Inspirations, Id))
        S.Inspirations.push_back(Id);
    }
  }

  static const Member &cellMember(const Island &I, size_t Index) {
    auto It = I.Cells.begin();
    std::advance(It, Index);
    return It->second;
  }

  std::vector<unsigned> cell(const Member &M) {
    std::vector<unsigned> Key;
    for (Dimension &D : Dims) {
      auto It = M.Features.find(D.Name);
      double V = It == M.Features.end() ? 0 : It->second;
      // The range grows with what has been seen, starting at the baseline.
      D.Low = std::min(D.Low, V);
      D.High = std::max(D.High, V);
      double Span = D.High - D.Low;
      unsigned B = Span <= 0 ? 0 : unsigned((V - D.Low) / Span * D.Bins);
      Key.push_back(std::min(B, D.Bins - 1));
    }
    return Key;
  }

  void place(Island &I, const Member &M) {
    std::vector<unsigned> Key = cell(M);
    auto It = I.Cells.find(Key);
    if (It == I.Cells.end())
      I.Cells.emplace(Key, M);
    else if (better(M, It->second))
      It->second = M;
    for (const Member &E : I.Elites)
      if (E.Id == M.Id)
        return;
    auto Pos = std::lower_bound(I.Elites.begin(), I.Elites.end(), M, better);
    I.Elites.insert(Pos, M);
    // The worst goes, unless it is pinned: a pinned program stays.
    if (I.Elites.size() > std::max(1u, Spec.ArchiveSize))
      for (size_t K = I.Elites.size(); K-- > 0;)
        if (!isPinned(I.Elites[K].Id)) {
          I.Elites.erase(I.Elites.begin() + K);
          break;
        }
  }

  static bool holds(const Island &I, int64_t Id) {
    for (const Member &E : I.Elites)
      if (E.Id == Id)
        return true;
    for (const auto &[K, M] : I.Cells)
      if (M.Id == Id)
        return true;
    return false;
  }

  void migrate() {
    // Each island sends its best programs that the next one lacks; the
    // baseline, which seeds every island, never needs to travel.
    std::vector<std::vector<Member>> Outgoing(Isles.size());
    for (size_t I = 0; I < Isles.size(); ++I) {
      const Island &To = Isles[(I + 1) % Isles.size()];
      size_t N = std::max<size_t>(
          1, std::ceil(Spec.MigrateRate * Isles[I].Elites.size()));
      for (const Member &M : Isles[I].Elites) {
        if (Outgoing[I].size() >= N)
          break;
        if (!holds(To, M.Id))
          Outgoing[I].push_back(M);
      }
    }
    std::string Detail = formatv("after {0} candidates:", Children);
    for (size_t I = 0; I < Isles.size(); ++I) {
      size_t To = (I + 1) % Isles.size();
      std::string Ids;
      for (const Member &M : Outgoing[I]) {
        place(Isles[To], M);
        Ids += (Ids.empty() ? "#" : ", #") + std::to_string(M.Id);
      }
      Detail += formatv(" island {0} -> {1} ({2});", I, To,
                        Ids.empty() ? "nothing new" : Ids);
    }
    Detail.pop_back();
    event(EventKind::Migration, Detail);
  }

  std::vector<Dimension> Dims;
  std::vector<Island> Isles;
  uint64_t Children = 0;
  unsigned Restarts = 0;
  Bandit Arms{std::max(1u, Spec.Islands)};
};

} // namespace

std::unique_ptr<Strategy> Strategy::create(const spec::SearchSpec &S) {
  switch (S.Strategy) {
  case spec::SearchStrategy::Islands:
    return std::make_unique<Islands>(S);
  case spec::SearchStrategy::Greedy:
    return std::make_unique<Greedy>(S);
  case spec::SearchStrategy::Feedback:
    return std::make_unique<Feedback>(S);
  case spec::SearchStrategy::Tree:
    return std::make_unique<Tree>(S);
  case spec::SearchStrategy::Random:
    return std::make_unique<Random>(S);
  }
  return std::make_unique<Islands>(S);
}

} // namespace search
} // namespace adrs
