//===- Loop.cpp - The evolution loop --------------------------------------===//
//
// One thread runs the loop: it asks the strategy for a parent, the generator
// for an edit, takes the edit down the one road (candidate::prepare, then an
// evaluation on a worker), and records every outcome in the run database.
// The workers evaluate; the loop never waits on one.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evolve/Run.h"

#include "ProgramCache.h"
#include "RunDirectory.h"
#include "WorkerPool.h"

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Generate/Generator.h"
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
#include <map>
#include <set>
#include <unistd.h>
#include <unordered_map>

using namespace llvm;

namespace adrs {
namespace evolve {

namespace {

using Clock = std::chrono::steady_clock;

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
  return M;
}

/// The registered name of the spec's generator.
std::string generatorName(const spec::Spec &S) {
  switch (S.Generator.Kind) {
  case spec::GeneratorKind::Builtin:
    return "builtin";
  case spec::GeneratorKind::LLM:
    return "llm";
  }
  return "builtin";
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
  Error propose(int64_t Id, bool &Proposed);
  void dispatch(const store::Proposal &P);
  Error finish(Done D);
  Error finishTuning(Done D);
  void submitTest(int64_t Id, const Program &P);
  /// Whether a candidate that scored \p E would become the best.
  bool wouldBeBest(const eval::Evaluation &E) const;
  Error maybeTune();
  void record(store::Candidate C);
  std::optional<std::string> budgetSpent();
  Progress progress();
  void log(const std::string &Line) {
    if (O.OnLog)
      O.OnLog(Line);
  }
  double now() const { return ElapsedBefore + secondsSince(Started); }

  const spec::Spec &S;
  const std::vector<regions::Region> &Regions;
  RunOptions &O;

  std::optional<RunDirectory> Dir;
  std::optional<candidate::Sources> Sources;
  std::unique_ptr<store::RunStore> Store;
  std::unique_ptr<WorkerPool> Pool;
  std::unique_ptr<search::Strategy> Search;
  std::unique_ptr<ProgramCache> Cache;
  std::unique_ptr<generate::Generator> Generator;
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
  unsigned Resumed = 0;
  unsigned TunesInFlight = 0;
  std::set<int64_t> Tuned; ///< Candidates whose constants were tuned.
  std::optional<std::string> Stop;
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
  Expected<std::unique_ptr<generate::Generator>> Gen =
      generate::createGenerator(
          O.Generator.empty() ? generatorName(S) : O.Generator, S);
  if (!Gen)
    return Gen.takeError();
  Generator = std::move(*Gen);
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
  if (sys::fs::exists(DB)) {
    // Read before any thread exists: the zygotes are forked next.
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
    // A run whose baseline never evaluated has nothing to keep: it takes
    // the sources as they are now.
    if (*Then && *Base) {
      std::string Why = snapshotDifference(**Then, Now);
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
  int64_t MaxId = 0;
  Error E = Store->forEachCandidate(true, [&](store::Candidate &&C) {
    MaxId = std::max(MaxId, C.Id);
    NextSeq = std::max(NextSeq, C.Seq + 1);
    Search->observe(memberOf(C));
    (void)Search->takeEvents(); // logged when they happened
    SeenText.emplace(textKey(C.Regions), C.Id);
    Pool->remember(C.Fingerprint);
    ++Stats.Iteration;
    if (C.Status == Status::Duplicate)
      ++Stats.Duplicates;
    else if (C.Id != 0)
      ++Stats.Evaluated;
    if (isFailure(C.Status))
      ++Stats.Failures[C.Status];
    Cache->put(C.Id, std::move(C.Regions));
  });
  if (E)
    return E;
  if (Stats.Iteration)
    --Stats.Iteration; // the baseline is not an iteration
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

/// Makes proposal \p Id and sends it to be evaluated, or records why it
/// could not be. \p Proposed is false when the generator had nothing to
/// propose.
Error Evolution::propose(int64_t Id, bool &Proposed) {
  Proposed = true;
  std::mt19937_64 Rng = rngFor(S.Seed, uint64_t(Id));
  search::Selection Sel = Search->select(uint64_t(Id), Rng);
  generate::ProposalRequest R;
  R.Iteration = uint64_t(Id);
  R.Seed = S.Seed;
  R.Spec = &S;
  R.Regions = &Regions;
  R.Parent.Id = Sel.Parent;
  Expected<const Program *> ParentProgram = Cache->get(Sel.Parent);
  if (!ParentProgram)
    return ParentProgram.takeError();
  R.Parent.Regions = *ParentProgram ? **ParentProgram : Sources->baseline();
  for (int64_t D : Sel.Inspirations) {
    Expected<const Program *> Donor = Cache->get(D);
    if (!Donor)
      return Donor.takeError();
    if (*Donor) {
      generate::ScoredProgram P;
      P.Id = D;
      P.Regions = **Donor;
      R.Inspirations.push_back(std::move(P));
    }
  }

  // The generator often rediscovers a program already seen; a few more
  // draws from the same parent usually find a new one, which is worth more
  // than an iteration spent on a duplicate.
  constexpr unsigned Attempts = 16;
  store::Proposal P;
  for (unsigned Attempt = 0;; ++Attempt) {
    Expected<std::optional<generate::GeneratedEdit>> G =
        Generator->propose(R, Rng);
    if (!G)
      return G.takeError();
    if (!*G) {
      Proposed = false;
      return Error::success();
    }
    P = store::Proposal();
    P.Id = Id;
    P.Parents = {Sel.Parent};
    P.Island = Sel.Island;
    P.Generator = (*G)->Generator;
    P.Operator = (*G)->Operator;
    P.Description = (*G)->Description;
    P.Edit = (*G)->Reply;
    P.Prompt = (*G)->Prompt;

    Expected<candidate::Prepared> Ready =
        candidate::prepare(*Sources, (*G)->Reply, R.Parent.Regions);
    if (!Ready) {
      store::Candidate C;
      static_cast<store::Proposal &>(C) = P;
      C.Status = Status::Rejected;
      C.Reason = candidate::refusalReason(Ready.takeError());
      C.Regions = R.Parent.Regions;
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

void Evolution::record(store::Candidate C) {
  C.Seq = NextSeq++;
  C.Session = Session;
  C.FinishedAt = now();
  Search->observe(memberOf(C));
  std::vector<Event> Events;
  for (search::SearchEvent &E : Search->takeEvents()) {
    Events.push_back({C.FinishedAt, Session, E.Kind, E.Detail, std::nullopt});
    log((toString(E.Kind) + ": " + E.Detail).str());
  }
  Pool->remember(C.Fingerprint);
  if (C.Id != 0) {
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
  const search::Member *Best = Search->best();
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
              Best->Id, S.Search.TuneEvaluations));
  Pool->submit(std::move(J));
  return Error::success();
}

Error Evolution::finishTuning(Done D) {
  --TunesInFlight;
  tune::Tuning &T = *D.Tuned;
  if (!T.Failure.empty() || T.Result.Best.empty()) {
    std::string Why = T.Failure.empty() ? "no evaluations" : T.Failure;
    Store->addEvent({now(), Session, EventKind::Tune,
                     formatv("#{0}: {1}", D.J.Id, Why), D.J.Id});
    log(formatv("tune: #{0}: {1}", D.J.Id, Why));
    return Error::success();
  }
  std::string Summary =
      formatv("#{0}: {1} constants, {2} evaluations, score {3:F4} -> {4:F4}",
              D.J.Id, T.Constants.size(), T.Result.Evaluations,
              -T.Result.InitialCost, -T.Result.BestCost);
  Store->addEvent({now(), Session, EventKind::Tune, Summary, D.J.Id});
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
  store::Candidate C;
  static_cast<store::Proposal &>(C) = It->second;
  InFlight.erase(It);
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
  record(std::move(C));
  return maybeTune();
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
  if (Time && now() >= *Time)
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
    if (B.Files.size() != 1)
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> Text =
        MemoryBuffer::getFile(B.Files[0]);
    if (!Text)
      continue;
    Job R;
    R.Kind = JobKind::Train;
    R.Check = false;
    R.Files = regions::FileOverrides{
        {Regions.front().Unit, (*Text)->getBuffer().str()}};
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

  Error Failed = Error::success();
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
      bool Proposed = true;
      if (Error E = propose(NextId, Proposed)) {
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
    if (Failed)
      break;
    if (Stop && Pool->inFlight() == 0)
      break;
    // A second interrupt does not wait for the candidates in flight.
    if (O.Interrupted && O.Interrupted->load() > 1)
      break;
    if (std::optional<Done> D = Pool->wait(50))
      if (Error E = finish(std::move(*D))) {
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
  Pool->stop();

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
  return Sum;
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
