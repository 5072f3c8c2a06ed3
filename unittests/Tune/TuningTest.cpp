//===- TuningTest.cpp - CMA-ES, reading its answer, writing back ----------===//

#include "adrs/Tune/Tuning.h"
#include "adrs/Tune/CMAES.h"

#include "llvm/Support/JSON.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace llvm;
using namespace adrs;
using namespace adrs::tune;

namespace {

TEST(TuningTest, CMAESFindsTheMinimumOfABowl) {
  std::vector<Parameter> P = {{1, -10, 10, false}, {-2, -10, 10, false}};
  auto Cost = [](const std::vector<double> &X) {
    return (X[0] - 3) * (X[0] - 3) + (X[1] + 4) * (X[1] + 4);
  };
  Outcome O = minimize(P, Cost, 400, 7);
  ASSERT_TRUE(O.Error.empty()) << O.Error;
  ASSERT_EQ(O.Best.size(), 2u);
  EXPECT_NEAR(O.Best[0], 3, 0.05);
  EXPECT_NEAR(O.Best[1], -4, 0.05);
  EXPECT_LT(O.BestCost, O.InitialCost);
  EXPECT_LE(O.Evaluations, 400u);
  // The same seed gives the same answer: a resumed run tunes alike.
  Outcome Again = minimize(P, Cost, 400, 7);
  EXPECT_EQ(Again.Best, O.Best);
}

TEST(TuningTest, TheOutcomeSaysHowTheSearchMoved) {
  std::vector<Parameter> P = {{1, -10, 10, false}, {-2, -10, 10, false}};
  auto Cost = [](const std::vector<double> &X) {
    return (X[0] - 3) * (X[0] - 3) + (X[1] + 4) * (X[1] + 4);
  };
  Outcome O = minimize(P, Cost, 60, 7);
  EXPECT_EQ(O.Explored.Points, O.Evaluations) << "every point evaluated";
  ASSERT_TRUE(O.Explored.Coverage);
  EXPECT_GT(*O.Explored.Coverage, 0);
  EXPECT_LE(*O.Explored.Coverage, 1);
  ASSERT_TRUE(O.Explored.TrajectoryLength);
  EXPECT_GT(*O.Explored.TrajectoryLength, 0);
  EXPECT_LE(*O.Explored.TrajectoryLength, 1);
  EXPECT_GE(O.BestStep, 1u);
  EXPECT_LE(O.BestStep, O.Evaluations);
  // The best step is where the best cost was reached first.
  std::vector<double> Costs;
  auto Logged = [&](const std::vector<double> &X) {
    Costs.push_back(Cost(X));
    return Costs.back();
  };
  Outcome Again = minimize(P, Logged, 60, 7);
  ASSERT_EQ(Costs.size(), Again.Evaluations);
  size_t First = std::min_element(Costs.begin(), Costs.end()) - Costs.begin();
  EXPECT_EQ(Again.BestStep, First + 1);
}

TEST(Exploration, TheSeedPapersDefinitions) {
  // Appendix D: a straight path has L = 1 whatever its steps.
  Exploration Line = explorationOf({{0, 0}, {0.1, 0.1}, {0.5, 0.5}, {1, 1}});
  ASSERT_TRUE(Line.TrajectoryLength);
  EXPECT_NEAR(*Line.TrajectoryLength, 1, 1e-12);
  // There and back: no displacement.
  Exploration Back = explorationOf({{0.2}, {0.8}, {0.2}});
  EXPECT_NEAR(*Back.TrajectoryLength, 0, 1e-12);
  // Two points: centroid between them, r half their distance, the disk
  // pi r^2 of the unit square.
  Exploration Two = explorationOf({{0, 0.5}, {1, 0.5}});
  EXPECT_NEAR(*Two.Coverage, M_PI / 4, 1e-12);
  EXPECT_EQ(Two.Points, 2u);
  // One dimension: the segment 2r of the unit interval.
  Exploration One = explorationOf({{0.25}, {0.75}, {0.5}});
  EXPECT_NEAR(*One.Coverage, 0.5, 1e-12);
  // Three: the ball 4/3 pi r^3.
  Exploration Three = explorationOf({{0.4, 0.5, 0.5}, {0.6, 0.5, 0.5}});
  EXPECT_NEAR(*Three.Coverage, 4.0 / 3 * M_PI * 0.001, 1e-12);
  // Opposite corners: a disk larger than the square, which covers all.
  EXPECT_EQ(*explorationOf({{0, 0}, {1, 1}}).Coverage, 1);
  // Many dimensions: no overflow, a tiny ball is a tiny share.
  std::vector<double> A(1000, 0.5), B(1000, 0.5);
  B[0] = 0.51;
  Exploration Wide = explorationOf({A, B});
  ASSERT_TRUE(Wide.Coverage);
  EXPECT_GE(*Wide.Coverage, 0);
  EXPECT_LT(*Wide.Coverage, 1e-100);
  // Nothing moved, or nothing at all.
  Exploration Still = explorationOf({{0.3, 0.3}, {0.3, 0.3}});
  EXPECT_EQ(*Still.Coverage, 0);
  EXPECT_FALSE(Still.TrajectoryLength);
  Exploration None = explorationOf({});
  EXPECT_FALSE(None.Coverage);
  EXPECT_FALSE(None.TrajectoryLength);
  EXPECT_FALSE(explorationOf({{0.5}}).TrajectoryLength);
}

TEST(TuningTest, InvalidPointsDoNotWin) {
  std::vector<Parameter> P = {{5, 0, 10, false}};
  auto Cost = [](const std::vector<double> &X) {
    return X[0] < 4 ? std::numeric_limits<double>::infinity() : X[0];
  };
  Outcome O = minimize(P, Cost, 200, 1);
  ASSERT_EQ(O.Best.size(), 1u);
  EXPECT_GE(O.Best[0], 4);
}

TEST(TuningTest, IntegersStayIntegers) {
  std::vector<Parameter> P = {{2, 0, 20, true}};
  auto Cost = [](const std::vector<double> &X) {
    return std::fabs(X[0] - 7.4);
  };
  Outcome O = minimize(P, Cost, 200, 3);
  ASSERT_EQ(O.Best.size(), 1u);
  EXPECT_EQ(O.Best[0], std::round(O.Best[0]));
  EXPECT_EQ(O.Best[0], 7);
}

TEST(TuningTest, AnEarlyStopSaysWhy) {
  // Seven constants the score does not depend on (the case of "7
  // constants, 9 evaluations" of 60): pagmo stops after the first
  // generation, whose costs are all the same, and the outcome says so.
  std::vector<Parameter> P(7, Parameter{1, 0, 10, false});
  auto Flat = [](const std::vector<double> &) { return 1.0; };
  Outcome O = minimize(P, Flat, 60, 5);
  EXPECT_LT(O.Evaluations, 60u);
  EXPECT_EQ(O.Stopped, EarlyStop::FlatCosts);
  EXPECT_EQ(O.PopulationSize, 9u);
  EXPECT_NE(describe(O.Stopped, O.PopulationSize).find("scored the same"),
            std::string::npos);
  // Every point invalid is flat too.
  auto Invalid = [](const std::vector<double> &) {
    return std::numeric_limits<double>::infinity();
  };
  EXPECT_EQ(minimize(P, Invalid, 60, 5).Stopped, EarlyStop::FlatCosts);
  // A budget too small for a population, and one that leaves less than a
  // generation, are named as such.
  std::vector<Parameter> One = {{1, 0, 10, false}};
  auto Bowl = [](const std::vector<double> &X) {
    return (X[0] - 3) * (X[0] - 3);
  };
  EXPECT_EQ(minimize(One, Bowl, 3, 5).Stopped, EarlyStop::TooSmall);
  Outcome Short = minimize(One, Bowl, 12, 5);
  EXPECT_EQ(Short.Evaluations, 10u);
  EXPECT_EQ(Short.Stopped, EarlyStop::Remainder);
  // A bowl searched to the end of its budget has nothing to explain.
  std::vector<Parameter> Two = {{1, -10, 10, false}, {-2, -10, 10, false}};
  auto Bowl2 = [](const std::vector<double> &X) {
    return (X[0] - 3) * (X[0] - 3) + (X[1] + 4) * (X[1] + 4);
  };
  Outcome Full = minimize(Two, Bowl2, 60, 7);
  EXPECT_EQ(Full.Evaluations, 60u);
  EXPECT_EQ(Full.Stopped, EarlyStop::None);
  // The reason travels from the tuning child by name.
  for (EarlyStop Why :
       {EarlyStop::None, EarlyStop::TooSmall, EarlyStop::Remainder,
        EarlyStop::FlatCosts, EarlyStop::Converged})
    EXPECT_EQ(earlyStopNamed(toString(Why)), Why);
  EXPECT_FALSE(earlyStopNamed("bored"));
}

Tuning lifted() {
  Tuning T;
  T.Lifted["policy"] = "  x = ADRS_PARAM(0, 1.5f);\n  n = ADRS_PARAM(1, 2);\n";
  passes::LiftedConstant A;
  A.Region = "policy";
  A.Index = 0;
  A.Spelling = "1.5f";
  A.Value = 1.5;
  A.Lower = 0.375;
  A.Upper = 6;
  passes::LiftedConstant B;
  B.Region = "policy";
  B.Index = 1;
  B.Spelling = "2";
  B.Value = 2;
  B.IsInteger = true;
  B.Lower = -8;
  B.Upper = 8;
  T.Constants = {A, B};
  return T;
}

TEST(TuningTest, WriteBackReadsLikeTheLiteralsItReplaces) {
  Tuning T = lifted();
  T.Result.Best = {0.25, -3.4};
  Program P = {{"policy", "old"}, {"other", "kept"}};
  Program Out = writeBack(P, T);
  EXPECT_EQ(Out.at("policy"), "  x = 0.25f;\n  n = (-3);\n");
  EXPECT_EQ(Out.at("other"), "kept");
  T.Result.Best = {2.0, 5};
  EXPECT_EQ(writeBack(P, T).at("policy"), "  x = 2.0f;\n  n = 5;\n");
}

TEST(TuningTest, AHostileAnswerIsRefusedOrClamped) {
  Tuning T = lifted();
  std::vector<Parameter> Params = {{1.5, 0.375, 6, false}, {2, -8, 8, true}};
  auto Read = [&](json::Value V) {
    Tuning Out = T;
    Error E = readTuneResult(V, Params, Out);
    std::string Message = E ? toString(std::move(E)) : "";
    return std::make_pair(Message, Out);
  };
  // Out of bounds: kept within them.
  auto [OK, Clamped] = Read(json::Object{{"best", json::Array{1e9, -1e9}},
                                         {"best_cost", -3},
                                         {"initial_cost", -1},
                                         {"evaluations", 10}});
  EXPECT_EQ(OK, "");
  EXPECT_EQ(Clamped.Result.Best, (std::vector<double>{6, -8}));
  // The wrong number of values, values that are not numbers, no object.
  EXPECT_NE(Read(json::Object{{"best", json::Array{1}}}).first, "");
  EXPECT_NE(Read(json::Object{{"best", json::Array{"x", 1}}}).first, "");
  EXPECT_NE(Read(json::Value("nonsense")).first, "");
  EXPECT_NE(Read(json::Object{{"evaluations", 3}}).first, "");
  // The exploration measures: within [0, 1] or absent; a best step and a
  // point count within the evaluations.
  auto [Measured, WithMeasures] =
      Read(json::Object{{"best", json::Array{2, 1}},
                        {"evaluations", 10},
                        {"best_step", 99},
                        {"points", 99},
                        {"coverage", 0.25},
                        {"trajectory_length", nullptr}});
  EXPECT_EQ(Measured, "");
  EXPECT_EQ(WithMeasures.Result.Explored.Coverage, 0.25);
  EXPECT_FALSE(WithMeasures.Result.Explored.TrajectoryLength);
  EXPECT_EQ(WithMeasures.Result.BestStep, 10u);
  EXPECT_EQ(WithMeasures.Result.Explored.Points, 10u);
  for (json::Value Bad : {json::Value(1.5), json::Value(-0.1),
                          json::Value("wide"), json::Value(json::Array{})}) {
    std::string Message =
        Read(json::Object{{"best", json::Array{2, 1}}, {"coverage", Bad}})
            .first;
    EXPECT_NE(Message.find("coverage is not a number in [0, 1]"),
              std::string::npos)
        << Message;
    EXPECT_NE(Read(json::Object{{"best", json::Array{2, 1}},
                                {"trajectory_length", Bad}})
                  .first,
              "");
  }
  // A null cost (an invalid point) reads as infinitely bad.
  auto [NullOK, Nulls] = Read(json::Object{{"best", json::Array{}},
                                           {"best_cost", nullptr},
                                           {"initial_cost", nullptr}});
  EXPECT_EQ(NullOK, "");
  EXPECT_TRUE(std::isinf(Nulls.Result.BestCost));
}

} // namespace
