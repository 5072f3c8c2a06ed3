//===- adrs/Tune/Exploration.h - How a tuning moved -------------*- C++ -*-===//
//
// The exploration measures of "Prior Knowledge or Search? A Study of LLM
// Agents in Hardware-Aware Code Optimization" (Redko et al., Appendix D),
// over the points a tuning evaluated in its [0, 1] coordinates: where the
// best was first seen, how much of the domain the points span (coverage)
// and how straight their path is (normalised trajectory length).
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_TUNE_EXPLORATION_H
#define ADRS_TUNE_EXPLORATION_H

#include <optional>
#include <vector>

namespace adrs {
namespace tune {

struct Exploration {
  unsigned Points = 0;
  /// Cov_K (eq. 9-10): the volume of the ball about the points' centroid
  /// that holds them all, as a fraction of the unit cube, at most 1. None
  /// without points.
  std::optional<double> Coverage;
  /// L (eq. 11): |x_K - x_1| over the path's length, in [0, 1]. None with
  /// fewer than two points or a path that never moved.
  std::optional<double> TrajectoryLength;
};

/// The measures of \p Points, each a point of the unit cube of as many
/// dimensions as it has coordinates, in the order they were evaluated.
Exploration explorationOf(const std::vector<std::vector<double>> &Points);

} // namespace tune
} // namespace adrs

#endif
