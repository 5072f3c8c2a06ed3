//===- GlobTest.cpp - File name patterns ----------------------------------===//

#include "adrs/Support/Glob.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

using namespace llvm;
using namespace adrs;

namespace {

class GlobTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("adrs-glob", Root));
    for (const char *File : {"a.tsv", "b.tsv", "c.csv", ".hidden.tsv",
                             "sub/d.tsv", "sub/deep/e.tsv"})
      touch(File);
  }
  void TearDown() override { sys::fs::remove_directories(Root); }

  void touch(StringRef Relative) {
    SmallString<256> Path(Root);
    sys::path::append(Path, Relative);
    ASSERT_FALSE(sys::fs::create_directories(sys::path::parent_path(Path)));
    std::error_code EC;
    raw_fd_ostream OS(Path, EC);
    ASSERT_FALSE(EC);
  }

  std::vector<std::string> names(StringRef Pattern) {
    Expected<std::vector<std::string>> Files = expandGlob(Pattern, Root);
    EXPECT_TRUE(bool(Files));
    std::vector<std::string> Result;
    if (Files)
      for (const std::string &F : *Files)
        Result.push_back(F.substr(Root.size() + 1));
    return Result;
  }

  SmallString<256> Root;
};

TEST_F(GlobTest, StarStaysInOneDirectoryAndSkipsHidden) {
  EXPECT_EQ(names("*.tsv"), (std::vector<std::string>{"a.tsv", "b.tsv"}));
}

TEST_F(GlobTest, DoubleStarCrossesDirectories) {
  EXPECT_EQ(names("**/*.tsv"),
            (std::vector<std::string>{"a.tsv", "b.tsv", "sub/d.tsv",
                                      "sub/deep/e.tsv"}));
}

TEST_F(GlobTest, PlainPathsAndMisses) {
  EXPECT_EQ(names("c.csv"), (std::vector<std::string>{"c.csv"}));
  EXPECT_TRUE(names("missing.csv").empty());
  EXPECT_TRUE(names("*.json").empty());
  EXPECT_TRUE(names("sub").empty()) << "a directory is not a file";
}

TEST_F(GlobTest, CharacterClassesAndQuestionMark) {
  EXPECT_EQ(names("[ab].tsv"), (std::vector<std::string>{"a.tsv", "b.tsv"}));
  EXPECT_EQ(names("?.csv"), (std::vector<std::string>{"c.csv"}));
}

TEST_F(GlobTest, InvalidPatternIsAnError) {
  Expected<std::vector<std::string>> Files = expandGlob("[a-.tsv", Root);
  EXPECT_FALSE(bool(Files));
  consumeError(Files.takeError());
}

TEST(MakeAbsoluteTest, RemovesDots) {
  EXPECT_EQ(makeAbsolute("../x/./y.cpp", "/a/b"), "/a/x/y.cpp");
  EXPECT_EQ(makeAbsolute("/abs/z.cpp", "/a/b"), "/abs/z.cpp");
}

} // namespace
