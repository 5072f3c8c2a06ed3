//===- EvalCommand.cpp - adrsc eval ---------------------------------------===//
//
// Scores the current sources, or the sources with an edit applied, exactly
// as a search would: the edit is checked first (re-parse, passes), then the
// candidate is compiled, linked and evaluated in a sandboxed child of a warm
// zygote.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Regions/RegionFinder.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> EvalSpec(cl::Positional, cl::Required,
                                     cl::desc("<spec.adrs>"), cl::sub(EvalCmd),
                                     cl::cat(AdrsCategory));

static cl::opt<std::string>
    EvalEdit("edit",
             cl::desc("Score the sources with this edit applied (an LLM "
                      "reply or SEARCH/REPLACE blocks; '-' reads stdin)"),
             cl::value_desc("file"), cl::sub(EvalCmd), cl::cat(AdrsCategory));

enum class WorkloadChoice { Train, Test, All };
static cl::opt<WorkloadChoice> EvalWorkloads(
    "workloads", cl::desc("Which workloads to run"),
    cl::values(clEnumValN(WorkloadChoice::Train, "train",
                          "the training workloads, through the spec's "
                          "stages (default)"),
               clEnumValN(WorkloadChoice::Test, "test", "the held-out ones"),
               clEnumValN(WorkloadChoice::All, "all", "both")),
    cl::init(WorkloadChoice::Train), cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::opt<OutputFormat> EvalFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text", "a table (default)"),
               clEnumValN(OutputFormat::JSON, "json",
                          "the Result JSON (status, score, feasible, "
                          "metrics, per_workload, artifacts, timings_ms)")),
    cl::init(OutputFormat::Text), cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> EvalBaseline(
    "baseline",
    cl::desc("Score one of the spec's baselines instead: its file stands in "
             "for the unit that holds the regions"),
    cl::value_desc("name"), cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::opt<bool> EvalConfirm(
    "confirm",
    cl::desc("Evaluate again with the candidate in a process of its own, "
             "where it can reach neither the evaluator's memory nor its "
             "result channel, and report that result (reward_hacking when "
             "the two differ)"),
    cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::opt<bool> EvalWholeUnits(
    "whole-units",
    cl::desc("Compile each unit with a region whole for the candidate, "
             "reusing none of the baseline's functions that no region "
             "reaches: the score must be the same as without it"),
    cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::opt<bool> EvalVerbose(
    "v",
    cl::desc("Also print, on stderr, how long building the prebuilt code "
             "took (the simulator and evaluator, once before any candidate) "
             "and how many functions of the regions' units no region reaches "
             "(compiled once, not per candidate)"),
    cl::sub(EvalCmd), cl::cat(AdrsCategory));

static cl::list<std::string> EvalPasses(
    "passes",
    cl::desc("Candidate passes to run before evaluating an edit (default: "
             "forbid,allow,fingerprint,features; 'none' runs none)"),
    cl::CommaSeparated, cl::sub(EvalCmd), cl::cat(AdrsCategory));

namespace {

int finish(const eval::Evaluation &E) {
  if (EvalFormat == OutputFormat::JSON) {
    outs() << formatv("{0:2}", eval::toJSON(E)) << "\n";
    return E.Feasible ? ExitOK : ExitFailed;
  }
  outs() << "status    " << toString(E.Status)
         << (E.Feasible ? " (feasible)" : "") << "\n";
  if (!E.Reason.empty())
    outs() << "reason    " << E.Reason << "\n";
  if (E.Score)
    outs() << "score     " << format("%.4f", *E.Score) << "\n";
  bool First = true;
  for (const auto &[K, V] : E.Metrics) {
    outs() << (First ? "metrics   " : "          ") << formatv("{0,-20}", K)
           << format("%14.4f", V);
    auto It = E.MetricStdDev.find(K);
    if (It != E.MetricStdDev.end())
      outs() << format("  +- %.4f", It->second);
    outs() << "\n";
    First = false;
  }
  for (const auto &[W, Ms] : E.PerWorkload) {
    outs() << "workload  " << W << ":";
    for (const auto &[K, V] : Ms)
      outs() << " " << K << "=" << format("%.4f", V);
    outs() << "\n";
  }
  // "<region> line N" counts from the region's first line everywhere (the
  // generators' descriptions do); the file's line is named as such.
  for (const passes::PassRejection &R : E.Passes.Rejections) {
    outs() << "rejected  ";
    if (R.RegionLine)
      outs() << R.Region << " line " << R.RegionLine << " (file line " << R.Line
             << ")";
    else
      outs() << R.Region << " file line " << R.Line;
    outs() << ": " << R.Message << " [" << R.Pass << "]\n";
  }
  for (const regions::SourceDiagnostic &D : E.CompileErrors)
    outs() << "error     " << D.File << ":" << D.Line << ":" << D.Column << ": "
           << D.Message << "\n";
  for (const auto &[K, V] : E.Artifacts) {
    StringRef Text = StringRef(V).rtrim();
    outs() << "artifact  " << K << ":"
           << (Text.contains('\n') ? "\n" + Text.str() : " " + Text.str())
           << "\n";
  }
  // What the candidate's process printed explains most failures.
  if (!E.Feasible && !StringRef(E.Stderr).trim().empty())
    outs() << "stderr    " << StringRef(E.Stderr).trim().take_back(1500)
           << "\n";
  if (E.Confirmed != eval::Confirmation::NotAsked)
    outs() << "confirmed "
           << (E.Status == Status::RewardHacking ||
                       E.Confirmed == eval::Confirmation::OutOfTime
                   ? "no: " + E.ConfirmNote
               : E.Confirmed == eval::Confirmation::Confirmed
                   ? std::string(
                         "yes, with the candidate in a process of its own")
                   : "not possible: " + E.ConfirmNote)
           << "\n";
  outs() << "timings   compile " << format("%.1f", E.CompileMs) << " ms";
  if (E.CompilesReused)
    outs() << " (compiled once: " << E.CompilesReused
           << (E.CompilesReused == 1 ? " later run" : " later runs")
           << " linked that compile)";
  outs() << ", link " << format("%.1f", E.LinkMs) << " ms, run "
         << format("%.1f", E.RunMs) << " ms (wall " << format("%.1f", E.WallMs)
         << " ms)\n";
  return E.Feasible ? ExitOK : ExitFailed;
}

eval::Evaluation refused(const std::string &Reason) {
  eval::Evaluation E;
  E.Status = Status::Rejected;
  E.Reason = Reason;
  return E;
}

} // namespace

int runEval() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  std::optional<spec::Spec> Spec = loadSpecOrReport(EvalSpec, Diags);
  if (!Spec)
    return ExitFailed;
  std::optional<std::vector<regions::Region>> Regions =
      findRegionsOrReport(*Spec, Diags);
  if (!Regions)
    return ExitFailed;

  regions::FileOverrides Overrides;
  std::optional<eval::Checks> Checks;
  std::vector<std::string> EvalPassList(EvalPasses.begin(), EvalPasses.end());
  std::optional<std::vector<std::string>> Passes =
      passListOrReport(EvalPassList);
  if (!Passes)
    return ExitUsage;
  if (!EvalBaseline.empty()) {
    if (!EvalEdit.empty()) {
      WithColor::error(errs(), "adrsc")
          << "--baseline and --edit cannot be combined\n";
      return ExitUsage;
    }
    const spec::Baseline *B = nullptr;
    std::vector<std::string> Names;
    for (const spec::Baseline &Candidate : Spec->Baselines) {
      Names.push_back(Candidate.Name);
      if (Candidate.Name == EvalBaseline)
        B = &Candidate;
    }
    if (!B) {
      WithColor::error(errs(), "adrsc")
          << "the spec has no baseline '" << EvalBaseline << "'"
          << (Names.empty() ? std::string("; it declares none")
                            : "; its baselines are: " + join(Names, ", "))
          << "\n";
      return ExitUsage;
    }
    Expected<regions::FileOverrides> Files =
        candidate::referenceFiles(*B, *Regions);
    if (!Files) {
      WithColor::error(errs(), "adrsc") << toString(Files.takeError()) << "\n";
      return ExitFailed;
    }
    for (auto &[File, Text] : *Files)
      Overrides[File] = std::move(Text);
  }
  if (!EvalEdit.empty()) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> Reply =
        MemoryBuffer::getFileOrSTDIN(EvalEdit, /*IsText=*/true);
    if (!Reply) {
      WithColor::error(errs(), "adrsc")
          << "cannot read '" << EvalEdit << "': " << Reply.getError().message()
          << "\n";
      return ExitUsage;
    }
    Expected<candidate::Sources> Sources = candidate::Sources::read(*Regions);
    if (!Sources) {
      WithColor::error(errs(), "adrsc")
          << toString(Sources.takeError()) << "\n";
      return ExitFailed;
    }
    // The same road as a search's candidates: read, apply to the regions,
    // then the passes on the child's own parse before it links.
    Expected<candidate::Prepared> Ready = candidate::prepare(
        *Sources, (*Reply)->getBuffer(), Sources->baseline());
    if (!Ready) {
      std::string Why;
      handleAllErrors(
          Ready.takeError(),
          [&](const candidate::EditRefused &R) {
            raw_string_ostream OS(Why);
            R.log(OS);
          },
          [&](const ErrorInfoBase &E) { Why = E.message(); });
      return finish(refused(Why));
    }
    Checks = eval::Checks{Ready->Layout.Regions, *Passes};
    Overrides = Ready->Layout.Overrides;
  } else if (EvalBaseline.empty()) {
    // The sources as they are get the passes a run gives its initial
    // program: code in a region that candidates may not write is found here,
    // not when every candidate that keeps it is refused.
    Checks = eval::Checks{*Regions, *Passes};
  }

  // A C++ evaluator runs in the warm zygote; a command needs none.
  std::unique_ptr<eval::Executor> Exec;
  if (!startExecutor(*Spec, *Regions, Exec))
    return ExitFailed;
  if (EvalVerbose && Exec) {
    errs() << formatv("setup: {0:f3} s\n", Exec->setupSeconds());
    errs() << formatv("reused: {0} function{1} of the regions' units "
                      "compiled once, not per candidate",
                      Exec->reusedFunctions(),
                      Exec->reusedFunctions() == 1 ? "" : "s");
    // A line a person reads: the first few, and how many more.
    const std::vector<std::string> &Names = Exec->reusedFunctionNames();
    for (size_t K = 0; K < Names.size() && K < 8; ++K)
      errs() << (K ? ", " : ": ") << Names[K];
    if (Names.size() > 8)
      errs() << ", and " << Names.size() - 8 << " more";
    errs() << "\n";
    if (!Exec->whyNoReuse().empty())
      errs() << "not reused: " << Exec->whyNoReuse() << "\n";
  }
  eval::Evaluator Evaluator(*Spec, Exec.get());
  Evaluator.setWholeUnits(EvalWholeUnits);
  eval::Side Side = EvalWorkloads == WorkloadChoice::Test  ? eval::Side::Test
                    : EvalWorkloads == WorkloadChoice::All ? eval::Side::All
                                                           : eval::Side::Train;
  auto Failed = [&](Error E) {
    WithColor::error(errs(), "adrsc") << toString(std::move(E)) << "\n";
    return ExitFailed;
  };
  // The adaptive timeout needs the baseline's time: measure it first.
  if (!Overrides.empty() && !Spec->Limit.TimeSeconds) {
    Expected<eval::Evaluation> Baseline = Evaluator.evaluate({}, Side);
    if (!Baseline)
      return Failed(Baseline.takeError());
    if (ranToTheEnd(Baseline->Status))
      Evaluator.setBaselineSeconds(Baseline->RunMs / 1000);
  }
  Expected<eval::Evaluation> E =
      Evaluator.evaluate(Overrides, Side, Checks ? &*Checks : nullptr);
  if (!E)
    return Failed(E.takeError());
  if (EvalConfirm && ranToTheEnd(E->Status)) {
    E = Evaluator.confirm(Overrides, Side, *E,
                          Checks ? &Checks->Regions : nullptr);
    if (!E)
      return Failed(E.takeError());
  }
  return finish(*E);
}

} // namespace driver
} // namespace adrs
