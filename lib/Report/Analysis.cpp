//===- Analysis.cpp - The failure taxonomy and search health --------------===//
//
// Both read only what the run database holds about each candidate, in
// completion order, so a report of a stopped run and of a running one agree
// on every candidate they share.
//
//===----------------------------------------------------------------------===//

#include "adrs/Report/Report.h"

#include "adrs/Search/Strategy.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <set>

using namespace llvm;

namespace adrs {
namespace report {

StringRef toString(FailureClass C) {
  switch (C) {
  case FailureClass::SyntaxInterface:
    return "syntax_interface";
  case FailureClass::BudgetExhaustion:
    return "budget_exhaustion";
  case FailureClass::StuckInLoop:
    return "stuck_in_loop";
  case FailureClass::MutationDrift:
    return "mutation_drift";
  case FailureClass::PrematureConvergence:
    return "premature_convergence";
  case FailureClass::MisalignedObjectives:
    return "misaligned_objectives";
  case FailureClass::Overfitting:
    return "overfitting";
  }
  llvm_unreachable("a failure class without a spelling");
}

StringRef title(FailureClass C) {
  switch (C) {
  case FailureClass::SyntaxInterface:
    return "Syntax / interface errors";
  case FailureClass::BudgetExhaustion:
    return "Budget exhaustion";
  case FailureClass::StuckInLoop:
    return "Stuck in the loop";
  case FailureClass::MutationDrift:
    return "Mutation drift";
  case FailureClass::PrematureConvergence:
    return "Premature convergence";
  case FailureClass::MisalignedObjectives:
    return "Misaligned objectives";
  case FailureClass::Overfitting:
    return "Overfitting";
  }
  llvm_unreachable("a failure class without a title");
}

unsigned binOf(double Value, double Low, double High, unsigned Bins) {
  Bins = std::max(1u, Bins);
  double Span = High - Low;
  if (!(Span > 0))
    return 0;
  double B = (Value - Low) / Span * Bins;
  if (!(B > 0))
    return 0;
  return std::min(unsigned(B), Bins - 1);
}

namespace {

search::Member memberOf(const CandidateView &C) {
  search::Member M;
  M.Id = C.Id;
  M.Status = C.Status;
  M.Feasible = C.Feasible;
  M.Score = C.Score;
  return M;
}

unsigned windowOf(size_t Candidates, const Parameters &P) {
  if (P.Window)
    return P.Window;
  return unsigned(std::max<size_t>(5, Candidates / 10));
}

std::string capped(StringRef Text, size_t Max = 300) {
  Text = Text.trim();
  if (Text.size() <= Max)
    return Text.str();
  return Text.take_front(Max).str() + "...";
}

/// The windows of \p Run without its baseline, in completion order.
std::vector<ArrayRef<CandidateView>> windows(ArrayRef<CandidateView> Searched,
                                             unsigned Window) {
  std::vector<ArrayRef<CandidateView>> Out;
  for (size_t I = 0; I < Searched.size(); I += Window)
    Out.push_back(
        Searched.slice(I, std::min<size_t>(Window, Searched.size() - I)));
  return Out;
}

ArrayRef<CandidateView> searched(ArrayRef<CandidateView> Run) {
  // The baseline is the run's first candidate; the search starts after it.
  if (!Run.empty() && Run.front().Id == 0)
    return Run.drop_front();
  return Run;
}

} // namespace

std::vector<FailureFigure> classifyFailures(ArrayRef<CandidateView> Run,
                                            const Parameters &P) {
  std::vector<FailureFigure> Out;
  for (FailureClass C : AllFailureClasses)
    Out.push_back({C, 0, "", std::nullopt, ""});
  auto Count = [&](FailureClass C, const CandidateView &V, StringRef Why) {
    FailureFigure &F = Out[size_t(C)];
    if (!F.Count++) {
      F.Example = V.Id;
      F.ExampleWhy = capped(Why);
    }
  };
  DenseMap<int64_t, const CandidateView *> ById;
  for (const CandidateView &C : Run)
    ById[C.Id] = &C;
  const CandidateView *Baseline = ById.lookup(0);
  ArrayRef<CandidateView> Searched = searched(Run);

  // Classes read from each candidate alone, or from its ancestors.
  size_t LongestDuplicates = 0, Duplicates = 0;
  for (const CandidateView &C : Searched) {
    Duplicates = C.Status == Status::Duplicate ? Duplicates + 1 : 0;
    LongestDuplicates = std::max(LongestDuplicates, Duplicates);
    switch (C.Status) {
    case Status::CompileError:
    case Status::Rejected:
      Count(FailureClass::SyntaxInterface, C,
            (toString(C.Status) + ": " + C.Reason).str());
      break;
    case Status::Timeout:
    case Status::OutOfMemory:
      Count(FailureClass::BudgetExhaustion, C,
            (toString(C.Status) + ": " + C.Reason).str());
      break;
    case Status::Duplicate:
      Count(FailureClass::StuckInLoop, C, C.Reason);
      break;
    case Status::Infeasible:
      Count(FailureClass::MisalignedObjectives, C, C.Reason);
      break;
    default:
      break;
    }
    // An edit that takes the program back to where its parent came from.
    if (!C.Parents.empty() && !C.Fingerprint.empty())
      if (const CandidateView *Parent = ById.lookup(C.Parents.front()))
        if (!Parent->Parents.empty())
          if (const CandidateView *Grand = ById.lookup(Parent->Parents.front()))
            if (Grand->Fingerprint == C.Fingerprint &&
                Parent->Fingerprint != C.Fingerprint)
              Count(FailureClass::MutationDrift, C,
                    formatv("the same program as #{0}, the parent of its "
                            "parent #{1}",
                            Grand->Id, Parent->Id)
                        .str());
    // The gain on the train workloads that the test workloads do not keep,
    // each relative to the baseline's score on the same workloads (train
    // and test sets differ in size).
    if (Baseline && Baseline->Score && Baseline->TestScore && C.Score &&
        C.Feasible && C.TestEvaluated) {
      auto Relative = [](double Gain, double Base) {
        return Base != 0 ? Gain / std::abs(Base) : Gain;
      };
      double TrainGain =
          Relative(*C.Score - *Baseline->Score, *Baseline->Score);
      if (TrainGain > 0) {
        std::optional<double> TestGain;
        if (C.TestScore && C.TestFeasible)
          TestGain = Relative(*C.TestScore - *Baseline->TestScore,
                              *Baseline->TestScore);
        if (!TestGain || *TestGain < P.OverfitRatio * TrainGain)
          Count(FailureClass::Overfitting, C,
                TestGain ? formatv("{0:P} better than the baseline on train, "
                                   "{1:P} on test",
                                   TrainGain, *TestGain)
                               .str()
                         : formatv("{0:P} better than the baseline on train, "
                                   "infeasible or unscored on test",
                                   TrainGain)
                               .str());
      }
    }
  }

  // Windows without a better best while fewer distinct programs appear.
  unsigned Window = windowOf(Searched.size(), P);
  std::optional<search::Member> Best;
  if (Baseline && Baseline->Score)
    Best = memberOf(*Baseline);
  std::optional<size_t> PreviousDistinct;
  for (ArrayRef<CandidateView> W : windows(Searched, Window)) {
    bool Improved = false;
    std::set<StringRef> Distinct;
    for (const CandidateView &C : W) {
      search::Member M = memberOf(C);
      if (M.scored() && (!Best || search::better(M, *Best))) {
        Best = M;
        Improved = true;
      }
      if (!C.Fingerprint.empty())
        Distinct.insert(C.Fingerprint);
    }
    if (W.size() == Window && PreviousDistinct && !Improved &&
        Distinct.size() < *PreviousDistinct)
      Count(FailureClass::PrematureConvergence, W.front(),
            formatv("candidates #{0}..#{1}: no better best, {2} distinct "
                    "programs after {3} in the window before",
                    W.front().Id, W.back().Id, Distinct.size(),
                    *PreviousDistinct)
                .str());
    if (W.size() == Window)
      PreviousDistinct = Distinct.size();
  }

  Out[size_t(FailureClass::SyntaxInterface)].Definition =
      "candidates with status compile_error (the patched program does not "
      "compile) or rejected (the edit does not apply, or a pass refused it)";
  Out[size_t(FailureClass::BudgetExhaustion)].Definition =
      "candidates with status timeout or out_of_memory (killed at their time "
      "or memory limit)";
  Out[size_t(FailureClass::StuckInLoop)].Definition =
      formatv("candidates with status duplicate (the same program, by "
              "fingerprint, as one evaluated before); the longest run of "
              "consecutive duplicates is {0}",
              LongestDuplicates)
          .str();
  Out[size_t(FailureClass::MutationDrift)].Definition =
      "candidates whose program (fingerprint) is that of their parent's "
      "parent while their parent's differs: the edit undid the edit before it";
  Out[size_t(FailureClass::PrematureConvergence)].Definition =
      formatv("windows of {0} consecutive candidates in which the best did not "
              "improve and fewer distinct programs (fingerprints) appeared "
              "than in the window before; the example is the window's first "
              "candidate",
              Window)
          .str();
  Out[size_t(FailureClass::MisalignedObjectives)].Definition =
      "candidates with status infeasible (they ran and were scored, but a "
      "constraint or a stage failed)";
  Out[size_t(FailureClass::Overfitting)].Definition =
      formatv("feasible candidates evaluated on the test workloads (each new "
              "best is) whose train score beats the baseline's while their "
              "test gain over the baseline is below {0} of the train gain, "
              "both relative to the baseline's score (or they are not "
              "feasible on the test workloads)",
              P.OverfitRatio)
          .str();
  return Out;
}

SearchHealth searchHealth(ArrayRef<CandidateView> Run, ArrayRef<Dimension> Dims,
                          const Parameters &P) {
  SearchHealth H;
  H.Dimensions.assign(Dims.begin(), Dims.end());
  ArrayRef<CandidateView> Searched = searched(Run);
  H.Candidates = Searched.size();
  H.Window = windowOf(Searched.size(), P);

  std::optional<search::Member> Best;
  for (const CandidateView &C : Run) {
    search::Member M = memberOf(C);
    if (M.scored() && (!Best || search::better(M, *Best))) {
      Best = M;
      H.BestId = C.Id;
      H.BestSeq = C.Seq;
    }
  }

  // The feature space is binned over the ranges the whole run reached.
  std::vector<std::pair<double, double>> Ranges;
  H.Cells = Dims.empty() ? 0 : 1;
  for (const Dimension &D : Dims) {
    double Low = 0, High = 0;
    bool Seen = false;
    for (const CandidateView &C : Run) {
      auto It = C.Features.find(D.Name);
      if (It == C.Features.end())
        continue;
      Low = Seen ? std::min(Low, It->second) : It->second;
      High = Seen ? std::max(High, It->second) : It->second;
      Seen = true;
    }
    Ranges.push_back({Low, High});
    H.Cells *= std::max(1u, D.Bins);
  }
  auto CellOf = [&](const CandidateView &C) {
    std::vector<unsigned> Key;
    for (size_t I = 0; I < Dims.size(); ++I) {
      auto It = C.Features.find(Dims[I].Name);
      double V = It == C.Features.end() ? Ranges[I].first : It->second;
      Key.push_back(binOf(V, Ranges[I].first, Ranges[I].second, Dims[I].Bins));
    }
    return Key;
  };

  std::set<std::string> Seen;
  std::set<std::vector<unsigned>> Visited;
  std::optional<search::Member> BestSoFar;
  if (!Run.empty() && Run.front().Id == 0) {
    const CandidateView &B = Run.front();
    if (!B.Fingerprint.empty())
      Seen.insert(B.Fingerprint);
    if (!Dims.empty())
      Visited.insert(CellOf(B));
    if (memberOf(B).scored())
      BestSoFar = memberOf(B);
  }
  for (ArrayRef<CandidateView> W : windows(Searched, H.Window)) {
    HealthWindow HW;
    HW.FirstSeq = W.front().Seq;
    HW.LastSeq = W.back().Seq;
    HW.Candidates = W.size();
    std::set<StringRef> Distinct;
    for (const CandidateView &C : W) {
      if (!C.Fingerprint.empty()) {
        Distinct.insert(C.Fingerprint);
        HW.NewFingerprints += Seen.insert(C.Fingerprint).second;
      }
      // Only programs that compiled have features worth a cell.
      if (!Dims.empty() && ranToTheEnd(C.Status))
        Visited.insert(CellOf(C));
      search::Member M = memberOf(C);
      if (M.scored() && (!BestSoFar || search::better(M, *BestSoFar))) {
        BestSoFar = M;
        HW.Improved = true;
      }
    }
    HW.DistinctFingerprints = Distinct.size();
    HW.Coverage = H.Cells ? double(Visited.size()) / double(H.Cells) : 0;
    if (BestSoFar)
      HW.Best = BestSoFar->Score;
    H.Windows.push_back(HW);
  }
  H.DistinctFingerprints = Seen.size();
  H.CellsVisited = Visited.size();
  return H;
}

} // namespace report
} // namespace adrs
