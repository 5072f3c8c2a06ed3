//===- Executor.cpp - A warm zygote that runs candidates ------------------===//

#include "adrs/Eval/Executor.h"
#include "adrs/Eval/Evaluation.h"

#include "adrs/Support/IO.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <limits>
#include <poll.h>
#include <setjmp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace eval {

namespace {

/// How long the zygote may take to compile the prebuilt code.
constexpr int SetupTimeoutMs = 600'000;

bool sendMessage(int Fd, const json::Value &V) {
  std::string Text = formatv("{0}", V).str();
  char Header[4];
  uint32_t Size = uint32_t(Text.size());
  for (int I = 0; I < 4; ++I)
    Header[I] = char((Size >> (8 * I)) & 0xff);
  return writeAll(Fd, Header, 4) && writeAll(Fd, Text.data(), Text.size());
}

/// Reads one message; an error when the other side is gone or the wait is
/// over (TimeoutMs < 0: wait forever).
Expected<json::Value> receiveMessage(int Fd, int TimeoutMs = -1) {
  auto ReadExactly = [&](char *Out, size_t Size) -> Error {
    while (Size) {
      struct pollfd P = {Fd, POLLIN, 0};
      int Ready = poll(&P, 1, TimeoutMs);
      if (Ready < 0 && errno == EINTR)
        continue;
      if (Ready == 0)
        return createStringError(inconvertibleErrorCode(), "timed out");
      ssize_t N = ::read(Fd, Out, Size);
      if (N < 0 && errno == EINTR)
        continue;
      if (N <= 0)
        return createStringError(inconvertibleErrorCode(), "connection closed");
      Out += N;
      Size -= size_t(N);
    }
    return Error::success();
  };
  char Header[4];
  if (Error E = ReadExactly(Header, 4))
    return std::move(E);
  uint32_t Size = 0;
  for (int I = 0; I < 4; ++I)
    Size |= uint32_t(uint8_t(Header[I])) << (8 * I);
  std::string Text(Size, '\0');
  if (Error E = ReadExactly(Text.data(), Size))
    return std::move(E);
  return json::parse(Text);
}

json::Value passResultsToJSON(const passes::PassResults &P) {
  json::Array Rejections;
  for (const passes::PassRejection &R : P.Rejections)
    Rejections.push_back(json::Object{{"pass", R.Pass},
                                      {"region", R.Region},
                                      {"line", R.Line},
                                      {"column", R.Column},
                                      {"message", R.Message}});
  json::Object Features, Fingerprints;
  for (const auto &[K, V] : P.Features)
    Features[K] = V;
  for (const auto &[K, V] : P.Fingerprints)
    Fingerprints[K] = V;
  json::Object Transformed;
  for (const auto &[K, V] : P.Transformed)
    Transformed[K] = V;
  json::Array Constants;
  for (const passes::LiftedConstant &C : P.Constants)
    Constants.push_back(json::Object{{"region", C.Region},
                                     {"index", C.Index},
                                     {"spelling", C.Spelling},
                                     {"value", C.Value},
                                     {"integer", C.IsInteger},
                                     {"lower", C.Lower},
                                     {"upper", C.Upper},
                                     {"line", C.Line}});
  return json::Object{{"rejections", std::move(Rejections)},
                      {"transformed", std::move(Transformed)},
                      {"constants", std::move(Constants)},
                      {"duplicate", P.Duplicate},
                      {"features", std::move(Features)},
                      {"fingerprints", std::move(Fingerprints)}};
}

passes::PassResults passResultsFromJSON(const json::Object *O) {
  passes::PassResults P;
  if (!O)
    return P;
  if (const json::Array *A = O->getArray("rejections"))
    for (const json::Value &V : *A)
      if (const json::Object *R = V.getAsObject())
        P.Rejections.push_back({R->getString("pass").value_or("").str(),
                                R->getString("region").value_or("").str(),
                                unsigned(R->getInteger("line").value_or(0)),
                                unsigned(R->getInteger("column").value_or(0)),
                                R->getString("message").value_or("").str()});
  P.Duplicate = O->getBoolean("duplicate").value_or(false);
  if (const json::Object *T = O->getObject("transformed"))
    for (const auto &[K, V] : *T)
      P.Transformed[K.str()] = V.getAsString().value_or("").str();
  if (const json::Array *A = O->getArray("constants"))
    for (const json::Value &V : *A)
      if (const json::Object *C = V.getAsObject()) {
        passes::LiftedConstant L;
        L.Region = C->getString("region").value_or("").str();
        L.Index = unsigned(C->getInteger("index").value_or(0));
        L.Spelling = C->getString("spelling").value_or("").str();
        L.Value = C->getNumber("value").value_or(0);
        L.IsInteger = C->getBoolean("integer").value_or(false);
        L.Lower = C->getNumber("lower").value_or(0);
        L.Upper = C->getNumber("upper").value_or(0);
        L.Line = unsigned(C->getInteger("line").value_or(0));
        P.Constants.push_back(std::move(L));
      }
  if (const json::Object *F = O->getObject("features"))
    for (const auto &[K, V] : *F)
      P.Features[K.str()] = V.getAsNumber().value_or(0);
  if (const json::Object *F = O->getObject("fingerprints"))
    for (const auto &[K, V] : *F)
      P.Fingerprints[K.str()] = V.getAsString().value_or("").str();
  return P;
}

json::Value checksToJSON(const jit::CandidateChecks &C) {
  json::Array Regions;
  for (const regions::Region &R : C.Regions)
    Regions.push_back(regions::toJSON(R));
  return json::Object{{"regions", std::move(Regions)},
                      {"passes", json::Array(C.Passes)}};
}

jit::CandidateChecks checksFromJSON(const json::Object &O) {
  jit::CandidateChecks C;
  if (const json::Array *A = O.getArray("regions"))
    for (const json::Value &V : *A)
      if (const json::Object *R = V.getAsObject())
        C.Regions.push_back(regions::regionFromJSON(*R));
  if (const json::Array *A = O.getArray("passes"))
    for (const json::Value &V : *A)
      C.Passes.push_back(V.getAsString().value_or("").str());
  return C;
}

json::Value tuneToJSON(const TuneRequest &T) {
  json::Array Params;
  for (const tune::Parameter &P : T.Parameters)
    Params.push_back(json::Array{P.Initial, P.Lower, P.Upper, P.IsInteger});
  return json::Object{{"parameters", std::move(Params)},
                      {"evaluations", T.Evaluations},
                      {"seed", int64_t(T.Seed)},
                      {"seconds", T.SecondsPerEvaluation}};
}

TuneRequest tuneFromJSON(const json::Object &O) {
  TuneRequest T;
  if (const json::Array *A = O.getArray("parameters"))
    for (const json::Value &V : *A)
      if (const json::Array *P = V.getAsArray(); P && P->size() == 4)
        T.Parameters.push_back({(*P)[0].getAsNumber().value_or(0),
                                (*P)[1].getAsNumber().value_or(0),
                                (*P)[2].getAsNumber().value_or(0),
                                (*P)[3].getAsBoolean().value_or(false)});
  T.Evaluations = unsigned(O.getInteger("evaluations").value_or(0));
  T.Seed = uint64_t(O.getInteger("seed").value_or(0));
  T.SecondsPerEvaluation = O.getNumber("seconds").value_or(10);
  return T;
}

sigjmp_buf TuneRecovery;
volatile sig_atomic_t TuneFault = 0;

void onTuneFault(int Signal) {
  TuneFault = Signal;
  siglongjmp(TuneRecovery, 1);
}

/// Tunes the linked candidate's constants in this (the candidate's)
/// process: each point CMA-ES asks for is written into the parameter table
/// and the evaluator runs again. A point that crashes or hangs (an alarm)
/// jumps back here and counts as invalid. The process may be damaged after
/// such a fault, so a few of them end the tuning with what it found; the
/// tuned program is evaluated again in a fresh child anyway.
json::Object tuneHere(const spec::Spec &S, jit::Engine &Engine,
                      const RunRequest &Request, std::shared_ptr<Cache> Shared,
                      jit::CandidateTimings &T, int ResultFd) {
  const TuneRequest &TR = *Request.Tune;
  static char AltStack[1 << 16];
  stack_t Stack{};
  Stack.ss_sp = AltStack;
  Stack.ss_size = sizeof(AltStack);
  sigaltstack(&Stack, nullptr); // a stack overflow is a fault like any other
  struct sigaction Action {};
  Action.sa_handler = onTuneFault;
  Action.sa_flags = SA_ONSTACK | SA_NODEFER;
  sigemptyset(&Action.sa_mask);
  for (int Sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGALRM, SIGABRT})
    sigaction(Sig, &Action, nullptr);
  unsigned Faults = 0;
  constexpr unsigned MaxFaults = 5;
  auto Cost = [&](const std::vector<double> &Values) -> double {
    if (Faults >= MaxFaults)
      return std::numeric_limits<double>::infinity();
    double *Table = jit::parameterTable();
    for (size_t I = 0; I < Values.size() && I < jit::MaxParameters; ++I)
      Table[I] = Values[I];
    Recorder Rec(Request.Workloads, Shared);
    itimerval Timer{};
    Timer.it_value.tv_sec = time_t(TR.SecondsPerEvaluation);
    Timer.it_value.tv_usec = suseconds_t(
        (TR.SecondsPerEvaluation - double(time_t(TR.SecondsPerEvaluation))) *
        1e6);
    if (sigsetjmp(TuneRecovery, 1) != 0) {
      itimerval Off{};
      setitimer(ITIMER_REAL, &Off, nullptr);
      ++Faults;
      return std::numeric_limits<double>::infinity();
    }
    // The parent ends a point whose code blocks or ignores the alarm.
    exec::startStep(ResultFd);
    setitimer(ITIMER_REAL, &Timer, nullptr);
    Engine.evaluate(Rec, T);
    itimerval Off{};
    setitimer(ITIMER_REAL, &Off, nullptr);
    Report R = Rec.report();
    if (!R.Problems.empty())
      return std::numeric_limits<double>::infinity();
    Evaluation E = scoreMetrics(S, R.Metrics);
    return E.Feasible && E.Score ? -*E.Score
                                 : std::numeric_limits<double>::infinity();
  };
  tune::Outcome O =
      tune::minimize(TR.Parameters, Cost, TR.Evaluations, TR.Seed);
  for (int Sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGALRM, SIGABRT})
    std::signal(Sig, SIG_DFL);
  return json::Object{
      {"best", json::Array(O.Best)},  {"faults", Faults},
      {"best_cost", O.BestCost},      {"initial_cost", O.InitialCost},
      {"evaluations", O.Evaluations}, {"error", O.Error}};
}

json::Value requestToJSON(const RunRequest &R) {
  json::Object Overrides;
  for (const auto &[Path, Text] : R.Overrides)
    Overrides[Path] = Text;
  json::Array Workloads;
  for (const Workload &W : R.Workloads)
    Workloads.push_back(json::Object{{"name", W.Name}, {"path", W.Path}});
  const exec::SandboxLimits &L = R.Limits;
  return json::Object{
      {"setup_s", L.SetupSeconds},
      {"overrides", std::move(Overrides)},
      {"workloads", std::move(Workloads)},
      {"dry_run", R.DryRun},
      {"known_programs", json::Array(R.KnownPrograms)},
      {"tune", R.Tune ? tuneToJSON(*R.Tune) : json::Value(nullptr)},
      {"checks", R.Checks ? checksToJSON(*R.Checks) : json::Value(nullptr)},
      {"limits", json::Object{{"wall_s", L.WallSeconds},
                              {"cpu_s", L.CpuSeconds},
                              {"memory", int64_t(L.MemoryBytes)},
                              {"output", int64_t(L.OutputBytes)},
                              {"scratch", L.ScratchDir},
                              {"readable", json::Array(L.ReadablePaths)},
                              {"confine_reads", L.ConfineReads},
                              {"seccomp", L.Seccomp}}}};
}

RunRequest requestFromJSON(const json::Object &O) {
  RunRequest R;
  if (const json::Object *Overrides = O.getObject("overrides"))
    for (const auto &[Path, Text] : *Overrides)
      R.Overrides[Path.str()] = Text.getAsString().value_or("").str();
  if (const json::Array *Workloads = O.getArray("workloads"))
    for (const json::Value &W : *Workloads)
      if (const json::Object *WO = W.getAsObject())
        R.Workloads.push_back({WO->getString("name").value_or("").str(),
                               WO->getString("path").value_or("").str()});
  R.DryRun = O.getBoolean("dry_run").value_or(false);
  if (const json::Object *T = O.getObject("tune"))
    R.Tune = tuneFromJSON(*T);
  if (const json::Array *K = O.getArray("known_programs"))
    for (const json::Value &V : *K)
      R.KnownPrograms.push_back(V.getAsString().value_or("").str());
  if (const json::Object *C = O.getObject("checks"))
    R.Checks = checksFromJSON(*C);
  if (const json::Object *L = O.getObject("limits")) {
    R.Limits.WallSeconds = L->getNumber("wall_s").value_or(10);
    R.Limits.SetupSeconds = O.getNumber("setup_s").value_or(0);
    R.Limits.CpuSeconds = L->getNumber("cpu_s").value_or(0);
    R.Limits.MemoryBytes = uint64_t(L->getInteger("memory").value_or(1 << 30));
    R.Limits.OutputBytes = uint64_t(L->getInteger("output").value_or(1 << 20));
    R.Limits.ScratchDir = L->getString("scratch").value_or("").str();
    if (const json::Array *P = L->getArray("readable"))
      for (const json::Value &V : *P)
        R.Limits.ReadablePaths.push_back(V.getAsString().value_or("").str());
    R.Limits.ConfineReads = L->getBoolean("confine_reads").value_or(false);
    R.Limits.Seccomp = L->getBoolean("seccomp").value_or(true);
  }
  return R;
}

/// The zygote: builds the engine, then serves requests until the parent
/// goes away.
[[noreturn]] void zygoteMain(int Sock, const spec::Spec &S,
                             const std::vector<regions::Region> &Regions) {
  // Never outlive the run that started us.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  auto Start = std::chrono::steady_clock::now();
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(S, Regions);
  if (!Engine) {
    sendMessage(Sock, json::Object{{"ready", false},
                                   {"error", toString(Engine.takeError())}});
    _exit(0);
  }
  double Setup =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  sendMessage(Sock, json::Object{{"ready", true}, {"setup_s", Setup}});
  // Shared by every child: what one parses, the next would parse again,
  // so values stored by a child do not come back; the zygote's own stay.
  auto Shared = std::make_shared<Cache>();
  // Every program scored so far, sent a few at a time with the requests:
  // the child that parses a copy of one stops before linking it.
  std::set<std::string> Known;

  for (;;) {
    Expected<json::Value> Msg = receiveMessage(Sock);
    if (!Msg) {
      consumeError(Msg.takeError());
      _exit(0);
    }
    const json::Object *O = Msg->getAsObject();
    if (!O)
      _exit(1);
    RunRequest Request = requestFromJSON(*O);
    Known.insert(Request.KnownPrograms.begin(), Request.KnownPrograms.end());
    if (Request.Checks)
      Request.Checks->Known = &Known;
    // Each tuning point has its own alarm in the child; a point that blocks
    // it is killed from here at twice its time.
    if (Request.Tune)
      Request.Limits.StepSeconds = 2 * Request.Tune->SecondsPerEvaluation + 1;
    exec::SandboxResult SR = exec::runSandboxed(Request.Limits, [&](int Fd) {
      Recorder Rec(Request.Workloads, Shared);
      std::vector<regions::SourceDiagnostic> Diags;
      jit::CandidateTimings T;
      passes::PassResults Passes;
      const jit::CandidateChecks *Checks =
          Request.Checks ? &*Request.Checks : nullptr;
      Error Err =
          (*Engine)->prepare(Request.Overrides, Diags, T, Checks, &Passes);
      std::optional<json::Object> Tuned;
      if (!Err && !Request.DryRun && Passes.Rejections.empty() &&
          !Passes.Duplicate) {
        // The time limit is for the evaluation, not for compiling.
        exec::startTiming(Fd);
        if (Request.Tune)
          Tuned = tuneHere(S, **Engine, Request, Shared, T, Fd);
        else
          (*Engine)->evaluate(Rec, T);
      }
      json::Object Out{{"compile_ms", T.CompileMs},
                       {"link_ms", T.LinkMs},
                       {"run_ms", T.RunMs},
                       {"passes", passResultsToJSON(Passes)}};
      if (Err) {
        Out["failed"] = toString(std::move(Err));
        Out["diagnostics"] = regions::toJSON(Diags);
      } else if (Tuned) {
        Out["tuned"] = std::move(*Tuned);
      } else {
        Out["report"] = toJSON(Rec.report());
      }
      return exec::sendResult(Fd,
                              formatv("{0}", json::Value(std::move(Out))).str())
                 ? 0
                 : 1;
    });
    json::Object Reply{{"status", exec::toString(SR.Status)},
                       {"reason", SR.Reason},
                       {"payload", SR.Payload},
                       {"stdout", SR.Stdout},
                       {"stderr", SR.Stderr},
                       {"wall_ms", SR.WallMs}};
    if (!sendMessage(Sock, std::move(Reply)))
      _exit(0);
  }
}

} // namespace

Error Executor::spawn() {
  int Pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Pair) != 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot create a socket pair");
  // In a PID namespace of its own where allowed: its children can name
  // nothing outside it, and die with it.
  pid_t Pid = exec::forkSandboxHost();
  if (Pid < 0) {
    ::close(Pair[0]);
    ::close(Pair[1]);
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot fork the zygote");
  }
  if (Pid == 0) {
    ::close(Pair[0]);
    zygoteMain(Pair[1], S, Regions);
  }
  ::close(Pair[1]);
  Socket = Pair[0];
  ZygotePid = Pid;
  Expected<json::Value> Ready = receiveMessage(Socket, SetupTimeoutMs);
  if (!Ready) {
    std::string Why = toString(Ready.takeError());
    stop();
    return createStringError(inconvertibleErrorCode(),
                             "the zygote did not start: %s", Why.c_str());
  }
  const json::Object *O = Ready->getAsObject();
  if (!O || !O->getBoolean("ready").value_or(false)) {
    std::string Why =
        O ? O->getString("error").value_or("unknown error").str() : "bad reply";
    stop();
    return createStringError(inconvertibleErrorCode(), "%s", Why.c_str());
  }
  SetupSeconds = O->getNumber("setup_s").value_or(0);
  return Error::success();
}

void Executor::stop() {
  if (Socket >= 0)
    ::close(Socket);
  Socket = -1;
  if (ZygotePid > 0) {
    kill(ZygotePid, SIGKILL);
    while (waitpid(ZygotePid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  ZygotePid = -1;
}

Expected<std::unique_ptr<Executor>>
Executor::start(const spec::Spec &S,
                const std::vector<regions::Region> &Regions) {
  std::unique_ptr<Executor> E(new Executor(S, Regions));
  // A dead zygote must not kill us through a write to its socket.
  std::signal(SIGPIPE, SIG_IGN);
  if (Error Err = E->spawn())
    return std::move(Err);
  return std::move(E);
}

Executor::~Executor() { stop(); }

void Executor::remember(std::string Program) {
  if (!Program.empty() && KnownSet.insert(Program).second)
    Known.push_back(std::move(Program));
}

Expected<RunResult> Executor::run(const RunRequest &Request) {
  RunRequest WithKnown = Request;
  auto Compose = [&] {
    WithKnown.KnownPrograms.assign(Known.begin() + ZygoteKnows, Known.end());
    return requestToJSON(WithKnown);
  };
  json::Value Message = Compose();
  Expected<json::Value> Reply =
      createStringError(inconvertibleErrorCode(), "not sent");
  // One retry: if the zygote itself died (not the candidate's child), it is
  // started again and the request sent once more.
  for (int Attempt = 0; Attempt < 2; ++Attempt) {
    consumeError(Reply.takeError());
    if (Socket < 0 || !sendMessage(Socket, Message)) {
      Reply = createStringError(inconvertibleErrorCode(), "zygote gone");
    } else {
      Reply = receiveMessage(Socket);
    }
    if (Reply) {
      ZygoteKnows = Known.size();
      break;
    }
    stop();
    ++Restarts;
    if (Error E = spawn())
      return std::move(E);
    // A new zygote knows nothing yet: it gets the whole list.
    ZygoteKnows = 0;
    Message = Compose();
  }
  if (!Reply) {
    consumeError(Reply.takeError());
    RunResult R;
    R.Status = "crashed";
    R.Reason = "the zygote died twice while running this candidate";
    return R;
  }

  const json::Object *O = Reply->getAsObject();
  RunResult R;
  R.Status = O ? O->getString("status").value_or("crashed").str() : "crashed";
  R.Reason = O ? O->getString("reason").value_or("").str() : "bad reply";
  R.WallMs = O ? O->getNumber("wall_ms").value_or(0) : 0;
  if (O) {
    R.Stdout = O->getString("stdout").value_or("").str();
    R.Stderr = O->getString("stderr").value_or("").str();
  }
  if (R.Status != "ok")
    return R;

  Expected<json::Value> Payload =
      json::parse(O->getString("payload").value_or(""));
  const json::Object *P = Payload ? Payload->getAsObject() : nullptr;
  if (!P) {
    if (!Payload)
      consumeError(Payload.takeError());
    R.Status = "invalid_output";
    R.Reason = "the candidate's process sent a malformed result";
    return R;
  }
  R.Timings.CompileMs = P->getNumber("compile_ms").value_or(0);
  R.Timings.LinkMs = P->getNumber("link_ms").value_or(0);
  R.Timings.RunMs = P->getNumber("run_ms").value_or(0);
  R.Passes = passResultsFromJSON(P->getObject("passes"));
  if (std::optional<StringRef> Failed = P->getString("failed")) {
    R.Status = "compile_error";
    R.Reason = Failed->split('\n').first.str();
    R.CompileErrors = regions::diagnosticsFromJSON(P->getArray("diagnostics"));
    return R;
  }
  if (!R.Passes.Rejections.empty()) {
    R.Status = "rejected";
    R.Reason = R.Passes.Rejections.front().Message;
    return R;
  }
  if (R.Passes.Duplicate) {
    R.Status = "duplicate";
    R.Reason = "the same program (up to comments, layout and local names) "
               "was evaluated before";
    return R;
  }
  if (const json::Object *Tuned = P->getObject("tuned")) {
    tune::Outcome O;
    if (const json::Array *B = Tuned->getArray("best"))
      for (const json::Value &V : *B)
        O.Best.push_back(V.getAsNumber().value_or(0));
    O.BestCost = Tuned->getNumber("best_cost").value_or(0);
    O.InitialCost = Tuned->getNumber("initial_cost").value_or(0);
    O.Evaluations = unsigned(Tuned->getInteger("evaluations").value_or(0));
    O.Error = Tuned->getString("error").value_or("").str();
    R.Tuned = std::move(O);
    return R;
  }
  if (const json::Value *Report = P->get("report")) {
    Expected<eval::Report> Parsed =
        reportFromJSON(formatv("{0}", *Report).str());
    if (!Parsed) {
      consumeError(Parsed.takeError());
      R.Status = "invalid_output";
      R.Reason = "the evaluator's report could not be read";
      return R;
    }
    R.Reported = std::move(*Parsed);
  }
  return R;
}

} // namespace eval
} // namespace adrs
