//===- Match.cpp - Finding SEARCH text in a region ------------------------===//

#include "adrs/Patch/Match.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace llvm;

namespace adrs {
namespace patch {

namespace {

struct Line {
  StringRef Text; ///< Without the newline.
  size_t Begin;   ///< Offset of the first byte.
  size_t End;     ///< Offset past the newline (or the end of the text).
};

std::vector<Line> splitLines(StringRef Text) {
  std::vector<Line> Lines;
  size_t Pos = 0;
  while (Pos < Text.size()) {
    size_t NL = Text.find('\n', Pos);
    size_t End = NL == StringRef::npos ? Text.size() : NL + 1;
    StringRef Body = Text.slice(Pos, NL == StringRef::npos ? Text.size() : NL);
    Lines.push_back({Body.rtrim('\r'), Pos, End});
    Pos = End;
  }
  return Lines;
}

StringRef normalize(StringRef L, MatchKind Kind) {
  switch (Kind) {
  case MatchKind::Exact:
    return L;
  case MatchKind::TrailingWhitespace:
    return L.rtrim(" \t");
  case MatchKind::Indentation:
    return L.trim(" \t");
  }
  return L;
}

StringRef indentOf(StringRef L) {
  return L.take_while([](char C) { return C == ' ' || C == '\t'; });
}

} // namespace

std::vector<TextMatch> findMatches(StringRef Text, StringRef Needle) {
  std::vector<Line> Hay = splitLines(Text);
  std::vector<Line> Pins = splitLines(Needle);
  std::vector<TextMatch> Result;

  for (MatchKind Kind : {MatchKind::Exact, MatchKind::TrailingWhitespace,
                         MatchKind::Indentation}) {
    std::vector<Line> N = Pins;
    // Loosest level only: blank lines at the edges of a SEARCH are noise.
    if (Kind == MatchKind::Indentation) {
      while (!N.empty() && N.front().Text.trim().empty())
        N.erase(N.begin());
      while (!N.empty() && N.back().Text.trim().empty())
        N.pop_back();
    }
    if (N.empty() || N.size() > Hay.size())
      continue;
    for (size_t Start = 0; Start + N.size() <= Hay.size(); ++Start) {
      bool Equal = true;
      for (size_t K = 0; K < N.size() && Equal; ++K)
        Equal =
            normalize(Hay[Start + K].Text, Kind) == normalize(N[K].Text, Kind);
      if (!Equal)
        continue;
      TextMatch M;
      M.Begin = Hay[Start].Begin;
      M.End = Hay[Start + N.size() - 1].End;
      M.Kind = Kind;
      if (Kind == MatchKind::Indentation) {
        for (size_t K = 0; K < N.size(); ++K) {
          if (N[K].Text.trim().empty())
            continue;
          M.IndentFrom = indentOf(N[K].Text).str();
          M.IndentTo = indentOf(Hay[Start + K].Text).str();
          break;
        }
      }
      Result.push_back(M);
    }
    if (!Result.empty())
      return Result;
  }
  return Result;
}

std::string reindent(StringRef Replace, const TextMatch &M) {
  if (M.Kind != MatchKind::Indentation || M.IndentFrom == M.IndentTo)
    return Replace.str();
  // A SEARCH indented with tabs where the region has spaces (or the other
  // way round) also has its deeper levels in the wrong character: with the
  // width of one tab taken from the two indentations, "\t\t" -> "    " makes
  // a third tab two more spaces, not a tab after the spaces.
  auto AllOf = [](StringRef S, char C) {
    return !S.empty() && S.find_first_not_of(C) == StringRef::npos;
  };
  char Convert = 0; // the character to replace in deeper indentation
  unsigned TabWidth = 0;
  if (AllOf(M.IndentFrom, '\t') && AllOf(M.IndentTo, ' ') &&
      M.IndentTo.size() % M.IndentFrom.size() == 0) {
    Convert = '\t';
    TabWidth = M.IndentTo.size() / M.IndentFrom.size();
  } else if (AllOf(M.IndentFrom, ' ') && AllOf(M.IndentTo, '\t') &&
             M.IndentFrom.size() % M.IndentTo.size() == 0) {
    Convert = ' ';
    TabWidth = M.IndentFrom.size() / M.IndentTo.size();
  }
  std::string Out;
  for (const Line &L : splitLines(Replace)) {
    StringRef Body = L.Text;
    if (!Body.trim().empty()) {
      if (Body.startswith(M.IndentFrom))
        Body = Body.drop_front(M.IndentFrom.size());
      else
        Body = Body.ltrim(" \t");
      Out += M.IndentTo;
      if (Convert == '\t') {
        for (; Body.startswith("\t"); Body = Body.drop_front())
          Out.append(TabWidth, ' ');
      } else if (Convert == ' ') {
        for (; Body.startswith(std::string(TabWidth, ' '));
             Body = Body.drop_front(TabWidth))
          Out += '\t';
      }
    }
    Out += Body.str();
    Out += '\n';
  }
  return Out;
}

namespace {

/// How alike two lines are, 0..1, ignoring indentation.
double similarity(StringRef A, StringRef B) {
  A = A.trim();
  B = B.trim();
  if (A.empty() && B.empty())
    return 1;
  size_t Longest = std::max(A.size(), B.size());
  unsigned Distance = A.edit_distance(B, true, Longest);
  return 1.0 - double(Distance) / double(Longest);
}

} // namespace

std::string closestMatchDiff(StringRef Text, StringRef Needle,
                             unsigned *LineInText) {
  std::vector<Line> Hay = splitLines(Text);
  std::vector<Line> N = splitLines(Needle);
  if (Hay.empty() || N.empty())
    return "";
  size_t Window = std::min(N.size(), Hay.size());
  double Best = -1;
  size_t BestStart = 0;
  for (size_t Start = 0; Start + Window <= Hay.size(); ++Start) {
    double Score = 0;
    for (size_t K = 0; K < Window; ++K)
      Score += similarity(Hay[Start + K].Text, N[K].Text);
    if (Score > Best) {
      Best = Score;
      BestStart = Start;
    }
  }
  if (Best / double(N.size()) < 0.5)
    return "";
  if (LineInText)
    *LineInText = unsigned(BestStart + 1);
  StringRef Closest =
      Text.slice(Hay[BestStart].Begin, Hay[BestStart + Window - 1].End);
  return unifiedDiff(Needle, Closest, "SEARCH", "region");
}

std::vector<DiffOp> diffSequences(ArrayRef<StringRef> A,
                                  ArrayRef<StringRef> B) {
  size_t N = A.size(), M = B.size();
  // Longest common subsequence; regions are small, and the callers cap the
  // sizes they compare.
  std::vector<std::vector<uint32_t>> LCS(N + 1, std::vector<uint32_t>(M + 1));
  for (size_t I = N; I-- > 0;)
    for (size_t J = M; J-- > 0;)
      LCS[I][J] = A[I] == B[J] ? LCS[I + 1][J + 1] + 1
                               : std::max(LCS[I + 1][J], LCS[I][J + 1]);
  std::vector<DiffOp> Ops;
  size_t I = 0, J = 0;
  while (I < N || J < M) {
    if (I < N && J < M && A[I] == B[J])
      Ops.push_back({DiffOp::Same, I++, J++});
    else if (I < N && (J == M || LCS[I + 1][J] >= LCS[I][J + 1]))
      Ops.push_back({DiffOp::Delete, I++, J});
    else
      Ops.push_back({DiffOp::Insert, I, J++});
  }
  return Ops;
}

std::string unifiedDiff(StringRef Old, StringRef New, StringRef OldName,
                        StringRef NewName, unsigned Context) {
  std::vector<Line> A = splitLines(Old), B = splitLines(New);
  size_t N = A.size(), M = B.size();
  // A cap keeps a pathological pair from costing quadratic memory.
  if ((N + 1) * (M + 1) > 16'000'000)
    return "(texts too large to compare)\n";
  std::vector<StringRef> ATexts, BTexts;
  for (const Line &L : A)
    ATexts.push_back(L.Text);
  for (const Line &L : B)
    BTexts.push_back(L.Text);
  struct Op {
    char Kind; // ' ', '-', '+'
    size_t AIndex, BIndex;
  };
  std::vector<Op> Ops;
  for (const DiffOp &D : diffSequences(ATexts, BTexts))
    Ops.push_back({D.Kind == DiffOp::Same     ? ' '
                   : D.Kind == DiffOp::Delete ? '-'
                                              : '+',
                   D.A, D.B});

  std::string Out;
  raw_string_ostream OS(Out);
  bool Any = any_of(Ops, [](const Op &O) { return O.Kind != ' '; });
  if (!Any)
    return "";
  OS << "--- " << OldName << "\n+++ " << NewName << "\n";
  size_t K = 0;
  while (K < Ops.size()) {
    // Find the next change, then grow a hunk around it.
    while (K < Ops.size() && Ops[K].Kind == ' ')
      ++K;
    if (K == Ops.size())
      break;
    size_t Begin = K >= Context ? K - Context : 0;
    size_t End = K;
    size_t Quiet = 0;
    while (End < Ops.size()) {
      if (Ops[End].Kind == ' ') {
        // Quiet counts the unchanged lines taken into the hunk; the one
        // that ends it is not taken (else the hunk keeps Context - 1).
        if (Quiet + 1 > 2 * Context)
          break;
        ++Quiet;
      } else {
        Quiet = 0;
      }
      ++End;
    }
    End = std::min(Ops.size(), End - (Quiet > Context ? Quiet - Context : 0));
    size_t OldStart = Ops[Begin].AIndex, NewStart = Ops[Begin].BIndex;
    size_t OldCount = 0, NewCount = 0;
    for (size_t X = Begin; X < End; ++X) {
      OldCount += Ops[X].Kind != '+';
      NewCount += Ops[X].Kind != '-';
    }
    OS << "@@ -" << (OldCount ? OldStart + 1 : OldStart) << ',' << OldCount
       << " +" << (NewCount ? NewStart + 1 : NewStart) << ',' << NewCount
       << " @@\n";
    for (size_t X = Begin; X < End; ++X) {
      const Op &O = Ops[X];
      OS << O.Kind << (O.Kind == '+' ? B[O.BIndex].Text : A[O.AIndex].Text)
         << '\n';
    }
    K = End;
  }
  return OS.str();
}

} // namespace patch
} // namespace adrs
