//===- adrs/Report/Report.h - What a run shows a reader ---------*- C++ -*-===//
//
// Every figure of a run's report is computed once, here, from the run
// database opened read-only: the score over candidates and over time, the
// baselines, the Pareto front, the MAP-Elites grids, the lineage and diff of
// the best, the failure taxonomy of the ADRS paper (Table 3), search health,
// throughput and what the models cost. Two renderers turn the same
// ReportData into JSON and into one self-contained HTML page; `adrsc report`
// and `adrsc serve` use both. `adrsc best` and `apply` read a run through
// the same loadRun.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_REPORT_REPORT_H
#define ADRS_REPORT_REPORT_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Core/Status.h"
#include "adrs/Store/RunStore.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace report {

/// A run as `best`, `apply` and the report read it: the best candidate, the
/// baseline, the sources at the run's start and the best program as files.
struct RunResult {
  std::unique_ptr<store::RunStore> Store;
  store::Candidate Best, Baseline;
  std::map<std::string, std::string> Files; ///< At the run's start.
  std::string BaseDir;
  candidate::Materialized Program;
  /// The sources as recorded when the run started.
  std::optional<candidate::Sources> Recorded;
  uint64_t Candidates = 0;
  std::string StopReason;
  /// With several objectives: the feasible candidates no other beats on
  /// every objective.
  std::vector<std::pair<int64_t, std::vector<double>>> Front;
};

/// Opens the run in \p Dir read-only and reads its best candidate; an error
/// when there is no run or no scored candidate yet.
llvm::Expected<RunResult> loadRun(llvm::StringRef Dir);

/// The JSON in \p Text, or null when it is empty or not JSON.
llvm::json::Value parseOr(llvm::StringRef Text);
/// score, feasible, status and metrics of an evaluation's JSON.
llvm::json::Object summary(const llvm::json::Value &Evaluation);

/// The classes of the ADRS paper's failure taxonomy (Table 3).
enum class FailureClass {
  SyntaxInterface,      ///< compile errors and rejected edits
  BudgetExhaustion,     ///< timeouts and out-of-memory
  StuckInLoop,          ///< duplicates of earlier programs
  MutationDrift,        ///< an edit that undoes its parent's edit
  PrematureConvergence, ///< no improvement while diversity falls
  MisalignedObjectives, ///< ran, but infeasible by a constraint
  Overfitting,          ///< the train gain does not hold on the test
};
constexpr FailureClass AllFailureClasses[] = {
    FailureClass::SyntaxInterface,      FailureClass::BudgetExhaustion,
    FailureClass::StuckInLoop,          FailureClass::MutationDrift,
    FailureClass::PrematureConvergence, FailureClass::MisalignedObjectives,
    FailureClass::Overfitting};

/// The spelling in the JSON (`syntax_interface`, ...).
llvm::StringRef toString(FailureClass C);
/// The class as a reader names it ("Syntax / interface errors").
llvm::StringRef title(FailureClass C);

struct FailureFigure {
  FailureClass Class;
  uint64_t Count = 0;
  std::string Definition; ///< As computed, with its parameters.
  std::optional<int64_t> Example;
  std::string ExampleWhy; ///< What makes the example one (capped).
};

/// What the taxonomy and health computations see of a candidate.
struct CandidateView {
  int64_t Id = 0, Seq = 0;
  std::vector<int64_t> Parents;
  int Island = 0;
  adrs::Status Status = adrs::Status::OK;
  bool Feasible = false;
  std::optional<double> Score;
  std::string Fingerprint;
  std::map<std::string, double> Features;
  std::string Reason;
  /// On the test workloads, when the run evaluated it there.
  std::optional<double> TestScore;
  bool TestEvaluated = false, TestFeasible = false;
  double FinishedAt = 0;
};

struct Parameters {
  /// Candidates per window of the convergence and health figures; 0 picks
  /// max(5, candidates / 10).
  unsigned Window = 0;
  /// A test gain below this fraction of the train gain is overfitting.
  double OverfitRatio = 0.5;
};

/// One coordinate of the feature space and its number of bins.
struct Dimension {
  std::string Name;
  unsigned Bins = 10;
};

std::vector<FailureFigure> classifyFailures(llvm::ArrayRef<CandidateView> Run,
                                            const Parameters &P);

struct HealthWindow {
  int64_t FirstSeq = 0, LastSeq = 0;
  uint64_t Candidates = 0;
  uint64_t DistinctFingerprints = 0; ///< Among this window's candidates.
  uint64_t NewFingerprints = 0;      ///< Not seen in an earlier window.
  double Coverage = 0;        ///< Fraction of feature cells visited so far.
  std::optional<double> Best; ///< The best score at the window's end.
  bool Improved = false;
};

struct SearchHealth {
  int64_t BestId = 0, BestSeq = 0; ///< Where the best was found.
  uint64_t Candidates = 0;
  uint64_t DistinctFingerprints = 0;
  std::vector<Dimension> Dimensions; ///< The feature space's coordinates.
  uint64_t Cells = 0, CellsVisited = 0;
  unsigned Window = 0;
  std::vector<HealthWindow> Windows;
};

SearchHealth searchHealth(llvm::ArrayRef<CandidateView> Run,
                          llvm::ArrayRef<Dimension> Dims, const Parameters &P);

/// The bin of \p Value in [Low, High] split in \p Bins.
unsigned binOf(double Value, double Low, double High, unsigned Bins);

struct SeriesPoint {
  int64_t Seq = 0, Id = 0;
  double At = 0; ///< Seconds of run time.
  adrs::Status Status = adrs::Status::OK;
  std::optional<double> Score;
  bool Feasible = false;
  std::optional<double> BestTrain, MedianTrain, BestTest, MedianTest;
};

struct LineageStep {
  int64_t Id = 0;
  std::string Generator, Operator, Description, Edit;
  std::optional<double> Score, Change; ///< Change from its parent.
  adrs::Status Status = adrs::Status::OK;
};

struct GridCell {
  std::vector<unsigned> Key;
  int64_t Id = 0;
  double Score = 0;
  bool Feasible = false;
};

struct IslandGrid {
  int Island = 0;
  std::vector<GridCell> Cells;
};

struct Reference {
  std::string Name;
  std::optional<double> Train, Test;
};

struct ReportData {
  std::string Problem, RunDir, StopReason;
  std::string Strategy; ///< As the spec names it; empty when unknown.
  /// The spec's references were in the initial population (`search ...,
  /// start from baselines`): a best that descends from one is not the
  /// search's finding alone.
  bool StartedFromBaselines = false;
  uint64_t Candidates = 0; ///< Finished, the baseline excluded.
  uint64_t Pending = 0;
  double Elapsed = 0;
  std::map<std::string, uint64_t> Statuses;
  std::vector<SeriesPoint> Series;
  std::optional<double> BaselineTrain, BaselineTest;
  std::vector<Reference> References;
  llvm::json::Object Best; ///< As `adrsc best --format=json` summarises it.
  int64_t BestId = 0;
  std::string BestDiff;
  std::vector<LineageStep> Lineage; ///< From the baseline to the best.
  std::vector<std::pair<int64_t, std::vector<double>>> Front;
  std::vector<Dimension> GridDimensions;
  std::vector<IslandGrid> Grids; ///< When the strategy keeps grids.
  std::vector<FailureFigure> Failures;
  SearchHealth Health;
  /// Each CMA-ES tuning, in the order they ended.
  std::vector<store::TuningRecord> Tunings;
  /// The first ones, from sessions before schema version 4: their subject,
  /// time and line only.
  size_t TuningsWithLineOnly = 0;
  /// Summed from the evaluations.
  double CompileMs = 0, LinkMs = 0, RunMs = 0, EvaluationWallMs = 0;
  /// Runs of a candidate (later cascade stages, repeats) that linked the
  /// compile of its first run instead of compiling it again.
  uint64_t CompilesReused = 0;
  /// Summed over the candidates whose proposal was timed, and how many.
  double ProposalMs = 0;
  uint64_t ProposalsTimed = 0;
  double TuningMs = 0; ///< Summed over the tunings.
  std::map<std::string, store::ModelUsage> Models;
  /// RUNDIR/minimize.json, checked; null when there is none.
  llvm::json::Value Minimize = nullptr;
  std::string MinimizeProblem;          ///< Why minimize.json was not shown.
  std::vector<std::string> NotRecorded; ///< Figures the run cannot give.
};

/// Computes the report of the run in \p Dir.
llvm::Expected<ReportData> collectReport(RunResult &Run, llvm::StringRef Dir,
                                         const Parameters &P = {});

llvm::json::Value toJSON(const ReportData &R);
/// One HTML page that needs nothing else: inline CSS, SVG drawn by inline
/// script from the embedded data, no network. \p RefreshSeconds > 0 makes
/// the page reload itself (the live dashboard).
std::string renderHTML(const ReportData &R, unsigned RefreshSeconds = 0);
/// A page that says why there is no report yet (a run that has not scored
/// its baseline), reloading itself when \p RefreshSeconds > 0.
std::string renderMessageHTML(llvm::StringRef Title, llvm::StringRef Message,
                              unsigned RefreshSeconds = 0);

/// \p Text with &, <, >, " and ' as HTML entities.
std::string escapeHTML(llvm::StringRef Text);

} // namespace report
} // namespace adrs

#endif
