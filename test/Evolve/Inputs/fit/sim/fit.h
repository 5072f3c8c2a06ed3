// A toy "simulator" for the adrsc run tests: a workload is a list of points
// (x, y) and the policy predicts y from x. Small on purpose: one evaluation
// takes well under a millisecond, so a search of fifty candidates is quick.
#ifndef FIT_H
#define FIT_H

#include <vector>

namespace fit {

struct Point {
  double X, Y;
};

struct Result {
  double Error = 0;    // mean absolute error of the predictions
  long Negatives = 0;  // predictions below zero, counted outside the region
  long Invalid = 0;    // predictions that are not finite numbers
  long Points = 0;
};

// Reads "X Y" lines ('#' starts a comment); false if the file cannot be read.
bool load(const char *Path, std::vector<Point> &Out);

// Runs PREDICT on every point.
Result run(const std::vector<Point> &Points, double (*Predict)(double));

} // namespace fit

#endif
