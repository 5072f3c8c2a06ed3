//===- adrs/Search/Strategy.h - Which program to improve next ---*- C++ -*-===//
//
// A strategy is the paper's solution selector: it sees every finished
// candidate, in the order they finished, and says which program the next
// proposal should start from and which others to show beside it. Its state
// is a function of what it has observed and of the random numbers it is
// given, so a resumed run rebuilds it exactly by replaying the database.
// Memory is bounded by the archives, not by the number of candidates
// (except the tree, which keeps a small node per candidate).
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SEARCH_STRATEGY_H
#define ADRS_SEARCH_STRATEGY_H

#include "adrs/Core/Event.h"
#include "adrs/Core/Status.h"
#include "adrs/Spec/Spec.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace adrs {
namespace search {

/// What the search knows about a finished candidate.
struct Member {
  int64_t Id = 0;
  std::vector<int64_t> Parents; ///< Empty for the baseline.
  int Island = 0;
  adrs::Status Status = adrs::Status::OK;
  bool Feasible = false;
  std::optional<double> Score;
  std::vector<double> Objectives; ///< Larger is better.
  std::map<std::string, double> Features;

  /// It ran to the end and was scored, so it can be a parent.
  bool scored() const { return ranToTheEnd(Status) && Score.has_value(); }
};

/// Feasible beats infeasible, then the higher score, then the older.
bool better(const Member &A, const Member &B);

/// \p A is at least as good as \p B on every objective (larger is better)
/// and strictly better on one.
bool dominates(const std::vector<double> &A, const std::vector<double> &B);

struct Selection {
  int64_t Parent = 0;
  int Island = 0;
  /// Other programs to show with the parent (top and diverse ones).
  std::vector<int64_t> Inspirations;
  /// Recent attempts from the parent's line, failures included (feedback).
  std::vector<int64_t> History;
};

struct SearchEvent {
  EventKind Kind = EventKind::Migration;
  std::string Detail;
};

class Strategy {
public:
  static std::unique_ptr<Strategy> create(const spec::SearchSpec &S);
  virtual ~Strategy();

  /// The parent of proposal \p Iteration. Only called after the baseline
  /// was observed. While programs are pinned, every other proposal starts
  /// from one of them, in turn.
  Selection select(uint64_t Iteration, std::mt19937_64 &Rng);
  /// Every finished candidate, the baseline first. After a rollback, a
  /// candidate outside the rolled-back program's subtree (one that was in
  /// flight) counts for best() but not for the search.
  void observe(const Member &M);

  /// A person's steering. A pinned program stays a parent (in every
  /// island) until it is unpinned; a rollback makes the search go on from
  /// \p M as if nothing after it had improved on it: the archives hold
  /// \p M (and the pinned programs) again, and only its descendants join
  /// them. best() still names the best program ever found.
  void pin(const Member &M);
  void unpin(int64_t Id);
  void rollback(const Member &M);
  const std::vector<Member> &pinned() const { return Pins; }
  /// The best program the search goes on from: best(), unless a rollback
  /// put an older one in its place.
  const Member *incumbent() const { return Incumbent ? &*Incumbent : nullptr; }
  /// Events since the last call (migrations), for the run's log.
  std::vector<SearchEvent> takeEvents() { return std::move(Events); }

  const Member *best() const { return Best ? &*Best : nullptr; }
  const Member *baseline() const { return Baseline ? &*Baseline : nullptr; }
  /// The non-dominated feasible candidates over the objectives (only
  /// meaningful with more than one objective).
  const std::vector<Member> &paretoFront() const { return Front; }

  explicit Strategy(const spec::SearchSpec &S) : Spec(S) {}

protected:
  /// The strategy's own choice of a parent.
  virtual Selection choose(uint64_t Iteration, std::mt19937_64 &Rng) = 0;
  /// A proposal from pinned program \p P.
  virtual Selection fromPin(uint64_t Iteration, const Member &P,
                            std::mt19937_64 &Rng);
  virtual void add(const Member &M) = 0;
  /// \p M was pinned: keep it where parents are drawn from.
  virtual void keep(const Member &M) {}
  /// Forget the archives and go on from \p Root (a rollback).
  virtual void restart(const Member &Root) = 0;
  /// Where the search starts from: the baseline, or the program of the
  /// last rollback.
  int64_t rootId() const {
    return Root ? Root->Id : Baseline ? Baseline->Id : 0;
  }
  bool isPinned(int64_t Id) const;
  void event(EventKind Kind, std::string Detail) {
    Events.push_back({Kind, std::move(Detail)});
  }

  const spec::SearchSpec &Spec;
  std::optional<Member> Best, Baseline, Incumbent;
  std::optional<Member> Root; ///< Of the last rollback.
  std::vector<Member> Pins;

private:
  void updateFront(const Member &M);

  std::vector<Member> Front;
  std::vector<SearchEvent> Events;
  /// After a rollback: the root and its descendants seen since.
  std::set<int64_t> Subtree;
};

} // namespace search
} // namespace adrs

#endif
