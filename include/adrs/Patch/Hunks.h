//===- adrs/Patch/Hunks.h - A program's changes, one by one -----*- C++ -*-===//
//
// The difference between two programs split into hunks that each apply
// alone: explaining a best program (which of its changes matter) needs
// units that can be put back or left out independently of each other.
//
// The split is by changed line groups, then inside a line by tokens: a
// changed line whose every difference is one numeric literal replaced by
// another (`1e-9` -> `1.0265e-09`, `0.0` -> `-0.12171`, as constant tuning
// writes them) gives one hunk per literal, since a tuned constant is an
// independent choice even beside another on the same line; any other change
// of a line (an operator, a negation, a new call) is one hunk with the rest
// of that line's non-literal changes, since its pieces (`!(` and `)`) mean
// nothing alone. Groups of lines that are deleted or inserted rather than
// changed one for one are one hunk each.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PATCH_HUNKS_H
#define ADRS_PATCH_HUNKS_H

#include "adrs/Core/Program.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>
#include <vector>

namespace adrs {
namespace patch {

/// Bytes [Begin, End) of the old region text replaced by Text.
struct TextChange {
  size_t Begin = 0, End = 0;
  std::string Text;
};

enum class HunkKind {
  Literal, ///< One numeric literal replaced by another.
  Line,    ///< The other changes of one line.
  Lines,   ///< Lines deleted, inserted, or replaced by a different count.
};

/// Changes of one region that belong together. The hunks of a split never
/// overlap, so any subset of them applies.
struct Hunk {
  std::string Region;
  HunkKind Kind = HunkKind::Line;
  std::vector<TextChange> Changes; ///< In order, disjoint.
};

/// The hunks that turn \p Old into \p New, region by region in name order,
/// in text order within a region. A region \p New lacks is unchanged.
std::vector<Hunk> splitHunks(const Program &Old, const Program &New);

/// \p Old with the hunks \p Keep selects (Keep[I] for Hunks[I]) applied.
/// Applying all of splitHunks(Old, New) gives New.
Program applyHunks(const Program &Old, llvm::ArrayRef<Hunk> Hunks,
                   const std::vector<bool> &Keep);

} // namespace patch
} // namespace adrs

#endif
