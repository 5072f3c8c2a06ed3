//===- EditTest.cpp - Reading a generator's reply -------------------------===//

#include "adrs/Patch/Edit.h"

#include "gtest/gtest.h"

using namespace adrs::patch;

namespace {

/// The edit of a reply that must parse.
Edit parse(llvm::StringRef Reply) {
  llvm::Expected<Edit> E = parseEdit(Reply);
  EXPECT_TRUE(bool(E)) << llvm::toString(E.takeError());
  return E ? std::move(*E) : Edit();
}

/// The error of a reply that must not parse: "line: message".
std::string error(llvm::StringRef Reply) {
  llvm::Expected<Edit> E = parseEdit(Reply);
  if (E) {
    ADD_FAILURE() << "the reply parsed";
    return "";
  }
  std::string Out;
  llvm::handleAllErrors(E.takeError(), [&](const EditError &Err) {
    Out = std::to_string(Err.Line) + ": " + Err.Message;
  });
  return Out;
}

TEST(EditTest, SearchReplaceOutsideFences) {
  Edit E = parse("Lower the threshold.\n"
                 "\n"
                 "<<<<<<< SEARCH\n"
                 "  return U < 0.9;\n"
                 "=======\n"
                 "  return U < 0.8;\n"
                 ">>>>>>> REPLACE\n"
                 "That is all.\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_TRUE(E.Rewrites.empty());
  EXPECT_EQ(E.Blocks[0].Search, "  return U < 0.9;\n");
  EXPECT_EQ(E.Blocks[0].Replace, "  return U < 0.8;\n");
  EXPECT_EQ(E.Blocks[0].Line, 3u);
  EXPECT_EQ(E.Blocks[0].Target, ""); // prose with spaces names nothing
}

TEST(EditTest, SearchReplaceInsideACodeFenceIsNotARewrite) {
  Edit E = parse("```cpp\n"
                 "<<<<<<< SEARCH\n"
                 "a();\n"
                 "=======\n"
                 "b();\n"
                 ">>>>>>> REPLACE\n"
                 "```\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_TRUE(E.Rewrites.empty());
  EXPECT_EQ(E.Blocks[0].Line, 2u);
}

TEST(EditTest, SeveralBlocksKeepTheirOrderAndLines) {
  Edit E = parse("<<<<<<< SEARCH\nx = 1;\n=======\nx = 2;\n>>>>>>> REPLACE\n"
                 "\n"
                 "<<<<<<< SEARCH\nx = 2;\n=======\nx = 3;\n>>>>>>> REPLACE\n");
  ASSERT_EQ(E.Blocks.size(), 2u);
  EXPECT_EQ(E.Blocks[0].Replace, "x = 2;\n");
  EXPECT_EQ(E.Blocks[1].Search, "x = 2;\n");
  EXPECT_EQ(E.Blocks[0].Line, 1u);
  EXPECT_EQ(E.Blocks[1].Line, 7u);
}

TEST(EditTest, EmptyReplaceDeletes) {
  Edit E = parse("<<<<<<< SEARCH\nlog();\n=======\n>>>>>>> REPLACE\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_EQ(E.Blocks[0].Replace, "");
}

TEST(EditTest, MarkersFromFiveToNineCharacters) {
  for (const char *Reply :
       {"<<<<< SEARCH\na\n=====\nb\n>>>>> REPLACE\n",
        "<<<<<<<<< SEARCH\na\n=========\nb\n>>>>>>>>> REPLACE\n",
        "  <<<<<<< SEARCH  \na\n  =======\nb\n>>>>>>> REPLACE (end)\n"}) {
    Edit E = parse(Reply);
    ASSERT_EQ(E.Blocks.size(), 1u) << Reply;
    EXPECT_EQ(E.Blocks[0].Search, "a\n") << Reply;
    EXPECT_EQ(E.Blocks[0].Replace, "b\n") << Reply;
  }
  // Four are not a marker, nor is a word that only starts like one.
  EXPECT_EQ(error("<<<< SEARCH\na\n====\nb\n>>>> REPLACE\n"),
            "0: the reply contains no code: expected SEARCH/REPLACE blocks "
            "or a fenced ```cpp block with the new region");
  EXPECT_EQ(error("<<<<<<< SEARCHING\na\n"),
            "0: the reply contains no code: expected SEARCH/REPLACE blocks "
            "or a fenced ```cpp block with the new region");
}

TEST(EditTest, CRLFAndLoneCR) {
  Edit E = parse("<<<<<<< SEARCH\r\na();\r\n=======\r\nb();\r\n>>>>>>> "
                 "REPLACE\r\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_EQ(E.Blocks[0].Search, "a();\n");
  EXPECT_EQ(E.Blocks[0].Replace, "b();\n");
  EXPECT_EQ(normalizeNewlines("a\r\nb\rc\n\r\n"), "a\nb\nc\n\n");
  EXPECT_EQ(normalizeNewlines("no newline"), "no newline");
  EXPECT_EQ(normalizeNewlines("\r"), "\n");
}

TEST(EditTest, TabsAreKept) {
  Edit E = parse("<<<<<<< SEARCH\n\tif (x)\n\t\ty();\n=======\n\tz();\n"
                 ">>>>>>> REPLACE\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_EQ(E.Blocks[0].Search, "\tif (x)\n\t\ty();\n");
}

TEST(EditTest, TargetIsTheLineBeforeTheBlock) {
  Edit E = parse("policy\n"
                 "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
                 "In `policy/greedy.cpp`:\n"
                 "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
                 "**admit**\n"
                 "```cpp\n"
                 "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
                 "```\n"
                 "`policy/greedy.cpp`:\n"
                 "<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n");
  ASSERT_EQ(E.Blocks.size(), 4u);
  EXPECT_EQ(E.Blocks[0].Target, "policy");
  EXPECT_EQ(E.Blocks[1].Target, ""); // prose, not a name
  EXPECT_EQ(E.Blocks[2].Target, "admit");
  EXPECT_EQ(E.Blocks[3].Target, "policy/greedy.cpp");
}

TEST(EditTest, RewriteForms) {
  Edit Alone = parse("```\nuntagged();\n```\n");
  ASSERT_EQ(Alone.Rewrites.size(), 1u);
  EXPECT_EQ(Alone.Rewrites[0].Region, "");
  EXPECT_EQ(Alone.Rewrites[0].Code, "untagged();\n");
  EXPECT_EQ(Alone.Rewrites[0].Line, 1u);
  EXPECT_TRUE(Alone.Rewrites[0].Untyped);

  Edit E = parse("```cpp policy\nspace();\n```\n"
                 "```cpp:policy\ncolon();\n```\n"
                 "~~~c++ policy\ntilde();\n~~~\n"
                 "````cpp policy\n```\nlonger();\n````\n"
                 "   ```cc policy\nindented();\n   ```\n");
  ASSERT_EQ(E.Rewrites.size(), 5u);
  for (size_t I = 0; I < 5; ++I)
    EXPECT_EQ(E.Rewrites[I].Region, "policy") << I;
  EXPECT_EQ(E.Rewrites[0].Code, "space();\n");
  EXPECT_EQ(E.Rewrites[1].Code, "colon();\n");
  EXPECT_EQ(E.Rewrites[2].Code, "tilde();\n");
  EXPECT_EQ(E.Rewrites[3].Code, "```\nlonger();\n");
  EXPECT_EQ(E.Rewrites[4].Code, "indented();\n");
  EXPECT_EQ(E.Rewrites[4].Line, 14u);
  for (const Rewrite &R : E.Rewrites)
    EXPECT_FALSE(R.HadMarkers);
  EXPECT_TRUE(E.Blocks.empty());
}

TEST(EditTest, SketchesBesideTheEditAreProse) {
  // A block that names its region makes the unnamed ones sketches.
  Edit Named = parse("The idea:\n```\nif (late) go();\n```\n"
                     "Before:\n```cpp\nold();\n```\n"
                     "```cpp policy\nnew_();\n```\n");
  ASSERT_EQ(Named.Rewrites.size(), 1u);
  EXPECT_EQ(Named.Rewrites[0].Code, "new_();\n");
  // Without names, a C++ block makes the untyped ones sketches.
  Edit Typed = parse("```\npseudo code\n```\n```cpp\nreal();\n```\n");
  ASSERT_EQ(Typed.Rewrites.size(), 1u);
  EXPECT_EQ(Typed.Rewrites[0].Code, "real();\n");
  // Two C++ blocks for the only region stay ambiguous: the patcher says so.
  Edit Two = parse("```cpp\na();\n```\n```cpp\nb();\n```\n");
  EXPECT_EQ(Two.Rewrites.size(), 2u);
}

TEST(EditTest, FourSpacesIndentIsNotAFence) {
  EXPECT_EQ(error("    ```cpp\n    x();\n    ```\n").substr(0, 2), "0:");
}

TEST(EditTest, OtherLanguagesAreProse) {
  Edit E = parse("```bash\n./run.sh\n```\n"
                 "```text\n<<<<<<< SEARCH quoted in a log\n=======\n```\n"
                 "```json\n{\"a\": 1}\n```\n"
                 "```python\nprint(1)\n```\n"
                 "```cpp admit\nreturn true;\n```\n");
  ASSERT_EQ(E.Rewrites.size(), 1u);
  EXPECT_EQ(E.Rewrites[0].Region, "admit");
  EXPECT_TRUE(E.Blocks.empty());
}

TEST(EditTest, SearchReplaceInADiffFenceCounts) {
  Edit E = parse("```diff\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n"
                 "```\n");
  ASSERT_EQ(E.Blocks.size(), 1u);
  EXPECT_TRUE(E.Rewrites.empty());
}

TEST(EditTest, CopyOfTheFileWithMarkers) {
  Edit E = parse("```cpp\n"
                 "#include \"x.h\"\n"
                 "int f() {\n"
                 "  // EVOLVE-BLOCK-START one\n"
                 "  return 1;\n"
                 "  // EVOLVE-BLOCK-END\n"
                 "}\n"
                 "// EVOLVE-BLOCK-START two\n"
                 "int g() { return 2; }\n"
                 "// EVOLVE-BLOCK-END\n"
                 "```\n");
  ASSERT_EQ(E.Rewrites.size(), 2u);
  EXPECT_EQ(E.Rewrites[0].Region, "one");
  EXPECT_EQ(E.Rewrites[0].Code, "  return 1;\n");
  EXPECT_EQ(E.Rewrites[1].Region, "two");
  EXPECT_EQ(E.Rewrites[1].Code, "int g() { return 2; }\n");
  for (const Rewrite &R : E.Rewrites) {
    EXPECT_TRUE(R.HadMarkers);
    EXPECT_EQ(R.Line, 1u);
    // What surrounds the blocks, each block's place marked by \x01.
    EXPECT_EQ(R.Outside, "#include \"x.h\"\n"
                         "int f() {\n"
                         "  // EVOLVE-BLOCK-START one\n"
                         "\x01\n"
                         "  // EVOLVE-BLOCK-END\n"
                         "}\n"
                         "// EVOLVE-BLOCK-START two\n"
                         "\x01\n"
                         "// EVOLVE-BLOCK-END\n");
  }
}

TEST(EditTest, UnnamedMarkersTakeTheFenceTag) {
  Edit E = parse("```cpp policy\n// EVOLVE-BLOCK-START\nx();\n"
                 "// EVOLVE-BLOCK-END\n```\n");
  ASSERT_EQ(E.Rewrites.size(), 1u);
  EXPECT_EQ(E.Rewrites[0].Region, "policy");
  EXPECT_EQ(E.Rewrites[0].Code, "x();\n");
}

TEST(EditTest, SearchAndRewriteTogether) {
  Edit E = parse("```cpp a\nx();\n```\n"
                 "<<<<<<< SEARCH\ny();\n=======\nz();\n>>>>>>> REPLACE\n");
  EXPECT_EQ(E.Rewrites.size(), 1u);
  EXPECT_EQ(E.Blocks.size(), 1u);
}

TEST(EditTest, Errors) {
  EXPECT_EQ(error("Fix:\n<<<<<<< SEARCH\na\nb\n>>>>>>> REPLACE\n"),
            "2: SEARCH block without its '=======' line");
  EXPECT_EQ(error("<<<<<<< SEARCH\na\n=======\nb\n"),
            "1: SEARCH block without its '>>>>>>> REPLACE' line (was the "
            "reply cut off?)");
  EXPECT_EQ(error("<<<<<<< SEARCH\na\n=======\nb\n=======\nc\n"
                  ">>>>>>> REPLACE\n"),
            "1: SEARCH block without its '>>>>>>> REPLACE' line (was the "
            "reply cut off?)");
  EXPECT_EQ(error("<<<<<<< SEARCH\na\n=======\nb\n<<<<<<< SEARCH\nc\n=======\n"
                  "d\n>>>>>>> REPLACE\n"),
            "1: SEARCH block without its '>>>>>>> REPLACE' line (was the "
            "reply cut off?)");
  EXPECT_EQ(error("text\nb\n>>>>>>> REPLACE\n"),
            "3: '>>>>>>> REPLACE' without a SEARCH block");
  EXPECT_EQ(error("<<<<<<< SEARCH\n\n  \n=======\nb\n>>>>>>> REPLACE\n"),
            "1: empty SEARCH block; SEARCH must quote the lines to replace");
  EXPECT_EQ(error("Here:\n```cpp admit\nreturn\n"),
            "2: the reply ends inside the code block opened here (was it "
            "cut off?)");
  EXPECT_EQ(error(""), "0: the reply contains no code: expected "
                       "SEARCH/REPLACE blocks or a fenced ```cpp block with "
                       "the new region");
  EXPECT_EQ(error("Looks good to me.\n```text\nnothing\n```\n").substr(0, 2),
            "0:");
}

TEST(EditTest, MarkerErrorsInACopy) {
  EXPECT_EQ(error("```cpp\n// EVOLVE-BLOCK-START a\n// EVOLVE-BLOCK-START b\n"
                  "// EVOLVE-BLOCK-END\n```\n"),
            "3: EVOLVE-BLOCK-START inside the block opened at line 2");
  EXPECT_EQ(error("```cpp\nx();\n// EVOLVE-BLOCK-END\n```\n"),
            "3: EVOLVE-BLOCK-END without EVOLVE-BLOCK-START");
  EXPECT_EQ(error("```cpp\n\n// EVOLVE-BLOCK-START a\nx();\n```\n"),
            "3: EVOLVE-BLOCK-START without EVOLVE-BLOCK-END");
}

TEST(EditTest, ErrorsPrintWithTheirLine) {
  llvm::Expected<Edit> E = parseEdit("<<<<<<< SEARCH\na\n");
  ASSERT_FALSE(bool(E));
  EXPECT_EQ(llvm::toString(E.takeError()),
            "reply line 1: SEARCH block without its '=======' line");
  llvm::Expected<Edit> None = parseEdit("prose\n");
  ASSERT_FALSE(bool(None));
  EXPECT_EQ(llvm::toString(None.takeError()).substr(0, 25),
            "the reply contains no cod");
}

} // namespace
