//===- adrs/Patch/Match.h - Finding SEARCH text in a region -----*- C++ -*-===//
//
// LLMs copy code imperfectly: trailing blanks vanish, indentation shifts,
// tabs become spaces. A SEARCH block is matched exactly first, then with
// such differences forgiven, but always on whole lines and never more
// loosely than that: a match must be unique or it is an error.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PATCH_MATCH_H
#define ADRS_PATCH_MATCH_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace adrs {
namespace patch {

enum class MatchKind {
  Exact,              ///< Byte for byte.
  TrailingWhitespace, ///< Equal once trailing blanks are dropped.
  Indentation,        ///< Equal once leading blanks are dropped too.
};

struct TextMatch {
  size_t Begin = 0; ///< Byte offsets into the text searched.
  size_t End = 0;
  MatchKind Kind = MatchKind::Exact;
  /// The text's indentation minus the SEARCH's, on the first non-blank line:
  /// REPLACE is re-indented by it so that it lands at the right depth.
  std::string IndentFrom;
  std::string IndentTo;
};

/// Every place \p Needle matches in \p Text at the strictest level that
/// matches at all. Matches start and end on line boundaries (the last line
/// of Text may lack its newline).
std::vector<TextMatch> findMatches(llvm::StringRef Text,
                                   llvm::StringRef Needle);

/// \p Replace re-indented for a match of the given kind.
std::string reindent(llvm::StringRef Replace, const TextMatch &M);

/// The lines of \p Text most like \p Needle, as a unified diff from Needle
/// to them, for "did you mean" when nothing matched. Empty when nothing is
/// remotely alike.
std::string closestMatchDiff(llvm::StringRef Text, llvm::StringRef Needle,
                             unsigned *LineInText = nullptr);

/// One step of an edit script from a sequence A to a sequence B.
struct DiffOp {
  enum KindType { Same, Delete, Insert } Kind;
  size_t A; ///< Index into A (for Insert: where B[B] goes before).
  size_t B; ///< Index into B (for Delete: where it stands in B).
};

/// The shortest edit script from \p A to \p B (their longest common
/// subsequence kept), deletions before insertions within a change. Quadratic
/// in time and memory: callers cap the sizes.
std::vector<DiffOp> diffSequences(llvm::ArrayRef<llvm::StringRef> A,
                                  llvm::ArrayRef<llvm::StringRef> B);

/// A unified diff of two texts with \p Context lines around each change.
std::string unifiedDiff(llvm::StringRef Old, llvm::StringRef New,
                        llvm::StringRef OldName, llvm::StringRef NewName,
                        unsigned Context = 3);

} // namespace patch
} // namespace adrs

#endif
