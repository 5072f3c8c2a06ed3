#include "fit.h"

#include <cmath>
#include <cstdio>

namespace fit {

bool load(const char *Path, std::vector<Point> &Out) {
  std::FILE *F = std::fopen(Path, "r");
  if (!F)
    return false;
  char Line[256];
  while (std::fgets(Line, sizeof Line, F)) {
    Point P;
    if (Line[0] != '#' && std::sscanf(Line, "%lf %lf", &P.X, &P.Y) == 2)
      Out.push_back(P);
  }
  std::fclose(F);
  return true;
}

Result run(const std::vector<Point> &Points, double (*Predict)(double)) {
  Result R;
  double Total = 0;
  for (const Point &P : Points) {
    double Y = Predict(P.X);
    if (!std::isfinite(Y)) {
      ++R.Invalid;
      Total += 1000;
      continue;
    }
    if (Y < 0)
      ++R.Negatives;
    Total += std::fabs(Y - P.Y);
  }
  R.Points = long(Points.size());
  R.Error = R.Points ? Total / R.Points : 0;
  return R;
}

} // namespace fit
