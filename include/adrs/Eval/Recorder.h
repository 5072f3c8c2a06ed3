//===- adrs/Eval/Recorder.h - What an evaluator reports ---------*- C++ -*-===//
//
// The EvalContext an evaluator receives: it records metrics, per-workload
// metrics and artifacts, and keeps the parsed-once cache. A record travels
// from the sandboxed child to the parent as JSON.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVAL_RECORDER_H
#define ADRS_EVAL_RECORDER_H

#include "adrs/Evaluator.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace adrs {
namespace eval {

/// What one evaluation reported.
struct Report {
  std::map<std::string, double> Metrics;
  std::map<std::string, std::map<std::string, double>> PerWorkload;
  std::map<std::string, std::string> Artifacts;
  /// Metrics reported twice, or not finite: the evaluator's own mistakes,
  /// kept to explain an invalid_output.
  std::vector<std::string> Problems;
};

llvm::json::Value toJSON(const Report &R);
/// Reads a report. Reports come back from a candidate's process or from an
/// evaluator command, so this caps what it keeps (metric counts, artifact
/// sizes) and refuses a report past the caps instead of truncating it.
llvm::Expected<Report> reportFromJSON(const llvm::json::Value &V);
llvm::Expected<Report> reportFromJSON(llvm::StringRef Text);

/// Values built once per run and shared by every evaluation after.
using Cache = std::map<std::string, std::shared_ptr<void>, std::less<>>;

class Recorder : public EvalContext {
public:
  Recorder(std::vector<Workload> Workloads, std::shared_ptr<Cache> Shared)
      : Loads(std::move(Workloads)), Shared(std::move(Shared)) {}

  const std::vector<Workload> &workloads() const override { return Loads; }
  void metric(std::string_view Name, double Value) override;
  void workloadMetric(std::string_view Workload, std::string_view Name,
                      double Value) override;
  void artifact(std::string_view Key, std::string_view Text) override;

  const Report &report() const { return Result; }

protected:
  std::shared_ptr<void> findCached(std::string_view Key) override;
  void storeCached(std::string_view Key, std::shared_ptr<void> Value) override;

private:
  std::vector<Workload> Loads;
  std::shared_ptr<Cache> Shared;
  Report Result;
};

} // namespace eval
} // namespace adrs

#endif
