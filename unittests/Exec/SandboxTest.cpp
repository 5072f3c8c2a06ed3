//===- SandboxTest.cpp - Hostile children ---------------------------------===//
//
// Every way a candidate can misbehave, run for real in a sandboxed child; the
// test process is the parent and must come out of each one unharmed.
//
//===----------------------------------------------------------------------===//

#include "adrs/Exec/Sandbox.h"
#include "adrs/Exec/MemoryCgroup.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <mqueue.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace adrs::exec;

namespace {

SandboxLimits quick() {
  SandboxLimits L;
  L.WallSeconds = 2;
  L.MemoryBytes = 256ull << 20;
  L.OutputBytes = 64 << 10;
  return L;
}

int report(int Fd, const std::string &S) { return sendResult(Fd, S) ? 0 : 1; }

TEST(SandboxTest, ReportsAResult) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    std::printf("hello from the child\n");
    return report(Fd, "42");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Payload, "42");
  EXPECT_EQ(R.Stdout, "hello from the child\n");
  EXPECT_FALSE(R.Protections.empty());
}

TEST(SandboxTest, Segfault) {
  SandboxResult R = runSandboxed(quick(), [](int) {
    *static_cast<volatile int *>(nullptr) = 1;
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Crashed);
  EXPECT_EQ(R.Signal, SIGSEGV);
  EXPECT_NE(R.Reason.find("SIGSEGV"), std::string::npos) << R.Reason;
}

TEST(SandboxTest, Abort) {
  SandboxResult R = runSandboxed(quick(), [](int) {
    std::abort();
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Crashed);
  EXPECT_EQ(R.Signal, SIGABRT);
}

TEST(SandboxTest, ExitZeroBeforeReporting) {
  SandboxResult R = runSandboxed(quick(), [](int) {
    std::exit(0);
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::AbnormalExit);
  EXPECT_NE(R.Reason.find("before reporting"), std::string::npos) << R.Reason;
}

TEST(SandboxTest, UnderscoreExit) {
  SandboxResult R = runSandboxed(quick(), [](int) {
    _exit(3);
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::AbnormalExit);
  EXPECT_EQ(R.ExitCode, 3);
}

TEST(SandboxTest, InfiniteLoopIsKilledAtTheWallClockLimit) {
  SandboxLimits L = quick();
  L.WallSeconds = 0.3;
  SandboxResult R = runSandboxed(L, [](int) {
    for (volatile unsigned long I = 0;; ++I) {
    }
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Timeout);
  EXPECT_LT(R.WallMs, 2000);
}

TEST(SandboxTest, SleepingForeverIsKilledToo) {
  SandboxLimits L = quick();
  L.WallSeconds = 0.3;
  SandboxResult R = runSandboxed(L, [](int) {
    pause();
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Timeout);
}

int recurse(int N) {
  volatile char Pad[1024];
  Pad[0] = char(N);
  return recurse(N + 1) + Pad[0];
}

TEST(SandboxTest, InfiniteRecursion) {
  SandboxResult R = runSandboxed(quick(), [](int) { return recurse(0); });
  EXPECT_EQ(R.Status, SandboxStatus::Crashed);
  EXPECT_EQ(R.Signal, SIGSEGV);
}

TEST(SandboxTest, Allocating64GB) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    char *P = new char[64ull << 30];
    P[0] = 1;
    return report(Fd, "allocated");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OutOfMemory) << R.Reason;
}

TEST(SandboxTest, GrowingUntilTheLimit) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    std::vector<std::vector<char>> Hoard;
    for (;;)
      Hoard.emplace_back(16 << 20, 'x');
    return report(Fd, "never");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OutOfMemory) << R.Reason;
}

TEST(SandboxTest, ForkBombGetsNoProcesses) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    int Forked = 0;
    for (int I = 0; I < 100; ++I)
      if (fork() >= 0)
        ++Forked;
    return report(Fd, std::to_string(Forked));
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Payload, "0");
}

TEST(SandboxTest, SystemRunsNothing) {
  std::string Marker = "/tmp/adrs-sandbox-system-" + std::to_string(getpid());
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    int Code = std::system(("touch " + Marker).c_str());
    return report(Fd, std::to_string(Code));
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_NE(R.Payload, "0");
  EXPECT_FALSE(llvm::sys::fs::exists(Marker));
}

TEST(SandboxTest, WritingAFileOutsideTheScratchDirectoryFails) {
  std::string Path = "/tmp/adrs-sandbox-write-" + std::to_string(getpid());
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    FILE *F = std::fopen(Path.c_str(), "w");
    return report(Fd, F ? "opened" : std::strerror(errno));
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_NE(R.Payload, "opened");
  EXPECT_FALSE(llvm::sys::fs::exists(Path));
}

TEST(SandboxTest, TheScratchDirectoryIsWritableWhereTheKernelCanConfine) {
  if (!canConfineFiles())
    GTEST_SKIP() << "no Landlock: the sandbox denies all file writes";
  llvm::SmallString<128> Scratch;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-scratch", Scratch));
  SandboxLimits L = quick();
  L.ScratchDir = std::string(Scratch);
  SandboxResult R = runSandboxed(L, [](int Fd) {
    FILE *F = std::fopen("notes.txt", "w");
    bool OK = F && std::fputs("x", F) >= 0 && std::fclose(F) == 0;
    return report(Fd, OK ? "written" : std::strerror(errno));
  });
  EXPECT_EQ(R.Payload, "written");
  llvm::SmallString<128> Notes(Scratch);
  llvm::sys::path::append(Notes, "notes.txt");
  EXPECT_TRUE(llvm::sys::fs::exists(Notes));
  llvm::sys::fs::remove_directories(Scratch);
}

TEST(SandboxTest, AWritableFileOutsideTheScratchDirectoryIsWritable) {
  if (!canConfineFiles())
    GTEST_SKIP() << "no Landlock: the sandbox denies all file writes";
  // A GPU's device files are what this is for; any file will do to show
  // that the listed one opens for writing and its neighbour does not.
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-writable", Dir));
  std::string Listed = std::string(Dir) + "/device";
  std::string Neighbour = std::string(Dir) + "/other";
  // Open to everyone, as a GPU's device files are: the child may run as a
  // user of its own, and Landlock is then all that stands in its way.
  ASSERT_EQ(chmod(Dir.c_str(), 0755), 0);
  for (const std::string &P : {Listed, Neighbour}) {
    std::FILE *F = std::fopen(P.c_str(), "w");
    ASSERT_TRUE(F);
    std::fclose(F);
    ASSERT_EQ(chmod(P.c_str(), 0666), 0);
  }
  SandboxLimits L = quick();
  L.Seccomp = false;
  L.WritableFiles = {Listed, std::string(Dir) + "/missing"};
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    std::FILE *Yes = std::fopen(Listed.c_str(), "r+");
    std::FILE *No = std::fopen(Neighbour.c_str(), "r+");
    return report(Fd, std::string(Yes ? "listed:yes" : "listed:no") +
                          (No ? " other:yes" : " other:no"));
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Payload, "listed:yes other:no");
  llvm::sys::fs::remove_directories(Dir);
}

TEST(SandboxTest, NoNetwork) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    int S = socket(AF_INET, SOCK_STREAM, 0);
    return report(Fd, S < 0 ? "refused" : "socket");
  });
  EXPECT_EQ(R.Payload, "refused");
}

TEST(SandboxTest, ReadingAFileItShouldNotSee) {
  if (!canConfineFiles())
    GTEST_SKIP() << "no Landlock: reads cannot be confined by path";
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-workloads", Dir));
  std::string Train = std::string(Dir) + "/train.tsv";
  std::string Test = std::string(Dir) + "/test.tsv";
  for (const std::string &P : {Train, Test}) {
    FILE *F = std::fopen(P.c_str(), "w");
    std::fputs("data\n", F);
    std::fclose(F);
  }
  SandboxLimits L = quick();
  L.ConfineReads = true;
  L.ReadablePaths = {Train};
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    bool CanTrain = std::fopen(Train.c_str(), "r") != nullptr;
    bool CanTest = std::fopen(Test.c_str(), "r") != nullptr;
    return report(Fd, std::string(CanTrain ? "train" : "-") +
                          (CanTest ? "test" : "-"));
  });
  EXPECT_EQ(R.Payload, "train-");
  llvm::sys::fs::remove_directories(Dir);
}

TEST(SandboxTest, PrintingAGigabyteIsStopped) {
  SandboxLimits L = quick();
  L.WallSeconds = 20;
  SandboxResult R = runSandboxed(L, [](int Fd) {
    static char Line[1 << 16];
    std::memset(Line, 'y', sizeof(Line));
    for (int I = 0; I < (1 << 14); ++I)
      fwrite(Line, 1, sizeof(Line), stdout);
    return report(Fd, "done");
  });
  EXPECT_EQ(R.Status, SandboxStatus::AbnormalExit) << R.Reason;
  EXPECT_TRUE(R.OutputTruncated);
  EXPECT_LE(R.Stdout.size(), L.OutputBytes);
}

TEST(SandboxTest, UncaughtExceptionSaysWhat) {
  SandboxResult R = runSandboxed(quick(), [](int) -> int {
    throw std::runtime_error("boom in the policy");
  });
  EXPECT_EQ(R.Status, SandboxStatus::Crashed);
  EXPECT_NE(R.Reason.find("uncaught exception: boom in the policy"),
            std::string::npos)
      << R.Reason;
}

TEST(SandboxTest, ThreadsThatNeverEndDoNotHoldTheResult) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    for (int I = 0; I < 4; ++I)
      std::thread([] {
        for (volatile unsigned long J = 0;; ++J) {
        }
      }).detach();
    return report(Fd, "reported");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Payload, "reported");
  EXPECT_LT(R.WallMs, 1500);
}

TEST(SandboxTest, CannotSignalItsParent) {
  pid_t Parent = getpid();
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    int Rc = kill(Parent, SIGKILL);
    return report(Fd, Rc == 0 ? "killed" : "refused");
  });
  EXPECT_EQ(R.Payload, "refused");
}

TEST(SandboxTest, EnvironmentIsEmpty) {
  setenv("ADRS_TEST_SECRET", "sk-not-for-candidates", 1);
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    const char *V = std::getenv("ADRS_TEST_SECRET");
    return report(Fd, V ? V : "none");
  });
  EXPECT_EQ(R.Payload, "none");
}

TEST(SandboxTest, GarbageOnTheResultChannel) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    (void)::write(Fd, "xyz", 3);
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::InvalidOutput) << R.Reason;
}

TEST(SandboxTest, AForgedResultIsNotBelieved) {
  SandboxResult R = runSandboxed(quick(), [](int) {
    // A well-formed frame, written by code that does not know the secret,
    // to every descriptor it can find.
    std::string Forged = std::string("RSLT") + char(2) + '\0' + '\0' + '\0' +
                         std::string(16, 'x') + "99";
    for (int Fd = 3; Fd < 4096; ++Fd)
      (void)::write(Fd, Forged.data(), Forged.size());
    _exit(0);
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::InvalidOutput) << R.Reason;
  EXPECT_NE(R.Payload, "99");
}

TEST(SandboxTest, SetupTimeIsNotRunTime) {
  SandboxLimits L = quick();
  L.WallSeconds = 0.3;
  L.SetupSeconds = 2;
  SandboxResult R = runSandboxed(L, [](int Fd) {
    usleep(600000); // "compiling"
    startTiming(Fd);
    return report(Fd, "fast run");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  R = runSandboxed(L, [](int Fd) {
    startTiming(Fd);
    usleep(600000); // a slow run
    return report(Fd, "slow run");
  });
  EXPECT_EQ(R.Status, SandboxStatus::Timeout);
}

// What a child prepares before its timed part is kept for the parent;
// what arrives after it, when the code under evaluation may have written
// it, is not.
TEST(SandboxTest, OnlyWhatIsPreparedBeforeTheTimedPartIsKept) {
  SandboxResult R = runSandboxed(quick(), [](int Fd) {
    sendPrepared(Fd, "compiled");
    startTiming(Fd);
    return report(Fd, "ran");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Prepared, "compiled");
  EXPECT_EQ(R.Payload, "ran");
  R = runSandboxed(quick(), [](int Fd) {
    startTiming(Fd);
    sendPrepared(Fd, "written by the candidate");
    return report(Fd, "ran");
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Prepared, "");
  R = runSandboxed(quick(), [](int Fd) {
    sendPrepared(Fd, "first");
    sendPrepared(Fd, "second");
    startTiming(Fd);
    return report(Fd, "ran");
  });
  EXPECT_EQ(R.Prepared, "first");
}

TEST(SandboxTest, ManyChildrenInARowLeaveNothingBehind) {
  for (int I = 0; I < 200; ++I) {
    SandboxResult R = runSandboxed(
        quick(), [&](int Fd) { return report(Fd, std::to_string(I)); });
    ASSERT_EQ(R.Payload, std::to_string(I));
  }
  // All pipes closed: the next descriptor is a low number again.
  int Fd = ::open("/dev/null", O_RDONLY);
  EXPECT_LT(Fd, 16);
  ::close(Fd);
}

bool hasProtection(const SandboxResult &R, const std::string &Name) {
  return std::find(R.Protections.begin(), R.Protections.end(), Name) !=
         R.Protections.end();
}

/// One line per attempt: the call's name and whether the filter refused it
/// (EPERM) or something else happened.
struct Attempts {
  std::string Out;
  void operator()(const char *What, long Rc) {
    int E = errno;
    Out += What;
    if (Rc == -1 && E == EPERM)
      Out += " refused\n";
    else
      Out +=
          " ALLOWED (" + std::to_string(Rc) + ", " + std::strerror(E) + ")\n";
  }
};

std::string refusedAll(std::initializer_list<const char *> Names) {
  std::string S;
  for (const char *N : Names)
    S += std::string(N) + " refused\n";
  return S;
}

TEST(SandboxTest, CannotSignalAnyoneElseInAnyWay) {
  pid_t Parent = getpid();
  pid_t Group = getpgrp();
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    // Signal 0 only asks whether the signal would be delivered: a hole in
    // the filter shows without harming the test process.
    siginfo_t Info{};
    Info.si_code = SI_QUEUE; // what sigqueue sends; the kernel allows it
    Info.si_pid = getpid();
    Info.si_uid = getuid();
    Attempts Try;
    Try("kill parent", kill(Parent, 0));
    Try("kill 0", kill(0, 0));
    Try("kill -1", kill(-1, 0));
    Try("kill group", kill(-Group, 0));
    Try("tgkill", syscall(SYS_tgkill, Parent, Parent, 0));
    Try("tkill", syscall(SYS_tkill, Parent, 0));
    Try("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, Parent, 0, &Info));
    Try("rt_tgsigqueueinfo",
        syscall(SYS_rt_tgsigqueueinfo, Parent, Parent, 0, &Info));
    Try("sigqueue", sigqueue(Parent, 0, sigval{}));
    Try("pidfd_open", syscall(SYS_pidfd_open, Parent, 0));
    // Without the filter, descriptor 0 (not a pidfd) would give EBADF.
    Try("pidfd_send_signal", syscall(SYS_pidfd_send_signal, 0, 0, nullptr, 0));
    Try("pidfd_getfd", syscall(SYS_pidfd_getfd, 0, 0, 0));
    Try("process_madvise", syscall(SYS_process_madvise, 0, nullptr, 0, 0, 0));
    std::string Out = Try.Out;
    // Itself it may still signal (raise, abort, its own threads).
    pid_t Self = getpid();
    Info.si_pid = Self;
    bool SelfOK = kill(Self, 0) == 0 &&
                  syscall(SYS_tgkill, Self, Self, 0) == 0 &&
                  syscall(SYS_rt_sigqueueinfo, Self, 0, &Info) == 0 &&
                  syscall(SYS_rt_tgsigqueueinfo, Self, Self, 0, &Info) == 0;
    Out += SelfOK ? "self ok" : "self refused";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(
      R.Payload,
      refusedAll({"kill parent", "kill 0", "kill -1", "kill group", "tgkill",
                  "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigqueue",
                  "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
                  "process_madvise"}) +
          "self ok");
}

TEST(SandboxTest, NoSignalsByProxy) {
  pid_t Parent = getpid();
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    // A descriptor owned by another process sends it SIGIO, or whatever
    // F_SETSIG picks, when it becomes ready.
    Attempts Try;
    Try("F_SETOWN", fcntl(STDOUT_FILENO, F_SETOWN, Parent));
    f_owner_ex Owner{F_OWNER_PID, Parent};
    Try("F_SETOWN_EX", fcntl(STDOUT_FILENO, F_SETOWN_EX, &Owner));
    Try("F_SETSIG", fcntl(STDOUT_FILENO, F_SETSIG, SIGSTOP));
    Try("O_ASYNC", fcntl(STDOUT_FILENO, F_SETFL, O_ASYNC));
    int On = 1;
    Try("FIOASYNC", ioctl(STDOUT_FILENO, FIOASYNC, &On));
    Try("FIOSETOWN", ioctl(STDOUT_FILENO, FIOSETOWN, &Parent));
    std::string Out = Try.Out;
    // fcntl itself still works.
    Out += fcntl(STDOUT_FILENO, F_GETFL) >= 0 ? "F_GETFL ok" : "F_GETFL bad";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Payload, refusedAll({"F_SETOWN", "F_SETOWN_EX", "F_SETSIG",
                                   "O_ASYNC", "FIOASYNC", "FIOSETOWN"}) +
                           "F_GETFL ok");
}

TEST(SandboxTest, NoReachIntoOtherProcesses) {
  pid_t Parent = getpid();
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    Attempts Try;
    Try("setsid", setsid());
    Try("setpgid", setpgid(0, 0));
    rlimit Old;
    Try("prlimit", prlimit(Parent, RLIMIT_CPU, nullptr, &Old));
    Try("setpriority", setpriority(PRIO_PROCESS, 0, 19));
    cpu_set_t One;
    CPU_ZERO(&One);
    CPU_SET(0, &One);
    Try("sched_setaffinity", sched_setaffinity(Parent, sizeof(One), &One));
    sched_param Idle{};
    Try("sched_setscheduler", sched_setscheduler(Parent, SCHED_IDLE, &Idle));
    Try("kcmp", syscall(SYS_kcmp, Parent, getpid(), 0, 0, 0));
    std::string Out = Try.Out;
    // Its own limits it may read.
    Out += getrlimit(RLIMIT_CPU, &Old) == 0 ? "own ok" : "own refused";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Payload,
            refusedAll({"setsid", "setpgid", "prlimit", "setpriority",
                        "sched_setaffinity", "sched_setscheduler", "kcmp"}) +
                "own ok");
}

TEST(SandboxTest, NoMemoryOutsideTheAddressSpaceLimit) {
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    Attempts Try;
    Try("memfd_create", memfd_create("hoard", 0));
    Try("shmget", shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600));
    Try("msgget", msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    Try("semget", semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    Try("mq_open", mq_open("/adrs-hoard", O_CREAT | O_RDWR, 0600, nullptr));
    int Pipe[2];
    if (pipe(Pipe) != 0)
      return report(Fd, "no pipe");
    Try("F_SETPIPE_SZ", fcntl(Pipe[1], F_SETPIPE_SZ, 1 << 20));
    return report(Fd, Try.Out);
  });
  EXPECT_EQ(R.Payload, refusedAll({"memfd_create", "shmget", "msgget", "semget",
                                   "mq_open", "F_SETPIPE_SZ"}));
  EXPECT_TRUE(hasProtection(R, "memory-cgroup") ||
              hasProtection(R, "memory-address-space"));
}

/// The capability sets of /proc/self/status, "CapEff 0000000000000000 ...".
std::string capabilityLines() {
  std::ifstream Status("/proc/self/status");
  std::string Line, Out;
  while (std::getline(Status, Line))
    if (Line.rfind("Cap", 0) == 0)
      Out += Line + "\n";
  return Out;
}

TEST(SandboxTest, HoldsNoCapabilities) {
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    std::string Out = capabilityLines();
    Attempts Try;
    // A directory that does not exist: should both layers fail, the call
    // fails with ENOENT and changes nothing.
    Try("mount", mount("none", "/nonexistent-adrs-mount", "tmpfs", 0, nullptr));
    // Without CAP_SETUID a process cannot take a user id it does not have.
    Try("setuid", setuid(12345));
    Out += Try.Out;
    // Another process's environment needs ptrace rights over it.
    int Env = ::open("/proc/1/environ", O_RDONLY);
    char Byte;
    Out += Env >= 0 && ::read(Env, &Byte, 1) == 1 ? "environ read\n"
                                                  : "environ unreadable\n";
    return report(Fd, Out);
  });
  ASSERT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_TRUE(hasProtection(R, "no-capabilities"));
  for (const char *Set : {"CapInh", "CapPrm", "CapEff", "CapAmb"})
    EXPECT_NE(R.Payload.find(std::string(Set) + ":\t0000000000000000"),
              std::string::npos)
        << Set << " in\n"
        << R.Payload;
  // Only root can empty the bounding set; for anyone else it grants
  // nothing (no exec, no new privileges).
  if (geteuid() == 0)
    EXPECT_NE(R.Payload.find("CapBnd:\t0000000000000000"), std::string::npos)
        << R.Payload;
  EXPECT_NE(R.Payload.find("mount refused\nsetuid refused\n"),
            std::string::npos)
      << R.Payload;
  EXPECT_NE(R.Payload.find("environ unreadable"), std::string::npos);
}

TEST(SandboxTest, CannotChangeFilesItOwnsAsRoot) {
  // Landlock does not govern modes, owners, times or extended attributes;
  // a child that stays root would still own root's files.
  std::string Path = "/tmp/adrs-sandbox-mode-" + std::to_string(getpid());
  std::ofstream(Path) << "x";
  ASSERT_EQ(chmod(Path.c_str(), 0600), 0);
  SandboxResult R = runSandboxed(quick(), [&](int Fd) {
    Attempts Try;
    Try("chmod", chmod(Path.c_str(), 0666));
    Try("chown", chown(Path.c_str(), 12345, 12345));
    Try("utimensat", utimensat(AT_FDCWD, Path.c_str(), nullptr, 0));
    Try("setxattr", setxattr(Path.c_str(), "user.adrs", "x", 1, 0));
    Try("fchmodat2", syscall(452, AT_FDCWD, Path.c_str(), 0666, 0));
    // Newer than the filter's rules (setxattrat): ENOSYS, as on a kernel
    // without it.
    long Newer =
        syscall(463, AT_FDCWD, Path.c_str(), 0, "user.adrs", nullptr, 0);
    std::string Out = Try.Out;
    Out += Newer == -1 && errno == ENOSYS ? "setxattrat unknown"
                                          : "setxattrat ran";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Payload, refusedAll({"chmod", "chown", "utimensat", "setxattr",
                                   "fchmodat2"}) +
                           "setxattrat unknown");
  struct stat St;
  ASSERT_EQ(stat(Path.c_str(), &St), 0);
  EXPECT_EQ(St.st_mode & 0777, 0600u);
  EXPECT_EQ(St.st_uid, geteuid());
  std::remove(Path.c_str());
}

TEST(SandboxTest, StartedAsRootItRunsAsAUserOfItsOwn) {
  if (geteuid() != 0 || !canConfineFiles())
    GTEST_SKIP() << "needs root, and Landlock to confine reads";
  llvm::SmallString<128> Dir, Scratch;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-workloads", Dir));
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-scratch", Scratch));
  // Readable by anyone, as a project's files usually are.
  ASSERT_EQ(chmod(Dir.c_str(), 0755), 0);
  std::string Train = std::string(Dir) + "/train.tsv";
  std::ofstream(Train) << "data\n";
  SandboxLimits L = quick();
  L.ConfineReads = true;
  L.ReadablePaths = {Train};
  L.ScratchDir = std::string(Scratch);
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    std::string Out = getuid() != 0 && geteuid() != 0 ? "user" : "root";
    Out += std::fopen(Train.c_str(), "r") ? " reads" : " cannot-read";
    FILE *Notes = std::fopen("notes.txt", "w");
    Out += Notes && std::fputs("x", Notes) >= 0 && std::fclose(Notes) == 0
               ? " writes"
               : " cannot-write";
    // Files only root may read are out of reach (Landlock lets /etc be
    // read, the user's id does not).
    Out += std::fopen("/etc/shadow", "r") ? " shadow" : " no-shadow";
    // Threads count against the user's process limit.
    pthread_attr_t Small;
    pthread_attr_init(&Small);
    pthread_attr_setstacksize(&Small, 64 << 10);
    int Made = 0;
    for (; Made < 400; ++Made) {
      pthread_t T;
      if (pthread_create(
              &T, &Small,
              [](void *) -> void * {
                pause();
                return nullptr;
              },
              nullptr) != 0)
        break;
    }
    Out += Made < 400 ? " threads-bounded" : " threads-unbounded";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Payload, "user reads writes no-shadow threads-bounded")
      << R.Reason;
  EXPECT_TRUE(hasProtection(R, "unprivileged-user"));
  llvm::sys::fs::remove_directories(Dir);
  llvm::sys::fs::remove_directories(Scratch);
}

TEST(SandboxTest, ItsScratchDirectoryStaysWritableBehindAPrivateParent) {
  if (geteuid() != 0 || !canConfineFiles())
    GTEST_SKIP() << "needs root, and Landlock to confine reads";
  // As an evaluator's scratch directories are: under a directory only root
  // may enter.
  llvm::SmallString<128> Parent;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-scratch", Parent));
  ASSERT_EQ(chmod(Parent.c_str(), 0700), 0);
  std::string Scratch = std::string(Parent) + "/run-0";
  ASSERT_FALSE(llvm::sys::fs::create_directory(Scratch));
  SandboxLimits L = quick();
  L.ConfineReads = true;
  L.ScratchDir = Scratch;
  SandboxResult R = runSandboxed(L, [](int Fd) {
    FILE *F = std::fopen("notes.txt", "w");
    bool OK = F && std::fputs("x", F) >= 0 && std::fclose(F) == 0;
    return report(Fd, OK ? "written" : std::strerror(errno));
  });
  EXPECT_EQ(R.Payload, "written");
  EXPECT_TRUE(hasProtection(R, "unprivileged-user"));
  EXPECT_TRUE(llvm::sys::fs::exists(Scratch + "/notes.txt"));
  llvm::sys::fs::remove_directories(Parent);
}

TEST(SandboxTest, StaysRootWithoutCapabilitiesWhereItsFilesNeedRoot) {
  if (geteuid() != 0 || !canConfineFiles())
    GTEST_SKIP() << "needs root, and Landlock to confine reads";
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("adrs-workloads", Dir));
  ASSERT_EQ(chmod(Dir.c_str(), 0700), 0);
  std::string Train = std::string(Dir) + "/train.tsv";
  std::ofstream(Train) << "data\n";
  SandboxLimits L = quick();
  L.ConfineReads = true;
  L.ReadablePaths = {Train};
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    std::string Out = getuid() == 0 ? "root" : "user";
    Out += std::fopen(Train.c_str(), "r") ? " reads" : " cannot-read";
    return report(Fd, Out);
  });
  EXPECT_EQ(R.Payload, "root reads");
  EXPECT_FALSE(hasProtection(R, "unprivileged-user"));
  EXPECT_TRUE(hasProtection(R, "no-capabilities"));
  llvm::sys::fs::remove_directories(Dir);
}

TEST(SandboxTest, IpcObjectsVanishWithTheChild) {
  // Without the filter (as for an evaluator command), SysV objects can be
  // made; in the child's own IPC namespace they die with it.
  key_t Key = key_t(0x41000000 | (getpid() & 0xffffff));
  SandboxLimits L = quick();
  L.Seccomp = false;
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    int Id = shmget(Key, 1 << 20, IPC_CREAT | 0600);
    return report(Fd, Id >= 0 ? "made" : std::strerror(errno));
  });
  if (!hasProtection(R, "ipc-namespace")) {
    if (int Id = shmget(Key, 0, 0); Id >= 0)
      shmctl(Id, IPC_RMID, nullptr);
    GTEST_SKIP() << "no IPC namespace here (needs CAP_SYS_ADMIN)";
  }
  EXPECT_EQ(R.Payload, "made");
  errno = 0;
  EXPECT_EQ(shmget(Key, 0, 0), -1);
  EXPECT_EQ(errno, ENOENT);
}

/// Runs \p Work in a process made as a zygote is (forkSandboxHost), or by
/// a plain fork, and returns what it wrote.
std::string inHost(bool Namespace, const std::function<std::string()> &Work) {
  int P[2];
  if (pipe(P) != 0)
    return "no pipe";
  pid_t Pid = Namespace ? forkSandboxHost() : fork();
  if (Pid == 0) {
    ::close(P[0]);
    std::string S = Work();
    (void)!::write(P[1], S.data(), S.size());
    _exit(0);
  }
  ::close(P[1]);
  std::string Out;
  char Buffer[4096];
  for (ssize_t N; (N = ::read(P[0], Buffer, sizeof(Buffer))) > 0;)
    Out.append(Buffer, size_t(N));
  ::close(P[0]);
  waitpid(Pid, nullptr, 0);
  return Out;
}

TEST(SandboxTest, AHostHasAPidNamespaceOfItsOwn) {
  std::string Out = inHost(/*Namespace=*/true, [] {
    SandboxResult R = runSandboxed(quick(), [](int Fd) {
      // Its parent is the namespace's first process: pid 1.
      return report(Fd, "parent " + std::to_string(getppid()));
    });
    std::string S = "host " + std::to_string(getpid()) + ", " + R.Payload;
    if (hasProtection(R, "pid-namespace"))
      S += ", pid-namespace";
    return S;
  });
  if (Out.rfind("host 1,", 0) != 0)
    GTEST_SKIP() << "no PID namespace here (needs CAP_SYS_ADMIN): " << Out;
  EXPECT_EQ(Out, "host 1, parent 1, pid-namespace");
  // This process's own children are still in its namespace.
  pid_t Pid = fork();
  if (Pid == 0)
    _exit(getpid() == 1 ? 1 : 0);
  int Status = 0;
  waitpid(Pid, &Status, 0);
  EXPECT_TRUE(WIFEXITED(Status) && WEXITSTATUS(Status) == 0);
}

/// A process's state letter from /proc (R, S, Z, ...), or 0 if it is gone.
char processState(pid_t Pid) {
  std::ifstream Stat("/proc/" + std::to_string(Pid) + "/stat");
  std::string Line;
  if (!std::getline(Stat, Line))
    return 0;
  size_t Paren = Line.rfind(')');
  return Paren + 2 < Line.size() ? Line[Paren + 2] : 0;
}

/// Kills a host while its child sleeps, and expects the child to die too.
void expectChildDiesWithHost(bool Namespace) {
  int P[2];
  ASSERT_EQ(pipe(P), 0);
  pid_t Host = Namespace ? forkSandboxHost() : fork();
  if (Host == 0) {
    ::close(P[0]);
    SandboxLimits L = quick();
    L.WallSeconds = 60;
    runSandboxed(L, [](int) {
      for (;;)
        pause();
      return 0;
    });
    _exit(0);
  }
  ::close(P[1]);
  ::close(P[0]);
  // The child as the system sees it, once it has installed its filter (its
  // set-up is then complete).
  pid_t Child = 0;
  for (int I = 0; I < 500 && !Child; ++I) {
    std::ifstream Children("/proc/" + std::to_string(Host) + "/task/" +
                           std::to_string(Host) + "/children");
    pid_t C = 0;
    if (Children >> C) {
      std::ifstream Status("/proc/" + std::to_string(C) + "/status");
      std::string Line;
      while (std::getline(Status, Line))
        if (Line.rfind("Seccomp:\t2", 0) == 0)
          Child = C;
    }
    if (!Child)
      usleep(10000);
  }
  ASSERT_NE(Child, 0) << "the sandboxed child never started";
  kill(Host, SIGKILL);
  waitpid(Host, nullptr, 0);
  char State = processState(Child);
  for (int I = 0; I < 500 && State && State != 'Z'; ++I) {
    usleep(10000);
    State = processState(Child);
  }
  EXPECT_TRUE(!State || State == 'Z') << "still running: " << State;
  if (State && State != 'Z')
    kill(Child, SIGKILL);
}

TEST(SandboxTest, AChildDiesWithItsParent) {
  expectChildDiesWithHost(/*Namespace=*/false);
}

TEST(SandboxTest, AChildDiesWithItsHost) {
  expectChildDiesWithHost(/*Namespace=*/true);
}

TEST(SandboxTest, ClosingItsPipesAndSleepingDoesNotHoldTheParent) {
  SandboxLimits L = quick();
  L.WallSeconds = 0.3;
  SandboxResult R = runSandboxed(L, [](int) {
    for (int Fd = 0; Fd < 4096; ++Fd)
      ::close(Fd);
    for (;;)
      pause();
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Timeout);
  EXPECT_LT(R.WallMs, 2000);
}

TEST(SandboxTest, LeavingItsProcessGroupDoesNotEscapeTheKill) {
  SandboxLimits L = quick();
  L.WallSeconds = 0.3;
  L.Seccomp = false; // so that setpgid works: the parent must cope anyway
  pid_t Group = getpgrp();
  SandboxResult R = runSandboxed(L, [&](int Fd) {
    // Into the parent's group: a kill of its own group misses it.
    if (setpgid(0, Group) != 0)
      return report(Fd, "setpgid failed");
    for (;;)
      pause();
    return 0;
  });
  EXPECT_EQ(R.Status, SandboxStatus::Timeout) << R.Payload;
}

/// A child that announces steps, blocks the signals a timer or the CPU
/// limit would send, and sleeps \p LastStepMs in its last step.
SandboxResult runSteps(int LastStepMs) {
  SandboxLimits L = quick();
  L.WallSeconds = 10;
  L.StepSeconds = 0.4;
  return runSandboxed(L, [=](int Fd) {
    sigset_t Blocked;
    sigemptyset(&Blocked);
    sigaddset(&Blocked, SIGALRM);
    sigaddset(&Blocked, SIGXCPU);
    sigprocmask(SIG_BLOCK, &Blocked, nullptr);
    startTiming(Fd);
    // Together longer than one step's limit; each well within it.
    for (int I = 0; I < 6; ++I) {
      startStep(Fd);
      usleep(100000);
    }
    startStep(Fd);
    usleep(LastStepMs * 1000);
    return report(Fd, "all steps done");
  });
}

TEST(SandboxTest, EachStepHasItsOwnLimit) {
  SandboxResult R = runSteps(100);
  EXPECT_EQ(R.Status, SandboxStatus::OK) << R.Reason;
  EXPECT_EQ(R.Payload, "all steps done");
}

TEST(SandboxTest, AStepThatBlocksItsAlarmIsKilledFromOutside) {
  SandboxResult R = runSteps(5000);
  EXPECT_EQ(R.Status, SandboxStatus::Timeout);
  EXPECT_EQ(R.Reason, "ran a step longer than the limit of 0.4s and was "
                      "killed");
  EXPECT_LT(R.WallMs, 3000);
}

TEST(MemoryCgroupTest, FindsTheUnifiedHierarchy) {
  std::optional<CgroupMount> M = findCgroup2Mount(
      "24 30 0:22 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup "
      "cgroup rw,memory\n"
      "35 24 0:30 / /sys/fs/cgroup/my\\040dir rw,nosuid shared:10 - cgroup2 "
      "cgroup2 rw,nsdelegate\n");
  ASSERT_TRUE(M);
  EXPECT_EQ(M->MountPoint, "/sys/fs/cgroup/my dir");
  EXPECT_EQ(M->Root, "/");
  EXPECT_FALSE(findCgroup2Mount("24 30 0:22 / /sys/fs/cgroup/memory rw - "
                                "cgroup cgroup rw,memory\n"));
  EXPECT_EQ(findUnifiedPath("4:memory:/a\n0::/user.slice/x.scope\n"),
            std::optional<std::string>("/user.slice/x.scope"));
  EXPECT_FALSE(findUnifiedPath("4:memory:/a\n1:cpu:/\n"));
  EXPECT_TRUE(listsController("cpuset cpu io memory pids\n", "memory"));
  EXPECT_FALSE(listsController("hugetlb\n", "memory"));
  EXPECT_FALSE(listsController("memory_recursiveprot\n", "memory"));
  EXPECT_EQ(
      flatKeyedValue("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n", "oom_kill"),
      1u);
  EXPECT_EQ(flatKeyedValue("low 0\noom 3\n", "oom_kill"), 0u);
}

TEST(MemoryCgroupTest, CountsMemoryTheAddressSpaceLimitMisses) {
  if (memoryCgroupParent().empty())
    GTEST_SKIP() << "no cgroup v2 memory controller delegated to this "
                    "process's cgroup";
  // An anonymous file's pages are memory outside the address space; without
  // the filter (as for an evaluator command), the cgroup still counts them.
  SandboxLimits L = quick();
  L.MemoryBytes = 64ull << 20;
  L.Seccomp = false;
  SandboxResult R = runSandboxed(L, [](int Fd) {
    int Made = memfd_create("hoard", 0);
    if (Made < 0)
      return report(Fd, "no memfd");
    static char Block[1 << 20];
    std::memset(Block, 'x', sizeof(Block));
    for (int I = 0; I < 256; ++I)
      if (::write(Made, Block, sizeof(Block)) != sizeof(Block))
        return report(Fd, "write failed");
    return report(Fd, "held 256 MB");
  });
  EXPECT_TRUE(hasProtection(R, "memory-cgroup"));
  EXPECT_EQ(R.Status, SandboxStatus::OutOfMemory) << R.Payload;
}

/// A zygote's starter killed before the zygote's own main runs (a SLURM step
/// cancelled as it starts): the zygote must die with it, not go on alone.
TEST(SandboxTest, ASandboxHostDiesWithTheProcessThatForkedIt) {
  // Orphans come back to this process, which can then wait for them.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  int Report[2];
  ASSERT_EQ(pipe(Report), 0);
  pid_t Starter = fork();
  ASSERT_GE(Starter, 0);
  if (Starter == 0) {
    pid_t Host = forkSandboxHost();
    if (Host == 0) {
      // What a zygote does before it could ask for anything itself.
      for (;;)
        pause();
    }
    if (write(Report[1], &Host, sizeof(Host)) != sizeof(Host))
      _exit(1);
    for (;;)
      pause();
  }
  ::close(Report[1]);
  pid_t Host = -1;
  ASSERT_EQ(read(Report[0], &Host, sizeof(Host)), ssize_t(sizeof(Host)));
  ::close(Report[0]);
  ASSERT_GT(Host, 0);
  kill(Starter, SIGKILL);
  int Status = 0;
  ASSERT_EQ(waitpid(Starter, &Status, 0), Starter);
  // The host is this process's child now; it must be gone within seconds.
  pid_t Reaped = 0;
  for (int I = 0; I < 500 && Reaped == 0; ++I) {
    Reaped = waitpid(Host, &Status, WNOHANG);
    if (Reaped == 0)
      usleep(10000);
  }
  if (Reaped == 0) {
    kill(Host, SIGKILL);
    waitpid(Host, &Status, 0);
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  ASSERT_EQ(Reaped, Host) << "the sandbox host outlived its starter";
  EXPECT_TRUE(WIFSIGNALED(Status) && WTERMSIG(Status) == SIGKILL);
}

} // namespace
