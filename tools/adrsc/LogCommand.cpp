//===- LogCommand.cpp - adrsc log -----------------------------------------===//
//
// A run's story in order: its sessions, every new best, the hints, pins
// and rollbacks a person gave, the scratchpads a model wrote, migrations,
// tunings and stalls. The bests come from the candidates themselves; the
// rest are the run's events. Requests the run has not taken yet (it is
// stopped) come last, marked as waiting.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Evolve/Run.h"
#include "adrs/Search/Strategy.h"
#include "adrs/Store/RunStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <iterator>

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> LogDir(cl::Positional, cl::Required,
                                   cl::desc("<run directory>"), cl::sub(LogCmd),
                                   cl::cat(AdrsCategory));

static cl::opt<OutputFormat>
    LogFormat("format", cl::desc("Output format"),
              cl::values(clEnumValN(OutputFormat::Text, "text",
                                    "one line an event (default)"),
                         clEnumValN(OutputFormat::JSON, "json",
                                    "an array of {at, session, kind, detail, "
                                    "candidate, waiting}")),
              cl::init(OutputFormat::Text), cl::sub(LogCmd),
              cl::cat(AdrsCategory));

namespace {

struct Entry {
  double At = 0;
  unsigned Session = 0;
  std::string Kind, Detail;
  std::optional<int64_t> Subject;
  bool Waiting = false;
};

} // namespace

int runLog() {
  auto Fail = [](const Twine &Message) {
    WithColor::error(errs(), "adrsc") << Message << "\n";
    return int(ExitFailed);
  };
  std::string DB = evolve::databasePath(LogDir);
  if (!sys::fs::exists(DB))
    return Fail("'" + LogDir + "' holds no run (no run.db)");
  Expected<std::unique_ptr<store::RunStore>> Store =
      store::RunStore::openReadOnly(DB);
  if (!Store)
    return Fail(toString(Store.takeError()));

  std::vector<Entry> Entries;
  Expected<std::vector<Event>> Events = (*Store)->events();
  if (!Events)
    return Fail(toString(Events.takeError()));
  for (const Event &E : *Events)
    Entries.push_back(
        {E.At, E.Session, toString(E.Kind).str(), E.Detail, E.Subject});

  std::vector<Entry> Bests;
  std::optional<search::Member> Best, Baseline;
  if (Error E = (*Store)->forEachCandidate(false, [&](store::Candidate &&C) {
        search::Member M;
        M.Id = C.Id;
        M.Status = C.Status;
        M.Feasible = C.Feasible;
        M.Score = C.Score;
        if (C.Id == 0)
          Baseline = M;
        if (!M.scored() || (Best && !search::better(M, *Best)))
          return;
        Best = M;
        if (C.Id == 0)
          return;
        std::string Detail = formatv("#{0}: score {1:F4}", C.Id, *C.Score);
        if (Baseline && Baseline->Score)
          Detail += formatv(" ({0}{1:F4} over the baseline)",
                            *C.Score >= *Baseline->Score ? "+" : "",
                            *C.Score - *Baseline->Score)
                        .str();
        if (!C.Feasible)
          Detail += " (infeasible)";
        if (!C.Description.empty())
          Detail += " [" + C.Description + "]";
        Bests.push_back({C.FinishedAt, C.Session, "best", Detail, C.Id});
      }))
    return Fail(toString(std::move(E)));
  // Both lists are in the order things happened; merged by run time, each
  // keeping its own order (a session's times are stored rounded).
  std::vector<Entry> Merged;
  std::merge(Entries.begin(), Entries.end(), Bests.begin(), Bests.end(),
             std::back_inserter(Merged),
             [](const Entry &A, const Entry &B) { return A.At < B.At; });
  Entries = std::move(Merged);

  Expected<std::vector<store::Steering>> Steerings = (*Store)->steerings();
  if (!Steerings)
    return Fail(toString(Steerings.takeError()));
  for (const store::Steering &S : *Steerings) {
    if (S.AppliedAfter)
      continue;
    Entry E;
    E.Kind = toString(S.Kind).str();
    E.Subject = S.Subject;
    E.Waiting = true;
    if (S.Kind == EventKind::Hint)
      E.Detail = S.Undo ? formatv("{0} removed", S.Subject.value_or(0)).str()
                        : formatv("{0}: {1}", S.Id, S.Text).str();
    else
      E.Detail = formatv("#{0}{1}", S.Subject.value_or(0),
                         S.Kind == EventKind::Rollback ? ""
                         : S.Undo                      ? " unpinned"
                                                       : " pinned")
                     .str();
    Entries.push_back(std::move(E));
  }

  if (LogFormat == OutputFormat::JSON) {
    json::Array Out;
    for (const Entry &E : Entries) {
      json::Object O{{"kind", E.Kind}, {"detail", E.Detail}};
      if (E.Waiting) {
        O["waiting"] = true;
      } else {
        O["at"] = E.At;
        O["session"] = int64_t(E.Session);
      }
      if (E.Subject)
        O["candidate"] = *E.Subject;
      Out.push_back(std::move(O));
    }
    outs() << formatv("{0:2}", json::Value(std::move(Out))) << "\n";
    return ExitOK;
  }
  for (const Entry &E : Entries) {
    std::string When = E.Waiting ? "waiting" : formatv("{0:F1}s", E.At).str();
    // A scratchpad or a hint may hold several lines: indented under it.
    std::string Detail;
    for (char C : E.Detail)
      Detail += C == '\n' ? std::string("\n") + std::string(26, ' ')
                          : std::string(1, C);
    outs() << formatv("{0,9}  {1,-2}  {2,-9}  {3}\n", When,
                      E.Waiting ? std::string("-") : std::to_string(E.Session),
                      E.Kind, Detail);
  }
  return ExitOK;
}

} // namespace driver
} // namespace adrs
