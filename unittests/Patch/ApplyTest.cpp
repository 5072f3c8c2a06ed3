//===- ApplyTest.cpp - Edits onto regions ---------------------------------===//
//
// applyEdit on regions built by hand (no Clang): what lands where, every
// rejection, and, over many generated replies, that no byte outside the
// regions ever changes.
//
//===----------------------------------------------------------------------===//

#include "adrs/Patch/Apply.h"
#include "adrs/Regions/Markers.h"

#include "llvm/ADT/StringExtras.h"

#include "gtest/gtest.h"

#include <random>

using namespace adrs;
using namespace adrs::patch;
using adrs::regions::Region;

namespace {

const char *FileA = "/p/src/a.cpp";
const char *FileB = "/p/src/b.cpp";

const char *TextA = "#include \"lb.h\"\n"
                    "int pick(int N) {\n"
                    "  int Best = 0;\n"
                    "  // EVOLVE-BLOCK-START pick\n"
                    "  // tuned by hand\n"
                    "  for (int I = 0; I < N; ++I)\n"
                    "    Best += I;\n"
                    "  // EVOLVE-BLOCK-END\n"
                    "  return Best;\n"
                    "}\n"
                    "bool admit(double U) {\n"
                    "  // EVOLVE-BLOCK-START admit\n"
                    "  // tuned by hand\n"
                    "  if (U > 0.9)\n"
                    "    return false;\n"
                    "  return true;\n"
                    "  // EVOLVE-BLOCK-END\n"
                    "}\n"
                    "int helper() { return 0; }\n";

const char *TextB = "double weight(int T) {\n"
                    "  return T * 2.0;\n"
                    "}\n"
                    "int other() { return 1; }\n";

/// The blocks of a file as regions, the way RegionFinder makes them.
std::vector<Region> blocksOf(const std::string &File, llvm::StringRef Text) {
  std::vector<Region> Out;
  for (const regions::MarkedBlock &B : regions::scanMarkers(Text).Blocks) {
    Region R;
    R.Kind = spec::RegionKind::Block;
    R.Name = B.Name;
    R.File = R.Unit = File;
    R.Begin = B.Begin;
    R.End = B.End;
    R.FirstLine = regions::lineOf(Text, B.Begin);
    R.LastLine = regions::lineOf(Text, B.End - 1);
    R.Text = Text.slice(B.Begin, B.End).str();
    Out.push_back(R);
  }
  return Out;
}

struct Project {
  std::map<std::string, std::string> Files;
  std::vector<Region> Regions;
};

Project project() {
  Project P;
  P.Files[FileA] = TextA;
  P.Files[FileB] = TextB;
  P.Regions = blocksOf(FileA, TextA);
  Region W;
  W.Kind = spec::RegionKind::Function;
  W.Name = "weight";
  W.File = W.Unit = FileB;
  W.Begin = 0;
  W.End = llvm::StringRef(TextB).find("}\n") + 1;
  W.FirstLine = 1;
  W.LastLine = 3;
  W.Text = llvm::StringRef(TextB).slice(W.Begin, W.End).str();
  P.Regions.push_back(W);
  return P;
}

PatchResult apply(llvm::StringRef Reply, const Project &P = project()) {
  llvm::Expected<Edit> E = parseEdit(Reply);
  if (!E) {
    ADD_FAILURE() << llvm::toString(E.takeError());
    return PatchResult();
  }
  return applyEdit(*E, P.Regions, P.Files);
}

/// The messages of a refused edit, "line: message".
std::vector<std::string> rejections(const PatchResult &R) {
  EXPECT_FALSE(R.accepted());
  EXPECT_TRUE(R.Files.empty());
  std::vector<std::string> Out;
  for (const Rejection &J : R.Rejections)
    Out.push_back(std::to_string(J.ReplyLine) + ": " + J.Message);
  return Out;
}

std::string first(const PatchResult &R) {
  std::vector<std::string> All = rejections(R);
  return All.empty() ? "" : All.front();
}

const char *Regions3 = "'pick' (a.cpp, lines 5-7), 'admit' (a.cpp, lines "
                       "13-16), 'weight' (b.cpp, lines 1-3)";

TEST(ApplyTest, RegionsOfTheFixture) {
  Project P = project();
  ASSERT_EQ(P.Regions.size(), 3u);
  EXPECT_EQ(
      P.Regions[0].Text,
      "  // tuned by hand\n  for (int I = 0; I < N; ++I)\n    Best += I;\n");
  EXPECT_EQ(P.Regions[2].Text, "double weight(int T) {\n  return T * 2.0;\n}");
}

TEST(ApplyTest, SearchReplaceMovesTheRegionsAfterIt) {
  PatchResult R = apply("<<<<<<< SEARCH\n    Best += I;\n=======\n"
                        "    Best += I;\n    Best %= 7;\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Changed, std::vector<std::string>{"pick"});
  ASSERT_EQ(R.Files.size(), 1u);
  std::string Want = TextA;
  Want.replace(Want.find("    Best += I;\n"), 15,
               "    Best += I;\n    Best %= 7;\n");
  EXPECT_EQ(R.Files[FileA], Want);
  // Every region at its new place, with its text.
  ASSERT_EQ(R.Regions.size(), 3u);
  for (const Region &G : R.Regions) {
    const std::string &Text = G.File == FileA ? R.Files[FileA] : TextB;
    EXPECT_EQ(Text.substr(G.Begin, G.End - G.Begin), G.Text) << G.Name;
  }
  EXPECT_EQ(R.Regions[0].LastLine, 8u);
  EXPECT_EQ(R.Regions[1].FirstLine, 14u);
  EXPECT_EQ(R.Regions[1].LastLine, 17u);
  EXPECT_EQ(R.Regions[2].FirstLine, 1u);
}

TEST(ApplyTest, RewriteOfABlockEndsWithANewline) {
  PatchResult R = apply("```cpp admit\n  return U < 0.8;\n```\n");
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_NE(R.Files[FileA].find("  // EVOLVE-BLOCK-START admit\n"
                                "  return U < 0.8;\n"
                                "  // EVOLVE-BLOCK-END\n"),
            std::string::npos);
}

TEST(ApplyTest, RewriteOfAFunctionKeepsWhatFollows) {
  PatchResult R = apply("```cpp weight\ndouble weight(int T) {\n"
                        "  return T * 3.0;\n}\n\n```\n");
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Files[FileB], "double weight(int T) {\n  return T * 3.0;\n}\n"
                            "int other() { return 1; }\n");
  EXPECT_EQ(R.Regions[2].Text, "double weight(int T) {\n  return T * 3.0;\n}");
}

TEST(ApplyTest, UntaggedRewriteWithOneRegion) {
  Project P = project();
  P.Regions.erase(P.Regions.begin() + 1, P.Regions.end());
  PatchResult R = apply("```\n  Best = N;\n```\n", P);
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Changed, std::vector<std::string>{"pick"});
}

TEST(ApplyTest, CopyWithMarkers) {
  std::string Reply = std::string("```cpp\n") + TextA + "```\n";
  Reply.replace(Reply.find("    Best += I;"), 14, "    Best += 2 * I;");
  PatchResult R = apply(Reply);
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Changed, std::vector<std::string>{"pick"});
  // Outside: one changed line refuses the whole copy, once.
  Reply.replace(Reply.find("int helper() { return 0; }"), 26,
                "int helper() { return 1; }");
  EXPECT_EQ(rejections(apply(Reply)),
            std::vector<std::string>{
                std::string("1: the code block changes code outside the "
                            "regions: 'int helper() { return 1; }' is not in "
                            "a.cpp outside the regions. Only the code "
                            "between the EVOLVE-BLOCK markers of ") +
                Regions3 + " may change"});
}

TEST(ApplyTest, TargetNarrowsTheSearch) {
  const char *Reply = "<<<<<<< SEARCH\n  // tuned by hand\n=======\n"
                      "  // tuned\n>>>>>>> REPLACE\n";
  EXPECT_EQ(first(apply(Reply)),
            "1: the SEARCH text matches 2 places ('pick' line 5, 'admit' "
            "line 13); include more lines so that it matches one");
  PatchResult R = apply(std::string("`admit`:\n") + Reply);
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Changed, std::vector<std::string>{"admit"});
  R = apply(std::string("a.cpp\n") + Reply); // a file: both regions again
  EXPECT_FALSE(R.accepted());
  // A word that names no region is prose, not a target.
  R = apply(std::string("Change:\n") +
            "<<<<<<< SEARCH\n  return true;\n=======\n  return U < 0.5;\n"
            ">>>>>>> REPLACE\n");
  ASSERT_TRUE(R.accepted()) << first(R);
}

TEST(ApplyTest, RewriteOneRegionAndSearchAnother) {
  PatchResult R = apply("```cpp admit\n  return false;\n```\n"
                        "<<<<<<< SEARCH\n    Best += I;\n=======\n"
                        "    Best -= I;\n>>>>>>> REPLACE\n");
  ASSERT_TRUE(R.accepted()) << first(R);
  EXPECT_EQ(R.Changed, (std::vector<std::string>{"pick", "admit"}));
}

TEST(ApplyTest, RewriteAndASearchThatMatchesNothing) {
  // The SEARCH is in no region, rewritten or not: that is what is said.
  PatchResult R = apply("```cpp admit\n  return false;\n```\n"
                        "<<<<<<< SEARCH\n    Best -= I;\n=======\n"
                        "    Best = 0;\n>>>>>>> REPLACE\n");
  EXPECT_EQ(first(R).substr(0, 56),
            "4: the SEARCH text matches nothing in region 'pick'; did");
}

TEST(ApplyTest, CRLFFilesKeepTheirLineEndings) {
  Project P = project();
  std::string CRLF;
  for (char C : std::string(TextA)) {
    if (C == '\n')
      CRLF += '\r';
    CRLF += C;
  }
  P.Files[FileA] = CRLF;
  P.Regions = blocksOf(FileA, CRLF);
  PatchResult R = apply("<<<<<<< SEARCH\n    Best += I;\n=======\n"
                        "    Best += I;\n    Best %= 7;\n>>>>>>> REPLACE\n",
                        P);
  ASSERT_TRUE(R.accepted()) << first(R);
  std::string Want = CRLF;
  Want.replace(Want.find("    Best += I;\r\n"), 16,
               "    Best += I;\r\n    Best %= 7;\r\n");
  EXPECT_EQ(R.Files[FileA], Want);
}

TEST(ApplyTest, Rejections) {
  EXPECT_EQ(first(apply("```cpp\nx();\n```\n")),
            std::string("1: the code block does not say which region it "
                        "replaces; there are 3 regions (") +
                Regions3 + "): open it with ```cpp NAME");
  EXPECT_EQ(first(apply("```cpp admt\nx();\n```\n")),
            std::string("1: there is no region 'admt'; did you mean "
                        "'admit'?; the regions are ") +
                Regions3);
  EXPECT_EQ(first(apply("```cpp admit\nx();\n```\n```cpp admit\ny();\n```\n")),
            "4: region 'admit' is rewritten twice (also at reply line 1)");
  EXPECT_EQ(rejections(apply("```cpp admit\nx();\n```\n<<<<<<< SEARCH\n"
                             "  return true;\n=======\n  return false;\n"
                             ">>>>>>> REPLACE\n")),
            std::vector<std::string>{
                "4: region 'admit' is both rewritten (reply line 1) and "
                "edited by SEARCH/REPLACE; use one or the other"});
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\n    Best -= I;\n=======\n"
                        "    Best = 0;\n>>>>>>> REPLACE\n")),
            "1: the SEARCH text matches nothing in region 'pick'; did you "
            "mean these lines? (diff from your SEARCH to the region)\n"
            "--- SEARCH\n+++ region\n@@ -1,1 +1,1 @@\n-    Best -= I;\n"
            "+    Best += I;\n");
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\nstd::sort(V.begin(), V.end());\n"
                        "=======\nx();\n>>>>>>> REPLACE\n")),
            std::string("1: the SEARCH text matches nothing in ") + Regions3 +
                "; SEARCH must quote the region's current lines exactly");
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\nint helper() { return 0; }\n"
                        "=======\nint helper() { return 1; }\n"
                        ">>>>>>> REPLACE\n")),
            std::string("1: the SEARCH text is outside the regions, which is "
                        "code that may not change; only ") +
                Regions3 + " may change");
  // Over the END marker: part in, part out.
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\n    Best += I;\n"
                        "  // EVOLVE-BLOCK-END\n  return Best;\n=======\n"
                        "  return 0;\n>>>>>>> REPLACE\n"))
                .substr(0, 40),
            "1: the SEARCH text is outside the region");
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\n  return true;\n=======\n"
                        "  return true;\n>>>>>>> REPLACE\n")),
            "0: the edit changes nothing; the regions would stay as they are");
}

TEST(ApplyTest, RejectionsAreInReplyOrder) {
  PatchResult R = apply("<<<<<<< SEARCH\nnothing();\n=======\nx();\n"
                        ">>>>>>> REPLACE\n"
                        "```cpp nowhere\nx();\n```\n");
  std::vector<std::string> All = rejections(R);
  ASSERT_EQ(All.size(), 2u);
  EXPECT_EQ(All[0].substr(0, 3), "1: ");
  EXPECT_EQ(All[1].substr(0, 3), "6: ");
}

TEST(ApplyTest, EditsThatWouldReachOutsideARegion) {
  EXPECT_EQ(first(apply("```cpp pick\n  Best = 1;\n}\nint Counter = 0;\n"
                        "int more(int N) {\n  int Best = 0;\n```\n")),
            "1: the new text of region 'pick' does not stand on its own: in "
            "the new text, line 2 closes a '}' that the region did not open. "
            "A region holds whole statements or declarations and may not "
            "reach outside itself");
  EXPECT_EQ(first(apply("```cpp pick\n  if (N) {\n    Best = 1;\n```\n")),
            "1: the new text of region 'pick' does not stand on its own: in "
            "the new text, it leaves a '{' open at its end. A region holds "
            "whole statements or declarations and may not reach outside "
            "itself");
  EXPECT_EQ(first(apply("```cpp pick\n  Best = (N;\n  f(N];\n```\n")),
            "1: the new text of region 'pick' does not stand on its own: in "
            "the new text, line 2 closes a ']' that the region did not open. "
            "A region holds whole statements or declarations and may not "
            "reach outside itself");
  EXPECT_EQ(first(apply("```cpp weight\ndouble weight(int T) { return 1; }\n"
                        "int Calls;\n```\n")),
            "1: the new text of region 'weight' does not stand on its own: "
            "in the new text, line 2 has a ';' outside the function's "
            "braces, which would add a declaration after the function. A "
            "region holds whole statements or declarations and may not "
            "reach outside itself");
  EXPECT_EQ(first(apply("<<<<<<< SEARCH\n    Best += I;\n=======\n"
                        "    Best += I;\n  // EVOLVE-BLOCK-END\n"
                        "  // EVOLVE-BLOCK-START pick2\n>>>>>>> REPLACE\n")),
            "1: the new text of region 'pick' has an EVOLVE-BLOCK marker (on "
            "line 4 of the new text); the markers are not part of the region "
            "and may not be added, moved or removed");
  // Brackets in comments and strings do not count; balanced code is fine.
  PatchResult R =
      apply("```cpp pick\n  // a } in a comment\n"
            "  const char *S = \"{[(\";\n"
            "  for (int I : {1, 2}) { Best += S[I] + 'x'; }\n```\n");
  EXPECT_TRUE(R.accepted()) << first(R);
}

TEST(ApplyTest, BracketsCountAsTheCompilerSeesThem) {
  // `%>` closes the function as `}` would, `<%` opens one: the code
  // between would be at file scope. Digraphs are refused outright as well.
  std::vector<std::string> All =
      rejections(apply("```cpp pick\n  Best = 1;\n%>\nint Counter = 0;\n"
                       "int more(int N) <%\n  int Best = 0;\n```\n"));
  ASSERT_EQ(All.size(), 3u);
  EXPECT_EQ(All[0], "1: in the new text of region 'pick', line 2: the "
                    "digraph '%>' (for '}') is not part of the candidate "
                    "language: write the punctuation itself");
  EXPECT_EQ(All[2], "1: the new text of region 'pick' does not stand on "
                    "its own: in the new text, line 2 closes a '}' (written "
                    "'%>') that the region did not open. A region holds "
                    "whole statements or declarations and may not reach "
                    "outside itself");
  // Before C++17 `??>` is a brace too.
  All =
      rejections(apply("```cpp pick\n  Best = 1;\n?\?>\nint f() ?\?<\n```\n"));
  ASSERT_EQ(All.size(), 3u);
  EXPECT_NE(All[2].find("line 2 closes a '}' (written '?\?>')"),
            std::string::npos)
      << All[2];
  // A pragma the edit writes is refused before anything parses it.
  All = rejections(apply("```cpp pick\n  _Pragma(\"clang __debug crash\")\n"
                         "  Best = 1;\n```\n"));
  ASSERT_EQ(All.size(), 1u);
  EXPECT_EQ(All[0], "1: in the new text of region 'pick', line 1: '_Pragma' "
                    "is not part of the candidate language: a pragma changes "
                    "how the compiler treats the code");
}

TEST(ApplyTest, DiffFilesIsRelativeToTheBase) {
  PatchResult R = apply("```cpp admit\n  return false;\n```\n");
  ASSERT_TRUE(R.accepted());
  std::map<std::string, std::string> Original = project().Files;
  std::string D = diffFiles(Original, R.Files, "/p");
  EXPECT_EQ(D.substr(0, D.find("@@")), "--- a/src/a.cpp\n+++ b/src/a.cpp\n");
  EXPECT_EQ(diffFiles(Original, R.Files, "").substr(0, 18),
            "--- a//p/src/a.cpp");
}

// ---- The property: no byte outside the regions ever changes ---------------

/// The text of File outside the given regions, with a separator for each.
std::string outside(const std::string &Text, const std::vector<Region> &Rs,
                    const std::string &File) {
  std::vector<std::pair<size_t, size_t>> Cuts;
  for (const Region &R : Rs)
    if (R.File == File)
      Cuts.push_back({R.Begin, R.End});
  llvm::sort(Cuts);
  std::string Out;
  size_t Pos = 0;
  for (auto [B, E] : Cuts) {
    Out += Text.substr(Pos, B - Pos) + "\x01";
    Pos = E;
  }
  return Out + Text.substr(Pos);
}

class ReplyGenerator {
public:
  explicit ReplyGenerator(unsigned Seed) : Rng(Seed) {}

  std::string reply() {
    std::string Out;
    if (coin())
      Out += "Here is an improvement.\n\n";
    unsigned Parts = 1 + pick(3);
    for (unsigned I = 0; I < Parts; ++I) {
      switch (pick(4)) {
      case 0:
      case 1:
        Out += searchReplace();
        break;
      case 2:
        Out += rewrite();
        break;
      default:
        Out += copyWithMarkers();
        break;
      }
      Out += coin() ? "\n" : "\nAnd then:\n";
    }
    return Out;
  }

private:
  unsigned pick(unsigned N) {
    return std::uniform_int_distribution<unsigned>(0, N - 1)(Rng);
  }
  bool coin() { return pick(2); }

  /// Lines of one of the files, whole: in a region, outside, or across.
  std::string quote() {
    llvm::StringRef Text = coin() ? TextA : TextB;
    llvm::SmallVector<llvm::StringRef, 32> Lines;
    Text.split(Lines, '\n', -1, false);
    unsigned Begin = pick(Lines.size());
    unsigned Count = 1 + pick(std::min<unsigned>(4, Lines.size() - Begin));
    std::string Out;
    for (unsigned I = Begin; I < Begin + Count; ++I) {
      std::string L = Lines[I].str();
      switch (pick(6)) {
      case 0:
        L = llvm::StringRef(L).ltrim().str(); // lost indentation
        break;
      case 1:
        L += "  "; // trailing blanks
        break;
      case 2:
        if (llvm::StringRef(L).startswith("  "))
          L = "\t" + L.substr(2); // a tab for two spaces
        break;
      default:
        break;
      }
      Out += L + "\n";
    }
    return Out;
  }

  std::string code() {
    static const char *Pool[] = {"  Best = 42;\n",
                                 "  if (N > 3) {\n",
                                 "  }\n",
                                 "    return Best;\n",
                                 "  return U < 0.5;\n",
                                 "}\n",
                                 "int injected() {\n",
                                 "  // EVOLVE-BLOCK-END\n",
                                 "  // EVOLVE-BLOCK-START evil\n",
                                 "\n",
                                 "\t\tBest++;\n",
                                 "  x();  \n",
                                 "int helper() { return 0; }\n",
                                 "double weight(int T) {\n",
                                 "  return T * 5.0;\n",
                                 "static int Calls;\n"};
    std::string Out;
    for (unsigned I = 0, N = pick(5); I < N; ++I)
      Out += Pool[pick(std::size(Pool))];
    return Out;
  }

  std::string searchReplace() {
    std::string Search = quote();
    std::string Replace = pick(4) == 0 ? Search : code();
    std::string Out = coin() ? "```cpp\n" : "";
    Out += "<<<<<<< SEARCH\n" + Search + "=======\n" + Replace +
           ">>>>>>> REPLACE\n";
    if (Out.front() == '`')
      Out += "```\n";
    return Out;
  }

  std::string rewrite() {
    static const char *Names[] = {"pick", "admit", "weight", "", "nowhere"};
    std::string Name = Names[pick(std::size(Names))];
    return "```cpp" + (Name.empty() ? "" : " " + Name) + "\n" + code() +
           "```\n";
  }

  /// A copy of a.cpp with markers, its blocks rewritten and, sometimes,
  /// lines outside them changed, dropped or re-indented.
  std::string copyWithMarkers() {
    llvm::SmallVector<llvm::StringRef, 32> Lines;
    llvm::StringRef(TextA).split(Lines, '\n', -1, false);
    std::string Out = "```cpp\n";
    bool Inside = false;
    for (llvm::StringRef L : Lines) {
      bool Marker = L.contains("EVOLVE-BLOCK-");
      if (Marker) {
        Inside = L.contains("START");
        Out += L.str() + "\n";
        if (Inside && coin())
          Out += code();
        continue;
      }
      if (Inside) {
        if (pick(3) == 0)
          Out += L.str() + "\n";
        continue;
      }
      switch (pick(10)) {
      case 0:
        continue; // dropped
      case 1:
        Out += "    " + L.str() + "\n"; // re-indented
        continue;
      case 2:
        Out += "int changed = 1;\n"; // changed: must be refused
        continue;
      default:
        Out += L.str() + "\n";
      }
    }
    return Out + "```\n";
  }

  std::mt19937 Rng;
};

/// Applies thousands of generated replies to \p P and checks every accepted
/// result.
void checkManyReplies(Project P, unsigned Seed) {
  bool CRLF = llvm::StringRef(P.Files[FileA]).contains("\r\n");
  ReplyGenerator Gen(Seed);
  unsigned Accepted = 0, Refused = 0, Unreadable = 0;
  for (unsigned Iteration = 0; Iteration < 3000; ++Iteration) {
    std::string Reply = Gen.reply();
    llvm::Expected<Edit> E = parseEdit(Reply);
    if (!E) {
      llvm::consumeError(E.takeError());
      ++Unreadable;
      continue;
    }
    PatchResult R = applyEdit(*E, P.Regions, P.Files);
    if (!R.accepted()) {
      ++Refused;
      EXPECT_TRUE(R.Files.empty()) << Reply;
      continue;
    }
    ++Accepted;
    ASSERT_FALSE(R.Files.empty()) << Reply;
    ASSERT_EQ(R.Regions.size(), P.Regions.size());
    for (const auto &[File, Patched] : R.Files) {
      ASSERT_TRUE(P.Files.count(File));
      EXPECT_EQ(outside(P.Files[File], P.Regions, File),
                outside(Patched, R.Regions, File))
          << "reply:\n"
          << Reply << "\npatched:\n"
          << Patched;
      // The markers are the file's own: same blocks, same names.
      std::vector<std::string> Before, After;
      for (const auto &B : regions::scanMarkers(P.Files[File]).Blocks)
        Before.push_back(B.Name);
      regions::MarkerScan Scan = regions::scanMarkers(Patched);
      EXPECT_TRUE(Scan.Errors.empty()) << Reply;
      for (const auto &B : Scan.Blocks)
        After.push_back(B.Name);
      EXPECT_EQ(Before, After) << Reply;
      // And its line endings.
      if (CRLF && File == FileA)
        EXPECT_EQ(llvm::StringRef(Patched).count("\r\n"),
                  llvm::StringRef(Patched).count('\n'))
            << Reply;
    }
    for (const Region &G : R.Regions) {
      auto It = R.Files.find(G.File);
      const std::string &Text =
          It == R.Files.end() ? P.Files[G.File] : It->second;
      ASSERT_LE(G.End, Text.size());
      EXPECT_EQ(Text.substr(G.Begin, G.End - G.Begin), G.Text) << Reply;
      EXPECT_EQ(G.FirstLine, regions::lineOf(Text, G.Begin)) << Reply;
    }
    for (const std::string &Name : R.Changed)
      EXPECT_TRUE(llvm::any_of(
          P.Regions, [&](const Region &G) { return G.Name == Name; }));
  }
  // The generator must exercise both outcomes, many times.
  EXPECT_GT(Accepted, 100u);
  EXPECT_GT(Refused, 300u);
  EXPECT_LT(Unreadable, 1500u);
}

TEST(ApplyTest, NoByteOutsideTheRegionsEverChanges) {
  checkManyReplies(project(), 20240611);
}

TEST(ApplyTest, NoByteOutsideTheRegionsOfACRLFFileEverChanges) {
  Project P = project();
  std::string CRLF;
  for (char C : std::string(TextA)) {
    if (C == '\n')
      CRLF += '\r';
    CRLF += C;
  }
  P.Files[FileA] = CRLF;
  std::vector<Region> Blocks = blocksOf(FileA, CRLF);
  P.Regions[0] = Blocks[0];
  P.Regions[1] = Blocks[1];
  checkManyReplies(P, 7);
}

} // namespace
