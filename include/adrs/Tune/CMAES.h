//===- adrs/Tune/CMAES.h - Numeric constants by CMA-ES ----------*- C++ -*-===//
//
// Tunes a program's lifted constants (the lift-constants pass) with pagmo's
// CMA-ES: structure from the generator, numbers from an optimiser. The
// search runs in coordinates scaled to [0, 1] per constant, so that every
// constant has the same sensitivity whatever its unit, and starts from the
// program's own values.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_TUNE_CMAES_H
#define ADRS_TUNE_CMAES_H

#include "adrs/Tune/Exploration.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace tune {

struct Parameter {
  double Initial = 0;
  double Lower = 0, Upper = 0;
  bool IsInteger = false;
};

/// Why the optimiser ended before its budget of evaluations.
enum class EarlyStop {
  None,      ///< It used the budget.
  TooSmall,  ///< The budget does not hold a first population.
  Remainder, ///< What was left is less than one more generation.
  FlatCosts, ///< A generation's costs were all the same (ftol).
  Converged, ///< Its steps became too small to matter (xtol).
};

/// One line for a person: why the tuning stopped where it did.
std::string describe(EarlyStop Why, unsigned PopulationSize);
llvm::StringRef toString(EarlyStop Why);
std::optional<EarlyStop> earlyStopNamed(llvm::StringRef Name);

struct Outcome {
  std::vector<double> Best; ///< The best values seen, integers rounded.
  double BestCost = 0;
  double InitialCost = 0;
  unsigned Evaluations = 0;
  std::string Error; ///< Set when the optimiser itself failed.
  EarlyStop Stopped = EarlyStop::None;
  unsigned PopulationSize = 0;
  /// The evaluation, from 1, at which the best cost was first reached (the
  /// seed paper's "best step"); 0 before any.
  unsigned BestStep = 0;
  /// How the evaluated points moved, in the [0, 1] coordinates.
  Exploration Explored;
};

/// Minimises \p Cost over \p Parameters with at most \p Evaluations calls.
/// A cost of +infinity marks an invalid point (crash, infeasible).
/// Deterministic for a given \p Seed and deterministic cost.
Outcome minimize(const std::vector<Parameter> &Parameters,
                 const std::function<double(const std::vector<double> &)> &Cost,
                 unsigned Evaluations, uint64_t Seed);

} // namespace tune
} // namespace adrs

#endif
