// A header with a region that no source includes.
inline int orphanPolicy(int X) {
  // EVOLVE-BLOCK-START orphan
  return X;
  // EVOLVE-BLOCK-END
}
