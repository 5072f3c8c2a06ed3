// An END marker with no START before it.
namespace lb {

int pickServer(int Servers) {
  int Choice = Servers - 1;
  // EVOLVE-BLOCK-END
  return Choice;
}

} // namespace lb
