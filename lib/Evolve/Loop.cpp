//===- Loop.cpp - The evolution loop --------------------------------------===//
//
// One thread runs the loop: it asks the strategy for a parent, the generator
// for an edit, takes the edit down the one road (candidate::prepare, then an
// evaluation on a worker), and records every outcome in the run database.
// The workers evaluate; the loop never waits on one.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evolve/Minimize.h"
#include "adrs/Evolve/Run.h"

#include "ProgramCache.h"
#include "ProposalPool.h"
#include "RunDirectory.h"
#include "WorkerPool.h"

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Generate/Generator.h"
#include "adrs/Generate/Prompt.h"
#include "adrs/Generate/PromptVariants.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Search/Strategy.h"
#include "adrs/Store/RunStore.h"
#include "adrs/Tune/Tuning.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>
#include <unordered_map>

using namespace llvm;

namespace adrs {
namespace evolve {

namespace {

using Clock = std::chrono::steady_clock;

/// The snapshot of the run whose database is \p DB, when a resume must
/// match it: none when there is no run, or when its baseline never
/// evaluated (such a run has nothing to keep and takes the sources as they
/// are now).
Expected<std::optional<std::string>> snapshotToKeep(StringRef DB) {
  if (!sys::fs::exists(DB))
    return std::nullopt;
  Expected<std::unique_ptr<store::RunStore>> RO =
      store::RunStore::openReadOnly(DB);
  if (!RO)
    return RO.takeError();
  Expected<std::optional<std::string>> Then = (*RO)->meta("snapshot");
  if (!Then)
    return Then.takeError();
  Expected<std::optional<store::Candidate>> Base = (*RO)->candidate(0);
  if (!Base)
    return Base.takeError();
  if (!*Base)
    return std::nullopt;
  return std::move(*Then);
}

double secondsSince(Clock::time_point T) {
  return std::chrono::duration<double>(Clock::now() - T).count();
}

std::string toJSONText(const json::Value &V) { return formatv("{0}", V); }

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
  M.Fingerprint = C.Fingerprint;
  return M;
}

/// The registered name of the spec's generator.
std::string generatorName(const spec::Spec &S) {
  switch (S.Generator.Kind) {
  case spec::GeneratorKind::Builtin:
    return "builtin";
  case spec::GeneratorKind::LLM:
    return "llm";
  case spec::GeneratorKind::Command:
    return "command";
  }
  return "builtin";
}

/// The replies of a recorded run, given again to the same prompts: the run
/// is made again without asking anyone.
/// How a request that failed for good is recorded: as a rejected candidate
/// with this reason before the message. A replay fails the same request in
/// the same way, so that the prompts after it are the same too.
constexpr StringLiteral RequestFailed = "the request failed: ";

class ReplayGenerator : public generate::Generator {
public:
  static Expected<std::unique_ptr<ReplayGenerator>> open(StringRef Directory,
                                                         const spec::Spec &S) {
    std::string DB = databasePath(Directory);
    if (!sys::fs::exists(DB))
      return createStringError(inconvertibleErrorCode(),
                               "'%s' holds no run to replay (no run.db)",
                               Directory.str().c_str());
    Expected<std::unique_ptr<store::RunStore>> Old =
        store::RunStore::openReadOnly(DB);
    if (!Old)
      return Old.takeError();
    std::unique_ptr<ReplayGenerator> G(new ReplayGenerator());
    Expected<generate::PromptSettings> P = generate::promptSettings(S);
    if (!P)
      return P.takeError();
    G->Prompts = std::move(*P);
    G->Concurrency = std::max(1u, S.Generator.Concurrency);
    if (Error E = (*Old)->forEachCandidate(true, [&](store::Candidate &&C) {
          if (C.Prompt.empty())
            return;
          Recording Edit;
          Edit.Reply = C.Edit;
          Edit.Generator = C.Generator;
          Edit.Operator = C.Operator;
          Edit.Description = C.Description;
          Edit.Model = C.Model;
          Edit.Prompt = C.Prompt;
          Edit.PromptTokens = C.PromptTokens;
          Edit.CompletionTokens = C.CompletionTokens;
          Edit.CostUSD = C.CostUSD;
          if (C.Status == Status::Rejected &&
              StringRef(C.Reason).startswith(RequestFailed))
            Edit.Failure = StringRef(C.Reason).drop_front(RequestFailed.size());
          G->Recorded[keyOf(C.Prompt)].push_back(std::move(Edit));
        }))
      return std::move(E);
    Expected<std::vector<store::Steering>> Steerings = (*Old)->steerings();
    if (!Steerings)
      return Steerings.takeError();
    for (store::Steering &St : *Steerings)
      if (St.AppliedAfter)
        G->Steerings.push_back(std::move(St));
    Expected<std::vector<store::Insight>> Insights = (*Old)->insights();
    if (!Insights)
      return Insights.takeError();
    for (store::Insight &I : *Insights) {
      generate::GeneratedEdit Edit;
      Edit.Generator = "replay";
      Edit.Reply = I.Reply;
      Edit.Model = I.Model;
      Edit.Prompt = I.Prompt;
      Edit.PromptTokens = I.PromptTokens;
      Edit.CompletionTokens = I.CompletionTokens;
      Edit.CostUSD = I.CostUSD;
      G->Scratchpads.push_back({uint64_t(I.Iteration), std::move(Edit)});
    }
    Expected<std::vector<store::PromptVariant>> Variants =
        (*Old)->promptVariants();
    if (!Variants)
      return Variants.takeError();
    for (store::PromptVariant &V : *Variants) {
      Recording Edit;
      Edit.Generator = "replay";
      Edit.Reply = V.Reply;
      Edit.Model = V.Model;
      Edit.Prompt = V.Prompt;
      Edit.PromptTokens = V.PromptTokens;
      Edit.CompletionTokens = V.CompletionTokens;
      Edit.CostUSD = V.CostUSD;
      if (StringRef(V.Refusal).startswith(RequestFailed))
        Edit.Failure = StringRef(V.Refusal).drop_front(RequestFailed.size());
      G->VariantReplies.push_back({uint64_t(V.Iteration), std::move(Edit)});
    }
    if (G->Recorded.empty())
      return createStringError(inconvertibleErrorCode(),
                               "the run in '%s' has no recorded requests to "
                               "replay (was it run with a model?)",
                               Directory.str().c_str());
    return std::move(G);
  }

  Expected<std::optional<generate::GeneratedEdit>>
  propose(const generate::ProposalRequest &R, std::mt19937_64 &) override {
    std::string Key =
        generate::renderPlainText(generate::buildPrompt(R, Prompts));
    std::lock_guard<std::mutex> L(Mutex);
    auto It = Recorded.find(Key);
    if (It == Recorded.end() || It->second.empty())
      return make_error<generate::ProposalError>(
          "the recorded run has no reply to the prompt of proposal #" +
              std::to_string(R.Iteration) +
              ": the run went another way (a changed spec, strategy, or "
              "more than one job or request at a time)",
          /*Fatal=*/true, generate::GeneratedEdit());
    Recording E = std::move(It->second.front());
    It->second.erase(It->second.begin());
    std::optional<std::string> Failure = std::move(E.Failure);
    generate::GeneratedEdit Edit = std::move(E); // the recording's edit part
    if (Failure)
      return make_error<generate::ProposalError>(*Failure, /*Fatal=*/false,
                                                 std::move(Edit));
    return std::optional<generate::GeneratedEdit>(std::move(Edit));
  }

  unsigned concurrency() const override { return Concurrency; }

  /// The hints, pins and rollbacks the recorded run took, in order: the
  /// replay takes each after as many candidates as the run did.
  std::deque<store::Steering> takeSteerings() { return std::move(Steerings); }

  /// The recorded scratchpads, each at the count it was asked for.
  Expected<std::optional<generate::GeneratedEdit>>
  summarise(const generate::InsightRequest &R) override {
    std::lock_guard<std::mutex> L(Mutex);
    if (Scratchpads.empty() || Scratchpads.front().first != R.Iteration)
      return make_error<generate::ProposalError>(
          "the recorded run has no scratchpad after " +
              std::to_string(R.Iteration) +
              " candidates: the run went another way",
          /*Fatal=*/false, generate::GeneratedEdit());
    generate::GeneratedEdit E = std::move(Scratchpads.front().second);
    Scratchpads.pop_front();
    return std::optional<generate::GeneratedEdit>(std::move(E));
  }

  /// The recorded replies to the requests for a new system prompt, each at
  /// the count it was asked for (the run checks them again).
  Expected<std::optional<generate::GeneratedEdit>>
  proposeVariant(const generate::VariantRequest &R) override {
    std::lock_guard<std::mutex> L(Mutex);
    if (VariantReplies.empty() || VariantReplies.front().first != R.Iteration)
      return make_error<generate::ProposalError>(
          "the recorded run has no system prompt request after " +
              std::to_string(R.Iteration) +
              " candidates: the run went another way",
          /*Fatal=*/false, generate::GeneratedEdit());
    Recording E = std::move(VariantReplies.front().second);
    VariantReplies.pop_front();
    std::optional<std::string> Failure = std::move(E.Failure);
    generate::GeneratedEdit Edit = std::move(E);
    if (Failure)
      return make_error<generate::ProposalError>(*Failure, /*Fatal=*/false,
                                                 std::move(Edit));
    return std::optional<generate::GeneratedEdit>(std::move(Edit));
  }

private:
  ReplayGenerator() = default;

  /// A request as recorded (the JSON body sent to a server, or the text a
  /// command read) made comparable with a prompt built again.
  static std::string keyOf(StringRef Recorded) {
    Expected<json::Value> V = json::parse(Recorded);
    if (!V) {
      consumeError(V.takeError());
      return Recorded.str();
    }
    const json::Object *O = V->getAsObject();
    const json::Array *Messages = O ? O->getArray("messages") : nullptr;
    if (!Messages)
      return Recorded.str();
    std::vector<generate::ChatMessage> Out;
    for (const json::Value &M : *Messages) {
      const json::Object *MO = M.getAsObject();
      if (!MO)
        continue;
      StringRef Role = MO->getString("role").value_or("user");
      generate::ChatMessage C;
      C.From = Role == "system"      ? generate::ChatMessage::Role::System
               : Role == "assistant" ? generate::ChatMessage::Role::Assistant
                                     : generate::ChatMessage::Role::User;
      C.Content = MO->getString("content").value_or("").str();
      Out.push_back(std::move(C));
    }
    return generate::renderPlainText(Out);
  }

  generate::PromptSettings Prompts;
  unsigned Concurrency = 1;
  std::mutex Mutex;
  /// A recorded reply, or how its request failed.
  struct Recording : generate::GeneratedEdit {
    std::optional<std::string> Failure;
  };
  std::map<std::string, std::vector<Recording>> Recorded;
  std::deque<std::pair<uint64_t, generate::GeneratedEdit>> Scratchpads;
  std::deque<std::pair<uint64_t, Recording>> VariantReplies;
  std::deque<store::Steering> Steerings;
};

/// A request to the model beside the proposals (a scratchpad, a system
/// prompt), on a thread of its own; one of each kind at a time.
struct SideRequest {
  uint64_t Iteration = 0; ///< Finished candidates when it was asked for.
  generate::InsightRequest Insight;
  generate::VariantRequest Variant;
  std::thread Thread;
  std::mutex Mutex;
  std::optional<Expected<std::optional<generate::GeneratedEdit>>> Result;
};

using SideAsk = std::function<Expected<std::optional<generate::GeneratedEdit>>(
    const SideRequest &)>;

/// Starts \p Job on its thread: \p Ask makes the request.
std::unique_ptr<SideRequest> startSide(std::unique_ptr<SideRequest> Job,
                                       SideAsk Ask) {
  SideRequest *Raw = Job.get();
  Job->Thread = std::thread([Raw, Ask = std::move(Ask)] {
    Expected<std::optional<generate::GeneratedEdit>> R = Ask(*Raw);
    std::lock_guard<std::mutex> L(Raw->Mutex);
    Raw->Result.emplace(std::move(R));
  });
  return Job;
}

/// The request in \p Slot once it is back (with \p Wait, after waiting
/// for it); the slot is then free.
std::unique_ptr<SideRequest> finishedSide(std::unique_ptr<SideRequest> &Slot,
                                          bool Wait) {
  if (!Slot)
    return nullptr;
  {
    std::lock_guard<std::mutex> L(Slot->Mutex);
    if (!Wait && !Slot->Result)
      return nullptr;
  }
  Slot->Thread.join();
  return std::move(Slot);
}

/// What a side request's failure was charged, and why it failed.
struct SideFailure {
  generate::GeneratedEdit Record;
  std::string Detail;
};

SideFailure sideFailure(Error E) {
  SideFailure F;
  handleAllErrors(
      std::move(E),
      [&](const generate::ProposalError &P) {
        F.Record = P.Record;
        F.Detail = (RequestFailed + P.Message).str();
      },
      [&](const ErrorInfoBase &Other) {
        F.Detail = (RequestFailed + Other.message()).str();
      });
  return F;
}

class Evolution {
public:
  Evolution(const spec::Spec &S, const std::vector<regions::Region> &Regions,
            RunOptions &O)
      : S(S), Regions(Regions), O(O) {}

  Expected<RunSummary> run();

private:
  Error prepare();
  Error scoreBaseline();
  Error replay();
  Expected<generate::ScoredProgram> scored(int64_t Id, bool WithResult);
  Expected<ProposalJob> select(int64_t Id);
  store::Proposal proposalOf(const ProposalJob &J,
                             const generate::GeneratedEdit &E,
                             int64_t Id) const;
  Error proposeHere(int64_t Id, bool &Proposed);
  Error accept(ProposalDone D);
  void maybeFix(const store::Candidate &C, const eval::Evaluation &E);
  std::optional<double> parentScore(const store::Candidate &C);
  void dispatch(const store::Proposal &P);
  Error finish(Done D);
  Error finishTuning(Done D);
  store::TuningRecord tuningRecord(const tune::Tuning &T, const Job &J) const;
  void submitTest(int64_t Id, const Program &P);
  /// Whether a candidate that scored \p E would become the best.
  bool wouldBeBest(const eval::Evaluation &E) const;
  void teach(const store::Candidate &C);
  /// `start from baselines`: the spec's references join the population.
  Error startFromReferences();
  Error maybeTune();
  /// Takes the hints, pins and rollbacks asked for since the last look.
  Error pollSteering();
  /// With --replay: gives the search what the recorded run was given, after
  /// as many candidates.
  Error replaySteering();
  /// Applies a person's steering to the search and the prompts; when
  /// \p Live, also logs it and records when it was taken.
  Error applySteering(const store::Steering &St, bool Live);
  /// Asks for a scratchpad when one is due (`insight every N`).
  Error maybeInsight();
  /// Records the scratchpad asked for, once it is back (or, with \p Wait,
  /// after waiting for it).
  Error collectInsight(bool Wait);
  /// What the run knows, for a scratchpad: counts, the best lineage, the
  /// frequent failures, the worst regressions.
  Expected<std::string> runReport();
  /// Adds what a scratchpad cost to the run's and its model's totals.
  void countInsight(const store::Insight &I);
  /// Asks for a new system prompt when one is due (`prompts evolve`).
  Error maybeVariant();
  /// Checks and records the system prompt asked for, once it is back (or,
  /// with \p Wait, after waiting for it).
  Error collectVariant(bool Wait);
  /// Counts finished candidate \p C for the prompt variant it had.
  void observeVariant(const store::Candidate &C);
  void record(store::Candidate C);
  /// Adds what \p C's request cost to the run's and its model's totals.
  void count(const store::Candidate &C);
  /// Adds one request to the run's and \p Who's totals; nothing for an
  /// unpaid generator's free request.
  void charge(const std::string &Who, bool Unpaid, uint64_t PromptTokens,
              uint64_t CompletionTokens, double CostUSD);
  /// Why the run must stop proposing, if it must. Without
  /// \p CountIterations, only the reasons that also end the proposals in
  /// flight: time, cost, a target reached, an interrupt.
  std::optional<std::string> budgetSpent(bool CountIterations = true);
  bool interrupted() const { return O.Interrupted && O.Interrupted->load(); }
  Progress progress();
  void log(const std::string &Line, LogLevel Level = LogLevel::Notable) {
    if (O.OnLog)
      O.OnLog(Level, Line);
  }
  /// What happened to the evaluation workers (a SLURM step started again
  /// or lost): a log line and an event each.
  void recordWorkerNotices() {
    for (std::string &Notice : Pool->takeNotices()) {
      log(Notice);
      Store->addEvent(
          {now(), Session, EventKind::Worker, std::move(Notice), std::nullopt});
    }
  }
  /// Minimises the best at the end of a run, with the first worker's warm
  /// evaluator (the workers have stopped).
  Error minimizeBest(RunSummary &Sum);
  double now() const { return ElapsedBefore + secondsSince(Started); }

  const spec::Spec &S;
  const std::vector<regions::Region> &Regions;
  RunOptions &O;

  std::optional<RunDirectory> Dir;
  std::optional<candidate::Sources> Sources;
  std::unique_ptr<store::RunStore> Store;
  /// Declared before Pool, so ended after it: once the workers have ended
  /// their steps, what is left under the run's tag is cancelled.
  std::optional<eval::WorkerSweep> Sweep;
  std::unique_ptr<WorkerPool> Pool;
  std::unique_ptr<search::Strategy> Search;
  std::unique_ptr<ProgramCache> Cache;
  std::unique_ptr<generate::Generator> Generator;
  /// For a generator that runs beside the loop (a model).
  std::unique_ptr<ProposalPool> Proposals;
  /// Model candidates in flight, with the conversation that made them, for
  /// a fix if they do not compile.
  std::map<int64_t, ProposalJob> Conversations;
  /// The last finished candidates, for a model's prompt.
  std::deque<generate::Attempt> Recent;
  std::vector<std::string> Passes;

  unsigned Session = 1;
  int64_t NextId = 1;
  int64_t NextSeq = 1;
  double ElapsedBefore = 0;
  Clock::time_point Started = Clock::now();
  uint64_t SessionFinished = 0;
  Progress Stats;
  /// Texts evaluated or in flight (textKey -> candidate), to draw again
  /// rather than evaluate a text twice.
  std::unordered_map<uint64_t, int64_t> SeenText;
  std::map<int64_t, store::Proposal> InFlight;
  uint64_t ConsecutiveUnproposable = 0;
  /// Candidates that are the spec's references (`start from baselines`):
  /// their ids are no iterations.
  uint64_t References = 0;
  unsigned Resumed = 0;
  unsigned TunesInFlight = 0;
  std::set<int64_t> Tuned; ///< Candidates whose constants were tuned.
  std::optional<std::string> Stop;
  /// What a person asked for: the hints and pins in force, the last
  /// steering taken, and when the database was last looked at.
  store::SteeringState Steered;
  int64_t LastSteering = 0;
  Clock::time_point LastSteeringPoll;
  std::deque<store::Steering> Replayed;
  /// The latest scratchpad, the candidates there were when it was asked
  /// for, and the one being written, if one is.
  std::string Scratchpad;
  uint64_t LastInsight = 0;
  std::unique_ptr<SideRequest> Insight;
  /// With `prompts evolve`: the system prompts and how their candidates
  /// did, the spec's own (variant 0) and the placeholders a variant keeps,
  /// the candidates there were at the last request, and the request being
  /// answered, if one is.
  std::optional<generate::PromptArchive> Prompts;
  std::string BaseSystemPrompt;
  std::vector<std::string> Placeholders;
  uint64_t LastVariant = 0;
  std::unique_ptr<SideRequest> Variant;
  /// The scores of the candidates that ran to the end, for the variants'
  /// counts (the writer may not have stored a parent yet).
  std::unordered_map<int64_t, double> RanScores;
};

Error Evolution::prepare() {
  Expected<candidate::Sources> Read = candidate::Sources::read(Regions);
  if (!Read)
    return Read.takeError();
  Sources = std::move(*Read);
  Passes = O.Passes.empty() ? passes::defaultPasses() : O.Passes;
  if (!is_contained(Passes, "fingerprint"))
    Passes.push_back("fingerprint");
  if (!is_contained(Passes, "features"))
    Passes.push_back("features");
  if (!O.Replay.empty()) {
    Expected<std::unique_ptr<ReplayGenerator>> Replay =
        ReplayGenerator::open(O.Replay, S);
    if (!Replay)
      return Replay.takeError();
    Replayed = (*Replay)->takeSteerings();
    Generator = std::move(*Replay);
  } else {
    Expected<std::unique_ptr<generate::Generator>> Gen =
        generate::createGenerator(
            O.Generator.empty() ? generatorName(S) : O.Generator, S);
    if (!Gen)
      return Gen.takeError();
    Generator = std::move(*Gen);
  }
  if (Generator->concurrency() > 0)
    Proposals = std::make_unique<ProposalPool>(*Generator, *Sources,
                                               Generator->concurrency());
  Search = search::Strategy::create(S.Search);

  Expected<RunDirectory> Locked = RunDirectory::lock(O.Directory);
  if (!Locked)
    return Locked.takeError();
  Dir.emplace(std::move(*Locked));
  if (O.Fresh)
    if (Error E = Dir->clear())
      return E;

  std::string DB = Dir->databasePath();
  std::string Now = snapshot(S, Sources->files());
  {
    // Read before any thread exists: the zygotes are forked next.
    Expected<std::optional<std::string>> Then = snapshotToKeep(DB);
    if (!Then)
      return Then.takeError();
    if (*Then) {
      std::string Why = snapshotDifference(**Then, Now);
      if (!Why.empty())
        return cannotResume(O.Directory, Why);
    }
  }

  // The zygotes, before the database's writer thread and the workers. A
  // cluster's workers carry the run directory's tag: what a dead run in
  // this directory left running is ended first.
  std::vector<std::unique_ptr<eval::Executor>> Executors;
  eval::ExecutorOptions EO;
  EO.Kind = S.Executor.Kind;
  EO.RunTag = eval::runTag(O.Directory);
  EO.Interrupted = O.Interrupted;
  unsigned Workers = std::max(1u, O.Jobs);
  if (S.Executor.Kind != spec::ExecutorKind::Local) {
    if (S.Executor.Workers)
      Workers = S.Executor.Workers;
    if (Error E = eval::sweepWorkers(S, EO))
      return E;
    Sweep.emplace(S, EO);
    log(formatv("{0} SLURM {1}, job name adrsc-{2}", Workers,
                Workers == 1 ? "worker" : "workers", EO.RunTag));
  }
  // An evaluator command runs in the run's own process tree on this
  // machine, and on the workers' nodes on a cluster.
  if (S.Evaluator.Kind == spec::EvaluatorKind::Function ||
      S.Executor.Kind != spec::ExecutorKind::Local) {
    EO.Index = 0;
    Expected<std::vector<std::unique_ptr<eval::Executor>>> All =
        eval::Executor::startAll(S, Regions, EO, Workers);
    if (!All)
      return createStringError(inconvertibleErrorCode(),
                               "cannot prepare the evaluation: %s",
                               toString(All.takeError()).c_str());
    Executors = std::move(*All);
  }
  Pool =
      std::make_unique<WorkerPool>(S, *Sources, Passes, std::move(Executors));

  Expected<std::unique_ptr<store::RunStore>> Opened = store::RunStore::open(DB);
  if (!Opened)
    return Opened.takeError();
  Store = std::move(*Opened);
  Cache = std::make_unique<ProgramCache>(*Store, 4096);
  Expected<std::optional<std::string>> Snapshot = Store->meta("snapshot");
  if (!Snapshot)
    return Snapshot.takeError();
  Expected<std::optional<store::Candidate>> Base = Store->candidate(0);
  if (!Base)
    return Base.takeError();
  if (!*Snapshot || !*Base) {
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
  Expected<std::optional<std::string>> Sessions = Store->meta("sessions");
  Expected<std::optional<std::string>> Elapsed = Store->meta("elapsed_s");
  if (!Sessions)
    return Sessions.takeError();
  if (!Elapsed)
    return Elapsed.takeError();
  if (*Sessions) {
    unsigned Before = 0;
    if (StringRef(**Sessions).getAsInteger(10, Before))
      return createStringError(inconvertibleErrorCode(),
                               "the run database's session count '%s' is "
                               "not a number",
                               (*Sessions)->c_str());
    Session = Before + 1;
    if (*Elapsed && StringRef(**Elapsed).getAsDouble(ElapsedBefore))
      return createStringError(inconvertibleErrorCode(),
                               "the run database's elapsed time '%s' is not "
                               "a number",
                               (*Elapsed)->c_str());
  }
  Store->setMetaAsync("sessions", std::to_string(Session));
  return Store->flush();
}

Error Evolution::replay() {
  // What a person asked for is replayed where the search took it, between
  // the same two candidates; what it had not taken yet waits for the
  // first look at the database.
  Expected<std::vector<store::Steering>> Steerings = Store->steerings();
  if (!Steerings)
    return Steerings.takeError();
  size_t NextSteering = 0;
  Error SteerFailed = Error::success();
  auto SteerUpTo = [&](int64_t Seq) {
    while (!SteerFailed && NextSteering < Steerings->size() &&
           (*Steerings)[NextSteering].AppliedAfter &&
           *(*Steerings)[NextSteering].AppliedAfter <= Seq) {
      SteerFailed = applySteering((*Steerings)[NextSteering], /*Live=*/false);
      LastSteering = (*Steerings)[NextSteering].Id;
      ++NextSteering;
    }
  };
  if (S.Generator.PromptEvolveEvery && Proposals) {
    Expected<generate::PromptSettings> P = generate::promptSettings(S);
    if (!P)
      return P.takeError();
    BaseSystemPrompt = generate::baseSystemPrompt(*P);
    Placeholders = generate::placeholdersOf(P->SystemTemplate);
    Expected<generate::PromptArchive> Archive = loadPromptArchive(*Store);
    if (!Archive)
      return Archive.takeError();
    Prompts = std::move(*Archive);
    Expected<std::vector<store::PromptVariant>> Variants =
        Store->promptVariants();
    if (!Variants)
      return Variants.takeError();
    for (const store::PromptVariant &V : *Variants) {
      LastVariant = std::max(LastVariant, uint64_t(V.Iteration));
      charge(V.Model, V.Model.empty(), V.PromptTokens, V.CompletionTokens,
             V.CostUSD);
    }
  }
  int64_t MaxId = 0;
  Error E = Store->forEachCandidate(true, [&](store::Candidate &&C) {
    SteerUpTo(C.Seq - 1);
    if (C.Score && ranToTheEnd(C.Status))
      RanScores[C.Id] = *C.Score;
    MaxId = std::max(MaxId, C.Id);
    NextSeq = std::max(NextSeq, C.Seq + 1);
    teach(C);
    Search->observe(memberOf(C));
    (void)Search->takeEvents(); // logged when they happened
    SeenText.emplace(textKey(C.Regions), C.Id);
    Pool->remember(C.Fingerprint);
    // The baseline and the references started from are no iterations.
    if (C.Parents.empty() && C.Id != 0)
      ++References;
    if (!C.Parents.empty()) {
      ++Stats.Iteration;
      if (C.Status == Status::Duplicate)
        ++Stats.Duplicates;
      else
        ++Stats.Evaluated;
    }
    if (isFailure(C.Status))
      ++Stats.Failures[C.Status];
    count(C);
    Cache->put(C.Id, std::move(C.Regions));
  });
  if (E)
    return joinErrors(std::move(E), std::move(SteerFailed));
  SteerUpTo(NextSeq - 1);
  if (SteerFailed)
    return SteerFailed;
  Expected<std::vector<store::Insight>> Insights = Store->insights();
  if (!Insights)
    return Insights.takeError();
  for (const store::Insight &I : *Insights) {
    LastInsight = std::max(LastInsight, uint64_t(I.Iteration));
    if (!I.Text.empty())
      Scratchpad = I.Text;
    countInsight(I);
  }
  Expected<std::optional<std::string>> BaselineRun =
      Store->meta("baseline_run_s");
  if (!BaselineRun)
    return BaselineRun.takeError();
  double Seconds = 0;
  if (*BaselineRun && !StringRef(**BaselineRun).getAsDouble(Seconds))
    Pool->setBaselineSeconds(Seconds);
  // Programs tuned in earlier sessions are not tuned again.
  Expected<std::vector<Event>> Events = Store->events();
  if (!Events)
    return Events.takeError();
  for (const Event &Ev : *Events)
    if (Ev.Kind == EventKind::Tune && Ev.Subject)
      Tuned.insert(*Ev.Subject);
  Expected<int64_t> Max = Store->maxId();
  if (!Max)
    return Max.takeError();
  NextId = std::max(MaxId, *Max) + 1;
  return Error::success();
}

void Evolution::dispatch(const store::Proposal &P) {
  Job J;
  J.Kind = JobKind::Train;
  J.Id = P.Id;
  J.Regions = P.Regions;
  Store->addPending(P);
  InFlight[P.Id] = P;
  Pool->submit(std::move(J));
}

/// What the run knows of candidate \p Id, for a model's prompt: its program,
/// and when \p WithResult its status and what the evaluator said.
Expected<generate::ScoredProgram> Evolution::scored(int64_t Id,
                                                    bool WithResult) {
  generate::ScoredProgram P;
  P.Id = Id;
  Expected<const Program *> Program = Cache->get(Id);
  if (!Program)
    return Program.takeError();
  P.Regions = *Program ? **Program : Sources->baseline();
  if (!WithResult)
    return P;
  Expected<std::optional<store::Candidate>> C = Store->candidate(Id);
  if (!C)
    return C.takeError();
  if (!*C) {
    // Recorded a moment ago, its row may still be in the writer's queue; a
    // prompt that said nothing of how its parent did would differ from the
    // one a replay builds, and tell the model less.
    if (Error E = Store->flush())
      return std::move(E);
    C = Store->candidate(Id);
    if (!C)
      return C.takeError();
    if (!*C)
      return P;
  }
  P.Status = (*C)->Status;
  P.Reason = (*C)->Reason;
  P.Feasible = (*C)->Feasible;
  P.Score = (*C)->Score;
  Expected<json::Value> V = json::parse((*C)->ResultJSON);
  if (!V) {
    consumeError(V.takeError());
    return P;
  }
  const json::Object *O = V->getAsObject();
  if (!O)
    return P;
  if (const json::Object *M = O->getObject("metrics"))
    for (const auto &[K, X] : *M)
      if (std::optional<double> D = X.getAsNumber())
        P.Metrics[K.str()] = *D;
  if (const json::Object *W = O->getObject("per_workload"))
    for (const auto &[Name, Ms] : *W)
      if (const json::Object *MO = Ms.getAsObject())
        for (const auto &[K, X] : *MO)
          if (std::optional<double> D = X.getAsNumber())
            P.PerWorkload[Name.str()][K.str()] = *D;
  if (const json::Object *A = O->getObject("artifacts"))
    for (const auto &[K, X] : *A)
      if (std::optional<StringRef> T = X.getAsString())
        P.Artifacts[K.str()] = T->str();
  return P;
}

/// The request for proposal \p Id: its parent from the strategy, and for a
/// generator that writes prompts, what the run knows.
Expected<ProposalJob> Evolution::select(int64_t Id) {
  ProposalJob J;
  J.Id = Id;
  J.Rng = rngFor(S.Seed, uint64_t(Id));
  J.Selection = Search->select(uint64_t(Id), J.Rng);
  J.FixesLeft = S.Generator.FixAttempts;
  generate::ProposalRequest &R = J.Request;
  R.Iteration = uint64_t(Id);
  R.Seed = S.Seed;
  R.Spec = &S;
  R.Regions = &Regions;
  R.Boldness = J.Selection.Boldness;
  // The built-in generator needs the programs only; a model, everything.
  bool Prompted = Generator->concurrency() > 0;
  Expected<generate::ScoredProgram> Parent =
      scored(J.Selection.Parent, Prompted);
  if (!Parent)
    return Parent.takeError();
  R.Parent = std::move(*Parent);
  for (int64_t D : J.Selection.Inspirations) {
    Expected<const Program *> Donor = Cache->get(D);
    if (!Donor)
      return Donor.takeError();
    if (!*Donor)
      continue;
    Expected<generate::ScoredProgram> P = scored(D, Prompted);
    if (!P)
      return P.takeError();
    R.Inspirations.push_back(std::move(*P));
  }
  if (Prompted) {
    R.Recent.assign(Recent.begin(), Recent.end());
    for (const auto &[Number, Text] : Steered.Hints)
      R.Hints.push_back(Text);
    R.Insight = Scratchpad;
    if (Prompts) {
      const generate::PromptArchive::Variant &V = Prompts->choose();
      J.PromptVariant = V.Number;
      R.SystemPrompt = V.Text;
    }
  }
  return J;
}

/// The proposal a reply makes, for the database.
store::Proposal Evolution::proposalOf(const ProposalJob &J,
                                      const generate::GeneratedEdit &E,
                                      int64_t Id) const {
  store::Proposal P;
  P.Id = Id;
  P.Parents = {J.Selection.Parent};
  P.Island = J.Selection.Island;
  P.Generator = E.Generator;
  P.Operator = E.Operator;
  P.Description = E.Description;
  P.Edit = E.Reply;
  P.Prompt = E.Prompt;
  P.Reply = E.Model.empty() ? std::string() : E.Reply;
  P.Model = E.Model;
  P.PromptTokens = E.PromptTokens;
  P.CompletionTokens = E.CompletionTokens;
  P.CostUSD = E.CostUSD;
  P.PromptVariant = J.PromptVariant;
  P.ProposalMs = E.Seconds * 1000;
  return P;
}

/// Makes proposal \p Id with a generator that runs on the loop's thread
/// (the built-in one), and sends it to be evaluated, or records why it
/// could not be. \p Proposed is false when the generator had nothing to
/// propose.
Error Evolution::proposeHere(int64_t Id, bool &Proposed) {
  Proposed = true;
  Expected<ProposalJob> Selected = select(Id);
  if (!Selected)
    return Selected.takeError();
  ProposalJob &J = *Selected;
  // The generator often rediscovers a program already seen; a few more
  // draws from the same parent usually find a new one, which is worth more
  // than an iteration spent on a duplicate.
  constexpr unsigned Attempts = 16;
  store::Proposal P;
  double Seconds = 0; // every draw is time spent proposing this one
  for (unsigned Attempt = 0;; ++Attempt) {
    auto Started = Clock::now();
    Expected<std::optional<generate::GeneratedEdit>> G =
        Generator->propose(J.Request, J.Rng);
    Seconds += secondsSince(Started);
    if (!G)
      return G.takeError();
    if (!*G) {
      Proposed = false;
      return Error::success();
    }
    (*G)->Seconds = Seconds;
    P = proposalOf(J, **G, Id);
    Expected<candidate::Prepared> Ready =
        candidate::prepare(*Sources, (*G)->Reply, J.Request.Parent.Regions);
    if (!Ready) {
      store::Candidate C;
      static_cast<store::Proposal &>(C) = P;
      C.Status = Status::Rejected;
      C.Reason = candidate::refusalReason(Ready.takeError());
      C.Regions = J.Request.Parent.Regions;
      record(std::move(C));
      return Error::success();
    }
    P.Regions = std::move(Ready->Child);
    auto Seen = SeenText.find(textKey(P.Regions));
    if (Seen == SeenText.end())
      break;
    if (Attempt + 1 == Attempts) {
      store::Candidate C;
      static_cast<store::Proposal &>(C) = P;
      C.Status = Status::Duplicate;
      C.Reason = "the same program as candidate #" +
                 std::to_string(Seen->second) + " (and " +
                 std::to_string(Attempts - 1) +
                 " other proposals from this parent were seen before too)";
      record(std::move(C));
      return Error::success();
    }
  }
  SeenText.emplace(textKey(P.Regions), Id);
  dispatch(P);
  return Error::success();
}

/// What a proposal made beside the loop comes to: its refused replies and
/// failed request recorded, its candidate evaluated (or recorded as the
/// duplicate it is: a model's reply is not drawn again).
Error Evolution::accept(ProposalDone D) {
  ProposalJob &J = D.Job;
  // Every reply is recorded; the one that is evaluated keeps the id the
  // proposal was given, the others get their own.
  bool IdUsed = false;
  auto NextIdFor = [&]() {
    if (!IdUsed && !D.Ready && !D.Failure) {
      // The last refused reply is the proposal's outcome.
      IdUsed = true;
      return J.Id;
    }
    return NextId++;
  };
  for (size_t K = 0; K < D.Refused.size(); ++K) {
    bool Last = K + 1 == D.Refused.size();
    int64_t Id = Last ? NextIdFor() : NextId++;
    store::Candidate C;
    static_cast<store::Proposal &>(C) = proposalOf(J, D.Refused[K].Edit, Id);
    C.Status = Status::Rejected;
    C.Reason = D.Refused[K].Reason;
    C.Regions = J.Request.Parent.Regions;
    record(std::move(C));
  }
  if (D.Failure) {
    if (D.Failure->Fatal)
      return createStringError(inconvertibleErrorCode(), "%s",
                               D.Failure->Message.c_str());
    // Nothing to evaluate, but the request happened and may have cost.
    store::Candidate C;
    static_cast<store::Proposal &>(C) = proposalOf(J, D.Failure->Record, J.Id);
    if (C.Generator.empty())
      C.Generator =
          S.Generator.Kind == spec::GeneratorKind::Command ? "command" : "llm";
    C.Status = Status::Rejected;
    C.Reason = (RequestFailed + D.Failure->Message).str();
    C.Regions = J.Request.Parent.Regions;
    record(std::move(C));
    return Error::success();
  }
  if (D.Nothing) {
    ++ConsecutiveUnproposable;
    return Error::success();
  }
  ConsecutiveUnproposable = 0;
  if (!D.Ready)
    return Error::success();
  store::Proposal P = proposalOf(J, *D.Edit, J.Id);
  P.Regions = std::move(D.Ready->Child);
  auto Seen = SeenText.find(textKey(P.Regions));
  if (Seen != SeenText.end()) {
    store::Candidate C;
    static_cast<store::Proposal &>(C) = P;
    C.Status = Status::Duplicate;
    C.Reason = "the same program as candidate #" + std::to_string(Seen->second);
    record(std::move(C));
    return Error::success();
  }
  SeenText.emplace(textKey(P.Regions), J.Id);
  Conversations[J.Id] = std::move(J);
  dispatch(P);
  return Error::success();
}

/// After a model's candidate did not compile, or the passes refused it:
/// the model gets the exact problem and another try, as a new proposal from
/// the same parent.
void Evolution::maybeFix(const store::Candidate &C, const eval::Evaluation &E) {
  auto It = Conversations.find(C.Id);
  if (It == Conversations.end())
    return;
  ProposalJob J = std::move(It->second);
  Conversations.erase(It);
  if ((E.Status != Status::CompileError && E.Status != Status::Rejected) ||
      J.FixesLeft == 0 || Stop || !Proposals)
    return;
  std::string Problem = E.Reason;
  for (const regions::SourceDiagnostic &Diag : E.CompileErrors)
    Problem += "\n" + Diag.File + ":" + std::to_string(Diag.Line) + ":" +
               std::to_string(Diag.Column) + ": " + Diag.Message;
  for (const passes::PassRejection &R : E.Passes.Rejections)
    Problem += "\n" + R.Region + " line " + std::to_string(R.RegionLine) +
               " (file line " + std::to_string(R.Line) + "): " + R.Message;
  --J.FixesLeft;
  J.Request.Fixes.push_back({C.Edit, Problem});
  J.Request.Model = C.Model;
  J.Id = NextId++;
  J.Request.Iteration = uint64_t(J.Id);
  Proposals->submit(std::move(J));
}

void Evolution::record(store::Candidate C) {
  C.Seq = NextSeq++;
  C.Session = Session;
  C.FinishedAt = now();
  count(C);
  if (Proposals && C.Id != 0) {
    generate::Attempt A;
    A.Id = C.Id;
    A.Description = C.Description;
    A.Status = C.Status;
    A.Reason = C.Reason;
    if (std::optional<double> Before = parentScore(C))
      if (C.Score && ranToTheEnd(C.Status))
        A.ScoreChange = *C.Score - *Before;
    Recent.push_back(std::move(A));
    while (Recent.size() > 8)
      Recent.pop_front();
  }
  observeVariant(C);
  if (C.Score && ranToTheEnd(C.Status))
    RanScores[C.Id] = *C.Score;
  teach(C);
  Search->observe(memberOf(C));
  std::vector<Event> Events;
  for (search::SearchEvent &E : Search->takeEvents()) {
    Events.push_back({C.FinishedAt, Session, E.Kind, E.Detail, std::nullopt});
    // A stall changes the search's course: worth a line of its own.
    log((toString(E.Kind) + ": " + E.Detail).str(),
        E.Kind == EventKind::Stall ? LogLevel::Notable : LogLevel::Routine);
  }
  Pool->remember(C.Fingerprint);
  if (!C.Parents.empty()) {
    ++Stats.Iteration;
    if (C.Status == Status::Duplicate)
      ++Stats.Duplicates;
    else
      ++Stats.Evaluated;
  }
  if (isFailure(C.Status))
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

/// What evaluation \p E says of candidate \p C, on its row.
static void takeResult(store::Candidate &C, const eval::Evaluation &E) {
  C.Status = E.Status;
  C.Reason = E.Reason;
  C.Feasible = E.Feasible;
  C.Score = E.Score;
  C.Objectives = E.Objectives;
  C.Features = E.Passes.Features;
  for (const auto &[K, V] : E.Metrics)
    C.Features.insert({K, V});
  C.Fingerprint = passes::programFingerprint(E.Passes);
  C.ResultJSON = toJSONText(eval::toJSON(E));
  C.WallMs = E.WallMs;
}

/// Tells the generator how candidate \p C ended (it learns which model or
/// operator pays); a replay tells it the same, in the same order.
void Evolution::teach(const store::Candidate &C) {
  if (C.Parents.empty())
    return;
  generate::EditOutcome O;
  O.Model = C.Model;
  O.Operator = C.Operator;
  O.Status = C.Status;
  O.CostUSD = C.CostUSD;
  if (C.Score && ranToTheEnd(C.Status))
    if (auto It = RanScores.find(C.Parents.front()); It != RanScores.end())
      O.Improvement = *C.Score - It->second;
  Generator->observe(O);
}

void Evolution::countInsight(const store::Insight &I) {
  charge(I.Model, I.Model.empty(), I.PromptTokens, I.CompletionTokens,
         I.CostUSD);
}

Expected<std::string> Evolution::runReport() {
  std::map<int64_t, double> Scores;
  std::map<std::string, unsigned> Failures;
  uint64_t Total = 0, Scored = 0, Duplicates = 0, Regressions = 0;
  // The worst drops below a parent: (drop, "#id: description").
  std::vector<std::pair<double, std::string>> Worst;
  Error E = Store->forEachCandidate(false, [&](store::Candidate &&C) {
    if (C.Id == 0) {
      if (C.Score)
        Scores[0] = *C.Score;
      return;
    }
    ++Total;
    if (C.Status == Status::Duplicate) {
      ++Duplicates;
      return;
    }
    if (isFailure(C.Status) && !ranToTheEnd(C.Status)) {
      std::string Why = StringRef(C.Reason).split('\n').first.str();
      if (Why.size() > 160)
        Why = Why.substr(0, 160) + "...";
      ++Failures[(toString(C.Status) + (Why.empty() ? "" : ": ") + Why).str()];
      return;
    }
    if (!C.Score)
      return;
    ++Scored;
    Scores[C.Id] = *C.Score;
    auto P = C.Parents.empty() ? Scores.end() : Scores.find(C.Parents[0]);
    if (P != Scores.end() && *C.Score < P->second) {
      ++Regressions;
      Worst.push_back({P->second - *C.Score,
                       formatv("#{0} from #{1}: {2:F4} -> {3:F4} ({4})", C.Id,
                               P->first, P->second, *C.Score, C.Description)
                           .str()});
      llvm::sort(Worst, [](const auto &A, const auto &B) {
        return A.first > B.first;
      });
      if (Worst.size() > 3)
        Worst.pop_back();
    }
  });
  if (E)
    return std::move(E);
  std::string Out = formatv("{0} candidates: {1} scored, {2} duplicates (the "
                            "same program as an earlier one), {3} scored "
                            "below their parent.\n",
                            Total, Scored, Duplicates, Regressions);
  if (const search::Member *Best = Search->incumbent()) {
    // The best program's line, from the baseline.
    Expected<std::vector<store::Candidate>> Line =
        Store->lineage(Best->Id, /*MaxSteps=*/12);
    if (!Line)
      return Line.takeError();
    Out += "\nThe best program's line, from the initial program:\n";
    for (const store::Candidate &C : *Line)
      Out += formatv("- #{0} {1}{2}\n", C.Id,
                     C.Score ? formatv("{0:F4}", *C.Score).str()
                             : toString(C.Status).str(),
                     C.Description.empty() ? std::string()
                                           : " (" + C.Description + ")")
                 .str();
    Expected<const Program *> P = Cache->get(Best->Id);
    if (!P)
      return P.takeError();
    if (*P) {
      Out += "\nThe best program (#" + std::to_string(Best->Id) + "):\n";
      for (const auto &[Region, Text] : **P)
        Out += "\n```cpp " + Region + "\n" +
               StringRef(Text).take_front(3000).str() +
               (StringRef(Text).endswith("\n") ? "" : "\n") + "```\n";
    }
  }
  if (!Failures.empty()) {
    std::vector<std::pair<unsigned, std::string>> Frequent;
    for (auto &[Why, N] : Failures)
      Frequent.push_back({N, Why});
    llvm::sort(Frequent, [](const auto &A, const auto &B) {
      return A.first != B.first ? A.first > B.first : A.second < B.second;
    });
    Out += "\nThe most frequent failures:\n";
    for (size_t K = 0; K < Frequent.size() && K < 6; ++K)
      Out +=
          formatv("- {0}x {1}\n", Frequent[K].first, Frequent[K].second).str();
  }
  if (!Worst.empty()) {
    Out += "\nThe worst regressions:\n";
    for (const auto &[Drop, Text] : Worst)
      Out += "- " + Text + "\n";
  }
  return Out;
}

Error Evolution::maybeInsight() {
  unsigned Every = S.Generator.InsightEvery;
  // A rule on the count of finished candidates, without state: a resumed
  // run asks when a single session would have (or at once, if a kill took
  // the request).
  if (!Every || Insight || Stop || !Proposals ||
      Stats.Iteration < LastInsight + Every)
    return Error::success();
  auto Job = std::make_unique<SideRequest>();
  Job->Iteration = Stats.Iteration;
  Job->Insight.Iteration = Stats.Iteration;
  Job->Insight.Seed = S.Seed;
  Job->Insight.Spec = &S;
  Job->Insight.Previous = Scratchpad;
  // The report reads the database: everything recorded so far first.
  if (Error E = Store->flush())
    return E;
  Expected<std::string> Report = runReport();
  if (!Report)
    return Report.takeError();
  Job->Insight.Report = std::move(*Report);
  Insight = startSide(std::move(Job), [this](const SideRequest &R) {
    return Generator->summarise(R.Insight);
  });
  return Error::success();
}

Error Evolution::collectInsight(bool Wait) {
  std::unique_ptr<SideRequest> Job = finishedSide(Insight, Wait);
  if (!Job)
    return Error::success();
  Expected<std::optional<generate::GeneratedEdit>> R = std::move(*Job->Result);
  store::Insight I;
  I.Iteration = int64_t(Job->Iteration);
  std::string Detail;
  generate::GeneratedEdit Record;
  if (!R) {
    SideFailure F = sideFailure(R.takeError());
    // A stopping run cancels it: the next session asks again.
    if (Stop.has_value() && F.Record.CostUSD == 0)
      return Error::success();
    Record = std::move(F.Record);
    Detail = std::move(F.Detail);
  } else if (!*R) {
    return Error::success(); // this generator writes no scratchpads
  } else {
    Record = std::move(**R);
    // A model's reply is not trusted to be short: it goes into every
    // later prompt.
    StringRef Text = StringRef(Record.Reply).trim();
    I.Text = Text.take_front(generate::MaxInsightBytes).str();
    if (Text.size() > generate::MaxInsightBytes)
      I.Text += "\n[... cut]";
    Detail = I.Text;
  }
  I.Model = Record.Model;
  I.Prompt = Record.Prompt;
  I.Reply = Record.Reply;
  I.PromptTokens = Record.PromptTokens;
  I.CompletionTokens = Record.CompletionTokens;
  I.CostUSD = Record.CostUSD;
  LastInsight = std::max(LastInsight, Job->Iteration);
  if (!I.Text.empty())
    Scratchpad = I.Text;
  countInsight(I);
  Store->addInsight(
      I, {now(), Session, EventKind::Insight,
          "after " + std::to_string(I.Iteration) + " candidates: " + Detail,
          std::nullopt});
  log(formatv("insight after {0} candidates{1}", I.Iteration,
              I.Text.empty() ? ": " + Detail : std::string())
          .str(),
      I.Text.empty() ? LogLevel::Notable : LogLevel::Routine);
  return Error::success();
}

void Evolution::observeVariant(const store::Candidate &C) {
  if (!Prompts || !C.PromptVariant ||
      StringRef(C.Reason).startswith(RequestFailed))
    return;
  std::optional<double> Before;
  if (!C.Parents.empty())
    if (auto It = RanScores.find(C.Parents[0]); It != RanScores.end())
      Before = It->second;
  Prompts->observe(*C.PromptVariant,
                   generate::improvedOnParent(C.Status, C.Score, Before));
}

Error Evolution::maybeVariant() {
  unsigned Every = S.Generator.PromptEvolveEvery;
  // As for a scratchpad: a rule on the count of finished candidates.
  if (!Prompts || !Every || Variant || Stop ||
      Stats.Iteration < LastVariant + Every)
    return Error::success();
  auto Job = std::make_unique<SideRequest>();
  Job->Iteration = Stats.Iteration;
  generate::VariantRequest &R = Job->Variant;
  R.Iteration = Stats.Iteration;
  R.Seed = S.Seed;
  R.Spec = &S;
  R.Placeholders = Placeholders;
  for (const generate::PromptArchive::Variant *V : Prompts->bestFirst())
    R.Best.push_back(
        {V->Number, V->Number == 0 ? BaseSystemPrompt : V->Text, V->Tally});
  if (Error E = Store->flush())
    return E;
  Expected<std::string> Report = runReport();
  if (!Report)
    return Report.takeError();
  R.Report = std::move(*Report);
  Variant = startSide(std::move(Job), [this](const SideRequest &R) {
    return Generator->proposeVariant(R.Variant);
  });
  return Error::success();
}

Error Evolution::collectVariant(bool Wait) {
  std::unique_ptr<SideRequest> Job = finishedSide(Variant, Wait);
  if (!Job)
    return Error::success();
  Expected<std::optional<generate::GeneratedEdit>> R = std::move(*Job->Result);
  store::PromptVariant V;
  V.Iteration = int64_t(Job->Iteration);
  generate::GeneratedEdit Record;
  if (!R) {
    SideFailure F = sideFailure(R.takeError());
    if (Stop.has_value() && F.Record.CostUSD == 0)
      return Error::success(); // cancelled: the next session asks again
    Record = std::move(F.Record);
    V.Refusal = std::move(F.Detail);
  } else if (!*R) {
    return Error::success(); // this generator writes no system prompts
  } else {
    Record = std::move(**R);
    Expected<std::string> Text =
        generate::variantFromReply(Record.Reply, Job->Variant);
    if (Text)
      V.Text = std::move(*Text);
    else
      V.Refusal = "refused: " + toString(Text.takeError());
  }
  V.Model = Record.Model;
  V.Prompt = Record.Prompt;
  V.Reply = Record.Reply;
  V.PromptTokens = Record.PromptTokens;
  V.CompletionTokens = Record.CompletionTokens;
  V.CostUSD = Record.CostUSD;
  LastVariant = std::max(LastVariant, Job->Iteration);
  charge(V.Model, V.Model.empty(), V.PromptTokens, V.CompletionTokens,
         V.CostUSD);
  std::optional<int64_t> Retired;
  std::string Detail = "after " + std::to_string(V.Iteration) + " candidates: ";
  if (V.Refusal.empty()) {
    V.Number = Prompts->nextNumber();
    V.Parent = Job->Variant.Best.empty()
                   ? std::optional<int64_t>()
                   : std::optional<int64_t>(Job->Variant.Best.front().Number);
    Retired = Prompts->toRetire(S.Generator.PromptVariants);
    Prompts->add(*V.Number, V.Parent, V.Text);
    if (Retired)
      Prompts->retire(*Retired);
    Detail += formatv("variant {0} (from variant {1}){2}: {3}", *V.Number,
                      V.Parent.value_or(0),
                      Retired ? formatv(", variant {0} retired", *Retired).str()
                              : std::string(),
                      StringRef(V.Text).split('\n').first.take_front(120))
                  .str();
  } else {
    Detail += V.Refusal;
  }
  Store->addPromptVariant(
      V, Retired,
      Event{now(), Session, EventKind::Prompt, Detail, std::nullopt});
  log("prompt " + Detail);
  return Error::success();
}

void Evolution::count(const store::Candidate &C) {
  charge(C.Model.empty() ? C.Generator : C.Model, C.Model.empty(),
         C.PromptTokens, C.CompletionTokens, C.CostUSD);
}

void Evolution::charge(const std::string &Who, bool Unpaid,
                       uint64_t PromptTokens, uint64_t CompletionTokens,
                       double CostUSD) {
  if (Unpaid && CostUSD == 0)
    return;
  Stats.CostUSD += CostUSD;
  ModelUsage &U = Stats.Models[Who];
  ++U.Requests;
  U.PromptTokens += PromptTokens;
  U.CompletionTokens += CompletionTokens;
  U.CostUSD += CostUSD;
}

bool Evolution::wouldBeBest(const eval::Evaluation &E) const {
  const search::Member *Best = Search->best();
  if (!Best)
    return true;
  search::Member M;
  M.Id = NextId; // younger than every finished candidate
  M.Status = E.Status;
  M.Feasible = E.Feasible;
  M.Score = E.Score;
  return search::better(M, *Best);
}

void Evolution::submitTest(int64_t Id, const Program &P) {
  if (S.testFiles().empty())
    return;
  // Its score on the held-out workloads, for the report and `best`.
  Job J;
  J.Kind = JobKind::Test;
  J.Id = Id;
  J.Regions = P;
  J.Check = S.ConfirmBests; // for a test run: confirm its figures too
  Pool->submit(std::move(J));
}

Error Evolution::maybeTune() {
  // At every multiple of `every` evaluated candidates: a rule without
  // state, so a resumed run tunes when a single session would have.
  // Not when the budget is spent: the tuned program could not be evaluated.
  if (!S.Search.TuneConstants || TunesInFlight || Stop || budgetSpent() ||
      S.Search.TuneEvery == 0 || Stats.Evaluated == 0 ||
      Stats.Evaluated % S.Search.TuneEvery != 0)
    return Error::success();
  const search::Member *Best = Search->incumbent();
  if (!Best || !Best->scored() || Tuned.count(Best->Id))
    return Error::success();
  Expected<const Program *> P = Cache->get(Best->Id);
  if (!P)
    return P.takeError();
  if (!*P)
    return Error::success();
  Tuned.insert(Best->Id);
  Job J;
  J.Kind = JobKind::Tune;
  J.Id = Best->Id;
  J.Regions = **P;
  J.TuneEvaluations = S.Search.TuneEvaluations;
  J.TuneSeed = S.Seed * 1000003 + uint64_t(Best->Id);
  ++TunesInFlight;
  log(formatv("tune: CMA-ES on the constants of #{0} ({1} evaluations)",
              Best->Id, S.Search.TuneEvaluations),
      LogLevel::Routine);
  Pool->submit(std::move(J));
  return Error::success();
}

Error Evolution::pollSteering() {
  LastSteeringPoll = Clock::now();
  Expected<std::vector<store::Steering>> New = Store->steerings(LastSteering);
  if (!New)
    return New.takeError();
  for (const store::Steering &St : *New) {
    if (Error E = applySteering(St, /*Live=*/true))
      return E;
    LastSteering = St.Id;
  }
  return Error::success();
}

Error Evolution::replaySteering() {
  // Where the recorded run took it: after as many candidates, and before
  // the same proposal was selected.
  while (!Replayed.empty() && *Replayed.front().AppliedAfter <= NextSeq - 1 &&
         Replayed.front().AppliedBeforeProposal.value_or(0) <= NextId) {
    store::Steering St = std::move(Replayed.front());
    Replayed.pop_front();
    if (St.Id <= LastSteering)
      continue; // taken by an earlier session of this replay
    St.AppliedAfter.reset();
    Expected<int64_t> Id = Store->addSteering(St);
    if (!Id)
      return Id.takeError();
    St.Id = *Id;
    if (Error E = applySteering(St, /*Live=*/true))
      return E;
    LastSteering = St.Id;
  }
  return Error::success();
}

Error Evolution::applySteering(const store::Steering &St, bool Live) {
  // The commands check what they are given; a database edited by hand is
  // not trusted either: a subject that cannot be a parent is passed over.
  std::optional<search::Member> Subject;
  std::string Problem;
  if (St.Kind != EventKind::Hint && St.Subject && !St.Undo) {
    Expected<std::optional<store::Candidate>> C = Store->candidate(*St.Subject);
    if (!C)
      return C.takeError();
    if (!*C)
      Problem =
          "there is no finished candidate #" + std::to_string(*St.Subject);
    else if (!ranToTheEnd((*C)->Status) || !(*C)->Score)
      Problem = formatv("candidate #{0} was not scored ({1})", *St.Subject,
                        toString((*C)->Status))
                    .str();
    else
      Subject = memberOf(**C);
  }
  bool Changed = Problem.empty() && Steered.apply(St);
  std::string Detail;
  switch (St.Kind) {
  case EventKind::Hint:
    Detail = St.Undo ? formatv("{0} removed", St.Subject.value_or(0)).str()
                     : formatv("{0}: {1}", St.Id, St.Text).str();
    break;
  case EventKind::Pin:
    if (St.Undo) {
      Detail = formatv("#{0} unpinned", St.Subject.value_or(0)).str();
      if (Changed)
        Search->unpin(*St.Subject);
    } else {
      Detail = formatv("#{0} pinned: every other proposal starts from a "
                       "pinned program",
                       St.Subject.value_or(0))
                   .str();
      if (Changed)
        Search->pin(*Subject);
    }
    break;
  case EventKind::Rollback:
    Detail = formatv("back to #{0}: the search goes on from it",
                     St.Subject.value_or(0))
                 .str();
    if (Changed && Subject)
      Search->rollback(*Subject);
    break;
  default:
    Problem = "not a steering";
    break;
  }
  if (!Live)
    return Error::success();
  if (!Problem.empty())
    Detail += " -- ignored: " + Problem;
  else if (!Changed)
    Detail += " -- ignored: nothing to change";
  int64_t Seq = NextSeq - 1;
  Store->markApplied(St.Id, Seq, NextId);
  Store->addEvent({now(), Session, St.Kind, Detail, St.Subject});
  log((toString(St.Kind) + ": " + Detail).str());
  return Error::success();
}

/// What the database keeps of tuning \p T of job \p J, but its summary.
store::TuningRecord Evolution::tuningRecord(const tune::Tuning &T,
                                            const Job &J) const {
  store::TuningRecord R;
  R.Subject = J.Id;
  R.At = now();
  R.Session = Session;
  R.Constants = T.Constants.size();
  R.Evaluations = T.Result.Evaluations;
  R.Budget = J.TuneEvaluations;
  // A cost is minus a score; an invalid point's is infinite.
  if (T.Result.Evaluations && std::isfinite(T.Result.InitialCost))
    R.InitialScore = -T.Result.InitialCost;
  if (T.Result.Evaluations && std::isfinite(T.Result.BestCost))
    R.BestScore = -T.Result.BestCost;
  if (T.Result.BestStep)
    R.BestStep = T.Result.BestStep;
  R.Coverage = T.Result.Explored.Coverage;
  R.TrajectoryLength = T.Result.Explored.TrajectoryLength;
  R.WallMs = T.WallMs;
  return R;
}

Error Evolution::finishTuning(Done D) {
  --TunesInFlight;
  tune::Tuning &T = *D.Tuned;
  store::TuningRecord Record = tuningRecord(T, D.J);
  if (!T.Failure.empty() || T.Result.Best.empty()) {
    Record.Failure = T.Failure.empty() ? "no evaluations" : T.Failure;
    Record.Summary = formatv("#{0}: {1}", D.J.Id, Record.Failure);
    Store->addTuning(
        Record, {Record.At, Session, EventKind::Tune, Record.Summary, D.J.Id});
    log("tune: " + Record.Summary);
    return Error::success();
  }
  std::string Summary =
      formatv("#{0}: {1} constants, {2} evaluations, score {3:F4} -> {4:F4}",
              D.J.Id, T.Constants.size(), T.Result.Evaluations,
              -T.Result.InitialCost, -T.Result.BestCost);
  if (T.Result.Stopped != tune::EarlyStop::None)
    Summary +=
        formatv(" (stopped after {0} of {1}: {2})", T.Result.Evaluations,
                D.J.TuneEvaluations,
                tune::describe(T.Result.Stopped, T.Result.PopulationSize));
  Record.Summary = Summary;
  Store->addTuning(Record,
                   {Record.At, Session, EventKind::Tune, Summary, D.J.Id});
  log("tune: " + Summary);
  if (T.Result.BestCost >= T.Result.InitialCost)
    return Error::success(); // nothing better than the program's own
  if (Stop) {
    log("tune: the budget is spent; the tuned program is not evaluated");
    return Error::success();
  }
  const Program &Parent = D.J.Regions;
  Program Child = tune::writeBack(Parent, T);
  if (Child == Parent)
    return Error::success();
  // The tuned program is a candidate like any other: evaluated in full,
  // through the same checks, and recorded with its rewrite as the edit.
  store::Proposal P;
  P.Id = NextId++;
  P.Parents = {D.J.Id};
  P.Island = 0;
  Expected<std::optional<store::Candidate>> C = Store->candidate(D.J.Id);
  if (!C)
    return C.takeError();
  if (*C)
    P.Island = (*C)->Island;
  P.Generator = "cmaes";
  P.Operator = "tune";
  P.Description = formatv("CMA-ES: {0} constants of #{1} tuned in {2} "
                          "evaluations",
                          T.Constants.size(), D.J.Id, T.Result.Evaluations);
  for (const auto &[Region, Text] : Child)
    if (Parent.at(Region) != Text)
      P.Edit += "```cpp " + Region + "\n" + Text +
                (StringRef(Text).endswith("\n") ? "" : "\n") + "```\n";
  P.Regions = Child;
  uint64_t Key = textKey(Child);
  if (SeenText.count(Key))
    return Error::success();
  SeenText.emplace(Key, P.Id);
  dispatch(P);
  return Error::success();
}

Error Evolution::finish(Done D) {
  if (!D.Failure.empty())
    return createStringError(
        inconvertibleErrorCode(),
        "evaluation failed: %s; the run stopped, and the candidates in flight "
        "are evaluated again when it resumes",
        D.Failure.c_str());
  if (D.Tuned)
    return finishTuning(std::move(D));
  const eval::Evaluation &E = *D.Evaluated;
  if (D.J.Kind == JobKind::Test) {
    Store->setTest(D.J.Id, toJSONText(eval::toJSON(E)));
    return Error::success();
  }
  auto It = InFlight.find(D.J.Id);
  if (It == InFlight.end())
    return Error::success();
  // A would-be best is run again with the candidate in a process of its own
  // before it counts: a score it forged or got by tampering with the
  // evaluator in its own process does not survive that.
  // The initial program is the researcher's: it is recorded at once, for
  // its test run is stored on its row right after.
  if (D.J.Kind == JobKind::Train && D.J.Check && D.J.Id != 0 &&
      S.ConfirmBests && ranToTheEnd(E.Status) &&
      E.Confirmed == eval::Confirmation::NotAsked && wouldBeBest(E)) {
    Job J;
    J.Kind = JobKind::Confirm;
    J.Id = D.J.Id;
    J.Regions = std::move(D.J.Regions);
    J.Files = std::move(D.J.Files);
    J.Reported = E;
    Pool->submit(std::move(J));
    return Error::success();
  }
  store::Candidate C;
  static_cast<store::Proposal &>(C) = It->second;
  InFlight.erase(It);
  takeResult(C, E);
  if (Proposals)
    maybeFix(C, E);
  record(std::move(C));
  return maybeTune();
}

std::optional<double> Evolution::parentScore(const store::Candidate &C) {
  if (C.Parents.empty())
    return std::nullopt;
  Expected<std::optional<store::Candidate>> P = Store->candidate(C.Parents[0]);
  if (!P) {
    consumeError(P.takeError());
    return std::nullopt;
  }
  return *P && ranToTheEnd((*P)->Status) ? (*P)->Score : std::nullopt;
}

std::optional<std::string> Evolution::budgetSpent(bool CountIterations) {
  if (interrupted())
    return std::string("interrupted");
  std::optional<uint64_t> Iterations =
      O.Iterations ? O.Iterations : S.Budget.Iterations;
  if (CountIterations && Iterations &&
      uint64_t(NextId - 1) - References >= *Iterations)
    return "iteration budget reached (" + std::to_string(*Iterations) + ")";
  std::optional<double> Time =
      O.TimeSeconds ? O.TimeSeconds : S.Budget.TimeSeconds;
  if (Time && now() >= *Time)
    return "time budget reached (" + seconds(*Time) + ")";
  if (S.Budget.TargetScore) {
    const search::Member *Best = Search->best();
    if (Best && Best->Feasible && Best->Score &&
        *Best->Score >= *S.Budget.TargetScore)
      return "target score " + formatv("{0}", *S.Budget.TargetScore).str() +
             " reached";
  }
  if (S.Budget.USD && Stats.CostUSD >= *S.Budget.USD)
    return formatv("cost budget reached (${0:F2})", *S.Budget.USD).str();
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
  // The initial program and the spec's references are the researcher's own
  // code: their figures need no confirmation.
  auto TestOf = [&](Job J) -> Expected<eval::Evaluation> {
    J.Kind = JobKind::Test;
    J.Check = false;
    Done D = Pool->runNow(std::move(J));
    if (!D.Failure.empty())
      return createStringError(inconvertibleErrorCode(), "%s",
                               D.Failure.c_str());
    return std::move(*D.Evaluated);
  };
  // The baseline on the held-out workloads, recorded beside its row.
  auto TestBaseline = [&]() -> Expected<eval::Evaluation> {
    Job T;
    T.Regions = Sources->baseline();
    Expected<eval::Evaluation> Test = TestOf(std::move(T));
    if (Test)
      Store->setTest(0, toJSONText(eval::toJSON(*Test)));
    return Test;
  };
  Expected<std::optional<store::Candidate>> Existing = Store->candidate(0);
  if (!Existing)
    return Existing.takeError();
  if (*Existing) {
    // Killed between the baseline and its test run: do the test run now.
    if ((*Existing)->TestJSON.empty() && !S.testFiles().empty())
      if (Expected<eval::Evaluation> Test = TestBaseline(); !Test)
        return Test.takeError();
    return Store->flush();
  }
  Job J;
  J.Kind = JobKind::Train;
  J.Regions = Sources->baseline();
  Done D = Pool->runNow(J);
  if (!D.Failure.empty())
    return createStringError(inconvertibleErrorCode(),
                             "cannot evaluate the initial program: %s",
                             D.Failure.c_str());
  const eval::Evaluation &E = *D.Evaluated;
  if (!ranToTheEnd(E.Status))
    return createStringError(
        inconvertibleErrorCode(),
        "the initial program does not evaluate (%s%s%s); fix it with 'adrsc "
        "eval %s' before searching",
        toString(E.Status).str().c_str(), E.Reason.empty() ? "" : ": ",
        E.Reason.c_str(), S.SpecFile.c_str());
  Pool->setBaselineSeconds(E.RunMs / 1000);
  Store->setMetaAsync("baseline_run_s", formatv("{0}", E.RunMs / 1000).str());
  store::Candidate C;
  C.Id = 0;
  C.Generator = "baseline";
  C.Description = "the initial program";
  C.Regions = Sources->baseline();
  InFlight[0] = C;
  SeenText.emplace(textKey(C.Regions), 0);
  if (Error Err = finish(std::move(D)))
    return Err;
  std::string TestScore = "none (the spec has no test workloads)";
  if (!S.testFiles().empty()) {
    Expected<eval::Evaluation> Test = TestBaseline();
    if (!Test)
      return Test.takeError();
    TestScore = Test->Score ? formatv("{0:F4}", *Test->Score).str()
                            : ("n/a (" + toString(Test->Status) + ")").str();
  }
  log(formatv("baseline: score {0:F4}{1}, test score {2}", E.Score.value_or(0),
              E.Feasible ? "" : " (infeasible)", TestScore));
  // The spec's reference implementations, for comparison in the results.
  json::Object References;
  for (const spec::Baseline &B : S.Baselines) {
    Expected<regions::FileOverrides> Files =
        candidate::referenceFiles(B, Regions);
    if (!Files)
      return createStringError(
          inconvertibleErrorCode(), "cannot evaluate reference '%s': %s",
          B.Name.c_str(), toString(Files.takeError()).c_str());
    Job R;
    R.Kind = JobKind::Train;
    R.Check = false;
    R.Files = std::move(*Files);
    Done Train = Pool->runNow(R);
    Expected<eval::Evaluation> Held = TestOf(R);
    if (!Train.Failure.empty() || !Held) {
      std::string Why =
          !Train.Failure.empty() ? Train.Failure : toString(Held.takeError());
      return createStringError(inconvertibleErrorCode(),
                               "cannot evaluate reference '%s': %s",
                               B.Name.c_str(), Why.c_str());
    }
    const eval::Evaluation &TrainE = *Train.Evaluated;
    References[B.Name] = json::Object{{"train", eval::toJSON(TrainE)},
                                      {"test", eval::toJSON(*Held)}};
    log(formatv("reference '{0}': score {1}, test score {2}", B.Name,
                TrainE.Score ? formatv("{0:F4}", *TrainE.Score).str()
                             : ("n/a (" + toString(TrainE.Status) + ")").str(),
                Held->Score ? formatv("{0:F4}", *Held->Score).str()
                            : ("n/a (" + toString(Held->Status) + ")").str()));
  }
  Store->setMetaAsync("references",
                      toJSONText(json::Value(std::move(References))));
  return Store->flush();
}

Error Evolution::startFromReferences() {
  if (!S.Search.StartFromBaselines)
    return Error::success();
  for (const spec::Baseline &B : S.Baselines) {
    Expected<regions::FileOverrides> Files =
        candidate::referenceFiles(B, Regions);
    if (!Files)
      return createStringError(
          inconvertibleErrorCode(), "cannot start from reference '%s': %s",
          B.Name.c_str(), toString(Files.takeError()).c_str());
    Expected<Program> P = Sources->programIn(*Files);
    if (!P)
      return createStringError(inconvertibleErrorCode(),
                               "cannot start from reference '%s': %s",
                               B.Name.c_str(), toString(P.takeError()).c_str());
    // Already there: a resumed run, or a reference equal to the baseline.
    if (SeenText.count(textKey(*P)))
      continue;
    // The reference's program as the run lays out every program (its
    // regions in the baseline's files), so that its score is the score of
    // what the search goes on from.
    Job J;
    J.Kind = JobKind::Train;
    J.Regions = *P;
    Done D = Pool->runNow(J);
    if (!D.Failure.empty())
      return createStringError(inconvertibleErrorCode(),
                               "cannot evaluate reference '%s': %s",
                               B.Name.c_str(), D.Failure.c_str());
    store::Candidate C;
    C.Id = NextId++;
    C.Generator = "baseline";
    C.Description = "reference '" + B.Name + "' (start from baselines)";
    C.Regions = std::move(*P);
    takeResult(C, *D.Evaluated);
    SeenText.emplace(textKey(C.Regions), C.Id);
    ++References;
    log(formatv("start from reference '{0}' as #{1}: score {2}", B.Name, C.Id,
                C.Score && ranToTheEnd(C.Status)
                    ? formatv("{0:F4}", *C.Score).str()
                    : ("n/a (" + toString(C.Status) + ")").str()));
    record(std::move(C));
  }
  return Store->flush();
}

Expected<RunSummary> Evolution::run() {
  if (Error E = prepare())
    return std::move(E);
  if (Error E = replay())
    return std::move(E);
  Expected<std::vector<store::Proposal>> Pending = Store->pending();
  if (!Pending)
    return Pending.takeError();
  Expected<std::optional<store::Candidate>> Base = Store->candidate(0);
  if (!Base)
    return Base.takeError();
  bool Resuming = Stats.Iteration > 0 || Base->has_value() || !Pending->empty();
  Store->addEvent(
      {ElapsedBefore, Session, Resuming ? EventKind::Resume : EventKind::Start,
       formatv("session {0}, {1} jobs, seed {2}", Session, Pool->size(), S.Seed)
           .str(),
       std::nullopt});
  if (Resuming)
    log(formatv("resuming: {0} candidates so far, {1} in flight when it "
                "stopped",
                Stats.Iteration, Pending->size()));
  if (Error E = scoreBaseline())
    return std::move(E);
  if (Error E = startFromReferences())
    return std::move(E);
  Started = Clock::now();
  Pool->start();

  // A best whose test run was lost to a kill gets it now.
  if (const search::Member *Best = Search->best())
    if (Best->Id != 0) {
      Expected<std::optional<store::Candidate>> C = Store->candidate(Best->Id);
      if (!C)
        return C.takeError();
      if (*C && (*C)->TestJSON.empty())
        submitTest((*C)->Id, (*C)->Regions);
    }

  // What was in flight when the last session died is done again first.
  for (store::Proposal &P : *Pending) {
    Expected<std::optional<store::Candidate>> Done = Store->candidate(P.Id);
    if (!Done)
      return Done.takeError();
    if (P.Id == 0 || *Done) {
      Store->removePending(P.Id); // it finished after all
      continue;
    }
    ++Resumed;
    SeenText.emplace(textKey(P.Regions), P.Id);
    dispatch(P);
  }

  Error Failed = pollSteering();
  // A scratchpad or system prompt that was due when the last session ended
  // (a kill took its request) is asked for before the first proposal, as
  // a single session would have.
  if (!Failed && !budgetSpent()) {
    Failed = maybeInsight();
    if (!Failed)
      Failed = maybeVariant();
  }
  auto LastProgress = Clock::now() - std::chrono::seconds(1);
  for (;;) {
    if (Failed)
      break;
    // A person's hints and pins arrive through the database; a look costs
    // one indexed query, once a second.
    if (!Stop && Clock::now() - LastSteeringPoll > std::chrono::seconds(1))
      if (Error E = pollSteering()) {
        Failed = std::move(E);
        break;
      }
    if (Error E = replaySteering()) {
      Failed = std::move(E);
      break;
    }
    if (!Stop)
      Stop = budgetSpent();
    // Keep every worker busy, with one proposal queued behind each so a
    // worker never waits for the proposer. With one job, strictly one at a
    // time: the search then sees every result before the next proposal,
    // which is what makes a -j1 run reproducible.
    size_t Depth = Pool->size() == 1 ? 1 : 2 * Pool->size();
    if (Proposals) {
      // A model: proposals run beside the loop, as many at once as the
      // generator allows, plus what the workers will want next. With one
      // job and one proposal at a time, strictly one candidate at a time.
      // A scratchpad being written holds up a one-by-one run too: the
      // next prompt then shows it, whatever the timing.
      bool OneByOne = Pool->size() == 1 && Generator->concurrency() == 1;
      size_t Asked = std::max<size_t>(Generator->concurrency(), 1);
      while (!Stop && Proposals->inFlight() < Asked &&
             InFlight.size() + Proposals->inFlight() < Depth + Asked &&
             !(OneByOne && (!InFlight.empty() || Proposals->inFlight() ||
                            TunesInFlight || Insight || Variant))) {
        Expected<ProposalJob> J = select(NextId);
        if (!J) {
          Failed = J.takeError();
          Stop = "the run database could not be read";
          break;
        }
        ++NextId;
        Proposals->submit(std::move(*J));
        Stop = budgetSpent();
      }
      while (std::optional<ProposalDone> P = Proposals->poll())
        if (Error E = accept(std::move(*P))) {
          Failed = std::move(E);
          Stop = "the generator failed";
          break;
        }
      // A stopping run does not wait for a model, except for the proposals
      // the iteration budget has room for: they were asked for, may have
      // cost, and are candidates of this budget.
      if (Stop && (Failed || budgetSpent(/*CountIterations=*/false)))
        Proposals->stop();
    } else {
      while (!Stop && InFlight.size() < Depth &&
             !(Pool->size() == 1 && TunesInFlight)) {
        bool Proposed = true;
        if (Error E = proposeHere(NextId, Proposed)) {
          Failed = std::move(E);
          Stop = "the generator failed";
          break;
        }
        ++NextId;
        ConsecutiveUnproposable = Proposed ? 0 : ConsecutiveUnproposable + 1;
        Stop = budgetSpent();
        if (Pool->size() == 1 && !InFlight.empty())
          break;
      }
    }
    if (Failed)
      break;
    if (Stop && Pool->inFlight() == 0 &&
        (!Proposals || Proposals->inFlight() == 0))
      break;
    // A second interrupt does not wait for the candidates in flight.
    if (O.Interrupted && O.Interrupted->load() > 1)
      break;
    recordWorkerNotices();
    if (std::optional<Done> D = Pool->wait(50))
      if (Error E = finish(std::move(*D))) {
        Failed = std::move(E);
        break;
      }
    if (Error E = collectInsight(/*Wait=*/false)) {
      Failed = std::move(E);
      break;
    }
    if (Error E = maybeInsight()) {
      Failed = std::move(E);
      break;
    }
    if (Error E = collectVariant(/*Wait=*/false)) {
      Failed = std::move(E);
      break;
    }
    if (Error E = maybeVariant()) {
      Failed = std::move(E);
      break;
    }
    if (O.OnProgress &&
        Clock::now() - LastProgress > std::chrono::milliseconds(200)) {
      O.OnProgress(progress());
      LastProgress = Clock::now();
    }
  }
  if (O.Interrupted && O.Interrupted->load() > 1)
    _Exit(130); // pending candidates stay in the database for the resume
  if (Proposals)
    Proposals->stop();
  if (Error E = collectInsight(/*Wait=*/true))
    Failed = joinErrors(std::move(Failed), std::move(E));
  if (Error E = collectVariant(/*Wait=*/true))
    Failed = joinErrors(std::move(Failed), std::move(E));
  Pool->stop();
  recordWorkerNotices();

  RunSummary Sum;
  Sum.StopReason = Failed ? std::string("failed") : Stop.value_or("stopped");
  Sum.Final = progress();
  Sum.SessionCandidates = SessionFinished;
  Sum.SessionSeconds = secondsSince(Started);
  Sum.Resumed = Resumed;
  const search::Member *Best = Search->best();
  Sum.Feasible = Best && Best->Feasible;
  Store->addEvent({Sum.Final.Elapsed, Session, EventKind::Stop, Sum.StopReason,
                   std::nullopt});
  Store->setMetaAsync("elapsed_s", std::to_string(Sum.Final.Elapsed));
  if (Error E = Store->flush())
    return joinErrors(std::move(Failed), std::move(E));
  if (Best) {
    Expected<const Program *> P = Cache->get(Best->Id);
    if (!P)
      return joinErrors(std::move(Failed), P.takeError());
    if (!*P)
      return joinErrors(std::move(Failed),
                        createStringError(inconvertibleErrorCode(),
                                          "the best candidate #%lld is not in "
                                          "the database",
                                          (long long)Best->Id));
    if (Error E = Dir->writeBest(S, *Sources, **P))
      return joinErrors(std::move(Failed), std::move(E));
  }
  if (Failed)
    return std::move(Failed);
  SmallString<256> BestDir(O.Directory);
  sys::path::append(BestDir, "best");
  Sum.BestDirectory = std::string(BestDir);
  // Not after an interrupt: whoever stopped the run wants it to end.
  if (O.Minimize && Best && Best->scored() && !interrupted())
    if (Error E = minimizeBest(Sum))
      return std::move(E);
  return Sum;
}

Error Evolution::minimizeBest(RunSummary &Sum) {
  const search::Member *Best = Search->best();
  Expected<const Program *> P = Cache->get(Best->Id);
  if (!P)
    return P.takeError();
  MinimizeSubject Subject;
  Subject.Id = Best->Id;
  Subject.Regions = *P ? **P : Sources->baseline();
  Subject.Score = Best->Score;
  Subject.Feasible = Best->Feasible;
  MinimizeOptions Options;
  Options.Passes = Passes;
  Options.Interrupted = [this] { return interrupted(); };
  Expected<Minimization> M =
      minimize(S, *Sources, Pool->evaluator(), Subject, Options);
  if (!M) {
    // The run's results are saved already; a best that cannot be
    // minimised (an evaluation noisier than the tolerance, an interrupt)
    // is said, not a failed run.
    Sum.Minimized = "not minimised: " + toString(M.takeError());
    return Error::success();
  }
  if (Error E =
          saveMinimization(O.Directory, *Store, Session, Sum.Final.Elapsed, *M))
    return E;
  Sum.Minimized = describe(*M);
  return Error::success();
}

} // namespace

Expected<generate::PromptArchive> loadPromptArchive(store::RunStore &Store) {
  generate::PromptArchive Archive;
  Expected<std::vector<store::PromptVariant>> Variants = Store.promptVariants();
  if (!Variants)
    return Variants.takeError();
  for (const store::PromptVariant &V : *Variants)
    if (V.Number)
      Archive.add(*V.Number, V.Parent, V.Text);
  for (const store::PromptVariant &V : *Variants)
    if (V.Number && V.RetiredAfter)
      Archive.retire(*V.Number);
  // The same rule as the run's (Evolution::observeVariant): a failed
  // request made no candidate; a parent is an earlier candidate that ran
  // to the end.
  std::unordered_map<int64_t, double> Ran;
  if (Error E = Store.forEachCandidate(false, [&](store::Candidate &&C) {
        if (C.PromptVariant && !StringRef(C.Reason).startswith(RequestFailed)) {
          std::optional<double> Before;
          if (!C.Parents.empty())
            if (auto It = Ran.find(C.Parents[0]); It != Ran.end())
              Before = It->second;
          Archive.observe(*C.PromptVariant, generate::improvedOnParent(
                                                C.Status, C.Score, Before));
        }
        if (C.Score && ranToTheEnd(C.Status))
          Ran[C.Id] = *C.Score;
      }))
    return std::move(E);
  return std::move(Archive);
}

std::string otherCompilationDatabase(StringRef RunDirectory,
                                     const spec::Spec &S) {
  Expected<std::optional<std::string>> Then =
      snapshotToKeep(databasePath(RunDirectory));
  if (!Then) {
    // The run itself reads the database again and says what is wrong.
    consumeError(Then.takeError());
    return "";
  }
  if (!*Then)
    return "";
  Expected<json::Value> Old = json::parse(**Then);
  if (!Old) {
    consumeError(Old.takeError());
    return "";
  }
  const json::Object *O = Old->getAsObject();
  std::optional<StringRef> Database = O ? O->getString("compdb") : std::nullopt;
  if (!Database)
    return "";
  std::string Why = databaseDifference(*Database, S.Build.CompilationDatabase);
  return Why.empty() ? "" : toString(cannotResume(RunDirectory, Why));
}

Expected<RunSummary> run(const spec::Spec &S,
                         const std::vector<regions::Region> &Regions,
                         RunOptions &Options) {
  Evolution E(S, Regions, Options);
  return E.run();
}

} // namespace evolve
} // namespace adrs
