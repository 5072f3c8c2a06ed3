//===- DiagnosticsTest.cpp - Clang-style diagnostics ----------------------===//

#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace llvm;
using namespace adrs;

namespace {

TEST(ClosestMatchTest, SuggestsPlausibleTypos) {
  std::vector<std::string> Metrics = {"savings", "avg_cost", "deadline_misses"};
  EXPECT_EQ(closestMatch("savngs", Metrics), "savings");
  EXPECT_EQ(closestMatch("avgcost", Metrics), "avg_cost");
  EXPECT_EQ(closestMatch("SAVINGS", Metrics), "savings");
  EXPECT_EQ(closestMatch("throughput", Metrics), std::nullopt);
  EXPECT_EQ(closestMatch("x", Metrics), std::nullopt);
  EXPECT_EQ(didYouMean("evolv", ArrayRef<StringRef>{"evolve", "evaluator"}),
            "; did you mean 'evolve'?");
}

TEST(DiagnosticEngineTest, FormatsLikeClangAndCounts) {
  SourceMgr SM;
  std::string Out;
  raw_string_ostream OS(Out);
  DiagnosticEngine Diags(SM, OS);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy("line one\n  bad here\n", "spec.adrs"),
      SMLoc());
  const char *Start = SM.getMemoryBuffer(ID)->getBufferStart();
  Diags.error(SMLoc::getFromPointer(Start + 11), "something is wrong");
  Diags.note(SMLoc::getFromPointer(Start), "see here");
  Diags.warning(SMLoc::getFromPointer(Start), "careful");
  OS.flush();
  EXPECT_NE(
      Out.find("spec.adrs:2:3: error: something is wrong\n  bad here\n  ^"),
      std::string::npos)
      << Out;
  EXPECT_NE(Out.find("spec.adrs:1:1: note: see here"), std::string::npos);
  EXPECT_EQ(Diags.getNumErrors(), 1u);
  EXPECT_EQ(Diags.getNumWarnings(), 1u);
  ASSERT_EQ(Diags.diagnostics().size(), 3u);
  EXPECT_EQ(Diags.diagnostics()[0].Line, 2u);
  EXPECT_EQ(Diags.diagnostics()[0].Column, 3u);
}

TEST(DiagnosticEngineTest, ErrorLimitStopsPrintingButKeepsCounting) {
  SourceMgr SM;
  std::string Out;
  raw_string_ostream OS(Out);
  DiagnosticEngine Diags(SM, OS);
  Diags.setErrorLimit(2);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy("x\n", "s.adrs"), SMLoc());
  SMLoc Loc = SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart());
  for (int I = 0; I < 5; ++I) {
    Diags.error(Loc, "e" + Twine(I));
    Diags.note(Loc, "n" + Twine(I));
  }
  OS.flush();
  EXPECT_EQ(Diags.getNumErrors(), 5u);
  EXPECT_NE(Out.find("e1"), std::string::npos);
  EXPECT_EQ(Out.find("e2"), std::string::npos);
  EXPECT_EQ(Out.find("n2"), std::string::npos) << "notes follow their error";
  EXPECT_NE(Out.find("too many errors emitted"), std::string::npos);
}

TEST(DiagnosticEngineTest, WarningsAsErrors) {
  SourceMgr SM;
  std::string Out;
  raw_string_ostream OS(Out);
  DiagnosticEngine Diags(SM, OS);
  Diags.setWarningsAsErrors(true);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy("x\n", "s.adrs"), SMLoc());
  Diags.warning(SMLoc::getFromPointer(SM.getMemoryBuffer(ID)->getBufferStart()),
                "w");
  EXPECT_TRUE(Diags.hasErrors());
}

TEST(DiagnosticEngineTest, LocationsAgreeWithSourceMgr) {
  // The engine finds lines and columns in an index of its own; they must be
  // SourceMgr's, '\r' conventions included, and so must the rendering.
  const char *Text = "one\ntwo\r\nthree\rfour\n\n  last";
  for (size_t I = 0, N = strlen(Text); I <= N; ++I) {
    SourceMgr SM;
    std::string Ours, Theirs;
    raw_string_ostream OS(Ours), Expected(Theirs);
    DiagnosticEngine Diags(SM, OS);
    unsigned ID = SM.AddNewSourceBuffer(
        MemoryBuffer::getMemBufferCopy(Text, "s.adrs"), SMLoc());
    const char *Start = SM.getMemoryBuffer(ID)->getBufferStart();
    SMLoc Loc = SMLoc::getFromPointer(Start + I);
    SMRange Range(Loc, SMLoc::getFromPointer(Start + std::min(I + 3, N)));
    EXPECT_EQ(Diags.getLineAndColumn(Loc), SM.getLineAndColumn(Loc)) << I;
    Diags.error(Loc, "m", Range);
    SM.PrintMessage(Expected, Loc, SourceMgr::DK_Error, "m", Range);
    OS.flush();
    Expected.flush();
    EXPECT_EQ(Ours, Theirs) << "offset " << I;
  }
}

TEST(DiagnosticEngineTest, LongLinesAreWindowedAndCheap) {
  // One 2 MB line and a diagnostic for every 8th byte: each must cost a
  // window of the line, not the line (the test would take minutes).
  std::string Line(2 << 20, 'x');
  SourceMgr SM;
  std::string Out;
  raw_string_ostream OS(Out);
  DiagnosticEngine Diags(SM, OS);
  Diags.setErrorLimit(0);
  unsigned ID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy(Line, "s.adrs"), SMLoc());
  const char *Start = SM.getMemoryBuffer(ID)->getBufferStart();
  for (size_t I = 0; I < Line.size(); I += 8)
    Diags.warning(SMLoc::getFromPointer(Start + I), "w");
  OS.flush();
  EXPECT_EQ(Diags.getNumWarnings(), Line.size() / 8);
  EXPECT_LT(Out.size(), Diags.getNumWarnings() * 300);
  EXPECT_NE(Out.find("s.adrs:1:2097145: warning: w\n"), std::string::npos);
  EXPECT_EQ(Diags.getLineAndColumn(SMLoc::getFromPointer(Start + Line.size())),
            std::make_pair(1u, unsigned(Line.size() + 1)));
}

} // namespace
