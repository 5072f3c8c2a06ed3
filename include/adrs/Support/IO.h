//===- adrs/Support/IO.h - Whole writes on descriptors ----------*- C++ -*-===//

#ifndef ADRS_SUPPORT_IO_H
#define ADRS_SUPPORT_IO_H

#include <cstddef>

namespace adrs {

/// Writes all of \p Data to \p Fd, retrying on EINTR and short writes.
/// Safe to call in a forked child after a crash began (no allocation).
bool writeAll(int Fd, const char *Data, size_t Size);

} // namespace adrs

#endif
