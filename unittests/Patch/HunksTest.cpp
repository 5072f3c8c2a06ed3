//===- HunksTest.cpp - A program's changes, one by one --------------------===//

#include "adrs/Patch/Hunks.h"

#include "gtest/gtest.h"

using namespace adrs;
using namespace adrs::patch;

namespace {

const char *Policy = "  const double left = s.task - s.done;\n"
                     "  if (left <= 1e-9)\n"
                     "    return None;\n"
                     "  const double ticks = std::max(0.0, s.left / 2.0);\n"
                     "  if (need >= ticks)\n"
                     "    return OnDemand;\n"
                     "  return Spot;\n";

std::string applied(const Program &Old, const std::vector<Hunk> &H,
                    std::vector<bool> Keep) {
  return applyHunks(Old, H, Keep).at("policy");
}

TEST(HunksTest, TunedLiteralsAreHunksOfTheirOwn) {
  // CMA-ES rewrites three constants, two on one line; a negation changes
  // another line.
  Program Old{{"policy", Policy}};
  std::string NewText = Policy;
  auto Replace = [&](const std::string &From, const std::string &To) {
    NewText.replace(NewText.find(From), From.size(), To);
  };
  Replace("1e-9", "1.0265e-09");
  Replace("max(0.0, s.left / 2.0)", "max(-0.12171, s.left / 2.5)");
  Replace("if (need >= ticks)", "if (!(need >= ticks))");
  Program New{{"policy", NewText}};
  std::vector<Hunk> H = splitHunks(Old, New);
  ASSERT_EQ(H.size(), 4u);
  EXPECT_EQ(H[0].Kind, HunkKind::Literal);
  EXPECT_EQ(H[1].Kind, HunkKind::Literal);
  EXPECT_EQ(H[2].Kind, HunkKind::Literal);
  // `!(` and `)` mean nothing alone: one hunk of two changes.
  EXPECT_EQ(H[3].Kind, HunkKind::Line);
  EXPECT_EQ(H[3].Changes.size(), 2u);
  EXPECT_EQ(applied(Old, H, {true, true, true, true}), NewText);
  EXPECT_EQ(applied(Old, H, {false, false, false, false}), Policy);
  std::string OnlySecond = Policy;
  OnlySecond.replace(OnlySecond.find("0.0,"), 3, "-0.12171");
  EXPECT_EQ(applied(Old, H, {false, true, false, false}), OnlySecond);
  std::string OnlyNegation = Policy;
  OnlyNegation.replace(OnlyNegation.find("if (need >= ticks)"), 18,
                       "if (!(need >= ticks))");
  EXPECT_EQ(applied(Old, H, {false, false, false, true}), OnlyNegation);
}

TEST(HunksTest, LiteralBesideAnotherChangeStaysApart) {
  Program Old{{"policy", "  if (left <= 1e-9)\n"}};
  Program New{{"policy", "  if (left < 2e-9)\n"}};
  std::vector<Hunk> H = splitHunks(Old, New);
  ASSERT_EQ(H.size(), 2u);
  EXPECT_EQ(H[0].Kind, HunkKind::Line);
  EXPECT_EQ(H[1].Kind, HunkKind::Literal);
  EXPECT_EQ(applied(Old, H, {true, false}), "  if (left < 1e-9)\n");
  EXPECT_EQ(applied(Old, H, {false, true}), "  if (left <= 2e-9)\n");
}

TEST(HunksTest, InsertedAndDeletedLines) {
  Program Old{{"policy", "  a();\n  b();\n  c();\n"}};
  Program New{{"policy", "  a();\n  x();\n  y();\n  b();\n"}};
  std::vector<Hunk> H = splitHunks(Old, New);
  ASSERT_EQ(H.size(), 2u);
  EXPECT_EQ(H[0].Kind, HunkKind::Lines);
  EXPECT_EQ(H[1].Kind, HunkKind::Lines);
  EXPECT_EQ(applied(Old, H, {true, false}), "  a();\n  x();\n  y();\n  b();\n"
                                            "  c();\n");
  EXPECT_EQ(applied(Old, H, {false, true}), "  a();\n  b();\n");
  EXPECT_EQ(applied(Old, H, {true, true}), New.at("policy"));
}

TEST(HunksTest, RegionsApartAndUnchanged) {
  Program Old{{"a", "x = 1;\n"}, {"b", "y = 2;\n"}, {"c", "z = 3;"}};
  Program New{{"a", "x = 1;\n"}, {"b", "y = 2.5;\n"}, {"c", "z = 3;\n"}};
  std::vector<Hunk> H = splitHunks(Old, New);
  ASSERT_EQ(H.size(), 2u);
  EXPECT_EQ(H[0].Region, "b");
  // A line that gains its newline is changed too.
  EXPECT_EQ(H[1].Region, "c");
  EXPECT_EQ(applyHunks(Old, H, {true, true}), New);
  EXPECT_TRUE(splitHunks(Old, Old).empty());
}

TEST(HunksTest, SignedAndSuffixedLiterals) {
  Program Old{{"p", "f(0.0, 1.0f, 0x10, 2);\n"}};
  Program New{{"p", "f(-0.12171, 1.5f, 0x20, (-3.5));\n"}};
  std::vector<Hunk> H = splitHunks(Old, New);
  ASSERT_EQ(H.size(), 4u);
  for (const Hunk &X : H)
    EXPECT_EQ(X.Kind, HunkKind::Literal);
  EXPECT_EQ(applyHunks(Old, H, {true, false, true, false}).at("p"),
            "f(-0.12171, 1.0f, 0x20, 2);\n");
}

} // namespace
