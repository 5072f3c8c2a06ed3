//===- schedule.cpp - Sequential order (the initial program) --------------===//
//
// A list scheduler: it builds the order one transaction at a time, each time
// appending the pending transaction with the smallest priority (the lowest
// index on ties). The priority is a weighted sum of what running a
// transaction next would do; with the weights as they are, only the index
// counts, so the order is the sequential one, 0, 1, ..., n-1 (makespans
// 452 + 38 + 47 = 537 on the published workloads, score 0).
//
//===----------------------------------------------------------------------===//

#include "txn_sim.h"

#include <algorithm>
#include <vector>

// Returns the order in which to run the transactions of `w`: every index
// 0 .. w.size()-1 exactly once. `txn::Timeline` is the evaluator's cost
// model: `probe(t)` tells where transaction t would start and end if it were
// appended now, `makespanWith(t)` the makespan after it, `append(t)` records
// it. The evaluator computes the makespan of the returned order itself.
std::vector<int> schedule(const txn::Workload &w) {
  // EVOLVE-BLOCK-START schedule
  const double byIndex = 1.0;    // the transaction's index in the workload
  const double byMakespan = 0.0; // the makespan if it runs next
  const double byStart = 0.0;    // its start time if it runs next
  const double byLength = 0.0;   // its number of operations

  txn::Timeline timeline(w);
  std::vector<int> pending = txn::sequentialOrder(w); // not scheduled yet
  std::vector<int> order;
  while (!pending.empty()) {
    std::vector<double> priority;
    for (int t : pending) {
      const txn::Placement next = timeline.probe(w.txns[t]);
      const int makespan = std::max(timeline.makespan(), next.end);
      priority.push_back(byIndex * t + byMakespan * makespan +
                         byStart * next.start + byLength * w.txns[t].length);
    }
    // The first of the smallest: ties go to the lowest index.
    const auto first = std::min_element(priority.begin(), priority.end());
    const auto pick = pending.begin() + (first - priority.begin());
    order.push_back(*pick);
    timeline.append(w.txns[*pick]);
    pending.erase(pick);
  }
  return order;
  // EVOLVE-BLOCK-END
}
