//===- ExecutorTest.cpp - The zygote and its children ---------------------===//

#include "adrs/Eval/Evaluation.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/Support/raw_ostream.h"

#include "../Common/CantBeLate.h"

#include "gtest/gtest.h"

#include <csignal>
#include <sys/wait.h>

using namespace llvm;
using namespace adrs;

namespace {

using adrs::testing::Example;

TEST(ExecutorTest, AZygoteThatDiesIsStartedAgain) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<eval::Executor>> Exec =
      eval::Executor::start(*E.S, E.Regions);
  ASSERT_TRUE(bool(Exec)) << toString(Exec.takeError());
  eval::RunRequest Request;
  Request.Action = eval::ChildAction::LinkOnly;
  Request.Limits.WallSeconds = 30;
  Expected<eval::RunResult> First = (*Exec)->run(Request);
  ASSERT_TRUE(bool(First));
  EXPECT_EQ(First->Status, Status::OK) << First->Reason;

  // Something outside kills the zygote between two candidates.
  int Pid = (*Exec)->zygotePid();
  ASSERT_GT(Pid, 0);
  kill(Pid, SIGKILL);
  waitpid(Pid, nullptr, 0);

  Expected<eval::RunResult> Second = (*Exec)->run(Request);
  ASSERT_TRUE(bool(Second)) << toString(Second.takeError());
  EXPECT_EQ(Second->Status, Status::OK) << Second->Reason;
  EXPECT_EQ((*Exec)->restarts(), 1u);
  EXPECT_NE((*Exec)->zygotePid(), Pid);
}

TEST(ExecutorTest, EvaluatesTheBaselineOnBothSides) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  Expected<std::unique_ptr<eval::Executor>> Exec =
      eval::Executor::start(*E.S, E.Regions);
  ASSERT_TRUE(bool(Exec)) << toString(Exec.takeError());
  eval::Evaluator Evaluator(*E.S, Exec->get());
  Expected<eval::Evaluation> TrainE = Evaluator.evaluate({}, eval::Side::Train);
  ASSERT_TRUE(bool(TrainE)) << toString(TrainE.takeError());
  const eval::Evaluation &Train = *TrainE;
  ASSERT_EQ(Train.Status, Status::OK) << Train.Reason;
  EXPECT_TRUE(Train.Feasible);
  EXPECT_NEAR(Train.Metrics.at("avg_cost"), 119.0345, 5e-5);
  Expected<eval::Evaluation> TestE = Evaluator.evaluate({}, eval::Side::Test);
  ASSERT_TRUE(bool(TestE)) << toString(TestE.takeError());
  const eval::Evaluation &Test = *TestE;
  ASSERT_EQ(Test.Status, Status::OK) << Test.Reason;
  EXPECT_NEAR(Test.Metrics.at("avg_cost"), 120.7165, 5e-5);
  // Workloads are named by their path under the spec's directory.
  EXPECT_TRUE(Train.PerWorkload.count("data/cant_be_late_eval180.tsv"));
}

TEST(ExecutorTest, AdaptiveTimeoutFollowsTheBaseline) {
  Example E;
  ASSERT_TRUE(E.S) << E.Errors;
  spec::Spec S = *E.S;
  S.Limit.TimeSeconds.reset();
  Expected<std::unique_ptr<eval::Executor>> Exec =
      eval::Executor::start(S, E.Regions);
  ASSERT_TRUE(bool(Exec)) << toString(Exec.takeError());
  eval::Evaluator Evaluator(S, Exec->get());
  EXPECT_EQ(Evaluator.timeLimit(), 60) << "generous before the baseline";
  Evaluator.setBaselineSeconds(0.02);
  EXPECT_EQ(Evaluator.timeLimit(), 1) << "the floor";
  Evaluator.setBaselineSeconds(0.5);
  EXPECT_EQ(Evaluator.timeLimit(), 5) << "10 x the baseline";
}

} // namespace
