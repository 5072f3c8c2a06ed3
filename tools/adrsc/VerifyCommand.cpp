//===- VerifyCommand.cpp - adrsc verify -----------------------------------===//
//
// The regression gate: scores the sources as they are now on the held-out
// (test) workloads and checks every `require` constraint and every `verify`
// condition of the spec. A build pipeline or a CTest test runs it and fails
// on exit code 1.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Eval/Evaluation.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> VerifySpec(cl::Positional, cl::Required,
                                       cl::desc("<spec.adrs>"),
                                       cl::sub(VerifyCmd),
                                       cl::cat(AdrsCategory));

static cl::opt<OutputFormat> VerifyFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text", "one line per check"),
               clEnumValN(OutputFormat::JSON, "json",
                          "passed, checks, and the evaluation")),
    cl::init(OutputFormat::Text), cl::sub(VerifyCmd), cl::cat(AdrsCategory));

static cl::opt<bool> VerifyTrain(
    "train",
    cl::desc("Check on the training workloads instead (for a spec without "
             "test workloads)"),
    cl::sub(VerifyCmd), cl::cat(AdrsCategory));

int runVerify() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  std::optional<spec::Spec> Spec = loadSpecOrReport(VerifySpec, Diags);
  if (!Spec)
    return ExitFailed;
  if (!VerifyTrain && Spec->testFiles().empty()) {
    WithColor::error(errs(), "adrsc")
        << "the spec has no test workloads to verify on; declare some "
           "('workloads NAME = \"...\" as test' or 'split train P%'), or "
           "pass --train\n";
    return ExitFailed;
  }
  std::optional<std::vector<regions::Region>> Regions =
      findRegionsOrReport(*Spec, Diags);
  if (!Regions)
    return ExitFailed;
  std::unique_ptr<eval::Executor> Exec;
  if (!startExecutor(*Spec, *Regions, Exec))
    return ExitFailed;
  eval::Evaluator Evaluator(*Spec, Exec.get());
  Expected<eval::Evaluation> Evaluated = Evaluator.evaluate(
      {}, VerifyTrain ? eval::Side::Train : eval::Side::Test);
  if (!Evaluated) {
    WithColor::error(errs(), "adrsc")
        << toString(Evaluated.takeError()) << "\n";
    return ExitFailed;
  }
  const eval::Evaluation &E = *Evaluated;

  struct Check {
    std::string What;
    bool Passed;
    std::string Detail;
  };
  std::vector<Check> Checks;
  bool Ran = ranToTheEnd(E.Status);
  Checks.push_back(
      {"evaluates", Ran,
       Ran ? ""
           : (toString(E.Status) + (E.Reason.empty() ? "" : ": " + E.Reason))
                 .str()});
  std::map<std::string, double> Values = E.Metrics;
  if (E.Score)
    Values.emplace("score", *E.Score);
  auto Lookup = [&](StringRef Name) -> std::optional<double> {
    auto It = Values.find(Name.str());
    if (It == Values.end())
      return std::nullopt;
    return It->second;
  };
  auto Evaluate = [&](StringRef Kind, const spec::Constraint &C) {
    if (!Ran) {
      Checks.push_back(
          {(Kind + " " + C.Condition->str()).str(), false, "not evaluated"});
      return;
    }
    Expected<double> Holds = C.Condition->evaluate(Lookup);
    if (!Holds) {
      Checks.push_back({(Kind + " " + C.Condition->str()).str(), false,
                        toString(Holds.takeError())});
      return;
    }
    Checks.push_back(
        {(Kind + " " + C.Condition->str()).str(), *Holds != 0, ""});
  };
  for (const spec::Constraint &C : Spec->Constraints)
    Evaluate("require", C);
  for (const spec::Constraint &C : Spec->Verify)
    Evaluate("verify", C);
  bool Passed = llvm::all_of(Checks, [](const Check &C) { return C.Passed; });

  if (VerifyFormat == OutputFormat::JSON) {
    json::Array List;
    for (const Check &C : Checks)
      List.push_back(json::Object{
          {"check", C.What}, {"passed", C.Passed}, {"detail", C.Detail}});
    outs() << formatv("{0:2}",
                      json::Value(json::Object{
                          {"passed", Passed},
                          {"workloads", VerifyTrain ? "train" : "test"},
                          {"checks", std::move(List)},
                          {"evaluation", eval::toJSON(E)}}))
           << "\n";
    return Passed ? ExitOK : ExitFailed;
  }
  if (E.Score)
    outs() << "score     " << format("%.4f", *E.Score) << " on the "
           << (VerifyTrain ? "train" : "test") << " workloads\n";
  for (const Check &C : Checks)
    outs() << (C.Passed ? "PASS      " : "FAIL      ") << C.What
           << (C.Detail.empty() ? "" : " (" + C.Detail + ")") << "\n";
  outs() << (Passed ? "verified\n" : "verification failed\n");
  return Passed ? ExitOK : ExitFailed;
}

} // namespace driver
} // namespace adrs
