// The initial policy: round robin. The headers are here for the hostile
// candidates of the tests, which call what these declare.
#include "lb.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

int assign(const lb::View &v) {
  // EVOLVE-BLOCK-START assign
  return int(v.JobIndex % v.NumServers);
  // EVOLVE-BLOCK-END
}
