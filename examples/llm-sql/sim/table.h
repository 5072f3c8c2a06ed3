//===- table.h - Tables, orderings and the prefix hit rate ------*- C++ -*-===//
//
// The LLM-SQL case study of the ADRS leaderboard (`llm_sql`): an LLM query
// runs over every row of a table, each row sent as the concatenation of its
// cells, and an inference engine with a prefix (KV) cache reuses the longest
// prefix a row shares with any row sent before it. A policy may send the
// rows in any order and, within each row, the cells in any order; it is
// judged by the fraction of characters that hit the cache.
//
// This header holds what the policy and the evaluator share: the table a
// policy gets (after the column merges the problem prescribes), the
// ordering it returns, the check of that ordering and the exact hit rate of
// the leaderboard's trie (data/README.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLMSQL_TABLE_H
#define LLMSQL_TABLE_H

#include <cstdint>
#include <string>
#include <vector>

namespace llmsql {

/// A table as the policy sees it: the columns of the file, every cell as
/// the text the hit rate counts (UTF-8), and the merge groups the problem
/// prescribes: columns that form one field and must be sent next to each
/// other, in any order among themselves (the leaderboard's col_merge, which
/// the solver applies). A missing value is "" in a column of its own and
/// "nan" in a merge group, as the leaderboard's merge writes it.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> cells; ///< cells[row][column]
  std::vector<std::vector<int>> merges;        ///< column indices per group

  int numRows() const { return static_cast<int>(cells.size()); }
  int numColumns() const { return static_cast<int>(columns.size()); }
};

/// What a policy returns: the order in which to send the rows, and for each
/// row sent, the order of its cells.
///  - rows[i]: the input row sent at position i; every row exactly once;
///  - columns[i]: the input columns of that row, in the order its cells are
///    concatenated; every column exactly once, the columns of each merge
///    group next to each other.
struct Ordering {
  std::vector<int> rows;
  std::vector<std::vector<int>> columns;
};

/// A CSV file as pandas.read_csv reads it (RFC 4180 quoting; a header line;
/// an empty field is a missing value).
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> fields;
  std::vector<std::vector<bool>> missing; ///< missing[row][column]
};
bool parseCsv(const std::string &text, Csv &out, std::string &error);
bool loadCsv(const std::string &path, Csv &out, std::string &error);

/// The table of a CSV file with the merge groups \p merges (column names).
/// Fails when a column is unknown or in two groups.
bool makeTable(const Csv &csv,
               const std::vector<std::vector<std::string>> &merges, Table &out,
               std::string &error);

/// Checks that \p o is an ordering of \p t: rows a permutation of the rows,
/// each row's columns a permutation of the columns, and each merge group's
/// columns next to each other. Returns "" when it is, else the first fault
/// ("row 17 is sent twice, at positions 3 and 40").
std::string checkOrdering(const Ordering &o, const Table &t);

/// The leaderboard's prefix hits of sending \p t's rows as \p o says (an
/// ordering that passed checkOrdering()): for each row, the longest common
/// prefix of its text with the text of any row sent before it, in
/// characters (Unicode code points), summed; and the total length.
struct Hits {
  std::int64_t hits = 0;
  std::int64_t characters = 0;
  double rate() const { return characters ? double(hits) / characters : 0; }
};
Hits prefixHits(const Table &t, const Ordering &o);

/// The leaderboard's 0-point anchor: the rows as they are, each row's
/// columns as in the file except the merge groups, which follow them, each
/// in the order it was given (the merged table of the leaderboard's
/// evaluator, in its original order).
Ordering mergedOrdering(const Table &t);

/// The leaderboard's score: 0.95 x clip((hit - anchor) / (1 - anchor) x 100,
/// 0, 100) + 0.05 x (10 - min(10, t)) / 10 x 100, with hit and anchor the
/// mean hit rates of the policy's orderings and of the unchanged tables, and
/// t the mean time of one reordering in seconds scaled by kTimeScale:
/// compiled code runs these algorithms about that much faster than the
/// leaderboard's Python (data/README.md).
constexpr double kTimeScale = 100;
double score(double hitRate, double anchor, double seconds);

} // namespace llmsql

#endif // LLMSQL_TABLE_H
