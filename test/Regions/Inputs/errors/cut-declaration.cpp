// A block that starts inside one function and ends in the next.
namespace lb {

struct Server {
  int Id;
  double Load;
};

double weight(const Server &S) {
  // EVOLVE-BLOCK-START weigh
  return 1.0 / (1.0 + S.Load);
}

double penalty(const Server &S) {
  // EVOLVE-BLOCK-END
  return S.Load > 0.9 ? 10.0 : 0.0;
}

} // namespace lb
