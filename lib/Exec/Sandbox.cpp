//===- Sandbox.cpp - Running untrusted code in a child --------------------===//
//
// The child sets up its own cage before it runs anything it was given:
// process group, default signal handlers, pipes for its output, an empty
// environment, resource limits, Landlock rules, and last the seccomp filter.
// The parent only reads pipes and waits, so nothing the child does can reach
// it. Built with exceptions: the child's terminate handler reports what an
// uncaught exception said before the process dies.
//
//===----------------------------------------------------------------------===//

#include "adrs/Exec/Sandbox.h"

#include "adrs/Support/IO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <seccomp.h>

#include <linux/landlock.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <new>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace llvm;

namespace adrs {
namespace exec {

StringRef toString(SandboxStatus S) {
  switch (S) {
  case SandboxStatus::OK:
    return "ok";
  case SandboxStatus::Timeout:
    return "timeout";
  case SandboxStatus::Crashed:
    return "crashed";
  case SandboxStatus::OutOfMemory:
    return "out_of_memory";
  case SandboxStatus::AbnormalExit:
    return "abnormal_exit";
  case SandboxStatus::InvalidOutput:
    return "invalid_output";
  }
  return "crashed";
}

std::optional<SandboxStatus> sandboxStatusNamed(StringRef Name) {
  for (SandboxStatus S :
       {SandboxStatus::OK, SandboxStatus::Timeout, SandboxStatus::Crashed,
        SandboxStatus::OutOfMemory, SandboxStatus::AbnormalExit,
        SandboxStatus::InvalidOutput})
    if (toString(S) == Name)
      return S;
  return std::nullopt;
}

namespace {

// Frames on the result pipe: a 4-byte tag, a 4-byte little-endian length,
// the bytes. RSLT is the result; the others are last words from handlers.
constexpr char ResultTag[] = "RSLT";
constexpr char StartTag[] = "RUN!";
constexpr char OutOfMemoryTag[] = "OOM!";
constexpr char TerminateTag[] = "TERM";
constexpr int OutOfMemoryExit = 117;
constexpr uint64_t MaxPayload = 64ull << 20;

int ChildResultFd = -1;
/// A secret per child, known to the parent from before the fork. Every frame
/// carries it, so that code under evaluation, which shares the process,
/// cannot forge a result by writing to the channel: it would have to find
/// the token in memory first. The descriptor number is random for the same
/// reason.
char ChildToken[16];

void randomBytes(char *Out, size_t Size) {
  int Fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  size_t Got = 0;
  while (Fd >= 0 && Got < Size) {
    ssize_t N = ::read(Fd, Out + Got, Size - Got);
    if (N <= 0)
      break;
    Got += size_t(N);
  }
  if (Fd >= 0)
    ::close(Fd);
  // Without /dev/urandom, the clock still beats a constant.
  for (size_t I = Got; I < Size; ++I)
    Out[I] = char(std::chrono::steady_clock::now().time_since_epoch().count() >>
                  (I % 8));
}

bool writeFrame(int Fd, const char *Tag, StringRef Bytes) {
  char Header[8 + sizeof(ChildToken)];
  std::memcpy(Header, Tag, 4);
  uint32_t Size = uint32_t(Bytes.size());
  for (int I = 0; I < 4; ++I)
    Header[4 + I] = char((Size >> (8 * I)) & 0xff);
  std::memcpy(Header + 8, ChildToken, sizeof(ChildToken));
  return writeAll(Fd, Header, sizeof(Header)) &&
         writeAll(Fd, Bytes.data(), Bytes.size());
}

// Runs in the child only; async-signal-safe enough for a process that is
// about to die (write and _exit).
void onOutOfMemory() {
  if (ChildResultFd >= 0)
    writeFrame(ChildResultFd, OutOfMemoryTag, "");
  _exit(OutOfMemoryExit);
}

void onTerminate() {
  std::string What = "std::terminate called";
  if (std::exception_ptr E = std::current_exception()) {
    try {
      std::rethrow_exception(E);
    } catch (const std::exception &X) {
      What = std::string("uncaught exception: ") + X.what();
    } catch (...) {
      What = "uncaught exception of a type not derived from std::exception";
    }
  }
  if (ChildResultFd >= 0)
    writeFrame(ChildResultFd, TerminateTag, What);
  std::signal(SIGABRT, SIG_DFL);
  std::abort();
}

/// Landlock through raw system calls (glibc has no wrappers).
int landlockABI() {
#ifdef SYS_landlock_create_ruleset
  long V = syscall(SYS_landlock_create_ruleset, nullptr, 0,
                   LANDLOCK_CREATE_RULESET_VERSION);
  return V < 0 ? 0 : int(V);
#else
  return 0;
#endif
}

uint64_t landlockReadAccess() {
  return LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
         LANDLOCK_ACCESS_FS_EXECUTE;
}

uint64_t landlockWriteAccess(int ABI) {
  uint64_t A = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
               LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
               LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
               LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
               LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
  if (ABI >= 2)
    A |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
  if (ABI >= 3)
    A |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
  return A;
}

/// Rights that make sense on a regular file (the rest are for directories).
uint64_t fileOnly(uint64_t Access) {
  uint64_t FileRights = LANDLOCK_ACCESS_FS_EXECUTE |
                        LANDLOCK_ACCESS_FS_WRITE_FILE |
                        LANDLOCK_ACCESS_FS_READ_FILE;
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
  FileRights |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
  return Access & FileRights;
}

bool allowPath(int Ruleset, const std::string &Path, uint64_t Access) {
  int Fd = ::open(Path.c_str(), O_PATH | O_CLOEXEC);
  if (Fd < 0)
    return false; // a path that does not exist needs no rule
  struct stat St;
  if (fstat(Fd, &St) == 0 && !S_ISDIR(St.st_mode))
    Access = fileOnly(Access);
  struct landlock_path_beneath_attr Rule = {};
  Rule.allowed_access = Access;
  Rule.parent_fd = Fd;
  long R = syscall(SYS_landlock_add_rule, Ruleset, LANDLOCK_RULE_PATH_BENEATH,
                   &Rule, 0);
  ::close(Fd);
  return R == 0;
}

/// Confines the child's file access; false when the kernel cannot.
bool applyLandlock(const SandboxLimits &L) {
  int ABI = landlockABI();
  if (ABI < 1)
    return false;
  uint64_t Write = landlockWriteAccess(ABI);
  uint64_t Read = landlockReadAccess();
  struct landlock_ruleset_attr Attr = {};
  Attr.handled_access_fs = Write | (L.ConfineReads ? Read : 0);
  int Ruleset =
      int(syscall(SYS_landlock_create_ruleset, &Attr, sizeof(Attr), 0));
  if (Ruleset < 0)
    return false;
  if (!L.ScratchDir.empty())
    allowPath(Ruleset, L.ScratchDir, Write | (L.ConfineReads ? Read : 0));
  if (L.ConfineReads) {
    for (const char *System : {"/usr", "/lib", "/lib64", "/etc", "/proc/self"})
      allowPath(Ruleset, System, Read);
    for (const std::string &P : L.ReadablePaths)
      allowPath(Ruleset, P, Read);
  }
  // Writing to the inherited pipes stays possible: Landlock governs opening
  // files, not file descriptors already open.
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  bool OK = syscall(SYS_landlock_restrict_self, Ruleset, 0) == 0;
  ::close(Ruleset);
  return OK;
}

/// The system-call filter. Calls it refuses fail with an error the code can
/// handle (EPERM, EACCES), rather than killing it: a candidate that calls
/// system() gets -1 back and its evaluation goes on.
bool applySeccomp(bool DenyFileWrites) {
  scmp_filter_ctx Ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!Ctx)
    return false;
  auto Deny = [&](int Syscall, int Errno = EPERM) {
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(Errno), Syscall, 0);
  };
  for (int S : {SCMP_SYS(execve),
                SCMP_SYS(execveat),
                SCMP_SYS(fork),
                SCMP_SYS(vfork),
                SCMP_SYS(socket),
                SCMP_SYS(socketpair),
                SCMP_SYS(connect),
                SCMP_SYS(bind),
                SCMP_SYS(listen),
                SCMP_SYS(accept),
                SCMP_SYS(accept4),
                SCMP_SYS(ptrace),
                SCMP_SYS(process_vm_readv),
                SCMP_SYS(process_vm_writev),
                SCMP_SYS(io_uring_setup),
                SCMP_SYS(io_uring_enter),
                SCMP_SYS(io_uring_register),
                SCMP_SYS(bpf),
                SCMP_SYS(perf_event_open),
                SCMP_SYS(userfaultfd),
                SCMP_SYS(keyctl),
                SCMP_SYS(add_key),
                SCMP_SYS(request_key),
                SCMP_SYS(mount),
                SCMP_SYS(umount2),
                SCMP_SYS(pivot_root),
                SCMP_SYS(chroot),
                SCMP_SYS(unshare),
                SCMP_SYS(setns),
                SCMP_SYS(reboot),
                SCMP_SYS(kexec_load),
                SCMP_SYS(init_module),
                SCMP_SYS(finit_module),
                SCMP_SYS(delete_module),
                SCMP_SYS(swapon),
                SCMP_SYS(swapoff),
                SCMP_SYS(tkill)})
    Deny(S);
  // Threads are allowed (clone with CLONE_THREAD); new processes are not.
  seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                   SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  // glibc tries clone3 first and falls back to clone on ENOSYS, whose flags
  // the filter can see.
  Deny(SCMP_SYS(clone3), ENOSYS);
  // Signals only to itself: never to the parent or anyone else.
  pid_t Self = getpid();
  seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kill), 1,
                   SCMP_A0(SCMP_CMP_NE, uint64_t(Self)));
  seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(tgkill), 1,
                   SCMP_A0(SCMP_CMP_NE, uint64_t(Self)));
  if (DenyFileWrites) {
    for (int Flag : {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND}) {
      seccomp_rule_add(
          Ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 1,
          SCMP_A1(SCMP_CMP_MASKED_EQ, uint64_t(Flag), uint64_t(Flag)));
      seccomp_rule_add(
          Ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
          SCMP_A2(SCMP_CMP_MASKED_EQ, uint64_t(Flag), uint64_t(Flag)));
    }
    for (int S : {SCMP_SYS(creat), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
                  SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
                  SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(rmdir),
                  SCMP_SYS(link), SCMP_SYS(linkat), SCMP_SYS(symlink),
                  SCMP_SYS(symlinkat), SCMP_SYS(truncate), SCMP_SYS(chmod),
                  SCMP_SYS(fchmodat), SCMP_SYS(chown), SCMP_SYS(fchownat)})
      Deny(S, EACCES);
  }
  bool OK = seccomp_load(Ctx) == 0;
  seccomp_release(Ctx);
  return OK;
}

uint64_t currentVirtualSize() {
  FILE *F = std::fopen("/proc/self/statm", "r");
  if (!F)
    return 0;
  unsigned long Pages = 0;
  if (std::fscanf(F, "%lu", &Pages) != 1)
    Pages = 0;
  std::fclose(F);
  return uint64_t(Pages) * uint64_t(sysconf(_SC_PAGESIZE));
}

[[noreturn]] void runChild(const SandboxLimits &L, function_ref<int(int)> Body,
                           int ResultFd, int OutFd, int ErrFd,
                           int ProtectionFd) {
  setpgid(0, 0);
  // The parent's crash handlers (LLVM symbolises stacks) must not run here:
  // a crash is the result, reported by the signal itself.
  for (int Sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
                  SIGPIPE, SIGXCPU, SIGXFSZ, SIGTERM, SIGINT, SIGHUP})
    std::signal(Sig, SIG_DFL);
  sigset_t All;
  sigemptyset(&All);
  sigprocmask(SIG_SETMASK, &All, nullptr);

  int Null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (Null >= 0)
    dup2(Null, STDIN_FILENO);
  dup2(OutFd, STDOUT_FILENO);
  dup2(ErrFd, STDERR_FILENO);
  // Line by line, so that what a crashing child printed is not lost.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Only the standard streams, the result pipe and the descriptor the
  // caller hands over stay open. close_range closes the gaps between those
  // we keep in a few calls instead of thousands; an old kernel without it
  // gets the loop.
  std::vector<unsigned> Keep = {unsigned(ResultFd), unsigned(ProtectionFd)};
  if (L.InheritedFd >= 3)
    Keep.push_back(unsigned(L.InheritedFd));
  llvm::sort(Keep);
  unsigned From = 3;
  bool Closed = true;
  for (unsigned K : Keep) {
    if (K > From && close_range(From, K - 1, 0) != 0)
      Closed = false;
    From = std::max(From, K + 1);
  }
  if (close_range(From, ~0U, 0) != 0)
    Closed = false;
  if (!Closed)
    for (int Fd = 3; Fd < 4096; ++Fd)
      if (!llvm::is_contained(Keep, unsigned(Fd)))
        ::close(Fd);
  if (!L.ScratchDir.empty() && chdir(L.ScratchDir.c_str()) != 0)
    _exit(126);
  clearenv(); // no API keys, no paths, nothing to learn from

  // Move the channel to a descriptor number nobody can guess.
  char Pick[2];
  randomBytes(Pick, 2);
  int Target = 512 + ((uint8_t(Pick[0]) << 8 | uint8_t(Pick[1])) % 3000);
  if (Target == L.InheritedFd)
    ++Target;
  if (dup2(ResultFd, Target) == Target) {
    ::close(ResultFd);
    ResultFd = Target;
  }
  ChildResultFd = ResultFd;
  std::set_new_handler(onOutOfMemory);
  std::set_terminate(onTerminate);

  struct rlimit R;
  uint64_t Base = currentVirtualSize();
  R.rlim_cur = R.rlim_max = rlim_t(Base + L.MemoryBytes);
  setrlimit(RLIMIT_AS, &R);
  double Cpu = L.CpuSeconds > 0 ? L.CpuSeconds : L.WallSeconds + 1;
  R.rlim_cur = rlim_t(std::ceil(Cpu));
  R.rlim_max = R.rlim_cur + 1;
  setrlimit(RLIMIT_CPU, &R);
  R.rlim_cur = R.rlim_max = 0;
  setrlimit(RLIMIT_CORE, &R);
  R.rlim_cur = R.rlim_max =
      rlim_t(std::max<uint64_t>(L.OutputBytes, 1 << 20) * 16);
  setrlimit(RLIMIT_FSIZE, &R);

  std::string Protections;
  bool Landlocked = applyLandlock(L);
  if (Landlocked)
    Protections += L.ConfineReads ? "landlock-read-write," : "landlock-write,";
  if (L.Seccomp && applySeccomp(/*DenyFileWrites=*/!Landlocked))
    Protections += Landlocked ? "seccomp," : "seccomp-no-file-writes,";
  Protections += "rlimits,empty-environment";
  writeAll(ProtectionFd, Protections.data(), Protections.size());
  ::close(ProtectionFd);

  int Code = 1;
  try {
    Code = Body(ResultFd);
  } catch (...) {
    // Nothing the body throws may unwind into the code that forked us.
    onTerminate();
  }
  std::fflush(nullptr);
  _exit(Code == 0 ? 0 : 1);
}

std::string signalName(int Sig) {
  switch (Sig) {
  case SIGSEGV:
    return "SIGSEGV (invalid memory access)";
  case SIGBUS:
    return "SIGBUS (bad memory access)";
  case SIGFPE:
    return "SIGFPE (arithmetic error such as division by zero)";
  case SIGILL:
    return "SIGILL (illegal instruction)";
  case SIGABRT:
    return "SIGABRT (abort)";
  case SIGTRAP:
    return "SIGTRAP";
  case SIGSYS:
    return "SIGSYS (forbidden system call)";
  case SIGKILL:
    return "SIGKILL";
  case SIGXCPU:
    return "SIGXCPU (CPU time limit)";
  case SIGXFSZ:
    return "SIGXFSZ (file size limit)";
  case SIGPIPE:
    return "SIGPIPE";
  default:
    return "signal " + std::to_string(Sig);
  }
}

struct Frame {
  std::string Tag;
  std::string Bytes;
};

/// Splits the result pipe's bytes into frames; false if they are not all
/// frames carrying \p Token.
bool parseFrames(StringRef Data, StringRef Token, std::vector<Frame> &Out) {
  constexpr size_t Head = 8 + sizeof(ChildToken);
  while (!Data.empty()) {
    if (Data.size() < Head)
      return false;
    uint32_t Size = 0;
    for (int I = 0; I < 4; ++I)
      Size |= uint32_t(uint8_t(Data[4 + I])) << (8 * I);
    if (Data.size() - Head < Size ||
        Data.substr(8, sizeof(ChildToken)) != Token)
      return false;
    Out.push_back({Data.take_front(4).str(), Data.substr(Head, Size).str()});
    Data = Data.drop_front(Head + Size);
  }
  return true;
}

} // namespace

bool sendResult(int ResultFd, StringRef Payload) {
  return writeFrame(ResultFd, ResultTag, Payload);
}

bool startTiming(int ResultFd) { return writeFrame(ResultFd, StartTag, ""); }

bool canConfineFiles() { return landlockABI() >= 1; }

SandboxResult runSandboxed(const SandboxLimits &Limits,
                           function_ref<int(int)> Body) {
  SandboxResult Result;
  int ResultPipe[2], OutPipe[2], ErrPipe[2], ProtPipe[2];
  if (pipe2(ResultPipe, O_CLOEXEC) || pipe2(OutPipe, O_CLOEXEC) ||
      pipe2(ErrPipe, O_CLOEXEC) || pipe2(ProtPipe, O_CLOEXEC)) {
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = std::string("cannot create pipes: ") + std::strerror(errno);
    return Result;
  }
  randomBytes(ChildToken, sizeof(ChildToken));
  std::string Token(ChildToken, sizeof(ChildToken));
  auto Start = std::chrono::steady_clock::now();
  pid_t Pid = fork();
  if (Pid < 0) {
    for (int Fd : {ResultPipe[0], ResultPipe[1], OutPipe[0], OutPipe[1],
                   ErrPipe[0], ErrPipe[1], ProtPipe[0], ProtPipe[1]})
      ::close(Fd);
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = std::string("cannot fork: ") + std::strerror(errno);
    return Result;
  }
  if (Pid == 0) {
    ::close(ResultPipe[0]);
    ::close(OutPipe[0]);
    ::close(ErrPipe[0]);
    ::close(ProtPipe[0]);
    runChild(Limits, Body, ResultPipe[1], OutPipe[1], ErrPipe[1], ProtPipe[1]);
  }
  // The child may be killed before it calls setpgid; doing it here too
  // closes that race.
  setpgid(Pid, Pid);
  ::close(ResultPipe[1]);
  ::close(OutPipe[1]);
  ::close(ErrPipe[1]);
  ::close(ProtPipe[1]);

  std::string Payload, Protections;
  uint64_t OutSeen = 0, ErrSeen = 0;
  // Output past this is read and dropped; far past it, the child is stopped
  // so that a print loop cannot hold the run until the timeout.
  uint64_t Flood = std::max<uint64_t>(Limits.OutputBytes, 1 << 20) * 64;
  bool TimedOut = false, Flooded = false, TooLarge = false;
  // Until the child says its timed part starts (startTiming), it has the
  // setup allowance too: compiling and linking a candidate is not its run.
  auto Deadline =
      Start + std::chrono::microseconds(
                  int64_t((Limits.SetupSeconds + Limits.WallSeconds) * 1e6));
  bool Started = false;
  struct pollfd Fds[4] = {{ResultPipe[0], POLLIN, 0},
                          {OutPipe[0], POLLIN, 0},
                          {ErrPipe[0], POLLIN, 0},
                          {ProtPipe[0], POLLIN, 0}};
  int Open = 4;
  char Buffer[65536];
  while (Open > 0) {
    auto Now = std::chrono::steady_clock::now();
    if (Now >= Deadline) {
      TimedOut = true;
      break;
    }
    int WaitMs = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         Deadline - Now)
                         .count()) +
                 1;
    int N = poll(Fds, 4, WaitMs);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      break;
    for (int I = 0; I < 4; ++I) {
      if (Fds[I].fd < 0 || !(Fds[I].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t Got = ::read(Fds[I].fd, Buffer, sizeof(Buffer));
      if (Got < 0 && errno == EINTR)
        continue;
      if (Got <= 0) {
        ::close(Fds[I].fd);
        Fds[I].fd = -1;
        --Open;
        continue;
      }
      if (I == 0) {
        if (Payload.size() + size_t(Got) > MaxPayload)
          TooLarge = true;
        else
          Payload.append(Buffer, size_t(Got));
        if (!Started && Payload.size() >= 8 + sizeof(ChildToken) &&
            StringRef(Payload).startswith(StartTag) &&
            StringRef(Payload).substr(8, sizeof(ChildToken)) == Token) {
          Started = true;
          Deadline =
              std::chrono::steady_clock::now() +
              std::chrono::microseconds(int64_t(Limits.WallSeconds * 1e6));
        }
      } else if (I == 3) {
        Protections.append(Buffer, size_t(Got));
      } else {
        std::string &Keep = I == 1 ? Result.Stdout : Result.Stderr;
        uint64_t &Seen = I == 1 ? OutSeen : ErrSeen;
        Seen += uint64_t(Got);
        if (Keep.size() < Limits.OutputBytes)
          Keep.append(Buffer, std::min<size_t>(size_t(Got), Limits.OutputBytes -
                                                                Keep.size()));
        else
          Result.OutputTruncated = true;
        if (Seen > Flood)
          Flooded = true;
      }
    }
    if (Flooded || TooLarge)
      break;
  }
  if (TimedOut || Flooded || TooLarge)
    kill(-Pid, SIGKILL);
  for (struct pollfd &P : Fds)
    if (P.fd >= 0)
      ::close(P.fd);

  int Status = 0;
  struct rusage Usage = {};
  while (wait4(Pid, &Status, 0, &Usage) < 0 && errno == EINTR) {
  }
  // Threads or stragglers of the group go with it.
  kill(-Pid, SIGKILL);
  Result.WallMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - Start)
                      .count();
  Result.CpuMs = Usage.ru_utime.tv_sec * 1e3 + Usage.ru_utime.tv_usec / 1e3 +
                 Usage.ru_stime.tv_sec * 1e3 + Usage.ru_stime.tv_usec / 1e3;
  Result.PeakRSSBytes = uint64_t(Usage.ru_maxrss) * 1024;
  SmallVector<StringRef, 4> Parts;
  StringRef(Protections).split(Parts, ',', -1, false);
  for (StringRef P : Parts)
    Result.Protections.push_back(P.str());

  std::vector<Frame> Frames;
  bool Framed = parseFrames(Payload, Token, Frames);
  std::string LastWords;
  bool SaidOutOfMemory = false, HasResult = false;
  for (const Frame &F : Frames) {
    if (F.Tag == OutOfMemoryTag)
      SaidOutOfMemory = true;
    else if (F.Tag == TerminateTag)
      LastWords = F.Bytes;
    else if (F.Tag == ResultTag && !HasResult) {
      HasResult = true;
      Result.Payload = F.Bytes;
    }
  }

  if (TimedOut) {
    char Text[64];
    std::snprintf(Text, sizeof(Text), "%gs", Limits.WallSeconds);
    Result.Status = SandboxStatus::Timeout;
    Result.Reason =
        std::string("ran longer than the limit of ") + Text + " and was killed";
    return Result;
  }
  if (Flooded) {
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = "printed more than " + std::to_string(Flood >> 20) +
                    " MB and was stopped";
    return Result;
  }
  if (TooLarge) {
    Result.Status = SandboxStatus::InvalidOutput;
    Result.Reason =
        "sent a result larger than " + std::to_string(MaxPayload >> 20) + " MB";
    return Result;
  }
  if (WIFSIGNALED(Status)) {
    Result.Signal = WTERMSIG(Status);
    if (Result.Signal == SIGXCPU) {
      Result.Status = SandboxStatus::Timeout;
      Result.Reason = "used up its CPU time limit";
      return Result;
    }
    if (Result.Signal == SIGXFSZ) {
      Result.Status = SandboxStatus::AbnormalExit;
      Result.Reason = "wrote more to a file than allowed";
      return Result;
    }
    Result.Status = SandboxStatus::Crashed;
    Result.Reason = "crashed with " + signalName(Result.Signal);
    if (!LastWords.empty())
      Result.Reason += ": " + LastWords;
    return Result;
  }
  Result.ExitCode = WEXITSTATUS(Status);
  if (SaidOutOfMemory || Result.ExitCode == OutOfMemoryExit) {
    Result.Status = SandboxStatus::OutOfMemory;
    char Limit[64];
    std::snprintf(Limit, sizeof(Limit), "%.0f MB", Limits.MemoryBytes / 1e6);
    Result.Reason = std::string("ran out of memory (limit ") + Limit + ")";
    return Result;
  }
  if (!Framed) {
    Result.Status = SandboxStatus::InvalidOutput;
    Result.Reason = "something other than the evaluator wrote to the result "
                    "channel (a forged or garbled result)";
    return Result;
  }
  if (Result.ExitCode != 0) {
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = "exited with status " + std::to_string(Result.ExitCode) +
                    (HasResult ? "" : " before reporting a result");
    return Result;
  }
  if (!HasResult) {
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = "exited with status 0 before reporting a result (did the "
                    "code call exit()?)";
    return Result;
  }
  Result.Status = SandboxStatus::OK;
  return Result;
}

} // namespace exec
} // namespace adrs
