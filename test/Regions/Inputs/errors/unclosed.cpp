// A block whose END marker was deleted.
#include <vector>

namespace lb {

int pickServer(const std::vector<int> &Load) {
  // EVOLVE-BLOCK-START pick
  int Best = 0;
  for (int I = 1; I < static_cast<int>(Load.size()); ++I)
    if (Load[I] < Load[Best])
      Best = I;
  return Best;
}

} // namespace lb
