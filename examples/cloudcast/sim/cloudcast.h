//===- cloudcast.h - Cloudcast multi-cloud broadcast simulator --*- C++ -*-===//
//
// Cloudcast (NSDI'24): send the same data from one cloud region to several
// others, cheaply. A broadcast is given as one path per destination and
// partition; the union of the paths is an overlay whose edges pay egress per
// GB and whose regions each run VMs for as long as the slowest edge needs.
// simulate() computes that cost the way the public ADRS evaluator does
// (data/README.md), so costs here can be compared with published figures.
//
// The policy gets a copy of the graph and the configuration (a Problem) and
// returns paths as region indices; the simulator checks every path against
// its own graph and replaces a path that is missing or invalid by the direct
// edge source -> destination, counting it, so no output can go unchecked.
//
//===----------------------------------------------------------------------===//

#ifndef CLOUDCAST_CLOUDCAST_H
#define CLOUDCAST_CLOUDCAST_H

#include <cstddef>
#include <string>
#include <vector>

namespace cloudcast {

/// What the cost of a region's VMs and its bandwidth limits depend on.
enum class Provider { AWS, GCP, Azure };
constexpr int kNumProviders = 3;

/// A directed edge of the region graph, as read from the edges file.
struct Edge {
  int from = 0;
  int to = 0;
  double costPerGB = 0;         // egress price, $ per GB
  double throughputSentBps = 0; // measured throughput of one VM pair, bit/s
};

/// The complete directed graph over the cloud regions. Regions are numbered
/// in order of first appearance in the edges file, edges in file order.
struct Graph {
  std::vector<std::string> regions; // "aws:us-east-1", "gcp:us-east1-b", ...
  std::vector<Provider> providers;  // provider of each region
  std::vector<Edge> edges;
  std::vector<std::vector<int>> out; // out[v]: indices of v's edges, in order
  std::vector<int> edgeIndex;        // [from * n + to]: edge index or -1

  int numRegions() const { return static_cast<int>(regions.size()); }
  /// The region with this name, or -1.
  int find(const std::string &name) const;
  /// The edge from -> to, or -1.
  int edge(int from, int to) const {
    return edgeIndex[static_cast<std::size_t>(from) * regions.size() + to];
  }
};

/// One broadcast configuration of a configurations file.
struct Config {
  std::string name;              // e.g. "intra_aws"
  int source = 0;                // region index
  std::vector<int> destinations; // region indices, in file order
  double dataVolumeGB = 0;       // whole object, GB
  int numPartitions = 0;         // the object is sent in this many parts
  int numVMs = 0;                // VMs in every region used
  double ingressLimitGbps[kNumProviders] = {}; // per VM
  double egressLimitGbps[kNumProviders] = {};  // per VM
};

/// Constants of the cost model.
constexpr double kInstanceCostPerHour = 0.54; // one VM, $ per hour

/// A configurations file: the configurations in file order, and the bounds
/// of the score for the whole file (see scoreFromCost()).
struct ConfigFile {
  std::vector<Config> configs;
  double scoreLower = 0; // cost at which the score reaches 100
  double scoreUpper = 0; // cost at which the score reaches 0
};

/// Parses the edges CSV (`src,dst,cost_usd_per_gb,throughput_sent_bps` with
/// a header line). On error returns false and sets \p error (with the line).
bool parseEdges(const std::string &text, Graph &out, std::string &error);
bool loadEdges(const std::string &path, Graph &out, std::string &error);

/// Parses a configurations file (JSON, see data/README.md) against \p graph:
/// region names must exist, every region's provider must have limits, and
/// every destination must have a direct edge from the source.
bool parseConfigs(const std::string &text, const Graph &graph, ConfigFile &out,
                  std::string &error);
bool loadConfigs(const std::string &path, const Graph &graph, ConfigFile &out,
                 std::string &error);

//===----------------------------------------------------------------------===//
// What the policy sees and returns
//===----------------------------------------------------------------------===//

/// An edge as the policy sees it, from the region that lists it.
struct Link {
  int to = 0;
  double costPerGB = 0;      // egress price, $ per GB
  double throughputGbps = 0; // numVMs x measured throughput, Gbit/s
};

/// One broadcast to plan: a copy of the graph and of the configuration,
/// made for every call: the policy may change it, the evaluator does not
/// read it back.
struct Problem {
  std::vector<std::string> regions; // region names, "provider:zone"
  std::vector<Provider> providers;  // provider of each region
  /// out[v]: v's outgoing links, in file order.
  std::vector<std::vector<Link>> out;
  std::vector<double> ingressLimitGbps; // per region: numVMs x provider limit
  std::vector<double> egressLimitGbps;  // per region: numVMs x provider limit
  int source = 0;
  std::vector<int> destinations;
  int numPartitions = 0;
  double dataVolumeGB = 0; // whole object; each partition is 1/numPartitions
  int numVMs = 0;
  double instanceCostPerHour = kInstanceCostPerHour; // one VM

  int numRegions() const { return static_cast<int>(regions.size()); }
  double partitionGB() const { return dataVolumeGB / numPartitions; }
  /// The link from -> to, or nullptr.
  const Link *link(int from, int to) const {
    if (from < 0 || from >= numRegions())
      return nullptr;
    for (const Link &l : out[from])
      if (l.to == to)
        return &l;
    return nullptr;
  }
};

/// A path: region indices from the source to a destination, both included.
using Path = std::vector<int>;
/// paths[i][j]: the path of partition j to destination i (the i-th entry of
/// Problem::destinations), for j in [0, numPartitions).
using Broadcast = std::vector<std::vector<Path>>;

/// Builds the policy's view of \p config.
Problem makeProblem(const Graph &graph, const Config &config);

//===----------------------------------------------------------------------===//
// Simulation
//===----------------------------------------------------------------------===//

struct SimResult {
  double egressCost = 0;      // $
  double instanceCost = 0;    // $
  double cost = 0;            // egressCost + instanceCost
  double transferSeconds = 0; // T, before rounding to 0.01 s
  int regionsUsed = 0;        // regions of the overlay
  int edgesUsed = 0;          // edges of the overlay
  /// (destination, partition) slots without a valid path, plus surplus
  /// entries; each missing or invalid slot was sent on the direct edge.
  int invalidPaths = 0;
  /// Why, for the first few: "destination aws:x, partition 3: ...".
  std::vector<std::string> invalidReasons;
};

/// Checks \p paths against \p graph and \p config, repairs what is invalid
/// (see SimResult::invalidPaths), and computes the cost of the overlay.
SimResult simulate(const Graph &graph, const Config &config,
                   const Broadcast &paths);

/// 100 x (upper - clamp(cost, lower, upper)) / (upper - lower).
double scoreFromCost(double cost, double lower, double upper);

} // namespace cloudcast

#endif // CLOUDCAST_CLOUDCAST_H
