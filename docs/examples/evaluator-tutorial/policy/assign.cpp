//===- assign.cpp - Where each job goes (the initial program) --------------===//
//
// Round robin: job i goes to server i mod N. It ignores both the speeds and
// the queues, so there is room to improve.
//
//===----------------------------------------------------------------------===//

#include "balancer.h"

// Called once per job, when it arrives. Return the index of the server that
// runs it, 0 .. v.NumServers - 1. v.Servers[s] gives each server's speed,
// its backlog in seconds and how many jobs it holds.
int assign(const lb::View &v) {
  // EVOLVE-BLOCK-START assign
  return int(v.JobIndex % v.NumServers);
  // EVOLVE-BLOCK-END
}
