//===- SlurmTransport.cpp - Zygotes as SLURM job steps --------------------===//
//
// A worker is `adrsc worker SPEC` started by srun as a job step: inside an
// allocation (SLURM_JOB_ID set, under sbatch or salloc) a step of it,
// otherwise srun asks for an allocation of its own. srun's stdin and stdout
// are the executor's pipes; its stderr goes to a file whose tail explains a
// worker that did not start (an unknown partition, a refused account).
//
// Every step of a run carries the job name adrsc-TAG, TAG naming the run
// directory: a run that died without cancelling its steps leaves them
// findable by squeue, and the next run in that directory cancels them.
//
//===----------------------------------------------------------------------===//

#include "adrs/Eval/Executor.h"
#include "adrs/Eval/Transport.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

using namespace llvm;

namespace adrs {
namespace eval {

namespace {

/// How often a worker's step may be started again over the run: a step that
/// keeps dying is a node or a queue that will not serve.
constexpr unsigned MaxStepRestarts = 3;
/// srun's words kept for messages.
constexpr size_t LastWordsBytes = 2048;

std::string jobName(const TransportOptions &O) {
  return "adrsc-" + (O.RunTag.empty() ? std::to_string(getpid()) : O.RunTag);
}

/// adrsc's own path, which the worker nodes run too (a shared path).
Expected<std::string> adrscProgram() {
  std::string Self = sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> Beside(sys::path::parent_path(Self));
  sys::path::append(Beside, "adrsc");
  for (StringRef Candidate : {StringRef(Beside), StringRef(ADRSC_PATH)})
    if (sys::fs::can_execute(Candidate))
      return Candidate.str();
  return createStringError(inconvertibleErrorCode(),
                           "cannot find adrsc, which SLURM workers run, "
                           "beside '%s' or at '%s'",
                           Self.c_str(), static_cast<const char *>(ADRSC_PATH));
}

Expected<std::string> slurmProgram(StringRef Name) {
  ErrorOr<std::string> Path = sys::findProgramByName(Name);
  if (!Path)
    return createStringError(inconvertibleErrorCode(),
                             "'executor slurm' needs SLURM's '%s' on PATH",
                             Name.str().c_str());
  return *Path;
}

/// Runs a SLURM client command and returns what it printed; its errors
/// become the message.
Expected<std::string> runSlurmCommand(ArrayRef<StringRef> Args) {
  Expected<std::string> Program = slurmProgram(Args.front());
  if (!Program)
    return Program.takeError();
  SmallString<128> Out, Err;
  if (std::error_code EC =
          sys::fs::createTemporaryFile("adrsc-slurm", "out", Out))
    return createStringError(EC, "cannot create a temporary file");
  if (std::error_code EC =
          sys::fs::createTemporaryFile("adrsc-slurm", "err", Err))
    return createStringError(EC, "cannot create a temporary file");
  std::optional<StringRef> Redirects[] = {std::nullopt, StringRef(Out),
                                          StringRef(Err)};
  std::string Why;
  int Code = sys::ExecuteAndWait(*Program, Args, std::nullopt, Redirects,
                                 /*SecondsToWait=*/60, 0, &Why);
  auto Read = [](StringRef Path) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Path);
    std::string Text = B ? (*B)->getBuffer().str() : "";
    sys::fs::remove(Path);
    return Text;
  };
  std::string Printed = Read(Out), Errors = Read(Err);
  if (Code != 0)
    return createStringError(
        inconvertibleErrorCode(), "'%s' failed: %s", join(Args, " ").c_str(),
        StringRef(Errors.empty() ? Why : Errors).trim().str().c_str());
  return Printed;
}

class SlurmTransport : public Transport {
public:
  ~SlurmTransport() override { close(); }

  Error open(const TransportOptions &O) override {
    close();
    Name = jobName(O);
    Index = O.Index;
    Expected<std::string> Srun = slurmProgram("srun");
    if (!Srun)
      return Srun.takeError();
    Expected<std::string> Adrsc = adrscProgram();
    if (!Adrsc)
      return Adrsc.takeError();
    const spec::ExecutorSpec &X = O.Spec->Executor;
    SmallString<256> Cwd;
    if (std::error_code EC = sys::fs::current_path(Cwd))
      return createStringError(EC, "cannot read the current directory");
    // Only what the step needs crosses over: --export=NONE keeps adrsc's
    // environment (an API key) off the node, and the worker starts its
    // zygote with an empty one besides.
    std::vector<std::string> Args = {
        *Srun,
        "--export=NONE",
        "--job-name=" + Name,
        "--nodes=1",
        "--ntasks=1",
        "--cpus-per-task=" + std::to_string(std::max(1u, X.CpusPerWorker)),
        "--kill-on-bad-exit=1",
        "--unbuffered",
        "--quiet",
        "--chdir=" + Cwd.str().str()};
    if (std::getenv("SLURM_JOB_ID"))
      // A step of the allocation that runs beside the others, on its own
      // CPUs, rather than waiting for the whole allocation.
      Args.push_back("--exact");
    if (!X.Partition.empty())
      Args.push_back("--partition=" + X.Partition);
    if (!X.Time.empty())
      Args.push_back("--time=" + X.Time);
    if (!X.Gres.empty())
      Args.push_back("--gres=" + X.Gres);
    if (!X.Account.empty())
      Args.push_back("--account=" + X.Account);
    Args.insert(Args.end(), {*Adrsc, "worker", O.Spec->SpecFile});

    SmallString<128> ErrPath;
    int ErrFd = -1;
    if (std::error_code EC =
            sys::fs::createTemporaryFile("adrsc-srun", "err", ErrFd, ErrPath))
      return createStringError(EC, "cannot create a file for srun's errors");
    sys::fs::remove(ErrPath);
    int ToWorker[2], FromWorker[2];
    if (pipe2(ToWorker, O_CLOEXEC) != 0) {
      ::close(ErrFd);
      return createStringError(std::error_code(errno, std::generic_category()),
                               "cannot create a pipe");
    }
    if (pipe2(FromWorker, O_CLOEXEC) != 0) {
      for (int Fd : {ToWorker[0], ToWorker[1], ErrFd})
        ::close(Fd);
      return createStringError(std::error_code(errno, std::generic_category()),
                               "cannot create a pipe");
    }
    std::vector<char *> Argv;
    for (std::string &A : Args)
      Argv.push_back(A.data());
    Argv.push_back(nullptr);
    pid_t Child = fork();
    if (Child == 0) {
      // srun cancels its step when adrsc dies (kill -9 included), and a
      // Ctrl-C at the terminal reaches adrsc alone, which ends its steps
      // in order.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      setpgid(0, 0);
      dup2(ToWorker[0], STDIN_FILENO);
      dup2(FromWorker[1], STDOUT_FILENO);
      dup2(ErrFd, STDERR_FILENO);
      // srun is the cluster's own client: it gets this environment (the
      // allocation's SLURM_* variables); the step does not (--export=NONE).
      execve(Argv[0], Argv.data(), environ);
      _exit(127);
    }
    int Saved = errno;
    ::close(ToWorker[0]);
    ::close(FromWorker[1]);
    if (Child < 0) {
      for (int Fd : {ToWorker[1], FromWorker[0], ErrFd})
        ::close(Fd);
      return createStringError(std::error_code(Saved, std::generic_category()),
                               "cannot fork srun");
    }
    Pid = Child;
    WriteFd = ToWorker[1];
    ReadFd = FromWorker[0];
    ErrorsFd = ErrFd;
    return Error::success();
  }

  void close() override {
    // End of input first: a worker that reads it exits on its own.
    for (int *Fd : {&WriteFd, &ReadFd})
      if (*Fd >= 0) {
        ::close(*Fd);
        *Fd = -1;
      }
    if (Pid > 0) {
      // srun passes SIGTERM to the step and ends it; one that does not
      // exit within a few seconds is killed (its step then ends when the
      // worker reads end of input, or at the run's last sweep).
      kill(Pid, SIGTERM);
      auto Deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(5);
      int Status = 0;
      while (waitpid(Pid, &Status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > Deadline) {
          kill(Pid, SIGKILL);
          while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    Pid = -1;
    if (ErrorsFd >= 0)
      ::close(ErrorsFd);
    ErrorsFd = -1;
  }

  unsigned maxRestarts() const override { return MaxStepRestarts; }

  std::string lastWords() override {
    if (ErrorsFd < 0)
      return "";
    off_t End = lseek(ErrorsFd, 0, SEEK_END);
    if (End <= 0)
      return "";
    off_t From = End > off_t(LastWordsBytes) ? End - off_t(LastWordsBytes) : 0;
    std::string Text(size_t(End - From), '\0');
    ssize_t N = pread(ErrorsFd, Text.data(), Text.size(), From);
    Text.resize(N > 0 ? size_t(N) : 0);
    // What a worker's candidates printed never comes here (the sandbox
    // keeps it), but srun's and the worker's own words may be anything.
    for (char &C : Text)
      if ((C < ' ' && C != '\n') || C == 0x7f)
        C = '?';
    return StringRef(Text).trim().str();
  }

  Error sweep(const TransportOptions &O) override {
    std::string Wanted = jobName(O);
    const char *Inside = std::getenv("SLURM_JOB_ID");
    std::vector<std::string> Ids;
    // Steps of an allocation (under sbatch), then jobs of their own.
    Expected<std::string> Steps = runSlurmCommand(
        {"squeue", "--me", "--steps", "--noheader", "--format=%i %j"});
    if (!Steps)
      return Steps.takeError();
    Expected<std::string> Jobs =
        runSlurmCommand({"squeue", "--me", "--noheader", "--format=%i %j"});
    if (!Jobs)
      return Jobs.takeError();
    for (const std::string *Listing : {&*Steps, &*Jobs}) {
      SmallVector<StringRef> Lines;
      StringRef(*Listing).split(Lines, '\n', -1, false);
      for (StringRef Line : Lines) {
        auto [Id, JobName] = Line.trim().split(' ');
        if (JobName.trim() != Wanted || (Inside && Id == Inside))
          continue;
        Ids.push_back(Id.str());
      }
    }
    if (Ids.empty())
      return Error::success();
    std::vector<StringRef> Cancel = {"scancel"};
    Cancel.insert(Cancel.end(), Ids.begin(), Ids.end());
    if (Expected<std::string> Done = runSlurmCommand(Cancel); !Done)
      return Done.takeError();
    return Error::success();
  }

  std::string describe() const override {
    return formatv("SLURM worker {0} (job name {1})", Index + 1, Name).str();
  }

private:
  std::string Name;
  unsigned Index = 0;
  int ErrorsFd = -1;
};

TransportRegistry::Add<SlurmTransport>
    SlurmEntry("slurm", "`adrsc worker` as a SLURM job step, over srun's "
                        "stdin and stdout");

} // namespace

void linkSlurmTransport() {}

} // namespace eval
} // namespace adrs
