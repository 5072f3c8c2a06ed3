//===- multi/weights.h - A weight both policies use -----------------------===//
//
// The region here is compiled in both policy files: a candidate that changes
// it changes both, and they must agree.
//
//===----------------------------------------------------------------------===//

#ifndef MULTI_WEIGHTS_H
#define MULTI_WEIGHTS_H

inline double weight(int Job) {
  // EVOLVE-BLOCK-START weight
  return 1.0 + Job;
  // EVOLVE-BLOCK-END
}

#endif
