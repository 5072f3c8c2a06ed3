//===- Report.cpp - Every figure of a run's report, once ------------------===//
//
// The figures come from the run database alone (opened read-only, so a
// running search keeps writing while a report or the dashboard reads) and
// from RUNDIR/minimize.json when `adrsc best --minimize` wrote one. Both are
// read as hostile: a candidate's text or a model's reply is only ever data.
//
//===----------------------------------------------------------------------===//

#include "adrs/Report/Report.h"

#include "adrs/Core/Program.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Search/Strategy.h"
#include "adrs/Spec/SpecLoader.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <functional>
#include <queue>

using namespace llvm;

namespace adrs {
namespace report {

namespace {

/// What is kept of a text that came from a candidate or a model.
constexpr size_t MaxEditBytes = 16 << 10;
constexpr size_t MaxMinimizeBytes = 4 << 20;
constexpr size_t MaxMinimizeHunks = 1000;

std::string capped(StringRef Text, size_t Max) {
  if (Text.size() <= Max)
    return Text.str();
  return Text.take_front(Max).str() + "\n... (" +
         std::to_string(Text.size() - Max) + " more bytes)";
}

/// The median of the values added so far, each added in O(log n): the
/// series asks for it after every candidate.
class RunningMedian {
public:
  void add(double V) {
    if (Low.empty() || V <= Low.top())
      Low.push(V);
    else
      High.push(V);
    if (Low.size() > High.size() + 1) {
      High.push(Low.top());
      Low.pop();
    } else if (High.size() > Low.size()) {
      Low.push(High.top());
      High.pop();
    }
  }
  std::optional<double> get() const {
    if (Low.empty())
      return std::nullopt;
    if (Low.size() > High.size())
      return Low.top();
    return (Low.top() + High.top()) / 2;
  }

private:
  std::priority_queue<double> Low; ///< The lower half, largest on top.
  std::priority_queue<double, std::vector<double>, std::greater<double>>
      High; ///< The upper half, smallest on top.
};

/// The spec as the run saw it (its text is in the snapshot), without
/// looking at the files it names: they may have changed since.
std::optional<spec::Spec> runSpec(store::RunStore &Store, StringRef BaseDir) {
  Expected<std::optional<std::string>> Snap = Store.meta("snapshot");
  if (!Snap) {
    consumeError(Snap.takeError());
    return std::nullopt;
  }
  json::Value V = parseOr(Snap->value_or(""));
  const json::Object *O = V.getAsObject();
  if (!O)
    return std::nullopt;
  std::optional<StringRef> Text = O->getString("spec");
  if (!Text)
    return std::nullopt;
  SourceMgr SM;
  std::string Ignored;
  raw_string_ostream OS(Ignored);
  DiagnosticEngine Diags(SM, OS);
  spec::LoadOptions Options;
  Options.CheckFiles = false;
  Expected<spec::Spec> S =
      spec::parseSpec(*Text, "spec.adrs", BaseDir, Diags, Options);
  if (!S) {
    consumeError(S.takeError());
    return std::nullopt;
  }
  // What the command line said instead of the spec's text.
  if (std::optional<StringRef> Name = O->getString("strategy"))
    if (std::optional<spec::SearchStrategy> K = spec::strategyNamed(*Name))
      S->Search.Strategy = *K;
  if (std::optional<StringRef> Start = O->getString("start-from-baselines"))
    S->Search.StartFromBaselines = *Start == "on";
  return std::move(*S);
}

/// minimize.json as `adrsc best --minimize` writes it, checked field by
/// field; an explanation instead when it is not that.
json::Value readMinimize(StringRef Dir, std::string &Problem) {
  SmallString<256> Path(Dir);
  sys::path::append(Path, "minimize.json");
  if (!sys::fs::exists(Path))
    return nullptr;
  uint64_t Size = 0;
  if (sys::fs::file_size(Path, Size) || Size > MaxMinimizeBytes) {
    Problem = "minimize.json is larger than " +
              std::to_string(MaxMinimizeBytes) + " bytes";
    return nullptr;
  }
  ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(Path);
  if (!B) {
    Problem = "cannot read minimize.json: " + B.getError().message();
    return nullptr;
  }
  Expected<json::Value> V = json::parse((*B)->getBuffer());
  if (!V) {
    Problem = "minimize.json is not JSON: " + toString(V.takeError());
    return nullptr;
  }
  const json::Object *O = V->getAsObject();
  const json::Array *Hunks = O ? O->getArray("hunks") : nullptr;
  if (!O || !O->getInteger("candidate") || !O->getNumber("score") ||
      !O->getNumber("minimal_score") || !Hunks ||
      !O->getString("minimal_patch") || Hunks->size() > MaxMinimizeHunks) {
    Problem = "minimize.json does not have the fields candidate, score, "
              "minimal_score, hunks and minimal_patch";
    return nullptr;
  }
  json::Array Checked;
  for (const json::Value &H : *Hunks) {
    const json::Object *HO = H.getAsObject();
    if (!HO || !HO->getString("file") || !HO->getString("text") ||
        !HO->getBoolean("kept")) {
      Problem = "a hunk of minimize.json lacks file, text or kept";
      return nullptr;
    }
    // Owned copies: V, which the StringRefs point into, goes away.
    json::Object Hunk{{"file", HO->getString("file")->str()},
                      {"text", HO->getString("text")->str()},
                      {"kept", *HO->getBoolean("kept")}};
    if (std::optional<double> W = HO->getNumber("score_without"))
      Hunk["score_without"] = *W;
    else
      Hunk["score_without"] = nullptr;
    Checked.push_back(std::move(Hunk));
  }
  return json::Object{{"candidate", *O->getInteger("candidate")},
                      {"score", *O->getNumber("score")},
                      {"minimal_score", *O->getNumber("minimal_score")},
                      {"hunks", std::move(Checked)},
                      {"minimal_patch", O->getString("minimal_patch")->str()}};
}

void readTest(CandidateView &V, StringRef TestJSON) {
  json::Value T = parseOr(TestJSON);
  const json::Object *O = T.getAsObject();
  if (!O)
    return;
  V.TestEvaluated = true;
  V.TestScore = O->getNumber("score");
  V.TestFeasible = O->getBoolean("feasible").value_or(false);
}

} // namespace

Expected<ReportData> collectReport(RunResult &Run, StringRef Dir,
                                   const Parameters &P) {
  store::RunStore &Store = *Run.Store;
  ReportData R;
  R.RunDir = Dir.str();
  R.StopReason = Run.StopReason;
  R.BestId = Run.Best.Id;
  R.Front = Run.Front;
  R.BestDiff = patch::diffFiles(Run.Files, Run.Program.Files, Run.BaseDir);

  std::optional<spec::Spec> Spec = runSpec(Store, Run.BaseDir);
  if (Spec) {
    R.Problem = Spec->Name;
    R.Strategy = spec::toString(Spec->Search.Strategy).str();
    R.StartedFromBaselines = Spec->Search.StartFromBaselines;
    for (const spec::FeatureDimension &F : Spec->Search.Features)
      R.GridDimensions.push_back({F.Name, std::max(1u, F.Bins)});
  } else {
    R.NotRecorded.push_back("the spec in the run's snapshot cannot be read: "
                            "no strategy, grid or feature dimensions");
  }
  // The islands strategy bins these two pass features when the spec names
  // no dimension (lib/Search/Strategy.cpp).
  if (R.GridDimensions.empty())
    R.GridDimensions = {{"complexity", 10}, {"length", 10}};
  if (R.Problem.empty()) {
    Expected<std::optional<std::string>> Name = Store.meta("problem");
    if (!Name)
      return Name.takeError();
    R.Problem = Name->value_or("");
  }
  Expected<std::optional<std::string>> Elapsed = Store.meta("elapsed_s");
  if (!Elapsed)
    return Elapsed.takeError();
  if (*Elapsed)
    StringRef(**Elapsed).getAsDouble(R.Elapsed);

  // One pass over the candidates gives the series and the views.
  std::vector<CandidateView> Views;
  RunningMedian Trains, Tests;
  std::optional<search::Member> Best;
  std::optional<double> BestTest;
  // A candidate skipped before its parse (the exact text of an earlier one)
  // has no fingerprint of its own: it is the earlier one's program.
  std::map<uint64_t, std::string> FingerprintOfText;
  uint64_t Untimed = 0; ///< Proposals made before they were timed.
  if (Error E = Store.forEachCandidate(true, [&](store::Candidate &&C) {
        CandidateView V;
        V.Id = C.Id;
        V.Seq = C.Seq;
        V.Parents = C.Parents;
        V.Island = C.Island;
        V.Status = C.Status;
        V.Feasible = C.Feasible;
        V.Score = C.Score;
        V.Fingerprint = C.Fingerprint;
        uint64_t Text = textKey(C.Regions);
        if (!V.Fingerprint.empty())
          FingerprintOfText.emplace(Text, V.Fingerprint);
        else if (auto It = FingerprintOfText.find(Text);
                 It != FingerprintOfText.end() && !C.Regions.empty())
          V.Fingerprint = It->second;
        V.Features = C.Features;
        V.Reason = C.Reason.substr(0, 4096);
        V.FinishedAt = C.FinishedAt;
        readTest(V, C.TestJSON);
        ++R.Statuses[toString(C.Status).str()];
        if (C.ProposalMs) {
          R.ProposalMs += *C.ProposalMs;
          ++R.ProposalsTimed;
        } else if (C.Id != 0 && C.Generator != "cmaes") {
          ++Untimed; // a tuned program's proposal is its tuning
        }
        json::Value Result = parseOr(C.ResultJSON);
        if (const json::Object *O = Result.getAsObject()) {
          // At most one per stage and repeat: a stored value outside that
          // is not counted.
          std::optional<int64_t> Reused = O->getInteger("compiles_reused");
          if (Reused && *Reused > 0 && *Reused <= 1000)
            R.CompilesReused += uint64_t(*Reused);
          if (const json::Object *T = O->getObject("timings_ms")) {
            R.CompileMs += T->getNumber("compile").value_or(0);
            R.LinkMs += T->getNumber("link").value_or(0);
            R.RunMs += T->getNumber("run").value_or(0);
            R.EvaluationWallMs += T->getNumber("wall").value_or(0);
          }
        }
        search::Member M;
        M.Id = C.Id;
        M.Status = C.Status;
        M.Feasible = C.Feasible;
        M.Score = C.Score;
        if (M.scored()) {
          Trains.add(*C.Score);
          if (!Best || search::better(M, *Best)) {
            Best = M;
            BestTest = V.TestScore;
          }
        }
        if (V.TestScore)
          Tests.add(*V.TestScore);
        SeriesPoint S;
        S.Seq = C.Seq;
        S.Id = C.Id;
        S.At = C.FinishedAt;
        S.Status = C.Status;
        S.Score = M.scored() ? C.Score : std::nullopt;
        S.Feasible = C.Feasible;
        if (Best)
          S.BestTrain = Best->Score;
        S.MedianTrain = Trains.get();
        S.BestTest = BestTest;
        S.MedianTest = Tests.get();
        R.Series.push_back(S);
        Views.push_back(std::move(V));
      }))
    return E;
  R.Candidates = Views.empty() ? 0 : Views.size() - 1;
  Expected<std::vector<store::Proposal>> Pending = Store.pending();
  if (!Pending)
    return Pending.takeError();
  R.Pending = Pending->size();

  // The baseline and the spec's references.
  json::Value BaseTrain = parseOr(Run.Baseline.ResultJSON);
  json::Value BaseTest = parseOr(Run.Baseline.TestJSON);
  if (const json::Object *O = BaseTrain.getAsObject())
    R.BaselineTrain = O->getNumber("score");
  if (const json::Object *O = BaseTest.getAsObject())
    R.BaselineTest = O->getNumber("score");
  Expected<std::optional<std::string>> RefText = Store.meta("references");
  if (!RefText)
    return RefText.takeError();
  json::Value Refs = parseOr(RefText->value_or(""));
  if (const json::Object *O = Refs.getAsObject())
    for (const auto &[Name, V] : *O) {
      Reference Ref;
      Ref.Name = Name.str();
      if (const json::Object *E = V.getAsObject()) {
        if (const json::Object *T = E->getObject("train"))
          Ref.Train = T->getNumber("score");
        if (const json::Object *T = E->getObject("test"))
          Ref.Test = T->getNumber("score");
      }
      R.References.push_back(std::move(Ref));
    }

  // The best, as `adrsc best --format=json` summarises it.
  R.Best = summary(parseOr(Run.Best.ResultJSON));
  R.Best["candidate"] = Run.Best.Id;
  R.Best["generator"] = Run.Best.Generator;
  R.Best["operator"] = Run.Best.Operator;
  R.Best["description"] = Run.Best.Description;
  R.Best["found_after_s"] = Run.Best.FinishedAt;
  R.Best["test"] = summary(parseOr(Run.Best.TestJSON));

  // The lineage: first parents from the baseline to the best.
  Expected<std::vector<store::Candidate>> Line = Store.lineage(Run.Best.Id);
  if (!Line)
    return Line.takeError();
  for (const store::Candidate &C : *Line) {
    LineageStep S;
    S.Id = C.Id;
    S.Generator = C.Generator;
    S.Operator = C.Operator;
    S.Description = capped(C.Description, 1000);
    S.Edit = capped(C.Edit, MaxEditBytes);
    S.Score = C.Score;
    S.Status = C.Status;
    if (!R.Lineage.empty() && S.Score && R.Lineage.back().Score)
      S.Change = *S.Score - *R.Lineage.back().Score;
    R.Lineage.push_back(std::move(S));
  }

  // The MAP-Elites grids: each island's best program per cell, binned over
  // the ranges the whole run reached.
  R.Failures = classifyFailures(Views, P);
  R.Health = searchHealth(Views, R.GridDimensions, P);
  if (Spec && Spec->Search.Strategy == spec::SearchStrategy::Islands) {
    std::vector<std::pair<double, double>> Ranges;
    for (const Dimension &D : R.GridDimensions) {
      double Low = 0, High = 0;
      bool Seen = false;
      for (const CandidateView &V : Views) {
        auto It = V.Features.find(D.Name);
        if (It == V.Features.end())
          continue;
        Low = Seen ? std::min(Low, It->second) : It->second;
        High = Seen ? std::max(High, It->second) : It->second;
        Seen = true;
      }
      Ranges.push_back({Low, High});
    }
    std::map<int, std::map<std::vector<unsigned>, GridCell>> ByIsland;
    for (const CandidateView &V : Views) {
      if (!ranToTheEnd(V.Status) || !V.Score)
        continue;
      GridCell Cell;
      for (size_t I = 0; I < R.GridDimensions.size(); ++I) {
        auto It = V.Features.find(R.GridDimensions[I].Name);
        double X = It == V.Features.end() ? Ranges[I].first : It->second;
        Cell.Key.push_back(binOf(X, Ranges[I].first, Ranges[I].second,
                                 R.GridDimensions[I].Bins));
      }
      Cell.Id = V.Id;
      Cell.Score = *V.Score;
      Cell.Feasible = V.Feasible;
      auto [It, New] = ByIsland[V.Island].emplace(Cell.Key, Cell);
      search::Member A, B;
      A.Id = V.Id, A.Status = V.Status, A.Feasible = V.Feasible;
      A.Score = V.Score;
      B.Id = It->second.Id, B.Status = Status::OK;
      B.Feasible = It->second.Feasible, B.Score = It->second.Score;
      if (!New && search::better(A, B))
        It->second = Cell;
    }
    for (auto &[Island, Cells] : ByIsland) {
      IslandGrid G;
      G.Island = Island;
      for (auto &[K, C] : Cells)
        G.Cells.push_back(C);
      R.Grids.push_back(std::move(G));
    }
  }

  // Every tuning has its event. A session of schema 4 or later also
  // wrote its row; the events without one come first, from the sessions
  // before (a run database migrated from an older version), and give
  // their line only.
  Expected<std::vector<Event>> Events = Store.events();
  if (!Events)
    return Events.takeError();
  Expected<std::vector<store::TuningRecord>> Rows = Store.tunings();
  if (!Rows)
    return Rows.takeError();
  size_t TuneEvents = llvm::count_if(
      *Events, [](const Event &E) { return E.Kind == EventKind::Tune; });
  R.TuningsWithLineOnly =
      TuneEvents > Rows->size() ? TuneEvents - Rows->size() : 0;
  for (const Event &E : *Events) {
    if (E.Kind != EventKind::Tune || R.Tunings.size() == R.TuningsWithLineOnly)
      continue;
    store::TuningRecord T;
    T.Subject = E.Subject.value_or(0);
    T.At = E.At;
    T.Session = E.Session;
    T.Summary = E.Detail;
    R.Tunings.push_back(std::move(T));
  }
  for (store::TuningRecord &T : *Rows) {
    R.TuningMs += T.WallMs;
    R.Tunings.push_back(std::move(T));
  }
  for (store::TuningRecord &T : R.Tunings) {
    T.Summary = capped(T.Summary, 1000);
    T.Failure = capped(T.Failure, 1000);
  }
  if (Store.schemaVersion() < 4 || R.TuningsWithLineOnly || Untimed)
    R.NotRecorded.push_back(
        "proposal times, and the CMA-ES tunings' best step, coverage, "
        "normalised trajectory length and time: sessions of an adrsc before "
        "run database schema version 4 did not record them (" +
        std::to_string(Untimed) + " proposals and " +
        std::to_string(R.TuningsWithLineOnly) +
        " tunings here); the report gives what they did record");

  Expected<std::map<std::string, store::ModelUsage>> Usage =
      Store.usageByModel();
  if (!Usage)
    return Usage.takeError();
  R.Models = std::move(*Usage);
  R.Minimize = readMinimize(Dir, R.MinimizeProblem);
  if (const json::Object *M = R.Minimize.getAsObject())
    if (M->getInteger("candidate") != R.BestId)
      R.MinimizeProblem =
          formatv("minimize.json is about candidate #{0}, and the best is now "
                  "#{1}: run 'adrsc best --minimize' again",
                  M->getInteger("candidate").value_or(0), R.BestId)
              .str();
  return R;
}

static json::Value number(const std::optional<double> &V) {
  return V ? json::Value(*V) : json::Value(nullptr);
}

json::Value toJSON(const ReportData &R) {
  json::Array Series;
  for (const SeriesPoint &S : R.Series)
    Series.push_back(json::Object{{"seq", S.Seq},
                                  {"candidate", S.Id},
                                  {"at_s", S.At},
                                  {"status", toString(S.Status)},
                                  {"score", number(S.Score)},
                                  {"feasible", S.Feasible},
                                  {"best_train", number(S.BestTrain)},
                                  {"median_train", number(S.MedianTrain)},
                                  {"best_test", number(S.BestTest)},
                                  {"median_test", number(S.MedianTest)}});
  json::Array References;
  for (const Reference &Ref : R.References)
    References.push_back(json::Object{{"name", Ref.Name},
                                      {"train", number(Ref.Train)},
                                      {"test", number(Ref.Test)}});
  json::Array Lineage;
  for (const LineageStep &S : R.Lineage)
    Lineage.push_back(json::Object{{"candidate", S.Id},
                                   {"generator", S.Generator},
                                   {"operator", S.Operator},
                                   {"description", S.Description},
                                   {"status", toString(S.Status)},
                                   {"score", number(S.Score)},
                                   {"change", number(S.Change)},
                                   {"edit", S.Edit}});
  json::Array Front;
  for (const auto &[Id, Objectives] : R.Front)
    Front.push_back(json::Object{{"candidate", Id},
                                 {"objectives", json::Array(Objectives)}});
  json::Array Dims;
  for (const Dimension &D : R.GridDimensions)
    Dims.push_back(json::Object{{"name", D.Name}, {"bins", int64_t(D.Bins)}});
  json::Array Grids;
  for (const IslandGrid &G : R.Grids) {
    json::Array Cells;
    for (const GridCell &C : G.Cells) {
      json::Array Key;
      for (unsigned K : C.Key)
        Key.push_back(int64_t(K));
      Cells.push_back(json::Object{{"cell", std::move(Key)},
                                   {"candidate", C.Id},
                                   {"score", C.Score},
                                   {"feasible", C.Feasible}});
    }
    Grids.push_back(
        json::Object{{"island", G.Island}, {"cells", std::move(Cells)}});
  }
  json::Array Failures;
  for (const FailureFigure &F : R.Failures)
    Failures.push_back(json::Object{
        {"class", toString(F.Class)},
        {"title", title(F.Class)},
        {"count", int64_t(F.Count)},
        {"definition", F.Definition},
        {"example", F.Example ? json::Value(*F.Example) : json::Value(nullptr)},
        {"example_why", F.ExampleWhy}});
  json::Array Windows;
  for (const HealthWindow &W : R.Health.Windows)
    Windows.push_back(
        json::Object{{"first_seq", W.FirstSeq},
                     {"last_seq", W.LastSeq},
                     {"candidates", int64_t(W.Candidates)},
                     {"distinct_fingerprints", int64_t(W.DistinctFingerprints)},
                     {"new_fingerprints", int64_t(W.NewFingerprints)},
                     {"coverage", W.Coverage},
                     {"best", number(W.Best)},
                     {"improved", W.Improved}});
  json::Array HealthDims;
  for (const Dimension &D : R.Health.Dimensions)
    HealthDims.push_back(
        json::Object{{"name", D.Name}, {"bins", int64_t(D.Bins)}});
  json::Array Tunings;
  for (size_t I = 0; I < R.Tunings.size(); ++I) {
    const store::TuningRecord &T = R.Tunings[I];
    // An older session's tuning has its line only: no figure is not zero.
    bool Detailed = I >= R.TuningsWithLineOnly;
    auto Count = [&](uint64_t N) {
      return Detailed ? json::Value(int64_t(N)) : nullptr;
    };
    Tunings.push_back(json::Object{
        {"candidate", T.Subject},
        {"at_s", T.At},
        {"constants", Count(T.Constants)},
        {"evaluations", Count(T.Evaluations)},
        {"budget", Count(T.Budget)},
        {"initial_score", number(T.InitialScore)},
        {"best_score", number(T.BestScore)},
        {"best_step", T.BestStep ? json::Value(*T.BestStep) : nullptr},
        {"coverage", number(T.Coverage)},
        {"trajectory_length", number(T.TrajectoryLength)},
        {"wall_ms", Detailed ? json::Value(T.WallMs) : nullptr},
        {"failure", T.Failure},
        {"summary", T.Summary}});
  }
  json::Object Statuses;
  for (const auto &[K, N] : R.Statuses)
    Statuses[K] = int64_t(N);
  json::Object Models;
  double CostUSD = 0;
  for (const auto &[Model, U] : R.Models) {
    Models[Model] =
        json::Object{{"requests", int64_t(U.Requests)},
                     {"prompt_tokens", int64_t(U.PromptTokens)},
                     {"completion_tokens", int64_t(U.CompletionTokens)},
                     {"cost_usd", U.CostUSD}};
    CostUSD += U.CostUSD;
  }
  double PerSecond = R.Elapsed > 0 ? double(R.Candidates) / R.Elapsed : 0;
  return json::Object{
      {"problem", R.Problem},
      {"run_dir", R.RunDir},
      {"strategy", R.Strategy},
      {"started_from_baselines", R.StartedFromBaselines},
      {"stop_reason", R.StopReason},
      {"candidates", int64_t(R.Candidates)},
      {"pending", int64_t(R.Pending)},
      {"elapsed_s", R.Elapsed},
      {"statuses", std::move(Statuses)},
      {"series", std::move(Series)},
      {"baseline", json::Object{{"train", number(R.BaselineTrain)},
                                {"test", number(R.BaselineTest)}}},
      {"references", std::move(References)},
      {"best", json::Object(R.Best)},
      {"diff", R.BestDiff},
      {"lineage", std::move(Lineage)},
      {"pareto_front", std::move(Front)},
      {"grid_dimensions", std::move(Dims)},
      {"grids", std::move(Grids)},
      {"failures", std::move(Failures)},
      {"health", json::Object{{"best_candidate", R.Health.BestId},
                              {"best_found_at_seq", R.Health.BestSeq},
                              {"candidates", int64_t(R.Health.Candidates)},
                              {"distinct_fingerprints",
                               int64_t(R.Health.DistinctFingerprints)},
                              {"dimensions", std::move(HealthDims)},
                              {"cells", int64_t(R.Health.Cells)},
                              {"cells_visited", int64_t(R.Health.CellsVisited)},
                              {"window", int64_t(R.Health.Window)},
                              {"windows", std::move(Windows)},
                              {"tunings", std::move(Tunings)}}},
      {"throughput",
       json::Object{{"candidates_per_second", PerSecond},
                    {"proposal_ms", R.ProposalMs},
                    {"proposals_timed", int64_t(R.ProposalsTimed)},
                    {"tuning_ms", R.TuningMs},
                    {"compile_ms", R.CompileMs},
                    {"compiles_reused", int64_t(R.CompilesReused)},
                    {"link_ms", R.LinkMs},
                    {"run_ms", R.RunMs},
                    {"evaluation_wall_ms", R.EvaluationWallMs}}},
      {"models", std::move(Models)},
      {"cost_usd", CostUSD},
      {"minimize", json::Value(R.Minimize)},
      {"minimize_problem", R.MinimizeProblem},
      {"not_recorded", json::Array(R.NotRecorded)}};
}

} // namespace report
} // namespace adrs
