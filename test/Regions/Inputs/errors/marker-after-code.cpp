// A marker that shares its line with code.
namespace lb {

int pickServer(int Servers, int Hint) {
  int Choice = Hint % Servers; // EVOLVE-BLOCK-START pick
  if (Choice < 0)
    Choice += Servers;
  // EVOLVE-BLOCK-END
  return Choice;
}

} // namespace lb
