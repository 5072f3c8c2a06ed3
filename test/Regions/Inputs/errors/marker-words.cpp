// Marker words in strings and in prose are not markers.
#include <cstring>

namespace lb {

const char *kBanner = "// EVOLVE-BLOCK-START fake";

// This comment talks about EVOLVE-BLOCK-START without being one.
int pickServer(int Servers, int Hint) {
  // EVOLVE-BLOCK-START pick
  /* EVOLVE-BLOCK-END is only a marker in a line comment */
  int Choice = Hint % Servers;
  return Choice + static_cast<int>(std::strlen(kBanner)) * 0;
  // EVOLVE-BLOCK-END
}

} // namespace lb
