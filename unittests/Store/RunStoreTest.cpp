//===- RunStoreTest.cpp - The run database --------------------------------===//

#include "adrs/Store/RunStore.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs::store;

namespace {

class RunStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("adrs-store", Dir));
    Path = (Dir + "/run.db").str();
  }
  void TearDown() override { sys::fs::remove_directories(Dir); }

  static Candidate candidate(int64_t Id, double Score) {
    Candidate C;
    C.Id = Id;
    C.Seq = Id + 1;
    C.Parents = Id ? std::vector<int64_t>{Id - 1} : std::vector<int64_t>{};
    C.Generator = Id ? "builtin" : "baseline";
    C.Operator = "constant";
    C.Edit = "<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n";
    C.Regions = {{"policy", "return " + std::to_string(Id) + ";\n"}};
    C.Status = "ok";
    C.Feasible = true;
    C.Score = Score;
    C.Objectives = {Score, -1};
    C.Features = {{"length", 12}};
    C.Fingerprint = "policy:abc";
    C.ResultJSON = "{\"status\":\"ok\"}";
    return C;
  }

  SmallString<128> Dir;
  std::string Path;
};

TEST_F(RunStoreTest, CandidatesSurviveReopening) {
  {
    auto S = RunStore::open(Path);
    ASSERT_TRUE(bool(S)) << toString(S.takeError());
    (*S)->setMetaAsync("seed", "7");
    for (int I = 0; I < 5; ++I)
      (*S)->addCandidate(candidate(I, 10 + I));
    ASSERT_FALSE(bool((*S)->flush()));
  }
  auto S = RunStore::openReadOnly(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  EXPECT_EQ((*S)->meta("seed").value_or(""), "7");
  EXPECT_EQ((*S)->candidateCount(), 5);
  std::vector<int64_t> Seen;
  ASSERT_FALSE(bool((*S)->forEachCandidate(true, [&](Candidate &&C) {
    Seen.push_back(C.Id);
    EXPECT_EQ(C.Score.value_or(-1), 10 + C.Id);
    EXPECT_EQ(C.Regions.at("policy"), "return " + std::to_string(C.Id) + ";\n");
    EXPECT_EQ(C.Objectives.size(), 2u);
    EXPECT_EQ(C.Features.at("length"), 12);
  })));
  EXPECT_EQ(Seen, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  std::optional<Candidate> C = (*S)->candidate(3);
  ASSERT_TRUE(C.has_value());
  EXPECT_EQ(C->Parents, (std::vector<int64_t>{2}));
  EXPECT_EQ(C->Edit, candidate(3, 0).Edit);
}

TEST_F(RunStoreTest, PendingIsClearedByTheFinishedCandidate) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  Proposal P = candidate(1, 0);
  (*S)->addPending(P);
  (*S)->addPending(candidate(2, 0));
  ASSERT_FALSE(bool((*S)->flush()));
  EXPECT_EQ((*S)->pending().size(), 2u);
  EXPECT_EQ((*S)->maxId(), 2);
  (*S)->addCandidate(candidate(1, 3));
  ASSERT_FALSE(bool((*S)->flush()));
  std::vector<Proposal> Left = (*S)->pending();
  ASSERT_EQ(Left.size(), 1u);
  EXPECT_EQ(Left[0].Id, 2);
  EXPECT_EQ(Left[0].Regions.at("policy"), "return 2;\n");
}

TEST_F(RunStoreTest, TestResultsAndEvents) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  (*S)->addCandidate(candidate(0, 1));
  (*S)->setTest(0, "{\"score\":2}");
  (*S)->addEvent({1.5, 1, "start", "session 1"});
  (*S)->addEvent({2.5, 1, "stop", "budget"});
  ASSERT_FALSE(bool((*S)->flush()));
  EXPECT_EQ((*S)->candidate(0)->TestJSON, "{\"score\":2}");
  std::vector<Event> E = (*S)->events();
  ASSERT_EQ(E.size(), 2u);
  EXPECT_EQ(E[0].Kind, "start");
  EXPECT_EQ(E[1].Detail, "budget");
}

TEST_F(RunStoreTest, RefusesAFileThatIsNotARunDatabase) {
  {
    std::error_code EC;
    raw_fd_ostream OS(Path, EC);
    OS << "this is not sqlite, just some text that happens to be here\n";
  }
  auto S = RunStore::open(Path);
  ASSERT_FALSE(bool(S));
  std::string Message = toString(S.takeError());
  EXPECT_NE(Message.find(Path), std::string::npos) << Message;
  auto R = RunStore::openReadOnly(Path);
  ASSERT_FALSE(bool(R));
  consumeError(R.takeError());
}

TEST_F(RunStoreTest, RefusesAnotherSchemaVersion) {
  {
    auto S = RunStore::open(Path);
    ASSERT_TRUE(bool(S)) << toString(S.takeError());
    ASSERT_FALSE(bool((*S)->setMeta("schema_version", "999")));
  }
  auto S = RunStore::open(Path);
  ASSERT_FALSE(bool(S));
  std::string Message = toString(S.takeError());
  EXPECT_NE(Message.find("schema version 999"), std::string::npos) << Message;
}

TEST_F(RunStoreTest, AFailedWriteDoesNotTakeTheOthersWithIt) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  Candidate A = candidate(1, 1), B = candidate(2, 2);
  B.Seq = A.Seq; // violates UNIQUE(seq): this one write must fail alone
  (*S)->addCandidate(A);
  (*S)->addCandidate(B);
  (*S)->addCandidate(candidate(3, 3));
  Error E = (*S)->flush();
  EXPECT_TRUE(bool(E));
  consumeError(std::move(E));
  EXPECT_EQ((*S)->candidateCount(), 2);
  EXPECT_TRUE((*S)->candidate(1).has_value());
  EXPECT_TRUE((*S)->candidate(3).has_value());
}

} // namespace
