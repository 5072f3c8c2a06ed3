//===- SandboxTest.cpp - Hostile children ---------------------------------===//
//
// Every way a candidate can misbehave, run for real in a sandboxed child; the
// test process is the parent and must come out of each one unharmed.
//
//===----------------------------------------------------------------------===//

#include "adrs/Exec/Sandbox.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
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

} // namespace
