//===- policy.cpp - Scores a job (candidate-language tests) ---------------===//
//
// The file includes more than a policy should use, as real projects do;
// the allow pass decides what the region may use of it.
//
//===----------------------------------------------------------------------===//

#include "lang/model.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <thread>
#include <unistd.h>
#include <vector>

double lang::weight(const Job &J) { return J.Size * (1 + J.Priority); }

double score(const lang::Job &J) {
  double Total = 0;
  // EVOLVE-BLOCK-START score
  Total = lang::weight(J);
  // EVOLVE-BLOCK-END
  return Total;
}
