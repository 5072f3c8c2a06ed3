//===- adrs/Evolve/Minimize.h - The best program explained -----*- C++ -*-===//
//
// Which of the best program's changes matter: delta debugging (ddmin) over
// the hunks of its diff against the initial program (patch::splitHunks)
// finds a smallest subset whose program scores the same as the best, within
// the spec's tolerance (eval::sameScore), and each hunk's contribution is
// the score of the best with that hunk alone reverted. Every program tried
// is laid out from the run's recorded sources and evaluated by the same
// Evaluator, passes and sandbox as the run's candidates; one that does not
// run to the end (a crash, a timeout, a compile error, a refusal) never
// counts as keeping the score.
//
// Results: RUNDIR/minimize.json, RUNDIR/best/minimal.patch, and a
// `minimize` event in the run database. Nothing else of the run is touched,
// and the files are replaced whole (written aside, then renamed), so a kill
// during a minimisation loses nothing.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVOLVE_MINIMIZE_H
#define ADRS_EVOLVE_MINIMIZE_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Core/Status.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Patch/Hunks.h"
#include "adrs/Spec/Spec.h"
#include "adrs/Store/RunStore.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace evolve {

/// The program to explain: a run's best.
struct MinimizeSubject {
  int64_t Id = 0;
  Program Regions;
  std::optional<double> Score;
  bool Feasible = false;
};

struct MinimizeOptions {
  /// Candidate passes each program tried goes through (never the
  /// fingerprint pass: every subset is a new program, not a duplicate).
  std::vector<std::string> Passes;
  /// At most this many evaluations in ddmin's search, beyond the best's
  /// and one per hunk (which are always made); past it, the smallest subset
  /// found so far that keeps the score is the result (Complete is false).
  unsigned MaxEvaluations = 200;
  /// Stop early when this returns true (an interrupt); the result then is
  /// an error and nothing is written.
  std::function<bool()> Interrupted;
};

/// What the best with one hunk reverted did.
struct HunkOutcome {
  patch::Hunk Hunk;
  std::string File; ///< Relative to the spec's directory.
  std::string Text; ///< The hunk as a unified diff hunk (from "@@").
  bool Kept = false;
  Status StatusWithout = Status::OK;
  bool FeasibleWithout = false;
  std::optional<double> ScoreWithout;
};

struct Minimization {
  int64_t Candidate = 0;
  std::optional<double> Score, MinimalScore;
  std::vector<HunkOutcome> Hunks;
  Program Minimal;
  std::string MinimalPatch;
  unsigned Evaluations = 0;
  /// ddmin ran to its end: no single kept hunk can be left out.
  bool Complete = true;
  /// Why the smaller program ddmin found could not be confirmed in a
  /// process of its own (the best is then kept whole); empty when it was,
  /// or needed no confirmation.
  std::string Unconfirmed;
};

/// Minimises \p Best against the initial program of \p Sources, evaluating
/// with \p Ev on the training workloads. An error is adrsc's own failure
/// (a lost executor), or the best not scoring the same again (an
/// evaluation noisier than the spec's tolerance), or an interrupt.
llvm::Expected<Minimization> minimize(const spec::Spec &S,
                                      const candidate::Sources &Sources,
                                      eval::Evaluator &Ev,
                                      const MinimizeSubject &Best,
                                      const MinimizeOptions &Options);

/// minimize.json: {"candidate", "score", "minimal_score", "hunks": [{"file",
/// "text", "kept", "score_without"}], "minimal_patch"}.
llvm::json::Value toJSON(const Minimization &M);

/// One line for a log and the event: hunks kept of all, the scores, the
/// evaluations.
std::string describe(const Minimization &M);

/// Writes \p M into the run directory \p RunDir (minimize.json,
/// best/minimal.patch) and, through \p Store, its event.
llvm::Error saveMinimization(llvm::StringRef RunDir, store::RunStore &Store,
                             unsigned Session, double At,
                             const Minimization &M);

/// The minimal form of \p Best saved in \p RunDir/minimize.json, laid out
/// from \p Sources (the run's recorded sources, whose paths are made
/// relative to \p BaseDir in patches). An error says why there is none: no
/// minimisation, one of another candidate, or a file that does not match
/// the run.
llvm::Expected<Program> savedMinimal(llvm::StringRef RunDir,
                                     const candidate::Sources &Sources,
                                     llvm::StringRef BaseDir,
                                     const MinimizeSubject &Best);

/// Minimises the best of the stopped run in \p RunDir, whose spec is \p S
/// and whose recorded sources are \p Sources: takes the run's lock (a run
/// going on there is an error), checks that nothing the run depended on
/// changed (the files with regions excepted: their recorded texts are
/// used), starts an evaluator, minimises and saves.
llvm::Expected<Minimization> minimizeRun(llvm::StringRef RunDir,
                                         const spec::Spec &S,
                                         const candidate::Sources &Sources,
                                         const MinimizeSubject &Best,
                                         MinimizeOptions Options);

} // namespace evolve
} // namespace adrs

#endif
