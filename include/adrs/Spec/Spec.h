//===- adrs/Spec/Spec.h - A resolved problem specification ------*- C++ -*-===//
//
// What `spec.adrs` means once parsed and checked: paths are absolute, globs
// expanded, defaults filled in. Every later stage (regions, execution,
// search, store) reads this and never the source text.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SPEC_SPEC_H
#define ADRS_SPEC_SPEC_H

#include "adrs/Spec/Expr.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace spec {

/// Where a declaration came from, for diagnostics raised by later stages
/// ("the spec names region 'policy' here, but no such block exists").
struct SpecLoc {
  unsigned Line = 0;
  unsigned Column = 0;
};

struct Define {
  std::string Name;
  std::optional<std::string> Value;
};

struct BuildSettings {
  std::vector<std::string>
      SourcePatterns;                   ///< As written, relative to the spec.
  std::vector<std::string> Sources;     ///< Expanded, absolute, sorted.
  std::vector<std::string> IncludeDirs; ///< Absolute.
  /// Prebuilt objects, static archives and shared libraries of the
  /// simulator: expanded, absolute, in the order written.
  std::vector<std::string> Links;
  std::vector<Define> Defines;
  std::vector<std::string> Flags;
  std::string Standard = "c++17";
  /// The build directory that holds compile_commands.json (absolute), from
  /// the `compdb` statement or `-p`; empty: the flags above are all there
  /// is. Each file's own flags then come from its entry, before the ones
  /// above (regions::compilerArguments).
  std::string CompilationDatabase;
  /// Where the `compdb` statement names it; line 0 when `-p` gave it.
  SpecLoc CompilationDatabaseLoc;
};

enum class RegionKind { Block, Function };

struct RegionRef {
  RegionKind Kind = RegionKind::Block;
  /// Empty for a block when the file holds exactly one block.
  std::string Name;
  std::string File; ///< Absolute.
  SpecLoc Loc;
};

enum class EvaluatorKind { Function, Command };

struct EvaluatorSpec {
  EvaluatorKind Kind = EvaluatorKind::Function;
  std::string Function;           ///< The C++ entry point.
  std::vector<std::string> Files; ///< Sources defining it, absolute.
  std::string Command;            ///< The external command line.
  SpecLoc Loc;
};

struct Baseline {
  std::string Name;
  std::vector<std::string> Files; ///< Absolute.
  SpecLoc Loc;
};

enum class WorkloadRole { Train, Test, Split };

struct WorkloadSet {
  std::string Name;
  std::vector<std::string> Patterns; ///< As written.
  std::vector<std::string> Files;    ///< Expanded, absolute, sorted.
  WorkloadRole Role = WorkloadRole::Train;
  double TrainFraction = 1.0; ///< For Split: the share that goes to train.
  uint64_t SplitSeed = 0;
  std::vector<std::string> TrainFiles;
  std::vector<std::string> TestFiles;
  SpecLoc Loc;
};

struct Metric {
  std::string Name;
  std::string Description;
  SpecLoc Loc;
};

enum class Direction { Maximize, Minimize };

struct Objective {
  std::string Metric;
  Direction Dir = Direction::Maximize;
  double Weight = 1.0;
  SpecLoc Loc;
};

/// A condition over metrics (and `score`): a `require` constraint, or one
/// condition of a `verify` statement. Condition->str() is its source text in
/// canonical form.
struct Constraint {
  ExprPtr Condition;
  SpecLoc Loc;
};

struct CandidateRules {
  std::vector<std::string> ForbiddenCalls;
  std::vector<std::string> ForbiddenIncludes;
  /// Constructs by name: asm, goto, threads, static.
  std::vector<std::string> ForbiddenConstructs;
  /// What the spec adds to the candidate language (`allow`): names or globs
  /// of declarations (`std::chrono::steady_clock::now`), system headers as
  /// `<name>`, and namespaces (`Eigen`).
  std::vector<std::string> AllowedCalls;
  std::vector<std::string> AllowedHeaders;
  std::vector<std::string> AllowedNamespaces;
  std::optional<unsigned> MaxRegionLines;
};

struct Limits {
  /// Per-candidate wall time. Unset means adaptive: the larger of
  /// TimeoutFloorSeconds and TimeoutBaselineFactor x the baseline's time.
  std::optional<double> TimeSeconds;
  double TimeoutFloorSeconds = 1.0;
  double TimeoutBaselineFactor = 10.0;
  uint64_t MemoryBytes = 1024ull << 20;
  uint64_t OutputBytes = 1ull << 20;
  /// Candidate compile time, separate from the run.
  double CompileSeconds = 30.0;
};

struct Stage {
  std::string Name;
  /// A workload set name, or "train"/"test" for the whole split.
  std::string Workloads;
  /// The share of the set to use (1.0 = all); exclusive with Count.
  double Fraction = 1.0;
  std::optional<unsigned> Count;
  ExprPtr KeepIf; ///< Null: every candidate proceeds.
  SpecLoc Loc;
};

/// Where candidates are evaluated: zygotes on this machine, or `adrsc
/// worker` processes started as SLURM job steps.
enum class ExecutorKind { Local, Slurm };

struct ExecutorSpec {
  ExecutorKind Kind = ExecutorKind::Local;
  /// For slurm: how many workers (job steps); 0: as many as `-j` says.
  unsigned Workers = 0;
  unsigned CpusPerWorker = 1;
  /// srun's --partition, --time, --gres and --account; empty: the
  /// cluster's default.
  std::string Partition, Time, Gres, Account;
  SpecLoc Loc;
};

enum class GeneratorKind { Builtin, LLM, Command };
enum class EditMode { Diff, Rewrite };

struct LLMModel {
  std::string Name;
  double Weight = 1.0;
  std::optional<double> Temperature;
  /// `reasoning low|medium|high`: sent as reasoning_effort, for models
  /// that think before they answer.
  std::optional<std::string> ReasoningEffort;
};

struct GeneratorSpec {
  GeneratorKind Kind = GeneratorKind::Builtin;
  // Built-in generator.
  std::vector<std::string> Operators; ///< Empty: all operators.
  // LLM generator.
  std::string Endpoint = "https://api.openai.com/v1";
  std::string ApiKeyEnv = "OPENAI_API_KEY";
  std::vector<LLMModel> Models;
  double Temperature = 0.7;
  unsigned MaxTokens = 4096;
  EditMode Edit = EditMode::Diff;
  unsigned Concurrency = 4;
  unsigned Retries = 3;
  double RequestTimeoutSeconds = 120;
  std::string SystemPrompt; ///< Absolute path of a template file, or empty.
  std::string UserPrompt;
  /// How many times a reply that cannot be used (no edit, an edit that does
  /// not apply, a compile error, a refusal by the passes) is sent back to
  /// its model with the exact problem, before the proposal counts as failed.
  unsigned FixAttempts = 2;
  /// Move weight to the models whose candidates improve the score per
  /// dollar (UCB over the models, with a floor for each).
  bool Bandit = false;
  /// USD per million tokens, by model name: overrides the defaults.
  std::map<std::string, std::pair<double, double>> Prices;
  /// The prompt's budget in tokens (about 4 characters each): the least
  /// useful parts are dropped first when it would be larger.
  unsigned ContextTokens = 24000;
  /// Every this many finished candidates, one request sums up what the run
  /// has learnt in a scratchpad that later prompts show; 0: never.
  unsigned InsightEvery = 0;
  /// `prompts evolve every M [variants K]`: every M finished candidates,
  /// one request proposes a new system prompt from the best ones; the
  /// archive keeps at most K of them in use. 0: the system prompt is fixed.
  unsigned PromptEvolveEvery = 0;
  unsigned PromptVariants = 4;
  // Command generator: a program that reads a prompt on stdin and writes
  // its reply on stdout.
  std::string Command;
  SpecLoc Loc;
};

enum class SearchStrategy { Islands, Greedy, Feedback, Tree, Random };

struct FeatureDimension {
  std::string Name; ///< A metric or a pass feature (length, complexity, ...).
  unsigned Bins = 10;
};

struct SearchSpec {
  SearchStrategy Strategy = SearchStrategy::Islands;
  unsigned Islands = 4;
  unsigned MigrateEvery = 25;
  double MigrateRate = 0.1;
  std::vector<FeatureDimension> Features;
  double Exploration = 0.2;
  double Exploitation = 0.7;
  unsigned ArchiveSize = 100;
  unsigned Inspirations = 3;
  double UCBExploration = 1.41421356237;
  bool TuneConstants = false;
  unsigned TuneEvery = 50;
  unsigned TuneEvaluations = 200;
  /// `stall after N`: candidates without improvement that make a stall
  /// (search::Strategy); 0 (`stall off`): stalls are not answered.
  unsigned StallAfter = 300;
  /// `bandit on|off [floor P%]`: islands and built-in operators get
  /// proposals by how recently they improved (discounted UCB1), except for
  /// a floor share drawn uniformly so that no arm starves.
  bool Bandit = true;
  double BanditFloor = 0.2;
  /// `start from baselines`: the spec's reference programs join the
  /// initial population, as parents and crossover donors.
  bool StartFromBaselines = false;
  SpecLoc Loc;
};

struct BudgetSpec {
  std::optional<uint64_t> Iterations;
  std::optional<double> TimeSeconds;
  std::optional<double> USD;
  std::optional<double> TargetScore;
};

struct Spec {
  std::string SpecFile; ///< Absolute.
  std::string BaseDir;  ///< Relative paths in the spec start here.

  std::string Name;
  std::string Title;
  std::string Description;
  std::string Hints;

  BuildSettings Build;
  std::vector<RegionRef> Regions;
  EvaluatorSpec Evaluator;
  std::vector<Baseline> Baselines;
  std::vector<WorkloadSet> Workloads;
  std::vector<Metric> Metrics;
  std::vector<Objective> Objectives;
  /// Null: the weighted sum of the objectives (minimised ones negated).
  ExprPtr Score;
  std::vector<Constraint> Constraints;
  /// The release gate: conditions `adrsc verify` checks on the test
  /// workloads, besides every constraint. One per condition of every
  /// `verify` statement, in order; Loc is where the condition (its
  /// canonical form) starts.
  /// `score` may be used here even without a `score =` statement.
  std::vector<Constraint> Verify;
  CandidateRules Rules;
  Limits Limit;
  std::vector<Stage> Stages;
  unsigned Repeats = 1;
  /// Confirm every new best with the candidate in a process of its own
  /// (`confirm bests`, the default), or never (`confirm off`).
  bool ConfirmBests = true;
  /// How far, relative to the score's size, a confirmed score may differ
  /// from the reported one (`confirm bests tolerance 1%`): deterministic
  /// evaluators agree to the last bit; time-based ones need room.
  double ConfirmTolerance = 1e-9;
  GeneratorSpec Generator;
  ExecutorSpec Executor;
  SearchSpec Search;
  uint64_t Seed = 0;
  BudgetSpec Budget;

  const Metric *findMetric(llvm::StringRef Name) const;
  const WorkloadSet *findWorkloads(llvm::StringRef Name) const;
  /// Files of every set's train (or test) side, in declaration order.
  std::vector<std::string> trainFiles() const;
  std::vector<std::string> testFiles() const;
};

llvm::StringRef toString(RegionKind K);
llvm::StringRef toString(EvaluatorKind K);
llvm::StringRef toString(WorkloadRole R);
llvm::StringRef toString(Direction D);
llvm::StringRef toString(GeneratorKind K);
llvm::StringRef toString(ExecutorKind K);
llvm::StringRef toString(EditMode M);
llvm::StringRef toString(SearchStrategy S);
/// The strategy a spec or a run's snapshot names; none for another word.
std::optional<SearchStrategy> strategyNamed(llvm::StringRef Name);

} // namespace spec
} // namespace adrs

#endif
