// Two blocks, one of them without a name.
namespace lb {

int pickServer(int Servers, int Hint) {
  // EVOLVE-BLOCK-START
  int Choice = Hint % Servers;
  // EVOLVE-BLOCK-END
  // EVOLVE-BLOCK-START fixup
  if (Choice < 0)
    Choice += Servers;
  // EVOLVE-BLOCK-END
  return Choice;
}

} // namespace lb
