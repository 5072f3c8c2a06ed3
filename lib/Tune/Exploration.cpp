//===- Exploration.cpp - How a tuning moved -------------------------------===//

#include "adrs/Tune/Exploration.h"

#include <algorithm>
#include <cmath>

namespace adrs {
namespace tune {

static double distance(const std::vector<double> &A,
                       const std::vector<double> &B) {
  double Sum = 0;
  for (size_t I = 0; I < A.size() && I < B.size(); ++I)
    Sum += (A[I] - B[I]) * (A[I] - B[I]);
  return std::sqrt(Sum);
}

Exploration explorationOf(const std::vector<std::vector<double>> &Points) {
  Exploration E;
  E.Points = unsigned(Points.size());
  if (Points.empty())
    return E;
  size_t Dims = Points.front().size();

  // Coverage, Appendix D eq. (9)-(10): the centroid of the K points, the
  // distance r to the farthest of them, and the disk of radius r over the
  // domain's area. The paper's domains are two-dimensional; a tuning has
  // one dimension per constant, so the disk is the d-ball of radius r,
  // pi^(d/2) r^d / Gamma(d/2 + 1), over the unit cube's volume 1. The ball
  // may reach outside the cube (in two dimensions, points in opposite
  // corners give pi/2); what it covers of the domain is at most all of it.
  std::vector<double> Centroid(Dims, 0.0);
  for (const std::vector<double> &X : Points)
    for (size_t I = 0; I < Dims && I < X.size(); ++I)
      Centroid[I] += X[I] / double(Points.size());
  double Radius = 0;
  for (const std::vector<double> &X : Points)
    Radius = std::max(Radius, distance(X, Centroid));
  if (Radius <= 0 || Dims == 0) {
    E.Coverage = 0.0;
  } else {
    // In logarithms: r^d and Gamma overflow long before the ratio does.
    double D = double(Dims);
    double LogVolume =
        D / 2 * std::log(M_PI) + D * std::log(Radius) - std::lgamma(D / 2 + 1);
    E.Coverage = std::min(1.0, std::exp(LogVolume));
  }

  // Normalised trajectory length, eq. (11): the end-to-end displacement
  // over the sum of the steps; 1 for a straight path, about 1/sqrt(K) for
  // a random walk.
  double Path = 0;
  for (size_t K = 1; K < Points.size(); ++K)
    Path += distance(Points[K], Points[K - 1]);
  if (Points.size() >= 2 && Path > 0)
    E.TrajectoryLength =
        std::clamp(distance(Points.back(), Points.front()) / Path, 0.0, 1.0);
  return E;
}

} // namespace tune
} // namespace adrs
