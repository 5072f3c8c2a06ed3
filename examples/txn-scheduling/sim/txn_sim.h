//===- txn_sim.h - Makespan of a transaction schedule -----------*- C++ -*-===//
//
// The cost model of the transaction-scheduling case study (VLDB'24 SMF,
// section 5.4 of the ADRS paper): transactions of read and write operations
// on keys run in the order a schedule gives; each one starts as early as the
// locks of the transactions placed before it allow, and the makespan is the
// time the last one ends. The model is bit-exact with the Python reference
// of the public ADRS evaluator (`Workload.get_opt_seq_cost`), so makespans
// here can be compared directly with published figures.
//
// The model is inline in this header so that a policy can use it to try
// orders (`Timeline::probe`); the evaluator scores with the same code, on its
// own copy of the workload.
//
//===----------------------------------------------------------------------===//

#ifndef TXN_TXN_SIM_H
#define TXN_TXN_SIM_H

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace txn {

/// One read or write of a key. Operations without a key (`*` in the files)
/// take a time step but hold no lock; they count only in the length and in
/// the positions of the operations after them.
struct Op {
  int key = 0;        ///< Dense key index, 0 .. Workload::numKeys - 1.
  int pos = 1;        ///< 1-based position in the transaction.
  bool write = false; ///< `w-` (exclusive lock) rather than `r-` (shared).
};

struct Transaction {
  int length = 0;      ///< Number of operations, `*` included: its run time.
  std::vector<Op> ops; ///< The keyed operations, in order of position.
};

/// What a policy sees: the transactions in the order of the file (the index
/// of a transaction is its line), with keys renumbered densely in order of
/// first appearance.
struct Workload {
  std::vector<Transaction> txns;
  int numKeys = 0;

  int size() const { return static_cast<int>(txns.size()); }
};

/// Where a transaction runs: operation `pos` runs at time start + pos - 1.
struct Placement {
  int start = 0;
  int end = 0; ///< start + length - 1
};

/// A schedule under construction: the lock history of every key after the
/// transactions appended so far.
///
/// The reference keeps, per key, every lock as (type, time) in a list sorted
/// by time (a new lock goes after those with an equal time), and asks three
/// things of it: the time and type of the last lock in that list, and the
/// time of the last write lock. Those three are all this class keeps:
/// `lastTime` (-1 when the key has no lock), `lastWrite`, and
/// `lastWriteTime` (-1 when the key has no write lock). With -1 for "none",
/// the reference's key_start = 0 for a key without locks, and for a read
/// after reads with no write, falls out of the same formula.
class Timeline {
public:
  explicit Timeline(const Workload &w)
      : keys_(static_cast<std::size_t>(std::max(w.numKeys, 0))) {}

  /// Where \p t would run if it were appended now; nothing is recorded.
  Placement probe(const Transaction &t) const {
    int start = 1;
    for (const Op &op : t.ops) {
      const KeyState &k = keys_[static_cast<std::size_t>(op.key)];
      // After a write, or for a write: wait for the last lock. A read after
      // reads shares them and waits only for the last write.
      const int keyStart =
          (k.lastWrite || op.write) ? k.lastTime + 1 : k.lastWriteTime + 1;
      start = std::max(start, keyStart - op.pos + 1);
    }
    return {start, start + t.length - 1};
  }

  /// Appends \p t to the schedule: places it as probe() says and records a
  /// lock for each of its operations.
  Placement append(const Transaction &t) {
    const Placement p = probe(t);
    for (const Op &op : t.ops) {
      KeyState &k = keys_[static_cast<std::size_t>(op.key)];
      const int time = p.start + op.pos - 1;
      if (time >= k.lastTime) { // sorted insert: it becomes the last lock
        k.lastTime = time;
        k.lastWrite = op.write;
      }
      if (op.write)
        k.lastWriteTime = std::max(k.lastWriteTime, time);
    }
    makespan_ = std::max(makespan_, p.end);
    return p;
  }

  /// The largest end time so far (0 for an empty schedule).
  int makespan() const { return makespan_; }

  /// The makespan if \p t were appended now.
  int makespanWith(const Transaction &t) const {
    return std::max(makespan_, probe(t).end);
  }

private:
  struct KeyState {
    int lastTime = -1;
    bool lastWrite = false;
    int lastWriteTime = -1;
  };
  std::vector<KeyState> keys_;
  int makespan_ = 0;
};

/// The sequential order 0, 1, ..., n-1: the order of the file.
inline std::vector<int> sequentialOrder(const Workload &w) {
  std::vector<int> order(w.txns.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = static_cast<int>(i);
  return order;
}

/// The makespan of running \p order (indices into w.txns; the caller checks
/// that they are in range).
inline int makespan(const Workload &w, const std::vector<int> &order) {
  Timeline timeline(w);
  for (int i : order)
    timeline.append(w.txns[static_cast<std::size_t>(i)]);
  return timeline.makespan();
}

/// The length of the longest transaction: no schedule is shorter.
inline int lowerBound(const Workload &w) {
  int longest = 0;
  for (const Transaction &t : w.txns)
    longest = std::max(longest, t.length);
  return longest;
}

/// Parses a workload file: one transaction per line, operations separated
/// by single spaces, each `r-KEY`, `w-KEY` or `*`; `#` lines and empty lines
/// are skipped. KEY is any text without spaces or '-'. On an error returns
/// false and sets \p error (with the line number).
bool parseWorkload(const std::string &text, Workload &out, std::string &error);
bool loadWorkload(const std::string &path, Workload &out, std::string &error);

/// Checks that \p order holds every index 0 .. n-1 exactly once. On failure
/// returns false and says what is wrong in \p error ("transaction 17 appears
/// twice, at positions 3 and 40").
bool checkPermutation(const std::vector<int> &order, int n, std::string &error);

/// The score of the ADRS leaderboard for a set of workloads: 0 at
/// \p sequential (the sum of the identity orders' makespans), 100 at
/// lowerBound + 0.1 x (sequential - lowerBound), linear in between, clipped
/// to [0, 100]. For the three published workloads, sequential = 537 and
/// lowerBound = 46.
double score(double makespanSum, double sequentialSum, double lowerBoundSum);

} // namespace txn

#endif // TXN_TXN_SIM_H
