//===- ReportTest.cpp - Failure taxonomy, search health, the page ---------===//

#include "adrs/Report/Report.h"

#include "llvm/ADT/StringRef.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;
using namespace adrs::report;

namespace {

/// A synthetic run, candidate by candidate, in completion order.
class RunBuilder {
public:
  RunBuilder() {
    CandidateView Base;
    Base.Id = 0;
    Base.Seq = 1;
    Base.Score = -100;
    Base.Feasible = true;
    Base.Fingerprint = "base";
    Base.TestEvaluated = true;
    Base.TestScore = -50;
    Base.TestFeasible = true;
    Base.Features = {{"length", 10}, {"complexity", 1}};
    Run.push_back(Base);
  }
  CandidateView &add(int64_t Parent, Status S, std::optional<double> Score,
                     std::string Fingerprint) {
    CandidateView C;
    C.Id = int64_t(Run.size());
    C.Seq = C.Id + 1;
    C.Parents = {Parent};
    C.Status = S;
    C.Score = Score;
    C.Feasible = S == Status::OK;
    C.Fingerprint = std::move(Fingerprint);
    C.Reason = toString(S).str();
    if (ranToTheEnd(S))
      C.Features = {{"length", double(10 + C.Id)}, {"complexity", 1}};
    Run.push_back(C);
    return Run.back();
  }
  std::vector<CandidateView> Run;
};

const FailureFigure &figure(const std::vector<FailureFigure> &F,
                            FailureClass C) {
  for (const FailureFigure &X : F)
    if (X.Class == C)
      return X;
  static FailureFigure None{C, 0, "", std::nullopt, ""};
  ADD_FAILURE() << "no figure for " << toString(C).str();
  return None;
}

TEST(FailureTaxonomy, EachClassCountedWithItsFirstExample) {
  RunBuilder B;
  B.add(0, Status::OK, -90, "a");          // 1: better
  B.add(1, Status::CompileError, {}, "");  // 2
  B.add(1, Status::Rejected, {}, "a");     // 3
  B.add(1, Status::Timeout, {}, "");       // 4
  B.add(1, Status::OutOfMemory, {}, "");   // 5
  B.add(1, Status::Duplicate, {}, "base"); // 6: #1's edit undone
  B.add(1, Status::Infeasible, -10, "b");  // 7
  B.add(1, Status::Duplicate, {}, "b");    // 8
  B.add(1, Status::Crashed, {}, "");       // 9: in no class
  Parameters P;
  P.Window = 100; // no window is complete: no convergence figure
  std::vector<FailureFigure> F = classifyFailures(B.Run, P);
  ASSERT_EQ(F.size(), std::size(AllFailureClasses));
  EXPECT_EQ(figure(F, FailureClass::SyntaxInterface).Count, 2u);
  EXPECT_EQ(figure(F, FailureClass::SyntaxInterface).Example, 2);
  EXPECT_EQ(figure(F, FailureClass::BudgetExhaustion).Count, 2u);
  EXPECT_EQ(figure(F, FailureClass::BudgetExhaustion).Example, 4);
  EXPECT_EQ(figure(F, FailureClass::StuckInLoop).Count, 2u);
  EXPECT_EQ(figure(F, FailureClass::StuckInLoop).Example, 6);
  EXPECT_NE(figure(F, FailureClass::StuckInLoop)
                .Definition.find("longest run of consecutive duplicates is 1"),
            std::string::npos);
  EXPECT_EQ(figure(F, FailureClass::MutationDrift).Count, 1u);
  EXPECT_EQ(figure(F, FailureClass::MutationDrift).Example, 6);
  EXPECT_EQ(figure(F, FailureClass::MisalignedObjectives).Count, 1u);
  EXPECT_EQ(figure(F, FailureClass::MisalignedObjectives).Example, 7);
  EXPECT_EQ(figure(F, FailureClass::PrematureConvergence).Count, 0u);
  EXPECT_EQ(figure(F, FailureClass::Overfitting).Count, 0u);
  EXPECT_FALSE(figure(F, FailureClass::Overfitting).Example);
}

TEST(FailureTaxonomy, DriftNeedsTheParentToHaveChangedSomething) {
  RunBuilder B;
  B.add(0, Status::OK, -90, "base"); // a no-op edit: same as its parent
  B.add(1, Status::OK, -90, "base"); // same as parent and grandparent
  std::vector<FailureFigure> F = classifyFailures(B.Run, {});
  EXPECT_EQ(figure(F, FailureClass::MutationDrift).Count, 0u);
}

TEST(FailureTaxonomy, OverfittingComparesGainsRelativeToTheBaseline) {
  RunBuilder B; // baseline: train -100, test -50
  // 10% better on both: the gain holds.
  CandidateView &Holds = B.add(0, Status::OK, -90, "a");
  Holds.TestEvaluated = true, Holds.TestScore = -45, Holds.TestFeasible = true;
  // 20% better on train, 2% on test.
  CandidateView &Gap = B.add(1, Status::OK, -80, "b");
  Gap.TestEvaluated = true, Gap.TestScore = -49, Gap.TestFeasible = true;
  // Better on train, infeasible on test.
  CandidateView &Broken = B.add(2, Status::OK, -70, "c");
  Broken.TestEvaluated = true, Broken.TestScore = -10;
  Broken.TestFeasible = false;
  // Never evaluated on test: nothing to say.
  B.add(3, Status::OK, -60, "d");
  std::vector<FailureFigure> F = classifyFailures(B.Run, {});
  const FailureFigure &O = figure(F, FailureClass::Overfitting);
  EXPECT_EQ(O.Count, 2u);
  EXPECT_EQ(O.Example, 2);
  EXPECT_EQ(O.ExampleWhy, "20.00% better than the baseline on train, 2.00% "
                          "on test");
}

TEST(FailureTaxonomy, ConvergenceIsAStillWindowWithFewerPrograms) {
  RunBuilder B;
  B.add(0, Status::OK, -90, "a"); // window 1: improves, 3 programs
  B.add(1, Status::OK, -95, "b");
  B.add(1, Status::OK, -96, "c");
  B.add(1, Status::OK, -97, "d"); // window 2: still, 2 programs
  B.add(1, Status::Duplicate, {}, "d");
  B.add(1, Status::OK, -98, "e");
  B.add(1, Status::Duplicate, {}, "e"); // window 3: still, 1 program
  B.add(1, Status::Duplicate, {}, "e");
  B.add(1, Status::Duplicate, {}, "e");
  B.add(1, Status::OK, -80, "f"); // window 4: improves
  B.add(1, Status::Duplicate, {}, "f");
  B.add(1, Status::Duplicate, {}, "f");
  B.add(1, Status::OK, -99, "g"); // incomplete window: not judged
  Parameters P;
  P.Window = 3;
  std::vector<FailureFigure> F = classifyFailures(B.Run, P);
  const FailureFigure &C = figure(F, FailureClass::PrematureConvergence);
  EXPECT_EQ(C.Count, 2u);
  EXPECT_EQ(C.Example, 4);
  EXPECT_EQ(C.ExampleWhy, "candidates #4..#6: no better best, 2 distinct "
                          "programs after 3 in the window before");
  EXPECT_NE(figure(F, FailureClass::StuckInLoop)
                .Definition.find("longest run of consecutive duplicates is 3"),
            std::string::npos);
}

TEST(SearchHealth, BestDiversityAndCoverageByWindow) {
  RunBuilder B;
  B.add(0, Status::OK, -90, "a");
  B.add(1, Status::CompileError, {}, "");
  B.add(1, Status::OK, -80, "b"); // the best, 4th to finish
  B.add(3, Status::Duplicate, {}, "b");
  B.add(3, Status::OK, -85, "c");
  Parameters P;
  P.Window = 2;
  std::vector<Dimension> Dims = {{"length", 5}, {"complexity", 2}};
  SearchHealth H = searchHealth(B.Run, Dims, P);
  EXPECT_EQ(H.BestId, 3);
  EXPECT_EQ(H.BestSeq, 4);
  EXPECT_EQ(H.Candidates, 5u);
  EXPECT_EQ(H.DistinctFingerprints, 4u); // base, a, b, c
  EXPECT_EQ(H.Cells, 10u);
  ASSERT_EQ(H.Windows.size(), 3u);
  EXPECT_EQ(H.Windows[0].FirstSeq, 2);
  EXPECT_EQ(H.Windows[0].LastSeq, 3);
  EXPECT_EQ(H.Windows[0].DistinctFingerprints, 1u);
  EXPECT_EQ(H.Windows[0].NewFingerprints, 1u);
  EXPECT_TRUE(H.Windows[0].Improved);
  EXPECT_EQ(H.Windows[1].DistinctFingerprints, 1u); // b twice
  EXPECT_EQ(H.Windows[1].NewFingerprints, 1u);
  EXPECT_EQ(H.Windows[2].Candidates, 1u);
  EXPECT_FALSE(H.Windows[2].Improved);
  EXPECT_EQ(H.Windows[2].Best, -80);
  // Lengths 10, 11, 13, 15 over [10, 15] in 5 bins: bins 0, 1, 3, 4.
  EXPECT_EQ(H.CellsVisited, 4u);
  EXPECT_DOUBLE_EQ(H.Windows[2].Coverage, 0.4);
  EXPECT_LE(H.Windows[0].Coverage, H.Windows[1].Coverage);
}

TEST(SearchHealth, BinsAreClampedAndAFlatRangeIsOneBin) {
  EXPECT_EQ(binOf(0, 0, 10, 10), 0u);
  EXPECT_EQ(binOf(10, 0, 10, 10), 9u);
  EXPECT_EQ(binOf(-5, 0, 10, 10), 0u);
  EXPECT_EQ(binOf(99, 0, 10, 10), 9u);
  EXPECT_EQ(binOf(4, 4, 4, 10), 0u);
  EXPECT_EQ(binOf(std::nan(""), 0, 10, 10), 0u);
  EXPECT_EQ(binOf(5, 0, 10, 0), 0u);
}

TEST(Page, HostileTextNeverLeavesItsPlace) {
  const char *Hostile = "</script><script>alert(1)</script><img src=x "
                        "onerror=alert(2)>\"'&";
  ReportData R;
  R.Problem = Hostile;
  R.RunDir = Hostile;
  R.StopReason = Hostile;
  R.BestDiff = std::string("+") + Hostile + "\n";
  R.Best["description"] = Hostile;
  LineageStep S;
  S.Description = Hostile;
  S.Edit = Hostile;
  S.Generator = Hostile;
  R.Lineage.push_back(S);
  R.References.push_back({Hostile, 1.0, 2.0});
  store::TuningRecord T;
  T.Summary = Hostile;
  T.Failure = Hostile;
  R.Tunings.push_back(T);
  R.Failures = classifyFailures({}, {});
  R.Failures[0].ExampleWhy = Hostile;
  R.Failures[0].Example = 1;
  R.Statuses[Hostile] = 1;
  R.Models[Hostile] = {};
  R.Minimize = json::Object{
      {"candidate", 1},
      {"score", 1.0},
      {"minimal_score", 1.0},
      {"hunks", json::Array{json::Object{{"file", Hostile},
                                         {"text", Hostile},
                                         {"kept", true},
                                         {"score_without", nullptr}}}},
      {"minimal_patch", Hostile}};
  std::string Page = renderHTML(R, 5);
  size_t Scripts = 0;
  for (size_t At = Page.find("<script"); At != std::string::npos;
       At = Page.find("<script", At + 1))
    ++Scripts;
  EXPECT_EQ(Scripts, 2u);
  EXPECT_EQ(Page.find("<img"), std::string::npos);
  EXPECT_EQ(Page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(Page.find("&lt;/script&gt;&lt;script&gt;alert(1)"),
            std::string::npos);
  EXPECT_NE(Page.find("\\u003c/script\\u003e"), std::string::npos);
  EXPECT_NE(Page.find("<meta http-equiv=\"refresh\" content=\"5\">"),
            std::string::npos);
  std::string Message = renderMessageHTML(Hostile, Hostile);
  EXPECT_EQ(Message.find("<script"), std::string::npos);
  EXPECT_EQ(escapeHTML("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

} // namespace
