//===- adrs/JIT/CallChannel.h - Calls between two processes -----*- C++ -*-===//
//
// A confirmation runs the evaluator in one process and the candidate in
// another; every call of the evolved function crosses between them, often
// hundreds of thousands of times per evaluation. Messages over a socket
// cost about 23 us a call (9.1 s for the 393,000 calls of one Can't Be
// Late evaluation), so the bytes go through a mapping both processes share
// and the turns through a futex word in it, with a short spin before
// sleeping (0.43 to 0.6 s for the same evaluation).
// The socket stays, but only so that each side notices when the other one
// has gone.
//
// Nothing read from the mapping is trusted by the caller beyond its bytes:
// the sizes of a reply are the caller's own, never the other side's.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_JIT_CALLCHANNEL_H
#define ADRS_JIT_CALLCHANNEL_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace adrs {
namespace jit {

class CallChannel {
public:
  /// The largest request or reply, in bytes.
  static constexpr size_t Capacity = size_t(64) << 20;

  /// Made before the fork, so that both processes share it.
  static llvm::Expected<std::unique_ptr<CallChannel>> create();
  ~CallChannel();
  CallChannel(const CallChannel &) = delete;
  CallChannel &operator=(const CallChannel &) = delete;

  /// The socket end each side keeps (the sandbox's inherited descriptor).
  int callerFd() const { return Fds[0]; }
  int serverFd() const { return Fds[1]; }
  /// In each process after the fork: closes the other side's socket end.
  void becomeCaller();
  void becomeServer();

  // The caller's side (the evaluator).

  /// Where to write a request of \p Size bytes; null when it is too large.
  char *requestBuffer(size_t Size);
  /// Sends the \p Size bytes written to requestBuffer() and waits for a
  /// reply of \p ReplySize bytes; null when the other side has gone or the
  /// size is too large. The bytes are valid until the next call.
  const char *call(size_t Size, size_t ReplySize);

  // The server's side (the candidate).

  /// Waits for the next request; nothing once the caller has gone.
  std::optional<llvm::StringRef> next();
  /// Where to write the reply to the request next() returned.
  char *replyBuffer();
  /// Sends the reply written to replyBuffer().
  void reply();

private:
  struct Shared;
  static size_t mappingSize();
  CallChannel(Shared *Mem, int Caller, int Server);
  /// Waits until the turn is \p Want; false once the other side has gone.
  bool waitFor(uint32_t Want, int PeerFd);
  void pass(uint32_t Turn);

  Shared *Mem;
  int Fds[2];
  bool Caller = false;
};

} // namespace jit
} // namespace adrs

#endif // ADRS_JIT_CALLCHANNEL_H
