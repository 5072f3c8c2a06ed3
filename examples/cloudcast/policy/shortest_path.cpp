//===- shortest_path.cpp - Cheapest path per destination (initial program) ===//
//
// Send every partition to every destination along the cheapest path (cost
// per GB) from the source, found by Dijkstra's algorithm, each destination on
// its own: the initial program of the published ADRS evaluator, with the same
// paths. Paths to different destinations share edges only by accident, so
// the overlay is far from the cheapest tree. The region is the strategy;
// Dijkstra itself is a helper outside it. One knob, sharedEdgeWeight, is
// neutral at 1: the price an edge has for a destination when an earlier one
// already uses it.
//
//===----------------------------------------------------------------------===//

#include "cloudcast.h"

// What a rewrite of the region may use (it cannot add includes).
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>
#include <vector>

namespace {

/// The cheapest path from p.source to \p dest by Dijkstra's algorithm, where
/// an edge costs weight(from, link). Among regions at the same distance, the
/// one whose distance was set first goes first, as in networkx's
/// dijkstra_path (a counter in its heap): with the cost per GB as the weight,
/// the paths are those of the reference's initial program.
template <typename Weight>
cloudcast::Path cheapestPath(const cloudcast::Problem &p, int dest,
                             Weight weight) {
  const int n = p.numRegions();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> best(n, inf);
  std::vector<long> order(n, 0);
  std::vector<int> parent(n, -1);
  std::vector<bool> done(n, false);
  long counter = 0;
  best[p.source] = 0;
  for (;;) {
    int v = -1;
    for (int u = 0; u < n; ++u)
      if (!done[u] && best[u] < inf &&
          (v < 0 || best[u] < best[v] ||
           (best[u] == best[v] && order[u] < order[v])))
        v = u;
    if (v < 0 || v == dest)
      break;
    done[v] = true;
    for (const cloudcast::Link &l : p.out[v]) {
      double d = best[v] + weight(v, l);
      if (!done[l.to] && d < best[l.to]) {
        best[l.to] = d;
        order[l.to] = ++counter;
        parent[l.to] = v;
      }
    }
  }
  cloudcast::Path path;
  for (int v = dest; v != -1; v = parent[v])
    path.push_back(v);
  std::reverse(path.begin(), path.end());
  return path;
}

} // namespace

// Called once per configuration. `p` is a copy of the region graph (p.out[v]:
// v's outgoing links with their $/GB and Gbps, in file order; p.link(u, v))
// and of the configuration: source, destinations, partitions, data volume,
// VMs per region, and per-region ingress/egress limits in Gbps.
//
// Return paths[i][j], the path of partition j to destination
// p.destinations[i]: region indices from p.source to that destination, each
// step an existing link, no region twice. The cost is the egress $ of every
// edge used (each partition once per edge, whatever the number of
// destinations behind it) plus the VMs of every region used, paid for as long
// as the slowest edge needs; see data/README.md. A missing or invalid path is
// replaced by the direct link and makes the program infeasible.
cloudcast::Broadcast broadcast(const cloudcast::Problem &p) {
  // EVOLVE-BLOCK-START broadcast
  const int n = p.numRegions();
  // The weight, relative to its price, of an edge that a destination planned
  // earlier already uses. At 1 every destination pays for its own path (the
  // published initial program), although an edge's egress is paid once per
  // partition, however many destinations are behind it.
  const double sharedEdgeWeight = 1.0;
  std::vector<bool> used(n * n, false); // [from * n + to]
  cloudcast::Broadcast paths;
  for (int dest : p.destinations) {
    cloudcast::Path path =
        cheapestPath(p, dest, [&](int from, const cloudcast::Link &l) {
          return used[from * n + l.to] ? l.costPerGB * sharedEdgeWeight
                                       : l.costPerGB;
        });
    int from = p.source;
    for (int to : path) {
      if (to != from)
        used[from * n + to] = true;
      from = to;
    }
    paths.emplace_back(p.numPartitions, path);
  }
  return paths;
  // EVOLVE-BLOCK-END
}
