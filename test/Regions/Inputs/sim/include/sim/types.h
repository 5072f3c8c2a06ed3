//===- sim/types.h - The cluster simulator's data model -------------------===//

#ifndef SIM_TYPES_H
#define SIM_TYPES_H

#include <cstddef>
#include <vector>

namespace sim {

enum class Action { Wait, Run, Preempt };

struct Job {
  int id = 0;
  double size = 0;     // seconds of work on a speed-1 machine
  double deadline = 0; // seconds since the start of the trace
  int retries = 0;
};

struct Machine {
  int id = 0;
  double speed = 1;
  bool busy = false;
  double load() const { return busy ? 1.0 : 0.0; }
};

using JobQueue = std::vector<Job>;

/// Tick length of the simulation, set by the driver.
extern double gTickSeconds;

constexpr int kMaxRetries = 3;

/// A running mean over a window of samples.
template <typename T> struct Window {
  T Sum = 0;
  int Count = 0;
  T mean() const { return Count ? Sum / Count : T(); }
};

template <typename T> T clampTo(T V, T Lo, T Hi) {
  return V < Lo ? Lo : (V > Hi ? Hi : V);
}

/// Seconds the job needs on machine M.
double estimateRuntime(const Job &J, const Machine &M);

class Cluster {
public:
  explicit Cluster(std::vector<Machine> Ms) : Machines(std::move(Ms)) {}
  const Machine *pick(const Job &J) const;
  std::size_t size() const { return Machines.size(); }

private:
  std::vector<Machine> Machines;
};

} // namespace sim

#endif
