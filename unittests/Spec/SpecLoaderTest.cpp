//===- SpecLoaderTest.cpp - Parsing and checking specs --------------------===//

#include "adrs/Spec/SpecLoader.h"
#include "adrs/Spec/SpecJSON.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;
using namespace adrs::spec;

namespace {

struct Parsed {
  std::optional<Spec> Result;
  std::string Diagnostics;
  unsigned Errors = 0;
  unsigned Warnings = 0;
};

Parsed parse(StringRef Text, bool CheckFiles = false,
             StringRef BaseDir = "/project") {
  Parsed P;
  SourceMgr SM;
  raw_string_ostream OS(P.Diagnostics);
  DiagnosticEngine Diags(SM, OS);
  LoadOptions Options;
  Options.CheckFiles = CheckFiles;
  Expected<Spec> S = parseSpec(Text, "spec.adrs", BaseDir, Diags, Options);
  if (S)
    P.Result = std::move(*S);
  else
    consumeError(S.takeError());
  OS.flush();
  P.Errors = Diags.getNumErrors();
  P.Warnings = Diags.getNumWarnings();
  return P;
}

const char *Minimal = R"(problem p {
  evolve block policy in "policy.cpp"
  evaluator evaluate in "eval.cpp"
  metrics cost
  minimize cost
}
)";

TEST(SpecLoaderTest, MinimalSpecGetsDefaults) {
  Parsed P = parse(Minimal);
  ASSERT_TRUE(P.Result) << P.Diagnostics;
  const Spec &S = *P.Result;
  EXPECT_EQ(S.Name, "p");
  ASSERT_EQ(S.Regions.size(), 1u);
  EXPECT_EQ(S.Regions[0].File, "/project/policy.cpp");
  EXPECT_EQ(S.Regions[0].Loc.Line, 2u);
  EXPECT_EQ(S.Build.Standard, "c++17");
  EXPECT_EQ(S.Search.Strategy, SearchStrategy::Islands);
  EXPECT_EQ(S.Generator.Kind, GeneratorKind::Builtin);
  EXPECT_EQ(S.Budget.Iterations, 1000u) << "a run without a budget must end";
  EXPECT_FALSE(S.Limit.TimeSeconds) << "the timeout adapts to the baseline";
  EXPECT_EQ(P.Errors, 0u);
}

TEST(SpecLoaderTest, UnitsAreNormalised) {
  std::string Text = Minimal;
  Text.insert(Text.rfind('}'),
              "  limits time 1500ms, memory 2GiB, output 64KB\n"
              "  budget time 2h, cost $12.5, iterations 1_000\n");
  Parsed P = parse(Text);
  ASSERT_TRUE(P.Result) << P.Diagnostics;
  EXPECT_DOUBLE_EQ(*P.Result->Limit.TimeSeconds, 1.5);
  EXPECT_EQ(P.Result->Limit.MemoryBytes, 2ull << 30);
  EXPECT_EQ(P.Result->Limit.OutputBytes, 64000u);
  EXPECT_DOUBLE_EQ(*P.Result->Budget.TimeSeconds, 7200);
  EXPECT_DOUBLE_EQ(*P.Result->Budget.USD, 12.5);
  EXPECT_EQ(*P.Result->Budget.Iterations, 1000u);
}

TEST(SpecLoaderTest, ExpressionsParseWithPrecedence) {
  std::string Text = Minimal;
  Text.insert(Text.rfind('}'),
              "  metrics a, b\n"
              "  require a - b * 2 >= -1 and not b > 3 or a == 0\n");
  Parsed P = parse(Text);
  ASSERT_TRUE(P.Result) << P.Diagnostics;
  ASSERT_EQ(P.Result->Constraints.size(), 1u);
  EXPECT_EQ(P.Result->Constraints[0].Condition->str(),
            "a - b * 2 >= -1 and not b > 3 or a == 0");
}

TEST(SpecLoaderTest, VerifyConditionsAccumulate) {
  std::string Text = Minimal;
  Text.insert(Text.rfind('}'), "  metrics misses\n"
                               "  require misses < 5\n"
                               "  verify score >= 40\n"
                               "  verify cost <= 110, misses == 0\n");
  Parsed P = parse(Text);
  ASSERT_TRUE(P.Result) << P.Diagnostics;
  EXPECT_EQ(P.Errors + P.Warnings, 0u) << P.Diagnostics;
  ASSERT_EQ(P.Result->Constraints.size(), 1u) << "verify is no constraint";
  const std::vector<Constraint> &V = P.Result->Verify;
  ASSERT_EQ(V.size(), 3u);
  EXPECT_EQ(V[0].Condition->str(), "score >= 40");
  EXPECT_EQ(V[1].Condition->str(), "cost <= 110");
  EXPECT_EQ(V[2].Condition->str(), "misses == 0");
  EXPECT_EQ(V[2].Loc.Line, 9u);
  EXPECT_EQ(V[2].Loc.Column, 23u);
}

TEST(SpecLoaderTest, VerifyNeedsConditionsOverKnownMetrics) {
  std::string Text = Minimal;
  Text.insert(Text.rfind('}'), "  verify cost, cots < 1\n");
  Parsed P = parse(Text);
  EXPECT_FALSE(P.Result);
  EXPECT_EQ(P.Errors, 2u) << P.Diagnostics;
  EXPECT_NE(P.Diagnostics.find("'verify' needs a condition"), std::string::npos)
      << P.Diagnostics;
  EXPECT_NE(P.Diagnostics.find("did you mean 'cost'?"), std::string::npos)
      << P.Diagnostics;
}

class SplitTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("adrs-split", Dir));
    for (const char *F : {"policy.cpp", "eval.cpp"})
      touch(F);
    for (int I = 0; I < 10; ++I)
      touch(("w" + Twine(I) + ".tsv").str());
  }
  void TearDown() override { sys::fs::remove_directories(Dir); }
  void touch(StringRef Name) {
    SmallString<256> Path(Dir);
    sys::path::append(Path, Name);
    std::error_code EC;
    raw_fd_ostream OS(Path, EC);
  }
  SmallString<256> Dir;
};

TEST_F(SplitTest, SplitIsDeterministicAndDisjoint) {
  std::string Text = Minimal;
  Text.insert(Text.rfind('}'),
              "  workloads w = \"*.tsv\" split train 70% seed 7\n");
  Parsed A = parse(Text, true, Dir), B = parse(Text, true, Dir);
  ASSERT_TRUE(A.Result) << A.Diagnostics;
  const WorkloadSet &W = A.Result->Workloads[0];
  EXPECT_EQ(W.TrainFiles.size(), 7u);
  EXPECT_EQ(W.TestFiles.size(), 3u);
  EXPECT_EQ(W.TrainFiles, B.Result->Workloads[0].TrainFiles);
  for (const std::string &F : W.TestFiles)
    EXPECT_EQ(std::count(W.TrainFiles.begin(), W.TrainFiles.end(), F), 0);

  std::string Other = Text;
  Other.replace(Other.find("seed 7"), 6, "seed 8");
  Parsed C = parse(Other, true, Dir);
  ASSERT_TRUE(C.Result);
  EXPECT_NE(C.Result->Workloads[0].TrainFiles, W.TrainFiles)
      << "another seed should give another split";
}

TEST(SpecLoaderTest, EveryErrorIsReported) {
  Parsed P = parse(R"(problem p {
  evolv block x in "a.cpp"
  limits time -1s
  search islnds
})");
  EXPECT_FALSE(P.Result);
  // evolv, negative time, unknown strategy, no evaluator, nothing to evolve.
  EXPECT_EQ(P.Errors, 5u) << P.Diagnostics;
}

TEST(SpecLoaderTest, HostileInputNeverCrashes) {
  std::string Deep = "problem p { score = " + std::string(100000, '(') + "\n}";
  EXPECT_FALSE(parse(Deep).Result);
  std::string Minuses =
      "problem p { score = " + std::string(100000, '-') + "x\n}";
  EXPECT_FALSE(parse(Minuses).Result);
  EXPECT_FALSE(parse(std::string("\0\1\2\3", 4)).Result);
  EXPECT_FALSE(parse("\xff\xfe").Result);
  EXPECT_FALSE(parse("").Result);
  std::string Noise;
  for (int I = 0; I < 200000; ++I)
    Noise += char(32 + (I * 7919) % 95);
  Parsed N = parse(Noise);
  EXPECT_FALSE(N.Result);
  // 20 errors at most, each showing a window of the line, not all of it.
  EXPECT_LE(N.Diagnostics.size(), 20000u) << N.Diagnostics.substr(0, 2000);
}

TEST(SpecLoaderTest, JSONHasEverySection) {
  Parsed P = parse(Minimal);
  ASSERT_TRUE(P.Result);
  json::Value V = toJSON(*P.Result);
  json::Object *O = V.getAsObject();
  ASSERT_TRUE(O);
  for (const char *Key :
       {"problem", "build", "regions", "evaluator", "workloads", "metrics",
        "objectives", "constraints", "verify", "limits", "stages", "generator",
        "search", "budget"})
    EXPECT_TRUE(O->get(Key)) << Key;
}

} // namespace
