//===- ResultCommands.cpp - adrsc best, adrsc apply -----------------------===//
//
// Both read a run directory only: the database holds the sources as they
// were when the run started and where the regions were, so neither needs
// the spec, a compiler or the simulator.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Evolve/Minimize.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Report/Report.h"
#include "adrs/Store/RunStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> BestDir(cl::Positional, cl::Required,
                                    cl::desc("<run directory>"),
                                    cl::sub(BestCmd), cl::cat(AdrsCategory));

static cl::opt<OutputFormat> BestFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text",
                          "a table and the diff (default)"),
               clEnumValN(OutputFormat::JSON, "json",
                          "candidate, iteration_found, score, feasible, "
                          "metrics, test, baseline, diff, ...")),
    cl::init(OutputFormat::Text), cl::sub(BestCmd), cl::cat(AdrsCategory));

static cl::opt<bool> BestMinimize(
    "minimize",
    cl::desc("Find which hunks of the best's diff keep its score (delta "
             "debugging, each subset evaluated as the run evaluates), and "
             "each hunk's contribution; saved as minimize.json and "
             "best/minimal.patch in the run directory"),
    cl::sub(BestCmd), cl::cat(AdrsCategory));

static cl::opt<unsigned> BestMaxEvaluations(
    "max-evaluations",
    cl::desc("With --minimize: at most this many evaluations beyond one per "
             "hunk (default: 200)"),
    cl::value_desc("N"), cl::init(200), cl::sub(BestCmd),
    cl::cat(AdrsCategory));

static cl::opt<std::string> ApplyDir(cl::Positional, cl::Required,
                                     cl::desc("<run directory>"),
                                     cl::sub(ApplyCmd), cl::cat(AdrsCategory));

static cl::opt<bool> ApplyForce(
    "force",
    cl::desc("Write even over sources that changed since the run started"),
    cl::sub(ApplyCmd), cl::cat(AdrsCategory));

static cl::opt<bool> ApplyMinimal(
    "minimal",
    cl::desc("Write the minimal form of the best (its hunks that keep the "
             "score; 'adrsc best DIR --minimize' or the end of the run "
             "made it)"),
    cl::sub(ApplyCmd), cl::cat(AdrsCategory));

static cl::opt<bool> ApplyDryRun("dry-run",
                                 cl::desc("Say what would be written, and "
                                          "write nothing"),
                                 cl::sub(ApplyCmd), cl::cat(AdrsCategory));

using report::loadRun;
using report::parseOr;
using report::RunResult;
using report::summary;

namespace {

void printScores(raw_ostream &OS, StringRef Label, const json::Object &E) {
  OS << formatv("{0,-10}", Label);
  if (std::optional<double> S = E.getNumber("score"))
    OS << format("score %.4f", *S);
  else
    OS << "score -";
  OS << "  " << E.getString("status").value_or("?");
  if (E.getBoolean("feasible").value_or(false))
    OS << " (feasible)";
  if (const json::Object *C = E.getObject("confirmation")) {
    StringRef Status = C->getString("status").value_or("");
    if (Status == "confirmed")
      OS << ", confirmed in a process of its own";
    else if (Status == "not_confirmable" || Status == "out_of_time")
      OS << ", not confirmed: " << C->getString("note").value_or("");
  }
  OS << "\n";
  if (const json::Object *M = E.getObject("metrics")) {
    std::vector<std::string> Keys;
    for (const auto &[K, V] : *M)
      Keys.push_back(K.str());
    llvm::sort(Keys);
    for (const std::string &K : Keys)
      OS << formatv("{0,-10}  {1,-20}{2}\n", "", K,
                    format("%14.4f", M->getNumber(K).value_or(0)));
  }
}

evolve::MinimizeSubject subjectOf(const RunResult &R) {
  evolve::MinimizeSubject Subject;
  Subject.Id = R.Best.Id;
  Subject.Regions = R.Best.Regions;
  Subject.Score = R.Best.Score;
  Subject.Feasible = R.Best.Feasible;
  return Subject;
}

/// Minimises the run's best with the spec the run was made from.
Expected<evolve::Minimization> minimizeBest(RunResult &R) {
  Expected<std::optional<std::string>> SpecPath = R.Store->meta("spec_path");
  if (!SpecPath)
    return SpecPath.takeError();
  if (!*SpecPath || (*SpecPath)->empty())
    return createStringError(inconvertibleErrorCode(),
                             "the run database does not say which spec made "
                             "the run");
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  std::optional<spec::Spec> Spec = loadSpecOrReport(**SpecPath, Diags);
  if (!Spec)
    return createStringError(inconvertibleErrorCode(),
                             "the run's spec '%s' cannot be read, and "
                             "minimising evaluates programs with it",
                             (*SpecPath)->c_str());
  evolve::MinimizeOptions O;
  O.Passes = passes::defaultPasses();
  O.MaxEvaluations = BestMaxEvaluations;
  return evolve::minimizeRun(BestDir, *Spec, *R.Recorded, subjectOf(R), O);
}

void printMinimization(raw_ostream &OS, const evolve::Minimization &M,
                       StringRef Dir) {
  OS << "\nminimal   " << evolve::describe(M) << "\n";
  for (size_t I = 0; I < M.Hunks.size(); ++I) {
    const evolve::HunkOutcome &H = M.Hunks[I];
    OS << formatv("hunk {0,-4} {1,-8} {2}  without it: ", I + 1,
                  H.Kept ? "kept" : "dropped", H.File);
    if (H.ScoreWithout)
      OS << format("score %.4f", *H.ScoreWithout);
    else
      OS << "no score";
    OS << " (" << toString(H.StatusWithout) << ")\n" << H.Text;
  }
  if (!M.Hunks.empty())
    OS << "minimal patch: " << Dir << "/best/minimal.patch\n";
}

} // namespace

int runBest() {
  Expected<RunResult> R = loadRun(BestDir);
  if (!R) {
    WithColor::error(errs(), "adrsc") << toString(R.takeError()) << "\n";
    return ExitFailed;
  }
  std::optional<evolve::Minimization> Minimized;
  if (BestMinimize) {
    Expected<evolve::Minimization> M = minimizeBest(*R);
    if (!M) {
      WithColor::error(errs(), "adrsc") << toString(M.takeError()) << "\n";
      return ExitFailed;
    }
    Minimized = std::move(*M);
  }
  std::string Diff = patch::diffFiles(R->Files, R->Program.Files, R->BaseDir);
  json::Value Train = parseOr(R->Best.ResultJSON);
  json::Value Test = parseOr(R->Best.TestJSON);
  json::Value BaseTrain = parseOr(R->Baseline.ResultJSON);
  json::Value BaseTest = parseOr(R->Baseline.TestJSON);
  json::Object Baseline = summary(BaseTrain);
  Baseline["test"] = summary(BaseTest);
  json::Array Parents;
  for (int64_t P : R->Best.Parents)
    Parents.push_back(P);
  json::Object Out = summary(Train);
  Out["candidate"] = R->Best.Id;
  Out["iteration_found"] = R->Best.Id;
  Out["found_after_s"] = R->Best.FinishedAt;
  Out["parents"] = std::move(Parents);
  Out["generator"] = R->Best.Generator;
  Out["operator"] = R->Best.Operator;
  Out["description"] = R->Best.Description;
  Out["feasible"] = R->Best.Feasible;
  Out["test"] = summary(Test);
  Out["baseline"] = std::move(Baseline);
  Out["candidates"] = int64_t(R->Candidates ? R->Candidates - 1 : 0);
  json::Object References;
  Expected<std::optional<std::string>> RefText = R->Store->meta("references");
  if (!RefText) {
    WithColor::error(errs(), "adrsc") << toString(RefText.takeError()) << "\n";
    return ExitFailed;
  }
  json::Value Refs = parseOr(RefText->value_or(""));
  if (const json::Object *O = Refs.getAsObject())
    for (const auto &[Name, V] : *O)
      if (const json::Object *Ref = V.getAsObject()) {
        json::Object Entry = summary(Ref->get("train") ? *Ref->get("train")
                                                       : json::Value(nullptr));
        Entry["test"] = summary(Ref->get("test") ? *Ref->get("test")
                                                 : json::Value(nullptr));
        References[Name] = std::move(Entry);
      }
  json::Object RefCopy = References;
  Out["stop_reason"] = R->StopReason;
  Out["diff"] = Diff;
  if (!R->Front.empty()) {
    json::Array Front;
    for (const auto &[Id, Objectives] : R->Front)
      Front.push_back(json::Object{{"candidate", Id},
                                   {"objectives", json::Array(Objectives)}});
    Out["pareto_front"] = std::move(Front);
  }
  Out["references"] = std::move(References);
  Expected<std::map<std::string, store::ModelUsage>> Usage =
      R->Store->usageByModel();
  if (!Usage) {
    WithColor::error(errs(), "adrsc") << toString(Usage.takeError()) << "\n";
    return ExitFailed;
  }
  json::Object Models;
  double CostUSD = 0;
  for (const auto &[Model, U] : *Usage) {
    Models[Model] =
        json::Object{{"requests", int64_t(U.Requests)},
                     {"prompt_tokens", int64_t(U.PromptTokens)},
                     {"completion_tokens", int64_t(U.CompletionTokens)},
                     {"cost_usd", U.CostUSD}};
    CostUSD += U.CostUSD;
  }
  Out["models"] = std::move(Models);
  Out["cost_usd"] = CostUSD;
  if (Minimized)
    Out["minimize"] = evolve::toJSON(*Minimized);
  if (BestFormat == OutputFormat::JSON) {
    outs() << formatv("{0:2}", json::Value(std::move(Out))) << "\n";
    return R->Best.Feasible ? ExitOK : ExitFailed;
  }
  outs() << "best      candidate #" << R->Best.Id << " of "
         << (R->Candidates ? R->Candidates - 1 : 0) << " (" << R->Best.Generator
         << (R->Best.Operator.empty() ? "" : " " + R->Best.Operator) << ")\n";
  if (!R->Best.Description.empty())
    outs() << "edit      " << R->Best.Description << "\n";
  printScores(outs(), "train", summary(Train));
  printScores(outs(), "test", summary(Test));
  printScores(outs(), "baseline", summary(BaseTrain));
  printScores(outs(), "  test", summary(BaseTest));
  for (const auto &[Name, V] : RefCopy)
    if (const json::Object *Ref = V.getAsObject()) {
      outs() << "reference " << Name << "\n";
      printScores(outs(), "  train", *Ref);
      if (const json::Object *T = Ref->getObject("test"))
        printScores(outs(), "  test", *T);
    }
  printModelUsage(outs(), *Usage);
  if (!R->Front.empty()) {
    outs() << "pareto    " << R->Front.size()
           << " candidates no other beats on every objective:";
    for (const auto &[Id, Objectives] : R->Front)
      outs() << " #" << Id;
    outs() << "\n";
  }
  outs() << (Diff.empty() ? "diff      none: the best is the initial program\n"
                          : "\n" + Diff);
  if (Minimized)
    printMinimization(outs(), *Minimized, BestDir);
  return R->Best.Feasible ? ExitOK : ExitFailed;
}

int runApply() {
  Expected<RunResult> R = loadRun(ApplyDir);
  if (!R) {
    WithColor::error(errs(), "adrsc") << toString(R.takeError()) << "\n";
    return ExitFailed;
  }
  if (!R->Best.Feasible) {
    WithColor::error(errs(), "adrsc")
        << "the best candidate of the run (#" << R->Best.Id
        << ") is not feasible; nothing is applied\n";
    return ExitFailed;
  }
  std::string What = "candidate #" + std::to_string(R->Best.Id);
  std::map<std::string, std::string> Target = R->Program.Files;
  if (ApplyMinimal) {
    Expected<Program> Minimal =
        evolve::savedMinimal(ApplyDir, *R->Recorded, R->BaseDir, subjectOf(*R));
    if (!Minimal) {
      WithColor::error(errs(), "adrsc")
          << toString(Minimal.takeError()) << "\n";
      return ExitFailed;
    }
    Target = R->Recorded->materialize(*Minimal).Files;
    What = "the minimal form of " + What;
  }
  std::vector<std::string> Changed, Conflicts;
  size_t AlreadyThere = 0;
  for (const auto &[File, Text] : Target) {
    if (R->Files[File] == Text)
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> Now = MemoryBuffer::getFile(File);
    if (Now && (*Now)->getBuffer() == Text) {
      ++AlreadyThere;
      continue;
    }
    Changed.push_back(File);
    if (!Now || (*Now)->getBuffer() != R->Files[File])
      Conflicts.push_back(File);
  }
  if (Changed.empty() && AlreadyThere) {
    outs() << "nothing to apply: " << What << " is already in the sources\n";
    return ExitOK;
  }
  if (Changed.empty()) {
    outs() << "nothing to apply: "
           << (ApplyMinimal ? "the minimal form of the best"
                            : "the best program")
           << " is the initial one\n";
    return ExitOK;
  }
  if (!Conflicts.empty() && !ApplyForce) {
    for (const std::string &F : Conflicts)
      WithColor::error(errs(), "adrsc")
          << "'" << F << "' changed since the run started; not applying "
          << "(--force overwrites it)\n";
    return ExitFailed;
  }
  for (const std::string &File : Changed) {
    if (ApplyDryRun) {
      outs() << "would write " << File << "\n";
      continue;
    }
    const std::string &Text = Target[File];
    if (Error E = writeToOutput(File, [&](raw_ostream &OS) {
          OS << Text;
          return Error::success();
        })) {
      WithColor::error(errs(), "adrsc")
          << "cannot write '" << File << "': " << toString(std::move(E))
          << "\n";
      return ExitFailed;
    }
    outs() << "wrote " << File << "\n";
  }
  if (!ApplyDryRun)
    outs() << "applied " << What << " (check it with 'adrsc verify SPEC')\n";
  return ExitOK;
}

} // namespace driver
} // namespace adrs
