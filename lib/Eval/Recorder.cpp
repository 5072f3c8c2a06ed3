//===- Recorder.cpp - What an evaluator reports ---------------------------===//

#include "adrs/Eval/Recorder.h"

#include <cmath>

using namespace llvm;

namespace adrs {
namespace eval {

void Recorder::metric(std::string_view Name, double Value) {
  std::string Key(Name);
  if (!std::isfinite(Value))
    Result.Problems.push_back("metric '" + Key + "' is not a finite number");
  if (!Result.Metrics.emplace(Key, Value).second)
    Result.Problems.push_back("metric '" + Key + "' was reported twice");
}

void Recorder::workloadMetric(std::string_view Workload, std::string_view Name,
                              double Value) {
  if (!std::isfinite(Value))
    Result.Problems.push_back("workload '" + std::string(Workload) +
                              "': metric '" + std::string(Name) +
                              "' is not a finite number");
  Result.PerWorkload[std::string(Workload)][std::string(Name)] = Value;
}

void Recorder::artifact(std::string_view Key, std::string_view Text) {
  // Feedback is for a prompt: a runaway evaluator must not fill the store.
  constexpr size_t MaxArtifact = 16 << 10;
  std::string T(Text.substr(0, MaxArtifact));
  if (Text.size() > MaxArtifact)
    T += "\n[... " + std::to_string(Text.size() - MaxArtifact) + " bytes cut]";
  Result.Artifacts[std::string(Key)] = std::move(T);
}

std::shared_ptr<void> Recorder::findCached(std::string_view Key) {
  auto It = Shared->find(Key);
  return It == Shared->end() ? nullptr : It->second;
}

void Recorder::storeCached(std::string_view Key, std::shared_ptr<void> Value) {
  (*Shared)[std::string(Key)] = std::move(Value);
}

json::Value toJSON(const Report &R) {
  json::Object Metrics, PerWorkload, Artifacts;
  for (const auto &[K, V] : R.Metrics)
    Metrics[K] = std::isfinite(V) ? json::Value(V) : json::Value(nullptr);
  for (const auto &[W, Ms] : R.PerWorkload) {
    json::Object O;
    for (const auto &[K, V] : Ms)
      O[K] = std::isfinite(V) ? json::Value(V) : json::Value(nullptr);
    PerWorkload[W] = std::move(O);
  }
  for (const auto &[K, V] : R.Artifacts)
    Artifacts[K] = V;
  return json::Object{{"metrics", std::move(Metrics)},
                      {"per_workload", std::move(PerWorkload)},
                      {"artifacts", std::move(Artifacts)},
                      {"problems", json::Array(R.Problems)}};
}

namespace {

// Well above what an honest evaluator reports, well below what would fill
// the run database: the recorder in the child keeps to them too, but a
// forged report would not.
constexpr size_t MaxMetrics = 4096;
constexpr size_t MaxWorkloadValues = 1'000'000;
constexpr size_t MaxArtifacts = 256;
/// The recorder cuts at 16 KiB and adds a short note.
constexpr size_t MaxArtifactBytes = (16 << 10) + 64;
constexpr size_t MaxProblems = 256;
constexpr size_t MaxNameBytes = 1024;

Error tooLarge(const Twine &What) {
  return createStringError(inconvertibleErrorCode(),
                           "the report is too large: " + What);
}

} // namespace

Expected<Report> reportFromJSON(const json::Value &V) {
  Report R;
  const json::Object *O = V.getAsObject();
  if (!O)
    return createStringError(inconvertibleErrorCode(), "a report is an object");
  auto Numbers = [&](const json::Object *From,
                     std::map<std::string, double> &To,
                     bool Report = true) -> Error {
    if (!From)
      return Error::success();
    for (const auto &[K, X] : *From) {
      if (StringRef(K).size() > MaxNameBytes)
        return tooLarge("a metric name of " + Twine(StringRef(K).size()) +
                        " bytes");
      std::optional<double> D = X.getAsNumber();
      if (!D) {
        if (Report)
          R.Problems.push_back("metric '" + K.str() +
                               "' is not a finite number");
        D = NAN;
      }
      To[K.str()] = *D;
    }
    return Error::success();
  };
  const json::Object *Metrics = O->getObject("metrics");
  if (Metrics && Metrics->size() > MaxMetrics)
    return tooLarge(Twine(Metrics->size()) + " metrics (at most " +
                    Twine(MaxMetrics) + ")");
  if (Error E = Numbers(Metrics, R.Metrics))
    return std::move(E);
  if (const json::Object *PW = O->getObject("per_workload")) {
    size_t Values = 0;
    for (const auto &[W, Ms] : *PW) {
      const json::Object *M = Ms.getAsObject();
      Values += M ? M->size() : 0;
      if (Values > MaxWorkloadValues)
        return tooLarge("more than " + Twine(MaxWorkloadValues) +
                        " per-workload values");
      if (StringRef(W).size() > MaxNameBytes)
        return tooLarge("a workload name of " + Twine(StringRef(W).size()) +
                        " bytes");
      if (Error E = Numbers(M, R.PerWorkload[W.str()], /*Report=*/false))
        return std::move(E);
    }
  }
  if (const json::Object *A = O->getObject("artifacts")) {
    if (A->size() > MaxArtifacts)
      return tooLarge(Twine(A->size()) + " artifacts (at most " +
                      Twine(MaxArtifacts) + ")");
    for (const auto &[K, X] : *A)
      if (std::optional<StringRef> S = X.getAsString()) {
        if (StringRef(K).size() > MaxNameBytes)
          return tooLarge("an artifact name of " + Twine(StringRef(K).size()) +
                          " bytes");
        // Cut as the recorder cuts: feedback for a prompt, not a file store.
        std::string Text = S->take_front(MaxArtifactBytes).str();
        if (S->size() > MaxArtifactBytes)
          Text += "\n[... " + std::to_string(S->size() - MaxArtifactBytes) +
                  " bytes cut]";
        R.Artifacts[K.str()] = std::move(Text);
      }
  }
  if (const json::Array *P = O->getArray("problems"))
    for (const json::Value &X : *P)
      if (std::optional<StringRef> S = X.getAsString()) {
        if (R.Problems.size() == MaxProblems)
          break;
        R.Problems.push_back(S->take_front(MaxNameBytes).str());
      }
  return R;
}

Expected<Report> reportFromJSON(StringRef Text) {
  Expected<json::Value> V = json::parse(Text);
  if (!V)
    return V.takeError();
  return reportFromJSON(*V);
}

} // namespace eval
} // namespace adrs
