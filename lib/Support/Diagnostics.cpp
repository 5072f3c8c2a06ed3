//===- Diagnostics.cpp - Clang-style diagnostics --------------------------===//

#include "adrs/Support/Diagnostics.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace adrs {

/// Shows a window of a long source line around the column, as clang does, so
/// that a diagnostic in a minified or binary file stays readable.
static std::optional<SMDiagnostic> clipLongLine(const SMDiagnostic &Diag) {
  constexpr int Window = 100;
  StringRef Line = Diag.getLineContents();
  int Column = Diag.getColumnNo();
  if (Line.size() <= size_t(2 * Window) || Column < 0)
    return std::nullopt;
  int Start = std::max(0, Column - Window / 2);
  int End = std::min<int>(Line.size(), Start + Window);
  std::string Clipped = (Start > 0 ? "..." : "") +
                        Line.slice(Start, End).str() +
                        (End < int(Line.size()) ? "..." : "");
  int Shift = Start - (Start > 0 ? 3 : 0);
  SmallVector<std::pair<unsigned, unsigned>, 4> Ranges;
  for (auto [From, To] : Diag.getRanges()) {
    int F = std::max<int>(From - Shift, 0);
    int T = std::min<int>(To - Shift, Clipped.size());
    if (F < T)
      Ranges.push_back({unsigned(F), unsigned(T)});
  }
  // No file name: the caller prints the real location, since this one's
  // column is the caret's position in the window.
  return SMDiagnostic(*Diag.getSourceMgr(), Diag.getLoc(), /*FN=*/"",
                      Diag.getLineNo(), Column - Shift, Diag.getKind(),
                      Diag.getMessage(), Clipped, Ranges);
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

  SMDiagnostic Diag = SM.GetMessage(Loc, toKind(Level), Message, Ranges, FixIts);
  std::optional<SMDiagnostic> Shown = clipLongLine(Diag);
  if (!Shown) {
    Diag.print(/*ProgName=*/nullptr, OS, ShowColors);
  } else {
    // The window moved the caret; the location printed is the real one.
    {
      WithColor Bold(OS, raw_ostream::SAVEDCOLOR, /*Bold=*/true, false,
                     ShowColors ? ColorMode::Enable : ColorMode::Disable);
      Bold << Diag.getFilename() << ':' << Diag.getLineNo() << ':'
           << (Diag.getColumnNo() + 1) << ": ";
    }
    Shown->print(nullptr, OS, ShowColors);
  }
  Recorded.push_back({Level, Diag.getFilename().str(),
                      Diag.getLineNo() > 0 ? unsigned(Diag.getLineNo()) : 0,
                      Diag.getColumnNo() >= 0 ? unsigned(Diag.getColumnNo() + 1)
                                              : 0,
                      Message.str()});
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
    unsigned Distance = Word.edit_distance(Candidate, /*AllowReplacements=*/true,
                                           MaxDistance);
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
