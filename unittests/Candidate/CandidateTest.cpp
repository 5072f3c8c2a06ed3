//===- CandidateTest.cpp - From a reply to a candidate, and its checks ----===//
//
// The front half of the road on the main example: what prepare() makes of a
// reply, how a program is laid out as files, and what the checker's passes
// (the same pipeline as the evaluation child's) say about it. Also the
// regions the example's spec names, as Clang finds them.
//
//===----------------------------------------------------------------------===//

#include "adrs/Candidate/Candidate.h"
#include "adrs/Passes/CandidateChecker.h"

#include "../Common/CantBeLate.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;

namespace {

using adrs::testing::Example;

struct CandidateTest : ::testing::Test {
  Example E;
  std::optional<candidate::Sources> Sources;
  void SetUp() override {
    ASSERT_TRUE(E.S) << E.Errors;
    ASSERT_EQ(E.Regions.size(), 1u) << E.Errors;
    Expected<candidate::Sources> S = candidate::Sources::read(E.Regions);
    ASSERT_TRUE(bool(S)) << toString(S.takeError());
    Sources = std::move(*S);
  }
};

TEST_F(CandidateTest, RegionsComeWithTheirContext) {
  const regions::Region &R = E.Regions.front();
  EXPECT_EQ(R.Name, "policy");
  EXPECT_TRUE(StringRef(R.File).endswith("policy/greedy.cpp"));
  EXPECT_EQ(R.Unit, R.File);
  EXPECT_NE(R.Function.find("decide"), std::string::npos) << R.Function;
  EXPECT_TRUE(StringRef(R.Text).contains("const double margin = 1.0;"));
  EXPECT_EQ(Sources->files().at(R.File).substr(R.Begin, R.End - R.Begin),
            R.Text);
  bool UsesState = false;
  for (const regions::ContextDecl &D : R.Context)
    UsesState |= StringRef(D.Name).contains("PolicyState");
  EXPECT_TRUE(UsesState) << "the region's context names cbl::PolicyState";
}

TEST_F(CandidateTest, ASearchReplaceBecomesAProgramAndItsFiles) {
  Expected<candidate::Prepared> P = candidate::prepare(
      *Sources,
      "Raise the margin.\n<<<<<<< SEARCH\n  const double margin = 1.0;\n"
      "=======\n  const double margin = 1.25;\n>>>>>>> REPLACE\n",
      Sources->baseline());
  ASSERT_TRUE(bool(P)) << toString(P.takeError());
  EXPECT_EQ(P->Changed, std::vector<std::string>{"policy"});
  EXPECT_TRUE(StringRef(P->Child.at("policy")).contains("margin = 1.25;"));
  const regions::Region &R = P->Layout.Regions.front();
  ASSERT_EQ(P->Layout.Overrides.size(), 1u);
  const std::string &File = P->Layout.Overrides.at(R.File);
  EXPECT_EQ(File.substr(R.Begin, R.End - R.Begin), P->Child.at("policy"));
  // Everything outside the region is as it was.
  const std::string &Old = Sources->files().at(R.File);
  const regions::Region &Before = E.Regions.front();
  EXPECT_EQ(File.substr(0, R.Begin), Old.substr(0, Before.Begin));
  EXPECT_EQ(File.substr(R.End), Old.substr(Before.End));
}

TEST_F(CandidateTest, TheBaselineLaysOutAsItsOwnFiles) {
  candidate::Materialized M = Sources->materialize(Sources->baseline());
  EXPECT_TRUE(M.Overrides.empty());
  EXPECT_EQ(M.Files, Sources->files());
}

TEST_F(CandidateTest, AReplyWithoutAnEditIsUnreadable) {
  Expected<candidate::Prepared> P = candidate::prepare(
      *Sources, "I would rather not change anything.", Sources->baseline());
  ASSERT_FALSE(bool(P));
  bool Unreadable = false;
  handleAllErrors(P.takeError(), [&](const candidate::EditRefused &R) {
    Unreadable = R.Unreadable;
    EXPECT_FALSE(R.Rejections.empty());
  });
  EXPECT_TRUE(Unreadable);
}

TEST_F(CandidateTest, AnEditOutsideTheRegionIsRefusedWithItsLine) {
  Expected<candidate::Prepared> P = candidate::prepare(
      *Sources,
      "\n\n<<<<<<< SEARCH\n#include <algorithm>\n=======\n#include "
      "<fstream>\n>>>>>>> REPLACE\n",
      Sources->baseline());
  ASSERT_FALSE(bool(P));
  handleAllErrors(P.takeError(), [&](const candidate::EditRefused &R) {
    EXPECT_FALSE(R.Unreadable);
    ASSERT_FALSE(R.Rejections.empty());
    EXPECT_EQ(R.Rejections.front().ReplyLine, 3u);
  });
}

TEST_F(CandidateTest, RefusalReasonIsOneLine) {
  Expected<candidate::Prepared> P =
      candidate::prepare(*Sources, "no edit here", Sources->baseline());
  ASSERT_FALSE(bool(P));
  std::string Reason = candidate::refusalReason(P.takeError());
  EXPECT_FALSE(Reason.empty());
  EXPECT_EQ(Reason.find('\n'), std::string::npos) << Reason;
}

TEST_F(CandidateTest, RecordedTextsMustHoldTheirRegions) {
  Expected<candidate::Sources> Missing =
      candidate::Sources::fromTexts(E.Regions, {});
  ASSERT_FALSE(bool(Missing));
  consumeError(Missing.takeError());
  Expected<candidate::Sources> Short = candidate::Sources::fromTexts(
      E.Regions, {{E.Regions.front().File, "too short"}});
  ASSERT_FALSE(bool(Short));
  consumeError(Short.takeError());
  Expected<candidate::Sources> Same =
      candidate::Sources::fromTexts(E.Regions, Sources->files());
  ASSERT_TRUE(bool(Same)) << toString(Same.takeError());
  EXPECT_EQ(Same->baseline(), Sources->baseline());
}

TEST_F(CandidateTest, TheCheckerJudgesWithThePipeline) {
  Expected<std::unique_ptr<passes::CandidateChecker>> Checker =
      passes::CandidateChecker::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Checker)) << toString(Checker.takeError());
  Expected<passes::PassPipeline> Pipeline =
      passes::PassPipeline::create(passes::defaultPasses());
  ASSERT_TRUE(bool(Pipeline)) << toString(Pipeline.takeError());

  Expected<passes::CheckResult> Base =
      (*Checker)->check({}, E.Regions, *Pipeline);
  ASSERT_TRUE(bool(Base)) << toString(Base.takeError());
  EXPECT_EQ(Base->Result, Status::OK);
  EXPECT_EQ(Base->fingerprint().size(), 16u);

  // Comments and layout do not make another program.
  Expected<candidate::Prepared> Same = candidate::prepare(
      *Sources,
      "<<<<<<< SEARCH\n  const double margin = 1.0;\n=======\n"
      "  const double margin =   1.0;   // the same\n>>>>>>> REPLACE\n",
      Sources->baseline());
  ASSERT_TRUE(bool(Same)) << toString(Same.takeError());
  Expected<passes::CheckResult> SameCheck = (*Checker)->check(
      Same->Layout.Overrides, Same->Layout.Regions, *Pipeline);
  ASSERT_TRUE(bool(SameCheck)) << toString(SameCheck.takeError());
  EXPECT_EQ(SameCheck->fingerprint(), Base->fingerprint());

  Expected<candidate::Prepared> Bad = candidate::prepare(
      *Sources,
      "<<<<<<< SEARCH\n  const double margin = 1.0;\n=======\n"
      "  const double margin = nonsense;\n>>>>>>> REPLACE\n",
      Sources->baseline());
  ASSERT_TRUE(bool(Bad)) << toString(Bad.takeError());
  Expected<passes::CheckResult> BadCheck =
      (*Checker)->check(Bad->Layout.Overrides, Bad->Layout.Regions, *Pipeline);
  ASSERT_TRUE(bool(BadCheck)) << toString(BadCheck.takeError());
  EXPECT_EQ(BadCheck->Result, Status::CompileError);
  ASSERT_FALSE(BadCheck->Diagnostics.empty());
  EXPECT_NE(BadCheck->Diagnostics.front().Message.find("nonsense"),
            std::string::npos);
}

} // namespace
