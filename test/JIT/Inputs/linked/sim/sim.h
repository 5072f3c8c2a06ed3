// A tiny simulator that the tests build with its own compiler and archiver,
// as a researcher's build would: each step brings a load, choose() picks a
// capacity level for it, and the level's price plus the load left over is
// the step's cost.
#ifndef SIM_H
#define SIM_H

namespace sim {

/// The policy: the capacity level (0, 1 or 2) for a step with \p Load.
int choose(int Step, int Load);

/// The cost of every step of the workload at \p Path; -1 if it cannot be
/// read.
double run(const char *Path);

} // namespace sim

#endif
