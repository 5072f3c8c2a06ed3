//===- table.cpp - CSV tables, merges, ordering checks, prefix hits -------===//

#include "table.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string_view>

namespace llmsql {

namespace {

// A table file larger than this is refused rather than parsed.
constexpr std::size_t kMaxCsvBytes = 256u << 20;

bool validUtf8(const std::string &S) {
  std::size_t I = 0;
  while (I < S.size()) {
    const unsigned char C = static_cast<unsigned char>(S[I]);
    std::size_t Extra;
    if (C < 0x80)
      Extra = 0;
    else if ((C & 0xE0) == 0xC0)
      Extra = 1;
    else if ((C & 0xF0) == 0xE0)
      Extra = 2;
    else if ((C & 0xF8) == 0xF0)
      Extra = 3;
    else
      return false;
    if (Extra > S.size() - 1 - I)
      return false;
    for (std::size_t K = 1; K <= Extra; ++K)
      if ((static_cast<unsigned char>(S[I + K]) & 0xC0) != 0x80)
        return false;
    I += Extra + 1;
  }
  return true;
}

bool continuation(char C) {
  return (static_cast<unsigned char>(C) & 0xC0) == 0x80;
}

/// Characters (code points) in the first \p Bytes bytes of valid UTF-8.
std::int64_t codePoints(std::string_view S) {
  std::int64_t N = 0;
  for (char C : S)
    N += !continuation(C);
  return N;
}

/// The longest common prefix of \p A and \p B in whole characters.
std::int64_t commonPrefix(std::string_view A, std::string_view B) {
  std::size_t N = 0;
  const std::size_t Max = std::min(A.size(), B.size());
  while (N < Max && A[N] == B[N])
    ++N;
  // A prefix that ends inside a character does not contain it.
  while (N > 0 && N < A.size() && continuation(A[N]))
    --N;
  return codePoints(A.substr(0, N));
}

} // namespace

bool parseCsv(const std::string &Text, Csv &Out, std::string &Error) {
  Out = Csv();
  if (!validUtf8(Text)) {
    Error = "the file is not valid UTF-8";
    return false;
  }
  std::vector<std::vector<std::string>> Records;
  std::vector<std::vector<bool>> Empty;
  std::vector<std::string> Record;
  std::vector<bool> RecordEmpty;
  std::string Field;
  bool Quoted = false, InQuotes = false, AtFieldStart = true;
  int Line = 1;
  auto EndField = [&] {
    RecordEmpty.push_back(Field.empty());
    Record.push_back(std::move(Field));
    Field.clear();
    Quoted = false;
    AtFieldStart = true;
  };
  auto EndRecord = [&] {
    EndField();
    // pandas skips blank lines.
    if (!(Record.size() == 1 && RecordEmpty[0] && !Quoted)) {
      Records.push_back(std::move(Record));
      Empty.push_back(std::move(RecordEmpty));
    }
    Record.clear();
    RecordEmpty.clear();
  };
  for (std::size_t I = 0; I < Text.size(); ++I) {
    const char C = Text[I];
    if (InQuotes) {
      if (C == '"') {
        if (I + 1 < Text.size() && Text[I + 1] == '"') {
          Field += '"';
          ++I;
        } else {
          InQuotes = false;
        }
      } else {
        if (C == '\n')
          ++Line;
        Field += C;
      }
      continue;
    }
    if (C == '"' && AtFieldStart) {
      InQuotes = Quoted = true;
      AtFieldStart = false;
    } else if (C == '"') {
      Error =
          "line " + std::to_string(Line) + ": a quote inside an unquoted field";
      return false;
    } else if (C == ',') {
      EndField();
    } else if (C == '\n' || C == '\r') {
      if (C == '\r' && I + 1 < Text.size() && Text[I + 1] == '\n')
        ++I;
      EndRecord();
      ++Line;
    } else {
      if (Quoted) {
        Error = "line " + std::to_string(Line) +
                ": text after the closing quote of a field";
        return false;
      }
      Field += C;
      AtFieldStart = false;
    }
  }
  if (InQuotes) {
    Error = "a quoted field runs to the end of the file";
    return false;
  }
  if (!Field.empty() || !Record.empty())
    EndRecord();
  if (Records.empty()) {
    Error = "no header line";
    return false;
  }
  Out.header = std::move(Records[0]);
  std::set<std::string> Names;
  for (const std::string &Name : Out.header)
    if (Name.empty() || !Names.insert(Name).second) {
      Error = "the header has an empty or repeated column name '" + Name + "'";
      return false;
    }
  for (std::size_t R = 1; R < Records.size(); ++R) {
    if (Records[R].size() != Out.header.size()) {
      Error = "record " + std::to_string(R) + " has " +
              std::to_string(Records[R].size()) + " fields; the header has " +
              std::to_string(Out.header.size());
      return false;
    }
    Out.fields.push_back(std::move(Records[R]));
    Out.missing.push_back(std::move(Empty[R]));
  }
  return true;
}

bool loadCsv(const std::string &Path, Csv &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  if (!In) {
    Error = Path + ": cannot open";
    return false;
  }
  std::string Text;
  char Buffer[65536];
  while (In.read(Buffer, sizeof(Buffer)) || In.gcount() > 0) {
    Text.append(Buffer, static_cast<std::size_t>(In.gcount()));
    if (Text.size() > kMaxCsvBytes) {
      Error = Path + ": larger than 256 MiB";
      return false;
    }
  }
  if (!parseCsv(Text, Out, Error)) {
    Error = Path + ": " + Error;
    return false;
  }
  return true;
}

bool makeTable(const Csv &Csv,
               const std::vector<std::vector<std::string>> &Merges, Table &Out,
               std::string &Error) {
  Out = Table();
  std::map<std::string, int> Index;
  for (std::size_t C = 0; C < Csv.header.size(); ++C)
    Index[Csv.header[C]] = static_cast<int>(C);
  std::vector<bool> Merged(Csv.header.size());
  for (const std::vector<std::string> &Group : Merges) {
    std::vector<int> Columns;
    for (const std::string &Name : Group) {
      auto Found = Index.find(Name);
      if (Found == Index.end()) {
        Error = "merge of unknown column '" + Name + "'";
        return false;
      }
      if (Merged[static_cast<std::size_t>(Found->second)]) {
        Error = "column '" + Name + "' is merged twice";
        return false;
      }
      Merged[static_cast<std::size_t>(Found->second)] = true;
      Columns.push_back(Found->second);
    }
    if (!Columns.empty())
      Out.merges.push_back(std::move(Columns));
  }
  Out.columns = Csv.header;
  Out.cells.resize(Csv.fields.size());
  for (std::size_t R = 0; R < Csv.fields.size(); ++R) {
    std::vector<std::string> &Row = Out.cells[R];
    Row = Csv.fields[R];
    for (std::size_t C = 0; C < Row.size(); ++C)
      if (Csv.missing[R][C])
        Row[C] = Merged[C] ? "nan" : "";
  }
  return true;
}

std::string checkOrdering(const Ordering &O, const Table &T) {
  const std::size_t N = T.cells.size(), M = T.columns.size();
  if (O.rows.size() != N)
    return "the ordering sends " + std::to_string(O.rows.size()) +
           " rows; the table has " + std::to_string(N);
  if (O.columns.size() != N)
    return "the ordering gives the cells of " +
           std::to_string(O.columns.size()) + " rows; the table has " +
           std::to_string(N);
  std::vector<std::size_t> SentAt(N, N);
  for (std::size_t I = 0; I < N; ++I) {
    const int R = O.rows[I];
    if (R < 0 || static_cast<std::size_t>(R) >= N)
      return "position " + std::to_string(I) + " sends row " +
             std::to_string(R) + "; rows are 0.." + std::to_string(N - 1);
    if (SentAt[static_cast<std::size_t>(R)] != N)
      return "row " + std::to_string(R) + " is sent twice, at positions " +
             std::to_string(SentAt[static_cast<std::size_t>(R)]) + " and " +
             std::to_string(I);
    SentAt[static_cast<std::size_t>(R)] = I;
  }
  std::vector<std::size_t> Seen(M);
  for (std::size_t I = 0; I < N; ++I) {
    const std::vector<int> &Cols = O.columns[I];
    const std::string Where = "position " + std::to_string(I) + " (row " +
                              std::to_string(O.rows[I]) + ")";
    if (Cols.size() != M)
      return Where + " has " + std::to_string(Cols.size()) +
             " cells; the table has " + std::to_string(M) + " columns";
    std::fill(Seen.begin(), Seen.end(), 0);
    for (std::size_t P = 0; P < M; ++P) {
      const int C = Cols[P];
      if (C < 0 || static_cast<std::size_t>(C) >= M)
        return Where + " names column " + std::to_string(C) +
               "; columns are 0.." + std::to_string(M - 1);
      if (Seen[static_cast<std::size_t>(C)])
        return Where + " sends the cell of column '" +
               T.columns[static_cast<std::size_t>(C)] + "' twice";
      Seen[static_cast<std::size_t>(C)] = P + 1;
    }
    for (const std::vector<int> &Group : T.merges) {
      std::size_t First = M, Last = 0;
      for (int C : Group) {
        First = std::min(First, Seen[static_cast<std::size_t>(C)]);
        Last = std::max(Last, Seen[static_cast<std::size_t>(C)]);
      }
      if (Last - First + 1 != Group.size()) {
        std::string Name;
        for (int C : Group)
          Name += (Name.empty() ? "" : "_") +
                  T.columns[static_cast<std::size_t>(C)];
        return Where + " splits the merged field '" + Name +
               "': its columns must be sent next to each other";
      }
    }
  }
  return "";
}

Hits prefixHits(const Table &T, const Ordering &O) {
  // The longest prefix a string shares with any string of a set is the one
  // it shares with its neighbour in sorted order: the same number as the
  // leaderboard's character trie, without a node per character.
  std::vector<std::string> Texts(O.rows.size());
  for (std::size_t I = 0; I < O.rows.size(); ++I)
    for (int C : O.columns[I])
      Texts[I] += T.cells[static_cast<std::size_t>(O.rows[I])]
                         [static_cast<std::size_t>(C)];
  Hits H;
  std::set<std::string_view> Sent;
  for (const std::string &Text : Texts) {
    const std::string_view S(Text);
    std::int64_t Best = 0;
    auto After = Sent.lower_bound(S);
    if (After != Sent.end())
      Best = commonPrefix(S, *After);
    if (After != Sent.begin())
      Best = std::max(Best, commonPrefix(S, *std::prev(After)));
    H.hits += Best;
    H.characters += codePoints(S);
    Sent.insert(S);
  }
  return H;
}

Ordering mergedOrdering(const Table &T) {
  std::vector<bool> Merged(T.columns.size());
  for (const std::vector<int> &Group : T.merges)
    for (int C : Group)
      Merged[static_cast<std::size_t>(C)] = true;
  std::vector<int> Columns;
  for (std::size_t C = 0; C < T.columns.size(); ++C)
    if (!Merged[C])
      Columns.push_back(static_cast<int>(C));
  for (const std::vector<int> &Group : T.merges)
    Columns.insert(Columns.end(), Group.begin(), Group.end());
  Ordering O;
  for (std::size_t R = 0; R < T.cells.size(); ++R) {
    O.rows.push_back(static_cast<int>(R));
    O.columns.push_back(Columns);
  }
  return O;
}

double score(double HitRate, double Anchor, double Seconds) {
  double Norm = Anchor < 1 ? (HitRate - Anchor) / (1 - Anchor) * 100 : 0;
  Norm = std::min(100.0, std::max(0.0, Norm));
  const double T = std::min(10.0, Seconds * kTimeScale);
  const double Runtime = (10 - T) / 10 * 100;
  return 0.95 * Norm + 0.05 * Runtime;
}

} // namespace llmsql
