//===- SpecJSON.cpp - A spec as JSON --------------------------------------===//

#include "adrs/Spec/SpecJSON.h"

using namespace llvm;

namespace adrs {
namespace spec {

static json::Value loc(const SpecLoc &L) {
  return json::Object{{"line", L.Line}, {"column", L.Column}};
}

template <typename T> static json::Value optional(const std::optional<T> &V) {
  if (!V)
    return nullptr;
  return *V;
}

static json::Value strings(const std::vector<std::string> &List) {
  json::Array A;
  for (const std::string &S : List)
    A.push_back(S);
  return A;
}

static json::Value expr(const ExprPtr &E) {
  if (!E)
    return nullptr;
  return E->str();
}

json::Value toJSON(const Spec &S) {
  json::Array Defines;
  for (const Define &D : S.Build.Defines)
    Defines.push_back(
        json::Object{{"name", D.Name}, {"value", optional(D.Value)}});

  json::Array Regions;
  for (const RegionRef &R : S.Regions)
    Regions.push_back(json::Object{{"kind", toString(R.Kind)},
                                   {"name", R.Name},
                                   {"file", R.File},
                                   {"loc", loc(R.Loc)}});

  json::Object Evaluator{{"kind", toString(S.Evaluator.Kind)},
                         {"loc", loc(S.Evaluator.Loc)}};
  if (S.Evaluator.Kind == EvaluatorKind::Function) {
    Evaluator["function"] = S.Evaluator.Function;
    Evaluator["files"] = strings(S.Evaluator.Files);
  } else {
    Evaluator["command"] = S.Evaluator.Command;
  }

  json::Array Baselines;
  for (const Baseline &B : S.Baselines)
    Baselines.push_back(json::Object{
        {"name", B.Name}, {"files", strings(B.Files)}, {"loc", loc(B.Loc)}});

  json::Array Workloads;
  for (const WorkloadSet &W : S.Workloads) {
    json::Object O{{"name", W.Name},
                   {"patterns", strings(W.Patterns)},
                   {"files", strings(W.Files)},
                   {"role", toString(W.Role)},
                   {"train", strings(W.TrainFiles)},
                   {"test", strings(W.TestFiles)},
                   {"loc", loc(W.Loc)}};
    if (W.Role == WorkloadRole::Split) {
      O["train_fraction"] = W.TrainFraction;
      O["seed"] = int64_t(W.SplitSeed);
    }
    Workloads.push_back(std::move(O));
  }

  json::Array Metrics;
  for (const Metric &M : S.Metrics)
    Metrics.push_back(json::Object{
        {"name", M.Name}, {"description", M.Description}, {"loc", loc(M.Loc)}});

  json::Array Objectives;
  for (const Objective &O : S.Objectives)
    Objectives.push_back(json::Object{{"metric", O.Metric},
                                      {"direction", toString(O.Dir)},
                                      {"weight", O.Weight},
                                      {"loc", loc(O.Loc)}});

  json::Array Constraints;
  for (const Constraint &C : S.Constraints)
    Constraints.push_back(
        json::Object{{"condition", expr(C.Condition)}, {"loc", loc(C.Loc)}});

  json::Array Verify;
  for (const Constraint &C : S.Verify)
    Verify.push_back(
        json::Object{{"condition", expr(C.Condition)}, {"loc", loc(C.Loc)}});

  json::Array Stages;
  for (const Stage &St : S.Stages)
    Stages.push_back(json::Object{{"name", St.Name},
                                  {"workloads", St.Workloads},
                                  {"fraction", St.Fraction},
                                  {"count", optional(St.Count)},
                                  {"keep_if", expr(St.KeepIf)},
                                  {"loc", loc(St.Loc)}});

  const GeneratorSpec &G = S.Generator;
  json::Object Generator{{"kind", toString(G.Kind)}, {"loc", loc(G.Loc)}};
  if (G.Kind == GeneratorKind::Builtin) {
    Generator["operators"] = strings(G.Operators);
  } else if (G.Kind == GeneratorKind::Command) {
    Generator["command"] = G.Command;
    Generator["concurrency"] = G.Concurrency;
    Generator["retries"] = G.Retries;
    Generator["timeout_s"] = G.RequestTimeoutSeconds;
    Generator["fix_attempts"] = G.FixAttempts;
    Generator["insight_every"] = G.InsightEvery;
    Generator["prompt_evolve_every"] = G.PromptEvolveEvery;
    Generator["prompt_variants"] = G.PromptVariants;
    Generator["edit"] = toString(G.Edit);
    Generator["context_tokens"] = G.ContextTokens;
    Generator["system_prompt"] = G.SystemPrompt;
    Generator["user_prompt"] = G.UserPrompt;
  } else {
    json::Array Models;
    for (const LLMModel &M : G.Models)
      Models.push_back(json::Object{
          {"name", M.Name},
          {"weight", M.Weight},
          {"temperature", optional(M.Temperature)},
          {"reasoning", M.ReasoningEffort ? json::Value(*M.ReasoningEffort)
                                          : json::Value(nullptr)}});
    Generator["endpoint"] = G.Endpoint;
    Generator["api_key_env"] = G.ApiKeyEnv;
    Generator["models"] = std::move(Models);
    Generator["temperature"] = G.Temperature;
    Generator["max_tokens"] = G.MaxTokens;
    Generator["edit"] = toString(G.Edit);
    Generator["concurrency"] = G.Concurrency;
    Generator["retries"] = G.Retries;
    Generator["timeout_s"] = G.RequestTimeoutSeconds;
    Generator["system_prompt"] = G.SystemPrompt;
    Generator["user_prompt"] = G.UserPrompt;
    Generator["fix_attempts"] = G.FixAttempts;
    Generator["insight_every"] = G.InsightEvery;
    Generator["prompt_evolve_every"] = G.PromptEvolveEvery;
    Generator["prompt_variants"] = G.PromptVariants;
    Generator["bandit"] = G.Bandit;
    Generator["context_tokens"] = G.ContextTokens;
    json::Object Prices;
    for (const auto &[Model, Price] : G.Prices)
      Prices[Model] = json::Array{Price.first, Price.second};
    Generator["prices"] = std::move(Prices);
  }

  const SearchSpec &R = S.Search;
  json::Array Features;
  for (const FeatureDimension &F : R.Features)
    Features.push_back(json::Object{{"name", F.Name}, {"bins", F.Bins}});
  json::Object Search{{"strategy", toString(R.Strategy)},
                      {"islands", R.Islands},
                      {"migrate_every", R.MigrateEvery},
                      {"migrate_rate", R.MigrateRate},
                      {"features", std::move(Features)},
                      {"exploration", R.Exploration},
                      {"exploitation", R.Exploitation},
                      {"archive", R.ArchiveSize},
                      {"inspirations", R.Inspirations},
                      {"ucb", R.UCBExploration},
                      {"tune_constants", R.TuneConstants},
                      {"tune_every", R.TuneEvery},
                      {"tune_evaluations", R.TuneEvaluations},
                      {"stall_after", R.StallAfter},
                      {"bandit", R.Bandit},
                      {"bandit_floor", R.BanditFloor},
                      {"start_from_baselines", R.StartFromBaselines},
                      {"loc", loc(R.Loc)},
                      {"confirm", S.ConfirmBests ? "bests" : "off"},
                      {"confirm_tolerance", S.ConfirmTolerance}};

  const Limits &L = S.Limit;
  json::Object LimitsJSON{{"time_s", optional(L.TimeSeconds)},
                          {"timeout_floor_s", L.TimeoutFloorSeconds},
                          {"timeout_baseline_factor", L.TimeoutBaselineFactor},
                          {"memory_bytes", int64_t(L.MemoryBytes)},
                          {"output_bytes", int64_t(L.OutputBytes)},
                          {"compile_s", L.CompileSeconds}};

  json::Object Rules{
      {"allow_calls", strings(S.Rules.AllowedCalls)},
      {"allow_headers", strings(S.Rules.AllowedHeaders)},
      {"allow_namespaces", strings(S.Rules.AllowedNamespaces)},
      {"forbid_calls", strings(S.Rules.ForbiddenCalls)},
      {"forbid_includes", strings(S.Rules.ForbiddenIncludes)},
      {"forbid_constructs", strings(S.Rules.ForbiddenConstructs)},
      {"max_region_lines", optional(S.Rules.MaxRegionLines)}};

  json::Object Budget{
      {"iterations", S.Budget.Iterations
                         ? json::Value(int64_t(*S.Budget.Iterations))
                         : json::Value(nullptr)},
      {"time_s", optional(S.Budget.TimeSeconds)},
      {"usd", optional(S.Budget.USD)},
      {"target_score", optional(S.Budget.TargetScore)}};

  return json::Object{
      {"spec_file", S.SpecFile},
      {"base_dir", S.BaseDir},
      {"problem", S.Name},
      {"title", S.Title},
      {"description", S.Description},
      {"hints", S.Hints},
      {"build",
       json::Object{{"compdb", S.Build.CompilationDatabase.empty()
                                   ? json::Value(nullptr)
                                   : json::Value(S.Build.CompilationDatabase)},
                    {"source_patterns", strings(S.Build.SourcePatterns)},
                    {"sources", strings(S.Build.Sources)},
                    {"include_dirs", strings(S.Build.IncludeDirs)},
                    {"links", strings(S.Build.Links)},
                    {"defines", std::move(Defines)},
                    {"flags", strings(S.Build.Flags)},
                    {"std", S.Build.Standard}}},
      {"regions", std::move(Regions)},
      {"evaluator", std::move(Evaluator)},
      {"baselines", std::move(Baselines)},
      {"workloads", std::move(Workloads)},
      {"metrics", std::move(Metrics)},
      {"objectives", std::move(Objectives)},
      {"score", S.Score ? json::Value(S.Score->str())
                        : json::Value("weighted sum of objectives")},
      {"constraints", std::move(Constraints)},
      {"rules", std::move(Rules)},
      {"limits", std::move(LimitsJSON)},
      {"stages", std::move(Stages)},
      {"repeats", S.Repeats},
      {"generator", std::move(Generator)},
      {"executor", json::Object{{"kind", toString(S.Executor.Kind)},
                                {"workers", S.Executor.Workers},
                                {"cpus_per_worker", S.Executor.CpusPerWorker},
                                {"partition", S.Executor.Partition},
                                {"time", S.Executor.Time},
                                {"gres", S.Executor.Gres},
                                {"account", S.Executor.Account}}},
      {"search", std::move(Search)},
      {"seed", int64_t(S.Seed)},
      {"budget", std::move(Budget)},
      {"verify", std::move(Verify)},
  };
}

} // namespace spec
} // namespace adrs
