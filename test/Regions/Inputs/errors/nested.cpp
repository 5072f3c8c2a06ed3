// A block opened inside another.
namespace lb {

int pickServer(int Servers, int Hint) {
  // EVOLVE-BLOCK-START outer
  int Choice = Hint % Servers;
  // EVOLVE-BLOCK-START inner
  if (Choice < 0)
    Choice += Servers;
  // EVOLVE-BLOCK-END
  return Choice;
  // EVOLVE-BLOCK-END
}

} // namespace lb
