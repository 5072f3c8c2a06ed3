//===- CMAES.cpp - Numeric constants by CMA-ES ----------------------------===//
//
// The one file that talks to pagmo, which reports errors by throwing; it is
// built with exceptions and lets none escape.
//
//===----------------------------------------------------------------------===//

#include "adrs/Tune/CMAES.h"
#include "adrs/Support/EnumNames.h"

#include <pagmo/algorithms/cmaes.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>

#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>

using llvm::StringRef;

namespace adrs {
namespace tune {

namespace {

/// What every copy of the problem shares: pagmo copies problems freely.
struct Shared {
  const std::vector<Parameter> *Parameters;
  const std::function<double(const std::vector<double> &)> *Cost;
  unsigned Budget = 0;
  Outcome Result;
  /// Every point evaluated, in the [0, 1] coordinates, for the exploration
  /// measures: the point as run (rounded, within bounds), not as asked.
  std::vector<std::vector<double>> Points;
  bool PointsCapped = false;
};

std::vector<double> denormalize(const std::vector<Parameter> &P,
                                const std::vector<double> &X) {
  std::vector<double> V(P.size());
  for (size_t I = 0; I < P.size(); ++I) {
    double U = std::clamp(X[I], 0.0, 1.0);
    V[I] = P[I].Lower + U * (P[I].Upper - P[I].Lower);
    if (P[I].IsInteger)
      V[I] = std::round(V[I]);
  }
  return V;
}

double normalize(const Parameter &P, double V) {
  double Span = P.Upper - P.Lower;
  return Span > 0 ? std::clamp((V - P.Lower) / Span, 0.0, 1.0) : 0.5;
}

/// The coordinates kept for the exploration measures: many times a tuning's
/// usual budget, few enough that a huge one cannot exhaust the child's
/// memory. A tuning with more gets no measures rather than partial ones.
constexpr size_t MaxRecordedValues = size_t(1) << 22;

/// Large but finite: pagmo's covariance update does not survive infinities.
constexpr double Invalid = 1e300;
/// pagmo stops when a generation's costs differ by less than FTol, or its
/// step in the [0, 1] coordinates falls below XTol.
constexpr double FTol = 1e-9, XTol = 1e-6;

struct Problem {
  std::shared_ptr<Shared> S;

  pagmo::vector_double fitness(const pagmo::vector_double &X) const {
    if (S->Result.Evaluations >= S->Budget)
      return {Invalid};
    std::vector<double> V = denormalize(*S->Parameters, X);
    if ((S->Points.size() + 1) * V.size() <= MaxRecordedValues) {
      std::vector<double> U(V.size());
      for (size_t I = 0; I < V.size(); ++I)
        U[I] = normalize((*S->Parameters)[I], V[I]);
      S->Points.push_back(std::move(U));
    } else {
      S->PointsCapped = true;
    }
    double C = (*S->Cost)(V);
    if (!std::isfinite(C))
      C = Invalid;
    ++S->Result.Evaluations;
    if (S->Result.Evaluations == 1)
      S->Result.InitialCost = C;
    if (S->Result.Best.empty() || C < S->Result.BestCost) {
      S->Result.Best = V;
      S->Result.BestCost = C;
      S->Result.BestStep = S->Result.Evaluations;
    }
    return {C};
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    size_t N = S->Parameters->size();
    return {pagmo::vector_double(N, 0.0), pagmo::vector_double(N, 1.0)};
  }
  std::string get_name() const { return "adrs constants"; }
};

/// The outcome with the exploration measures of the points evaluated.
Outcome finish(Shared &S) {
  if (!S.PointsCapped)
    S.Result.Explored = explorationOf(S.Points);
  return S.Result;
}

} // namespace

namespace {
constexpr EnumName<EarlyStop> EarlyStopNames[] = {
    {EarlyStop::None, "none"},           {EarlyStop::TooSmall, "too_small"},
    {EarlyStop::Remainder, "remainder"}, {EarlyStop::FlatCosts, "flat_costs"},
    {EarlyStop::Converged, "converged"},
};
} // namespace

StringRef toString(EarlyStop Why) { return nameOf(EarlyStopNames, Why); }

std::optional<EarlyStop> earlyStopNamed(StringRef Name) {
  return valueNamed(EarlyStopNames, Name);
}

std::string describe(EarlyStop Why, unsigned PopulationSize) {
  std::string Population = std::to_string(PopulationSize);
  switch (Why) {
  case EarlyStop::None:
    return "";
  case EarlyStop::TooSmall:
    return "the budget holds fewer than the 5 points CMA-ES starts from";
  case EarlyStop::Remainder:
    return "what was left is less than a generation of " + Population +
           " points";
  case EarlyStop::FlatCosts:
    return "every point of a generation scored the same (the score does not "
           "depend on these constants near the program's values, or every "
           "point was invalid)";
  case EarlyStop::Converged:
    return "the search converged: its steps became too small to change the "
           "constants";
  }
  return "";
}

Outcome minimize(const std::vector<Parameter> &Parameters,
                 const std::function<double(const std::vector<double> &)> &Cost,
                 unsigned Evaluations, uint64_t Seed) {
  auto S = std::make_shared<Shared>();
  S->Parameters = &Parameters;
  S->Cost = &Cost;
  S->Budget = Evaluations;
  if (Parameters.empty() || Evaluations == 0)
    return finish(*S);
  try {
    size_t N = Parameters.size();
    // Hansen's default population, and at least the five pagmo needs.
    unsigned Lambda =
        std::max<unsigned>(5, 4 + unsigned(3 * std::log(double(N))));
    pagmo::problem Prob{Problem{S}};
    pagmo::population Pop{Prob, 0u, static_cast<unsigned>(Seed)};
    // The first point is the program as it is; the others are near it, so
    // the search starts from what works rather than from random points.
    std::mt19937_64 Rng(Seed);
    std::normal_distribution<double> Noise(0.0, 0.1);
    for (unsigned I = 0; I < Lambda && S->Result.Evaluations < Evaluations;
         ++I) {
      pagmo::vector_double X(N);
      for (size_t K = 0; K < N; ++K)
        X[K] = std::clamp(normalize(Parameters[K], Parameters[K].Initial) +
                              (I == 0 ? 0.0 : Noise(Rng)),
                          0.0, 1.0);
      Pop.push_back(X);
    }
    S->Result.PopulationSize = Lambda;
    if (Pop.size() < 5) {
      S->Result.Stopped = EarlyStop::TooSmall;
      return finish(*S);
    }
    unsigned Generations = (Evaluations - S->Result.Evaluations) / Lambda;
    if (Generations > 0) {
      pagmo::cmaes Algo(Generations, -1, -1, -1, -1, /*sigma0=*/0.1, FTol, XTol,
                        /*memory=*/false,
                        /*force_bounds=*/true, static_cast<unsigned>(Seed));
      Pop = Algo.evolve(Pop);
    }
    // pagmo ends early without saying so; the population tells which of
    // its tolerances ended it.
    if (S->Result.Evaluations < Evaluations) {
      unsigned Planned = Lambda + Generations * Lambda;
      if (S->Result.Evaluations >= Planned)
        S->Result.Stopped = EarlyStop::Remainder;
      else if (std::abs(Pop.get_f()[Pop.worst_idx()][0] -
                        Pop.get_f()[Pop.best_idx()][0]) < FTol)
        S->Result.Stopped = EarlyStop::FlatCosts;
      else
        S->Result.Stopped = EarlyStop::Converged;
    }
  } catch (const std::exception &E) {
    S->Result.Error = E.what();
  }
  return finish(*S);
}

} // namespace tune
} // namespace adrs
