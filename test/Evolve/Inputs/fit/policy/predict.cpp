// The initial policy of the adrsc run tests: a line through the points,
// with two corrections. The data follow y = 2x + 40, so larger constants
// score better; a single constant perturbation can already improve it.
double predict(double x) {
  double y = 0;
  // EVOLVE-BLOCK-START predict
  double slope = 1.0;
  double offset = 10.0;
  y = slope * x + offset;
  if (x > 8.0)
    y = y - 5.0;
  if (x < 1.0)
    y = y + 2.0;
  // EVOLVE-BLOCK-END
  return y;
}
