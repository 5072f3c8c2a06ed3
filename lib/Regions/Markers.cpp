//===- Markers.cpp - EVOLVE-BLOCK comments --------------------------------===//

#include "adrs/Regions/Markers.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <map>

using namespace llvm;

namespace adrs {
namespace regions {

unsigned lineOf(StringRef Text, size_t Offset) {
  return 1 + std::count(Text.begin(),
                        Text.begin() + std::min(Offset, Text.size()), '\n');
}

namespace {

constexpr StringLiteral StartWord = "EVOLVE-BLOCK-START";
constexpr StringLiteral EndWord = "EVOLVE-BLOCK-END";

/// The marker word of a line and where its comment starts, if the line is a
/// marker comment.
struct MarkerLine {
  bool IsStart;
  size_t CommentOffset; ///< Within the line.
  std::string Name;
  std::string Junk; ///< Code before the comment, which is not allowed.
};

std::optional<MarkerLine> parseMarkerLine(StringRef Line) {
  size_t Word = Line.find("EVOLVE-BLOCK-");
  if (Word == StringRef::npos)
    return std::nullopt;
  StringRef After = Line.drop_front(Word);
  bool IsStart = After.startswith(StartWord);
  if (!IsStart && !After.startswith(EndWord))
    return std::nullopt;
  // A longer word (EVOLVE-BLOCK-ENDS, EVOLVE-BLOCK-STARTED) is not a marker.
  StringRef Tail =
      After.drop_front(IsStart ? StartWord.size() : EndWord.size());
  if (!Tail.empty() && !isSpace(Tail[0]))
    return std::nullopt;
  size_t Comment = Line.take_front(Word).rfind("//");
  if (Comment == StringRef::npos)
    return std::nullopt; // in a string or a block comment: not a marker
  // `"// EVOLVE-BLOCK-START"` in a string literal: an odd number of quotes
  // before the `//` means it is inside the string, not a comment.
  unsigned Quotes = 0;
  for (size_t I = 0; I < Comment; ++I) {
    if (Line[I] == '\\') {
      ++I;
      continue;
    }
    if (Line[I] == '"')
      ++Quotes;
  }
  if (Quotes % 2)
    return std::nullopt;
  StringRef Between = Line.slice(Comment + 2, Word);
  if (!Between.trim().empty())
    return std::nullopt; // prose that mentions the marker
  MarkerLine M;
  M.IsStart = IsStart;
  M.CommentOffset = Comment;
  M.Junk = Line.take_front(Comment).trim().str();
  if (IsStart) {
    StringRef Rest = Tail.ltrim();
    M.Name =
        Rest.take_while([](char C) { return isAlnum(C) || C == '_'; }).str();
  }
  return M;
}

} // namespace

MarkerScan scanMarkers(StringRef Text) {
  MarkerScan Scan;
  std::optional<MarkedBlock> Open;
  size_t Pos = 0;
  unsigned LineNo = 0;
  while (Pos <= Text.size()) {
    size_t NL = Text.find('\n', Pos);
    size_t LineEnd = NL == StringRef::npos ? Text.size() : NL;
    size_t Next = NL == StringRef::npos ? Text.size() + 1 : NL + 1;
    StringRef Line = Text.slice(Pos, LineEnd);
    ++LineNo;
    if (std::optional<MarkerLine> M = parseMarkerLine(Line)) {
      size_t At = Pos + M->CommentOffset;
      if (!M->Junk.empty()) {
        Scan.Errors.push_back({At,
                               "an EVOLVE-BLOCK marker must be alone on its "
                               "line; move '" +
                                   M->Junk + "' off it",
                               std::nullopt, ""});
      } else if (M->IsStart) {
        if (Open) {
          Scan.Errors.push_back({At,
                                 "EVOLVE-BLOCK-START inside another block; "
                                 "blocks cannot nest",
                                 Open->StartMarker,
                                 "the enclosing block starts here"});
        } else {
          Open = MarkedBlock{M->Name, At, std::min(Next, Text.size()), 0, 0,
                             LineNo,  0};
        }
      } else if (!Open) {
        Scan.Errors.push_back({At,
                               "EVOLVE-BLOCK-END without an EVOLVE-BLOCK-START",
                               std::nullopt, ""});
      } else {
        Open->End = Pos;
        Open->EndMarker = At;
        Open->EndLine = LineNo;
        Scan.Blocks.push_back(*Open);
        Open.reset();
      }
    }
    Pos = Next;
  }
  if (Open)
    Scan.Errors.push_back({Open->StartMarker,
                           "EVOLVE-BLOCK-START without an EVOLVE-BLOCK-END",
                           std::nullopt, ""});

  std::map<std::string, size_t> Seen;
  for (const MarkedBlock &B : Scan.Blocks) {
    if (B.Name.empty()) {
      if (Scan.Blocks.size() > 1)
        Scan.Errors.push_back({B.StartMarker,
                               "this file has several blocks, so each needs a "
                               "name: // EVOLVE-BLOCK-START name",
                               std::nullopt, ""});
      continue;
    }
    auto [It, Inserted] = Seen.emplace(B.Name, B.StartMarker);
    if (!Inserted)
      Scan.Errors.push_back(
          {B.StartMarker, "block '" + B.Name + "' is named twice in this file",
           It->second, "first named here"});
  }
  return Scan;
}

} // namespace regions
} // namespace adrs
