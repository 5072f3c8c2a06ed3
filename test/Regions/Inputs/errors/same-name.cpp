// Two blocks with the same name.
namespace lb {

int pickServer(int Servers, int Hint) {
  // EVOLVE-BLOCK-START pick
  int Choice = Hint % Servers;
  // EVOLVE-BLOCK-END
  int Fallback = 0;
  // EVOLVE-BLOCK-START pick
  if (Choice < 0)
    Choice = Fallback;
  // EVOLVE-BLOCK-END
  return Choice;
}

} // namespace lb
