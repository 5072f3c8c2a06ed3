// A block that starts inside an if and ends after it.
#include <vector>

namespace lb {

int pickServer(const std::vector<int> &Load) {
  int Best = 0;
  for (int I = 1; I < static_cast<int>(Load.size()); ++I) {
    if (Load[I] < Load[Best]) {
      // EVOLVE-BLOCK-START pick
      Best = I;
    }
  }
  // EVOLVE-BLOCK-END
  return Best;
}

} // namespace lb
