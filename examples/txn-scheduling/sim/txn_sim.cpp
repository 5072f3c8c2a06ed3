//===- txn_sim.cpp - Workload files, schedule checks and the score --------===//
//
// Everything around the makespan model that a policy never calls: reading
// the workload files, checking that a schedule is a permutation, and the
// score. The model itself is inline in txn_sim.h.
//
//===----------------------------------------------------------------------===//

#include "txn_sim.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace txn {

namespace {

bool fail(std::string &error, long lineNo, const std::string &what) {
  error = "line " + std::to_string(lineNo) + ": " + what;
  return false;
}

} // namespace

bool parseWorkload(const std::string &text, Workload &out, std::string &error) {
  out = Workload();
  std::unordered_map<std::string, int> keyIndex;
  std::istringstream in(text);
  std::string line;
  long lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;

    Transaction t;
    std::size_t begin = 0;
    for (;;) {
      std::size_t space = line.find(' ', begin);
      const std::string word = line.substr(begin, space - begin);
      ++t.length;
      if (word != "*") {
        if (word.size() < 3 || (word[0] != 'r' && word[0] != 'w') ||
            word[1] != '-' || word.find('-', 2) != std::string::npos ||
            word.find('\t') != std::string::npos)
          return fail(error, lineNo,
                      "operation " + std::to_string(t.length) + " is '" + word +
                          "'; expected r-KEY, w-KEY or *");
        auto [It, Inserted] =
            keyIndex.emplace(word.substr(2), static_cast<int>(keyIndex.size()));
        (void)Inserted;
        t.ops.push_back({It->second, t.length, word[0] == 'w'});
      }
      if (space == std::string::npos)
        break;
      begin = space + 1;
    }
    // The reference gives a transaction without a keyed operation no length
    // at all (it ends at time 0); such a line is almost surely a mistake.
    if (t.ops.empty())
      return fail(error, lineNo,
                  "the transaction has no r-KEY or w-KEY operation");
    out.txns.push_back(std::move(t));
  }
  out.numKeys = static_cast<int>(keyIndex.size());
  if (out.txns.empty()) {
    error = "no transactions";
    return false;
  }
  return true;
}

bool loadWorkload(const std::string &path, Workload &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!parseWorkload(text.str(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool checkPermutation(const std::vector<int> &order, int n,
                      std::string &error) {
  // Where each transaction was first seen (1-based), or 0.
  std::vector<std::size_t> seenAt(static_cast<std::size_t>(n), 0);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const int t = order[i];
    if (t < 0 || t >= n) {
      error = "position " + std::to_string(i) + " holds " + std::to_string(t) +
              ", not a transaction (they are 0.." + std::to_string(n - 1) + ")";
      return false;
    }
    std::size_t &first = seenAt[static_cast<std::size_t>(t)];
    if (first != 0) {
      error = "transaction " + std::to_string(t) +
              " appears more than once, at positions " +
              std::to_string(first - 1) + " and " + std::to_string(i);
      return false;
    }
    first = i + 1;
  }
  if (order.size() != static_cast<std::size_t>(n)) {
    std::string missing;
    int count = 0;
    for (int t = 0; t < n; ++t)
      if (seenAt[static_cast<std::size_t>(t)] == 0 && ++count <= 5)
        missing += (count > 1 ? ", " : "") + std::to_string(t);
    error = "the schedule has " + std::to_string(order.size()) +
            " entries for " + std::to_string(n) +
            " transactions; missing: " + missing + (count > 5 ? ", ..." : "");
    return false;
  }
  return true;
}

double score(double makespanSum, double sequentialSum, double lowerBoundSum) {
  // The leaderboard's order of operations, so that the figures round alike.
  const double effectiveOptimal =
      lowerBoundSum + 0.10 * (sequentialSum - lowerBoundSum);
  if (makespanSum >= sequentialSum)
    return 0;
  if (makespanSum <= effectiveOptimal)
    return 100;
  const double s =
      (sequentialSum - makespanSum) / (sequentialSum - effectiveOptimal) * 100;
  return std::min(std::max(s, 0.0), 100.0);
}

} // namespace txn
