// The policy: a fixed line plus the correction from the header.
#include "correct.h"

double predict(double x) { return 2.0 * x + 30.0 + correction(x); }
