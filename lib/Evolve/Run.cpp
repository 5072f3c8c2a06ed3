//===- Run.cpp - The evolution loop ---------------------------------------===//

#include "adrs/Evolve/Run.h"

#include "adrs/Eval/Evaluation.h"
#include "adrs/Eval/Executor.h"
#include "adrs/Generate/Builtin.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Patch/Edit.h"
#include "adrs/Search/Strategy.h"
#include "adrs/Store/RunStore.h"
#include "adrs/Tune/CMAES.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fcntl.h>
#include <list>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

using namespace llvm;

namespace adrs {
namespace evolve {

std::string databasePath(StringRef RunDirectory) {
  SmallString<256> P(RunDirectory);
  sys::path::append(P, "run.db");
  return std::string(P);
}

std::string defaultRunDirectory(const spec::Spec &S) {
  SmallString<256> P(S.BaseDir);
  sys::path::append(P, "adrs-runs", S.Name);
  return std::string(P);
}

Materialized materialize(const std::vector<regions::Region> &Regions,
                         const std::map<std::string, std::string> &Files,
                         const std::map<std::string, std::string> &Program) {
  Materialized M;
  M.Regions = Regions;
  std::map<std::string, std::vector<size_t>> ByFile;
  for (size_t I = 0; I < Regions.size(); ++I)
    ByFile[Regions[I].File].push_back(I);
  for (auto &[File, Indices] : ByFile) {
    auto FileIt = Files.find(File);
    if (FileIt == Files.end())
      continue;
    const std::string &Old = FileIt->second;
    llvm::sort(Indices, [&](size_t A, size_t B) {
      return Regions[A].Begin < Regions[B].Begin;
    });
    std::string New;
    size_t At = 0;
    for (size_t I : Indices) {
      const regions::Region &R = Regions[I];
      New += Old.substr(At, R.Begin - At);
      auto P = Program.find(R.Name);
      const std::string &Text = P != Program.end() ? P->second : R.Text;
      regions::Region &Out = M.Regions[I];
      Out.Begin = New.size();
      New += Text;
      Out.End = New.size();
      Out.Text = Text;
      Out.FirstLine =
          1 + std::count(New.begin(), New.begin() + Out.Begin, '\n');
      Out.LastLine =
          Out.End > Out.Begin
              ? 1 + std::count(New.begin(), New.begin() + Out.End - 1, '\n')
              : Out.FirstLine;
      At = R.End;
    }
    New += Old.substr(At);
    M.Files[File] = std::move(New);
  }
  return M;
}

namespace {

using Clock = std::chrono::steady_clock;
using generate::Program;

double secondsSince(Clock::time_point T) {
  return std::chrono::duration<double>(Clock::now() - T).count();
}

std::string toJSONText(const json::Value &V) { return formatv("{0}", V).str(); }

std::string signedText(double D) {
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), "%+.4f", D);
  return Buffer;
}

/// 90s, 2.5s, 5m, 1h30m: how a budget reads in a stop reason.
std::string seconds(double S) {
  if (S >= 60 && std::fmod(S, 60) == 0)
    return S >= 3600 && std::fmod(S, 3600) == 0
               ? std::to_string(int64_t(S / 3600)) + "h"
               : std::to_string(int64_t(S / 60)) + "m";
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), "%gs", S);
  return Buffer;
}

/// A random stream per proposal: a resumed run, or a -j1 run, makes the
/// same choices at the same iteration whatever happened in between.
std::mt19937_64 rngFor(uint64_t Seed, uint64_t Iteration) {
  uint64_t X = Seed * 0x9E3779B97F4A7C15ULL + Iteration + 0x632BE59BD9B4E019ULL;
  // splitmix64
  X = (X ^ (X >> 30)) * 0xBF58476D1CE4E5B9ULL;
  X = (X ^ (X >> 27)) * 0x94D049BB133111EBULL;
  X ^= X >> 31;
  return std::mt19937_64(X);
}

uint64_t programHash(const Program &P) {
  hash_code H = hash_value(P.size());
  for (const auto &[K, V] : P)
    H = hash_combine(H, hash_value(K), hash_value(V));
  return uint64_t(size_t(H));
}

struct Job {
  int64_t Id = 0;
  bool Test = false; ///< The held-out workloads, for a new best.
  regions::FileOverrides Overrides;
  std::optional<jit::CandidateChecks> Checks;
  /// Tune the constants of this program instead (CMA-ES, evaluations).
  std::optional<unsigned> Tune;
  uint64_t TuneSeed = 0;
};

struct TuneDone {
  std::string Failure; ///< Why nothing came of it, if nothing did.
  std::vector<passes::LiftedConstant> Constants;
  std::map<std::string, std::string> Transformed;
  tune::Outcome Outcome;
};

struct Done {
  Job J;
  eval::Evaluation E;
  std::optional<TuneDone> Tuned;
};

/// Lifts the constants of the program \p J describes (a dry run of the
/// lift-constants pass), then has a child compile it once and tune them.
TuneDone tuneConstants(eval::Evaluator &Ev, const Job &J) {
  TuneDone Out;
  eval::Executor *Exec = Ev.executor();
  if (!Exec) {
    Out.Failure = "constant tuning needs a C++ evaluator";
    return Out;
  }
  std::vector<Workload> W = Ev.workloads(eval::Side::Train);
  eval::RunRequest Lift;
  Lift.Overrides = J.Overrides;
  Lift.Workloads = W;
  Lift.Limits = Ev.limits(W);
  Lift.DryRun = true;
  Lift.Checks = jit::CandidateChecks{J.Checks->Regions, {"lift-constants"}};
  Expected<eval::RunResult> Lifted = Exec->run(Lift);
  if (!Lifted) {
    Out.Failure = toString(Lifted.takeError());
    return Out;
  }
  if (Lifted->Status != "ok") {
    Out.Failure = "lifting the constants failed: " + Lifted->Status + " " +
                  Lifted->Reason;
    return Out;
  }
  Out.Constants = Lifted->Passes.Constants;
  Out.Transformed = Lifted->Passes.Transformed;
  if (Out.Constants.empty()) {
    Out.Failure = "the program has no numeric constants to tune";
    return Out;
  }
  if (Out.Constants.size() > jit::MaxParameters) {
    Out.Failure = "too many constants to tune";
    return Out;
  }
  // The program with ADRS_PARAM reads in place of its literals.
  eval::RunRequest Tune;
  Tune.Workloads = W;
  Tune.Limits = Ev.limits(W);
  eval::TuneRequest TR;
  for (const passes::LiftedConstant &C : Out.Constants)
    TR.Parameters.push_back({C.Value, C.Lower, C.Upper, C.IsInteger});
  TR.Evaluations = *J.Tune;
  TR.Seed = J.TuneSeed;
  TR.SecondsPerEvaluation = Ev.timeLimit();
  Tune.Limits.WallSeconds = Ev.timeLimit() * (TR.Evaluations + 1) + 10;
  Tune.Limits.CpuSeconds = 0;
  Tune.Tune = TR;
  std::map<std::string, std::string> Texts;
  for (const regions::Region &R : J.Checks->Regions) {
    auto T = Out.Transformed.find(R.Name);
    Texts[R.Name] = T != Out.Transformed.end() ? T->second : R.Text;
  }
  // Every file of the program as it is, with the lifted regions in place.
  std::map<std::string, std::string> Files;
  for (const regions::Region &R : J.Checks->Regions)
    if (!Files.count(R.File)) {
      auto O = J.Overrides.find(R.File);
      if (O != J.Overrides.end())
        Files[R.File] = O->second;
      else if (auto B = MemoryBuffer::getFile(R.File))
        Files[R.File] = (*B)->getBuffer().str();
    }
  Materialized M = materialize(J.Checks->Regions, Files, Texts);
  Tune.Overrides = M.Files;
  Expected<eval::RunResult> Tuned = Exec->run(Tune);
  if (!Tuned) {
    Out.Failure = toString(Tuned.takeError());
    return Out;
  }
  if (Tuned->Status != "ok" || !Tuned->Tuned) {
    Out.Failure = "the tuning child ended with " + Tuned->Status +
                  (Tuned->Reason.empty() ? "" : ": " + Tuned->Reason);
    return Out;
  }
  Out.Outcome = *Tuned->Tuned;
  if (!Out.Outcome.Error.empty())
    Out.Failure = "CMA-ES failed: " + Out.Outcome.Error;
  return Out;
}

/// A literal for \p Value that reads like the one it replaces.
std::string literalFor(const passes::LiftedConstant &C, double Value) {
  if (C.IsInteger) {
    std::string S = std::to_string((long long)std::llround(Value));
    return Value < 0 ? "(" + S + ")" : S;
  }
  std::string S = formatv("{0}", format("%.6g", Value)).str();
  if (S.find_first_of(".eEn") == std::string::npos)
    S += ".0";
  StringRef Spelling(C.Spelling);
  if (Spelling.endswith("f") || Spelling.endswith("F"))
    S += "f";
  return Value < 0 ? "(" + S + ")" : S;
}

/// The regions with each ADRS_PARAM(i, literal) replaced by its value.
std::map<std::string, std::string>
writeBack(const std::map<std::string, std::string> &Transformed,
          const std::vector<passes::LiftedConstant> &Constants,
          const std::vector<double> &Values) {
  std::map<std::string, std::string> Out;
  for (const auto &[Region, Text] : Transformed) {
    std::string New;
    StringRef Rest(Text);
    for (;;) {
      size_t At = Rest.find("ADRS_PARAM(");
      if (At == StringRef::npos)
        break;
      New += Rest.take_front(At).str();
      Rest = Rest.drop_front(At + strlen("ADRS_PARAM("));
      unsigned Index = 0;
      StringRef Digits = Rest.take_while(isDigit);
      Digits.getAsInteger(10, Index);
      size_t Close = Rest.find(')');
      if (Close == StringRef::npos)
        break;
      Rest = Rest.drop_front(Close + 1);
      for (const passes::LiftedConstant &C : Constants)
        if (C.Index == Index && Index < Values.size())
          New += literalFor(C, Values[Index]);
    }
    New += Rest.str();
    Out[Region] = std::move(New);
  }
  return Out;
}

/// One evaluator per worker thread, each with its own zygote.
class Workers {
public:
  Workers(const spec::Spec &S,
          std::vector<std::unique_ptr<eval::Executor>> Executors)
      : Executors(std::move(Executors)) {
    for (auto &E : this->Executors)
      Evaluators.push_back(std::make_unique<eval::Evaluator>(S, E.get()));
    if (Evaluators.empty())
      Evaluators.push_back(std::make_unique<eval::Evaluator>(S, nullptr));
    Inboxes.resize(Evaluators.size());
  }

  ~Workers() { stop(); }

  size_t size() const { return Evaluators.size(); }

  void start() {
    for (size_t I = 0; I < Evaluators.size(); ++I)
      Threads.emplace_back([this, I] { work(I); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> L(Mutex);
      Stopping = true;
    }
    JobReady.notify_all();
    for (std::thread &T : Threads)
      T.join();
    Threads.clear();
  }

  void setBaselineSeconds(double S) {
    for (auto &E : Evaluators)
      E->setBaselineSeconds(S);
  }

  /// Runs on the calling thread, before the workers start.
  eval::Evaluation evaluateNow(const Job &J) {
    return Evaluators.front()->evaluate(
        J.Overrides, J.Test ? eval::Side::Test : eval::Side::Train,
        J.Checks ? &*J.Checks : nullptr);
  }

  void submit(Job J) {
    {
      std::lock_guard<std::mutex> L(Mutex);
      // A new best's test run goes first: the result a user waits for.
      if (J.Test)
        Queue.push_front(std::move(J));
      else
        Queue.push_back(std::move(J));
      ++InFlight;
    }
    JobReady.notify_one();
  }

  /// Programs whose duplicates the zygotes should refuse from now on.
  void remember(const std::string &Program) {
    if (Program.empty())
      return;
    std::lock_guard<std::mutex> L(Mutex);
    for (auto &Inbox : Inboxes)
      Inbox.push_back(Program);
    // Before the workers start, the executors are the caller's.
    if (Threads.empty())
      flushInbox(0, true);
  }

  /// Waits up to \p Ms for a finished job.
  std::optional<Done> wait(unsigned Ms) {
    std::unique_lock<std::mutex> L(Mutex);
    if (Finished.empty())
      DoneReady.wait_for(L, std::chrono::milliseconds(Ms),
                         [&] { return !Finished.empty(); });
    if (Finished.empty())
      return std::nullopt;
    Done D = std::move(Finished.front());
    Finished.pop_front();
    --InFlight;
    return D;
  }

  size_t inFlight() {
    std::lock_guard<std::mutex> L(Mutex);
    return InFlight;
  }

private:
  /// Mutex held.
  void flushInbox(size_t I, bool All) {
    for (size_t K = All ? 0 : I; K < (All ? Inboxes.size() : I + 1); ++K) {
      if (K < Executors.size())
        for (std::string &P : Inboxes[K])
          Executors[K]->remember(std::move(P));
      Inboxes[K].clear();
    }
  }

  void work(size_t I) {
    for (;;) {
      Job J;
      {
        std::unique_lock<std::mutex> L(Mutex);
        JobReady.wait(L, [&] { return Stopping || !Queue.empty(); });
        if (Queue.empty())
          return;
        J = std::move(Queue.front());
        Queue.pop_front();
        flushInbox(I, false);
      }
      eval::Evaluation E;
      std::optional<TuneDone> Tuned;
      if (J.Tune)
        Tuned = tuneConstants(*Evaluators[I], J);
      else
        E = Evaluators[I]->evaluate(
            J.Overrides, J.Test ? eval::Side::Test : eval::Side::Train,
            J.Checks ? &*J.Checks : nullptr);
      {
        std::lock_guard<std::mutex> L(Mutex);
        Finished.push_back({std::move(J), std::move(E), std::move(Tuned)});
      }
      DoneReady.notify_one();
    }
  }

  std::vector<std::unique_ptr<eval::Executor>> Executors;
  std::vector<std::unique_ptr<eval::Evaluator>> Evaluators;
  std::vector<std::vector<std::string>> Inboxes;
  std::vector<std::thread> Threads;
  std::mutex Mutex;
  std::condition_variable JobReady, DoneReady;
  std::deque<Job> Queue;
  std::deque<Done> Finished;
  size_t InFlight = 0;
  bool Stopping = false;
};

/// Programs by candidate id: the recent ones in memory, the rest read back
/// from the database, so memory does not grow with the run.
class ProgramCache {
public:
  ProgramCache(store::RunStore &Store, size_t Capacity)
      : Store(Store), Capacity(Capacity) {}

  void put(int64_t Id, Program P) {
    auto It = Index.find(Id);
    if (It != Index.end()) {
      Order.erase(It->second);
      Index.erase(It);
    }
    Order.push_front({Id, std::move(P)});
    Index[Id] = Order.begin();
    while (Order.size() > Capacity) {
      Index.erase(Order.back().first);
      Order.pop_back();
    }
  }

  const Program *get(int64_t Id) {
    auto It = Index.find(Id);
    if (It != Index.end()) {
      Order.splice(Order.begin(), Order, It->second);
      return &It->second->second;
    }
    std::optional<store::Candidate> C = Store.candidate(Id);
    if (!C)
      return nullptr;
    put(Id, C->Regions);
    return &Order.front().second;
  }

private:
  store::RunStore &Store;
  size_t Capacity;
  std::list<std::pair<int64_t, Program>> Order;
  std::unordered_map<int64_t, std::list<std::pair<int64_t, Program>>::iterator>
      Index;
};

search::Member memberOf(const store::Candidate &C) {
  search::Member M;
  M.Id = C.Id;
  M.Parents = C.Parents;
  M.Island = C.Island;
  M.Status = C.Status;
  M.Feasible = C.Feasible;
  M.Score = C.Score;
  M.Objectives = C.Objectives;
  M.Features = C.Features;
  return M;
}

Expected<std::map<std::string, std::string>>
readFiles(const std::vector<regions::Region> &Regions) {
  std::map<std::string, std::string> Files;
  for (const regions::Region &R : Regions) {
    if (Files.count(R.File))
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(R.File);
    if (!B)
      return createStringError(B.getError(), "cannot read '%s'",
                               R.File.c_str());
    Files[R.File] = (*B)->getBuffer().str();
  }
  return Files;
}

std::string readText(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Path);
  return B ? (*B)->getBuffer().str() : std::string();
}

/// What a run depends on, to refuse a resume after it changed.
std::string snapshot(const spec::Spec &S,
                     const std::map<std::string, std::string> &RegionFiles) {
  json::Object Files;
  std::vector<std::string> All = S.Build.Sources;
  for (const auto &[F, T] : RegionFiles)
    All.push_back(F);
  for (const std::string &F : S.Evaluator.Files)
    All.push_back(F);
  llvm::sort(All);
  All.erase(std::unique(All.begin(), All.end()), All.end());
  for (const std::string &F : All)
    Files[F] = readText(F);
  return toJSONText(json::Object{{"spec", readText(S.SpecFile)},
                                 {"files", std::move(Files)}});
}

/// The first difference between two snapshots, as a sentence.
std::string snapshotDifference(StringRef Old, StringRef New) {
  Expected<json::Value> A = json::parse(Old), B = json::parse(New);
  if (!A || !B) {
    consumeError(A.takeError());
    consumeError(B.takeError());
    return "the run's snapshot cannot be read";
  }
  const json::Object *OA = A->getAsObject(), *OB = B->getAsObject();
  if (!OA || !OB)
    return "the run's snapshot cannot be read";
  if (OA->getString("spec") != OB->getString("spec"))
    return "the spec changed since the run started";
  const json::Object *FA = OA->getObject("files"), *FB = OB->getObject("files");
  if (FA && FB) {
    for (const auto &[K, V] : *FA) {
      const json::Value *W = FB->get(K);
      if (!W || *W != V)
        return "'" + K.str() + "' changed since the run started";
    }
    for (const auto &[K, V] : *FB)
      if (!FA->get(K))
        return "'" + K.str() + "' is new since the run started";
  }
  return "";
}

class Evolution {
public:
  Evolution(const spec::Spec &S, const std::vector<regions::Region> &Regions,
            RunOptions &O)
      : S(S), Regions(Regions), O(O) {}

  Expected<RunSummary> run();
  ~Evolution() {
    if (LockFd >= 0)
      ::close(LockFd);
  }

private:
  Error prepare();
  Error scoreBaseline();
  Error replay();
  bool propose(int64_t Id);
  void dispatch(const store::Proposal &P, const Materialized &M);
  void finish(Done D);
  void finishTuning(Done D);
  void submitTest(int64_t Id, const Program &P);
  void maybeTune();
  void record(store::Candidate C, const std::string &Program);
  std::optional<std::string> budgetSpent();
  Progress progress();
  void log(const std::string &Line) {
    if (O.OnLog)
      O.OnLog(Line);
  }
  Error writeBest();

  const spec::Spec &S;
  const std::vector<regions::Region> &Regions;
  RunOptions &O;

  std::map<std::string, std::string> Files; ///< The baseline's.
  std::unique_ptr<store::RunStore> Store;
  std::unique_ptr<Workers> Pool;
  std::unique_ptr<search::Strategy> Search;
  std::unique_ptr<ProgramCache> Cache;
  generate::BuiltinGenerator Generator;
  std::vector<std::string> Passes;

  unsigned Session = 1;
  int64_t NextId = 1;
  int64_t NextSeq = 1;
  double ElapsedBefore = 0;
  Clock::time_point Started = Clock::now();
  uint64_t SessionFinished = 0;
  Progress Stats;
  std::unordered_map<uint64_t, int64_t> SeenText;
  std::map<int64_t, store::Proposal> InFlight;
  std::optional<eval::Evaluation> BaselineEval;
  uint64_t ConsecutiveUnproposable = 0;
  unsigned Resumed = 0;
  unsigned TunesInFlight = 0;
  int LockFd = -1;
  std::set<int64_t> Tuned; ///< Candidates whose constants were tuned.
  std::optional<std::string> Stop;
};

Error Evolution::prepare() {
  Expected<std::map<std::string, std::string>> Read = readFiles(Regions);
  if (!Read)
    return Read.takeError();
  Files = std::move(*Read);
  Passes = O.Passes.empty() ? passes::defaultPasses() : O.Passes;
  if (!is_contained(Passes, "fingerprint"))
    Passes.push_back("fingerprint");
  if (!is_contained(Passes, "features"))
    Passes.push_back("features");
  std::vector<generate::Operator> Ops;
  for (const std::string &Name : S.Generator.Operators)
    if (std::optional<generate::Operator> Op = generate::operatorNamed(Name))
      Ops.push_back(*Op);
  Generator = generate::BuiltinGenerator(Ops);
  Search = search::Strategy::create(S.Search);

  if (std::error_code EC = sys::fs::create_directories(O.Directory))
    return createStringError(EC, "cannot create the run directory '%s'",
                             O.Directory.c_str());
  // The run directory belongs to one adrsc at a time.
  SmallString<256> LockPath(O.Directory);
  sys::path::append(LockPath, "lock");
  LockFd = ::open(LockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (LockFd < 0 || flock(LockFd, LOCK_EX | LOCK_NB) != 0) {
    std::string Holder;
    if (LockFd >= 0) {
      char Buffer[32] = {0};
      ssize_t N = ::pread(LockFd, Buffer, sizeof(Buffer) - 1, 0);
      if (N > 0)
        Holder = StringRef(Buffer, N).trim().str();
    }
    return createStringError(
        inconvertibleErrorCode(),
        "the run in '%s' is in use by another adrsc%s; wait for it to stop, "
        "or use another run directory (-o DIR)",
        O.Directory.c_str(),
        Holder.empty() ? "" : (" (process " + Holder + ")").c_str());
  }
  std::string Pid = std::to_string(::getpid()) + "\n";
  // Only for the message another adrsc gives; the lock is what counts.
  if (::ftruncate(LockFd, 0) == 0)
    (void)!::pwrite(LockFd, Pid.data(), Pid.size(), 0);

  std::string DB = databasePath(O.Directory);
  std::string Now = snapshot(S, Files);
  bool Existing = sys::fs::exists(DB);
  if (Existing) {
    // Read before any thread exists: the zygotes are forked next.
    Expected<std::unique_ptr<store::RunStore>> RO =
        store::RunStore::openReadOnly(DB);
    if (!RO)
      return RO.takeError();
    // A run whose baseline never evaluated has nothing to keep: it takes
    // the sources as they are now.
    std::optional<std::string> Then = (*RO)->meta("snapshot");
    if (Then && (*RO)->candidate(0)) {
      std::string Why = snapshotDifference(*Then, Now);
      if (!Why.empty())
        return createStringError(
            inconvertibleErrorCode(),
            "cannot resume the run in '%s': %s; start over with --fresh, or "
            "use another run directory (-o DIR)",
            O.Directory.c_str(), Why.c_str());
    }
  }

  // The zygotes, before the database's writer thread and the workers.
  std::vector<std::unique_ptr<eval::Executor>> Executors;
  if (S.Evaluator.Kind == spec::EvaluatorKind::Function)
    for (unsigned I = 0; I < std::max(1u, O.Jobs); ++I) {
      Expected<std::unique_ptr<eval::Executor>> E =
          eval::Executor::start(S, Regions);
      if (!E)
        return createStringError(inconvertibleErrorCode(),
                                 "cannot prepare the evaluation: %s",
                                 toString(E.takeError()).c_str());
      Executors.push_back(std::move(*E));
    }
  Pool = std::make_unique<Workers>(S, std::move(Executors));

  Expected<std::unique_ptr<store::RunStore>> Opened = store::RunStore::open(DB);
  if (!Opened)
    return Opened.takeError();
  Store = std::move(*Opened);
  Cache = std::make_unique<ProgramCache>(*Store, 4096);
  if (!Store->meta("snapshot") || !Store->candidate(0)) {
    Store->setMetaAsync("snapshot", Now);
    Store->setMetaAsync("problem", S.Name);
    Store->setMetaAsync("spec_path", S.SpecFile);
    Store->setMetaAsync("seed", std::to_string(S.Seed));
    Store->setMetaAsync("base_dir", S.BaseDir);
    json::Array RegionList;
    for (const regions::Region &R : Regions)
      RegionList.push_back(regions::toJSON(R));
    Store->setMetaAsync("regions",
                        toJSONText(json::Value(std::move(RegionList))));
  }
  if (Store->meta("sessions")) {
    Session = unsigned(std::stoul(Store->meta("sessions").value_or("1"))) + 1;
    ElapsedBefore = std::stod(Store->meta("elapsed_s").value_or("0"));
  }
  Store->setMetaAsync("sessions", std::to_string(Session));
  return Store->flush();
}

Error Evolution::replay() {
  int64_t MaxId = 0;
  Error E = Store->forEachCandidate(true, [&](store::Candidate &&C) {
    MaxId = std::max(MaxId, C.Id);
    NextSeq = std::max(NextSeq, C.Seq + 1);
    Search->observe(memberOf(C));
    (void)Search->takeEvents(); // logged when they happened
    SeenText.emplace(programHash(C.Regions), C.Id);
    Pool->remember(C.Fingerprint);
    ++Stats.Iteration;
    if (C.Status == "duplicate")
      ++Stats.Duplicates;
    else if (C.Id != 0)
      ++Stats.Evaluated;
    if (C.Status != "ok" && C.Status != "duplicate")
      ++Stats.Failures[C.Status];
    if (C.Id == 0) {
      Expected<json::Value> V = json::parse(C.ResultJSON);
      if (V) {
        if (const json::Object *Obj = V->getAsObject())
          if (auto T = Obj->getObject("timings_ms"))
            Pool->setBaselineSeconds(T->getNumber("run").value_or(0) / 1000);
      } else {
        consumeError(V.takeError());
      }
    }
    Cache->put(C.Id, std::move(C.Regions));
  });
  if (E)
    return E;
  if (Stats.Iteration)
    --Stats.Iteration; // the baseline is not an iteration
  // Programs tuned in earlier sessions are not tuned again.
  for (const store::Event &Ev : Store->events())
    if (Ev.Kind == "tune" && StringRef(Ev.Detail).startswith("#")) {
      int64_t Id;
      if (!StringRef(Ev.Detail).drop_front().take_while(isDigit).getAsInteger(
              10, Id))
        Tuned.insert(Id);
    }
  NextId = std::max(MaxId, Store->maxId()) + 1;
  return Error::success();
}

void Evolution::dispatch(const store::Proposal &P, const Materialized &M) {
  Job J;
  J.Id = P.Id;
  for (const auto &[F, T] : M.Files)
    if (Files.at(F) != T)
      J.Overrides[F] = T;
  J.Checks = jit::CandidateChecks{M.Regions, Passes};
  Store->addPending(P);
  InFlight[P.Id] = P;
  Pool->submit(std::move(J));
}

/// Makes proposal \p Id and sends it to be evaluated, or records why it
/// could not be. False when the generator had nothing to propose.
bool Evolution::propose(int64_t Id) {
  std::mt19937_64 Rng = rngFor(S.Seed, uint64_t(Id));
  search::Selection Sel = Search->select(uint64_t(Id), Rng);
  const Program *ParentPtr = Cache->get(Sel.Parent);
  Program Parent = ParentPtr ? *ParentPtr : Program();
  if (!ParentPtr)
    for (const regions::Region &R : Regions)
      Parent[R.Name] = R.Text;
  std::vector<Program> DonorStore;
  for (int64_t D : Sel.Inspirations)
    if (const Program *P = Cache->get(D))
      DonorStore.push_back(*P);
  std::vector<const Program *> Donors;
  for (const Program &P : DonorStore)
    Donors.push_back(&P);

  // The generator often rediscovers a program already seen; a few more
  // draws from the same parent usually find a new one, which is worth more
  // than an iteration spent on a duplicate.
  Materialized Base = materialize(Regions, Files, Parent);
  constexpr unsigned Attempts = 16;
  store::Proposal P;
  Program Child;
  uint64_t Hash = 0;
  for (unsigned Attempt = 0;; ++Attempt) {
    std::optional<generate::Proposal> G =
        Generator.propose(Parent, Donors, Rng);
    if (!G)
      return false;
    P = store::Proposal();
    P.Id = Id;
    P.Parents = {Sel.Parent};
    P.Island = Sel.Island;
    P.Generator = "builtin";
    P.Operator = generate::toString(G->Op).str();
    P.Description = G->Description;
    P.Edit = G->Reply;

    store::Candidate C;
    static_cast<store::Proposal &>(C) = P;
    Expected<patch::Edit> Edit = patch::parseEdit(G->Reply);
    if (!Edit) {
      C.Status = "rejected";
      C.Reason = toString(Edit.takeError());
      C.Regions = Parent;
      record(std::move(C), "");
      return true;
    }
    patch::PatchResult Patched =
        patch::applyEdit(*Edit, Base.Regions, Base.Files);
    if (!Patched.accepted()) {
      C.Status = "rejected";
      C.Reason = Patched.Rejections.front().Message;
      C.Regions = Parent;
      record(std::move(C), "");
      return true;
    }
    Child.clear();
    for (const regions::Region &R : Patched.Regions)
      Child[R.Name] = R.Text;
    P.Regions = Child;
    Hash = programHash(Child);
    auto Seen = SeenText.find(Hash);
    if (Seen == SeenText.end())
      break;
    if (Attempt + 1 == Attempts) {
      static_cast<store::Proposal &>(C) = P;
      C.Status = "duplicate";
      C.Reason = "the same program as candidate #" +
                 std::to_string(Seen->second) + " (and " +
                 std::to_string(Attempts - 1) +
                 " other proposals from this parent were seen before too)";
      record(std::move(C), "");
      return true;
    }
  }
  SeenText.emplace(Hash, Id);
  Materialized M = materialize(Regions, Files, Child);
  dispatch(P, M);
  return true;
}

void Evolution::record(store::Candidate C, const std::string &Program) {
  C.Seq = NextSeq++;
  C.Session = Session;
  C.FinishedAt = ElapsedBefore + secondsSince(Started);
  search::Member M = memberOf(C);
  Search->observe(M);
  std::vector<store::Event> Events;
  for (search::SearchEvent &E : Search->takeEvents()) {
    Events.push_back({C.FinishedAt, Session, E.Kind, E.Detail});
    log(E.Kind + ": " + E.Detail);
  }
  Pool->remember(Program);
  if (C.Id != 0) {
    ++Stats.Iteration;
    if (C.Status == "duplicate")
      ++Stats.Duplicates;
    else
      ++Stats.Evaluated;
  }
  if (C.Status != "ok" && C.Status != "duplicate")
    ++Stats.Failures[C.Status];
  ++SessionFinished;
  const search::Member *Best = Search->best();
  bool NewBest = Best && Best->Id == C.Id && C.Id != 0;
  Cache->put(C.Id, C.Regions);
  Store->addCandidate(C, std::move(Events), C.FinishedAt);
  if (NewBest) {
    const search::Member *Base = Search->baseline();
    std::string Delta;
    if (Base && Base->Score && C.Score)
      Delta =
          " (" + signedText(*C.Score - *Base->Score) + " over the baseline)";
    log(formatv("new best #{0} after {1} candidates: score {2:F4}{3}{4} [{5}]",
                C.Id, Stats.Iteration, C.Score.value_or(0), Delta,
                C.Feasible ? "" : " (infeasible)", C.Description));
    submitTest(C.Id, C.Regions);
  }
}

void Evolution::submitTest(int64_t Id, const Program &P) {
  if (S.testFiles().empty())
    return;
  {
    int64_t CId = Id;
    const Program &CRegions = P;
    // Its score on the held-out workloads, for the report and `best`.
    Job J;
    J.Id = CId;
    J.Test = true;
    Materialized Mat = materialize(Regions, Files, CRegions);
    for (const auto &[F, T] : Mat.Files)
      if (Files.at(F) != T)
        J.Overrides[F] = T;
    Pool->submit(std::move(J));
  }
}

void Evolution::maybeTune() {
  // At every multiple of `every` evaluated candidates: a rule without
  // state, so a resumed run tunes when a single session would have.
  // Not when the budget is spent: the tuned program could not be evaluated.
  if (!S.Search.TuneConstants || TunesInFlight || Stop || budgetSpent() ||
      S.Search.TuneEvery == 0 || Stats.Evaluated == 0 ||
      Stats.Evaluated % S.Search.TuneEvery != 0)
    return;
  const search::Member *Best = Search->best();
  if (!Best || !Best->scored() || Tuned.count(Best->Id))
    return;
  const Program *P = Cache->get(Best->Id);
  if (!P)
    return;
  Tuned.insert(Best->Id);
  Materialized M = materialize(Regions, Files, *P);
  Job J;
  J.Id = Best->Id;
  for (const auto &[F, T] : M.Files)
    if (Files.at(F) != T)
      J.Overrides[F] = T;
  J.Checks = jit::CandidateChecks{M.Regions, {}};
  J.Tune = S.Search.TuneEvaluations;
  J.TuneSeed = S.Seed * 1000003 + uint64_t(Best->Id);
  ++TunesInFlight;
  log(formatv("tune: CMA-ES on the constants of #{0} ({1} evaluations)",
              Best->Id, S.Search.TuneEvaluations));
  Pool->submit(std::move(J));
}

void Evolution::finishTuning(Done D) {
  --TunesInFlight;
  TuneDone &T = *D.Tuned;
  double At = ElapsedBefore + secondsSince(Started);
  if (!T.Failure.empty() || T.Outcome.Best.empty()) {
    std::string Why = T.Failure.empty() ? "no evaluations" : T.Failure;
    Store->addEvent({At, Session, "tune", formatv("#{0}: {1}", D.J.Id, Why)});
    log(formatv("tune: #{0}: {1}", D.J.Id, Why));
    return;
  }
  std::string Summary =
      formatv("#{0}: {1} constants, {2} evaluations, score {3:F4} -> {4:F4}",
              D.J.Id, T.Constants.size(), T.Outcome.Evaluations,
              -T.Outcome.InitialCost, -T.Outcome.BestCost);
  Store->addEvent({At, Session, "tune", Summary});
  log("tune: " + Summary);
  if (T.Outcome.BestCost >= T.Outcome.InitialCost)
    return; // nothing better than the program's own constants
  if (Stop) {
    log("tune: the budget is spent; the tuned program is not evaluated");
    return;
  }
  const Program *Parent = Cache->get(D.J.Id);
  if (!Parent)
    return;
  Program Child = *Parent;
  for (auto &[Region, Text] :
       writeBack(T.Transformed, T.Constants, T.Outcome.Best))
    Child[Region] = Text;
  if (Child == *Parent)
    return;
  // The tuned program is a candidate like any other: evaluated in full,
  // through the same checks, and recorded with its rewrite as the edit.
  store::Proposal P;
  P.Id = NextId++;
  P.Parents = {D.J.Id};
  P.Island = 0;
  if (std::optional<store::Candidate> C = Store->candidate(D.J.Id))
    P.Island = C->Island;
  P.Generator = "cmaes";
  P.Operator = "tune";
  P.Description = formatv("CMA-ES: {0} constants of #{1} tuned in {2} "
                          "evaluations",
                          T.Constants.size(), D.J.Id, T.Outcome.Evaluations);
  for (const auto &[Region, Text] : Child)
    if (Parent->at(Region) != Text)
      P.Edit += "```cpp " + Region + "\n" + Text +
                (StringRef(Text).endswith("\n") ? "" : "\n") + "```\n";
  P.Regions = Child;
  uint64_t Hash = programHash(Child);
  if (SeenText.count(Hash))
    return;
  SeenText.emplace(Hash, P.Id);
  dispatch(P, materialize(Regions, Files, Child));
}

void Evolution::finish(Done D) {
  if (D.Tuned) {
    finishTuning(std::move(D));
    return;
  }
  if (D.J.Test) {
    Store->setTest(D.J.Id, toJSONText(eval::toJSON(D.E)));
    return;
  }
  auto It = InFlight.find(D.J.Id);
  if (It == InFlight.end())
    return;
  store::Candidate C;
  static_cast<store::Proposal &>(C) = It->second;
  InFlight.erase(It);
  const eval::Evaluation &E = D.E;
  C.Status = E.Status;
  C.Reason = E.Reason;
  C.Feasible = E.Feasible;
  C.Score = E.Score;
  C.Objectives = E.Objectives;
  C.Features = E.Passes.Features;
  for (const auto &[K, V] : E.Metrics)
    C.Features.insert({K, V});
  std::string Program = passes::programFingerprint(E.Passes);
  C.Fingerprint = Program;
  C.ResultJSON = toJSONText(eval::toJSON(E));
  C.WallMs = E.WallMs;
  record(std::move(C), Program);
  maybeTune();
}

std::optional<std::string> Evolution::budgetSpent() {
  if (O.Interrupted && O.Interrupted->load())
    return std::string("interrupted");
  std::optional<uint64_t> Iterations =
      O.Iterations ? O.Iterations : S.Budget.Iterations;
  if (Iterations && uint64_t(NextId - 1) >= *Iterations)
    return "iteration budget reached (" + std::to_string(*Iterations) + ")";
  std::optional<double> Time =
      O.TimeSeconds ? O.TimeSeconds : S.Budget.TimeSeconds;
  if (Time && ElapsedBefore + secondsSince(Started) >= *Time)
    return "time budget reached (" + seconds(*Time) + ")";
  if (S.Budget.TargetScore) {
    const search::Member *Best = Search->best();
    if (Best && Best->Feasible && Best->Score &&
        *Best->Score >= *S.Budget.TargetScore)
      return "target score " + formatv("{0}", *S.Budget.TargetScore).str() +
             " reached";
  }
  if (ConsecutiveUnproposable > 1000)
    return std::string("the generator found nothing left to change");
  return std::nullopt;
}

Progress Evolution::progress() {
  Progress P = Stats;
  if (const search::Member *B = Search->best()) {
    P.BestScore = B->Score;
    P.BestId = B->Id;
    P.BestFeasible = B->Feasible;
  }
  if (const search::Member *B = Search->baseline())
    P.BaselineScore = B->Score;
  double Session = secondsSince(Started);
  P.Elapsed = ElapsedBefore + Session;
  P.CandidatesPerSecond = Session > 0 ? SessionFinished / Session : 0;
  std::optional<uint64_t> Iterations =
      O.Iterations ? O.Iterations : S.Budget.Iterations;
  std::optional<double> Time =
      O.TimeSeconds ? O.TimeSeconds : S.Budget.TimeSeconds;
  if (Time)
    P.ETA = std::max(0.0, *Time - P.Elapsed);
  if (Iterations && P.CandidatesPerSecond > 0) {
    double Left = double(*Iterations) - double(NextId - 1);
    double ETA = std::max(0.0, Left / P.CandidatesPerSecond);
    P.ETA = P.ETA ? std::min(*P.ETA, ETA) : ETA;
  }
  return P;
}

Error Evolution::scoreBaseline() {
  if (std::optional<store::Candidate> Base = Store->candidate(0)) {
    // Killed between the baseline and its test run: do the test run now.
    if (Base->TestJSON.empty() && !S.testFiles().empty()) {
      Job T;
      T.Test = true;
      Store->setTest(0, toJSONText(eval::toJSON(Pool->evaluateNow(T))));
    }
    return Store->flush();
  }
  Job J;
  J.Checks = jit::CandidateChecks{Regions, Passes};
  eval::Evaluation E = Pool->evaluateNow(J);
  if (E.Status != "ok" && E.Status != "infeasible")
    return createStringError(
        inconvertibleErrorCode(),
        "the initial program does not evaluate (%s%s%s); fix it with 'adrsc "
        "eval %s' before searching",
        E.Status.c_str(), E.Reason.empty() ? "" : ": ", E.Reason.c_str(),
        S.SpecFile.c_str());
  Pool->setBaselineSeconds(E.RunMs / 1000);
  store::Candidate C;
  C.Id = 0;
  C.Generator = "baseline";
  C.Description = "the initial program";
  for (const regions::Region &R : Regions)
    C.Regions[R.Name] = R.Text;
  InFlight[0] = C;
  SeenText.emplace(programHash(C.Regions), 0);
  finish({J, E});
  std::string TestScore = "none (the spec has no test workloads)";
  if (!S.testFiles().empty()) {
    Job T;
    T.Test = true;
    eval::Evaluation Test = Pool->evaluateNow(T);
    Store->setTest(0, toJSONText(eval::toJSON(Test)));
    TestScore = Test.Score ? formatv("{0:F4}", *Test.Score).str()
                           : std::string("n/a (" + Test.Status + ")");
  }
  log(formatv("baseline: score {0:F4}{1}, test score {2}", E.Score.value_or(0),
              E.Feasible ? "" : " (infeasible)", TestScore));
  // The spec's reference implementations, for comparison in the results.
  json::Object References;
  for (const spec::Baseline &B : S.Baselines) {
    if (B.Files.size() != 1)
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> Text =
        MemoryBuffer::getFile(B.Files[0]);
    if (!Text)
      continue;
    Job R;
    R.Overrides[Regions.front().Unit] = (*Text)->getBuffer().str();
    eval::Evaluation Train = Pool->evaluateNow(R);
    R.Test = true;
    eval::Evaluation Held = Pool->evaluateNow(R);
    References[B.Name] = json::Object{{"train", eval::toJSON(Train)},
                                      {"test", eval::toJSON(Held)}};
    log(formatv("reference '{0}': score {1}, test score {2}", B.Name,
                Train.Score ? formatv("{0:F4}", *Train.Score).str()
                            : "n/a (" + Train.Status + ")",
                Held.Score ? formatv("{0:F4}", *Held.Score).str()
                           : "n/a (" + Held.Status + ")"));
  }
  Store->setMetaAsync("references",
                      toJSONText(json::Value(std::move(References))));
  return Store->flush();
}

Expected<RunSummary> Evolution::run() {
  if (Error E = prepare())
    return std::move(E);
  if (Error E = replay())
    return std::move(E);
  std::vector<store::Proposal> Pending = Store->pending();
  bool Resuming = Stats.Iteration > 0 || Store->candidate(0).has_value() ||
                  !Pending.empty();
  Store->addEvent(
      {ElapsedBefore, Session, Resuming ? "resume" : "start",
       formatv("session {0}, {1} jobs, seed {2}", Session, Pool->size(), S.Seed)
           .str()});
  if (Resuming)
    log(formatv("resuming: {0} candidates so far, {1} in flight when it "
                "stopped",
                Stats.Iteration, Pending.size()));
  if (Error E = scoreBaseline())
    return std::move(E);
  Started = Clock::now();
  Pool->start();

  // A best whose test run was lost to a kill gets it now.
  if (const search::Member *Best = Search->best())
    if (Best->Id != 0)
      if (std::optional<store::Candidate> C = Store->candidate(Best->Id))
        if (C->TestJSON.empty())
          submitTest(C->Id, C->Regions);

  // What was in flight when the last session died is done again first.
  for (store::Proposal &P : Pending) {
    if (P.Id == 0 || Store->candidate(P.Id)) {
      Store->removePending(P.Id); // it finished after all
      continue;
    }
    ++Resumed;
    SeenText.emplace(programHash(P.Regions), P.Id);
    dispatch(P, materialize(Regions, Files, P.Regions));
  }

  auto LastProgress = Clock::now() - std::chrono::seconds(1);
  for (;;) {
    if (!Stop)
      Stop = budgetSpent();
    // Keep every worker busy, with one proposal queued behind each so a
    // worker never waits for the proposer. With one job, strictly one at a
    // time: the search then sees every result before the next proposal,
    // which is what makes a -j1 run reproducible.
    size_t Depth = Pool->size() == 1 ? 1 : 2 * Pool->size();
    while (!Stop && InFlight.size() < Depth &&
           !(Pool->size() == 1 && TunesInFlight)) {
      if (propose(NextId)) {
        ++NextId;
        ConsecutiveUnproposable = 0;
      } else {
        ++ConsecutiveUnproposable;
        ++NextId;
      }
      Stop = budgetSpent();
      if (Pool->size() == 1 && !InFlight.empty())
        break;
    }
    if (Stop && Pool->inFlight() == 0)
      break;
    // A second interrupt does not wait for the candidates in flight.
    if (O.Interrupted && O.Interrupted->load() > 1)
      break;
    if (std::optional<Done> D = Pool->wait(50))
      finish(std::move(*D));
    if (O.OnProgress &&
        Clock::now() - LastProgress > std::chrono::milliseconds(200)) {
      O.OnProgress(progress());
      LastProgress = Clock::now();
    }
  }
  if (O.Interrupted && O.Interrupted->load() > 1)
    _Exit(130); // pending candidates stay in the database for the resume
  Pool->stop();

  RunSummary Sum;
  Sum.StopReason = Stop.value_or("stopped");
  Sum.Final = progress();
  Sum.SessionCandidates = SessionFinished;
  Sum.SessionSeconds = secondsSince(Started);
  Sum.Resumed = Resumed;
  const search::Member *Best = Search->best();
  Sum.Feasible = Best && Best->Feasible;
  Store->addEvent({Sum.Final.Elapsed, Session, "stop", Sum.StopReason});
  Store->setMetaAsync("elapsed_s", std::to_string(Sum.Final.Elapsed));
  if (Error E = Store->flush())
    return std::move(E);
  if (Error E = writeBest())
    return std::move(E);
  SmallString<256> BestDir(O.Directory);
  sys::path::append(BestDir, "best");
  Sum.BestDirectory = std::string(BestDir);
  return Sum;
}

Error Evolution::writeBest() {
  const search::Member *Best = Search->best();
  if (!Best)
    return Error::success();
  std::optional<store::Candidate> C = Store->candidate(Best->Id);
  if (!C)
    return createStringError(inconvertibleErrorCode(),
                             "the best candidate #%lld is not in the database",
                             (long long)Best->Id);
  Materialized M = materialize(Regions, Files, C->Regions);
  SmallString<256> Dir(O.Directory);
  sys::path::append(Dir, "best");
  for (const auto &[File, Text] : M.Files) {
    SmallString<256> Rel(File);
    sys::path::replace_path_prefix(Rel, S.BaseDir, "");
    StringRef R = sys::path::relative_path(Rel);
    SmallString<256> Out(Dir);
    sys::path::append(Out, R);
    if (std::error_code EC =
            sys::fs::create_directories(sys::path::parent_path(Out)))
      return createStringError(EC, "cannot create '%s'", Out.c_str());
    if (Error E = writeToOutput(Out, [&](raw_ostream &OS) {
          OS << Text;
          return Error::success();
        }))
      return E;
  }
  SmallString<256> PatchFile(Dir);
  sys::path::append(PatchFile, "best.patch");
  std::string Diff = patch::diffFiles(Files, M.Files, S.BaseDir);
  return writeToOutput(PatchFile, [&](raw_ostream &OS) {
    OS << Diff;
    return Error::success();
  });
}

} // namespace

Expected<RunSummary> run(const spec::Spec &S,
                         const std::vector<regions::Region> &Regions,
                         RunOptions &Options) {
  Evolution E(S, Regions, Options);
  return E.run();
}

} // namespace evolve
} // namespace adrs
