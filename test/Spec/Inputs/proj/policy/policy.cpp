// The part the search evolves.
int choose(int Queue) {
  // EVOLVE-BLOCK-START policy
  return Queue > 3 ? 1 : 0;
  // EVOLVE-BLOCK-END
}

int ADRS_EVOLVE_priority(int Job) { return Job; }
