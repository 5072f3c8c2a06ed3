//===- CommandZygoteTest.cpp - Evaluator commands answered by a zygote ----===//
//
// A SLURM worker runs an evaluator command in its zygote, on the road a
// local run takes (Evaluator::runCommand), and answers as for a C++
// candidate. Here the zygote is a local one, which serves a command spec
// the same way: what it answers must be what the local road gives, good
// results and bad ones alike.
//
//===----------------------------------------------------------------------===//

#include "adrs/Eval/Evaluation.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;

namespace {

/// A command spec in a directory of its own, removed at the end.
struct CommandProblem {
  SmallString<128> Dir;
  SourceMgr SM;
  std::string Errors;
  raw_string_ostream OS{Errors};
  DiagnosticEngine Diags{SM, OS};
  std::optional<spec::Spec> S;

  explicit CommandProblem(StringRef Script) {
    if (sys::fs::createUniqueDirectory("adrs-command-zygote", Dir))
      return;
    write("policy.cpp", "int policy(int x) {\n"
                        "  // EVOLVE-BLOCK-START policy\n"
                        "  return x + 1;\n"
                        "  // EVOLVE-BLOCK-END\n"
                        "}\n");
    write("data/a.txt", "1\n");
    write("eval.sh", Script);
    write("spec.adrs", "problem cmd {\n"
                       "  sources \"policy.cpp\"\n"
                       "  evolve block policy in \"policy.cpp\"\n"
                       "  evaluator command \"sh eval.sh\"\n"
                       "  workloads w = \"data/*.txt\" as train\n"
                       "  metrics ok\n"
                       "  maximize ok\n"
                       "  limits time 10s\n"
                       "}\n");
    SmallString<128> Spec(Dir);
    sys::path::append(Spec, "spec.adrs");
    Expected<spec::Spec> Loaded = spec::loadSpec(Spec, Diags);
    if (!Loaded) {
      consumeError(Loaded.takeError());
      return;
    }
    S = std::move(*Loaded);
  }
  ~CommandProblem() {
    if (!Dir.empty())
      sys::fs::remove_directories(Dir);
  }

  void write(StringRef Name, StringRef Text) {
    SmallString<128> Path(Dir);
    sys::path::append(Path, Name);
    sys::fs::create_directories(sys::path::parent_path(Path));
    std::error_code EC;
    raw_fd_ostream Out(Path, EC);
    Out << Text;
  }

  /// The baseline, evaluated here and through a zygote.
  std::pair<eval::Evaluation, eval::Evaluation> bothWays() {
    eval::Evaluator Here(*S, nullptr);
    Expected<eval::Evaluation> Local = Here.evaluate({}, eval::Side::Train);
    EXPECT_TRUE(bool(Local)) << toString(Local.takeError());
    Expected<std::unique_ptr<eval::Executor>> Exec =
        eval::Executor::start(*S, {});
    EXPECT_TRUE(bool(Exec)) << toString(Exec.takeError());
    if (!Local || !Exec)
      return {};
    eval::Evaluator There(*S, Exec->get());
    Expected<eval::Evaluation> Far = There.evaluate({}, eval::Side::Train);
    EXPECT_TRUE(bool(Far)) << toString(Far.takeError());
    if (!Far)
      return {};
    return {std::move(*Local), std::move(*Far)};
  }
};

TEST(CommandZygoteTest, AGoodReportComesBackAsItIsHere) {
  CommandProblem P(
      "echo \"{\\\"metrics\\\": {\\\"ok\\\": 3}, \\\"artifacts\\\": "
      "{\\\"stage\\\": \\\"$ADRS_STAGE\\\", \\\"job\\\": "
      "\\\"${SLURM_JOB_ID:-none}\\\"}}\"\n");
  ASSERT_TRUE(P.S) << P.Errors;
  auto [Local, Far] = P.bothWays();
  ASSERT_EQ(Local.Status, Status::OK) << Local.Reason;
  ASSERT_EQ(Far.Status, Status::OK) << Far.Reason;
  EXPECT_EQ(Far.Score, Local.Score);
  EXPECT_EQ(Far.Metrics, Local.Metrics);
  EXPECT_EQ(Far.Artifacts, Local.Artifacts);
  EXPECT_EQ(Far.Artifacts.at("stage"), "full");
  // A zygote started without a step's variables passes none on.
  EXPECT_EQ(Far.Artifacts.at("job"), "none");
}

TEST(CommandZygoteTest, AFailingCommandSaysTheSameThere) {
  CommandProblem P("echo 'half a report'\necho 'the model is missing' >&2\n"
                   "exit 1\n");
  ASSERT_TRUE(P.S) << P.Errors;
  auto [Local, Far] = P.bothWays();
  EXPECT_EQ(Local.Status, Status::AbnormalExit);
  EXPECT_EQ(Far.Status, Local.Status);
  EXPECT_EQ(Far.Reason, Local.Reason);
  EXPECT_EQ(Far.Reason, "the evaluator command exited with status 1: the "
                        "model is missing");
}

TEST(CommandZygoteTest, GarbageIsInvalidOutputThereToo) {
  CommandProblem P("echo 'metrics: none, just words'\n");
  ASSERT_TRUE(P.S) << P.Errors;
  auto [Local, Far] = P.bothWays();
  EXPECT_EQ(Local.Status, Status::InvalidOutput);
  EXPECT_EQ(Far.Status, Local.Status);
  EXPECT_EQ(Far.Reason, Local.Reason);
}

TEST(CommandZygoteTest, AReportPastTheCapsIsRefusedThereToo) {
  // Past the recorder's cap on artifacts: refused on both roads, never cut.
  CommandProblem P("printf '{\"metrics\": {\"ok\": 1}, \"artifacts\": {'\n"
                   "i=0; while [ $i -lt 300 ]; do printf '\"a%d\": \"x\", ' "
                   "$i; i=$((i+1)); done\nprintf '\"z\": \"x\"}}\\n'\n");
  ASSERT_TRUE(P.S) << P.Errors;
  auto [Local, Far] = P.bothWays();
  EXPECT_EQ(Local.Status, Status::InvalidOutput) << Local.Reason;
  EXPECT_EQ(Far.Status, Local.Status);
  EXPECT_EQ(Far.Reason, Local.Reason);
}

TEST(CommandZygoteTest, OnlyTheStepsVariablesAreKept) {
  const char *Environment[] = {"SLURM_JOB_ID=42",
                               "SLURM_STEP_ID=0",
                               "CUDA_VISIBLE_DEVICES=1",
                               "OPENAI_API_KEY=sk-secret",
                               "SLURM_JOB_NAME=adrsc-x",
                               "SLURM_STEP_GPUS",
                               nullptr};
  std::vector<std::string> Kept = eval::stepVariables(Environment);
  EXPECT_EQ(Kept,
            (std::vector<std::string>{"SLURM_JOB_ID=42", "SLURM_STEP_ID=0",
                                      "CUDA_VISIBLE_DEVICES=1"}));
  std::string Long = "CUDA_VISIBLE_DEVICES=" + std::string(5000, '0');
  const char *TooLong[] = {Long.c_str(), nullptr};
  EXPECT_TRUE(eval::stepVariables(TooLong).empty());
}

} // namespace
