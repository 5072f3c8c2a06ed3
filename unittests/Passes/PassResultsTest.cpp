//===- PassResultsTest.cpp - The pipeline and pass results as data --------===//

#include "adrs/Passes/Pass.h"

#include "llvm/Support/JSON.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;
using namespace adrs::passes;

namespace {

TEST(PassPipelineTest, KnowsTheBuiltinPasses) {
  Expected<PassPipeline> P = PassPipeline::create(defaultPasses());
  ASSERT_TRUE(bool(P)) << toString(P.takeError());
  EXPECT_EQ(P->names().vec(), defaultPasses());
  Expected<PassPipeline> None = PassPipeline::create({});
  ASSERT_TRUE(bool(None));
  EXPECT_TRUE(None->empty());
}

TEST(PassPipelineTest, AnUnknownPassNamesThoseThereAre) {
  Expected<PassPipeline> P = PassPipeline::create({"forbid", "nope"});
  ASSERT_FALSE(bool(P));
  std::string Message = toString(P.takeError());
  EXPECT_NE(Message.find("unknown pass 'nope'"), std::string::npos) << Message;
  EXPECT_NE(Message.find("lift-constants"), std::string::npos) << Message;
}

PassResults sample() {
  PassResults R;
  R.Rejections.push_back({"forbid", "policy", 12, 3, "call to 'system'"});
  R.Features = {{"length", 40}, {"complexity", 3}};
  R.Fingerprints = {{"b", "00000000000000bb"}, {"a", "00000000000000aa"}};
  R.Transformed = {{"a", "x = ADRS_PARAM(0, 1.0);"}};
  LiftedConstant C;
  C.Region = "a";
  C.Index = 0;
  C.Spelling = "1.0";
  C.Value = 1;
  C.Lower = 0.25;
  C.Upper = 4;
  C.Line = 7;
  R.Constants.push_back(C);
  return R;
}

TEST(PassResultsTest, TheProgramFingerprintIsTheRegionsInNameOrder) {
  EXPECT_EQ(programFingerprint(sample()), "00000000000000aa-00000000000000bb");
  EXPECT_EQ(programFingerprint(PassResults()), "");
}

TEST(PassResultsTest, RoundTripsAsData) {
  PassResults R = sample();
  Expected<PassResults> Back = passResultsFromJSON(toJSON(R));
  ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
  ASSERT_EQ(Back->Rejections.size(), 1u);
  EXPECT_EQ(Back->Rejections[0].Message, "call to 'system'");
  EXPECT_EQ(Back->Rejections[0].Column, 3u);
  EXPECT_EQ(Back->Features, R.Features);
  EXPECT_EQ(Back->Fingerprints, R.Fingerprints);
  EXPECT_EQ(Back->Transformed, R.Transformed);
  ASSERT_EQ(Back->Constants.size(), 1u);
  EXPECT_EQ(Back->Constants[0].Upper, 4);
  EXPECT_EQ(programFingerprint(*Back), programFingerprint(R));
}

/// What a candidate that forged its child's answer could send.
TEST(PassResultsTest, HostileDataIsRefused) {
  auto Refused = [](json::Value V) {
    Expected<PassResults> R = passResultsFromJSON(V);
    if (R)
      return false;
    consumeError(R.takeError());
    return true;
  };
  EXPECT_TRUE(Refused(json::Value("just text")));
  EXPECT_TRUE(Refused(json::Object{{"rejections", "none"}}));
  EXPECT_TRUE(Refused(json::Object{{"rejections", json::Array{42}}}));
  EXPECT_TRUE(Refused(
      json::Object{{"rejections", json::Array{json::Object{{"line", -5}}}}}));
  EXPECT_TRUE(
      Refused(json::Object{{"features", json::Object{{"length", "long"}}}}));
  EXPECT_TRUE(
      Refused(json::Object{{"fingerprints", json::Object{{"policy", 12}}}}));
  EXPECT_TRUE(Refused(
      json::Object{{"constants", json::Array{json::Object{{"index", 1e12}}}}}));
  // A flood of entries is refused, not kept.
  json::Array Many;
  for (int I = 0; I < 10'001; ++I)
    Many.push_back(json::Object{{"message", "x"}});
  EXPECT_TRUE(Refused(json::Object{{"rejections", std::move(Many)}}));
}

TEST(PassResultsTest, LongTextIsCut) {
  PassResults R;
  R.Rejections.push_back({"forbid", "p", 1, 1, std::string(5 << 20, 'x')});
  Expected<PassResults> Back = passResultsFromJSON(toJSON(R));
  ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
  EXPECT_EQ(Back->Rejections[0].Message.size(), size_t(1) << 20);
}

} // namespace
