//===- Sandbox.cpp - Running untrusted code in a child --------------------===//
//
// The child sets up its own cage before it runs anything it was given:
// death with its parent, process group, default signal handlers, its memory
// cgroup and IPC namespace, pipes for its output, an empty environment,
// resource limits, its own user id and no capabilities, Landlock rules, and
// last the seccomp filter. The parent only reads pipes and waits, always
// with a deadline, so nothing the child does can reach it or hold it. Built
// with exceptions: the child's terminate handler reports what an uncaught
// exception said before the process dies.
//
//===----------------------------------------------------------------------===//

#include "adrs/Exec/Sandbox.h"
#include "adrs/Exec/MemoryCgroup.h"

#include "adrs/Support/EnumNames.h"
#include "adrs/Support/IO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <seccomp.h>

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <linux/sockios.h>

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
#include <grp.h>
#include <new>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace llvm;

namespace adrs {
namespace exec {

namespace {
constexpr EnumName<SandboxStatus> SandboxStatusNames[] = {
    {SandboxStatus::OK, "ok"},
    {SandboxStatus::Timeout, "timeout"},
    {SandboxStatus::Crashed, "crashed"},
    {SandboxStatus::OutOfMemory, "out_of_memory"},
    {SandboxStatus::AbnormalExit, "abnormal_exit"},
    {SandboxStatus::InvalidOutput, "invalid_output"},
};
} // namespace

StringRef toString(SandboxStatus S) { return nameOf(SandboxStatusNames, S); }

std::optional<SandboxStatus> sandboxStatusNamed(StringRef Name) {
  return valueNamed(SandboxStatusNames, Name);
}

namespace {

// Frames on the result pipe: a 4-byte tag, a 4-byte little-endian length,
// the bytes. RSLT is the result; the others are last words from handlers.
constexpr char ResultTag[] = "RSLT";
constexpr char StartTag[] = "RUN!";
constexpr char StepTag[] = "STEP";
constexpr char PreparedTag[] = "PREP";
constexpr char OutOfMemoryTag[] = "OOM!";
constexpr char TerminateTag[] = "TERM";
constexpr int OutOfMemoryExit = 117;
constexpr uint64_t MaxPayload = 64ull << 20;
/// The child exits with this when its parent died before it could arrange
/// to die with it; nobody waits for that status.
constexpr int OrphanExit = 125;
/// Descriptors and threads a child may have: enough for any policy, few
/// enough that pipe buffers and kernel stacks stay small.
constexpr rlim_t MaxDescriptors = 256;
constexpr rlim_t MaxThreads = 256;
/// Children of a root process run as a user id of their own above this,
/// one that owns no file and no other process.
constexpr uid_t SandboxIdBase = 0x40000000;

/// Whether \p Host, the process that forks the children, is the first of
/// its own PID namespace (a zygote made by forkSandboxHost(), before or
/// after it execs its program). Asked with the pid the host had before the
/// fork: in the child itself getpid() is never 1.
bool hostIsNamespaceInit(pid_t Host) { return Host == 1; }

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
/// \p StillRoot: the child could not become a user of its own (a path it
/// must read is not readable as that user), so it still owns what root
/// owns; then of /etc it may read only files that hold no secret, not
/// /etc/shadow, ssh host keys or TLS private keys.
bool applyLandlock(const SandboxLimits &L, bool StillRoot) {
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
    // By the working directory, which the child entered while it could:
    // as a user of its own, it may not be able to reach it by its path.
    allowPath(Ruleset, ".", Write | (L.ConfineReads ? Read : 0));
  for (const std::string &F : L.WritableFiles)
    allowPath(Ruleset, F, Write | (L.ConfineReads ? Read : 0));
  if (L.ConfineReads) {
    for (const char *System : {"/usr", "/lib", "/lib64", "/proc/self"})
      allowPath(Ruleset, System, Read);
    if (!StillRoot)
      allowPath(Ruleset, "/etc", Read);
    else
      for (const char *Public :
           {"/etc/ld.so.cache", "/etc/localtime", "/etc/timezone",
            "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
            "/etc/locale.alias", "/etc/os-release"})
        allowPath(Ruleset, Public, Read);
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

/// Stands for the child's pid in a filter built before the fork; no pid is
/// this large (pid_max is at most 2^22).
constexpr uint32_t SelfPlaceholder = 0x7fffbeef;

/// The system-call filter. Calls it refuses fail with an error the code can
/// handle (EPERM, EACCES), rather than killing it: a candidate that calls
/// system() gets -1 back and its evaluation goes on. \p Self is the pid the
/// child may still signal.
scmp_filter_ctx makeSeccompFilter(bool DenyFileWrites, uint32_t Self) {
  scmp_filter_ctx Ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!Ctx)
    return nullptr;
  // A tree of syscall numbers, not a list: every call the child makes
  // passes through the filter.
  seccomp_attr_set(Ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  auto Deny = [&](int Syscall, int Errno = EPERM) {
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(Errno), Syscall, 0);
  };
  for (int S :
       {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork),
        SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(connect),
        SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept), SCMP_SYS(accept4),
        SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
        SCMP_SYS(process_vm_writev), SCMP_SYS(io_uring_setup),
        SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register), SCMP_SYS(bpf),
        SCMP_SYS(perf_event_open), SCMP_SYS(userfaultfd), SCMP_SYS(keyctl),
        SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(mount),
        SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
        SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(reboot),
        SCMP_SYS(kexec_load), SCMP_SYS(init_module), SCMP_SYS(finit_module),
        SCMP_SYS(delete_module), SCMP_SYS(swapon), SCMP_SYS(swapoff),
        SCMP_SYS(open_by_handle_at),
        // Other processes, named by pidfd: no signals, no memory
        // advice, no descriptors taken, no comparisons.
        SCMP_SYS(tkill), SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_send_signal),
        SCMP_SYS(pidfd_getfd), SCMP_SYS(process_madvise),
        SCMP_SYS(process_mrelease), SCMP_SYS(kcmp),
        // Leaving its process group would let it escape the kill
        // of the group.
        SCMP_SYS(setsid), SCMP_SYS(setpgid),
        // Lowering the priority of every process of its user.
        SCMP_SYS(setpriority), SCMP_SYS(ioprio_set),
        // Memory that RLIMIT_AS does not count: anonymous files,
        // SysV shared memory, message queues and semaphores, and
        // POSIX message queues, some of which outlive the process.
        SCMP_SYS(memfd_create), SCMP_SYS(memfd_secret), SCMP_SYS(shmget),
        SCMP_SYS(shmat), SCMP_SYS(shmdt), SCMP_SYS(shmctl), SCMP_SYS(msgget),
        SCMP_SYS(msgsnd), SCMP_SYS(msgrcv), SCMP_SYS(msgctl), SCMP_SYS(semget),
        SCMP_SYS(semop), SCMP_SYS(semtimedop), SCMP_SYS(semctl),
        SCMP_SYS(mq_open), SCMP_SYS(mq_unlink), SCMP_SYS(mq_timedsend),
        SCMP_SYS(mq_timedreceive), SCMP_SYS(mq_notify), SCMP_SYS(mq_getsetattr),
        // Changes to files' owners, modes, times and extended attributes,
        // which Landlock does not govern: a child that stays root (without
        // capabilities) still owns root's files.
        SCMP_SYS(chmod), SCMP_SYS(fchmod), SCMP_SYS(fchmodat), SCMP_SYS(chown),
        SCMP_SYS(fchown), SCMP_SYS(lchown), SCMP_SYS(fchownat), SCMP_SYS(utime),
        SCMP_SYS(utimes), SCMP_SYS(futimesat), SCMP_SYS(utimensat),
        SCMP_SYS(setxattr), SCMP_SYS(lsetxattr), SCMP_SYS(fsetxattr),
        SCMP_SYS(removexattr), SCMP_SYS(lremovexattr), SCMP_SYS(fremovexattr)})
    Deny(S);
  // Newer than some builds of the library know by name.
  for (const char *Name : {"fchmodat2"}) {
    int S = seccomp_syscall_resolve_name(Name);
    if (S != __NR_SCMP_ERROR)
      Deny(S);
  }
  // A list of refusals misses whatever the kernel adds after it was written
  // (setxattrat, for one, came after the xattr calls above). Calls newer
  // than these rules fail with ENOSYS, as on an older kernel, which is what
  // libraries fall back from. Numbers past 450 are the same on every
  // architecture; rules already made above stay as they are.
  for (int S = 451; S < 512; ++S)
    Deny(S, ENOSYS);
  // Threads are allowed (clone with CLONE_THREAD); new processes are not.
  seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                   SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  // glibc tries clone3 first and falls back to clone on ENOSYS, whose flags
  // the filter can see.
  Deny(SCMP_SYS(clone3), ENOSYS);
  // Signals only to itself: never to the parent or anyone else. Anything
  // but its own pid is refused, so kill(0) (its group), kill(-1) (every
  // process it may signal) and kill(-group) are refused too.
  for (int S : {SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(rt_sigqueueinfo),
                SCMP_SYS(rt_tgsigqueueinfo)})
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), S, 1,
                     SCMP_A0(SCMP_CMP_NE, uint64_t(Self)));
  // Calls that act on any process of the same user, allowed on itself
  // (pid 0) only: resource limits, scheduling, memory placement.
  for (int S : {SCMP_SYS(prlimit64), SCMP_SYS(sched_setaffinity),
                SCMP_SYS(sched_setscheduler), SCMP_SYS(sched_setparam),
                SCMP_SYS(sched_setattr), SCMP_SYS(migrate_pages),
                SCMP_SYS(move_pages), SCMP_SYS(get_robust_list)})
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), S, 1, SCMP_A0(SCMP_CMP_NE, 0));
  // Signals by proxy: a descriptor whose owner is another process gets
  // SIGIO (or any signal F_SETSIG picks) sent to it. And pipe buffers
  // grown past their default hold memory RLIMIT_AS does not count.
  for (int Cmd : {F_SETOWN, F_SETOWN_EX, F_SETSIG, F_SETPIPE_SZ})
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
                     SCMP_A1(SCMP_CMP_EQ, uint64_t(Cmd)));
  seccomp_rule_add(
      Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 2,
      SCMP_A1(SCMP_CMP_EQ, uint64_t(F_SETFL)),
      SCMP_A2(SCMP_CMP_MASKED_EQ, uint64_t(O_ASYNC), uint64_t(O_ASYNC)));
  for (unsigned long Request : {FIOSETOWN, SIOCSPGRP, FIOASYNC})
    seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                     SCMP_A1(SCMP_CMP_EQ, uint64_t(Request)));
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
                  SCMP_SYS(symlinkat), SCMP_SYS(truncate)})
      Deny(S, EACCES);
  }
  return Ctx;
}

using FilterProgram = std::vector<struct sock_filter>;

/// The filter as a BPF program, or empty if libseccomp cannot export it.
FilterProgram exportFilter(bool DenyFileWrites) {
  FilterProgram Program;
  scmp_filter_ctx Ctx = makeSeccompFilter(DenyFileWrites, SelfPlaceholder);
  int Fd = memfd_create("adrs-seccomp", MFD_CLOEXEC);
  if (Ctx && Fd >= 0 && seccomp_export_bpf(Ctx, Fd) == 0) {
    off_t Size = lseek(Fd, 0, SEEK_END);
    Program.resize(size_t(std::max<off_t>(Size, 0)) /
                   sizeof(struct sock_filter));
    if (Size <= 0 || pread(Fd, Program.data(), size_t(Size), 0) != Size)
      Program.clear();
  }
  if (Fd >= 0)
    ::close(Fd);
  if (Ctx)
    seccomp_release(Ctx);
  return Program;
}

/// The filter, built once per process and copied into each child: building
/// it takes a millisecond or more, loading it microseconds.
const FilterProgram *preparedFilter(bool DenyFileWrites) {
  static const FilterProgram Prepared[2] = {exportFilter(false),
                                            exportFilter(true)};
  const FilterProgram &P = Prepared[DenyFileWrites];
  return P.empty() ? nullptr : &P;
}

/// Installs the filter in the child: the prepared program with its own pid
/// put in, or, should there be none, one built here.
bool applySeccomp(bool DenyFileWrites, const FilterProgram *Prepared) {
  uint32_t Self = uint32_t(getpid());
  if (Prepared) {
    FilterProgram Program = *Prepared;
    unsigned Patched = 0;
    for (struct sock_filter &I : Program)
      if (BPF_CLASS(I.code) == BPF_JMP && BPF_SRC(I.code) == BPF_K &&
          I.k == SelfPlaceholder) {
        I.k = Self;
        ++Patched;
      }
    struct sock_fprog Prog = {static_cast<unsigned short>(Program.size()),
                              Program.data()};
    if (Patched > 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &Prog) == 0)
      return true;
  }
  scmp_filter_ctx Ctx = makeSeccompFilter(DenyFileWrites, Self);
  if (!Ctx)
    return false;
  bool OK = seccomp_load(Ctx) == 0;
  seccomp_release(Ctx);
  return OK;
}

/// The thread's id as the system (the /proc mount) sees it, not as a PID
/// namespace the caller may be the first process of: unique among the
/// threads alive, whichever zygote they are in.
pid_t hostThreadId() {
  char Link[64];
  ssize_t N = readlink("/proc/thread-self", Link, sizeof(Link) - 1);
  if (N > 0) {
    Link[N] = '\0';
    if (const char *Slash = std::strrchr(Link, '/'))
      return pid_t(std::atol(Slash + 1));
  }
  return pid_t(syscall(SYS_gettid));
}

/// Capabilities the child can never get back, even through an exec: the
/// bounding and ambient sets emptied, root's special treatment at exec off.
/// Needs CAP_SETPCAP, so it comes before the change of user; without it
/// (not root) the calls fail and there is nothing to drop anyway.
void lockCapabilities() {
  prctl(PR_SET_SECUREBITS,
        SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
            SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED | SECBIT_KEEP_CAPS_LOCKED,
        0, 0, 0);
  for (int Cap = 0; prctl(PR_CAPBSET_READ, Cap, 0, 0, 0) >= 0; ++Cap)
    prctl(PR_CAPBSET_DROP, Cap, 0, 0, 0);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/// Empties the effective, permitted and inheritable sets; true if the
/// child holds no capability afterwards.
bool dropCapabilities() {
  struct __user_cap_header_struct Header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct Data[_LINUX_CAPABILITY_U32S_3] = {};
  syscall(SYS_capset, &Header, Data);
  if (syscall(SYS_capget, &Header, Data) != 0)
    return false;
  for (const auto &D : Data)
    if (D.effective || D.permitted || D.inheritable)
      return false;
  for (int Cap = 0;; ++Cap) {
    int Ambient = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, Cap, 0, 0);
    if (Ambient < 0)
      break;
    if (Ambient > 0)
      return false;
  }
  return true;
}

/// Root without capabilities still owns every file root owns (it could
/// read /etc/shadow, in the /etc that Landlock leaves readable, or a key
/// under /root where reads are not confined) and every process root runs. So a
/// child started as root becomes \p Id, a user that owns nothing but its
/// scratch directory -- if everything it was given to read stays readable as
/// that user. Reads must be confined (Landlock): then those paths are all it
/// needs; where they are not, the child may legitimately need anything and
/// stays root, without capabilities. Needs CAP_SETUID and CAP_SETGID: before
/// they are dropped.
bool becomeUnprivileged(const SandboxLimits &L, uid_t Id) {
  if (geteuid() != 0 || !L.ConfineReads)
    return false;
  // Try the paths as the new user first, keeping the way back (the saved
  // user id stays root).
  if (setgroups(0, nullptr) != 0 || setegid(gid_t(Id)) != 0)
    return false;
  if (seteuid(Id) != 0) {
    setegid(0);
    return false;
  }
  bool Readable = true;
  for (const std::string &P : L.ReadablePaths)
    if (faccessat(AT_FDCWD, P.c_str(), R_OK, AT_EACCESS) != 0 &&
        errno != ENOENT)
      Readable = false;
  if (seteuid(0) != 0 || setegid(0) != 0)
    _exit(126); // half-changed credentials: run nothing
  if (!Readable)
    return false;
  if (!L.ScratchDir.empty() && chown(L.ScratchDir.c_str(), Id, gid_t(Id)) != 0)
    return false;
  if (setresgid(gid_t(Id), gid_t(Id), gid_t(Id)) != 0 ||
      setresuid(Id, Id, Id) != 0)
    _exit(126);
  return true;
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

/// What the parent prepared for the child before the fork.
struct ChildSetup {
  pid_t Parent = 0;
  uid_t Id = 0;         ///< The user to become if started as root.
  int CgroupProcs = -1; ///< The memory cgroup to join, or -1.
  /// The seccomp filter built for a child whose Landlock rules hold (or,
  /// without Landlock, for one that must deny file writes itself).
  const std::vector<struct sock_filter> *Filter = nullptr;
  bool ExpectLandlock = false;
};

/// Asks for SIGKILL when the parent dies, and leaves at once if it is gone
/// already (the request would then never fire): when \p CurrentParent, read
/// as \p Parent was before the fork, names another process. A negative
/// value on either side means it could not be read; nothing is checked.
bool dieWithParent(pid_t Parent, pid_t (*CurrentParent)() = getppid) {
  bool OK = prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0;
  if (Parent < 0)
    return OK;
  pid_t Now = CurrentParent();
  if (Now >= 0 && Now != Parent)
    _exit(OrphanExit);
  return OK;
}

[[noreturn]] void runChild(const SandboxLimits &L, function_ref<int(int)> Body,
                           const ChildSetup &Setup, int ResultFd, int OutFd,
                           int ErrFd, int ProtectionFd) {
  // Nothing outlives the process that forked it.
  bool DiesWithParent = dieWithParent(Setup.Parent);
  setpgid(0, 0);
  // The parent's crash handlers (LLVM symbolises stacks) must not run here:
  // a crash is the result, reported by the signal itself.
  for (int Sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
                  SIGPIPE, SIGXCPU, SIGXFSZ, SIGTERM, SIGINT, SIGHUP})
    std::signal(Sig, SIG_DFL);
  sigset_t All;
  sigemptyset(&All);
  sigprocmask(SIG_SETMASK, &All, nullptr);
  // Every page it adds counted from here on, where a cgroup can be had.
  bool InCgroup = joinMemoryCgroup(Setup.CgroupProcs);
  // SysV objects and message queues, should any call make one, vanish with
  // the child instead of carrying state to the next. Needs CAP_SYS_ADMIN.
  bool OwnIpc = unshare(CLONE_NEWIPC) == 0;

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
  // Descriptors already open (the channel's high number) stay valid.
  R.rlim_cur = R.rlim_max = MaxDescriptors;
  setrlimit(RLIMIT_NOFILE, &R);

  lockCapabilities();
  bool Unprivileged = becomeUnprivileged(L, Setup.Id);
  if (Unprivileged) {
    // Counted per user, and the user is its own: this bounds its threads
    // (root is exempt from the limit).
    R.rlim_cur = R.rlim_max = MaxThreads;
    setrlimit(RLIMIT_NPROC, &R);
    // A change of user clears the parent-death signal.
    DiesWithParent = dieWithParent(Setup.Parent);
  }
  bool NoCapabilities = dropCapabilities();

  std::string Protections;
  bool Landlocked = applyLandlock(L, /*StillRoot=*/geteuid() == 0);
  if (Landlocked)
    Protections += L.ConfineReads ? "landlock-read-write," : "landlock-write,";
  if (L.Seccomp &&
      applySeccomp(/*DenyFileWrites=*/!Landlocked,
                   Landlocked == Setup.ExpectLandlock ? Setup.Filter : nullptr))
    Protections += Landlocked ? "seccomp," : "seccomp-no-file-writes,";
  Protections += "rlimits,empty-environment";
  if (DiesWithParent)
    Protections += ",parent-death-signal";
  if (NoCapabilities)
    Protections += ",no-capabilities";
  if (Unprivileged)
    Protections += ",unprivileged-user";
  if (hostIsNamespaceInit(Setup.Parent))
    Protections += ",pid-namespace";
  if (OwnIpc)
    Protections += ",ipc-namespace";
  Protections += InCgroup ? ",memory-cgroup" : ",memory-address-space";
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

bool startStep(int ResultFd) { return writeFrame(ResultFd, StepTag, ""); }

bool sendPrepared(int ResultFd, StringRef Bytes) {
  return writeFrame(ResultFd, PreparedTag, Bytes);
}

bool canConfineFiles() { return landlockABI() >= 1; }

/// This process's pid and its parent's as /proc names them, or -1s. In a
/// PID namespace of its own, getppid() says 0 whoever the parent is, and
/// getpid() 1; /proc, mounted for the namespace the process was forked
/// from, still tells parents apart.
std::pair<pid_t, pid_t> procIds() {
  int Fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return {-1, -1};
  char Buffer[512];
  ssize_t N = ::read(Fd, Buffer, sizeof(Buffer) - 1);
  ::close(Fd);
  if (N <= 0)
    return {-1, -1};
  Buffer[N] = 0;
  // "pid (comm) state ppid ...", where comm may hold anything, ')' too.
  const char *Close = std::strrchr(Buffer, ')');
  int Pid = 0, Parent = 0;
  char State = 0;
  if (!Close || std::sscanf(Buffer, "%d", &Pid) != 1 ||
      std::sscanf(Close + 1, " %c %d", &State, &Parent) != 2)
    return {-1, -1};
  return {Pid, Parent};
}

pid_t forkSandboxHost() {
  // Taken before the fork, for the child to check that its parent is still
  // there once it has asked to die with it.
  const pid_t Self = procIds().first;
  // unshare(CLONE_NEWPID) moves only where this thread's next child goes;
  // setns moves it back, so that nothing else this process forks lands in
  // the host's namespace. Both need CAP_SYS_ADMIN: without it, a plain fork.
  int Own = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  bool NewNamespace = Own >= 0 && unshare(CLONE_NEWPID) == 0;
  pid_t Pid = fork();
  if (Pid == 0) {
    if (Own >= 0)
      ::close(Own);
    // Dies with the process that forked it, from here on (the setting
    // stays through exec). A zygote whose starter was killed as it started
    // (a SLURM step cancelled at once) went on alone: it built its engine
    // and waited on the step's input for a minute, holding the step's
    // output open, so that SLURM could not end the step. Asked here, not in
    // the zygote's main, the window is a few instructions; and a parent
    // already gone by then is seen in /proc.
    dieWithParent(Self, [] { return procIds().second; });
    return 0;
  }
  int Saved = errno;
  // Entering the namespace it is already in cannot fail for a caller that
  // could make a new one.
  if (NewNamespace)
    setns(Own, CLONE_NEWPID);
  if (Own >= 0)
    ::close(Own);
  errno = Saved;
  return Pid;
}

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
  ChildSetup Setup;
  Setup.Parent = getpid();
  pid_t Host = hostThreadId();
  Setup.Id = SandboxIdBase + uid_t(Host);
  std::optional<MemoryCgroup> Group =
      memoryCgroupParent().empty()
          ? std::nullopt
          : MemoryCgroup::create(memoryCgroupParent(),
                                 "adrs-sandbox-" + std::to_string(Host),
                                 Limits.MemoryBytes);
  if (Group)
    Setup.CgroupProcs = Group->procsDescriptor();
  Setup.ExpectLandlock = canConfineFiles();
  if (Limits.Seccomp)
    Setup.Filter = preparedFilter(/*DenyFileWrites=*/!Setup.ExpectLandlock);
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
    runChild(Limits, Body, Setup, ResultPipe[1], OutPipe[1], ErrPipe[1],
             ProtPipe[1]);
  }
  if (Group)
    Group->closeProcsDescriptor();
  // The child may be killed before it calls setpgid; doing it here too
  // closes that race.
  setpgid(Pid, Pid);
  ::close(ResultPipe[1]);
  ::close(OutPipe[1]);
  ::close(ErrPipe[1]);
  ::close(ProtPipe[1]);
  // Readable when the child has exited: a child that closes its pipes and
  // sleeps must not hold the parent past the deadline. Old kernels without
  // pidfds get a look every few milliseconds once the pipes are closed.
  int PidFd = int(syscall(SYS_pidfd_open, Pid, 0));

  std::string Payload, Protections;
  uint64_t OutSeen = 0, ErrSeen = 0;
  // Output past this is read and dropped; far past it, the child is stopped
  // so that a print loop cannot hold the run until the timeout.
  uint64_t Flood = std::max<uint64_t>(Limits.OutputBytes, 1 << 20) * 64;
  bool TimedOut = false, StepTimedOut = false, Flooded = false,
       TooLarge = false;
  using Clock = std::chrono::steady_clock;
  auto Micros = [](double Seconds) {
    return std::chrono::microseconds(int64_t(Seconds * 1e6));
  };
  // Until the child says its timed part starts (startTiming), it has the
  // setup allowance too: compiling and linking a candidate is not its run.
  Clock::time_point Deadline =
      Start + Micros(Limits.SetupSeconds + Limits.WallSeconds);
  Clock::time_point StepDeadline = Clock::time_point::max();
  bool Started = false;
  // Frames are read as they arrive, for the timing and step marks; the
  // first one that does not carry the token ends the reading (the result
  // is then invalid anyway).
  constexpr size_t Head = 8 + sizeof(ChildToken);
  size_t Scanned = 0;
  bool Garbled = false;
  struct pollfd Fds[5] = {{ResultPipe[0], POLLIN, 0},
                          {OutPipe[0], POLLIN, 0},
                          {ErrPipe[0], POLLIN, 0},
                          {ProtPipe[0], POLLIN, 0},
                          {PidFd, POLLIN, 0}};
  int Open = 4;
  bool Exited = false, Reaped = false;
  int Status = 0;
  struct rusage Usage = {};
  char Buffer[65536];
  while (Open > 0 || !Exited) {
    auto Now = Clock::now();
    if (Now >= std::min(Deadline, StepDeadline)) {
      TimedOut = true;
      StepTimedOut = StepDeadline < Deadline;
      break;
    }
    int WaitMs = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::min(Deadline, StepDeadline) - Now)
                         .count()) +
                 1;
    if (Open == 0 && PidFd < 0) {
      if (wait4(Pid, &Status, WNOHANG, &Usage) == Pid) {
        Reaped = true;
        break;
      }
      poll(nullptr, 0, std::min(WaitMs, 5));
      continue;
    }
    int N = poll(Fds, 5, WaitMs);
    if (N < 0 && errno == EINTR)
      continue;
    if (N < 0)
      break;
    if (Fds[4].fd >= 0 && (Fds[4].revents & (POLLIN | POLLHUP | POLLERR))) {
      Exited = true;
      Fds[4].fd = -1;
    }
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
        while (!Garbled && Payload.size() - Scanned >= Head) {
          StringRef F = StringRef(Payload).drop_front(Scanned);
          if (F.substr(8, sizeof(ChildToken)) != Token) {
            Garbled = true;
            break;
          }
          uint32_t Size = 0;
          for (int B = 0; B < 4; ++B)
            Size |= uint32_t(uint8_t(F[4 + B])) << (8 * B);
          if (F.size() - Head < Size)
            break;
          StringRef Tag = F.take_front(4);
          if (Tag == StartTag && !Started) {
            Started = true;
            Deadline = Clock::now() + Micros(Limits.WallSeconds);
          } else if (Tag == StepTag && Limits.StepSeconds > 0) {
            StepDeadline = Clock::now() + Micros(Limits.StepSeconds);
          }
          Scanned += Head + Size;
        }
      } else if (I == 3) {
        if (Protections.size() < 4096)
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
  if (TimedOut || Flooded || TooLarge) {
    // By pid as well as by group: the group only holds it if it stayed.
    kill(Pid, SIGKILL);
    kill(-Pid, SIGKILL);
  }
  for (int I = 0; I < 4; ++I)
    if (Fds[I].fd >= 0)
      ::close(Fds[I].fd);
  if (PidFd >= 0)
    ::close(PidFd);

  // The child has exited or been sent SIGKILL: this wait is short.
  if (!Reaped)
    while (wait4(Pid, &Status, 0, &Usage) < 0 && errno == EINTR) {
    }
  // Threads or stragglers of the group go with it.
  kill(-Pid, SIGKILL);
  // As the first process of a PID namespace, this process inherits every
  // orphan in it; none should exist (children cannot fork), but none may
  // stay a zombie either.
  if (hostIsNamespaceInit(Setup.Parent))
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  Result.WallMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - Start)
                      .count();
  Result.CpuMs = Usage.ru_utime.tv_sec * 1e3 + Usage.ru_utime.tv_usec / 1e3 +
                 Usage.ru_stime.tv_sec * 1e3 + Usage.ru_stime.tv_usec / 1e3;
  Result.PeakRSSBytes = uint64_t(Usage.ru_maxrss) * 1024;
  SmallVector<StringRef, 16> Parts;
  StringRef(Protections).split(Parts, ',', -1, false);
  for (StringRef P : Parts)
    Result.Protections.push_back(P.str());
  bool KilledForMemory = Group && Group->outOfMemory();

  std::vector<Frame> Frames;
  bool Framed = parseFrames(Payload, Token, Frames);
  std::string LastWords;
  bool SaidOutOfMemory = false, HasResult = false, TimingStarted = false,
       HasPrepared = false;
  for (const Frame &F : Frames) {
    if (F.Tag == StartTag)
      TimingStarted = true;
    else if (F.Tag == PreparedTag && !TimingStarted && !HasPrepared) {
      HasPrepared = true;
      Result.Prepared = F.Bytes;
    } else if (F.Tag == OutOfMemoryTag)
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
    std::snprintf(Text, sizeof(Text), "%gs",
                  StepTimedOut ? Limits.StepSeconds : Limits.WallSeconds);
    Result.Status = SandboxStatus::Timeout;
    Result.Reason =
        std::string(StepTimedOut ? "ran a step longer than the "
                                   "limit of "
                                 : "ran longer than the limit of ") +
        Text + " and was killed";
    return Result;
  }
  if (Flooded) {
    Result.Status = SandboxStatus::AbnormalExit;
    Result.Reason = "printed more than " + std::to_string(Flood >> 20) +
                    " MB and was stopped";
    // What it printed says who did: the program, or a library's message
    // about the process itself (a damaged heap) that no program wrote.
    for (const std::string *Out : {&Result.Stderr, &Result.Stdout}) {
      StringRef First = StringRef(*Out).ltrim().split('\n').first.rtrim();
      if (First.empty())
        continue;
      std::string Quoted;
      for (char C : First.take_front(120))
        Quoted += isPrint(C) ? C : '?';
      Result.Reason += std::string(" (its ") +
                       (Out == &Result.Stderr ? "stderr" : "stdout") +
                       " began: '" + Quoted + "')";
      break;
    }
    return Result;
  }
  if (TooLarge) {
    Result.Status = SandboxStatus::InvalidOutput;
    Result.Reason =
        "sent a result larger than " + std::to_string(MaxPayload >> 20) + " MB";
    return Result;
  }
  auto OutOfMemory = [&] {
    Result.Status = SandboxStatus::OutOfMemory;
    char Limit[64];
    std::snprintf(Limit, sizeof(Limit), "%.0f MB", Limits.MemoryBytes / 1e6);
    Result.Reason = std::string("ran out of memory (limit ") + Limit + ")";
    return Result;
  };
  if (WIFSIGNALED(Status)) {
    Result.Signal = WTERMSIG(Status);
    // The cgroup's limit is enforced by the kernel's SIGKILL.
    if (KilledForMemory)
      return OutOfMemory();
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
  if (SaidOutOfMemory || Result.ExitCode == OutOfMemoryExit)
    return OutOfMemory();
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
