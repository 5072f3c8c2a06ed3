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
#include <deque>
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
  /// passes::programFingerprint: equal for programs equal up to comments,
  /// layout and local names. Empty when it was not computed.
  std::string Fingerprint;

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
  /// How far the proposal should move from the parent: 1 normally, more
  /// while the search is stalled (a generator stacks that many edits and
  /// perturbs constants over a range that many times wider).
  unsigned Boldness = 1;
};

/// Stalls in a row beyond which the search escalates no further.
constexpr unsigned MaxStallLevel = 3;

struct SearchEvent {
  EventKind Kind = EventKind::Migration;
  std::string Detail;
};

/// A strategy also watches for stalls (`search ..., stall after N`): the
/// best has not improved for N candidates, or for N/2 while fewer than
/// half of the recent candidates were new programs. Each stall in a row
/// escalates the answer: bolder edits (Selection::Boldness), then the
/// strategy's own escape (the islands start their weakest island again
/// from a diverse elite, then from a starting point); the first
/// improvement calms it down. Every stall is an EventKind::Stall event.
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

  /// How many stalls in a row the search is in (0: it is improving).
  unsigned stallLevel() const { return StallLevel; }

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
  /// The strategy's own answer to stall number \p Level in a row (the
  /// base class has already made proposals bolder): a sentence that says
  /// what it did, for the run's events; empty: nothing more.
  virtual std::string escape(unsigned Level) { return {}; }
  /// Whether stalls are handled at all (not for the random control).
  virtual bool handlesStalls() const { return true; }
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

  /// Starting points besides the initial program (`start from
  /// baselines`): where an island may start again after a stall.
  std::vector<Member> Starts;

private:
  void updateFront(const Member &M);
  /// Counts \p M towards the stall rule, and answers a stall.
  void watchProgress(const Member &M, bool Improved);

  std::vector<Member> Front;
  std::vector<SearchEvent> Events;
  /// After a rollback: the root and its descendants seen since.
  std::set<int64_t> Subtree;

  // The stall rule's state: a function of the candidates observed, so
  // that a replay rebuilds it. The fingerprints are 16 hex digits each,
  // one per distinct program: bounded by the run's length, small.
  unsigned SinceImprovement = 0;
  unsigned StallLevel = 0;
  std::set<std::string> Programs;
  std::deque<bool> RecentNew; ///< Whether each recent candidate was new.
  unsigned RecentNewCount = 0;
};

} // namespace search
} // namespace adrs

#endif
