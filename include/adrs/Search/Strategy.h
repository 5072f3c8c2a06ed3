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
  /// was observed.
  virtual Selection select(uint64_t Iteration, std::mt19937_64 &Rng) = 0;
  /// Every finished candidate, the baseline first.
  void observe(const Member &M);
  /// Events since the last call (migrations), for the run's log.
  std::vector<SearchEvent> takeEvents() { return std::move(Events); }

  const Member *best() const { return Best ? &*Best : nullptr; }
  const Member *baseline() const { return Baseline ? &*Baseline : nullptr; }
  /// The non-dominated feasible candidates over the objectives (only
  /// meaningful with more than one objective).
  const std::vector<Member> &paretoFront() const { return Front; }

  explicit Strategy(const spec::SearchSpec &S) : Spec(S) {}

protected:
  virtual void add(const Member &M) = 0;
  void event(EventKind Kind, std::string Detail) {
    Events.push_back({Kind, std::move(Detail)});
  }

  const spec::SearchSpec &Spec;
  std::optional<Member> Best, Baseline;

private:
  void updateFront(const Member &M);

  std::vector<Member> Front;
  std::vector<SearchEvent> Events;
};

} // namespace search
} // namespace adrs

#endif
