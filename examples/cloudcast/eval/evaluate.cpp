//===- evaluate.cpp - Evaluator for Cloudcast -----------------------------===//
//
// A stage's workloads are one region graph (the edges CSV) and one or more
// configurations files (JSON). The policy plans every configuration on a copy
// of the graph; the simulator checks every path against its own graph,
// sends a missing or invalid path on the direct edge and counts it, then
// prices the overlay. Reported: the total cost over the configurations, its
// split into egress and instance cost, the score of the public ADRS
// evaluator, and the number of invalid paths, which the spec requires to be
// zero. The checks are here and in the simulator, outside the region; since
// the policy runs in this process, a fingerprint of the graph and the
// configurations is also checked after every call.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "cloudcast.h"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <vector>

cloudcast::Broadcast broadcast(const cloudcast::Problem &p);

namespace {

struct GraphFile {
  cloudcast::Graph Graph;
  std::string Error;
};

struct ConfigsFile {
  cloudcast::ConfigFile File;
  std::string Error;
};

bool endsWith(const std::string &S, const char *Suffix) {
  const std::string X(Suffix);
  return S.size() >= X.size() &&
         S.compare(S.size() - X.size(), X.size(), X) == 0;
}

/// FNV-1a over the bytes of everything a cost is computed from. The policy
/// runs in the evaluator's process; a stray write into the graph or the
/// configuration (through a wild index, say) must not go unnoticed.
class Fingerprint {
public:
  template <typename T> void add(const T &Value) {
    const unsigned char *Bytes =
        reinterpret_cast<const unsigned char *>(&Value);
    for (std::size_t I = 0; I < sizeof(T); ++I)
      Hash = (Hash ^ Bytes[I]) * 1099511628211ull;
  }
  template <typename T> void addAll(const std::vector<T> &Values) {
    add(Values.size());
    for (const T &V : Values)
      add(V);
  }
  std::uint64_t value() const { return Hash; }

private:
  std::uint64_t Hash = 14695981039346656037ull;
};

std::uint64_t fingerprint(const cloudcast::Graph &G,
                          const std::vector<const ConfigsFile *> &Files) {
  Fingerprint F;
  for (const cloudcast::Edge &E : G.edges) {
    F.add(E.from);
    F.add(E.to);
    F.add(E.costPerGB);
    F.add(E.throughputSentBps);
  }
  F.addAll(G.edgeIndex);
  F.addAll(G.providers);
  for (const std::vector<int> &Out : G.out)
    F.addAll(Out);
  for (const ConfigsFile *File : Files) {
    F.add(File->File.scoreLower);
    F.add(File->File.scoreUpper);
    for (const cloudcast::Config &C : File->File.configs) {
      F.add(C.source);
      F.addAll(C.destinations);
      F.add(C.dataVolumeGB);
      F.add(C.numPartitions);
      F.add(C.numVMs);
      F.add(C.ingressLimitGbps);
      F.add(C.egressLimitGbps);
    }
  }
  return F.value();
}

std::string fixed(double X, int Digits) {
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), "%.*f", Digits, X);
  return Buffer;
}

} // namespace

void evaluate_cloudcast(adrs::EvalContext &Ctx) {
  // Sort the stage's workloads: one graph, then configurations files.
  const adrs::Workload *GraphW = nullptr;
  std::vector<const adrs::Workload *> ConfigWs;
  std::set<std::string> SeenPaths;
  for (const adrs::Workload &W : Ctx.workloads()) {
    if (!SeenPaths.insert(W.Path).second)
      continue; // the same file on both sides of `--workloads all`
    if (endsWith(W.Path, ".csv")) {
      if (GraphW) {
        Ctx.artifact("error", "two region graphs in one stage: " +
                                  GraphW->Name + " and " + W.Name);
        return;
      }
      GraphW = &W;
    } else if (endsWith(W.Path, ".json")) {
      ConfigWs.push_back(&W);
    } else {
      Ctx.artifact("error", W.Name + ": a workload is an edges .csv or a "
                                     "configurations .json");
      return;
    }
  }
  if (!GraphW || ConfigWs.empty()) {
    // No metrics: adrsc reports invalid_output with this text.
    Ctx.artifact("error", "a stage needs the edges .csv and at least one "
                          "configurations .json");
    return;
  }

  // Parsing does not depend on the candidate.
  const GraphFile &G = Ctx.cached<GraphFile>(GraphW->Path, [&] {
    GraphFile F;
    cloudcast::loadEdges(GraphW->Path, F.Graph, F.Error);
    return F;
  });
  if (!G.Error.empty()) {
    Ctx.artifact("error", G.Error);
    return;
  }

  std::vector<const ConfigsFile *> Files;
  std::set<std::string> Names;
  for (const adrs::Workload *W : ConfigWs) {
    const ConfigsFile &C =
        Ctx.cached<ConfigsFile>(W->Path + "\n" + GraphW->Path, [&] {
          ConfigsFile F;
          cloudcast::loadConfigs(W->Path, G.Graph, F.File, F.Error);
          return F;
        });
    if (!C.Error.empty()) {
      Ctx.artifact("error", C.Error);
      return;
    }
    for (const cloudcast::Config &Config : C.File.configs)
      if (!Names.insert(Config.name).second) {
        Ctx.artifact("error", "configuration '" + Config.name +
                                  "' appears in two files of the stage");
        return;
      }
    Files.push_back(&C);
  }
  // The policy runs in this process: what the cost is computed from must be
  // the same after every call as before the first.
  const std::uint64_t Expected = fingerprint(G.Graph, Files);

  double Cost = 0, Egress = 0, Instance = 0, Lower = 0, Upper = 0;
  int Invalid = 0, NumConfigs = 0, Listed = 0;
  const int MaxListed = 12; // reasons quoted in the `invalid` artifact
  std::string Costs, InvalidText;
  for (const ConfigsFile *C : Files) {
    Lower += C->File.scoreLower;
    Upper += C->File.scoreUpper;
    for (const cloudcast::Config &Config : C->File.configs) {
      // The policy gets its own copy; what it returns is checked against
      // the evaluator's graph, never trusted.
      cloudcast::Broadcast Paths;
      try {
        Paths = broadcast(cloudcast::makeProblem(G.Graph, Config));
      } catch (const std::exception &E) {
        Ctx.artifact("error",
                     Config.name +
                         ": the policy threw an exception: " + E.what());
        return;
      } catch (...) {
        Ctx.artifact("error", Config.name + ": the policy threw an exception");
        return;
      }
      if (fingerprint(G.Graph, Files) != Expected) {
        Ctx.artifact("error", Config.name +
                                  ": the evaluator's graph or configurations "
                                  "changed while the policy ran (a write "
                                  "outside the policy's own memory)");
        return;
      }
      cloudcast::SimResult R = cloudcast::simulate(G.Graph, Config, Paths);

      Cost += R.cost;
      Egress += R.egressCost;
      Instance += R.instanceCost;
      Invalid += R.invalidPaths;
      ++NumConfigs;
      Ctx.workloadMetric(Config.name, "cost", R.cost);
      Ctx.workloadMetric(Config.name, "egress_cost", R.egressCost);
      Ctx.workloadMetric(Config.name, "instance_cost", R.instanceCost);
      Ctx.workloadMetric(Config.name, "transfer_s", R.transferSeconds);
      Ctx.workloadMetric(Config.name, "regions", R.regionsUsed);
      Ctx.workloadMetric(Config.name, "invalid_paths", R.invalidPaths);
      Costs += Config.name + ": $" + fixed(R.cost, 4) + " = egress $" +
               fixed(R.egressCost, 4) + " + instance $" +
               fixed(R.instanceCost, 4) + " (" + std::to_string(R.regionsUsed) +
               " regions, " + std::to_string(R.edgesUsed) +
               " overlay edges, transfer " + fixed(R.transferSeconds, 2) +
               " s)\n";
      if (R.invalidPaths > 0) {
        InvalidText +=
            Config.name + ": " + std::to_string(R.invalidPaths) + " invalid\n";
        for (const std::string &Why : R.invalidReasons)
          if (Listed++ < MaxListed)
            InvalidText += "  " + Why + "\n";
      }
    }
  }

  const double Score = cloudcast::scoreFromCost(Cost, Lower, Upper);
  Ctx.metric("score", Score);
  Ctx.metric("cost", Cost);
  Ctx.metric("egress_cost", Egress);
  Ctx.metric("instance_cost", Instance);
  Ctx.metric("invalid_paths", Invalid);

  Ctx.artifact("costs", Costs);
  Ctx.artifact("summary",
               "total $" + fixed(Cost, 4) + " over " +
                   std::to_string(NumConfigs) + " configurations, score " +
                   fixed(Score, 3) + "; the score is 100 at $" +
                   fixed(Lower, 2) + " (the Steiner baseline) and 0 at $" +
                   fixed(Upper, 2) + " (every partition on the direct edge)");
  if (Invalid > 0)
    Ctx.artifact("invalid",
                 std::to_string(Invalid) +
                     " paths were missing or invalid; each was sent on the "
                     "direct edge instead and the program is infeasible. A "
                     "path goes from the source to its destination over "
                     "existing links, visiting no region twice.\n" +
                     InvalidText);
}
