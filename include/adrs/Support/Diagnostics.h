//===- adrs/Support/Diagnostics.h - Clang-style diagnostics -----*- C++ -*-===//
//
// Errors in user input are reported the way clang reports them:
// `file:line:col: error: message`, the source line, a caret, then notes.
// llvm::SourceMgr does the rendering; this adds counting, an error limit and
// "did you mean" suggestions.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_SUPPORT_DIAGNOSTICS_H
#define ADRS_SUPPORT_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace adrs {

enum class DiagLevel { Error, Warning, Note };

/// One reported diagnostic, kept so that tools can emit them as data.
struct Diagnostic {
  DiagLevel Level;
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Message;
};

class DiagnosticEngine {
public:
  DiagnosticEngine(llvm::SourceMgr &SM, llvm::raw_ostream &OS,
                   bool ShowColors = false)
      : SM(SM), OS(OS), ShowColors(ShowColors) {}

  void error(llvm::SMLoc Loc, const llvm::Twine &Message,
             llvm::ArrayRef<llvm::SMRange> Ranges = {},
             llvm::ArrayRef<llvm::SMFixIt> FixIts = {});
  void warning(llvm::SMLoc Loc, const llvm::Twine &Message,
               llvm::ArrayRef<llvm::SMRange> Ranges = {},
               llvm::ArrayRef<llvm::SMFixIt> FixIts = {});
  /// A note belongs to the error or warning before it and is dropped with
  /// it when that one was suppressed.
  void note(llvm::SMLoc Loc, const llvm::Twine &Message,
            llvm::ArrayRef<llvm::SMRange> Ranges = {},
            llvm::ArrayRef<llvm::SMFixIt> FixIts = {});
  /// A diagnostic about a file as a whole (no line to show).
  void fileError(llvm::StringRef File, const llvm::Twine &Message);

  unsigned getNumErrors() const { return NumErrors; }
  unsigned getNumWarnings() const { return NumWarnings; }
  bool hasErrors() const { return NumErrors != 0; }

  /// Stop printing after this many errors (0: no limit), like -ferror-limit.
  void setErrorLimit(unsigned Limit) { ErrorLimit = Limit; }
  bool reachedErrorLimit() const {
    return ErrorLimit && NumErrors >= ErrorLimit;
  }
  void setWarningsAsErrors(bool Value) { WarningsAsErrors = Value; }
  void setIgnoreWarnings(bool Value) { IgnoreWarnings = Value; }

  /// The 1-based line and column of \p Loc, as SourceMgr::getLineAndColumn
  /// gives them but in logarithmic time rather than time proportional to the
  /// column (see LineIndex); {0, 0} when \p Loc is in no buffer.
  std::pair<unsigned, unsigned> getLineAndColumn(llvm::SMLoc Loc);

  const std::vector<Diagnostic> &diagnostics() const { return Recorded; }
  llvm::SourceMgr &getSourceMgr() { return SM; }

private:
  void report(DiagLevel Level, llvm::SMLoc Loc, const llvm::Twine &Message,
              llvm::ArrayRef<llvm::SMRange> Ranges,
              llvm::ArrayRef<llvm::SMFixIt> FixIts);

  /// Where the lines of one buffer start and end. SourceMgr finds a column
  /// by scanning back to the line's start, which makes a diagnostic cost the
  /// length of its line; a hostile spec with one 1 MB line and a warning per
  /// list item would take hours. With the index it is a binary search.
  struct LineIndex {
    const char *Start = nullptr;
    std::vector<size_t> Breaks;   ///< Offsets of '\n' and '\r': line ends.
    std::vector<size_t> Newlines; ///< Offsets of '\n': line numbers.
  };
  const LineIndex &lineIndex(unsigned BufferID);

  llvm::SourceMgr &SM;
  llvm::raw_ostream &OS;
  bool ShowColors;
  unsigned NumErrors = 0;
  unsigned NumWarnings = 0;
  unsigned ErrorLimit = 20;
  bool WarningsAsErrors = false;
  bool IgnoreWarnings = false;
  bool LastWasSuppressed = false;
  bool LimitAnnounced = false;
  std::vector<Diagnostic> Recorded;
  std::vector<LineIndex> LineIndexes; ///< By buffer ID - 1.
};

/// The candidate closest to \p Word by edit distance, if it is close enough
/// to be a plausible typo (as clang's typo correction judges it).
std::optional<std::string> closestMatch(llvm::StringRef Word,
                                        llvm::ArrayRef<std::string> Candidates);
std::optional<std::string>
closestMatch(llvm::StringRef Word, llvm::ArrayRef<llvm::StringRef> Candidates);

/// "; did you mean 'x'?" or the empty string.
std::string didYouMean(llvm::StringRef Word,
                       llvm::ArrayRef<llvm::StringRef> Candidates);
std::string didYouMean(llvm::StringRef Word,
                       llvm::ArrayRef<std::string> Candidates);

} // namespace adrs

#endif
