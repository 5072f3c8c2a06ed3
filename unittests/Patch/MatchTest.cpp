//===- MatchTest.cpp - Finding SEARCH text in a region --------------------===//

#include "adrs/Patch/Match.h"

#include "gtest/gtest.h"

using namespace adrs::patch;

namespace {

const char *Region = "  for (int I = 0; I < N; ++I) {\n" // 0
                     "    if (Load[I] < Best)\n"         // 32
                     "      Best = Load[I];\n"           // 56
                     "  }\n"                             // 78
                     "  return Best;\n";                 // 82

TEST(MatchTest, ExactOnWholeLines) {
  std::vector<TextMatch> M =
      findMatches(Region, "    if (Load[I] < Best)\n      Best = Load[I];\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Kind, MatchKind::Exact);
  EXPECT_EQ(M[0].Begin, 32u);
  EXPECT_EQ(M[0].End, 78u);
  // A SEARCH without its last newline matches the same lines.
  M = findMatches(Region, "    if (Load[I] < Best)\n      Best = Load[I];");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].End, 78u);
}

TEST(MatchTest, PartOfALineIsNoMatch) {
  EXPECT_TRUE(findMatches(Region, "Best = Load[I];\n").size() == 1u)
      << "indentation-tolerant";
  EXPECT_TRUE(findMatches(Region, "Load[I]\n").empty());
  EXPECT_TRUE(findMatches(Region, "  return\n").empty());
}

TEST(MatchTest, EveryPlaceAtTheStrictestLevel) {
  const char *Text = "a();\n  b();\nc();\n  b();\n";
  std::vector<TextMatch> M = findMatches(Text, "  b();\n");
  ASSERT_EQ(M.size(), 2u);
  EXPECT_EQ(M[0].Begin, 5u);
  EXPECT_EQ(M[1].Begin, 17u);
  // b() exactly once, and once more indented differently: the exact match
  // wins alone.
  M = findMatches("  b();\n    b();\n", "  b();\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Begin, 0u);
  EXPECT_EQ(M[0].Kind, MatchKind::Exact);
}

TEST(MatchTest, TrailingWhitespace) {
  std::vector<TextMatch> M = findMatches(Region, "  }   \n  return Best;\t\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Kind, MatchKind::TrailingWhitespace);
  EXPECT_EQ(M[0].Begin, 78u);
  EXPECT_EQ(M[0].End, 97u);
  // And the other way round: blanks in the text, not in the SEARCH.
  M = findMatches("x = 1;  \ny = 2;\n", "x = 1;\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Kind, MatchKind::TrailingWhitespace);
  EXPECT_EQ(M[0].End, 9u);
}

TEST(MatchTest, IndentationAndBlankEdges) {
  std::vector<TextMatch> M =
      findMatches(Region, "\nif (Load[I] < Best)\n  Best = Load[I];\n\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Kind, MatchKind::Indentation);
  EXPECT_EQ(M[0].Begin, 32u);
  EXPECT_EQ(M[0].End, 78u);
  EXPECT_EQ(M[0].IndentFrom, "");
  EXPECT_EQ(M[0].IndentTo, "    ");
}

TEST(MatchTest, CarriageReturnsInTheText) {
  std::vector<TextMatch> M = findMatches("a();\r\nb();\r\n", "b();\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Begin, 6u);
  EXPECT_EQ(M[0].End, 12u);
}

TEST(MatchTest, NothingAlike) {
  EXPECT_TRUE(findMatches(Region, "while (true)\n").empty());
  EXPECT_TRUE(findMatches("a\n", "a\nb\nc\n").empty());
  EXPECT_TRUE(findMatches("", "a\n").empty());
  EXPECT_TRUE(findMatches("a\n", "\n\n").empty());
}

TEST(MatchTest, ReindentExactIsVerbatim) {
  TextMatch M;
  EXPECT_EQ(reindent("x\n  y", M), "x\n  y");
}

TEST(MatchTest, ReindentShiftsEveryLine) {
  TextMatch M;
  M.Kind = MatchKind::Indentation;
  M.IndentFrom = "";
  M.IndentTo = "    ";
  EXPECT_EQ(reindent("if (a)\n  b();\n\nc();", M),
            "    if (a)\n      b();\n\n    c();\n");
  // Deeper in the SEARCH than in the text.
  M.IndentFrom = "      ";
  M.IndentTo = "  ";
  EXPECT_EQ(reindent("      if (a)\n        b();\n", M),
            "  if (a)\n    b();\n");
  // A line indented less than the first: its own blanks give way.
  EXPECT_EQ(reindent("      a();\n   b();\n", M), "  a();\n  b();\n");
}

TEST(MatchTest, ReindentTabsToSpaces) {
  TextMatch M;
  M.Kind = MatchKind::Indentation;
  M.IndentFrom = "\t\t";
  M.IndentTo = "    "; // so a tab is two spaces
  EXPECT_EQ(reindent("\t\tif (a) {\n\t\t\tb();\n\t\t\t\tc();\n\t\t}\n", M),
            "    if (a) {\n      b();\n        c();\n    }\n");
}

TEST(MatchTest, ReindentSpacesToTabs) {
  TextMatch M;
  M.Kind = MatchKind::Indentation;
  M.IndentFrom = "    ";
  M.IndentTo = "\t"; // a tab is four spaces
  EXPECT_EQ(reindent("    if (a)\n        b();\n          c();\n", M),
            "\tif (a)\n\t\tb();\n\t\t  c();\n");
}

TEST(MatchTest, SearchTabsMatchSpaces) {
  std::vector<TextMatch> M =
      findMatches(Region, "\tif (Load[I] < Best)\n\t\tBest = Load[I];\n");
  ASSERT_EQ(M.size(), 1u);
  EXPECT_EQ(M[0].Kind, MatchKind::Indentation);
  EXPECT_EQ(M[0].IndentFrom, "\t");
  EXPECT_EQ(M[0].IndentTo, "    ");
}

TEST(MatchTest, ClosestMatchDiff) {
  unsigned Line = 0;
  std::string D = closestMatchDiff(
      Region, "    if (Load[I] <= Best)\n      Best = Load[I];\n", &Line);
  EXPECT_EQ(Line, 2u);
  EXPECT_EQ(D, "--- SEARCH\n"
               "+++ region\n"
               "@@ -1,2 +1,2 @@\n"
               "-    if (Load[I] <= Best)\n"
               "+    if (Load[I] < Best)\n"
               "       Best = Load[I];\n");
  EXPECT_EQ(closestMatchDiff(Region, "std::sort(V.begin(), V.end());\n"), "");
  EXPECT_EQ(closestMatchDiff("", "a\n"), "");
}

TEST(MatchTest, UnifiedDiffLikeGNUDiff) {
  // diff -u of these two texts, with the file names replaced.
  std::string Old, New;
  for (int I = 1; I <= 20; ++I) {
    Old += "line " + std::to_string(I) + "\n";
    New += I == 5    ? "five\n"
           : I == 16 ? ""
                     : "line " + std::to_string(I) + "\n";
  }
  EXPECT_EQ(unifiedDiff(Old, New, "a/f", "b/f"),
            "--- a/f\n"
            "+++ b/f\n"
            "@@ -2,7 +2,7 @@\n"
            " line 2\n line 3\n line 4\n-line 5\n+five\n line 6\n line 7\n"
            " line 8\n"
            "@@ -13,7 +13,6 @@\n"
            " line 13\n line 14\n line 15\n-line 16\n line 17\n line 18\n"
            " line 19\n");
  // Changes closer than twice the context share one hunk.
  New = Old;
  New.replace(New.find("line 5\n"), 7, "five\n");
  New.replace(New.find("line 10\n"), 8, "ten\n");
  EXPECT_EQ(unifiedDiff(Old, New, "a", "b"),
            "--- a\n+++ b\n@@ -2,12 +2,12 @@\n"
            " line 2\n line 3\n line 4\n-line 5\n+five\n line 6\n line 7\n"
            " line 8\n line 9\n-line 10\n+ten\n line 11\n line 12\n"
            " line 13\n");
  EXPECT_EQ(unifiedDiff(Old, Old, "a", "b"), "");
}

TEST(MatchTest, UnifiedDiffAtTheEdges) {
  EXPECT_EQ(unifiedDiff("", "a\n", "x", "y"),
            "--- x\n+++ y\n@@ -0,0 +1,1 @@\n+a\n");
  EXPECT_EQ(unifiedDiff("a\nb\n", "b\n", "x", "y"),
            "--- x\n+++ y\n@@ -1,2 +1,1 @@\n-a\n b\n");
  EXPECT_EQ(unifiedDiff("a\nb\n", "a\n", "x", "y", 0),
            "--- x\n+++ y\n@@ -2,1 +1,0 @@\n-b\n");
}

} // namespace
