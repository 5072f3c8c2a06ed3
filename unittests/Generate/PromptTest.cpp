//===- PromptTest.cpp - What a model is asked -----------------------------===//
//
// The parts of a prompt that steer a model: the hints and the scratchpad,
// and the parent's worst workloads with their own feedback first.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/Prompt.h"

#include "gtest/gtest.h"

using namespace adrs;
using namespace adrs::generate;

namespace {

struct PromptTest : ::testing::Test {
  void SetUp() override {
    S.Name = "fit";
    S.Hints = "Keep it simple.";
    spec::Objective O;
    O.Metric = "error";
    O.Dir = spec::Direction::Minimize;
    S.Objectives.push_back(O);
    regions::Region Reg;
    Reg.Name = "predict";
    Reg.Text = "  y = x;\n";
    Regions.push_back(Reg);
    R.Spec = &S;
    R.Regions = &Regions;
    R.Parent.Score = -3;
    R.Parent.Feasible = true;
    // Workload wN has error N: w14 is the worst, w0 the best.
    for (int N = 0; N < 15; ++N)
      R.Parent.PerWorkload["traces/w" + std::to_string(N) + ".tsv"] = {
          {"error", double(N)}, {"misses", 0}};
  }

  std::string user() { return buildPrompt(R, PromptSettings())[1].Content; }

  spec::Spec S;
  std::vector<regions::Region> Regions;
  ProposalRequest R;
};

TEST_F(PromptTest, TheWorstWorkloadsComeFirstAndTheRestIsCounted) {
  std::string U = user();
  size_t Header = U.find("### Per workload (the worst error first)");
  ASSERT_NE(Header, std::string::npos) << U;
  size_t W14 = U.find("- traces/w14.tsv: error=14", Header);
  size_t W13 = U.find("- traces/w13.tsv: error=13", Header);
  ASSERT_NE(W14, std::string::npos);
  ASSERT_NE(W13, std::string::npos);
  EXPECT_LT(W14, W13);
  EXPECT_NE(U.find("(3 more workloads not shown)"), std::string::npos);
  EXPECT_EQ(U.find("traces/w0.tsv"), std::string::npos)
      << "the best workloads are the ones left out";
}

TEST_F(PromptTest, AMaximizedMetricsWorstIsItsLowest) {
  S.Objectives.front().Dir = spec::Direction::Maximize;
  std::string U = user();
  EXPECT_LT(U.find("traces/w0.tsv"), U.find("traces/w1.tsv"));
  EXPECT_EQ(U.find("traces/w14.tsv"), std::string::npos);
}

TEST_F(PromptTest, WithoutTheObjectivePerWorkloadTheOrderIsByName) {
  S.Objectives.front().Metric = "cost";
  std::string U = user();
  EXPECT_NE(U.find("### Per workload\n"), std::string::npos);
  EXPECT_LT(U.find("traces/w0.tsv"), U.find("traces/w1.tsv"));
}

TEST_F(PromptTest, TheWorstWorkloadsFeedbackComesFirst) {
  R.Parent.Artifacts["summary"] = "overall fine";
  R.Parent.Artifacts["w5.tsv"] = "missed two deadlines";
  R.Parent.Artifacts["traces/w14.tsv"] = "ran out of budget at hour 30";
  std::string U = user();
  size_t First = U.find("On the worst workloads first:");
  ASSERT_NE(First, std::string::npos) << U;
  size_t W14 = U.find("ran out of budget at hour 30");
  size_t W5 = U.find("missed two deadlines");
  size_t Summary = U.find("overall fine");
  EXPECT_LT(First, W14);
  EXPECT_LT(W14, W5) << "the worse workload's feedback first";
  EXPECT_LT(W5, Summary);
}

TEST_F(PromptTest, HintsAndTheScratchpadHaveTheirSections) {
  R.Hints = {"Try a margin.", "  "};
  R.Insight = "Offsets near 40 work.";
  std::string U = user();
  EXPECT_NE(U.find("## Hints\n\n- Keep it simple.\n- Try a margin.\n"),
            std::string::npos)
      << U;
  EXPECT_NE(U.find("## What the search has learnt so far\n\nOffsets near 40 "
                   "work.\n"),
            std::string::npos);
  EXPECT_LT(U.find("## Hints"), U.find("## What the search has learnt"));
}

TEST_F(PromptTest, AStalledSearchAsksForABolderChange) {
  EXPECT_EQ(user().find("stopped improving"), std::string::npos);
  R.Boldness = 3;
  std::string U = user();
  EXPECT_NE(U.find("- The search has stopped improving (stall level 2): small "
                   "tweaks of this program no longer help."),
            std::string::npos)
      << U;
}

TEST_F(PromptTest, AnInsightRequestCarriesTheReportAndThePreviousScratchpad) {
  InsightRequest I;
  I.Iteration = 50;
  I.Spec = &S;
  I.Report = "50 candidates: 40 scored.";
  I.Previous = "Offsets near 40 work.";
  std::vector<ChatMessage> M = buildInsightPrompt(I);
  ASSERT_EQ(M.size(), 2u);
  EXPECT_NE(M[0].Content.find("You keep the scratchpad"), std::string::npos);
  EXPECT_NE(M[1].Content.find("## The search so far (after 50 candidates)\n\n"
                              "50 candidates: 40 scored."),
            std::string::npos);
  EXPECT_NE(
      M[1].Content.find("## Your previous scratchpad\n\nOffsets near 40 work."),
      std::string::npos);
}

} // namespace
