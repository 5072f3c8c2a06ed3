//===- MarkersTest.cpp - EVOLVE-BLOCK comments ----------------------------===//

#include "adrs/Regions/Markers.h"

#include "gtest/gtest.h"

using namespace adrs::regions;

namespace {

/// "line: message" for each error, in order.
std::vector<std::string> errors(llvm::StringRef Text) {
  std::vector<std::string> Out;
  for (const MarkerError &E : scanMarkers(Text).Errors)
    Out.push_back(std::to_string(lineOf(Text, E.Offset)) + ": " + E.Message);
  return Out;
}

TEST(MarkersTest, OneNamedBlock) {
  const char *Text = "int f() {\n"                      // 0
                     "  // EVOLVE-BLOCK-START policy\n" // 10
                     "  return 1;\n"                    // 41
                     "  // EVOLVE-BLOCK-END\n"          // 53
                     "}\n";
  MarkerScan S = scanMarkers(Text);
  EXPECT_TRUE(S.Errors.empty());
  ASSERT_EQ(S.Blocks.size(), 1u);
  const MarkedBlock &B = S.Blocks[0];
  EXPECT_EQ(B.Name, "policy");
  EXPECT_EQ(B.StartMarker, 12u); // the `//`, after the indentation
  EXPECT_EQ(B.Begin, 41u);       // the line after the START marker
  EXPECT_EQ(B.End, 53u);         // the start of the END marker's line
  EXPECT_EQ(B.EndMarker, 55u);
  EXPECT_EQ(B.StartLine, 2u);
  EXPECT_EQ(B.EndLine, 4u);
  EXPECT_EQ(llvm::StringRef(Text).slice(B.Begin, B.End), "  return 1;\n");
}

TEST(MarkersTest, EmptyBlockAndBlockAtTheEnds) {
  MarkerScan S = scanMarkers("// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-END\n"
                             "int x;\n"
                             "// EVOLVE-BLOCK-START b\nint y;\n"
                             "// EVOLVE-BLOCK-END");
  EXPECT_TRUE(S.Errors.empty());
  ASSERT_EQ(S.Blocks.size(), 2u);
  EXPECT_EQ(S.Blocks[0].Begin, S.Blocks[0].End);
  EXPECT_EQ(S.Blocks[1].EndLine, 6u);
}

TEST(MarkersTest, UnnamedBlockAlone) {
  MarkerScan S =
      scanMarkers("//EVOLVE-BLOCK-START\nx();\n//EVOLVE-BLOCK-END\n");
  EXPECT_TRUE(S.Errors.empty());
  ASSERT_EQ(S.Blocks.size(), 1u);
  EXPECT_EQ(S.Blocks[0].Name, "");
}

TEST(MarkersTest, NotMarkers) {
  // In a string, in prose, in a block comment, or glued to another word.
  MarkerScan S = scanMarkers("const char *S = \"// EVOLVE-BLOCK-START s\";\n"
                             "// This is how EVOLVE-BLOCK-START is written.\n"
                             "/* EVOLVE-BLOCK-END */\n"
                             "// EVOLVE-BLOCK-STARTED\n"
                             "// EVOLVE-BLOCK-ENDS\n");
  EXPECT_TRUE(S.Errors.empty());
  EXPECT_TRUE(S.Blocks.empty());
}

TEST(MarkersTest, Unbalanced) {
  EXPECT_EQ(errors("x\n// EVOLVE-BLOCK-START a\ny\n"),
            std::vector<std::string>{
                "2: EVOLVE-BLOCK-START without an EVOLVE-BLOCK-END"});
  EXPECT_EQ(errors("x\n\n  // EVOLVE-BLOCK-END\n"),
            std::vector<std::string>{
                "3: EVOLVE-BLOCK-END without an EVOLVE-BLOCK-START"});
}

TEST(MarkersTest, Nested) {
  const char *Text = "// EVOLVE-BLOCK-START a\n"
                     "// EVOLVE-BLOCK-START b\n"
                     "// EVOLVE-BLOCK-END\n"
                     "// EVOLVE-BLOCK-END\n";
  MarkerScan S = scanMarkers(Text);
  ASSERT_EQ(S.Errors.size(), 2u);
  EXPECT_EQ(lineOf(Text, S.Errors[0].Offset), 2u);
  EXPECT_EQ(S.Errors[0].Message,
            "EVOLVE-BLOCK-START inside another block; blocks cannot nest");
  ASSERT_TRUE(S.Errors[0].NoteOffset.has_value());
  EXPECT_EQ(*S.Errors[0].NoteOffset, 0u);
  EXPECT_EQ(S.Errors[0].Note, "the enclosing block starts here");
  EXPECT_EQ(lineOf(Text, S.Errors[1].Offset), 4u);
}

TEST(MarkersTest, NamesInAFile) {
  EXPECT_EQ(errors("// EVOLVE-BLOCK-START\n// EVOLVE-BLOCK-END\n"
                   "// EVOLVE-BLOCK-START b\n// EVOLVE-BLOCK-END\n"),
            std::vector<std::string>{
                "1: this file has several blocks, so each needs a name: // "
                "EVOLVE-BLOCK-START name"});
  const char *Twice = "// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-END\n"
                      "// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-END\n";
  MarkerScan S = scanMarkers(Twice);
  ASSERT_EQ(S.Errors.size(), 1u);
  EXPECT_EQ(lineOf(Twice, S.Errors[0].Offset), 3u);
  EXPECT_EQ(S.Errors[0].Message, "block 'a' is named twice in this file");
  EXPECT_EQ(S.Errors[0].NoteOffset, std::optional<size_t>(0));
}

TEST(MarkersTest, MarkerAfterCode) {
  EXPECT_EQ(errors("int x; // EVOLVE-BLOCK-START a\n"),
            std::vector<std::string>{
                "1: an EVOLVE-BLOCK marker must be alone on its line; move "
                "'int x;' off it"});
}

TEST(MarkersTest, CRLF) {
  const char *Text =
      "// EVOLVE-BLOCK-START a\r\nx();\r\n// EVOLVE-BLOCK-END\r\n";
  MarkerScan S = scanMarkers(Text);
  EXPECT_TRUE(S.Errors.empty());
  ASSERT_EQ(S.Blocks.size(), 1u);
  EXPECT_EQ(S.Blocks[0].Name, "a");
  EXPECT_EQ(llvm::StringRef(Text).slice(S.Blocks[0].Begin, S.Blocks[0].End),
            "x();\r\n");
}

TEST(MarkersTest, LineOf) {
  EXPECT_EQ(lineOf("a\nb\nc", 0), 1u);
  EXPECT_EQ(lineOf("a\nb\nc", 2), 2u);
  EXPECT_EQ(lineOf("a\nb\nc", 4), 3u);
  EXPECT_EQ(lineOf("a\nb\nc", 100), 3u);
}

} // namespace
