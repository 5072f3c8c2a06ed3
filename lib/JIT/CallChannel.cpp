//===- CallChannel.cpp - Calls between two processes ----------------------===//

#include "adrs/JIT/CallChannel.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <linux/futex.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace jit {

namespace {

/// Whose turn it is.
enum Turn : uint32_t {
  Idle = 0,    ///< The caller may write a request.
  Request = 1, ///< A request waits for the server.
  Reply = 2,   ///< A reply waits for the caller.
};

/// How long a side spins before it sleeps: about the time the other side
/// needs to answer a cheap call, so that a busy evaluation rarely sleeps
/// and an idle side soon stops using a core.
constexpr int SpinRounds = 4000;

/// How often a sleeping side checks that the other one is still there.
constexpr long SleepNanoseconds = 20 * 1000 * 1000;

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

bool peerGone(int Fd) {
  struct pollfd P = {Fd, POLLIN, 0};
  int N;
  do
    N = ::poll(&P, 1, 0);
  while (N < 0 && errno == EINTR);
  return N < 0 || (P.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

} // namespace

struct CallChannel::Shared {
  std::atomic<uint32_t> Turn;
  /// Whether the caller, or the server, sleeps on Turn (worth a wake-up).
  std::atomic<uint32_t> CallerSleeps;
  std::atomic<uint32_t> ServerSleeps;
  /// The bytes of the request waiting.
  std::atomic<uint64_t> Size;
  alignas(64) char Data[1];
};

size_t CallChannel::mappingSize() { return offsetof(Shared, Data) + Capacity; }

Expected<std::unique_ptr<CallChannel>> CallChannel::create() {
  int Pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Pair) != 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot create a socket pair: %s",
                             strerror(errno));
  // Untouched pages cost nothing: only what the calls write is memory.
  void *P = ::mmap(nullptr, mappingSize(), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (P == MAP_FAILED) {
    int Errno = errno;
    ::close(Pair[0]);
    ::close(Pair[1]);
    return createStringError(std::error_code(Errno, std::generic_category()),
                             "cannot map memory for the calls: %s",
                             strerror(Errno));
  }
  auto *Mem = new (P) Shared;
  Mem->Turn.store(Idle);
  Mem->CallerSleeps.store(0);
  Mem->ServerSleeps.store(0);
  Mem->Size.store(0);
  return std::unique_ptr<CallChannel>(new CallChannel(Mem, Pair[0], Pair[1]));
}

CallChannel::CallChannel(Shared *Mem, int Caller, int Server)
    : Mem(Mem), Fds{Caller, Server} {}

CallChannel::~CallChannel() {
  ::munmap(Mem, mappingSize());
  for (int Fd : Fds)
    if (Fd >= 0)
      ::close(Fd);
}

void CallChannel::becomeCaller() {
  Caller = true;
  ::close(Fds[1]);
  Fds[1] = -1;
}

void CallChannel::becomeServer() {
  Caller = false;
  ::close(Fds[0]);
  Fds[0] = -1;
}

void CallChannel::pass(uint32_t T) {
  Mem->Turn.store(T, std::memory_order_seq_cst);
  std::atomic<uint32_t> &Sleeps =
      T == Request ? Mem->ServerSleeps : Mem->CallerSleeps;
  if (Sleeps.load(std::memory_order_seq_cst))
    syscall(SYS_futex, reinterpret_cast<uint32_t *>(&Mem->Turn), FUTEX_WAKE, 1,
            nullptr, nullptr, 0);
}

bool CallChannel::waitFor(uint32_t Want, int PeerFd) {
  for (int I = 0; I < SpinRounds; ++I) {
    if (Mem->Turn.load(std::memory_order_acquire) == Want)
      return true;
    cpuRelax();
  }
  std::atomic<uint32_t> &Sleeps =
      Caller ? Mem->CallerSleeps : Mem->ServerSleeps;
  for (;;) {
    Sleeps.store(1, std::memory_order_seq_cst);
    uint32_t Seen = Mem->Turn.load(std::memory_order_seq_cst);
    if (Seen == Want)
      break;
    struct timespec Wait = {0, SleepNanoseconds};
    long R = syscall(SYS_futex, reinterpret_cast<uint32_t *>(&Mem->Turn),
                     FUTEX_WAIT, Seen, &Wait, nullptr, 0);
    if (Mem->Turn.load(std::memory_order_acquire) == Want)
      break;
    if (R != 0 && errno == ETIMEDOUT && peerGone(PeerFd)) {
      Sleeps.store(0);
      return false;
    }
  }
  Sleeps.store(0, std::memory_order_relaxed);
  return true;
}

char *CallChannel::requestBuffer(size_t Size) {
  return Size <= Capacity ? Mem->Data : nullptr;
}

const char *CallChannel::call(size_t Size, size_t ReplySize) {
  // Size was checked by requestBuffer(), which gave the space it fills.
  if (ReplySize > Capacity)
    return nullptr;
  Mem->Size.store(Size, std::memory_order_relaxed);
  pass(Request);
  if (!waitFor(Reply, Fds[0]))
    return nullptr;
  Mem->Turn.store(Idle, std::memory_order_relaxed);
  return Mem->Data;
}

std::optional<StringRef> CallChannel::next() {
  if (!waitFor(Request, Fds[1]))
    return std::nullopt;
  // The caller is the trusted side, but a size out of range is still no
  // reason to read past the mapping.
  uint64_t Size = Mem->Size.load(std::memory_order_relaxed);
  if (Size > Capacity)
    return std::nullopt;
  return StringRef(Mem->Data, Size);
}

char *CallChannel::replyBuffer() { return Mem->Data; }

void CallChannel::reply() { pass(Reply); }

} // namespace jit
} // namespace adrs
