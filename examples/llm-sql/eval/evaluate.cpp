//===- evaluate.cpp - Evaluator for LLM-SQL prefix-cache reordering -------===//
//
// A stage's workloads are tables (CSV files) and the merges file that names
// each table's merge groups. The policy reorders every table; the evaluator
// checks that what came back is a reordering (every row once, every cell of
// a row once, merge groups together), sends the rows as it says and counts
// the characters that hit the prefix cache, exactly as the leaderboard's
// trie does. Reported: the mean hit rate, the mean hit rate of the tables
// as they are (the 0-point anchor, recomputed from the data, never cached
// from another run), the reordering time, the leaderboard's score with that
// time rescaled for compiled code, and the number of tables whose ordering
// was refused, which the spec requires to be zero.
//
// Timing. Every table is reordered kRepeats times, each call on a fresh
// copy, in rounds over the tables, and only the call is timed, in CPU time
// of the thread (cpuSeconds()); a table's time is the median of its calls.
// Every call must return the same ordering. Time is 5% of the score and
// saturates (llmsql::score), so timing noise moves the score by a fraction
// of a point.
//
// Checking. The orderings are kept, the tables are read again, and only
// then is each ordering checked and scored against the fresh copy: no
// number comes from memory the policy could reach.
//
//===----------------------------------------------------------------------===//

#include "adrs/Evaluator.h"
#include "table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// The function under evolution, defined in policy/reorder.cpp.
llmsql::Ordering reorder(const llmsql::Table &t);

namespace {

constexpr int kRepeats = 3;

using Merges = std::vector<std::vector<std::string>>;

/// The merges file: `table<TAB>a,b;c,d` per line, '#' lines are comments.
bool loadMerges(const std::string &Path, std::map<std::string, Merges> &Out,
                std::string &Error) {
  std::ifstream In(Path);
  if (!In) {
    Error = Path + ": cannot open";
    return false;
  }
  std::string Line;
  int Number = 0;
  while (std::getline(In, Line)) {
    ++Number;
    if (Line.empty() || Line[0] == '#')
      continue;
    const std::size_t Tab = Line.find('\t');
    if (Tab == std::string::npos || Tab == 0) {
      Error = Path + ":" + std::to_string(Number) +
              ": expected 'table<TAB>column,column;column,...'";
      return false;
    }
    Merges &M = Out[Line.substr(0, Tab)];
    std::istringstream Groups(Line.substr(Tab + 1));
    std::string Group;
    while (std::getline(Groups, Group, ';')) {
      std::istringstream Columns(Group);
      std::string Column;
      M.emplace_back();
      while (std::getline(Columns, Column, ','))
        M.back().push_back(Column);
    }
  }
  return true;
}

std::string baseName(const std::string &Path) {
  const std::size_t Slash = Path.rfind('/');
  return Slash == std::string::npos ? Path : Path.substr(Slash + 1);
}

bool endsWith(const std::string &S, const char *Suffix) {
  const std::string X(Suffix);
  return S.size() >= X.size() &&
         S.compare(S.size() - X.size(), X.size(), X) == 0;
}

/// CPU time of the calling thread (user and system), in seconds. Wall
/// time would also count the time other processes of a busy machine hold
/// the CPU; a candidate cannot start threads or processes, so on an idle
/// machine the two are the same.
double cpuSeconds() {
  timespec T;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &T);
  return double(T.tv_sec) + double(T.tv_nsec) * 1e-9;
}

bool sameOrdering(const llmsql::Ordering &A, const llmsql::Ordering &B) {
  return A.rows == B.rows && A.columns == B.columns;
}

std::string format(const char *Fmt, double X) {
  char Buffer[64];
  std::snprintf(Buffer, sizeof(Buffer), Fmt, X);
  return Buffer;
}

/// Reads a table and its merges; empty Error on success.
struct LoadedTable {
  llmsql::Table Table;
  std::string Error;
};
LoadedTable loadTable(const std::string &Path, const Merges &M) {
  LoadedTable Out;
  llmsql::Csv Csv;
  if (!llmsql::loadCsv(Path, Csv, Out.Error))
    return Out;
  if (!llmsql::makeTable(Csv, M, Out.Table, Out.Error))
    Out.Error = Path + ": " + Out.Error;
  return Out;
}

struct Call {
  llmsql::Ordering Ordering;
  double Seconds = 0;
  std::string Fault;
};

} // namespace

void evaluate_llm_sql(adrs::EvalContext &Ctx) {
  const adrs::Workload *MergesW = nullptr;
  std::vector<const adrs::Workload *> Tables;
  std::set<std::string> Paths;
  for (const adrs::Workload &W : Ctx.workloads()) {
    if (!Paths.insert(W.Path).second)
      continue; // the merges file on both sides of `--workloads all`
    if (endsWith(W.Path, ".tsv"))
      MergesW = &W;
    else if (endsWith(W.Path, ".csv"))
      Tables.push_back(&W);
    else {
      Ctx.artifact("error", W.Name + ": a workload is a table (.csv) or the "
                                     "merges file (.tsv)");
      return;
    }
  }
  if (!MergesW || Tables.empty()) {
    Ctx.artifact("error", "a stage needs the merges .tsv and at least one "
                          "table .csv");
    return;
  }
  std::map<std::string, Merges> AllMerges;
  std::string Error;
  if (!loadMerges(MergesW->Path, AllMerges, Error)) {
    Ctx.artifact("error", Error);
    return;
  }
  std::vector<Merges> TableMerges;
  for (const adrs::Workload *W : Tables) {
    auto Found = AllMerges.find(baseName(W->Path));
    if (Found == AllMerges.end()) {
      Ctx.artifact("error", W->Name + ": no line for '" + baseName(W->Path) +
                                "' in " + MergesW->Name);
      return;
    }
    TableMerges.push_back(Found->second);
  }

  // 1. Run the policy: kRepeats rounds over the tables.
  std::vector<Call> Calls(Tables.size());
  {
    std::vector<LoadedTable> Given;
    for (std::size_t I = 0; I < Tables.size(); ++I) {
      Given.push_back(loadTable(Tables[I]->Path, TableMerges[I]));
      if (!Given.back().Error.empty()) {
        Ctx.artifact("error", Given.back().Error);
        return;
      }
    }
    std::vector<std::vector<double>> Times(Tables.size());
    for (int R = 0; R < kRepeats; ++R)
      for (std::size_t I = 0; I < Tables.size(); ++I) {
        Call &C = Calls[I];
        if (!C.Fault.empty())
          continue;
        const llmsql::Table Copy = Given[I].Table; // fresh for every call
        llmsql::Ordering O;
        try {
          const double Start = cpuSeconds();
          O = reorder(Copy);
          const double End = cpuSeconds();
          Times[I].push_back(End - Start);
        } catch (const std::exception &E) {
          C.Fault = std::string("reorder() threw: ") + E.what();
        } catch (...) {
          C.Fault = "reorder() threw something that is not a std::exception";
        }
        if (!C.Fault.empty())
          continue;
        if (R == 0)
          C.Ordering = std::move(O);
        else if (!sameOrdering(O, C.Ordering))
          C.Fault = "call " + std::to_string(R + 1) +
                    " on the same table returned another ordering than the "
                    "first; an ordering must depend only on the table";
      }
    for (std::size_t I = 0; I < Tables.size(); ++I)
      if (!Times[I].empty()) {
        std::sort(Times[I].begin(), Times[I].end());
        Calls[I].Seconds = Times[I][Times[I].size() / 2];
      }
  }

  // 2. Check and score on fresh copies. No candidate code runs from here on.
  double HitRate = 0, Anchor = 0, Seconds = 0;
  int Invalid = 0;
  std::string Summary, Problems;
  for (std::size_t I = 0; I < Tables.size(); ++I) {
    const std::string &Name = Tables[I]->Name;
    const LoadedTable Fresh = loadTable(Tables[I]->Path, TableMerges[I]);
    if (!Fresh.Error.empty()) {
      Ctx.artifact("error", Fresh.Error);
      return;
    }
    const llmsql::Table &T = Fresh.Table;
    Call &C = Calls[I];
    if (C.Fault.empty())
      C.Fault = llmsql::checkOrdering(C.Ordering, T);
    const llmsql::Hits Base = llmsql::prefixHits(T, llmsql::mergedOrdering(T));
    llmsql::Hits Got;
    if (C.Fault.empty()) {
      Got = llmsql::prefixHits(T, C.Ordering);
    } else {
      ++Invalid;
      Problems += Name + ": " + C.Fault + "; the table scores hit rate 0\n";
    }
    HitRate += Got.rate();
    Anchor += Base.rate();
    Seconds += C.Seconds;
    Ctx.workloadMetric(Name, "hit_rate", Got.rate());
    Ctx.workloadMetric(Name, "hits", double(Got.hits));
    Ctx.workloadMetric(Name, "anchor", Base.rate());
    Ctx.workloadMetric(Name, "characters", double(Base.characters));
    Ctx.workloadMetric(Name, "runtime_ms", C.Seconds * 1e3);
    Ctx.workloadMetric(Name, "invalid", C.Fault.empty() ? 0 : 1);
    Summary += Name + ": hit rate " + format("%.4f", Got.rate()) + " (" +
               std::to_string(Got.hits) + " of " +
               std::to_string(Base.characters) +
               " characters; unchanged order " + format("%.4f", Base.rate()) +
               "), " + format("%.1f", C.Seconds * 1e3) + " ms, " +
               std::to_string(T.numRows()) + " rows x " +
               std::to_string(T.numColumns()) + " columns\n";
  }
  const double N = double(Tables.size());
  HitRate /= N;
  Anchor /= N;
  Seconds /= N;
  const double Score = llmsql::score(HitRate, Anchor, Seconds);
  Ctx.metric("score", Score);
  Ctx.metric("hit_rate", HitRate);
  Ctx.metric("anchor", Anchor);
  Ctx.metric("runtime_ms", Seconds * 1e3);
  Ctx.metric("invalid_orderings", Invalid);

  Summary += "mean hit rate " + format("%.4f", HitRate) + " against " +
             format("%.4f", Anchor) + " unchanged, " +
             format("%.1f", Seconds * 1e3) + " ms per table: score " +
             format("%.3f", Score) + " (95%: the hit rate's share of the " +
             "way from the unchanged order to 1; 5%: time, full at 0 and " +
             "none from " + format("%.0f", 10e3 / llmsql::kTimeScale) +
             " ms)\n";
  Ctx.artifact("hits", Summary);
  if (Invalid > 0)
    Ctx.artifact("invalid", Problems);
}
