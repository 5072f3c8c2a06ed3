//===- rich.cpp - What a policy legitimately writes -----------------------===//

#include "lang/model.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <queue>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

// EVOLVE-BLOCK-START helpers
inline double clamp01(double X) { return std::min(1.0, std::max(0.0, X)); }
// EVOLVE-BLOCK-END

double score(const lang::Job &J) {
  // EVOLVE-BLOCK-START score
  return clamp01(J.Size);
  // EVOLVE-BLOCK-END
}
