//===- ChatSupport.h - What the chat transports share ----------*- C++ -*-===//

#ifndef ADRS_LIB_GENERATE_CHATSUPPORT_H
#define ADRS_LIB_GENERATE_CHATSUPPORT_H

#include "llvm/Support/Error.h"

#include <pthread.h>
#include <random>

namespace adrs {
namespace generate {

/// The delay before retry \p Retry (1-based): uniform in [d/2, d] with
/// d = min(\p Max, \p Base * 2^(Retry-1)). The jitter keeps clients that
/// failed together from coming back together.
double backoffSeconds(unsigned Retry, double Base, double Max,
                      std::mt19937_64 &Rng);

/// Starts a transport's driver thread with every asynchronous signal
/// blocked: Ctrl-C and the like go to the run's own threads, and a write to
/// a closed pipe or socket returns EPIPE there instead of killing the
/// process.
llvm::Error startDriverThread(pthread_t &Thread, void *(*Main)(void *),
                              void *Arg, llvm::StringRef Who);

} // namespace generate
} // namespace adrs

#endif
