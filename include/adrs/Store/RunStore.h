//===- adrs/Store/RunStore.h - The run database -----------------*- C++ -*-===//
//
// Everything a run learns lives in one SQLite database in WAL mode, written
// by a single thread so that evaluations never wait on the disk: the spec and
// the sources as they were when the run started, every candidate (its
// parents, edit, patched regions, status, score and the whole evaluation),
// the candidates in flight, and the run's events. Each finished candidate is
// one transaction, so a run killed at any moment keeps every candidate that
// finished before the kill, and the ones in flight are found again as
// pending.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_STORE_RUNSTORE_H
#define ADRS_STORE_RUNSTORE_H

#include "adrs/Core/Event.h"
#include "adrs/Core/Program.h"
#include "adrs/Core/Status.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace store {

/// Bumped whenever the tables change. A writer migrates a database of an
/// older version down to OldestSchemaVersion (2: without prompt variants;
/// 3: without proposal times and tunings) and a reader reads it as it is;
/// any other version is refused with a message rather than misread.
constexpr int SchemaVersion = 4;
constexpr int OldestSchemaVersion = 2;

/// A candidate as proposed: what to evaluate and where it came from.
struct Proposal {
  int64_t Id = 0; ///< Its iteration; 0 is the baseline.
  std::vector<int64_t> Parents;
  int Island = 0;
  std::string Generator;   ///< baseline, builtin, cmaes, llm, command, ...
  std::string Operator;    ///< The edit operator, when there is one.
  std::string Description; ///< One line.
  std::string Edit;        ///< The edit text as applied.
  /// The request as sent (without any key) and the reply as received.
  std::string Prompt, Reply;
  /// Region name -> patched text.
  Program Regions;
  std::string Model; ///< The model that wrote the edit, if one did.
  uint64_t PromptTokens = 0, CompletionTokens = 0;
  double CostUSD = 0; ///< What its request cost.
  /// The system-prompt variant its prompt had, when prompts evolve.
  std::optional<int64_t> PromptVariant;
  /// How long its generator took to write it (a built-in edit, a model's
  /// request); none for the baseline, a tuned program (its tuning is
  /// recorded as one) and runs made before it was recorded.
  std::optional<double> ProposalMs;
};

/// A finished candidate.
struct Candidate : Proposal {
  int64_t Seq = 0; ///< Order of completion, from 1.
  adrs::Status Status = adrs::Status::OK;
  std::string Reason;
  bool Feasible = false;
  std::optional<double> Score;
  std::vector<double> Objectives;
  /// Pass features and metrics, the coordinates a MAP-Elites grid uses.
  std::map<std::string, double> Features;
  std::string Fingerprint;
  std::string ResultJSON; ///< The whole evaluation (eval::toJSON).
  std::string TestJSON;   ///< On the test workloads, when evaluated.
  double WallMs = 0;
  double FinishedAt = 0; ///< Seconds of run time.
  unsigned Session = 0;
};

using adrs::Event;

/// What a person asked of a run with `adrsc hint`, `pin` or `rollback`,
/// kept in the order it was asked. A running search reads new ones every
/// second; a stopped one takes them when it resumes. Each is applied once,
/// after a known number of finished candidates, so that a resumed search
/// replays it at the same place.
struct Steering {
  int64_t Id = 0;                   ///< In the order asked; a hint's number.
  EventKind Kind = EventKind::Hint; ///< Hint, Pin or Rollback.
  bool Undo = false; ///< Removes the hint numbered Subject, or a pin.
  std::optional<int64_t> Subject; ///< The candidate, or the hint undone.
  std::string Text;               ///< A hint's text.
  /// The number of finished candidates (the last seq) when the search took
  /// it; none while it waits for the search.
  std::optional<int64_t> AppliedAfter;
  /// The proposal the search was about to select when it took it: what a
  /// replay of the run needs (proposals may be in flight meanwhile).
  std::optional<int64_t> AppliedBeforeProposal;
};

/// The hints and pins in force after a sequence of steerings.
struct SteeringState {
  std::map<int64_t, std::string> Hints; ///< By number.
  std::vector<int64_t> Pins;            ///< In the order pinned.
  /// Applies \p S; false when it changes nothing (an undo of what is not
  /// there, a pin of what is pinned).
  bool apply(const Steering &S);
};

/// A summary of the run written by a model, and what it cost.
struct Insight {
  int64_t Iteration = 0; ///< Finished candidates when it was asked for.
  std::string Text;
  std::string Model, Prompt, Reply;
  uint64_t PromptTokens = 0, CompletionTokens = 0;
  double CostUSD = 0;
};

/// A system-prompt variant a model proposed (`prompts evolve`), or a reply
/// that was refused as one, and what the request cost. Variant 0 is the
/// spec's own system prompt.
struct PromptVariant {
  /// Its number; none for a refused reply or a failed request.
  std::optional<int64_t> Number;
  /// The variant shown first to the model that wrote it (the best then).
  std::optional<int64_t> Parent;
  int64_t Iteration = 0; ///< Finished candidates when it was asked for.
  std::string Text;
  std::string Refusal; ///< Why the reply is not a variant.
  /// Finished candidates when it was taken out of use to make room.
  std::optional<int64_t> RetiredAfter;
  std::string Model, Prompt, Reply;
  uint64_t PromptTokens = 0, CompletionTokens = 0;
  double CostUSD = 0;
};

/// One CMA-ES tuning of a program's constants, whatever came of it.
struct TuningRecord {
  int64_t Subject = 0; ///< The candidate whose constants were tuned.
  double At = 0;       ///< Seconds of run time when it ended.
  unsigned Session = 0;
  uint64_t Constants = 0, Evaluations = 0, Budget = 0;
  std::optional<double> InitialScore, BestScore;
  /// The evaluation, from 1, that first reached the best score.
  std::optional<int64_t> BestStep;
  /// The seed paper's exploration measures (tune::Exploration).
  std::optional<double> Coverage, TrajectoryLength;
  double WallMs = 0;
  std::string Failure; ///< Why nothing came of it, when nothing did.
  std::string Summary; ///< The line of its event.
};

/// What a model (or another generator that is paid) was asked and cost.
struct ModelUsage {
  uint64_t Requests = 0;
  uint64_t PromptTokens = 0, CompletionTokens = 0;
  double CostUSD = 0;
};

class RunStore {
public:
  /// Opens (creating it if needed) the database at \p Path.
  static llvm::Expected<std::unique_ptr<RunStore>> open(llvm::StringRef Path);
  /// Opens an existing database for reading only.
  static llvm::Expected<std::unique_ptr<RunStore>>
  openReadOnly(llvm::StringRef Path);
  ~RunStore();

  // Synchronous, for set-up and for readers. Each read tells "there is
  // none" (an empty optional) apart from "it could not be read" (an error).
  llvm::Expected<std::optional<std::string>> meta(llvm::StringRef Key);
  llvm::Error setMeta(llvm::StringRef Key, llvm::StringRef Value);
  /// Every finished candidate in completion order; \p Full also reads the
  /// large columns (edit, regions, evaluation JSON).
  llvm::Error forEachCandidate(bool Full,
                               const std::function<void(Candidate &&)> &Fn);
  llvm::Expected<std::optional<Candidate>> candidate(int64_t Id);
  /// The line of candidate \p Id from the baseline, through first parents:
  /// the oldest first, \p Id last, at most \p MaxSteps of them (the newest).
  llvm::Expected<std::vector<Candidate>> lineage(int64_t Id,
                                                 size_t MaxSteps = SIZE_MAX);
  llvm::Expected<std::vector<Proposal>> pending();
  llvm::Expected<std::vector<Event>> events();
  /// The steerings numbered above \p After, in order.
  llvm::Expected<std::vector<Steering>> steerings(int64_t After = 0);
  /// Every insight, oldest first.
  llvm::Expected<std::vector<Insight>> insights();
  /// Every prompt variant and refused reply, in the order they came.
  llvm::Expected<std::vector<PromptVariant>> promptVariants();
  /// Every tuning, in the order they ended; none in a run made before they
  /// were recorded (schemaVersion() < 4), whose tunings are events only.
  llvm::Expected<std::vector<TuningRecord>> tunings();
  /// The schema version the database had when it was opened (a reader
  /// reads an older one as it is).
  int schemaVersion() const;
  llvm::Expected<int64_t> candidateCount();
  /// Requests, tokens and dollars by model, over every session; candidates
  /// without a model and without a cost are not requests.
  llvm::Expected<std::map<std::string, ModelUsage>> usageByModel();
  /// The largest candidate or pending id; -1 in an empty run.
  llvm::Expected<int64_t> maxId();

  // Asynchronous, through the writer thread, in the order of the calls.
  void addPending(const Proposal &P);
  /// The candidate, the events it caused and the run's elapsed time, in
  /// one transaction: a kill never keeps one without the other.
  void addCandidate(const Candidate &C, std::vector<Event> Events = {},
                    std::optional<double> Elapsed = std::nullopt);
  /// Forgets a pending candidate (one that finished in an earlier session
  /// whose pending row outlived it).
  void removePending(int64_t Id);
  void setTest(int64_t Id, std::string TestJSON);
  void addEvent(const Event &E);
  void setMetaAsync(std::string Key, std::string Value);
  /// Records a person's request and returns its number once it is on
  /// disk (for the commands that steer a run, which may run beside it).
  llvm::Expected<int64_t> addSteering(const Steering &S);
  /// The search took steering \p Id after \p Seq finished candidates,
  /// before selecting proposal \p NextProposal.
  void markApplied(int64_t Id, int64_t Seq, int64_t NextProposal);
  /// An insight and its event, in one transaction.
  void addInsight(const Insight &I, const Event &E);
  /// A tuning and its event, in one transaction.
  void addTuning(const TuningRecord &T, const Event &E);
  /// A prompt variant (or a refusal), the variant it retires if any, and
  /// its event, in one transaction.
  void addPromptVariant(const PromptVariant &V, std::optional<int64_t> Retire,
                        std::optional<Event> E);
  /// Waits until everything queued is on disk; returns the first write
  /// error, if any happened.
  llvm::Error flush();

private:
  struct Impl;
  explicit RunStore(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace store
} // namespace adrs

#endif
