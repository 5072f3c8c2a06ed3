// EVOLVE-BLOCK-START policy
int policy(int Hour) { return Hour % 2; }
// EVOLVE-BLOCK-END
