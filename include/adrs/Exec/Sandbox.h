//===- adrs/Exec/Sandbox.h - Running untrusted code in a child --*- C++ -*-===//
//
// Candidates are code nobody has read. Each runs in a forked child that can
// do no harm: hard wall-clock and CPU limits enforced by SIGKILL, an address
// space limit (and a cgroup memory limit where one can be had), no new
// processes, no network, no signals or other reach into any process but
// itself, no capabilities (and, started as root, a user id of its own), its
// own IPC namespace, no writes outside a scratch directory and (where the
// kernel has Landlock) no reads outside the paths it is given, an empty
// environment, death with its parent, and captured, capped output. Whatever
// the child does -- crash, hang, exhaust memory, exit early, print a
// gigabyte, close its pipes and sleep -- the parent gets a classified
// result within its deadline and carries on.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EXEC_SANDBOX_H
#define ADRS_EXEC_SANDBOX_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace adrs {
namespace exec {

struct SandboxLimits {
  /// Wall-clock seconds for the timed part (after startTiming(), or the
  /// whole child if it never calls it).
  double WallSeconds = 10;
  /// Extra seconds before the timed part starts: compiling and linking.
  double SetupSeconds = 0;
  /// CPU seconds; 0 means WallSeconds rounded up, plus one.
  double CpuSeconds = 0;
  /// Memory the child may add to what it inherits at fork.
  uint64_t MemoryBytes = 1ull << 30;
  /// Bytes of stdout and of stderr kept; a child printing far more than
  /// this is stopped.
  uint64_t OutputBytes = 1 << 20;
  /// The child's working directory and the only place it may write. Empty:
  /// it may write nowhere.
  std::string ScratchDir;
  /// Files outside it the child may open to write too (a GPU's device
  /// files, which a GPU runtime opens read-write), where the kernel can
  /// confine writes (Landlock); one that does not exist is left out.
  std::vector<std::string> WritableFiles;
  /// Files and directories the child may read, when the kernel can enforce
  /// it (Landlock); everything under /usr, /lib and /etc stays readable.
  /// Empty: reads are not confined.
  std::vector<std::string> ReadablePaths;
  bool ConfineReads = false;
  /// A descriptor (a socket to another sandboxed child) that stays open in
  /// the child under the same number; -1: none.
  int InheritedFd = -1;
  /// Install the system-call filter (no exec, fork, network, kill of others,
  /// file writes).
  bool Seccomp = true;
  /// When the child announces steps with startStep() (points of a tuning),
  /// each step must end within this many seconds, whatever the child does
  /// with its own timers and signals; 0: no limit per step.
  double StepSeconds = 0;
};

enum class SandboxStatus {
  OK,           ///< Exited with status 0 after delivering its result.
  Timeout,      ///< Killed at the wall-clock or CPU limit.
  Crashed,      ///< Killed by a signal (SIGSEGV, SIGABRT, ...).
  OutOfMemory,  ///< Ran out of its memory allowance.
  AbnormalExit, ///< Exited without a result, or with a non-zero status.
  InvalidOutput ///< Delivered something that is not a result.
};

llvm::StringRef toString(SandboxStatus S);
std::optional<SandboxStatus> sandboxStatusNamed(llvm::StringRef Name);

struct SandboxResult {
  SandboxStatus Status = SandboxStatus::OK;
  /// Why, in a sentence that can go into feedback.
  std::string Reason;
  int ExitCode = 0;
  int Signal = 0;
  /// What the child sent with sendResult().
  std::string Payload;
  /// What the child sent with sendPrepared() before its timed part began;
  /// empty if nothing.
  std::string Prepared;
  std::string Stdout, Stderr;
  bool OutputTruncated = false;
  double WallMs = 0;
  double CpuMs = 0;
  uint64_t PeakRSSBytes = 0;
  /// The protections that were in force: seccomp (or seccomp-no-file-writes
  /// without Landlock), landlock-read-write or landlock-write, rlimits,
  /// empty-environment, parent-death-signal, no-capabilities,
  /// unprivileged-user, pid-namespace, ipc-namespace, and the memory limit:
  /// memory-cgroup (every page counted) or memory-address-space (RLIMIT_AS,
  /// with the calls that hold memory outside it refused by seccomp).
  std::vector<std::string> Protections;
};

/// Runs \p Body in a forked child under \p Limits. The body reports with
/// sendResult(Fd, ...) and returns 0; anything else is a failure. Call this
/// from a process without threads (a zygote): fork copies only the caller.
SandboxResult runSandboxed(const SandboxLimits &Limits,
                           llvm::function_ref<int(int ResultFd)> Body);

/// Sends the child's result to the parent; call at most once. Frames carry
/// a per-child secret, so bytes written to the channel by anything else make
/// the result invalid rather than forged.
bool sendResult(int ResultFd, llvm::StringRef Payload);

/// Tells the parent the timed part starts now (after compile and link).
bool startTiming(int ResultFd);

/// Sends what the child prepared for the parent to keep (a compiled
/// candidate, for the next child that needs it); call at most once, before
/// startTiming(). The code under evaluation runs only after startTiming(),
/// so what is sent after it, which that code could have written, is not
/// kept.
bool sendPrepared(int ResultFd, llvm::StringRef Bytes);

/// Tells the parent a step of the timed part starts now; with
/// SandboxLimits::StepSeconds, a step that runs longer is killed.
bool startStep(int ResultFd);

/// Forks a process that will run sandboxed children (a zygote), as fork()
/// does, but as the first process of a new PID namespace where the kernel
/// and privileges allow: its children then see and can name no process
/// outside it, signals from them cannot stop or kill it, and they all die
/// with it. The calling thread's other children are unaffected. Call it
/// where fork() would be called.
pid_t forkSandboxHost();

/// Whether the kernel can confine file access by path (Landlock).
bool canConfineFiles();

} // namespace exec
} // namespace adrs

#endif
