// A simulator that does not compile: the type of the queue is misspelt.
#include <vector>

namespace lb {

struct Request {
  int Id;
  double Size;
};

int pickServer(const std::vector<Requst> &Queue) {
  // EVOLVE-BLOCK-START pick
  return Queue.empty() ? 0 : Queue.front().Id;
  // EVOLVE-BLOCK-END
}

} // namespace lb
