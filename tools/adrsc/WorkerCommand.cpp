//===- WorkerCommand.cpp - adrsc worker -----------------------------------===//
//
// `adrsc worker SPEC` evaluates a run's candidates on another machine: the
// SLURM executor starts it as a job step and speaks to it on stdin and
// stdout, exactly as to a local zygote. It starts that zygote itself --
// adrs-zygote with an empty environment, since srun may have carried the
// caller's (an API key) -- and waits for it. An evaluator command the
// zygote runs is handed the step's own variables (eval::stepVariableNames:
// its job, step, CPUs and GPUs) and nothing else of this environment. It
// never touches the run's database.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Eval/Executor.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> WorkerSpec(cl::Positional, cl::Required,
                                       cl::desc("<spec.adrs>"),
                                       cl::sub(WorkerCmd),
                                       cl::cat(AdrsCategory));

int runWorker() {
  // What SLURM set for this step, taken before the environment goes.
  std::vector<std::string> StepVariables = eval::stepVariables(::environ);
  // Nothing of the caller's environment stays in this process either.
  clearenv();
  auto Fail = [](const Twine &Why) {
    WithColor::error(errs(), "adrsc worker") << Why << "\n";
    return ExitFailed;
  };
  SmallString<128> Host;
  if (char Name[256] = {}; gethostname(Name, sizeof(Name) - 1) == 0)
    Host = Name;
  if (!sys::fs::exists(WorkerSpec))
    return Fail("cannot read '" + WorkerSpec + "' on " + Host +
                ": a worker reads the spec, sources and workloads at the "
                "paths adrsc uses; put them on a shared path");
  Expected<std::string> Zygote = eval::zygoteProgram();
  if (!Zygote)
    return Fail(toString(Zygote.takeError()));
  // The requests move off stdin and stdout: whatever else this process or
  // the zygote prints must not land in the answers.
  int In = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  int Out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  int Null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (In < 0 || Out < 0 || Null < 0 || dup2(Null, STDIN_FILENO) < 0 ||
      dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    return Fail("cannot set up its descriptors: " +
                std::string(std::strerror(errno)));
  ::close(Null);
  int Pid = eval::startZygote(*Zygote, In, Out, WorkerSpec, StepVariables);
  if (Pid < 0)
    return Fail("cannot start the zygote: " +
                std::string(std::strerror(errno)));
  ::close(In);
  ::close(Out);
  int Status = 0;
  while (waitpid(Pid, &Status, 0) < 0)
    if (errno != EINTR)
      return Fail("lost the zygote: " + std::string(std::strerror(errno)));
  if (WIFSIGNALED(Status))
    return Fail("the zygote was killed by signal " + Twine(WTERMSIG(Status)));
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : ExitFailed;
}

} // namespace driver
} // namespace adrs
