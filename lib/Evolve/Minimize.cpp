//===- Minimize.cpp - The best program explained --------------------------===//

#include "adrs/Evolve/Minimize.h"
#include "adrs/Evolve/Run.h"

#include "RunDirectory.h"

#include "adrs/Patch/Apply.h"
#include "adrs/Patch/Match.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

using namespace llvm;

namespace adrs {
namespace evolve {

namespace {

/// What one program of the minimisation did.
struct Trial {
  Status St = Status::OK;
  bool Feasible = false;
  std::optional<double> Score;
};

std::string relativeName(StringRef File, StringRef BaseDir) {
  if (!BaseDir.empty() && File.startswith(BaseDir))
    return File.drop_front(BaseDir.size()).ltrim('/').str();
  return File.str();
}

std::string scoreText(const std::optional<double> &Score) {
  return Score ? formatv("{0:F4}", *Score).str() : std::string("-");
}

class Minimizer {
public:
  Minimizer(const spec::Spec &S, const candidate::Sources &Sources,
            eval::Evaluator &Ev, const MinimizeSubject &Best,
            const MinimizeOptions &O)
      : S(S), Sources(Sources), Ev(Ev), Best(Best), O(O),
        Base(Sources.baseline()), Hunks(patch::splitHunks(Base, Best.Regions)) {
  }

  Expected<Minimization> run();

private:
  /// The program of the hunks \p Keep selects, evaluated once.
  Expected<Trial> trial(const std::vector<bool> &Keep, bool Mandatory);
  bool keeps(const Trial &T) const {
    return ranToTheEnd(T.St) && T.Feasible == Best.Feasible &&
           eval::sameScore(S, T.Score, Best.Score);
  }
  /// Whether the subset \p Set keeps the score; false once the evaluation
  /// budget is spent.
  Expected<bool> keepsSubset(const std::vector<size_t> &Set);
  std::vector<bool> maskOf(const std::vector<size_t> &Set) const {
    std::vector<bool> Keep(Hunks.size(), false);
    for (size_t I : Set)
      Keep[I] = true;
    return Keep;
  }
  regions::FileOverrides filesOf(const Program &P) const {
    // Every file with a region, as recorded: the sources on disk may have
    // changed since (an `adrsc apply`), and a program is the run's.
    candidate::Materialized M = Sources.materialize(P);
    return regions::FileOverrides(M.Files.begin(), M.Files.end());
  }

  const spec::Spec &S;
  const candidate::Sources &Sources;
  eval::Evaluator &Ev;
  const MinimizeSubject &Best;
  const MinimizeOptions &O;
  Program Base;
  std::vector<patch::Hunk> Hunks;
  std::map<std::vector<bool>, Trial> Tried;
  unsigned Evaluations = 0;
  /// Evaluations of ddmin's search, beyond the best and one per hunk.
  unsigned Searched = 0;
  bool BudgetSpent = false;
};

Expected<Trial> Minimizer::trial(const std::vector<bool> &Keep,
                                 bool Mandatory) {
  auto It = Tried.find(Keep);
  if (It != Tried.end())
    return It->second;
  if (O.Interrupted && O.Interrupted())
    return createStringError(inconvertibleErrorCode(),
                             "the minimisation was interrupted; nothing of "
                             "it was saved");
  if (!Mandatory && Searched >= O.MaxEvaluations) {
    BudgetSpent = true;
    return Trial{Status::Timeout, false, std::nullopt};
  }
  Searched += !Mandatory;
  Program P = patch::applyHunks(Base, Hunks, Keep);
  candidate::Materialized M = Sources.materialize(P);
  eval::Checks Checks{M.Regions, O.Passes};
  Expected<eval::Evaluation> E = Ev.evaluate(
      filesOf(P), eval::Side::Train, O.Passes.empty() ? nullptr : &Checks);
  if (!E)
    return E.takeError();
  ++Evaluations;
  Trial T{E->Status, E->Feasible, E->Score};
  Tried[Keep] = T;
  return T;
}

Expected<bool> Minimizer::keepsSubset(const std::vector<size_t> &Set) {
  Expected<Trial> T = trial(maskOf(Set), /*Mandatory=*/false);
  if (!T)
    return T.takeError();
  return keeps(*T);
}

Expected<Minimization> Minimizer::run() {
  Minimization M;
  M.Candidate = Best.Id;
  M.Score = Best.Score;
  M.MinimalScore = Best.Score;
  M.Minimal = Best.Regions;
  const size_t N = Hunks.size();
  auto Finish = [&]() -> Expected<Minimization> {
    M.Evaluations = Evaluations;
    std::map<std::string, std::string> Minimal =
        Sources.materialize(M.Minimal).Files;
    M.MinimalPatch = patch::diffFiles(Sources.files(), Minimal, S.BaseDir);
    return std::move(M);
  };
  if (N == 0)
    return Finish(); // the best is the initial program

  // The best itself, again: what "keeps the score" is measured against.
  std::vector<bool> All(N, true);
  Expected<Trial> Again = trial(All, /*Mandatory=*/true);
  if (!Again)
    return Again.takeError();
  if (!keeps(*Again))
    return createStringError(
        inconvertibleErrorCode(),
        "candidate #%lld does not score the same when evaluated again (%s, "
        "score %s; the run recorded %s, score %s): its evaluation varies more "
        "than the spec's tolerance (confirm bests tolerance) allows, so no "
        "part of it can be said to keep the score",
        (long long)Best.Id, toString(Again->St).str().c_str(),
        scoreText(Again->Score).c_str(),
        Best.Feasible ? "feasible" : "infeasible",
        scoreText(Best.Score).c_str());

  // Each hunk's contribution: the best with that hunk alone reverted.
  for (size_t I = 0; I < N; ++I) {
    std::vector<bool> Without = All;
    Without[I] = false;
    Expected<Trial> T = trial(Without, /*Mandatory=*/true);
    if (!T)
      return T.takeError();
  }

  // ddmin (Zeller and Hildebrandt, 2002) from the whole set, after a look
  // at the empty one (the initial program).
  std::vector<size_t> Current;
  for (size_t I = 0; I < N; ++I)
    Current.push_back(I);
  Expected<bool> NoneNeeded = keepsSubset({});
  if (!NoneNeeded)
    return NoneNeeded.takeError();
  if (*NoneNeeded)
    Current.clear();
  size_t Parts = 2;
  while (Current.size() >= 2) {
    std::vector<std::vector<size_t>> Chunks(std::min(Parts, Current.size()));
    for (size_t I = 0; I < Current.size(); ++I)
      Chunks[I * Chunks.size() / Current.size()].push_back(Current[I]);
    bool Reduced = false;
    for (const std::vector<size_t> &Chunk : Chunks) {
      Expected<bool> K = keepsSubset(Chunk);
      if (!K)
        return K.takeError();
      if (*K) {
        Current = Chunk;
        Parts = 2;
        Reduced = true;
        break;
      }
    }
    for (size_t C = 0; !Reduced && C < Chunks.size(); ++C) {
      std::vector<size_t> Complement;
      for (size_t D = 0; D < Chunks.size(); ++D)
        if (D != C)
          llvm::append_range(Complement, Chunks[D]);
      llvm::sort(Complement);
      Expected<bool> K = keepsSubset(Complement);
      if (!K)
        return K.takeError();
      if (*K) {
        Current = std::move(Complement);
        Parts = std::max<size_t>(Parts - 1, 2);
        Reduced = true;
      }
    }
    if (Reduced)
      continue;
    if (Parts >= Current.size() || BudgetSpent)
      break;
    Parts = std::min(2 * Parts, Current.size());
  }
  M.Complete = !BudgetSpent;

  std::vector<bool> Keep = maskOf(Current);
  Trial Minimal = Tried.at(Keep);
  // A new program: its score counts only once confirmed where it cannot
  // reach the evaluator, as a would-be best's does in the run.
  if (Keep != All && S.ConfirmBests) {
    eval::Evaluation Reported;
    Reported.Status = Minimal.St;
    Reported.Feasible = Minimal.Feasible;
    Reported.Score = Minimal.Score;
    Program P = patch::applyHunks(Base, Hunks, Keep);
    Expected<eval::Evaluation> C =
        Ev.confirm(filesOf(P), eval::Side::Train, Reported);
    if (!C)
      return C.takeError();
    ++Evaluations;
    // Its score did not hold in a process of its own (or that run did not
    // finish): only the best, whole, is known to keep the score.
    if (C->Status == Status::RewardHacking) {
      M.Unconfirmed = C->ConfirmNote;
      Keep = All;
      Minimal = *Again;
    }
  }
  M.Minimal = patch::applyHunks(Base, Hunks, Keep);
  M.MinimalScore = Minimal.Score;

  for (size_t I = 0; I < N; ++I) {
    HunkOutcome H;
    H.Hunk = Hunks[I];
    H.Kept = Keep[I];
    std::vector<bool> Without = All;
    Without[I] = false;
    const Trial &T = Tried.at(Without);
    H.StatusWithout = T.St;
    H.FeasibleWithout = T.Feasible;
    H.ScoreWithout = T.Score;
    const regions::Region *R = nullptr;
    for (const regions::Region &Candidate : Sources.regions())
      if (Candidate.Name == Hunks[I].Region)
        R = &Candidate;
    if (R) {
      std::vector<bool> Only(N, false);
      Only[I] = true;
      std::map<std::string, std::string> Files =
          Sources.materialize(patch::applyHunks(Base, Hunks, Only)).Files;
      H.File = relativeName(R->File, S.BaseDir);
      std::string Diff =
          patch::unifiedDiff(Sources.files().at(R->File), Files.at(R->File),
                             "a/" + H.File, "b/" + H.File);
      // The file is named apart; the hunk starts at its "@@" line.
      size_t At = Diff.find("@@");
      H.Text = At == std::string::npos ? Diff : Diff.substr(At);
    }
    M.Hunks.push_back(std::move(H));
  }
  return Finish();
}

} // namespace

Expected<Minimization> minimize(const spec::Spec &S,
                                const candidate::Sources &Sources,
                                eval::Evaluator &Ev,
                                const MinimizeSubject &Best,
                                const MinimizeOptions &Options) {
  MinimizeOptions O = Options;
  // Every subset is a program of its own, never the duplicate of one the
  // run saw.
  llvm::erase_value(O.Passes, "fingerprint");
  return Minimizer(S, Sources, Ev, Best, O).run();
}

Expected<Program> savedMinimal(StringRef RunDir,
                               const candidate::Sources &Sources,
                               StringRef BaseDir, const MinimizeSubject &Best) {
  SmallString<256> Path(RunDir);
  sys::path::append(Path, "minimize.json");
  auto Bad = [&](const Twine &Why) {
    return createStringError(inconvertibleErrorCode(), "%s",
                             ("'" + Path + "' " + Why).str().c_str());
  };
  ErrorOr<std::unique_ptr<MemoryBuffer>> Text = MemoryBuffer::getFile(Path);
  if (!Text)
    return createStringError(
        Text.getError(),
        "the run in '%s' has no minimisation of its best (%s); make one "
        "with 'adrsc best %s --minimize'",
        RunDir.str().c_str(), Text.getError().message().c_str(),
        RunDir.str().c_str());
  Expected<json::Value> V = json::parse((*Text)->getBuffer());
  if (!V)
    return Bad("is not JSON: " + toString(V.takeError()));
  const json::Object *O = V->getAsObject();
  const json::Array *Hunks = O ? O->getArray("hunks") : nullptr;
  std::optional<int64_t> Id = O ? O->getInteger("candidate") : std::nullopt;
  std::optional<StringRef> Patch =
      O ? O->getString("minimal_patch") : std::nullopt;
  if (!Hunks || !Id || !Patch)
    return Bad("lacks 'candidate', 'hunks' or 'minimal_patch'");
  if (*Id != Best.Id)
    return Bad("minimises candidate #" + Twine(*Id) + ", but the run's best " +
               "is #" + Twine(Best.Id) + " now; run 'adrsc best " + RunDir +
               " --minimize' again");
  // The split is deterministic: the same hunks, in the same order, as the
  // minimisation saw; the kept ones make the minimal program.
  Program Base = Sources.baseline();
  std::vector<patch::Hunk> Split = patch::splitHunks(Base, Best.Regions);
  if (Split.size() != Hunks->size())
    return Bad("has " + Twine(Hunks->size()) + " hunks where the best has " +
               Twine(Split.size()));
  std::vector<bool> Keep;
  for (const json::Value &H : *Hunks) {
    const json::Object *HO = H.getAsObject();
    std::optional<bool> Kept = HO ? HO->getBoolean("kept") : std::nullopt;
    if (!Kept)
      return Bad("has a hunk without 'kept'");
    Keep.push_back(*Kept);
  }
  Program Minimal = patch::applyHunks(Base, Split, Keep);
  if (patch::diffFiles(Sources.files(), Sources.materialize(Minimal).Files,
                       BaseDir) != *Patch)
    return Bad("does not match the run: its minimal patch is not the kept "
               "hunks of the best; run 'adrsc best " +
               RunDir + " --minimize' again");
  return Minimal;
}

json::Value toJSON(const Minimization &M) {
  auto Number = [](const std::optional<double> &D) -> json::Value {
    if (D)
      return *D;
    return nullptr;
  };
  json::Array Hunks;
  for (const HunkOutcome &H : M.Hunks)
    Hunks.push_back(json::Object{{"file", H.File},
                                 {"text", H.Text},
                                 {"kept", H.Kept},
                                 {"score_without", Number(H.ScoreWithout)}});
  return json::Object{{"candidate", M.Candidate},
                      {"score", Number(M.Score)},
                      {"minimal_score", Number(M.MinimalScore)},
                      {"hunks", std::move(Hunks)},
                      {"minimal_patch", M.MinimalPatch}};
}

std::string describe(const Minimization &M) {
  if (M.Hunks.empty())
    return formatv("#{0} is the initial program; nothing to minimise",
                   M.Candidate);
  size_t Kept = count_if(M.Hunks, [](const HunkOutcome &H) { return H.Kept; });
  // No timings: the event is part of a run that a seed makes again.
  return formatv("#{0}: {1} of {2} hunks keep its score {3} "
                 "(minimal program: {4}){5}, {6} evaluations",
                 M.Candidate, Kept, M.Hunks.size(), scoreText(M.Score),
                 scoreText(M.MinimalScore),
                 M.Complete ? "" : " [evaluation budget spent: not minimal]",
                 M.Evaluations)
             .str() +
         (M.Unconfirmed.empty()
              ? std::string()
              : "; a smaller program was found but not confirmed in a "
                "process of its own (" +
                    M.Unconfirmed + "), so the best is kept whole");
}

Error saveMinimization(StringRef RunDir, store::RunStore &Store,
                       unsigned Session, double At, const Minimization &M) {
  SmallString<256> Json(RunDir), Best(RunDir);
  sys::path::append(Json, "minimize.json");
  sys::path::append(Best, "best");
  if (std::error_code EC = sys::fs::create_directories(Best))
    return createStringError(EC, "cannot create '%s'", Best.c_str());
  sys::path::append(Best, "minimal.patch");
  // Each file is written aside and renamed over the old one: a kill leaves
  // the previous file or the new one, never half of one.
  if (Error E = writeToOutput(Json, [&](raw_ostream &OS) {
        OS << formatv("{0:2}", toJSON(M)) << "\n";
        return Error::success();
      }))
    return E;
  if (Error E = writeToOutput(Best, [&](raw_ostream &OS) {
        OS << M.MinimalPatch;
        return Error::success();
      }))
    return E;
  Store.addEvent({At, Session, EventKind::Minimize, describe(M), M.Candidate});
  return Store.flush();
}

Expected<Minimization> minimizeRun(StringRef RunDir, const spec::Spec &S,
                                   const candidate::Sources &Sources,
                                   const MinimizeSubject &Best,
                                   MinimizeOptions Options) {
  Expected<RunDirectory> Dir = RunDirectory::lock(RunDir);
  if (!Dir)
    return Dir.takeError();
  std::string DB = Dir->databasePath();
  Expected<std::unique_ptr<store::RunStore>> RO =
      store::RunStore::openReadOnly(DB);
  if (!RO)
    return RO.takeError();
  auto Meta = [&](StringRef Key) -> Expected<std::string> {
    Expected<std::optional<std::string>> V = (*RO)->meta(Key);
    if (!V)
      return V.takeError();
    return V->value_or("");
  };
  Expected<std::string> Then = Meta("snapshot");
  if (!Then)
    return Then.takeError();
  // The files with regions may differ (an apply wrote them): the recorded
  // texts are what every program is laid out from.
  std::set<std::string> Regioned;
  for (const auto &[File, Text] : Sources.files())
    Regioned.insert(File);
  std::string Why =
      snapshotDifference(*Then, snapshot(S, Sources.files()), Regioned);
  if (!Why.empty())
    return createStringError(inconvertibleErrorCode(),
                             "cannot minimise the run in '%s': %s, and its "
                             "programs would not score as they did",
                             RunDir.str().c_str(), Why.c_str());
  Expected<std::string> BaselineRun = Meta("baseline_run_s");
  Expected<std::string> Sessions = Meta("sessions");
  Expected<std::string> Elapsed = Meta("elapsed_s");
  if (!BaselineRun || !Sessions || !Elapsed)
    return joinErrors(joinErrors(BaselineRun.takeError(), Sessions.takeError()),
                      Elapsed.takeError());
  RO->reset();

  // The zygote before any thread (the store's writer).
  std::unique_ptr<eval::Executor> Exec;
  if (S.Evaluator.Kind == spec::EvaluatorKind::Function) {
    Expected<std::unique_ptr<eval::Executor>> E =
        eval::Executor::start(S, Sources.regions());
    if (!E)
      return createStringError(inconvertibleErrorCode(),
                               "cannot prepare the evaluation: %s",
                               toString(E.takeError()).c_str());
    Exec = std::move(*E);
  }
  eval::Evaluator Ev(S, Exec.get());
  double Seconds = 0;
  if (!StringRef(*BaselineRun).getAsDouble(Seconds))
    Ev.setBaselineSeconds(Seconds);
  Expected<Minimization> M = minimize(S, Sources, Ev, Best, Options);
  if (!M)
    return M.takeError();
  Expected<std::unique_ptr<store::RunStore>> RW = store::RunStore::open(DB);
  if (!RW)
    return RW.takeError();
  unsigned Session = 0;
  double At = 0;
  (void)StringRef(*Sessions).getAsInteger(10, Session);
  (void)StringRef(*Elapsed).getAsDouble(At);
  if (Error E = saveMinimization(RunDir, **RW, Session, At, *M))
    return std::move(E);
  return M;
}

} // namespace evolve
} // namespace adrs
