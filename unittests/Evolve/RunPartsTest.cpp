//===- RunPartsTest.cpp - The run loop's pieces ---------------------------===//
//
// The run directory (its lock, clearing it, the snapshot a resume compares)
// and the program cache, apart from the loop that uses them.
//
//===----------------------------------------------------------------------===//

#include "../../lib/Evolve/ProgramCache.h"
#include "../../lib/Evolve/RunDirectory.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;
using namespace adrs;
using namespace adrs::evolve;

namespace {

struct RunPartsTest : ::testing::Test {
  SmallString<128> Dir;
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("adrs-run-parts", Dir));
  }
  void TearDown() override {
    ::chmod(Dir.c_str(), 0755);
    sys::fs::remove_directories(Dir);
  }
  std::string path(StringRef Name) {
    SmallString<128> P(Dir);
    sys::path::append(P, Name);
    return std::string(P);
  }
};

TEST_F(RunPartsTest, ARunDirectoryHasOneOwner) {
  std::string Run = path("run");
  Expected<RunDirectory> First = RunDirectory::lock(Run);
  ASSERT_TRUE(bool(First)) << toString(First.takeError());
  Expected<RunDirectory> Second = RunDirectory::lock(Run);
  ASSERT_FALSE(bool(Second));
  std::string Message = toString(Second.takeError());
  EXPECT_NE(Message.find("in use by another adrsc (process " +
                         std::to_string(::getpid()) + ")"),
            std::string::npos)
      << Message;
}

TEST_F(RunPartsTest, TheLockGoesWithItsOwner) {
  std::string Run = path("run");
  {
    Expected<RunDirectory> First = RunDirectory::lock(Run);
    ASSERT_TRUE(bool(First)) << toString(First.takeError());
  }
  Expected<RunDirectory> Again = RunDirectory::lock(Run);
  EXPECT_TRUE(bool(Again)) << toString(Again.takeError());
}

TEST_F(RunPartsTest, AFailedStartLeavesNoTrace) {
  // The run directory did not exist: a start that stored nothing (a spec
  // the engine refuses, say) takes the directory away with its lock.
  std::string Run = path("adrs-runs/fresh");
  {
    Expected<RunDirectory> D = RunDirectory::lock(Run);
    ASSERT_TRUE(bool(D)) << toString(D.takeError());
    EXPECT_TRUE(sys::fs::exists(Run + "/lock"));
  }
  EXPECT_FALSE(sys::fs::exists(Run + "/lock"));
  EXPECT_FALSE(sys::fs::exists(Run));
}

TEST_F(RunPartsTest, ARunKeepsWhatItStoredAndADirectoryItDidNotMake) {
  std::string Stored = path("stored");
  {
    Expected<RunDirectory> D = RunDirectory::lock(Stored);
    ASSERT_TRUE(bool(D)) << toString(D.takeError());
    std::error_code EC;
    raw_fd_ostream(D->databasePath(), EC) << "x";
    ASSERT_FALSE(EC);
  }
  EXPECT_FALSE(sys::fs::exists(Stored + "/lock"));
  EXPECT_TRUE(sys::fs::exists(Stored + "/run.db"));

  std::string Given = path("given");
  ASSERT_FALSE(sys::fs::create_directories(Given));
  {
    Expected<RunDirectory> D = RunDirectory::lock(Given);
    ASSERT_TRUE(bool(D)) << toString(D.takeError());
  }
  EXPECT_TRUE(sys::fs::is_directory(Given));
  EXPECT_FALSE(sys::fs::exists(Given + "/lock"));
}

TEST_F(RunPartsTest, ALockOnADeletedFileDoesNotCount) {
  // Another adrsc opened the lock file just before its holder deleted it
  // and let go: it must not run beside a third that made a new one.
  std::string Run = path("run");
  Expected<RunDirectory> First = RunDirectory::lock(Run);
  ASSERT_TRUE(bool(First)) << toString(First.takeError());
  int Stale = ::open((Run + "/lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(Stale, 0);
  { RunDirectory Gone = std::move(*First); }
  EXPECT_FALSE(sys::fs::exists(Run + "/lock"));
  Expected<RunDirectory> Third = RunDirectory::lock(Run);
  ASSERT_TRUE(bool(Third)) << toString(Third.takeError());
  // The stale descriptor's file is not the one at the path any more; a
  // lock taken through it guards nothing, and lock() never uses such a one.
  EXPECT_EQ(::flock(Stale, LOCK_EX | LOCK_NB), 0);
  Expected<RunDirectory> Fourth = RunDirectory::lock(Run);
  EXPECT_FALSE(bool(Fourth));
  consumeError(Fourth.takeError());
  ::close(Stale);
}

TEST_F(RunPartsTest, ClearDeletesTheDatabaseAndTheBest) {
  std::string Run = path("run");
  Expected<RunDirectory> D = RunDirectory::lock(Run);
  ASSERT_TRUE(bool(D)) << toString(D.takeError());
  for (StringRef Name : {"run.db", "run.db-wal", "best/policy.cpp"}) {
    SmallString<128> P(Run);
    sys::path::append(P, Name);
    sys::fs::create_directories(sys::path::parent_path(P));
    std::error_code EC;
    raw_fd_ostream(P, EC) << "x";
  }
  ASSERT_FALSE(bool(D->clear()));
  EXPECT_FALSE(sys::fs::exists(D->databasePath()));
  EXPECT_FALSE(sys::fs::exists(Run + "/run.db-wal"));
  EXPECT_FALSE(sys::fs::exists(Run + "/best"));
  EXPECT_TRUE(sys::fs::exists(Run + "/lock"));
}

TEST_F(RunPartsTest, AReadOnlyDirectoryIsNotCalledBusy) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes anywhere; the lit suite covers this with "
                    "a read-only bind";
  std::string Run = path("run");
  ASSERT_FALSE(sys::fs::create_directories(Run));
  ASSERT_EQ(::chmod(Run.c_str(), 0555), 0);
  Expected<RunDirectory> D = RunDirectory::lock(Run);
  ASSERT_FALSE(bool(D));
  std::string Message = toString(D.takeError());
  EXPECT_EQ(Message.find("in use"), std::string::npos) << Message;
  EXPECT_NE(Message.find("cannot use the run directory"), std::string::npos)
      << Message;
}

TEST_F(RunPartsTest, SnapshotsTellWhatChanged) {
  std::string Old = R"({"spec":"a","files":{"/x.cpp":"1","/y.cpp":"2"}})";
  EXPECT_EQ(snapshotDifference(Old, Old), "");
  EXPECT_EQ(snapshotDifference(
                Old, R"({"spec":"b","files":{"/x.cpp":"1","/y.cpp":"2"}})"),
            "the spec changed since the run started");
  EXPECT_EQ(snapshotDifference(
                Old, R"({"spec":"a","files":{"/x.cpp":"1","/y.cpp":"3"}})"),
            "'/y.cpp' changed since the run started");
  EXPECT_EQ(snapshotDifference(
                Old, R"({"spec":"a","files":{"/x.cpp":"1","/y.cpp":"2",)"
                     R"("/z.cpp":"4"}})"),
            "'/z.cpp' is new since the run started");
  EXPECT_EQ(snapshotDifference("not json", Old),
            "the run's snapshot cannot be read");
}

TEST_F(RunPartsTest, TheCacheFallsBackToTheDatabase) {
  Expected<std::unique_ptr<store::RunStore>> S =
      store::RunStore::open(path("run.db"));
  ASSERT_TRUE(bool(S)) << toString(S.takeError());
  for (int64_t Id = 0; Id < 5; ++Id) {
    store::Candidate C;
    C.Id = Id;
    C.Seq = Id + 1;
    C.Regions = {{"policy", "return " + std::to_string(Id) + ";"}};
    (*S)->addCandidate(C);
  }
  ASSERT_FALSE(bool((*S)->flush()));
  ProgramCache Cache(**S, 2);
  for (int64_t Id = 0; Id < 5; ++Id) {
    Expected<const Program *> P = Cache.get(Id);
    ASSERT_TRUE(bool(P)) << toString(P.takeError());
    ASSERT_NE(*P, nullptr);
    EXPECT_EQ((*P)->at("policy"), "return " + std::to_string(Id) + ";");
  }
  Cache.put(9, {{"policy", "in memory only"}});
  Expected<const Program *> Nine = Cache.get(9);
  ASSERT_TRUE(bool(Nine));
  EXPECT_EQ((*Nine)->at("policy"), "in memory only");
  Expected<const Program *> Missing = Cache.get(42);
  ASSERT_TRUE(bool(Missing)) << toString(Missing.takeError());
  EXPECT_EQ(*Missing, nullptr);
}

} // namespace
