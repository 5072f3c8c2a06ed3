//===- Executor.cpp - A warm zygote that runs candidates ------------------===//

#include "adrs/Eval/Executor.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/JIT/CallChannel.h"
#include "adrs/Regions/SourceParser.h"

#include "adrs/Spec/SpecLoader.h"
#include "adrs/Support/EnumNames.h"
#include "adrs/Support/IO.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Base64.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <list>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

LLVM_INSTANTIATE_REGISTRY(adrs::eval::ChildTaskRegistry)

namespace adrs {
namespace eval {

ChildTask::~ChildTask() = default;

namespace {

/// How long the zygote may take to compile the prebuilt code.
constexpr int SetupTimeoutMs = 600'000;
/// How much longer than the child's own limits the zygote may take to
/// answer: forking, reaping and framing.
constexpr double AnswerMarginSeconds = 30;
/// A zygote message larger than this is not one.
constexpr uint32_t MaxMessage = 256u << 20;

Error protocolError(const Twine &What) {
  return createStringError(inconvertibleErrorCode(),
                           "the evaluation zygote " + What);
}

bool sendMessage(int Fd, const json::Value &V) {
  std::string Text = formatv("{0}", V).str();
  char Header[4];
  uint32_t Size = uint32_t(Text.size());
  for (int I = 0; I < 4; ++I)
    Header[I] = char((Size >> (8 * I)) & 0xff);
  return writeAll(Fd, Header, 4) && writeAll(Fd, Text.data(), Text.size());
}

/// Reads one message; an error when the other side is gone, the message is
/// not JSON, or the deadline passes (TimeoutMs < 0: no deadline, for the
/// zygote, whose parent may think as long as it likes).
/// \p GiveUp, when given, is asked every quarter second while nothing
/// comes: a worker waiting in a cluster's queue must not hold up a Ctrl-C.
Expected<json::Value> receiveMessage(int Fd, int64_t TimeoutMs = -1,
                                     function_ref<bool()> GiveUp = nullptr) {
  auto Deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::max<int64_t>(TimeoutMs, 0));
  auto ReadExactly = [&](char *Out, size_t Size) -> Error {
    while (Size) {
      int Wait = -1;
      if (TimeoutMs >= 0) {
        auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        Deadline - std::chrono::steady_clock::now())
                        .count();
        if (Left <= 0)
          return protocolError("did not answer in time");
        Wait = int(std::min<int64_t>(Left, INT32_MAX));
      }
      if (GiveUp)
        Wait = Wait < 0 ? 250 : std::min(Wait, 250);
      struct pollfd P = {Fd, POLLIN, 0};
      int Ready = poll(&P, 1, Wait);
      if (Ready < 0 && errno == EINTR)
        continue;
      if (Ready == 0) {
        if (GiveUp && GiveUp())
          return protocolError("was given up on: the run is stopping");
        continue; // the deadline is checked above
      }
      ssize_t N = ::read(Fd, Out, Size);
      if (N < 0 && errno == EINTR)
        continue;
      if (N <= 0)
        return protocolError("closed its connection");
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
  if (Size > MaxMessage)
    return protocolError("sent an oversized message");
  std::string Text(Size, '\0');
  if (Error E = ReadExactly(Text.data(), Size))
    return std::move(E);
  Expected<json::Value> V = json::parse(Text);
  if (!V)
    return protocolError("sent a message that is not JSON: " +
                         toString(V.takeError()));
  return V;
}

/// Each action's spelling on the wire, once.
constexpr EnumName<ChildAction> ActionNames[] = {
    {ChildAction::Evaluate, "evaluate"}, {ChildAction::CheckOnly, "check"},
    {ChildAction::LinkOnly, "link"},     {ChildAction::Task, "task"},
    {ChildAction::Confirm, "confirm"},
};

StringRef actionName(ChildAction A) { return nameOf(ActionNames, A); }

std::optional<ChildAction> actionNamed(StringRef Name) {
  return valueNamed(ActionNames, Name);
}

// ---- Requests: adrsc -> zygote -------------------------------------------

json::Value requestToJSON(const RunRequest &R, ArrayRef<std::string> NewKnown) {
  json::Object Overrides;
  for (const auto &[Path, Text] : R.Overrides)
    Overrides[Path] = Text;
  json::Array Regions;
  for (const regions::Region &Reg : R.Regions)
    Regions.push_back(regions::toJSON(Reg));
  json::Array Workloads;
  for (const Workload &W : R.Workloads)
    Workloads.push_back(json::Object{{"name", W.Name}, {"path", W.Path}});
  const exec::SandboxLimits &L = R.Limits;
  return json::Object{
      {"overrides", std::move(Overrides)},
      {"regions", std::move(Regions)},
      {"passes", json::Array(R.Passes)},
      {"workloads", std::move(Workloads)},
      {"action", actionName(R.Action)},
      {"stage", R.Stage},
      {"whole_units", R.WholeUnits},
      {"task", R.Task},
      {"task_payload", R.TaskPayload},
      {"known_programs", json::Array(NewKnown)},
      {"limits", json::Object{{"wall_s", L.WallSeconds},
                              {"setup_s", L.SetupSeconds},
                              {"cpu_s", L.CpuSeconds},
                              {"memory", int64_t(L.MemoryBytes)},
                              {"output", int64_t(L.OutputBytes)},
                              {"scratch", L.ScratchDir},
                              {"readable", json::Array(L.ReadablePaths)},
                              {"confine_reads", L.ConfineReads},
                              {"step_s", L.StepSeconds},
                              {"seccomp", L.Seccomp}}}};
}

/// The zygote's reading of a request. Its only writer is adrsc, but a
/// request it misreads would be evaluated wrongly, so nothing is defaulted.
Expected<RunRequest> requestFromJSON(const json::Value &V,
                                     std::vector<std::string> &NewKnown) {
  RunRequest R;
  json::Path::Root Root("request");
  json::ObjectMapper O(V, Root);
  std::map<std::string, std::string> Overrides;
  std::vector<std::string> Known;
  std::string Action;
  json::Value Payload = nullptr;
  const json::Object *Obj = V.getAsObject();
  if (!Obj || !O || !O.map("overrides", Overrides) ||
      !O.map("passes", R.Passes) || !O.map("action", Action) ||
      !O.map("stage", R.Stage) || !O.map("task", R.Task) ||
      !O.map("known_programs", Known))
    return protocolError("got a malformed request: " +
                         toString(Root.getError()));
  R.Overrides = std::move(Overrides);
  NewKnown = std::move(Known);
  std::optional<ChildAction> A = actionNamed(Action);
  if (!A)
    return protocolError("got an unknown action '" + Action + "'");
  R.Action = *A;
  if (const json::Value *P = Obj->get("task_payload"))
    R.TaskPayload = *P;
  R.WholeUnits = Obj->getBoolean("whole_units").value_or(false);
  const json::Array *Regions = Obj->getArray("regions");
  const json::Array *Workloads = Obj->getArray("workloads");
  const json::Object *L = Obj->getObject("limits");
  if (!Regions || !Workloads || !L)
    return protocolError("got a request without regions, workloads or "
                         "limits");
  for (const json::Value &X : *Regions)
    if (const json::Object *RO = X.getAsObject())
      R.Regions.push_back(regions::regionFromJSON(*RO));
  for (const json::Value &X : *Workloads) {
    const json::Object *W = X.getAsObject();
    std::optional<StringRef> Name = W ? W->getString("name") : std::nullopt;
    std::optional<StringRef> Path = W ? W->getString("path") : std::nullopt;
    if (!Name || !Path)
      return protocolError("got a malformed workload");
    R.Workloads.push_back({Name->str(), Path->str()});
  }
  json::Path::Root LRoot("limits");
  json::ObjectMapper LM(*Obj->get("limits"), LRoot);
  exec::SandboxLimits &Lim = R.Limits;
  int64_t Memory = 0, Output = 0;
  if (!LM.map("wall_s", Lim.WallSeconds) ||
      !LM.map("setup_s", Lim.SetupSeconds) ||
      !LM.map("cpu_s", Lim.CpuSeconds) || !LM.map("memory", Memory) ||
      !LM.map("output", Output) || !LM.map("scratch", Lim.ScratchDir) ||
      !LM.map("readable", Lim.ReadablePaths) ||
      !LM.map("confine_reads", Lim.ConfineReads) ||
      !LM.map("step_s", Lim.StepSeconds) || !LM.map("seccomp", Lim.Seccomp) ||
      Memory <= 0 || Output <= 0)
    return protocolError("got malformed limits: " + toString(LRoot.getError()));
  Lim.MemoryBytes = uint64_t(Memory);
  Lim.OutputBytes = uint64_t(Output);
  return R;
}

// ---- The child: compile, check, link, run --------------------------------

/// How the child's part ended, as it reports it.
enum class Outcome {
  CompileError,
  Rejected,
  Duplicate,
  Checked,
  Ran,
  Task,
  Served,        ///< A confirmation's candidate side answered every call.
  CandidateLost, ///< A confirmation's candidate side stopped answering.
};

/// Each outcome's spelling on the wire, once.
constexpr EnumName<Outcome> OutcomeNames[] = {
    {Outcome::CompileError, "compile_error"},
    {Outcome::Rejected, "rejected"},
    {Outcome::Duplicate, "duplicate"},
    {Outcome::Checked, "checked"},
    {Outcome::Ran, "ran"},
    {Outcome::Task, "task"},
    {Outcome::Served, "served"},
    {Outcome::CandidateLost, "candidate_lost"},
};

StringRef outcomeName(Outcome O) { return nameOf(OutcomeNames, O); }

std::optional<Outcome> outcomeNamed(StringRef Name) {
  return valueNamed(OutcomeNames, Name);
}

std::unique_ptr<ChildTask> instantiateTask(StringRef Name) {
  for (const ChildTaskRegistry::entry &E : ChildTaskRegistry::entries())
    if (E.getName() == Name)
      return E.instantiate();
  return nullptr;
}

/// A compiled candidate larger than this is not kept: it would crowd the
/// result channel's allowance (and a zygote's memory) for little gain.
constexpr size_t MaxKeptCompileBytes = 16u << 20;

/// Sends the candidate \p Engine generated to the zygote, which keeps it
/// for the next request of the same candidate (CompiledCandidates).
void sendCompiled(int Fd, const jit::Engine &Engine) {
  std::string Compiled = Engine.compiled();
  if (Compiled.size() <= MaxKeptCompileBytes)
    exec::sendPrepared(Fd, Compiled);
}

/// The candidate's life in its child. Timing starts before linking: static
/// initialisers are candidate code too.
int childMain(int Fd, const spec::Spec &S, jit::Engine &Engine,
              const RunRequest &Request, const std::set<std::string> &Known,
              std::shared_ptr<Cache> Shared, const std::string *Compiled) {
  jit::CandidateTimings T;
  passes::PassResults Passes;
  std::vector<regions::SourceDiagnostic> Diags;
  json::Object Out;
  auto Send = [&](Outcome O) {
    Out["outcome"] = outcomeName(O);
    Out["compile_ms"] = T.CompileMs;
    Out["link_ms"] = T.LinkMs;
    Out["run_ms"] = T.RunMs;
    Out["passes"] = passes::toJSON(Passes);
    return exec::sendResult(Fd,
                            formatv("{0}", json::Value(std::move(Out))).str())
               ? 0
               : 1;
  };
  auto Failed = [&](Outcome O, Error E) {
    Out["error"] = toString(std::move(E));
    Out["diagnostics"] = regions::toJSON(Diags);
    return Send(O);
  };

  Expected<passes::PassPipeline> Pipeline =
      passes::PassPipeline::create(Request.Passes);
  if (!Pipeline)
    return Failed(Outcome::Rejected, Pipeline.takeError());
  Engine.setReuse(!Request.WholeUnits);
  if (Compiled) {
    if (Error E = Engine.adopt(*Compiled))
      return Failed(Outcome::CompileError, std::move(E));
  } else {
    if (Error E = Engine.compile(Request.Overrides, Request.Regions, *Pipeline,
                                 Passes, Diags, T))
      return Failed(Outcome::CompileError, std::move(E));
    if (!Passes.Rejections.empty())
      return Send(Outcome::Rejected);
    if (Known.count(passes::programFingerprint(Passes)))
      return Send(Outcome::Duplicate);
    if (Request.Action == ChildAction::CheckOnly)
      return Send(Outcome::Checked);
    if (Error E = Engine.generate(T))
      return Failed(Outcome::CompileError, std::move(E));
    // Before any of its code runs, so that the zygote keeps the compiler's
    // work and nothing the candidate wrote.
    sendCompiled(Fd, Engine);
  }

  std::unique_ptr<ChildTask> Task;
  if (Request.Action == ChildAction::Task) {
    Task = instantiateTask(Request.Task);
    if (!Task)
      return Failed(Outcome::CompileError,
                    createStringError(inconvertibleErrorCode(),
                                      "no child task '%s' is registered",
                                      Request.Task.c_str()));
  }
  // The time limit is for the candidate's code, which starts with linking;
  // compiling it was the setup allowance.
  exec::startTiming(Fd);
  if (Error E = Engine.link(T))
    return Failed(Outcome::CompileError, std::move(E));
  if (Request.Action == ChildAction::LinkOnly)
    return Send(Outcome::Checked);
  if (Task) {
    ChildContext Ctx{S,      Engine, Request.Workloads,
                     Shared, T,      Request.Limits.WallSeconds,
                     Fd};
    Out["task"] = Task->run(Ctx, Request.TaskPayload);
    return Send(Outcome::Task);
  }
  Recorder Rec(Request.Workloads, Shared);
  Engine.evaluate(Rec, T);
  Out["report"] = toJSON(Rec.report());
  return Send(Outcome::Ran);
}

// ---- A confirmation: the candidate and the evaluator apart ---------------

/// The result channel of a confirmation's evaluator side, for the handler
/// that reports a candidate side that stopped answering.
int LostChannel = -1;

[[noreturn]] void onCandidateLost(const char *Why) {
  std::string Text =
      formatv("{0}", json::Value(json::Object{
                         {"outcome", outcomeName(Outcome::CandidateLost)},
                         {"error", Why}}))
          .str();
  exec::sendResult(LostChannel, Text);
  _exit(0);
}

/// The candidate's side: compile and link it, then answer the evaluator's
/// calls until it is done.
int candidateSide(int Fd, jit::Engine &Engine, const RunRequest &Request,
                  jit::CallChannel &Calls, const std::string *Compiled) {
  jit::CandidateTimings T;
  passes::PassResults Passes;
  std::vector<regions::SourceDiagnostic> Diags;
  json::Object Out;
  auto Send = [&](Outcome O) {
    Out["outcome"] = outcomeName(O);
    Out["compile_ms"] = T.CompileMs;
    Out["link_ms"] = T.LinkMs;
    return exec::sendResult(Fd,
                            formatv("{0}", json::Value(std::move(Out))).str())
               ? 0
               : 1;
  };
  Expected<passes::PassPipeline> None = passes::PassPipeline::create({});
  if (!None)
    return 1;
  Engine.setReuse(!Request.WholeUnits);
  Error Made = Compiled ? Engine.adopt(*Compiled)
                        : Engine.compile(Request.Overrides, Request.Regions,
                                         *None, Passes, Diags, T);
  if (!Made && !Compiled) {
    Made = Engine.generate(T);
    if (!Made)
      sendCompiled(Fd, Engine);
  }
  if (Made) {
    Out["error"] = toString(std::move(Made));
    Out["diagnostics"] = regions::toJSON(Diags);
    return Send(Outcome::CompileError);
  }
  exec::startTiming(Fd);
  if (Error E = Engine.link(T)) {
    Out["error"] = toString(std::move(E));
    return Send(Outcome::CompileError);
  }
  Expected<uint64_t> Served = Engine.serveRemote(Calls);
  if (!Served) {
    Out["error"] = toString(Served.takeError());
    return Send(Outcome::CandidateLost);
  }
  Out["calls"] = int64_t(*Served);
  return Send(Outcome::Served);
}

/// The evaluator's side: the simulator and the evaluator, with the calls
/// into the unit sent to the candidate's side. No candidate code runs here.
int evaluatorSide(int Fd, jit::Engine &Engine, const RunRequest &Request,
                  std::shared_ptr<Cache> Shared, jit::CallChannel &Calls) {
  LostChannel = Fd;
  jit::CandidateTimings T;
  json::Object Out;
  if (Error E = Engine.linkRemote(Calls, onCandidateLost)) {
    Out["outcome"] = outcomeName(Outcome::CompileError);
    Out["error"] = toString(std::move(E));
  } else {
    exec::startTiming(Fd);
    Recorder Rec(Request.Workloads, Shared);
    Engine.evaluate(Rec, T);
    Out["outcome"] = outcomeName(Outcome::Ran);
    Out["report"] = toJSON(Rec.report());
  }
  Out["run_ms"] = T.RunMs;
  return exec::sendResult(Fd, formatv("{0}", json::Value(std::move(Out))).str())
             ? 0
             : 1;
}

json::Object sandboxReplyToJSON(const exec::SandboxResult &SR) {
  return json::Object{{"status", exec::toString(SR.Status)},
                      {"reason", SR.Reason},
                      {"payload", SR.Payload},
                      {"stdout", SR.Stdout},
                      {"stderr", SR.Stderr},
                      {"wall_ms", SR.WallMs}};
}

/// Runs both sides of a confirmation, each in a sandboxed child, joined by
/// a call channel and nothing else. The candidate's side is started from a
/// plain fork of the zygote, which waits for it and reports how it ended.
json::Object runConfirmation(jit::Engine &Engine, const RunRequest &Request,
                             std::shared_ptr<Cache> Shared,
                             const std::string *Compiled) {
  Expected<std::unique_ptr<jit::CallChannel>> Channel =
      jit::CallChannel::create();
  if (!Channel)
    return json::Object{{"error", toString(Channel.takeError())}};
  jit::CallChannel &Calls = **Channel;
  int Report[2];
  if (pipe2(Report, O_CLOEXEC) != 0)
    return json::Object{{"error", "cannot create a pipe"}};
  pid_t Keeper = fork();
  if (Keeper < 0) {
    for (int Fd : {Report[0], Report[1]})
      ::close(Fd);
    return json::Object{{"error", "cannot fork"}};
  }
  if (Keeper == 0) {
    Calls.becomeServer();
    ::close(Report[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    exec::SandboxLimits L = Request.Limits;
    L.InheritedFd = Calls.serverFd();
    exec::SandboxResult SR = exec::runSandboxed(L, [&](int Fd) {
      return candidateSide(Fd, Engine, Request, Calls, Compiled);
    });
    json::Object Side = sandboxReplyToJSON(SR);
    // For the zygote to keep (and take out before the reply goes on).
    if (SR.Status == exec::SandboxStatus::OK && !SR.Prepared.empty())
      Side["prepared"] = encodeBase64(SR.Prepared);
    std::string Text = formatv("{0}", json::Value(std::move(Side))).str();
    writeAll(Report[1], Text.data(), Text.size());
    _exit(0);
  }
  Calls.becomeCaller();
  ::close(Report[1]);
  exec::SandboxLimits L = Request.Limits;
  L.InheritedFd = Calls.callerFd();
  exec::SandboxResult SR = exec::runSandboxed(L, [&](int Fd) {
    return evaluatorSide(Fd, Engine, Request, Shared, Calls);
  });
  // The candidate's side sees the evaluator's end close and finishes.
  Channel->reset();
  std::string Candidate;
  char Buffer[65536];
  for (;;) {
    ssize_t N = ::read(Report[0], Buffer, sizeof(Buffer));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break;
    Candidate.append(Buffer, size_t(N));
  }
  ::close(Report[0]);
  while (waitpid(Keeper, nullptr, 0) < 0 && errno == EINTR) {
  }
  json::Object Reply = sandboxReplyToJSON(SR);
  Expected<json::Value> C = json::parse(Candidate);
  if (C)
    Reply["candidate"] = std::move(*C);
  else
    Reply["candidate"] = json::Object{
        {"status", "crashed"},
        {"reason", "the candidate's side of the confirmation ended without "
                   "a word: " +
                       toString(C.takeError())},
        {"payload", ""},
        {"stdout", ""},
        {"stderr", ""},
        {"wall_ms", 0}};
  return Reply;
}

/// Candidates a zygote has compiled, kept for the next request of the same
/// candidate (the next stage of a cascade, a repeat, a confirmation), so
/// that it is compiled once: the child gets the compile and links it
/// (jit::Engine::adopt). What is kept is what a child sent before any
/// candidate code ran (exec::sendPrepared); the zygote never reads it, and
/// the child that adopts it checks its shape. The least recently used go
/// first.
class CompiledCandidates {
public:
  /// What decides a compile: the candidate's text, where its regions are,
  /// and whether its units are compiled whole.
  static std::string keyOf(const RunRequest &R) {
    SHA256 Hash;
    auto Add = [&Hash](StringRef Part) {
      uint64_t Size = Part.size();
      Hash.update(ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(&Size),
                                    sizeof(Size)));
      Hash.update(Part);
    };
    Add(R.WholeUnits ? "whole" : "reuse");
    for (const auto &[File, Text] : R.Overrides) {
      Add(File);
      Add(Text);
    }
    Add("regions");
    for (const regions::Region &Rg : R.Regions) {
      Add(Rg.File);
      Add(Rg.Name);
      Add(std::to_string(Rg.Begin) + ":" + std::to_string(Rg.End));
    }
    return toHex(Hash.final());
  }

  /// Whether request \p R may be served by a kept compile: not when it
  /// runs passes, which need the parse, or stops after them.
  static bool mayAdopt(const RunRequest &R) {
    return R.Passes.empty() && R.Action != ChildAction::CheckOnly;
  }

  const std::string *find(const std::string &Key) {
    for (auto It = Kept.begin(); It != Kept.end(); ++It)
      if (It->first == Key) {
        Kept.splice(Kept.end(), Kept, It);
        return &Kept.back().second;
      }
    return nullptr;
  }

  void keep(const std::string &Key, std::string Compiled) {
    if (Compiled.empty() || Compiled.size() > MaxKeptCompileBytes || find(Key))
      return;
    Bytes += Compiled.size();
    Kept.emplace_back(Key, std::move(Compiled));
    while (Kept.size() > MaxEntries || Bytes > MaxBytes) {
      Bytes -= Kept.front().second.size();
      Kept.pop_front();
    }
  }

private:
  /// Enough for every stage and repeat of the candidates a worker has in
  /// hand; every child inherits the memory (copy-on-write, not copied).
  static constexpr size_t MaxEntries = 16;
  static constexpr size_t MaxBytes = 128u << 20;
  std::list<std::pair<std::string, std::string>> Kept;
  size_t Bytes = 0;
};

/// The next request a zygote receives on \p In: the process ends when the
/// other side has gone, and a request that cannot be read is answered on
/// \p Out with why (none is returned then). \p Known gets the programs
/// scored so far that came with it.
std::optional<RunRequest> nextRequest(int In, int Out,
                                      std::vector<std::string> &Known) {
  Expected<json::Value> Msg = receiveMessage(In);
  if (!Msg) {
    consumeError(Msg.takeError());
    _exit(0);
  }
  Expected<RunRequest> Request = requestFromJSON(*Msg, Known);
  if (!Request) {
    sendMessage(Out, json::Object{{"error", toString(Request.takeError())}});
    return std::nullopt;
  }
  return std::move(*Request);
}

/// The zygote: builds the engine, then serves requests until the parent
/// goes away.
[[noreturn]] void serveRequests(int In, int Out, const spec::Spec &S,
                                const std::vector<regions::Region> &Regions) {
  // Never outlive the run that started us.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1)
    _exit(0);
  auto Start = std::chrono::steady_clock::now();
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(S, Regions);
  if (!Engine) {
    sendMessage(Out, json::Object{{"ready", false},
                                  {"error", toString(Engine.takeError())}});
    _exit(0);
  }
  double Setup =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  sendMessage(Out,
              json::Object{{"ready", true},
                           {"setup_s", Setup},
                           {"not_confirmable", (*Engine)->whyNotConfirmable()},
                           {"reused_functions",
                            json::Array((*Engine)->reusedFunctionNames())},
                           {"why_no_reuse", (*Engine)->whyNoReuse()}});
  // Shared by every child: what one parses, the next would parse again,
  // so values stored by a child do not come back; the zygote's own stay.
  auto Shared = std::make_shared<Cache>();
  // Every program scored so far, sent a few at a time with the requests:
  // the child that parses a copy of one stops before linking it.
  std::set<std::string> Known;
  CompiledCandidates KeptCompiles;

  for (;;) {
    std::vector<std::string> NewKnown;
    std::optional<RunRequest> Request = nextRequest(In, Out, NewKnown);
    if (!Request)
      continue;
    Known.insert(NewKnown.begin(), NewKnown.end());
    std::string Key = CompiledCandidates::keyOf(*Request);
    const std::string *Compiled = CompiledCandidates::mayAdopt(*Request)
                                      ? KeptCompiles.find(Key)
                                      : nullptr;
    json::Object Reply;
    if (Request->Action == ChildAction::Confirm) {
      Reply = runConfirmation(**Engine, *Request, Shared, Compiled);
      // The candidate's side compiled it, as the next stage's would.
      if (json::Object *Side = Reply.getObject("candidate")) {
        std::vector<char> Bytes;
        if (std::optional<StringRef> Text = Side->getString("prepared")) {
          if (Error E = decodeBase64(*Text, Bytes))
            consumeError(std::move(E));
          else if (!Compiled)
            KeptCompiles.keep(Key, std::string(Bytes.begin(), Bytes.end()));
        }
        Side->erase("prepared");
      }
    } else {
      exec::SandboxResult SR = exec::runSandboxed(Request->Limits, [&](int Fd) {
        return childMain(Fd, S, **Engine, *Request, Known, Shared, Compiled);
      });
      if (!Compiled && SR.Status == exec::SandboxStatus::OK)
        KeptCompiles.keep(Key, std::move(SR.Prepared));
      Reply = sandboxReplyToJSON(SR);
    }
    Reply["compiled_before"] = Compiled != nullptr;
    if (!sendMessage(Out, std::move(Reply)))
      _exit(0);
  }
}

/// The sandbox's words for what an evaluator command's run came to: the
/// answer then travels, and is read, as a C++ evaluator's child's does.
exec::SandboxStatus sandboxStatusOf(adrs::Status S) {
  switch (S) {
  case Status::OK:
    return exec::SandboxStatus::OK;
  case Status::Timeout:
    return exec::SandboxStatus::Timeout;
  case Status::Crashed:
    return exec::SandboxStatus::Crashed;
  case Status::OutOfMemory:
    return exec::SandboxStatus::OutOfMemory;
  case Status::InvalidOutput:
    return exec::SandboxStatus::InvalidOutput;
  default:
    // runCommand ends in none of the others; what it cannot set up (a
    // mirror it cannot write) it calls an abnormal exit.
    return exec::SandboxStatus::AbnormalExit;
  }
}

/// The zygote of a SLURM worker whose spec's evaluator is a command: no
/// engine to build, since nothing is compiled here; each request runs the
/// command as a local run does (Evaluator::runCommand), and the answer is
/// shaped as a C++ candidate's, so that adrsc reads it on the same road.
[[noreturn]] void serveCommands(int In, int Out, const spec::Spec &S,
                                std::vector<std::string> StepVariables) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1)
    _exit(0);
  Evaluator Ev(S, nullptr);
  Ev.setCommandVariables(std::move(StepVariables));
  sendMessage(Out, json::Object{{"ready", true},
                                {"setup_s", 0.0},
                                {"not_confirmable",
                                 "the evaluator is a command, which runs in "
                                 "a process of its own"}});
  for (;;) {
    std::vector<std::string> Unused;
    std::optional<RunRequest> Request = nextRequest(In, Out, Unused);
    if (!Request)
      continue;
    if (Request->Action != ChildAction::Evaluate) {
      std::string Why = "an evaluator command can only evaluate, not '" +
                        actionName(Request->Action).str() + "'";
      sendMessage(Out, json::Object{{"error", Why}});
      continue;
    }
    RunResult R = Ev.runCommand(*Request);
    exec::SandboxResult SR;
    SR.Status = sandboxStatusOf(R.Status);
    SR.Reason = std::move(R.Reason);
    if (R.Status == Status::OK)
      SR.Payload = formatv("{0}", json::Value(json::Object{
                                      {"outcome", outcomeName(Outcome::Ran)},
                                      {"run_ms", R.Timings.RunMs},
                                      {"report", toJSON(R.Reported)}}))
                       .str();
    SR.Stdout = std::move(R.Stdout);
    SR.Stderr = std::move(R.Stderr);
    SR.WallMs = R.WallMs;
    if (!sendMessage(Out, sandboxReplyToJSON(SR)))
      _exit(0);
  }
}

// ---- Answers: zygote -> adrsc --------------------------------------------

/// What the sandbox said, as the zygote forwards it.
struct SandboxReply {
  exec::SandboxStatus Status = exec::SandboxStatus::OK;
  std::string Reason, Payload, Stdout, Stderr;
  double WallMs = 0;
  /// The zygote's own word: the child linked a compile kept from an earlier
  /// request.
  bool CompiledBefore = false;
};

Expected<SandboxReply> sandboxReplyFromJSON(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return protocolError("sent an answer that is not an object");
  if (std::optional<StringRef> Error = O->getString("error"))
    return protocolError("refused the request: " + *Error);
  SandboxReply R;
  std::string Status;
  json::Path::Root Root("answer");
  json::ObjectMapper M(V, Root);
  if (!M || !M.map("status", Status) || !M.map("reason", R.Reason) ||
      !M.map("payload", R.Payload) || !M.map("stdout", R.Stdout) ||
      !M.map("stderr", R.Stderr) || !M.map("wall_ms", R.WallMs))
    return protocolError("sent a malformed answer: " +
                         toString(Root.getError()));
  std::optional<exec::SandboxStatus> S = exec::sandboxStatusNamed(Status);
  if (!S)
    return protocolError("sent an unknown status '" + Status + "'");
  R.Status = *S;
  R.CompiledBefore = O->getBoolean("compiled_before").value_or(false);
  return R;
}

adrs::Status statusOf(exec::SandboxStatus S) {
  switch (S) {
  case exec::SandboxStatus::OK:
    return Status::OK;
  case exec::SandboxStatus::Timeout:
    return Status::Timeout;
  case exec::SandboxStatus::Crashed:
    return Status::Crashed;
  case exec::SandboxStatus::OutOfMemory:
    return Status::OutOfMemory;
  case exec::SandboxStatus::AbnormalExit:
    return Status::AbnormalExit;
  case exec::SandboxStatus::InvalidOutput:
    return Status::InvalidOutput;
  }
  llvm_unreachable("a sandbox status without a candidate status");
}

/// Reads what the child sent, and says which outcome it reported (none if
/// it was malformed). It is the candidate's process, so any deviation makes
/// the result the candidate's invalid_output.
std::optional<Outcome> readPayload(StringRef Payload, RunResult &R) {
  auto Invalid = [&](const Twine &Why) {
    R.Status = Status::InvalidOutput;
    R.Reason =
        ("the candidate's process sent a malformed result: " + Why).str();
  };
  Expected<json::Value> V = json::parse(Payload);
  if (!V) {
    Invalid(toString(V.takeError()));
    return std::nullopt;
  }
  const json::Object *P = V->getAsObject();
  if (!P) {
    Invalid("not an object");
    return std::nullopt;
  }
  std::optional<Outcome> O = outcomeNamed(P->getString("outcome").value_or(""));
  if (!O) {
    Invalid("no known outcome");
    return O;
  }
  auto Ms = [&](StringRef Key) {
    double D = P->getNumber(Key).value_or(0);
    return std::isfinite(D) && D >= 0 ? D : 0.0;
  };
  R.Timings.CompileMs = Ms("compile_ms");
  R.Timings.LinkMs = Ms("link_ms");
  R.Timings.RunMs = Ms("run_ms");
  if (const json::Value *Passes = P->get("passes")) {
    Expected<passes::PassResults> Read = passes::passResultsFromJSON(*Passes);
    if (!Read) {
      Invalid(toString(Read.takeError()));
      return std::nullopt;
    }
    R.Passes = std::move(*Read);
  }
  StringRef Error = P->getString("error").value_or("");
  switch (*O) {
  case Outcome::CompileError:
    R.Status = Status::CompileError;
    R.Reason = Error.split('\n').first.take_front(4096).str();
    R.CompileErrors = regions::diagnosticsFromJSON(P->getArray("diagnostics"));
    return O;
  case Outcome::Rejected:
    R.Status = Status::Rejected;
    R.Reason = !Error.empty() ? Error.take_front(4096).str()
               : R.Passes.Rejections.empty()
                   ? std::string("a candidate pass refused it")
                   : R.Passes.Rejections.front().Message;
    return O;
  case Outcome::Duplicate:
    R.Status = Status::Duplicate;
    R.Reason = "the same program (up to comments, layout and local names) "
               "was evaluated before";
    return O;
  case Outcome::Checked:
    R.Status = Status::OK;
    return O;
  case Outcome::Task:
    R.Status = Status::OK;
    if (const json::Value *T = P->get("task"))
      R.TaskResult = *T;
    return O;
  case Outcome::CandidateLost:
    // A confirmation's evaluator side: the candidate's side tells why.
    R.Status = Status::AbnormalExit;
    R.Reason = ("the candidate " + Error.take_front(4096)).str();
    return O;
  case Outcome::Served:
    R.Status = Status::InvalidOutput;
    R.Reason = "the candidate's process answered as the other side";
    return O;
  case Outcome::Ran: {
    const json::Value *Report = P->get("report");
    Expected<eval::Report> Read =
        Report ? reportFromJSON(*Report)
               : Expected<eval::Report>(createStringError(
                     inconvertibleErrorCode(), "there is no report"));
    if (!Read) {
      R.Status = Status::InvalidOutput;
      R.Reason = "the evaluator's report could not be read: " +
                 toString(Read.takeError());
      return O;
    }
    R.Reported = std::move(*Read);
    R.Status = Status::OK;
    return O;
  }
  }
  llvm_unreachable("an outcome without a case");
}

/// How a confirmation's candidate side ended, folded into the evaluator
/// side's result: what the candidate printed, how many calls it answered,
/// and, when it stopped answering, why.
Error readCandidateSide(const json::Value &Answer, RunResult &R,
                        bool EvaluatorLostIt) {
  const json::Object *O = Answer.getAsObject();
  const json::Value *C = O ? O->get("candidate") : nullptr;
  if (!C)
    return protocolError("sent a confirmation without its candidate side");
  Expected<SandboxReply> Side = sandboxReplyFromJSON(*C);
  if (!Side)
    return Side.takeError();
  R.Stdout += Side->Stdout;
  R.Stderr += Side->Stderr;
  RunResult Candidate;
  Candidate.Status = statusOf(Side->Status);
  Candidate.Reason = Side->Reason;
  if (Side->Status == exec::SandboxStatus::OK) {
    Expected<json::Value> P = json::parse(Side->Payload);
    if (P)
      if (const json::Object *PO = P->getAsObject())
        R.RemoteCalls =
            uint64_t(std::max<int64_t>(0, PO->getInteger("calls").value_or(0)));
    if (!P)
      consumeError(P.takeError());
    (void)readPayload(Side->Payload, Candidate);
  }
  // The evaluator's side finished: its result stands, whatever the
  // candidate's side did after the last call.
  if (!EvaluatorLostIt)
    return Error::success();
  if (Candidate.Status == Status::CompileError) {
    R.Status = Status::CompileError;
    R.Reason = Candidate.Reason;
    R.CompileErrors = std::move(Candidate.CompileErrors);
  } else if (Side->Status != exec::SandboxStatus::OK) {
    R.Status = Candidate.Status;
    R.Reason = "the candidate " + Candidate.Reason;
  }
  return Error::success();
}

} // namespace

ArrayRef<StringLiteral> stepVariableNames() {
  // Which job, step and node (for the command's own logs and files), the
  // CPUs the step was given (to size a thread pool), and the GPUs SLURM
  // bound to it, under each vendor's name: what a GPU evaluator needs to use
  // the devices of its own step and no other's.
  static constexpr StringLiteral Names[] = {
      "SLURM_JOB_ID",         "SLURM_STEP_ID",      "SLURMD_NODENAME",
      "SLURM_CPUS_PER_TASK",  "SLURM_STEP_GPUS",    "CUDA_VISIBLE_DEVICES",
      "ROCR_VISIBLE_DEVICES", "GPU_DEVICE_ORDINAL", "ZE_AFFINITY_MASK"};
  return Names;
}

/// Whether \p Entry ("NAME=VALUE") is one of the step's variables.
static bool isStepVariable(StringRef Entry) {
  // Longer than any device list or identifier: not what SLURM set.
  constexpr size_t MaxValue = 4096;
  auto [Name, Value] = Entry.split('=');
  return Entry.contains('=') && Value.size() <= MaxValue &&
         is_contained(stepVariableNames(), Name);
}

std::vector<std::string> stepVariables(const char *const *Environment) {
  std::vector<std::string> Out;
  for (const char *const *E = Environment; E && *E; ++E)
    if (isStepVariable(*E))
      Out.push_back(*E);
  return Out;
}

/// Reads the step's variables the worker wrote to \p Fd (NUL-separated),
/// keeping only those stepVariableNames() lists, and closes it.
static std::vector<std::string> readStepVariables(int Fd) {
  std::string Block;
  char Buffer[4096];
  for (;;) {
    ssize_t N = ::read(Fd, Buffer, sizeof(Buffer));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0 || Block.size() > 65536)
      break;
    Block.append(Buffer, size_t(N));
  }
  ::close(Fd);
  SmallVector<StringRef> Parts;
  StringRef(Block).split(Parts, '\0', -1, /*KeepEmpty=*/false);
  std::vector<std::string> Out;
  for (StringRef P : Parts)
    if (isStepVariable(P))
      Out.push_back(P.str());
  return Out;
}

int startZygote(const std::string &Program, int ReadFd, int WriteFd,
                StringRef ExpectSpec, ArrayRef<std::string> StepVariables) {
  std::string In = std::to_string(ReadFd), Out = std::to_string(WriteFd);
  std::string Spec = ExpectSpec.str();
  // At most a few kilobytes each (isStepVariable): the whole block fits in
  // a pipe's buffer, so it is written before the zygote runs.
  std::string Block;
  for (const std::string &V : StepVariables)
    if (isStepVariable(V))
      Block += V + '\0';
  // In a PID namespace of its own where allowed: its children can name
  // nothing outside it, and die with it.
  pid_t Pid = exec::forkSandboxHost();
  if (Pid != 0)
    return Pid;
  // A clean program with an empty environment: nothing of this process
  // -- its environment (an API key), its heap, its descriptors -- is in
  // the zygote, nor so in any candidate's process.
  for (int Fd : {ReadFd, WriteFd})
    fcntl(Fd, F_SETFD, fcntl(Fd, F_GETFD) & ~FD_CLOEXEC);
  std::vector<const char *> Argv = {Program.c_str(), "--fds", In.c_str(),
                                    Out.c_str()};
  if (!Spec.empty()) {
    Argv.push_back("--spec");
    Argv.push_back(Spec.c_str());
  }
  std::string VariablesFd;
  if (!Block.empty()) {
    int Pipe[2];
    if (pipe(Pipe) != 0 || !writeAll(Pipe[1], Block.data(), Block.size()))
      _exit(127);
    ::close(Pipe[1]);
    VariablesFd = std::to_string(Pipe[0]);
    Argv.push_back("--step-variables");
    Argv.push_back(VariablesFd.c_str());
  }
  Argv.push_back(nullptr);
  const char *Envp[] = {nullptr};
  execve(Program.c_str(), const_cast<char *const *>(Argv.data()),
         const_cast<char *const *>(Envp));
  _exit(127);
}

namespace {

/// A zygote on this machine, over a socket pair.
class LocalTransport : public Transport {
public:
  Error open(const TransportOptions &) override {
    Expected<std::string> Program = zygoteProgram();
    if (!Program)
      return Program.takeError();
    int Pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Pair) != 0)
      return createStringError(std::error_code(errno, std::generic_category()),
                               "cannot create a socket pair");
    pid_t Started = startZygote(*Program, Pair[1], Pair[1]);
    int Saved = errno;
    ::close(Pair[1]);
    if (Started < 0) {
      ::close(Pair[0]);
      return createStringError(std::error_code(Saved, std::generic_category()),
                               "cannot fork the zygote");
    }
    Pid = Started;
    ReadFd = WriteFd = Pair[0];
    return Error::success();
  }

  void close() override {
    if (ReadFd >= 0)
      ::close(ReadFd);
    ReadFd = WriteFd = -1;
    if (Pid > 0) {
      kill(Pid, SIGKILL);
      while (waitpid(Pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    Pid = -1;
  }

  ~LocalTransport() override { close(); }

  unsigned maxRestarts() const override { return UnboundedRestarts; }
  Error sweep(const TransportOptions &) override { return Error::success(); }
  std::string describe() const override { return "the evaluation zygote"; }
};

TransportRegistry::Add<LocalTransport>
    LocalEntry("local", "a zygote on this machine, over a socket pair");

} // namespace

std::string runTag(StringRef RunDirectory) {
  SmallString<256> Real;
  if (sys::fs::real_path(RunDirectory, Real))
    Real = RunDirectory;
  return utohexstr(xxHash64(Real) & 0xffffffffffffULL, /*LowerCase=*/true);
}

Error sweepWorkers(const spec::Spec &S, const ExecutorOptions &O) {
  Expected<std::unique_ptr<Transport>> Link = createTransport(O.Kind);
  if (!Link)
    return Link.takeError();
  TransportOptions TO;
  TO.Spec = &S;
  TO.RunTag = O.RunTag;
  return (*Link)->sweep(TO);
}

WorkerSweep::~WorkerSweep() {
  if (Error E = sweepWorkers(S, O))
    errs() << "adrsc: " << toString(std::move(E)) << "\n";
}

std::string Executor::describe() const {
  return Link ? Link->describe() : "the evaluation zygote";
}

Error Executor::notStarted(const Twine &Why) {
  std::string Words = Link->lastWords();
  std::string Who = Link->describe();
  stop();
  return createStringError(inconvertibleErrorCode(), "%s did not start: %s%s",
                           Who.c_str(), Why.str().c_str(),
                           Words.empty() ? "" : ("\n" + Words).c_str());
}

Error Executor::launch() {
  TransportOptions TO;
  TO.Spec = &S;
  TO.Index = Options.Index;
  TO.RunTag = Options.RunTag;
  if (Error E = Link->open(TO))
    return E;
  Running = true;
  // What the zygote needs to build the engine: the spec (read again from
  // its file, and checked to be the same text), the regions as found here,
  // and the plugins loaded here.
  json::Array RegionList, Plugins;
  for (const regions::Region &R : Regions)
    RegionList.push_back(regions::toJSON(R));
  for (const std::string &P : passes::loadedPlugins())
    Plugins.push_back(P);
  if (!sendMessage(Link->writeFd(),
                   json::Object{{"spec", S.SpecFile},
                                {"spec_text", SpecText},
                                {"compdb", S.Build.CompilationDatabase},
                                {"regions", std::move(RegionList)},
                                {"plugins", std::move(Plugins)}}))
    return notStarted("it cannot be reached");
  return Error::success();
}

Error Executor::awaitReady() {
  Expected<json::Value> Ready =
      receiveMessage(Link->readFd(), SetupTimeoutMs, [&] {
        return Options.Interrupted && Options.Interrupted->load() > 0;
      });
  if (!Ready)
    return notStarted(toString(Ready.takeError()));
  const json::Object *O = Ready->getAsObject();
  if (!O || !O->getBoolean("ready").value_or(false)) {
    std::string Why =
        O ? O->getString("error").value_or("unknown error").str() : "bad reply";
    stop();
    return createStringError(inconvertibleErrorCode(), "%s", Why.c_str());
  }
  SetupSeconds = O->getNumber("setup_s").value_or(0);
  NotConfirmable = O->getString("not_confirmable").value_or("").str();
  // From the zygote, which runs no candidate code yet; capped all the same.
  ReusedFunctions.clear();
  if (const json::Array *Names = O->getArray("reused_functions"))
    for (const json::Value &Name : *Names) {
      if (ReusedFunctions.size() == 100000)
        break;
      if (std::optional<StringRef> S = Name.getAsString())
        ReusedFunctions.push_back(S->take_front(512).str());
    }
  WhyNoReuse = O->getString("why_no_reuse").value_or("").take_front(4096).str();
  return Error::success();
}

Error Executor::spawn() {
  if (Error E = launch())
    return E;
  return awaitReady();
}

void Executor::stop() {
  if (Link && Running)
    Link->close();
  Running = false;
}

/// The program a zygote runs: adrs-zygote beside this program (an installed
/// adrsc, or the build tree's bin/), or the build tree's.
Expected<std::string> zygoteProgram() {
  std::string Self = sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> Beside(sys::path::parent_path(Self));
  sys::path::append(Beside, "adrs-zygote");
  for (StringRef Candidate : {StringRef(Beside), StringRef(ADRS_ZYGOTE_PATH)})
    if (sys::fs::can_execute(Candidate))
      return Candidate.str();
  return createStringError(inconvertibleErrorCode(),
                           "cannot find adrs-zygote, the program that "
                           "evaluates candidates, beside '%s' or at '%s'",
                           Self.c_str(),
                           static_cast<const char *>(ADRS_ZYGOTE_PATH));
}

Expected<std::unique_ptr<Executor>>
Executor::create(const spec::Spec &S,
                 const std::vector<regions::Region> &Regions,
                 const ExecutorOptions &O) {
  std::unique_ptr<Executor> E(new Executor(S, Regions, O));
  Expected<std::unique_ptr<Transport>> Link = createTransport(O.Kind);
  if (!Link)
    return Link.takeError();
  E->Link = std::move(*Link);
  ErrorOr<std::unique_ptr<MemoryBuffer>> Text =
      MemoryBuffer::getFile(S.SpecFile);
  if (!Text)
    return createStringError(Text.getError(), "cannot read '%s'",
                             S.SpecFile.c_str());
  E->SpecText = (*Text)->getBuffer().str();
  // A dead zygote must not kill us through a write to its socket.
  std::signal(SIGPIPE, SIG_IGN);
  return std::move(E);
}

Expected<std::unique_ptr<Executor>>
Executor::start(const spec::Spec &S,
                const std::vector<regions::Region> &Regions,
                const ExecutorOptions &O) {
  Expected<std::unique_ptr<Executor>> E = create(S, Regions, O);
  if (!E)
    return E.takeError();
  if (Error Err = (*E)->spawn())
    return std::move(Err);
  return std::move(*E);
}

Expected<std::vector<std::unique_ptr<Executor>>>
Executor::startAll(const spec::Spec &S,
                   const std::vector<regions::Region> &Regions,
                   const ExecutorOptions &O, unsigned Count) {
  std::vector<std::unique_ptr<Executor>> All;
  for (unsigned I = 0; I < Count; ++I) {
    ExecutorOptions Each = O;
    Each.Index = O.Index + I;
    Expected<std::unique_ptr<Executor>> E = create(S, Regions, Each);
    if (!E)
      return E.takeError();
    if (Error Err = (*E)->launch())
      return std::move(Err);
    All.push_back(std::move(*E));
  }
  for (auto &E : All)
    if (Error Err = E->awaitReady())
      return std::move(Err);
  return std::move(All);
}

Executor::~Executor() { stop(); }

void Executor::remember(std::string Program) {
  if (!Program.empty() && KnownSet.insert(Program).second)
    Known.push_back(std::move(Program));
}

Expected<RunResult> Executor::run(const RunRequest &Request) {
  // The zygote answers once the child is done: within the child's limits,
  // plus the time to fork and reap it. Past that, it is stuck or stopped.
  const exec::SandboxLimits &L = Request.Limits;
  int64_t AnswerMs =
      int64_t((L.SetupSeconds + L.WallSeconds + AnswerMarginSeconds) * 1000);
  if (Lost)
    return createStringError(inconvertibleErrorCode(), "%s is lost",
                             describe().c_str());
  Expected<json::Value> Answer = protocolError("was not asked");
  // If the zygote itself died or hung (not the candidate's child), it is
  // started again and the request sent once more. A local zygote gets one
  // retry. A cluster's worker is retried while its restarts last: a step
  // the cluster cancels, again and again, or a node that goes down is not
  // the request's doing, however often it happens during the same one. A
  // transport that cannot start it again (restarts spent, the cluster
  // refuses) loses the executor: its owner sends the request elsewhere.
  bool Bounded = Link->maxRestarts() != UnboundedRestarts;
  for (unsigned Attempt = 0; Bounded || Attempt < 2; ++Attempt) {
    consumeError(Answer.takeError());
    json::Value Message = requestToJSON(
        Request, ArrayRef<std::string>(Known).drop_front(ZygoteKnows));
    if (!Running || !sendMessage(Link->writeFd(), Message))
      Answer = protocolError("is gone");
    else
      Answer = receiveMessage(Link->readFd(), AnswerMs);
    if (Answer) {
      ZygoteKnows = Known.size();
      break;
    }
    std::string Words = Running ? Link->lastWords() : "";
    stop();
    // A local zygote is a fork away: if it cannot be started, the next
    // request tries again. A cluster's step may fail to start too (a
    // cancelled allocation, a node going down): each try counts.
    std::string Why = toString(Answer.takeError());
    Answer = createStringError(inconvertibleErrorCode(), Why);
    bool Started = false;
    while (!Started && Restarts < Link->maxRestarts()) {
      ++Restarts;
      Error E = spawn();
      Started = !E;
      if (E && !Bounded)
        return createStringError(inconvertibleErrorCode(), "%s\n%s",
                                 Why.c_str(), toString(std::move(E)).c_str());
      if (E)
        Words = toString(std::move(E));
    }
    if (!Started) {
      Lost = true;
      return createStringError(inconvertibleErrorCode(),
                               "%s is lost after %u restarts: %s%s",
                               describe().c_str(), Restarts, Why.c_str(),
                               Words.empty() ? "" : ("\n" + Words).c_str());
    }
    // A new zygote knows nothing yet: it gets the whole list.
    ZygoteKnows = 0;
  }
  if (!Answer)
    return createStringError(
        inconvertibleErrorCode(), "%s failed twice on the same candidate: %s",
        describe().c_str(), toString(Answer.takeError()).c_str());
  Expected<SandboxReply> SR = sandboxReplyFromJSON(*Answer);
  if (!SR)
    return SR.takeError();
  RunResult R;
  R.Status = statusOf(SR->Status);
  R.Reason = std::move(SR->Reason);
  R.WallMs = SR->WallMs;
  R.CompiledBefore = SR->CompiledBefore;
  R.Stdout = std::move(SR->Stdout);
  R.Stderr = std::move(SR->Stderr);
  std::optional<Outcome> Ended;
  if (SR->Status == exec::SandboxStatus::OK)
    Ended = readPayload(SR->Payload, R);
  if (Request.Action == ChildAction::Confirm)
    if (Error E =
            readCandidateSide(*Answer, R, Ended == Outcome::CandidateLost))
      return std::move(E);
  return std::move(R);
}

int zygoteMain(int Argc, char **Argv) {
  // Whatever signal handlers or masks the exec carried over, start clean.
  sigset_t None;
  sigemptyset(&None);
  sigprocmask(SIG_SETMASK, &None, nullptr);
  // --fds IN OUT [--spec PATH] [--step-variables FD], as startZygote
  // writes them.
  int In = -1, Out = -1, VariablesFd = -1;
  StringRef OnlySpec;
  bool Understood = Argc >= 4 && StringRef(Argv[1]) == "--fds" &&
                    !StringRef(Argv[2]).getAsInteger(10, In) &&
                    !StringRef(Argv[3]).getAsInteger(10, Out);
  for (int I = 4; Understood && I < Argc; I += 2) {
    StringRef Flag = Argv[I];
    if (I + 1 >= Argc)
      Understood = false;
    else if (Flag == "--spec")
      OnlySpec = Argv[I + 1];
    else if (Flag == "--step-variables")
      Understood = !StringRef(Argv[I + 1]).getAsInteger(10, VariablesFd) &&
                   VariablesFd >= 0;
    else
      Understood = false;
  }
  if (!Understood || In < 0 || Out < 0) {
    errs() << "adrs-zygote: run by adrsc, not by hand\n";
    return 2;
  }
  std::vector<std::string> StepVariables;
  if (VariablesFd >= 0)
    StepVariables = readStepVariables(VariablesFd);
  auto Fail = [&](const Twine &Why) {
    sendMessage(Out, json::Object{{"ready", false}, {"error", Why.str()}});
    return 1;
  };
  Expected<json::Value> Setup = receiveMessage(In);
  if (!Setup)
    return Fail(toString(Setup.takeError()));
  const json::Object *O = Setup->getAsObject();
  std::optional<StringRef> SpecPath = O ? O->getString("spec") : std::nullopt;
  std::optional<StringRef> SpecText =
      O ? O->getString("spec_text") : std::nullopt;
  const json::Array *RegionList = O ? O->getArray("regions") : nullptr;
  const json::Array *Plugins = O ? O->getArray("plugins") : nullptr;
  if (!SpecPath || !SpecText || !RegionList || !Plugins)
    return Fail("the zygote got a malformed set-up message");
  // A worker prepares the spec it was started for, and no other.
  if (!OnlySpec.empty() && *SpecPath != OnlySpec)
    return Fail("the worker was started for '" + OnlySpec + "', not '" +
                *SpecPath + "'");
  for (const json::Value &P : *Plugins)
    if (std::optional<StringRef> Path = P.getAsString())
      if (Error E = passes::loadPlugin(*Path))
        return Fail(toString(std::move(E)));
  ErrorOr<std::unique_ptr<MemoryBuffer>> Now = MemoryBuffer::getFile(*SpecPath);
  if (!Now)
    return Fail("cannot read '" + *SpecPath + "' here (" +
                Now.getError().message() +
                "); a worker reads the spec, sources and workloads at the "
                "paths adrsc uses: put them on a shared path");
  if ((*Now)->getBuffer() != *SpecText)
    return Fail("'" + *SpecPath + "' changed while adrsc was starting");
  SourceMgr SM;
  std::string Problems;
  raw_string_ostream OS(Problems);
  DiagnosticEngine Diags(SM, OS);
  // The compilation database adrsc uses, whether the spec or -p named it.
  spec::LoadOptions Options;
  Options.CompilationDatabase = O->getString("compdb").value_or("").str();
  Expected<spec::Spec> S = spec::loadSpec(*SpecPath, Diags, Options);
  if (!S) {
    consumeError(S.takeError());
    return Fail("the spec does not load in the zygote: " + OS.str());
  }
  if (S->Evaluator.Kind == spec::EvaluatorKind::Command)
    serveCommands(In, Out, *S, std::move(StepVariables));
  // Loaded here, before any candidate's child is forked: a sandboxed child
  // may not read it.
  if (!S->Build.CompilationDatabase.empty())
    if (Expected<size_t> Entries =
            regions::loadCompilationDatabase(S->Build.CompilationDatabase);
        !Entries)
      return Fail(toString(Entries.takeError()));
  std::vector<regions::Region> Regions;
  for (const json::Value &V : *RegionList)
    if (const json::Object *R = V.getAsObject())
      Regions.push_back(regions::regionFromJSON(*R));
  serveRequests(In, Out, *S, Regions);
}

} // namespace eval
} // namespace adrs
