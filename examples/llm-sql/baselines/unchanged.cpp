//===- unchanged.cpp - The tables as they are (the score's 0 point) -------===//
//
// Sends the rows in their order and each row's cells in the order of the
// file, except the merge groups, which follow the other columns, each in
// the order it is given: the merged table of the leaderboard's evaluator,
// whose hit rate is the anchor of the score (0 points for the hit rate).
// The leaderboard's `baseline` solution returns the table without even
// merging; that is not a valid ordering here (a merge group must be sent
// together), so this is the nearest program to it.
//
// Drop-in replacement for policy/reorder.cpp (same symbol).
//
//===----------------------------------------------------------------------===//

#include "table.h"

#include <vector>

// See policy/reorder.cpp for the contract.
llmsql::Ordering reorder(const llmsql::Table &t) {
  // EVOLVE-BLOCK-START reorder
  std::vector<bool> merged(t.numColumns());
  for (const std::vector<int> &group : t.merges)
    for (int c : group)
      merged[c] = true;
  std::vector<int> columns;
  for (int c = 0; c < t.numColumns(); ++c)
    if (!merged[c])
      columns.push_back(c);
  for (const std::vector<int> &group : t.merges)
    columns.insert(columns.end(), group.begin(), group.end());
  llmsql::Ordering out;
  for (int r = 0; r < t.numRows(); ++r) {
    out.rows.push_back(r);
    out.columns.push_back(columns);
  }
  return out;
  // EVOLVE-BLOCK-END
}
