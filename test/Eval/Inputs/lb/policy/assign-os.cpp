// The initial policy of the hostile spec for the operating system's cage
// (hostile-os.adrs): round robin, as in assign.cpp, with the headers of the
// system calls its candidates try.
#include "lb.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

int assign(const lb::View &v) {
  // EVOLVE-BLOCK-START assign
  return int(v.JobIndex % v.NumServers);
  // EVOLVE-BLOCK-END
}
