//===- Spec.cpp - A resolved problem specification ------------------------===//

#include "adrs/Spec/Spec.h"

using namespace llvm;

namespace adrs {
namespace spec {

const Metric *Spec::findMetric(StringRef MetricName) const {
  for (const Metric &M : Metrics)
    if (M.Name == MetricName)
      return &M;
  return nullptr;
}

const WorkloadSet *Spec::findWorkloads(StringRef SetName) const {
  for (const WorkloadSet &W : Workloads)
    if (W.Name == SetName)
      return &W;
  return nullptr;
}

std::vector<std::string> Spec::trainFiles() const {
  std::vector<std::string> Files;
  for (const WorkloadSet &W : Workloads)
    Files.insert(Files.end(), W.TrainFiles.begin(), W.TrainFiles.end());
  return Files;
}

std::vector<std::string> Spec::testFiles() const {
  std::vector<std::string> Files;
  for (const WorkloadSet &W : Workloads)
    Files.insert(Files.end(), W.TestFiles.begin(), W.TestFiles.end());
  return Files;
}

StringRef toString(RegionKind K) {
  return K == RegionKind::Block ? "block" : "function";
}

StringRef toString(EvaluatorKind K) {
  return K == EvaluatorKind::Function ? "function" : "command";
}

StringRef toString(WorkloadRole R) {
  switch (R) {
  case WorkloadRole::Train:
    return "train";
  case WorkloadRole::Test:
    return "test";
  case WorkloadRole::Split:
    return "split";
  }
  return "train";
}

StringRef toString(Direction D) {
  return D == Direction::Maximize ? "maximize" : "minimize";
}

StringRef toString(GeneratorKind K) {
  switch (K) {
  case GeneratorKind::Builtin:
    return "builtin";
  case GeneratorKind::LLM:
    return "llm";
  case GeneratorKind::Command:
    return "command";
  }
  return "builtin";
}

StringRef toString(ExecutorKind K) {
  return K == ExecutorKind::Slurm ? "slurm" : "local";
}

StringRef toString(EditMode M) {
  return M == EditMode::Diff ? "diff" : "rewrite";
}

StringRef toString(SearchStrategy S) {
  switch (S) {
  case SearchStrategy::Islands:
    return "islands";
  case SearchStrategy::Greedy:
    return "greedy";
  case SearchStrategy::Feedback:
    return "feedback";
  case SearchStrategy::Tree:
    return "tree";
  case SearchStrategy::Random:
    return "random";
  }
  return "islands";
}

std::optional<SearchStrategy> strategyNamed(StringRef Name) {
  for (SearchStrategy S :
       {SearchStrategy::Islands, SearchStrategy::Greedy,
        SearchStrategy::Feedback, SearchStrategy::Tree, SearchStrategy::Random})
    if (toString(S) == Name)
      return S;
  return std::nullopt;
}

} // namespace spec
} // namespace adrs
