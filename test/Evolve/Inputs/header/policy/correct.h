// The correction the policy adds to its line: the evolvable part lives in
// this header, which policy/predict.cpp includes.
#ifndef CORRECT_H
#define CORRECT_H

#include <cstdlib>

inline double correction(double x) {
  double c = 0;
  // EVOLVE-BLOCK-START correct
  c = 1.0;
  // EVOLVE-BLOCK-END
  return c;
}

#endif
