//===- CompilationDatabaseTest.cpp - Flags from compile_commands.json -----===//

#include "adrs/Regions/SourceParser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>

using namespace llvm;
using namespace adrs;

namespace {

class CompilationDatabaseTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(sys::fs::createUniqueDirectory("adrs-compdb", Dir));
  }
  void TearDown() override { sys::fs::remove_directories(Dir); }

  /// Writes \p Text as compile_commands.json in a new build directory.
  std::string database(StringRef Name, StringRef Text) {
    SmallString<256> Build(Dir);
    sys::path::append(Build, Name);
    EXPECT_FALSE(sys::fs::create_directories(Build));
    SmallString<256> Path(Build);
    sys::path::append(Path, "compile_commands.json");
    std::error_code EC;
    raw_fd_ostream OS(Path, EC);
    EXPECT_FALSE(EC);
    OS << Text;
    return std::string(Build);
  }

  std::string path(StringRef Relative) const {
    SmallString<256> P(Dir);
    sys::path::append(P, Relative);
    return std::string(P);
  }

  SmallString<256> Dir;
};

size_t indexOf(const std::vector<std::string> &Args, StringRef Arg) {
  return std::find(Args.begin(), Args.end(), Arg) - Args.begin();
}

bool has(const std::vector<std::string> &Args, StringRef Arg) {
  return indexOf(Args, Arg) != Args.size();
}

TEST_F(CompilationDatabaseTest, KeepsFlagsAndDropsOutputs) {
  std::string Root = Dir.str().str();
  std::string Build = database("build", R"([{
    "directory": ")" + Root + R"(",
    "arguments": ["/usr/bin/g++", "-DA=1", "-Iinc", "-I", "rel", "-isystem",
                  "sys", "-std=c++20", "-MD", "-MF", "a.d", "-MT", "a.o",
                  "-o", "a.o", "-c", "src/a.cpp", "-save-temps=obj",
                  "-ftime-trace", "--coverage", "-Xclang", "-load", "-Xclang",
                  "plugin.so", "-fprofile-instr-generate", "-O1",
                  "--serialize-diagnostics", "a.dia", "-MJ", "a.json",
                  "-fsanitize=address", "-fno-sanitize-recover=all", "-g",
                  "-ggdb3", "-gdwarf-4", "-Os", "-fno-inline"],
    "file": "src/a.cpp"}])");
  spec::BuildSettings B;
  B.CompilationDatabase = Build;
  B.Defines.push_back({"A", std::string("2")});
  Expected<std::vector<std::string>> Args =
      regions::compilerArguments(B, path("src/a.cpp"));
  ASSERT_TRUE(bool(Args)) << toString(Args.takeError());

  for (StringRef Kept :
       {"-DA=1", "-fno-inline", "-I", "-isystem", "-fsanitize=array-bounds"})
    EXPECT_TRUE(has(*Args, Kept)) << Kept.str();
  // Relative paths are the entry's directory's, not ours.
  EXPECT_TRUE(has(*Args, "-I" + path("inc")));
  EXPECT_EQ(indexOf(*Args, path("rel")), indexOf(*Args, "-I") + 1);
  EXPECT_EQ(indexOf(*Args, path("sys")), indexOf(*Args, "-isystem") + 1);
  for (StringRef Dropped : {"/usr/bin/g++",
                            "-MD",
                            "-MF",
                            "a.d",
                            "-MT",
                            "a.o",
                            "-o",
                            "-c",
                            "src/a.cpp",
                            "-save-temps=obj",
                            "-ftime-trace",
                            "--coverage",
                            "-load",
                            "plugin.so",
                            "-fprofile-instr-generate",
                            "--serialize-diagnostics",
                            "a.dia",
                            "-MJ",
                            "a.json",
                            "-fsanitize=address",
                            "-fno-sanitize-recover=all",
                            "-g",
                            "-ggdb3",
                            "-gdwarf-4",
                            "-Os",
                            "-O1"})
    EXPECT_FALSE(has(*Args, Dropped)) << Dropped.str();
  // The plugin's -Xclang went with it; the one left is adrsc's own.
  EXPECT_EQ(std::count(Args->begin(), Args->end(), "-Xclang"), 1);
  EXPECT_EQ(indexOf(*Args, "-mno-constructor-aliases"),
            indexOf(*Args, "-Xclang") + 1);
  // The entry's -std wins over the spec's; the spec's define over the
  // entry's.
  EXPECT_LT(indexOf(*Args, "-std=c++17"), indexOf(*Args, "-std=c++20"));
  EXPECT_LT(indexOf(*Args, "-DA=1"), indexOf(*Args, "-DA=2"));
  EXPECT_EQ(Args->back(), "-w");
}

TEST_F(CompilationDatabaseTest, InfersFlagsForAFileWithoutAnEntry) {
  std::string Root = Dir.str().str();
  std::string Build = database("build", R"([{
    "directory": ")" + Root + R"(/src",
    "command": "c++ -DFROM_A \"-DQUOTED=a b\" -c a.cpp -o a.o",
    "file": "a.cpp"}])");
  Expected<regions::DatabaseFlags> Own =
      regions::databaseFlags(Build, path("src/a.cpp"));
  ASSERT_TRUE(bool(Own)) << toString(Own.takeError());
  EXPECT_EQ(Own->Inferred, "");
  EXPECT_EQ(Own->Arguments,
            (std::vector<std::string>{"-DFROM_A", "-DQUOTED=a b"}));

  Expected<regions::DatabaseFlags> Other =
      regions::databaseFlags(Build, path("eval/eval.cpp"));
  ASSERT_TRUE(bool(Other)) << toString(Other.takeError());
  EXPECT_NE(Other->Inferred, "");
  EXPECT_TRUE(has(Other->Arguments, "-DFROM_A"));
  EXPECT_FALSE(has(Other->Arguments, "a.cpp"));
  EXPECT_FALSE(has(Other->Arguments, path("eval/eval.cpp")));
}

TEST_F(CompilationDatabaseTest, RelativeDirectoryStartsAtTheBuildDirectory) {
  std::string Build = database("build", R"([{
    "directory": "../src", "arguments": ["c++", "-Iinc", "-c", "a.cpp"],
    "file": "a.cpp"}])");
  Expected<regions::DatabaseFlags> Flags =
      regions::databaseFlags(Build, path("src/a.cpp"));
  ASSERT_TRUE(bool(Flags)) << toString(Flags.takeError());
  EXPECT_EQ(Flags->Inferred, "");
  EXPECT_EQ(Flags->Arguments,
            (std::vector<std::string>{"-I" + path("src/inc")}));
}

TEST_F(CompilationDatabaseTest, BadDatabasesSayWhy) {
  auto Error = [](StringRef Build) {
    Expected<size_t> N = regions::loadCompilationDatabase(Build);
    return N ? std::string("loaded") : toString(N.takeError());
  };
  EXPECT_NE(Error(path("none")).find("no such directory"), std::string::npos);
  EXPECT_NE(Error(database("truncated", "[{\"directory\": "))
                .find("is not valid JSON"),
            std::string::npos);
  EXPECT_NE(Error(database("empty", "[]")).find("has no entries"),
            std::string::npos);
  // A failed load is remembered, and files of it fail the same way.
  Expected<std::vector<std::string>> Args = regions::compilerArguments(
      [&] {
        spec::BuildSettings B;
        B.CompilationDatabase = path("empty");
        return B;
      }(),
      path("a.cpp"));
  ASSERT_FALSE(bool(Args));
  EXPECT_NE(toString(Args.takeError()).find("has no entries"),
            std::string::npos);
}

} // namespace
