//===- Run.cpp - A run as its readers see it ------------------------------===//
//
// Reads a run directory only: the database holds the sources as they were
// when the run started and where the regions were, so no reader needs the
// spec, a compiler or the simulator.
//
//===----------------------------------------------------------------------===//

#include "adrs/Report/Report.h"

#include "adrs/Evolve/Run.h"
#include "adrs/Regions/Region.h"
#include "adrs/Search/Strategy.h"

#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace adrs {
namespace report {

Expected<RunResult> loadRun(StringRef Dir) {
  std::string DB = evolve::databasePath(Dir);
  if (!sys::fs::exists(DB))
    return createStringError(inconvertibleErrorCode(),
                             "'%s' holds no run (no run.db); run 'adrsc "
                             "SPEC' first, or pass the run directory (-o)",
                             Dir.str().c_str());
  RunResult R;
  Expected<std::unique_ptr<store::RunStore>> S =
      store::RunStore::openReadOnly(DB);
  if (!S)
    return S.takeError();
  R.Store = std::move(*S);
  std::optional<search::Member> Best;
  if (Error E = R.Store->forEachCandidate(false, [&](store::Candidate &&C) {
        ++R.Candidates;
        search::Member M;
        M.Id = C.Id;
        M.Status = C.Status;
        M.Feasible = C.Feasible;
        M.Score = C.Score;
        if (M.scored() && (!Best || search::better(M, *Best)))
          Best = M;
        if (M.scored() && C.Feasible && C.Objectives.size() > 1) {
          for (const auto &F : R.Front)
            if (search::dominates(F.second, C.Objectives) ||
                F.second == C.Objectives)
              return;
          llvm::erase_if(R.Front, [&](const auto &F) {
            return search::dominates(C.Objectives, F.second);
          });
          R.Front.push_back({C.Id, C.Objectives});
        }
      }))
    return E;
  if (!Best)
    return createStringError(inconvertibleErrorCode(),
                             "the run in '%s' has no scored candidate yet",
                             Dir.str().c_str());
  Expected<std::optional<store::Candidate>> B = R.Store->candidate(Best->Id);
  if (!B)
    return B.takeError();
  Expected<std::optional<store::Candidate>> Base = R.Store->candidate(0);
  if (!Base)
    return Base.takeError();
  if (!*B || !*Base)
    return createStringError(inconvertibleErrorCode(),
                             "the run database in '%s' is incomplete",
                             Dir.str().c_str());
  R.Best = std::move(**B);
  R.Baseline = std::move(**Base);
  auto Meta = [&](StringRef Key) -> Expected<std::string> {
    Expected<std::optional<std::string>> V = R.Store->meta(Key);
    if (!V)
      return V.takeError();
    return V->value_or("");
  };
  Expected<std::string> BaseDir = Meta("base_dir");
  Expected<std::string> SnapText = Meta("snapshot");
  Expected<std::string> RegsText = Meta("regions");
  if (!BaseDir || !SnapText || !RegsText)
    return joinErrors(joinErrors(BaseDir.takeError(), SnapText.takeError()),
                      RegsText.takeError());
  R.BaseDir = *BaseDir;
  Expected<json::Value> Snap = json::parse(*SnapText);
  Expected<json::Value> Regs = json::parse(*RegsText);
  if (!Snap || !Regs) {
    consumeError(Snap.takeError());
    consumeError(Regs.takeError());
    return createStringError(inconvertibleErrorCode(),
                             "the run database in '%s' has no snapshot of the "
                             "sources",
                             Dir.str().c_str());
  }
  if (const json::Object *O = Snap->getAsObject())
    if (const json::Object *F = O->getObject("files"))
      for (const auto &[K, V] : *F)
        R.Files[K.str()] = V.getAsString().value_or("").str();
  std::vector<regions::Region> Regions;
  if (const json::Array *A = Regs->getAsArray())
    for (const json::Value &V : *A)
      if (const json::Object *O = V.getAsObject())
        Regions.push_back(regions::regionFromJSON(*O));
  Expected<candidate::Sources> Sources =
      candidate::Sources::fromTexts(std::move(Regions), R.Files);
  if (!Sources)
    return createStringError(inconvertibleErrorCode(),
                             "the run database in '%s' is inconsistent: %s",
                             Dir.str().c_str(),
                             toString(Sources.takeError()).c_str());
  R.Program = Sources->materialize(R.Best.Regions);
  R.Recorded = std::move(*Sources);
  Expected<std::vector<Event>> Events = R.Store->events();
  if (!Events)
    return Events.takeError();
  for (const Event &E : *Events)
    if (E.Kind == EventKind::Stop)
      R.StopReason = E.Detail;
  return R;
}

json::Value parseOr(StringRef Text) {
  if (Text.empty())
    return nullptr;
  Expected<json::Value> V = json::parse(Text);
  if (!V) {
    consumeError(V.takeError());
    return nullptr;
  }
  return std::move(*V);
}

json::Object summary(const json::Value &E) {
  json::Object Out;
  const json::Object *O = E.getAsObject();
  if (!O)
    return json::Object{{"status", "not evaluated"}};
  for (StringRef K : {"status", "score", "feasible", "metrics",
                      "failed_constraints", "confirmation"})
    if (const json::Value *V = O->get(K))
      Out[K] = *V;
  return Out;
}

} // namespace report
} // namespace adrs
