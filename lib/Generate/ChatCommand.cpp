//===- ChatCommand.cpp - A program as the model ---------------------------===//
//
// One driver thread polls every running command's pipes and its pidfd (a
// descriptor that becomes readable when the process exits), so that any
// number of commands run at once without a thread each. Processes are
// started with posix_spawn, which is safe in a threaded program where fork
// is not. A process is done when it exits, not when its stdout closes: a
// background child holding the pipe open must not keep a request alive.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/ChatCommand.h"

#include "ChatSupport.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;
using Clock = std::chrono::steady_clock;

namespace adrs {
namespace generate {

namespace {

struct Job {
  uint64_t Seq = 0;
  ChatRequest Request;
  ChatCallback Done;
  std::string Input; ///< The prompt, as the command reads it.
  Clock::time_point Submitted;
  ChatResponse Record;
  // The run in progress.
  pid_t Pid = -1;
  int PidFd = -1;
  int In = -1, Out = -1, Err = -1;
  size_t Written = 0;
  std::string Stdout, Stderr;
  bool TooLarge = false;
  bool Exited = false;
  /// waitpid()'s status, once reaped; StatusKnown is false if it failed.
  int Status = 0;
  bool StatusKnown = false;
  Clock::time_point Deadline;
  // A retry's due time.
  Clock::time_point RetryAt;
};

void closeFd(int &Fd) {
  if (Fd >= 0)
    ::close(Fd);
  Fd = -1;
}

void setNonBlocking(int Fd) {
  int Flags = fcntl(Fd, F_GETFL);
  if (Flags >= 0)
    fcntl(Fd, F_SETFL, Flags | O_NONBLOCK);
}

int openPidFd(pid_t Pid) {
#ifdef SYS_pidfd_open
  return int(syscall(SYS_pidfd_open, Pid, 0));
#else
  (void)Pid;
  errno = ENOSYS;
  return -1;
#endif
}

std::string number(double V) {
  char Text[32];
  std::snprintf(Text, sizeof(Text), "%g", V);
  return Text;
}

/// What stderr ended with, for a message.
std::string stderrTail(const Job &J) {
  StringRef Err = StringRef(J.Stderr).trim();
  if (Err.empty())
    return std::string();
  if (Err.size() > 400)
    return ": ..." + Err.take_back(400).str();
  return ": " + Err.str();
}

} // namespace

struct CommandTransport::Impl {
  CommandSettings Settings;
  /// PATH, HOME, LANG and the user's variables, as NAME=VALUE.
  std::vector<std::string> BaseEnvironment;
  std::string Shown; ///< The command as messages show it.
  int WakeRead = -1, WakeWrite = -1;
  pthread_t Driver;
  bool DriverStarted = false;
  std::atomic<size_t> Pending{0};

  // Shared with other threads, under M.
  std::mutex M;
  std::condition_variable CancelHandled;
  std::deque<std::unique_ptr<Job>> Incoming;
  uint64_t NextSeq = 0;
  bool Stopping = false;
  uint64_t CancelBelow = 0;
  uint64_t CancelledBelow = 0;

  // The driver's own.
  std::deque<std::unique_ptr<Job>> Queue;
  std::vector<std::unique_ptr<Job>> Backoff;
  std::vector<std::unique_ptr<Job>> Running;
  std::mt19937_64 Rng{std::random_device{}()};
  bool HavePidFd = true; ///< False once pidfd_open() said ENOSYS.

  ~Impl() {
    closeFd(WakeRead);
    closeFd(WakeWrite);
  }
  void wake() {
    char Byte = 1;
    // A full pipe already holds a wake-up; nothing is lost.
    (void)!::write(WakeWrite, &Byte, 1);
  }
  void run();
  void start(std::unique_ptr<Job> J);
  void pump(Job &J, int Which, short Events);
  void readInto(Job &J, int &Fd, bool IsStdout);
  void stop(Job &J);
  void finish(std::unique_ptr<Job> J, bool TimedOut);
  void retryOrFail(std::unique_ptr<Job> J, ChatFailure F, std::string Problem);
  void fail(std::unique_ptr<Job> J, ChatFailure F, StringRef Problem);
  void complete(std::unique_ptr<Job> J, Expected<ChatResponse> Result);
  void cancelBelow(uint64_t Mark);
  std::string describe(const Job &J, StringRef Problem) const;
};

std::string CommandTransport::Impl::describe(const Job &J,
                                             StringRef Problem) const {
  std::string Text = "command '" + Shown + "'";
  if (!J.Request.Model.Name.empty())
    Text += " (model '" + J.Request.Model.Name + "')";
  Text += ": " + Problem.str();
  if (J.Record.Attempts > 1)
    Text += " (after " + std::to_string(J.Record.Attempts) + " attempts)";
  return Text;
}

void CommandTransport::Impl::complete(std::unique_ptr<Job> J,
                                      Expected<ChatResponse> Result) {
  ChatCallback Done = std::move(J->Done);
  J.reset();
  --Pending;
  Done(std::move(Result));
}

void CommandTransport::Impl::fail(std::unique_ptr<Job> J, ChatFailure F,
                                  StringRef Problem) {
  J->Record.Seconds =
      std::chrono::duration<double>(Clock::now() - J->Submitted).count();
  std::string Message = describe(*J, Problem);
  ChatResponse Record = J->Record;
  complete(std::move(J),
           make_error<ChatError>(F, std::move(Message), std::move(Record)));
}

void CommandTransport::Impl::retryOrFail(std::unique_ptr<Job> J, ChatFailure F,
                                         std::string Problem) {
  if (!isRetryable(F) || J->Record.Attempts > Settings.Retries) {
    fail(std::move(J), F, Problem);
    return;
  }
  double Delay = backoffSeconds(J->Record.Attempts, Settings.BackoffBaseSeconds,
                                Settings.BackoffMaxSeconds, Rng);
  J->RetryAt = Clock::now() + std::chrono::microseconds(int64_t(Delay * 1e6));
  Backoff.push_back(std::move(J));
}

void CommandTransport::Impl::start(std::unique_ptr<Job> J) {
  ++J->Record.Attempts;
  J->Stdout.clear();
  J->Stderr.clear();
  J->TooLarge = J->Exited = J->StatusKnown = false;
  J->Written = 0;

  int InPipe[2], OutPipe[2], ErrPipe[2];
  if (pipe2(InPipe, O_CLOEXEC) != 0) {
    retryOrFail(std::move(J), ChatFailure::ServerError,
                std::string("cannot create pipes: ") + std::strerror(errno));
    return;
  }
  if (pipe2(OutPipe, O_CLOEXEC) != 0) {
    int E = errno;
    ::close(InPipe[0]);
    ::close(InPipe[1]);
    retryOrFail(std::move(J), ChatFailure::ServerError,
                std::string("cannot create pipes: ") + std::strerror(E));
    return;
  }
  if (pipe2(ErrPipe, O_CLOEXEC) != 0) {
    int E = errno;
    for (int Fd : {InPipe[0], InPipe[1], OutPipe[0], OutPipe[1]})
      ::close(Fd);
    retryOrFail(std::move(J), ChatFailure::ServerError,
                std::string("cannot create pipes: ") + std::strerror(E));
    return;
  }

  posix_spawn_file_actions_t Files;
  posix_spawn_file_actions_init(&Files);
  posix_spawn_file_actions_adddup2(&Files, InPipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&Files, OutPipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&Files, ErrPipe[1], STDERR_FILENO);
  // Nothing else of adrsc's (sockets, the run database) reaches the
  // command.
  posix_spawn_file_actions_addclosefrom_np(&Files, 3);
  if (!Settings.WorkingDirectory.empty())
    posix_spawn_file_actions_addchdir_np(&Files,
                                         Settings.WorkingDirectory.c_str());
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  // A group of its own, so that a timeout kills everything it started; the
  // signal mask and dispositions of a normal process (the driver blocks
  // every signal, adrsc ignores SIGPIPE).
  posix_spawnattr_setflags(&Attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&Attr, 0);
  sigset_t Empty, Defaults;
  sigemptyset(&Empty);
  posix_spawnattr_setsigmask(&Attr, &Empty);
  sigemptyset(&Defaults);
  for (int Sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1,
                  SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU})
    sigaddset(&Defaults, Sig);
  posix_spawnattr_setsigdefault(&Attr, &Defaults);

  std::vector<std::string> Env = BaseEnvironment;
  Env.push_back("ADRS_MODEL=" + J->Request.Model.Name);
  Env.push_back("ADRS_REQUEST_ID=" + std::to_string(J->Request.Id));
  if (J->Request.Model.Temperature)
    Env.push_back("ADRS_TEMPERATURE=" + number(*J->Request.Model.Temperature));
  if (J->Request.Model.MaxTokens)
    Env.push_back("ADRS_MAX_TOKENS=" +
                  std::to_string(*J->Request.Model.MaxTokens));
  if (J->Request.Model.ReasoningEffort)
    Env.push_back("ADRS_REASONING_EFFORT=" + *J->Request.Model.ReasoningEffort);
  if (J->Request.Seed)
    Env.push_back("ADRS_SEED=" + std::to_string(*J->Request.Seed));
  std::vector<char *> Envp;
  for (std::string &E : Env)
    Envp.push_back(E.data());
  Envp.push_back(nullptr);
  std::string Sh = "sh", Dash = "-c";
  char *Argv[] = {Sh.data(), Dash.data(), Settings.Command.data(), nullptr};

  pid_t Pid = -1;
  int SpawnError =
      posix_spawn(&Pid, "/bin/sh", &Files, &Attr, Argv, Envp.data());
  posix_spawn_file_actions_destroy(&Files);
  posix_spawnattr_destroy(&Attr);
  ::close(InPipe[0]);
  ::close(OutPipe[1]);
  ::close(ErrPipe[1]);
  if (SpawnError != 0) {
    ::close(InPipe[1]);
    ::close(OutPipe[0]);
    ::close(ErrPipe[0]);
    std::string Problem =
        std::string("cannot run the command: ") + std::strerror(SpawnError);
    if (!Settings.WorkingDirectory.empty())
      Problem += " (in '" + Settings.WorkingDirectory + "')";
    ChatFailure F = SpawnError == ENOENT   ? ChatFailure::NotFound
                    : SpawnError == EACCES ? ChatFailure::Forbidden
                                           : ChatFailure::ServerError;
    retryOrFail(std::move(J), F, std::move(Problem));
    return;
  }
  J->Pid = Pid;
  J->In = InPipe[1];
  J->Out = OutPipe[0];
  J->Err = ErrPipe[0];
  for (int Fd : {J->In, J->Out, J->Err})
    setNonBlocking(Fd);
  if (HavePidFd) {
    J->PidFd = openPidFd(Pid);
    if (J->PidFd < 0 && errno == ENOSYS)
      HavePidFd = false;
  }
  if (J->Input.empty())
    closeFd(J->In);
  J->Deadline = Clock::now() + std::chrono::microseconds(
                                   int64_t(Settings.TimeoutSeconds * 1e6));
  Running.push_back(std::move(J));
}

void CommandTransport::Impl::readInto(Job &J, int &Fd, bool IsStdout) {
  char Buffer[65536];
  // A bounded number of reads per wake-up, so that one chatty command
  // cannot starve the others.
  for (int Round = 0; Round < 16 && Fd >= 0; ++Round) {
    ssize_t Got = ::read(Fd, Buffer, sizeof(Buffer));
    if (Got < 0 && errno == EINTR)
      continue;
    if (Got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    if (Got <= 0) {
      closeFd(Fd);
      return;
    }
    if (IsStdout) {
      if (J.Stdout.size() + size_t(Got) > Settings.MaxReplyBytes) {
        J.TooLarge = true;
        return;
      }
      J.Stdout.append(Buffer, size_t(Got));
    } else {
      // The end of stderr says what went wrong: keep the last bytes.
      J.Stderr.append(Buffer, size_t(Got));
      if (J.Stderr.size() > Settings.MaxStderrBytes)
        J.Stderr.erase(0, J.Stderr.size() - Settings.MaxStderrBytes);
    }
  }
}

void CommandTransport::Impl::pump(Job &J, int Which, short Events) {
  if (Which == 0) {
    if (Events & (POLLERR | POLLHUP | POLLNVAL)) {
      closeFd(J.In);
      return;
    }
    size_t Left = J.Input.size() - J.Written;
    ssize_t Put = ::write(J.In, J.Input.data() + J.Written,
                          std::min<size_t>(Left, 65536));
    if (Put > 0)
      J.Written += size_t(Put);
    else if (Put < 0 && errno != EAGAIN && errno != EINTR)
      closeFd(J.In); // EPIPE: the command stopped reading; its loss
    if (J.Written == J.Input.size())
      closeFd(J.In);
  } else if (Which == 1) {
    readInto(J, J.Out, /*IsStdout=*/true);
  } else if (Which == 2) {
    readInto(J, J.Err, /*IsStdout=*/false);
  } else {
    J.Exited = true;
  }
}

void CommandTransport::Impl::stop(Job &J) {
  if (J.Pid <= 0)
    return;
  // The group outlives its leader while the leader is unreaped, so this
  // also reaches what the command left behind, and nothing else.
  kill(-J.Pid, SIGKILL);
  // What is still in the pipes was written before the kill. One call
  // reads up to 1 MiB, the most a pipe can hold.
  if (!J.TooLarge)
    readInto(J, J.Out, /*IsStdout=*/true);
  readInto(J, J.Err, /*IsStdout=*/false);
  int Status = 0;
  pid_t Got;
  while ((Got = waitpid(J.Pid, &Status, 0)) < 0 && errno == EINTR) {
  }
  J.Exited = true;
  J.Status = Status;
  J.StatusKnown = Got == J.Pid;
  J.Pid = -1;
  closeFd(J.In);
  closeFd(J.Out);
  closeFd(J.Err);
  closeFd(J.PidFd);
}

void CommandTransport::Impl::finish(std::unique_ptr<Job> J, bool TimedOut) {
  stop(*J);
  int Status = J->Status;
  J->Record.ResponseBody = J->Stdout;
  J->Record.Seconds =
      std::chrono::duration<double>(Clock::now() - J->Submitted).count();
  if (J->TooLarge)
    return retryOrFail(std::move(J), ChatFailure::ReplyTooLarge,
                       "the command printed more than " +
                           std::to_string(Settings.MaxReplyBytes) +
                           " bytes and was stopped");
  if (TimedOut)
    return retryOrFail(std::move(J), ChatFailure::Timeout,
                       "the command did not finish within " +
                           number(Settings.TimeoutSeconds) +
                           "s and was killed");
  if (!J->StatusKnown)
    return retryOrFail(std::move(J), ChatFailure::ServerError,
                       "the command's exit status could not be read");
  // Read before any call that takes J: the order in which a call's
  // arguments are evaluated is unspecified, and J may be moved from first.
  const std::string Tail = stderrTail(*J);
  if (WIFSIGNALED(Status))
    return retryOrFail(std::move(J), ChatFailure::ServerError,
                       "the command was killed by signal " +
                           std::to_string(WTERMSIG(Status)) + Tail);
  int Code = WEXITSTATUS(Status);
  if (Code == 127)
    return retryOrFail(std::move(J), ChatFailure::NotFound,
                       "the command was not found (exit status 127)" + Tail);
  if (Code == 126)
    return retryOrFail(std::move(J), ChatFailure::Forbidden,
                       "the command could not be executed (exit status 126)" +
                           Tail);
  if (Code != 0)
    return retryOrFail(std::move(J), ChatFailure::ServerError,
                       "the command exited with status " +
                           std::to_string(Code) + Tail);
  if (StringRef(J->Stdout).trim().empty())
    return retryOrFail(std::move(J), ChatFailure::BadResponse,
                       "the command printed nothing on stdout" + Tail);
  J->Record.Content = J->Stdout;
  ChatResponse Response = std::move(J->Record);
  complete(std::move(J), std::move(Response));
}

void CommandTransport::Impl::cancelBelow(uint64_t Mark) {
  std::vector<std::unique_ptr<Job>> Ending;
  auto Take = [&](auto &From) {
    for (auto &J : From)
      if (J && J->Seq < Mark)
        Ending.push_back(std::move(J));
    From.erase(std::remove(From.begin(), From.end(), nullptr), From.end());
  };
  Take(Running);
  Take(Queue);
  Take(Backoff);
  for (auto &J : Ending)
    stop(*J);
  std::sort(Ending.begin(), Ending.end(),
            [](const auto &A, const auto &B) { return A->Seq < B->Seq; });
  for (auto &J : Ending)
    fail(std::move(J), ChatFailure::Cancelled, "cancelled");
}

void CommandTransport::Impl::run() {
  std::vector<struct pollfd> Fds;
  std::vector<std::pair<Job *, int>> Owners;
  for (;;) {
    std::deque<std::unique_ptr<Job>> New;
    bool Stop;
    uint64_t Mark;
    {
      std::lock_guard<std::mutex> Lock(M);
      New.swap(Incoming);
      Stop = Stopping;
      Mark = CancelBelow;
    }
    for (auto &J : New)
      Queue.push_back(std::move(J));
    if (Mark > CancelledBelow || Stop) {
      cancelBelow(Stop ? ~uint64_t(0) : Mark);
      {
        std::lock_guard<std::mutex> Lock(M);
        CancelledBelow = std::max(CancelledBelow, Mark);
      }
      CancelHandled.notify_all();
      if (Stop)
        break;
    }

    Clock::time_point Now = Clock::now();
    for (auto It = Backoff.begin(); It != Backoff.end();) {
      if ((*It)->RetryAt <= Now) {
        Queue.push_front(std::move(*It));
        It = Backoff.erase(It);
      } else {
        ++It;
      }
    }
    while (!Queue.empty() && (Settings.MaxInFlight == 0 ||
                              Running.size() < Settings.MaxInFlight)) {
      std::unique_ptr<Job> J = std::move(Queue.front());
      Queue.pop_front();
      start(std::move(J));
    }

    Fds.clear();
    Owners.clear();
    Fds.push_back({WakeRead, POLLIN, 0});
    Owners.push_back({nullptr, -1});
    Clock::time_point Next = Clock::now() + std::chrono::seconds(1);
    for (auto &J : Running) {
      int Descriptors[4] = {J->In, J->Out, J->Err, J->PidFd};
      for (int Which = 0; Which < 4; ++Which) {
        if (Descriptors[Which] < 0)
          continue;
        Fds.push_back(
            {Descriptors[Which], short(Which == 0 ? POLLOUT : POLLIN), 0});
        Owners.push_back({J.get(), Which});
      }
      Next = std::min(Next, J->Deadline);
    }
    for (auto &J : Backoff)
      Next = std::min(Next, J->RetryAt);
    // Without a pidfd (an old kernel, or out of descriptors) an exit is
    // noticed by looking every 20ms.
    if (llvm::any_of(Running, [](const auto &J) { return J->PidFd < 0; }))
      Next = std::min(Next, Clock::now() + std::chrono::milliseconds(20));
    int WaitMs = int(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(Next -
                                                                 Clock::now())
                   .count() +
               1));
    int Ready = poll(Fds.data(), Fds.size(), WaitMs);
    if (Ready < 0 && errno != EINTR)
      Ready = 0;
    if (Ready > 0) {
      if (Fds[0].revents) {
        char Drain[256];
        while (::read(WakeRead, Drain, sizeof(Drain)) > 0) {
        }
      }
      for (size_t K = 1; K < Fds.size(); ++K)
        if (Fds[K].revents)
          pump(*Owners[K].first, Owners[K].second, Fds[K].revents);
    }

    Now = Clock::now();
    std::vector<std::pair<std::unique_ptr<Job>, bool>> Done;
    for (auto &J : Running) {
      if (!J->Exited && J->PidFd < 0) {
        siginfo_t Info;
        Info.si_pid = 0;
        if (waitid(P_PID, id_t(J->Pid), &Info, WEXITED | WNOHANG | WNOWAIT) ==
                0 &&
            Info.si_pid == J->Pid)
          J->Exited = true;
      }
      bool TimedOut = !J->Exited && Now >= J->Deadline;
      if (J->Exited || TimedOut || J->TooLarge)
        Done.push_back({std::move(J), TimedOut && !J->TooLarge});
    }
    Running.erase(std::remove(Running.begin(), Running.end(), nullptr),
                  Running.end());
    for (auto &[J, TimedOut] : Done)
      finish(std::move(J), TimedOut);
  }

  for (;;) {
    std::deque<std::unique_ptr<Job>> New;
    {
      std::lock_guard<std::mutex> Lock(M);
      New.swap(Incoming);
    }
    if (New.empty())
      break;
    for (auto &J : New)
      fail(std::move(J), ChatFailure::Cancelled, "cancelled");
  }
}

static void *commandDriverMain(void *Arg) {
  static_cast<CommandTransport::Impl *>(Arg)->run();
  return nullptr;
}

CommandTransport::CommandTransport(std::unique_ptr<Impl> I) : I(std::move(I)) {}

Expected<std::unique_ptr<CommandTransport>>
CommandTransport::create(CommandSettings Settings) {
  if (StringRef(Settings.Command).trim().empty())
    return createStringError(inconvertibleErrorCode(),
                             "the generator command is empty");
  if (!(Settings.TimeoutSeconds > 0))
    return createStringError(inconvertibleErrorCode(),
                             "the command's timeout must be positive");
  auto I = std::make_unique<Impl>();
  const char *Path = std::getenv("PATH");
  I->BaseEnvironment.push_back(
      std::string("PATH=") +
      (Path && *Path ? Path : "/usr/local/bin:/usr/bin:/bin"));
  for (const char *Name : {"HOME", "LANG"})
    if (const char *Value = std::getenv(Name))
      I->BaseEnvironment.push_back(std::string(Name) + "=" + Value);
  for (const std::string &Entry : Settings.Environment) {
    StringRef Name = StringRef(Entry).split('=').first;
    if (Name.empty() || Name.find_first_of(" \t\n") != StringRef::npos)
      return createStringError(inconvertibleErrorCode(),
                               "malformed environment entry '%s' for the "
                               "command; expected NAME=VALUE or NAME",
                               Entry.c_str());
    // A later entry replaces an earlier one of the same name.
    auto Same = [&](const std::string &E) {
      return StringRef(E).split('=').first == Name;
    };
    if (Entry.find('=') != std::string::npos) {
      llvm::erase_if(I->BaseEnvironment, Same);
      I->BaseEnvironment.push_back(Entry);
    } else if (const char *Value = std::getenv(Entry.c_str())) {
      llvm::erase_if(I->BaseEnvironment, Same);
      I->BaseEnvironment.push_back(Entry + "=" + Value);
    }
  }
  StringRef Shown = StringRef(Settings.Command).trim();
  I->Shown =
      Shown.size() > 80 ? Shown.take_front(77).str() + "..." : Shown.str();
  I->Settings = std::move(Settings);
  int Wake[2];
  if (pipe2(Wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot create the command transport's pipe: %s",
                             std::strerror(errno));
  I->WakeRead = Wake[0];
  I->WakeWrite = Wake[1];
  if (Error E = startDriverThread(I->Driver, commandDriverMain, I.get(),
                                  "command generator"))
    return E;
  I->DriverStarted = true;
  return std::unique_ptr<CommandTransport>(new CommandTransport(std::move(I)));
}

CommandTransport::~CommandTransport() {
  if (!I->DriverStarted)
    return;
  {
    std::lock_guard<std::mutex> Lock(I->M);
    I->Stopping = true;
  }
  I->wake();
  pthread_join(I->Driver, nullptr);
}

void CommandTransport::submit(ChatRequest Request, ChatCallback Done) {
  auto J = std::make_unique<Job>();
  J->Submitted = Clock::now();
  J->Input = renderPlainText(Request.Messages);
  J->Record.Id = Request.Id;
  J->Record.Model = Request.Model.Name;
  J->Record.RequestBody = J->Input;
  J->Request = std::move(Request);
  J->Done = std::move(Done);
  ++I->Pending;
  {
    std::lock_guard<std::mutex> Lock(I->M);
    J->Seq = I->NextSeq++;
    I->Incoming.push_back(std::move(J));
  }
  I->wake();
}

void CommandTransport::cancelAll() {
  std::unique_lock<std::mutex> Lock(I->M);
  uint64_t Mark = I->NextSeq;
  I->CancelBelow = std::max(I->CancelBelow, Mark);
  bool OnDriver = pthread_equal(pthread_self(), I->Driver);
  Lock.unlock();
  I->wake();
  if (OnDriver)
    return;
  Lock.lock();
  I->CancelHandled.wait(Lock, [&] { return I->CancelledBelow >= Mark; });
}

size_t CommandTransport::pending() const { return I->Pending.load(); }

} // namespace generate
} // namespace adrs
