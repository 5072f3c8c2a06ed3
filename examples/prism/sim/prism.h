//===- prism.h - Prism global model placement -------------------*- C++ -*-===//
//
// The model-placement problem of Prism (the ADRS leaderboard's `prism`):
// place every model of a case on one of the case's GPUs (80 GB each) so
// that the largest KV-cache pressure ratio of any GPU,
//
//   KVPR(g) = sum over its models of req_rate / slo  /  (80 - sum of sizes),
//
// is as small as possible. The definitions and the score are those of the
// leaderboard's evaluator; sums go model by model in index order (the
// reference sums in the order the placement lists them, so a figure here
// can differ from the reference's in the last bits, never by 1e-12).
//
// What a policy sees is `Case`; the evaluator keeps its own copy.
//
//===----------------------------------------------------------------------===//

#ifndef PRISM_PRISM_H
#define PRISM_PRISM_H

#include <istream>
#include <string>
#include <vector>

namespace prism {

/// Memory of every GPU, in GB.
constexpr double kGpuMemGB = 80;
/// KVPR of a GPU whose models fill (or overfill) its memory.
constexpr double kFullGpuKvpr = 1e6;

struct Model {
  double sizeGB = 0;  ///< Memory the model occupies (a whole number, 10-29).
  double reqRate = 0; ///< Requests per second (1-9).
  double slo = 0;     ///< Latency objective (5-9).

  /// The model's share of the numerator of KVPR.
  double pressure() const { return reqRate / slo; }
};

/// One placement problem: models 0 .. n-1 onto GPUs 0 .. numGpus-1.
struct Case {
  int numGpus = 0;
  std::vector<Model> models;

  int numModels() const { return static_cast<int>(models.size()); }
};

/// KVPR of one GPU from its sums: 0 when empty, kFullGpuKvpr when its
/// models take all 80 GB or more.
inline double kvpr(double pressureSum, double sizeSum) {
  if (sizeSum >= kGpuMemGB)
    return kFullGpuKvpr;
  return pressureSum / (kGpuMemGB - sizeSum);
}

/// A placement gives, for every model j, the GPU it runs on: placement[j]
/// in 0 .. numGpus-1.
using Placement = std::vector<int>;

/// Why \p placement is not a valid placement of \p c ("" when it is): one
/// entry per model, every entry a GPU of the case, no GPU over 80 GB.
std::string checkPlacement(const Case &c, const Placement &placement);

/// The largest KVPR over the GPUs of a valid placement.
double maxKvpr(const Case &c, const Placement &placement);

/// Model j on GPU j mod numGpus: the leaderboard's 0-point anchor.
Placement roundRobin(const Case &c);

/// sum of pressures / (numGpus * 80 - sum of sizes): no placement can do
/// better (the mediant inequality), and few can reach it.
double lowerBound(const Case &c);

/// The leaderboard's per-case score of a placement with max KVPR \p x:
/// 100 * sqrt(clip((rr - x) / (rr - lb), 0, 1)), where rr is round-robin's
/// max KVPR and lb the lower bound; when rr <= lb, 100 if x <= lb, else 0.
double caseScore(double roundRobinKvpr, double lowerBoundKvpr, double x);

/// Reads a cases file (format in data/README.md). On a malformed line
/// returns false and sets \p error (with the line number).
bool parseCases(std::istream &in, std::vector<Case> &out, std::string &error);
bool loadCases(const std::string &path, std::vector<Case> &out,
               std::string &error);

} // namespace prism

#endif // PRISM_PRISM_H
