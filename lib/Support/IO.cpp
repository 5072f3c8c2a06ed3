//===- IO.cpp - Whole writes on descriptors -------------------------------===//

#include "adrs/Support/IO.h"

#include <cerrno>
#include <unistd.h>

namespace adrs {

bool writeAll(int Fd, const char *Data, size_t Size) {
  while (Size) {
    ssize_t N = ::write(Fd, Data, Size);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return false;
    Data += N;
    Size -= size_t(N);
  }
  return true;
}

} // namespace adrs
