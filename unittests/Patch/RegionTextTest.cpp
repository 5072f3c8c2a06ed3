//===- RegionTextTest.cpp - What a region's text may hold -----------------===//

#include "adrs/Patch/RegionText.h"

#include "clang/Basic/LangOptions.h"

#include "gtest/gtest.h"

using namespace adrs::patch;

namespace {

/// "offset: message" of each problem, messages cut after "candidate
/// language" (what follows is the advice).
std::vector<std::string> problems(llvm::StringRef Text) {
  std::vector<std::string> Out;
  for (const TextProblem &P : regionTextProblems(Text))
    Out.push_back(
        std::to_string(P.Offset) + ": " +
        P.Message.substr(0, P.Message.find("candidate language") + 18));
  return Out;
}

using Strings = std::vector<std::string>;

TEST(RegionTextTest, PlainCodeHasNone) {
  EXPECT_EQ(problems("int x = a[1] < b ? 1 : 2; // #include <fstream>\n"
                     "const char *s = \"#define X <% %>\";\n"
                     "/* _Pragma(\"x\") */ int y = 3 % 2;\n"),
            Strings{});
}

TEST(RegionTextTest, DirectivesAndMarkers) {
  EXPECT_EQ(problems("#include <fstream> // c\n"
                     "  #  define X 1\n"
                     "# 1 \"x.h\" 3\n"
                     "#line 7\n"),
            (Strings{"0: the preprocessor directive '#include <fstream> // c' "
                     "is not part of the candidate language",
                     "26: the preprocessor directive '#  define X 1' is not "
                     "part of the candidate language",
                     "40: the line marker '# 1 \"x.h\" 3' is not part of the "
                     "candidate language",
                     "52: the directive '#line 7' is not part of the "
                     "candidate language"}));
}

TEST(RegionTextTest, SpellingsThatHideThem) {
  // A digraph `%:` is a `#`; a line splice joins `_Pra` and `gma`.
  EXPECT_EQ(problems("%:include <thread>\nint f() <% return 0; %>\n"
                     "_Pra\\\ngma(\"clang __debug crash\")\n"),
            (Strings{"0: the digraph '%:' (for '#') is not part of the "
                     "candidate language",
                     "0: the preprocessor directive '%:include <thread>' is "
                     "not part of the candidate language",
                     "27: the digraph '<%' (for '{') is not part of the "
                     "candidate language",
                     "40: the digraph '%>' (for '}') is not part of the "
                     "candidate language",
                     "43: '_Pragma' is not part of the candidate language"}));
}

TEST(RegionTextTest, TrigraphsOnlyWhereTheyAreOn) {
  EXPECT_EQ(problems("int a = b ?\?! c; // why?\?!\n"),
            (Strings{"10: the trigraph '?\?!' is not part of the candidate "
                     "language",
                     "23: the trigraph '?\?!' is not part of the candidate "
                     "language"}));
  clang::LangOptions CXX17;
  CXX17.CPlusPlus = CXX17.CPlusPlus11 = CXX17.CPlusPlus17 = true;
  CXX17.Digraphs = true;
  EXPECT_TRUE(regionTextProblems("int a = b ?\?! c;\n", CXX17).empty());
}

TEST(RegionTextTest, DirectivesWithTheirHeaders) {
  clang::LangOptions LO;
  LO.CPlusPlus = LO.Digraphs = true;
  std::vector<Directive> D =
      regionDirectives("#include <sys/mman.h> // c\n%:include \"local.h\"\n#  "
                       "inc\\\nlude < a.h >\n"
                       "#define X\n",
                       LO);
  ASSERT_EQ(D.size(), 4u);
  EXPECT_EQ(D[0].Name, "include");
  EXPECT_EQ(D[0].Operand, "<sys/mman.h>");
  EXPECT_EQ(D[1].Operand, "\"local.h\"");
  EXPECT_EQ(D[2].Name, "include");
  EXPECT_EQ(D[2].Operand, "<a.h>");
  EXPECT_EQ(D[3].Name, "define");
  EXPECT_EQ(D[3].Operand, "");
}

} // namespace
