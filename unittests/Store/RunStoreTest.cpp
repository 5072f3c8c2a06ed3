//===- RunStoreTest.cpp - The run database --------------------------------===//

#include "adrs/Store/RunStore.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <sqlite3.h>

using namespace llvm;
using namespace adrs;
using namespace adrs::store;

namespace {

/// The value of \p E, or a test failure and an empty value.
template <typename T> T value(Expected<T> E) {
  if (!E) {
    ADD_FAILURE() << toString(E.takeError());
    return T();
  }
  return std::move(*E);
}

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
    C.Status = Status::OK;
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

TEST_F(RunStoreTest, LineageFollowsFirstParentsFromTheBaseline) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  for (int I = 0; I < 4; ++I)
    (*S)->addCandidate(candidate(I, I));
  Candidate Side = candidate(4, 4); // a child of #1, parents #1 and #3
  Side.Parents = {1, 3};
  (*S)->addCandidate(Side);
  ASSERT_FALSE(bool((*S)->flush()));
  auto Ids = [](const std::vector<Candidate> &Line) {
    std::vector<int64_t> Out;
    for (const Candidate &C : Line)
      Out.push_back(C.Id);
    return Out;
  };
  EXPECT_EQ(Ids(value((*S)->lineage(3))), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(Ids(value((*S)->lineage(4))), (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(Ids(value((*S)->lineage(3, 2))), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Ids(value((*S)->lineage(0))), (std::vector<int64_t>{0}));
  EXPECT_TRUE(value((*S)->lineage(99)).empty());
  EXPECT_EQ(value((*S)->lineage(3)).back().Edit, candidate(3, 0).Edit);
}

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
  EXPECT_EQ(value((*S)->meta("seed")).value_or(""), "7");
  EXPECT_EQ(value((*S)->candidateCount()), 5);
  std::vector<int64_t> Seen;
  ASSERT_FALSE(bool((*S)->forEachCandidate(true, [&](Candidate &&C) {
    Seen.push_back(C.Id);
    EXPECT_EQ(C.Score.value_or(-1), 10 + C.Id);
    EXPECT_EQ(C.Regions.at("policy"), "return " + std::to_string(C.Id) + ";\n");
    EXPECT_EQ(C.Objectives.size(), 2u);
    EXPECT_EQ(C.Features.at("length"), 12);
  })));
  EXPECT_EQ(Seen, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  std::optional<Candidate> C = value((*S)->candidate(3));
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
  EXPECT_EQ(value((*S)->pending()).size(), 2u);
  EXPECT_EQ(value((*S)->maxId()), 2);
  (*S)->addCandidate(candidate(1, 3));
  ASSERT_FALSE(bool((*S)->flush()));
  std::vector<Proposal> Left = value((*S)->pending());
  ASSERT_EQ(Left.size(), 1u);
  EXPECT_EQ(Left[0].Id, 2);
  EXPECT_EQ(Left[0].Regions.at("policy"), "return 2;\n");
}

TEST_F(RunStoreTest, TestResultsAndEvents) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  (*S)->addCandidate(candidate(0, 1));
  (*S)->setTest(0, "{\"score\":2}");
  (*S)->addEvent({1.5, 1, EventKind::Start, "session 1", std::nullopt});
  (*S)->addEvent({2.5, 1, EventKind::Tune, "#0: tuned", 0});
  ASSERT_FALSE(bool((*S)->flush()));
  EXPECT_EQ(value((*S)->candidate(0))->TestJSON, "{\"score\":2}");
  std::vector<Event> E = value((*S)->events());
  ASSERT_EQ(E.size(), 2u);
  EXPECT_EQ(E[0].Kind, EventKind::Start);
  EXPECT_FALSE(E[0].Subject.has_value());
  EXPECT_EQ(E[1].Kind, EventKind::Tune);
  EXPECT_EQ(E[1].Detail, "#0: tuned");
  EXPECT_EQ(E[1].Subject, std::optional<int64_t>(0));
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
  EXPECT_EQ(value((*S)->candidateCount()), 2);
  EXPECT_TRUE(value((*S)->candidate(1)).has_value());
  EXPECT_TRUE(value((*S)->candidate(3)).has_value());
}

TEST_F(RunStoreTest, AMissingRowIsNotAFailedRead) {
  auto S = RunStore::open(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  (*S)->addCandidate(candidate(0, 1));
  ASSERT_FALSE(bool((*S)->flush()));
  Expected<std::optional<Candidate>> Missing = (*S)->candidate(42);
  ASSERT_TRUE(bool(Missing)) << toString(Missing.takeError());
  EXPECT_FALSE(Missing->has_value());
  Expected<std::optional<std::string>> NoMeta = (*S)->meta("no such key");
  ASSERT_TRUE(bool(NoMeta)) << toString(NoMeta.takeError());
  EXPECT_FALSE(NoMeta->has_value());
}

TEST_F(RunStoreTest, RowsThisAdrscCannotReadAreErrorsNotGaps) {
  {
    auto S = RunStore::open(Path);
    ASSERT_TRUE(bool(S)) << toString(S.takeError());
    (*S)->addCandidate(candidate(0, 1));
    (*S)->addEvent({1, 1, EventKind::Start, "", std::nullopt});
    ASSERT_FALSE(bool((*S)->flush()));
  }
  // What a later adrsc, or a damaged file, could hold.
  sqlite3 *DB = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &DB), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(DB,
                         "UPDATE candidates SET status = 'levitated';"
                         "UPDATE events SET kind = 'eclipse';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(DB);
  auto S = RunStore::openReadOnly(Path);
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  Expected<std::optional<Candidate>> C = (*S)->candidate(0);
  ASSERT_FALSE(bool(C));
  EXPECT_NE(toString(C.takeError()).find("'levitated'"), std::string::npos);
  Error All = (*S)->forEachCandidate(false, [](Candidate &&) {});
  EXPECT_TRUE(bool(All));
  consumeError(std::move(All));
  Expected<std::vector<Event>> E = (*S)->events();
  ASSERT_FALSE(bool(E));
  EXPECT_NE(toString(E.takeError()).find("'eclipse'"), std::string::npos);
}

} // namespace

namespace {

TEST_F(RunStoreTest, SteeringsAreNumberedKeptInOrderAndMarkedWhenTaken) {
  std::unique_ptr<RunStore> S = value(RunStore::open(Path));
  ASSERT_TRUE(S);
  Steering Hint;
  Hint.Kind = EventKind::Hint;
  Hint.Text = "try a margin";
  Steering Pin;
  Pin.Kind = EventKind::Pin;
  Pin.Subject = 4;
  EXPECT_EQ(value(S->addSteering(Hint)), 1);
  EXPECT_EQ(value(S->addSteering(Pin)), 2);
  S->markApplied(1, 7, 9);
  ASSERT_FALSE(bool(S->flush()));
  S.reset();
  // Another process (the command beside a run) reads what was recorded.
  std::unique_ptr<RunStore> R = value(RunStore::openReadOnly(Path));
  ASSERT_TRUE(R);
  std::vector<Steering> All = value(R->steerings());
  ASSERT_EQ(All.size(), 2u);
  EXPECT_EQ(All[0].Kind, EventKind::Hint);
  EXPECT_EQ(All[0].Text, "try a margin");
  EXPECT_EQ(All[0].AppliedAfter, std::optional<int64_t>(7));
  EXPECT_EQ(All[0].AppliedBeforeProposal, std::optional<int64_t>(9));
  EXPECT_EQ(All[1].Subject, std::optional<int64_t>(4));
  EXPECT_FALSE(All[1].AppliedAfter);
  std::vector<Steering> Later = value(R->steerings(1));
  ASSERT_EQ(Later.size(), 1u);
  EXPECT_EQ(Later[0].Id, 2);
}

TEST_F(RunStoreTest, SteeringStateUndoesOnlyWhatIsThere) {
  SteeringState State;
  Steering H{1, EventKind::Hint, false, std::nullopt, "a"};
  EXPECT_TRUE(State.apply(H));
  Steering Remove{2, EventKind::Hint, true, 1, ""};
  EXPECT_TRUE(State.apply(Remove));
  EXPECT_FALSE(State.apply(Remove)) << "hint 1 is gone already";
  EXPECT_TRUE(State.Hints.empty());
  Steering P{3, EventKind::Pin, false, 5, ""};
  EXPECT_TRUE(State.apply(P));
  EXPECT_FALSE(State.apply(P)) << "pinned already";
  Steering Unpin{4, EventKind::Pin, true, 5, ""};
  EXPECT_TRUE(State.apply(Unpin));
  EXPECT_FALSE(State.apply(Unpin));
  EXPECT_TRUE(State.Pins.empty());
}

TEST_F(RunStoreTest, ARunMadeBeforeSteeringReadsAsUnsteered) {
  sqlite3 *DB = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &DB), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(DB,
                         "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT "
                         "NOT NULL); CREATE TABLE candidates(id INTEGER);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(DB);
  std::unique_ptr<RunStore> R = value(RunStore::openReadOnly(Path));
  ASSERT_TRUE(R);
  EXPECT_TRUE(value(R->steerings()).empty());
  EXPECT_TRUE(value(R->insights()).empty());
}

TEST_F(RunStoreTest, AVersion2DatabaseIsReadAsItIsAndMigratedByAWriter) {
  // The tables of schema version 2 that changed, with one candidate and
  // one pending.
  sqlite3 *DB = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &DB), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(
          DB,
          "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "INSERT INTO meta VALUES('schema_version', '2');"
          "CREATE TABLE candidates(id INTEGER PRIMARY KEY, seq INTEGER NOT "
          "NULL UNIQUE, parents TEXT NOT NULL, island INTEGER NOT NULL, "
          "generator TEXT NOT NULL, operator TEXT NOT NULL, description TEXT "
          "NOT NULL, edit TEXT NOT NULL, prompt TEXT NOT NULL, reply TEXT NOT "
          "NULL, regions TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT "
          "NULL, feasible INTEGER NOT NULL, score REAL, objectives TEXT NOT "
          "NULL, features TEXT NOT NULL, fingerprint TEXT NOT NULL, result "
          "TEXT NOT NULL, test TEXT NOT NULL DEFAULT '', cost REAL NOT NULL, "
          "wall_ms REAL NOT NULL, finished_at REAL NOT NULL, session INTEGER "
          "NOT NULL, model TEXT NOT NULL DEFAULT '', prompt_tokens INTEGER NOT "
          "NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0);"
          "INSERT INTO candidates VALUES(0, 1, '[]', 0, 'baseline', '', '', "
          "'', '', '', '{}', 'ok', '', 1, 1.5, '[]', '{}', '', '{}', '', 0, 0, "
          "0, 1, '', 0, 0);"
          "CREATE TABLE pending(id INTEGER PRIMARY KEY, parents TEXT NOT NULL, "
          "island INTEGER NOT NULL, generator TEXT NOT NULL, operator TEXT NOT "
          "NULL, description TEXT NOT NULL, edit TEXT NOT NULL, prompt TEXT "
          "NOT NULL, reply TEXT NOT NULL, regions TEXT NOT NULL, model TEXT "
          "NOT NULL DEFAULT '', prompt_tokens INTEGER NOT NULL DEFAULT 0, "
          "completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL "
          "DEFAULT 0);"
          "INSERT INTO pending VALUES(1, '[0]', 0, 'llm', '', '', '', '', '', "
          "'{}', 'm', 0, 0, 0);",
          nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(DB);
  {
    std::unique_ptr<RunStore> R = value(RunStore::openReadOnly(Path));
    ASSERT_TRUE(R);
    std::optional<Candidate> Base = value(R->candidate(0));
    ASSERT_TRUE(Base);
    EXPECT_EQ(Base->Score, 1.5);
    EXPECT_FALSE(Base->PromptVariant);
    ASSERT_EQ(value(R->pending()).size(), 1u);
    EXPECT_TRUE(value(R->promptVariants()).empty());
    EXPECT_EQ(value(R->meta("schema_version")), std::string("2"))
        << "a reader changes nothing";
  }
  std::unique_ptr<RunStore> W = value(RunStore::open(Path));
  ASSERT_TRUE(W);
  EXPECT_EQ(value(W->meta("schema_version")), std::string("4"))
      << "through version 3, in one go";
  EXPECT_TRUE(value(W->tunings()).empty());
  std::vector<Proposal> Pending = value(W->pending());
  ASSERT_EQ(Pending.size(), 1u);
  EXPECT_EQ(Pending[0].Model, "m");
  EXPECT_FALSE(Pending[0].PromptVariant);
  Candidate C = candidate(1, 2.5);
  C.PromptVariant = 2;
  W->addCandidate(C);
  PromptVariant One, Refused, Two;
  One.Number = 1;
  One.Parent = 0;
  One.Iteration = 4;
  One.Text = "one";
  Refused.Iteration = 8;
  Refused.Refusal = "refused: the reply is empty";
  Two.Number = 2;
  Two.Parent = 1;
  Two.Iteration = 12;
  Two.Text = "two";
  W->addPromptVariant(One, std::nullopt, std::nullopt);
  W->addPromptVariant(Refused, std::nullopt, std::nullopt);
  W->addPromptVariant(Two, /*Retire=*/1,
                      Event{1.0, 1, EventKind::Prompt, "variant 2", {}});
  ASSERT_FALSE(bool(W->flush()));
  std::optional<Candidate> Back = value(W->candidate(1));
  ASSERT_TRUE(Back);
  EXPECT_EQ(Back->PromptVariant, 2);
  EXPECT_TRUE(value(W->pending()).empty());
  std::vector<PromptVariant> Variants = value(W->promptVariants());
  ASSERT_EQ(Variants.size(), 3u);
  EXPECT_EQ(Variants[0].Number, 1);
  EXPECT_EQ(Variants[0].RetiredAfter, 12) << "retired when 2 came";
  EXPECT_FALSE(Variants[1].Number);
  EXPECT_EQ(Variants[1].Refusal, "refused: the reply is empty");
  EXPECT_EQ(Variants[2].Parent, 1);
  EXPECT_FALSE(Variants[2].RetiredAfter);
  std::vector<Event> Events = value(W->events());
  ASSERT_EQ(Events.size(), 1u);
  EXPECT_EQ(Events[0].Kind, EventKind::Prompt);
}

TEST_F(RunStoreTest, ProposalTimesAndTuningsAreKept) {
  {
    std::unique_ptr<RunStore> S = value(RunStore::open(Path));
    ASSERT_TRUE(S);
    EXPECT_EQ(S->schemaVersion(), SchemaVersion);
    Candidate Base = candidate(0, 1);
    S->addCandidate(Base);
    Proposal P;
    P.Id = 1;
    P.Parents = {0};
    P.ProposalMs = 2.5;
    S->addPending(P);
    Candidate Timed = candidate(2, 3);
    Timed.ProposalMs = 0.125;
    S->addCandidate(Timed);
    TuningRecord T;
    T.Subject = 2;
    T.At = 4.5;
    T.Session = 1;
    T.Constants = 3;
    T.Evaluations = 28;
    T.Budget = 30;
    T.InitialScore = -2;
    T.BestScore = -1;
    T.BestStep = 17;
    T.Coverage = 0.0625;
    T.TrajectoryLength = 0.25;
    T.WallMs = 1200;
    T.Summary = "#2: 3 constants";
    S->addTuning(T, Event{4.5, 1, EventKind::Tune, T.Summary, 2});
    TuningRecord Failed;
    Failed.Subject = 0;
    Failed.Failure = "the program has no numeric constants to tune";
    S->addTuning(Failed, Event{5, 1, EventKind::Tune, "#0: none", 0});
    ASSERT_FALSE(bool(S->flush()));
  }
  std::unique_ptr<RunStore> R = value(RunStore::openReadOnly(Path));
  ASSERT_TRUE(R);
  EXPECT_FALSE(value(R->candidate(0))->ProposalMs) << "the baseline has none";
  EXPECT_EQ(value(R->candidate(2))->ProposalMs, 0.125);
  std::vector<Proposal> Pending = value(R->pending());
  ASSERT_EQ(Pending.size(), 1u);
  EXPECT_EQ(Pending[0].ProposalMs, 2.5) << "a resumed proposal keeps its time";
  std::vector<TuningRecord> Tunings = value(R->tunings());
  ASSERT_EQ(Tunings.size(), 2u);
  EXPECT_EQ(Tunings[0].Subject, 2);
  EXPECT_EQ(Tunings[0].Evaluations, 28u);
  EXPECT_EQ(Tunings[0].Budget, 30u);
  EXPECT_EQ(Tunings[0].BestScore, -1);
  EXPECT_EQ(Tunings[0].BestStep, 17);
  EXPECT_EQ(Tunings[0].Coverage, 0.0625);
  EXPECT_EQ(Tunings[0].TrajectoryLength, 0.25);
  EXPECT_EQ(Tunings[0].WallMs, 1200);
  EXPECT_EQ(Tunings[1].Failure, "the program has no numeric constants to tune");
  EXPECT_FALSE(Tunings[1].Coverage);
  EXPECT_FALSE(Tunings[1].BestStep);
  std::vector<Event> Events = value(R->events());
  ASSERT_EQ(Events.size(), 2u) << "each tuning with its event";
  EXPECT_EQ(Events[0].Kind, EventKind::Tune);
}

TEST_F(RunStoreTest, AVersion3DatabaseIsReadAsItIsAndMigratedByAWriter) {
  {
    std::unique_ptr<RunStore> S = value(RunStore::open(Path));
    ASSERT_TRUE(S);
    S->addCandidate(candidate(0, 1));
    Proposal P;
    P.Id = 1;
    P.Parents = {0};
    P.PromptVariant = 3;
    S->addPending(P);
    ASSERT_FALSE(bool(S->flush()));
  }
  // What version 3 was: no proposal times, no tunings table.
  sqlite3 *DB = nullptr;
  ASSERT_EQ(sqlite3_open(Path.c_str(), &DB), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(DB,
                         "ALTER TABLE candidates DROP COLUMN proposal_ms;"
                         "ALTER TABLE pending DROP COLUMN proposal_ms;"
                         "DROP TABLE tunings;"
                         "UPDATE meta SET value = '3' WHERE key = "
                         "'schema_version';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(DB);
  sqlite3_close(DB);
  {
    std::unique_ptr<RunStore> R = value(RunStore::openReadOnly(Path));
    ASSERT_TRUE(R);
    EXPECT_EQ(R->schemaVersion(), 3);
    std::optional<Candidate> Base = value(R->candidate(0));
    ASSERT_TRUE(Base);
    EXPECT_FALSE(Base->ProposalMs);
    std::vector<Proposal> Pending = value(R->pending());
    ASSERT_EQ(Pending.size(), 1u);
    EXPECT_EQ(Pending[0].PromptVariant, 3);
    EXPECT_TRUE(value(R->tunings()).empty());
    EXPECT_EQ(value(R->meta("schema_version")), std::string("3"));
  }
  std::unique_ptr<RunStore> W = value(RunStore::open(Path));
  ASSERT_TRUE(W);
  EXPECT_EQ(value(W->meta("schema_version")), std::string("4"));
  EXPECT_EQ(W->schemaVersion(), 4);
  Candidate C = candidate(1, 2);
  C.ProposalMs = 7;
  C.PromptVariant = 3;
  W->addCandidate(C);
  TuningRecord T;
  T.Subject = 1;
  T.Coverage = 0.5;
  W->addTuning(T, Event{1, 1, EventKind::Tune, "#1", 1});
  ASSERT_FALSE(bool(W->flush()));
  EXPECT_EQ(value(W->candidate(1))->ProposalMs, 7);
  EXPECT_EQ(value(W->candidate(1))->PromptVariant, 3);
  ASSERT_EQ(value(W->tunings()).size(), 1u);
}

} // namespace
