// Neither a block nor an ADRS_EVOLVE function.
namespace lb {

int pickServer(int Servers, int Hint) { return Hint % Servers; }

} // namespace lb
