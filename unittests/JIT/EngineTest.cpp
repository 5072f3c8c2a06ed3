//===- EngineTest.cpp - Prebuilt code plus one candidate ------------------===//
//
// The Can't Be Late example through the engine, in process: the baseline
// must reproduce the published figure, and a candidate must replace it.
//
//===----------------------------------------------------------------------===//

#include "adrs/JIT/Engine.h"
#include "adrs/Eval/Recorder.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "../Common/CantBeLate.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;

namespace {

using adrs::testing::Example;

/// The example's region file replaced by the Uniform Progress baseline;
/// empty if that file cannot be read.
regions::FileOverrides uniformProgress(const Example &E) {
  auto Buffer =
      MemoryBuffer::getFile(ADRS_SOURCE_DIR "/examples/cant-be-late/baselines/"
                                            "uniform_progress.cpp");
  if (!Buffer)
    return {};
  return {{E.Regions[0].File, (*Buffer)->getBuffer().str()}};
}

TEST(EngineTest, BaselineReproducesThePublishedCost) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  ASSERT_EQ(E.Regions.size(), 1u) << E.Errors;
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Engine)) << toString(Engine.takeError());

  eval::Recorder Rec(E.train(), std::make_shared<eval::Cache>());
  std::vector<regions::SourceDiagnostic> Diags;
  jit::CandidateTimings T;
  Error Err = (*Engine)->run({}, Rec, Diags, T);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  EXPECT_NEAR(Rec.report().Metrics.at("avg_cost"), 119.0345, 5e-5);
  EXPECT_NEAR(Rec.report().Metrics.at("score"), 27.80, 5e-3);
  EXPECT_EQ(Rec.report().Metrics.at("deadline_misses"), 0);
  errs() << "setup " << (*Engine)->setupSeconds() << " s; candidate compile "
         << T.CompileMs << " ms, link " << T.LinkMs << " ms, run " << T.RunMs
         << " ms\n";
}

// A unit that instantiates std::vector, std::unordered_map and
// std::stable_sort: its instantiations are compiled once at setup, and the
// program gives the same result calling them.
TEST(EngineTest, TemplatedUnitSharesItsInstantiations) {
  Example E(ADRS_SOURCE_DIR "/bench/Inputs/templated/spec.adrs");
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Engine)) << toString(Engine.takeError());
  EXPECT_GT((*Engine)->sharedFunctions(), 100u);
  eval::Recorder Rec(E.train(), std::make_shared<eval::Cache>());
  std::vector<regions::SourceDiagnostic> Diags;
  jit::CandidateTimings T;
  Error Err = (*Engine)->run({}, Rec, Diags, T);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  EXPECT_EQ(Rec.report().Metrics.at("makespan"), 299);
}

TEST(EngineTest, UniformProgressBaselineAsACandidate) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Engine)) << toString(Engine.takeError());
  regions::FileOverrides Overrides = uniformProgress(E);
  ASSERT_FALSE(Overrides.empty());
  eval::Recorder Rec(E.train(), std::make_shared<eval::Cache>());
  std::vector<regions::SourceDiagnostic> Diags;
  jit::CandidateTimings T;
  Error Err = (*Engine)->run(Overrides, Rec, Diags, T);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  EXPECT_NEAR(Rec.report().Metrics.at("avg_cost"), 101.6827, 5e-5);
  EXPECT_NEAR(Rec.report().Metrics.at("score"), 45.12, 5e-3);
}

// What generate() made can be adopted in place of compiling the candidate
// again (the zygote carries it to the next stage's child) and gives the
// same program; bytes that are not such a compile are refused.
TEST(EngineTest, AGeneratedCandidateIsAdoptedInsteadOfCompiledAgain) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Engine)) << toString(Engine.takeError());
  regions::FileOverrides Overrides = uniformProgress(E);
  ASSERT_FALSE(Overrides.empty());
  std::vector<regions::SourceDiagnostic> Diags;
  jit::CandidateTimings T;
  Expected<passes::PassPipeline> None = passes::PassPipeline::create({});
  ASSERT_TRUE(bool(None));
  passes::PassResults Results;
  EXPECT_EQ((*Engine)->compiled(), "");
  Error Err =
      (*Engine)->compile(Overrides, E.Regions, *None, Results, Diags, T);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  Err = (*Engine)->generate(T);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  std::string Compiled = (*Engine)->compiled();
  ASSERT_GT(Compiled.size(), 1000u);

  for (StringRef Bad :
       {StringRef(""), StringRef("an object file"),
        StringRef(Compiled).drop_back(1), StringRef(Compiled).take_front(20)}) {
    Error Refused = (*Engine)->adopt(Bad);
    ASSERT_TRUE(bool(Refused));
    EXPECT_NE(toString(std::move(Refused))
                  .find("cannot adopt the compiled candidate"),
              std::string::npos);
  }
  std::string OtherUnit = Compiled;
  OtherUnit[15] = 7; // the unit's index, just after the tag
  Error Refused = (*Engine)->adopt(OtherUnit);
  ASSERT_TRUE(bool(Refused));
  EXPECT_NE(toString(std::move(Refused)).find("names unit 7"),
            std::string::npos);

  Err = (*Engine)->adopt(Compiled);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  jit::CandidateTimings Again;
  Err = (*Engine)->link(Again);
  ASSERT_FALSE(bool(Err)) << toString(std::move(Err));
  EXPECT_EQ(Again.CompileMs, 0);
  eval::Recorder Rec(E.train(), std::make_shared<eval::Cache>());
  (*Engine)->evaluate(Rec, Again);
  EXPECT_NEAR(Rec.report().Metrics.at("avg_cost"), 101.6827, 5e-5);
}

TEST(EngineTest, CompileErrorsComeBackAsDiagnostics) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<jit::Engine>> Engine =
      jit::Engine::create(*E.S, E.Regions);
  ASSERT_TRUE(bool(Engine)) << toString(Engine.takeError());
  regions::FileOverrides Overrides = {
      {E.Regions[0].File, "#include \"spot_sim.h\"\n"
                          "cbl::ClusterType decide(const cbl::PolicyState &s) "
                          "{ return nonsense; }\n"}};
  std::vector<regions::SourceDiagnostic> Diags;
  jit::CandidateTimings T;
  Expected<passes::PassPipeline> None = passes::PassPipeline::create({});
  ASSERT_TRUE(bool(None));
  passes::PassResults Results;
  Error Err =
      (*Engine)->compile(Overrides, E.Regions, *None, Results, Diags, T);
  EXPECT_TRUE(bool(Err));
  consumeError(std::move(Err));
  ASSERT_FALSE(Diags.empty());
  EXPECT_EQ(Diags[0].Line, 2u);
  EXPECT_NE(Diags[0].Message.find("nonsense"), std::string::npos);
}

} // namespace
