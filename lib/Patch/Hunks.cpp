//===- Hunks.cpp - A program's changes, one by one ------------------------===//

#include "adrs/Patch/Hunks.h"
#include "adrs/Patch/Match.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace adrs {
namespace patch {

namespace {

/// A piece of text and where it starts in the region.
struct Piece {
  StringRef Text;
  size_t Begin;
};

/// Lines with their newline, so that a line that gains or loses one is
/// changed too.
std::vector<Piece> lines(StringRef Text) {
  std::vector<Piece> Out;
  size_t Pos = 0;
  while (Pos < Text.size()) {
    size_t NL = Text.find('\n', Pos);
    size_t End = NL == StringRef::npos ? Text.size() : NL + 1;
    Out.push_back({Text.slice(Pos, End), Pos});
    Pos = End;
  }
  return Out;
}

bool isIdentChar(char C) { return isAlnum(C) || C == '_'; }

bool startsNumber(StringRef Line, size_t I) {
  return I < Line.size() &&
         (isDigit(Line[I]) ||
          (Line[I] == '.' && I + 1 < Line.size() && isDigit(Line[I + 1])));
}

/// The end of the preprocessing number that starts at \p I.
size_t numberEnd(StringRef Line, size_t I) {
  size_t J = I + 1;
  while (J < Line.size() && (isIdentChar(Line[J]) || Line[J] == '.' ||
                             ((Line[J] == '+' || Line[J] == '-') &&
                              StringRef("eEpP").contains(Line[J - 1]))))
    ++J;
  return J;
}

/// C++ tokens as far as a diff needs them: identifiers, preprocessing
/// numbers (1e-9, 0x1fULL, 1.0f), a negative number in parentheses as
/// CMA-ES writes one (`(-0.12171)`), runs of blanks, and single characters.
std::vector<Piece> tokens(StringRef Line, size_t At) {
  std::vector<Piece> Out;
  size_t I = 0;
  while (I < Line.size()) {
    size_t J = I + 1;
    char C = Line[I];
    size_t Negative = startsNumber(Line, I + 2) ? numberEnd(Line, I + 2) : 0;
    if (C == '(' && Negative && Line[I + 1] == '-' && Negative < Line.size() &&
        Line[Negative] == ')') {
      J = Negative + 1;
    } else if (startsNumber(Line, I)) {
      J = numberEnd(Line, I);
    } else if (isIdentChar(C)) {
      while (J < Line.size() && isIdentChar(Line[J]))
        ++J;
    } else if (isSpace(C)) {
      while (J < Line.size() && isSpace(Line[J]))
        ++J;
    }
    Out.push_back({Line.slice(I, J), At + I});
    I = J;
  }
  return Out;
}

/// A numeric literal, possibly with a sign, possibly in parentheses (CMA-ES
/// writes a negative constant as `(-0.12171)`).
bool isLiteral(StringRef Text) {
  Text = Text.trim();
  if (Text.startswith("(") && Text.endswith(")"))
    Text = Text.drop_front().drop_back().trim();
  if (Text.consume_front("-") || Text.consume_front("+"))
    Text = Text.ltrim();
  if (Text.empty())
    return false;
  std::vector<Piece> T = tokens(Text, 0);
  return T.size() == 1 &&
         (isDigit(Text[0]) || (Text[0] == '.' && Text.size() > 1));
}

std::vector<StringRef> texts(ArrayRef<Piece> P) {
  std::vector<StringRef> Out;
  for (const Piece &X : P)
    Out.push_back(X.Text);
  return Out;
}

/// The hunks of one line changed into another.
void splitLine(const std::string &Region, const Piece &Old, const Piece &New,
               std::vector<Hunk> &Out) {
  std::vector<Piece> A = tokens(Old.Text, Old.Begin);
  std::vector<Piece> B = tokens(New.Text, 0);
  std::vector<DiffOp> Ops = diffSequences(texts(A), texts(B));
  Hunk Rest;
  Rest.Region = Region;
  Rest.Kind = HunkKind::Line;
  std::vector<Hunk> Literals;
  size_t K = 0;
  while (K < Ops.size()) {
    if (Ops[K].Kind == DiffOp::Same) {
      ++K;
      continue;
    }
    TextChange C;
    std::optional<size_t> FirstOld, LastOld;
    size_t InsertAt = Ops[K].A;
    for (; K < Ops.size() && Ops[K].Kind != DiffOp::Same; ++K) {
      if (Ops[K].Kind == DiffOp::Delete) {
        if (!FirstOld)
          FirstOld = Ops[K].A;
        LastOld = Ops[K].A;
      } else {
        C.Text += B[Ops[K].B].Text.str();
      }
    }
    if (FirstOld) {
      C.Begin = A[*FirstOld].Begin;
      C.End = A[*LastOld].Begin + A[*LastOld].Text.size();
    } else {
      C.Begin = C.End =
          InsertAt < A.size() ? A[InsertAt].Begin : Old.Begin + Old.Text.size();
    }
    StringRef Was = Old.Text.substr(C.Begin - Old.Begin, C.End - C.Begin);
    if (isLiteral(Was) && isLiteral(C.Text)) {
      Hunk H;
      H.Region = Region;
      H.Kind = HunkKind::Literal;
      H.Changes.push_back(std::move(C));
      Literals.push_back(std::move(H));
    } else {
      Rest.Changes.push_back(std::move(C));
    }
  }
  if (!Rest.Changes.empty())
    Literals.push_back(std::move(Rest));
  llvm::sort(Literals, [](const Hunk &X, const Hunk &Y) {
    return X.Changes.front().Begin < Y.Changes.front().Begin;
  });
  for (Hunk &H : Literals)
    Out.push_back(std::move(H));
}

void splitRegion(const std::string &Region, StringRef Old, StringRef New,
                 std::vector<Hunk> &Out) {
  if (Old == New)
    return;
  std::vector<Piece> A = lines(Old), B = lines(New);
  // Far beyond any region's size: the whole rewrite is one hunk rather than
  // a quadratic comparison.
  if ((A.size() + 1) * (B.size() + 1) > 4'000'000) {
    Hunk H;
    H.Region = Region;
    H.Kind = HunkKind::Lines;
    H.Changes.push_back({0, Old.size(), New.str()});
    Out.push_back(std::move(H));
    return;
  }
  std::vector<DiffOp> Ops = diffSequences(texts(A), texts(B));
  size_t K = 0;
  while (K < Ops.size()) {
    if (Ops[K].Kind == DiffOp::Same) {
      ++K;
      continue;
    }
    std::vector<size_t> Deleted, Inserted;
    size_t InsertAt = Ops[K].A;
    for (; K < Ops.size() && Ops[K].Kind != DiffOp::Same; ++K)
      (Ops[K].Kind == DiffOp::Delete ? Deleted : Inserted)
          .push_back(Ops[K].Kind == DiffOp::Delete ? Ops[K].A : Ops[K].B);
    if (Deleted.size() == Inserted.size()) {
      for (size_t I = 0; I < Deleted.size(); ++I)
        splitLine(Region, A[Deleted[I]], B[Inserted[I]], Out);
      continue;
    }
    Hunk H;
    H.Region = Region;
    H.Kind = HunkKind::Lines;
    TextChange C;
    if (Deleted.empty()) {
      C.Begin = C.End = InsertAt < A.size() ? A[InsertAt].Begin : Old.size();
    } else {
      C.Begin = A[Deleted.front()].Begin;
      C.End = A[Deleted.back()].Begin + A[Deleted.back()].Text.size();
    }
    for (size_t I : Inserted)
      C.Text += B[I].Text.str();
    H.Changes.push_back(std::move(C));
    Out.push_back(std::move(H));
  }
}

} // namespace

std::vector<Hunk> splitHunks(const Program &Old, const Program &New) {
  std::vector<Hunk> Out;
  for (const auto &[Region, Text] : Old) {
    auto It = New.find(Region);
    if (It != New.end())
      splitRegion(Region, Text, It->second, Out);
  }
  return Out;
}

Program applyHunks(const Program &Old, ArrayRef<Hunk> Hunks,
                   const std::vector<bool> &Keep) {
  Program Out = Old;
  for (auto &[Region, Text] : Out) {
    std::vector<const TextChange *> Changes;
    for (size_t I = 0; I < Hunks.size(); ++I)
      if (I < Keep.size() && Keep[I] && Hunks[I].Region == Region)
        for (const TextChange &C : Hunks[I].Changes)
          Changes.push_back(&C);
    if (Changes.empty())
      continue;
    llvm::sort(Changes, [](const TextChange *X, const TextChange *Y) {
      return X->Begin < Y->Begin;
    });
    const std::string &Was = Old.at(Region);
    std::string New;
    size_t At = 0;
    for (const TextChange *C : Changes) {
      New += Was.substr(At, C->Begin - At);
      New += C->Text;
      At = C->End;
    }
    New += Was.substr(At);
    Text = std::move(New);
  }
  return Out;
}

} // namespace patch
} // namespace adrs
