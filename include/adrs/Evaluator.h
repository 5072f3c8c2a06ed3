//===- adrs/Evaluator.h - The evaluator contract ----------------*- C++ -*-===//
//
// A researcher's evaluator is an ordinary C++ function named in the spec:
//
//   evaluator adrs_evaluate in "eval/evaluate.cpp"
//
//   void adrs_evaluate(adrs::EvalContext &Ctx);
//
// adrsc calls it once per candidate and stage, with the stage's workloads.
// It runs the code under evolution, then reports named metrics, optionally
// per workload, and text artifacts that become feedback for the next
// proposal. Anything that must not be evolved away (validity checks, safety
// rules) belongs here or in the simulator, never inside a region.
//
// This header has no dependency beyond the standard library, so evaluators
// build with any compiler and flags.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVALUATOR_H
#define ADRS_EVALUATOR_H

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace adrs {

/// One input of the current stage: a file the spec's `workloads` named.
struct Workload {
  std::string Name; ///< Its path relative to the spec's directory (unique).
  std::string Path; ///< Absolute path.
};

class EvalContext {
public:
  virtual ~EvalContext() = default;

  /// The workloads of the current stage (train workloads during search; the
  /// test workloads when the best program is checked).
  virtual const std::vector<Workload> &workloads() const = 0;

  /// Reports a metric of the candidate. Every metric the spec declares must
  /// be reported, as a finite number, or the candidate is `invalid_output`.
  virtual void metric(std::string_view Name, double Value) = 0;

  /// Reports a metric for one workload, for the per-workload table of the
  /// report and for feedback ("cost 140 on us-west-2a_v100_8").
  virtual void workloadMetric(std::string_view Workload, std::string_view Name,
                              double Value) = 0;

  /// Text for the next proposal and the report, e.g. which trace missed its
  /// deadline. Later artifacts with the same key replace earlier ones.
  virtual void artifact(std::string_view Key, std::string_view Text) = 0;

  /// Data that costs time to build and does not depend on the candidate
  /// (parsed traces, a graph): built once per run by \p Make and shared by
  /// every candidate after.
  template <typename T, typename MakeFn>
  const T &cached(std::string_view Key, MakeFn Make) {
    if (std::shared_ptr<void> Found = findCached(Key))
      return *static_cast<const T *>(Found.get());
    std::shared_ptr<T> Made = std::make_shared<T>(Make());
    storeCached(Key, Made);
    return *Made;
  }

protected:
  virtual std::shared_ptr<void> findCached(std::string_view Key) = 0;
  virtual void storeCached(std::string_view Key,
                           std::shared_ptr<void> Value) = 0;
};

} // namespace adrs

#endif // ADRS_EVALUATOR_H
