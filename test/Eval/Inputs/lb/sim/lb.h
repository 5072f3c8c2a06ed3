// A tiny load balancer for the adrsc eval tests: jobs arrive at servers of
// different speeds; assign() picks a server for each.
#ifndef LB_H
#define LB_H

namespace lb {

struct Server {
  double Speed;   // work units per second
  double Backlog; // seconds until the server is idle
};

struct View {
  const char *Workload; // absolute path of the workload being simulated
  double JobSize;
  long JobIndex;
  const Server *Servers;
  int NumServers;
};

struct Result {
  double MeanResponse = 0;
  long Invalid = 0; // choices out of range, counted outside the region
  long Jobs = 0;
};

// Parses PATH ("servers S1 S2 ..." then "ARRIVAL SIZE" lines) and runs every
// job through ASSIGN; false if the file cannot be read.
bool simulate(const char *Path, int (*Assign)(const View &), Result &Out);

} // namespace lb

#endif
