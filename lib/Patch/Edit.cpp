//===- Edit.cpp - Reading a generator's reply -----------------------------===//

#include "adrs/Patch/Edit.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace adrs {
namespace patch {

char EditError::ID = 0;

void EditError::log(raw_ostream &OS) const {
  if (Line)
    OS << "reply line " << Line << ": ";
  OS << Message;
}

std::string normalizeNewlines(StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  for (size_t I = 0; I < Text.size(); ++I) {
    if (Text[I] == '\r') {
      Out += '\n';
      if (I + 1 < Text.size() && Text[I + 1] == '\n')
        ++I;
      continue;
    }
    Out += Text[I];
  }
  return Out;
}

namespace {

Error replyError(unsigned Line, const Twine &Message) {
  return make_error<EditError>(Line, Message.str());
}

bool isSearch(StringRef L) { return isBlockMarker(L, '<', "SEARCH"); }
bool isDivider(StringRef L) { return isBlockMarker(L, '=', ""); }
bool isReplace(StringRef L) { return isBlockMarker(L, '>', "REPLACE"); }

struct Fence {
  char Char = 0;
  size_t Length = 0;
  std::string Info;
};

/// A CommonMark fence opener: up to three spaces, then three or more
/// backticks or tildes, then an info string.
std::optional<Fence> fenceOpen(StringRef Line) {
  // A blank line's npos is more than three too.
  size_t Indent = Line.find_first_not_of(' ');
  if (Indent > 3)
    return std::nullopt;
  StringRef Rest = Line.drop_front(Indent);
  char C = Rest.empty() ? 0 : Rest[0];
  if (C != '`' && C != '~')
    return std::nullopt;
  size_t N = Rest.find_first_not_of(C);
  if (N == StringRef::npos)
    N = Rest.size();
  if (N < 3)
    return std::nullopt;
  StringRef Info = Rest.drop_front(N).trim();
  if (C == '`' && Info.contains('`'))
    return std::nullopt;
  return Fence{C, N, Info.str()};
}

bool fenceCloses(StringRef Line, const Fence &F) {
  StringRef T = Line.trim();
  return T.size() >= F.Length && T.find_first_not_of(F.Char) == StringRef::npos;
}

/// Languages whose fenced blocks are code to apply; anything else tagged is
/// prose (an explanation in ```text, a shell command, a diff to read).
bool isCodeLanguage(StringRef Lang) {
  return Lang.empty() ||
         is_contained(ArrayRef<StringRef>{"cpp", "c++", "cc", "cxx", "c", "h",
                                          "hpp", "hh", "hxx", "C", "CPP"},
                      Lang);
}

/// The language of a fence's info string: `cpp` in ```cpp policy and in
/// ```cpp:policy.
StringRef fenceLanguage(StringRef Info) {
  return Info.split(' ').first.split(':').first;
}

/// A fence whose lines are prose: a log in ```text, a command in ```bash.
/// Markers in it are quoted, not meant (but ```diff often wraps real
/// SEARCH/REPLACE blocks, so it is not prose here).
bool isProseFence(const Fence &F) {
  StringRef Lang = fenceLanguage(F.Info);
  return !isCodeLanguage(Lang) && Lang != "diff";
}

/// A line right before a block that names where it goes: `policy`,
/// `policy/greedy.cpp`, or either in backticks or bold.
std::string targetName(StringRef Line) {
  StringRef T = Line.trim();
  T = T.trim("`*_:# ");
  if (T.empty() || T.size() > 200)
    return "";
  for (char C : T)
    if (!isAlnum(C) && !StringRef("_./-").contains(C))
      return "";
  return T.str();
}

struct MarkerScan {
  struct Block {
    std::string Name;
    size_t BodyBegin, BodyEnd; // line indices, body excludes the markers
  };
  std::vector<Block> Blocks;
};

/// Finds EVOLVE-BLOCK markers in a fenced block's lines.
Expected<MarkerScan> scanMarkers(ArrayRef<StringRef> Lines,
                                 unsigned FirstLine) {
  MarkerScan Scan;
  std::optional<MarkerScan::Block> Open;
  unsigned OpenLine = 0;
  for (size_t I = 0; I < Lines.size(); ++I) {
    StringRef L = Lines[I];
    size_t Start = L.find("EVOLVE-BLOCK-START");
    if (Start != StringRef::npos) {
      if (Open)
        return replyError(
            FirstLine + I,
            "EVOLVE-BLOCK-START inside the block opened at line " +
                Twine(OpenLine));
      StringRef Name =
          L.drop_front(Start + strlen("EVOLVE-BLOCK-START")).trim();
      Name = Name.take_while([](char C) { return isAlnum(C) || C == '_'; });
      Open = MarkerScan::Block{Name.str(), I + 1, 0};
      OpenLine = FirstLine + I;
      continue;
    }
    if (L.contains("EVOLVE-BLOCK-END")) {
      if (!Open)
        return replyError(FirstLine + I,
                          "EVOLVE-BLOCK-END without EVOLVE-BLOCK-START");
      Open->BodyEnd = I;
      Scan.Blocks.push_back(*Open);
      Open.reset();
    }
  }
  if (Open)
    return replyError(OpenLine, "EVOLVE-BLOCK-START without EVOLVE-BLOCK-END");
  return Scan;
}

std::string joinLines(ArrayRef<StringRef> Lines, size_t Begin, size_t End) {
  std::string Out;
  for (size_t I = Begin; I < End; ++I) {
    Out += Lines[I].str();
    Out += '\n';
  }
  return Out;
}

/// Turns one closed fenced block into rewrites.
Error addRewrites(ArrayRef<StringRef> Lines, const Fence &F, unsigned FenceLine,
                  Edit &Out) {
  SmallVector<StringRef, 2> Info;
  StringRef(F.Info).split(Info, ' ', 1, false);
  StringRef Lang = Info.empty() ? "" : Info[0];
  std::string Tag = Info.size() > 1 ? Info[1].trim().str() : "";
  // ```cpp:policy
  if (Lang.contains(':')) {
    Tag = Lang.split(':').second.str();
    Lang = Lang.split(':').first;
  }
  if (!isCodeLanguage(Lang))
    return Error::success();

  Expected<MarkerScan> Scan = scanMarkers(Lines, FenceLine + 1);
  if (!Scan)
    return Scan.takeError();
  if (Scan->Blocks.empty()) {
    Rewrite R;
    R.Region = Tag;
    R.Code = joinLines(Lines, 0, Lines.size());
    R.Line = FenceLine;
    R.Untyped = Lang.empty();
    Out.Rewrites.push_back(std::move(R));
    return Error::success();
  }
  // A copy of the file (or part of it) with markers: each block is a
  // rewrite, and what lies around the blocks must equal the original.
  std::string Outside;
  size_t Next = 0;
  for (const MarkerScan::Block &B : Scan->Blocks) {
    Outside += joinLines(Lines, Next, B.BodyBegin);
    Outside += "\x01\n"; // the region's place, never a character of code
    Next = B.BodyEnd;
  }
  Outside += joinLines(Lines, Next, Lines.size());
  for (const MarkerScan::Block &B : Scan->Blocks) {
    Rewrite R;
    R.Region = B.Name.empty() ? Tag : B.Name;
    R.Code = joinLines(Lines, B.BodyBegin, B.BodyEnd);
    R.HadMarkers = true;
    R.Outside = Outside;
    R.Line = FenceLine;
    Out.Rewrites.push_back(std::move(R));
  }
  return Error::success();
}

/// Models explain in code blocks too: pseudo code, the old lines, an example.
/// When some blocks say where they go (```cpp policy, or markers), blocks
/// that do not are such sketches; failing that, when some are C++ (```cpp),
/// those without a language are. What is left is ambiguous only if the
/// model itself was, and then the patcher says so.
void dropSketches(std::vector<Rewrite> &Rewrites) {
  auto Named = [](const Rewrite &R) { return !R.Region.empty(); };
  if (any_of(Rewrites, Named) && !all_of(Rewrites, Named)) {
    erase_if(Rewrites, [&](const Rewrite &R) { return !Named(R); });
    return;
  }
  auto Typed = [](const Rewrite &R) { return !R.Untyped; };
  if (any_of(Rewrites, Typed) && !all_of(Rewrites, Typed))
    erase_if(Rewrites, [&](const Rewrite &R) { return !Typed(R); });
}

} // namespace

bool isBlockMarker(StringRef Line, char C, StringRef Word) {
  Line = Line.trim();
  size_t N = 0;
  while (N < Line.size() && Line[N] == C)
    ++N;
  if (N < 5 || N > 9)
    return false;
  StringRef Rest = Line.drop_front(N).trim();
  if (Word.empty())
    return Rest.empty();
  return Rest.startswith(Word) &&
         (Rest.size() == Word.size() || !isAlnum(Rest[Word.size()]));
}

Expected<Edit> parseEdit(StringRef Reply) {
  std::string Text = normalizeNewlines(Reply);
  SmallVector<StringRef, 64> Lines;
  StringRef(Text).split(Lines, '\n');
  if (!Lines.empty() && Lines.back().empty())
    Lines.pop_back();

  Edit Out;
  std::optional<Fence> Open;
  unsigned FenceLine = 0;
  size_t FenceBegin = 0;
  bool FenceHasSearch = false;
  std::string LastNonBlank, TargetBeforeFence;

  for (size_t I = 0; I < Lines.size(); ++I) {
    StringRef L = Lines[I];
    unsigned LineNo = I + 1;

    if (Open && isProseFence(*Open)) {
      if (fenceCloses(L, *Open)) {
        Open.reset();
        LastNonBlank.clear();
      }
      continue;
    }

    if (isSearch(L)) {
      SearchReplace SR;
      SR.Line = LineNo;
      SR.Target = Open ? (FenceHasSearch ? LastNonBlank : TargetBeforeFence)
                       : LastNonBlank;
      SR.Target = targetName(SR.Target);
      size_t J = I + 1;
      while (J < Lines.size() && !isDivider(Lines[J]) && !isReplace(Lines[J]) &&
             !isSearch(Lines[J]))
        ++J;
      if (J == Lines.size() || !isDivider(Lines[J]))
        return replyError(LineNo, "SEARCH block without its '=======' line");
      size_t K = J + 1;
      while (K < Lines.size() && !isReplace(Lines[K]) && !isSearch(Lines[K]) &&
             !isDivider(Lines[K]))
        ++K;
      if (K == Lines.size() || !isReplace(Lines[K]))
        return replyError(LineNo, "SEARCH block without its '>>>>>>> REPLACE' "
                                  "line (was the reply cut off?)");
      SR.Search = joinLines(Lines, I + 1, J);
      SR.Replace = joinLines(Lines, J + 1, K);
      if (StringRef(SR.Search).trim().empty())
        return replyError(LineNo, "empty SEARCH block; SEARCH must quote the "
                                  "lines to replace");
      Out.Blocks.push_back(std::move(SR));
      if (Open)
        FenceHasSearch = true;
      I = K;
      LastNonBlank.clear();
      continue;
    }
    if (isReplace(L))
      return replyError(LineNo, "'>>>>>>> REPLACE' without a SEARCH block");

    if (Open) {
      if (fenceCloses(L, *Open)) {
        if (!FenceHasSearch)
          if (Error E = addRewrites(
                  ArrayRef<StringRef>(Lines).slice(FenceBegin, I - FenceBegin),
                  *Open, FenceLine, Out))
            return std::move(E);
        Open.reset();
        LastNonBlank.clear();
        continue;
      }
      if (!L.trim().empty())
        LastNonBlank = L.str();
      continue;
    }
    if (std::optional<Fence> F = fenceOpen(L)) {
      Open = F;
      FenceLine = LineNo;
      FenceBegin = I + 1;
      FenceHasSearch = false;
      TargetBeforeFence = LastNonBlank;
      LastNonBlank.clear();
      continue;
    }
    if (!L.trim().empty())
      LastNonBlank = L.str();
  }
  if (Open && !FenceHasSearch)
    return replyError(FenceLine, "the reply ends inside the code block opened "
                                 "here (was it cut off?)");
  dropSketches(Out.Rewrites);
  if (Out.empty())
    return make_error<EditError>(
        0, "the reply contains no code: expected SEARCH/REPLACE blocks or a "
           "fenced ```cpp block with the new region");
  return Out;
}

} // namespace patch
} // namespace adrs
