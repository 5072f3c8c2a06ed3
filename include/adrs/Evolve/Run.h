//===- adrs/Evolve/Run.h - The evolution loop -------------------*- C++ -*-===//
//
// A run: the baseline is scored, then, until the budget is spent, the search
// picks a parent, the generator proposes an edit of it, the edit is applied
// and checked like any other, and the candidate is evaluated on one of the
// workers; every result goes to the run database. A run directory that
// already holds a database is resumed: the search replays what is there and
// the candidates that were in flight are evaluated again.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVOLVE_RUN_H
#define ADRS_EVOLVE_RUN_H

#include "adrs/Core/Status.h"
#include "adrs/Generate/PromptVariants.h"
#include "adrs/Regions/Region.h"
#include "adrs/Spec/Spec.h"
#include "adrs/Store/RunStore.h"

#include "llvm/Support/Error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace evolve {

using store::ModelUsage;

/// Where a run stands, for a progress line.
struct Progress {
  uint64_t Iteration = 0;  ///< Proposals made so far (the run's counter).
  uint64_t Evaluated = 0;  ///< Candidates that reached an evaluation.
  uint64_t Duplicates = 0; ///< Refused as the same program as an earlier.
  std::map<Status, uint64_t> Failures; ///< By status.
  std::optional<double> BestScore, BaselineScore;
  int64_t BestId = 0;
  bool BestFeasible = false;
  double CandidatesPerSecond = 0; ///< This session's finished candidates.
  double Elapsed = 0;             ///< Seconds of run time, all sessions.
  std::optional<double> ETA;      ///< Seconds left under the budget.
  double CostUSD = 0;             ///< All sessions.
  std::map<std::string, ModelUsage> Models; ///< By model.
};

/// What a log line is about.
enum class LogLevel {
  /// A new best, a tuning, a minimisation, a person's steering, the
  /// baseline, a resume: what a reader of the log looks for.
  Notable,
  /// What happens all the time (migrations, stalls, a tuning starting, a
  /// scratchpad): in the database, and on the screen only when asked.
  Routine,
};

struct RunOptions {
  std::string Directory; ///< The run directory; it is created if needed.
  unsigned Jobs = 1;     ///< Candidates evaluated at once.
  std::optional<uint64_t> Iterations; ///< Overrides the spec's budget.
  std::optional<double> TimeSeconds;  ///< Overrides the spec's budget.
  std::vector<std::string> Passes;    ///< Empty: the default passes.
  /// The registered generator to use; empty: the spec's.
  std::string Generator;
  /// Delete the run in Directory and start over (only once its lock is
  /// held: a live run is never deleted).
  bool Fresh = false;
  /// Take every model's reply from this earlier run instead of asking:
  /// the same run again, without a network.
  std::string Replay;
  /// Set from a signal handler: stop proposing, finish what is in flight.
  std::atomic<int> *Interrupted = nullptr;
  /// Called often (a few times a second at most is up to the caller).
  std::function<void(const Progress &)> OnProgress;
  /// Events, one line each, and how much they matter.
  std::function<void(LogLevel, const std::string &)> OnLog;
  /// At the end of a run that stopped on its budget, minimise the best
  /// program (adrs/Evolve/Minimize.h) and save the result.
  bool Minimize = true;
};

struct RunSummary {
  std::string StopReason;
  Progress Final;
  uint64_t SessionCandidates = 0;
  double SessionSeconds = 0;
  unsigned Resumed = 0; ///< In-flight candidates of a killed session, redone.
  bool Feasible = false;
  std::string BestDirectory; ///< <run>/best
  /// The minimisation of the best, as one line, when one was made.
  std::string Minimized;
};

/// Runs (or resumes) the search of \p S whose regions are \p Regions.
/// Must be called before the process has started any thread.
llvm::Expected<RunSummary> run(const spec::Spec &S,
                               const std::vector<regions::Region> &Regions,
                               RunOptions &Options);

/// The default run directory of a spec: adrs-runs/<problem> next to it.
std::string defaultRunDirectory(const spec::Spec &S);
std::string databasePath(llvm::StringRef RunDirectory);

/// Why the run in \p RunDirectory cannot be resumed with the compilation
/// database \p S has now (-p or compdb): it started with another, or with
/// none. Empty when it can, or when the directory holds no run. Asked before
/// the regions are found, whose compile with the wrong flags would fail with
/// errors that do not say why.
std::string otherCompilationDatabase(llvm::StringRef RunDirectory,
                                     const spec::Spec &S);

/// The system-prompt variants of a run (`prompts evolve`) and how the
/// candidates of each did, from its database.
llvm::Expected<generate::PromptArchive>
loadPromptArchive(store::RunStore &Store);
/// Whether an adrsc holds the run in \p RunDirectory (its lock) right now.
bool runInProgress(llvm::StringRef RunDirectory);

} // namespace evolve
} // namespace adrs

#endif
