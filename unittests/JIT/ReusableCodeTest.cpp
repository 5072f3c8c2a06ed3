//===- ReusableCodeTest.cpp - Leaving a unit's unreached code out ---------===//
//
// withoutReusableCode on texts: the functions found at setup are blanked
// out where the candidate's regions put them, and nowhere when the text
// outside the regions is not the baseline's.
//
//===----------------------------------------------------------------------===//

#include "../../lib/JIT/ReusableCode.h"

#include "gtest/gtest.h"

using namespace adrs::jit;

namespace {

// Baseline: a free function, a region, a member.
const char Baseline[] = "int f(int X) {\n  return X;\n}\n"
                        "// R\nint g() { return 1; }\n// E\n"
                        "int S::h() const { return 2; }\n";

ReusableCode code() {
  std::string B = Baseline;
  ReusableCode C;
  ReusableFunction F;
  F.Begin = B.find('{');
  F.End = B.find("}\n") + 1;
  F.KeepsDeclaration = true;
  F.Name = "_Z1fi";
  ReusableFunction H;
  H.Begin = B.find("int S::h");
  H.End = B.size() - 1;
  H.Name = "_ZNK1S1hEv";
  C.Functions = {F, H};
  return C;
}

std::pair<size_t, size_t> regionOf(const std::string &Text) {
  size_t Begin = Text.find("// R\n") + 5;
  return {Begin, Text.find("// E\n")};
}

TEST(ReusableCode, BlanksWhereTheRegionsPutThem) {
  std::string B = Baseline;
  std::string Candidate = B;
  Candidate.replace(Candidate.find("return 1;"), 9, "return 100 + 1;");
  std::set<std::string> Left;
  std::optional<std::string> Out = withoutReusableCode(
      Candidate, B, code(), {regionOf(B)}, {regionOf(Candidate)}, Left);
  ASSERT_TRUE(Out);
  EXPECT_EQ(*Out, "int f(int X) ;\n           \n \n"
                  "// R\nint g() { return 100 + 1; }\n// E\n"
                  "                              \n");
  EXPECT_EQ(Out->size(), Candidate.size());
  EXPECT_EQ(Left, (std::set<std::string>{"_Z1fi", "_ZNK1S1hEv"}));
}

TEST(ReusableCode, NothingWhenTheTextOutsideTheRegionsChanged) {
  std::string B = Baseline;
  std::string Candidate = B;
  Candidate.replace(Candidate.find("return 2;"), 9, "return 3;");
  std::set<std::string> Left = {"stale"};
  EXPECT_FALSE(withoutReusableCode(Candidate, B, code(), {regionOf(B)},
                                   {regionOf(Candidate)}, Left));
  EXPECT_EQ(Left, (std::set<std::string>{"stale"}));
}

TEST(ReusableCode, NothingWhenTheRegionsDoNotCorrespond) {
  std::string B = Baseline;
  std::set<std::string> Left;
  EXPECT_FALSE(withoutReusableCode(B, B, code(), {regionOf(B)}, {}, Left));
  // A candidate region that claims the text of a reusable function.
  EXPECT_FALSE(withoutReusableCode(B, B, code(), {regionOf(B)},
                                   {{0, regionOf(B).second}}, Left));
  EXPECT_TRUE(Left.empty());
}

TEST(ReusableCode, NothingToLeaveOut) {
  std::string B = Baseline;
  std::set<std::string> Left;
  EXPECT_FALSE(withoutReusableCode(B, B, ReusableCode(), {regionOf(B)},
                                   {regionOf(B)}, Left));
}

} // namespace
