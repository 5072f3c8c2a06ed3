//===- harness.h - What the evaluator shares with the simulator -----------===//

#ifndef CACHE_HARNESS_H
#define CACHE_HARNESS_H

namespace harness {

/// Evictions so far in this evaluation; the evaluator reads it for the
/// score, so a policy must not touch it.
extern long gEvictions;

struct Budget {
  long MaxEvictions = 0;
};

} // namespace harness

#endif
