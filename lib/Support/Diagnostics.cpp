//===- Diagnostics.cpp - Clang-style diagnostics --------------------------===//

#include "adrs/Support/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace adrs {

/// Lines longer than twice this are shown as a window around the column.
constexpr int Window = 100;

/// Shows a window of a long source line around the column, as clang does, so
/// that a diagnostic in a minified or binary file stays readable. Built from
/// the window only: copying a megabyte line per diagnostic would be slow.
static SMDiagnostic
clipLongLine(const SourceMgr &SM, SMLoc Loc, StringRef Line, int LineNo,
             int Column, SourceMgr::DiagKind Kind, const Twine &Message,
             ArrayRef<std::pair<unsigned, unsigned>> Ranges) {
  int Start = std::max(0, Column - Window / 2);
  int End = std::min<int>(Line.size(), Start + Window);
  std::string Clipped = (Start > 0 ? "..." : "") +
                        Line.slice(Start, End).str() +
                        (End < int(Line.size()) ? "..." : "");
  int Shift = Start - (Start > 0 ? 3 : 0);
  SmallVector<std::pair<unsigned, unsigned>, 4> Shown;
  for (auto [From, To] : Ranges) {
    int F = std::max<int>(int(From) - Shift, 0);
    int T = std::min<int>(int(To) - Shift, Clipped.size());
    if (F < T)
      Shown.push_back({unsigned(F), unsigned(T)});
  }
  // No file name: the caller prints the real location, since this one's
  // column is the caret's position in the window.
  return SMDiagnostic(SM, Loc, /*FN=*/"", LineNo, Column - Shift, Kind,
                      Message.str(), Clipped, Shown);
}

const DiagnosticEngine::LineIndex &
DiagnosticEngine::lineIndex(unsigned BufferID) {
  if (LineIndexes.size() < BufferID)
    LineIndexes.resize(BufferID);
  LineIndex &Index = LineIndexes[BufferID - 1];
  StringRef Buffer = SM.getMemoryBuffer(BufferID)->getBuffer();
  if (Index.Start != Buffer.data()) {
    Index.Start = Buffer.data();
    Index.Breaks.clear();
    Index.Newlines.clear();
    for (size_t I = 0; I < Buffer.size(); ++I) {
      if (Buffer[I] == '\n')
        Index.Newlines.push_back(I);
      if (Buffer[I] == '\n' || Buffer[I] == '\r')
        Index.Breaks.push_back(I);
    }
  }
  return Index;
}

static SourceMgr::DiagKind toKind(DiagLevel Level) {
  switch (Level) {
  case DiagLevel::Error:
    return SourceMgr::DK_Error;
  case DiagLevel::Warning:
    return SourceMgr::DK_Warning;
  case DiagLevel::Note:
    return SourceMgr::DK_Note;
  }
  return SourceMgr::DK_Error;
}

void DiagnosticEngine::report(DiagLevel Level, SMLoc Loc, const Twine &Message,
                              ArrayRef<SMRange> Ranges,
                              ArrayRef<SMFixIt> FixIts) {
  if (Level == DiagLevel::Note) {
    if (LastWasSuppressed)
      return;
  } else {
    if (Level == DiagLevel::Warning && IgnoreWarnings) {
      LastWasSuppressed = true;
      return;
    }
    if (Level == DiagLevel::Warning && WarningsAsErrors)
      Level = DiagLevel::Error;
    if (reachedErrorLimit()) {
      LastWasSuppressed = true;
      if (Level == DiagLevel::Error)
        ++NumErrors;
      if (!LimitAnnounced) {
        LimitAnnounced = true;
        OS << "fatal error: too many errors emitted, stopping now "
              "[-error-limit]\n";
      }
      return;
    }
    LastWasSuppressed = false;
    if (Level == DiagLevel::Error)
      ++NumErrors;
    else
      ++NumWarnings;
  }

  unsigned BufferID = Loc.isValid() ? SM.FindBufferContainingLoc(Loc) : 0;
  if (!BufferID) {
    // No line to show; SourceMgr prints what it can.
    SMDiagnostic Diag =
        SM.GetMessage(Loc, toKind(Level), Message, Ranges, FixIts);
    Diag.print(/*ProgName=*/nullptr, OS, ShowColors);
    Recorded.push_back({Level, Diag.getFilename().str(), 0, 0, Message.str()});
    return;
  }

  // What SourceMgr::GetMessage computes, from the line index: the line
  // (ended by '\n' or '\r'), the column, and the ranges clipped to the line.
  const MemoryBuffer *Buffer = SM.getMemoryBuffer(BufferID);
  auto [LineNo, Column1] = getLineAndColumn(Loc);
  int Column = int(Column1) - 1;
  const LineIndex &Index = lineIndex(BufferID);
  size_t Offset = Loc.getPointer() - Buffer->getBufferStart();
  auto NextBreak = llvm::lower_bound(Index.Breaks, Offset);
  size_t LineEnd =
      NextBreak == Index.Breaks.end() ? Buffer->getBufferSize() : *NextBreak;
  StringRef Line(Loc.getPointer() - Column, LineEnd - (Offset - Column));
  SmallVector<std::pair<unsigned, unsigned>, 4> ColRanges;
  for (SMRange R : Ranges) {
    if (!R.isValid() || R.Start.getPointer() > Line.end() ||
        R.End.getPointer() < Line.begin())
      continue;
    const char *From = std::max(R.Start.getPointer(), Line.begin());
    const char *To = std::min(R.End.getPointer(), Line.end());
    ColRanges.push_back(
        {unsigned(From - Line.begin()), unsigned(To - Line.begin())});
  }
  StringRef File = Buffer->getBufferIdentifier();

  // Without colors, rendered whole and written once: errs() is unbuffered,
  // and a spec with thousands of warnings would otherwise cost a system call
  // per piece. Colors are decided by the real stream (a terminal).
  std::string Rendered;
  raw_string_ostream Buffered(Rendered);
  raw_ostream &Out = ShowColors ? OS : Buffered;
  if (Line.size() <= size_t(2 * Window)) {
    SMDiagnostic Diag(SM, Loc, File, LineNo, Column, toKind(Level),
                      Message.str(), Line, ColRanges, FixIts);
    Diag.print(/*ProgName=*/nullptr, Out, ShowColors);
  } else {
    // The window moved the caret; the location printed is the real one.
    {
      WithColor Bold(Out, raw_ostream::SAVEDCOLOR, /*Bold=*/true, false,
                     ShowColors ? ColorMode::Enable : ColorMode::Disable);
      Bold << File << ':' << LineNo << ':' << (Column + 1) << ": ";
    }
    clipLongLine(SM, Loc, Line, LineNo, Column, toKind(Level), Message,
                 ColRanges)
        .print(nullptr, Out, ShowColors);
  }
  Buffered.flush();
  OS << Rendered;
  Recorded.push_back(
      {Level, File.str(), LineNo, unsigned(Column + 1), Message.str()});
}

std::pair<unsigned, unsigned> DiagnosticEngine::getLineAndColumn(SMLoc Loc) {
  unsigned BufferID = Loc.isValid() ? SM.FindBufferContainingLoc(Loc) : 0;
  if (!BufferID)
    return {0, 0};
  const LineIndex &Index = lineIndex(BufferID);
  size_t Offset = Loc.getPointer() - Index.Start;
  // A line ends at '\n' or '\r' for the column, but only '\n' counts as a
  // new line: SourceMgr's own convention, kept so both agree.
  auto NextBreak = llvm::lower_bound(Index.Breaks, Offset);
  size_t LineStart =
      NextBreak == Index.Breaks.begin() ? 0 : *(NextBreak - 1) + 1;
  size_t Line =
      llvm::lower_bound(Index.Newlines, Offset) - Index.Newlines.begin() + 1;
  return {unsigned(Line), unsigned(Offset - LineStart + 1)};
}

void DiagnosticEngine::error(SMLoc Loc, const Twine &Message,
                             ArrayRef<SMRange> Ranges,
                             ArrayRef<SMFixIt> FixIts) {
  report(DiagLevel::Error, Loc, Message, Ranges, FixIts);
}

void DiagnosticEngine::warning(SMLoc Loc, const Twine &Message,
                               ArrayRef<SMRange> Ranges,
                               ArrayRef<SMFixIt> FixIts) {
  report(DiagLevel::Warning, Loc, Message, Ranges, FixIts);
}

void DiagnosticEngine::note(SMLoc Loc, const Twine &Message,
                            ArrayRef<SMRange> Ranges,
                            ArrayRef<SMFixIt> FixIts) {
  report(DiagLevel::Note, Loc, Message, Ranges, FixIts);
}

void DiagnosticEngine::fileError(StringRef File, const Twine &Message) {
  if (reachedErrorLimit()) {
    ++NumErrors;
    LastWasSuppressed = true;
    return;
  }
  ++NumErrors;
  LastWasSuppressed = false;
  SMDiagnostic Diag(File, SourceMgr::DK_Error, Message.str());
  Diag.print(nullptr, OS, ShowColors);
  Recorded.push_back({DiagLevel::Error, File.str(), 0, 0, Message.str()});
}

std::optional<std::string> closestMatch(StringRef Word,
                                        ArrayRef<StringRef> Candidates) {
  // Clang accepts a correction when the distance is at most a third of the
  // typed word's length; shorter words get at least one edit.
  unsigned MaxDistance = std::max<unsigned>(1, (Word.size() + 2) / 3);
  std::optional<std::string> Best;
  unsigned BestDistance = MaxDistance + 1;
  for (StringRef Candidate : Candidates) {
    if (Candidate.empty() || Candidate == Word)
      continue;
    unsigned Distance =
        Word.edit_distance(Candidate, /*AllowReplacements=*/true, MaxDistance);
    // A case-only difference is the most likely typo of all.
    if (Word.equals_insensitive(Candidate))
      Distance = 0;
    if (Distance < BestDistance) {
      BestDistance = Distance;
      Best = Candidate.str();
    }
  }
  return Best;
}

std::optional<std::string> closestMatch(StringRef Word,
                                        ArrayRef<std::string> Candidates) {
  SmallVector<StringRef, 16> Refs(Candidates.begin(), Candidates.end());
  return closestMatch(Word, ArrayRef<StringRef>(Refs));
}

std::string didYouMean(StringRef Word, ArrayRef<StringRef> Candidates) {
  if (auto Match = closestMatch(Word, Candidates))
    return "; did you mean '" + *Match + "'?";
  return "";
}

std::string didYouMean(StringRef Word, ArrayRef<std::string> Candidates) {
  SmallVector<StringRef, 16> Refs(Candidates.begin(), Candidates.end());
  return didYouMean(Word, ArrayRef<StringRef>(Refs));
}

} // namespace adrs
