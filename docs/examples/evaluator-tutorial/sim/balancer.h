//===- balancer.h - A load-balancing simulator -------------------*- C++ -*-===//
//
// Jobs arrive one by one at a cluster of servers of different speeds. A
// policy, assign(), sends each job to one server when it arrives; every
// server works through its own queue first-come first-served. The response
// time of a job is the time from its arrival until it is finished.
//
// The simulator checks every decision: a server index out of range counts as
// an invalid choice and the job goes to server 0, so a broken policy is
// caught here, outside the evolved region, and cannot be evolved away.
//
//===----------------------------------------------------------------------===//

#ifndef LB_BALANCER_H
#define LB_BALANCER_H

#include <string>
#include <vector>

namespace lb {

/// One workload file, parsed.
struct Workload {
  std::vector<double> Speeds; ///< Work units per second, one per server.
  struct Job {
    double Arrival; ///< Seconds from the start.
    double Size;    ///< Work units.
  };
  std::vector<Job> Jobs; ///< In order of arrival.
};

/// Reads a workload: a line `servers S1 S2 ...` with the speed of each
/// server, then one line `ARRIVAL SIZE` per job, in order of arrival. Blank
/// lines and lines starting with '#' are ignored. On failure, Error says why.
bool loadWorkload(const std::string &Path, Workload &Out, std::string &Error);

/// What the policy sees about one server when a job arrives.
struct Server {
  double Speed;     ///< Work units per second.
  double Backlog;   ///< Seconds until the server has finished its queue.
  int Queued;       ///< Jobs waiting or running on it.
};

/// What the policy sees when a job arrives.
struct View {
  double Now;                 ///< The job's arrival time.
  double JobSize;             ///< The job's work units.
  long JobIndex;              ///< 0, 1, 2, ... in order of arrival.
  const Server *Servers;      ///< Servers[0 .. NumServers-1].
  int NumServers;
};

/// The result of one simulation.
struct Result {
  double MeanResponse = 0;
  double MaxResponse = 0;
  long InvalidChoices = 0;
  long Jobs = 0;
};

/// Runs every job of \p W through \p Assign.
Result simulate(const Workload &W, int (*Assign)(const View &));

} // namespace lb

#endif
