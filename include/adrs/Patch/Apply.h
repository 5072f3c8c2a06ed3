//===- adrs/Patch/Apply.h - Edits onto regions ------------------*- C++ -*-===//
//
// Puts an Edit's changes into the regions and nowhere else. The result is a
// set of clang::tooling::Replacements over the original files, the patched
// contents, and the regions where they now are. Every rejection says why in
// words a generator can act on: which region may change, what the closest
// text to a failed SEARCH is.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PATCH_APPLY_H
#define ADRS_PATCH_APPLY_H

#include "adrs/Patch/Edit.h"
#include "adrs/Regions/Region.h"

#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace adrs {
namespace patch {

/// One reason an edit was refused, with the reply line it came from.
struct Rejection {
  unsigned ReplyLine = 0;
  std::string Message;
};

struct PatchResult {
  /// Patched contents of every file an edit touched.
  std::map<std::string, std::string> Files;
  /// All regions, at their new places, with their new text.
  std::vector<regions::Region> Regions;
  /// Names of the regions whose text changed.
  std::vector<std::string> Changed;
  /// Why parts of the edit were refused; a non-empty list means the edit as
  /// a whole is refused and Files is empty.
  std::vector<Rejection> Rejections;

  bool accepted() const { return Rejections.empty(); }
};

/// Applies \p E to \p Regions, whose files have the contents in \p Original
/// (file -> text). Never changes a byte outside a region.
PatchResult applyEdit(const Edit &E,
                      const std::vector<regions::Region> &Regions,
                      const std::map<std::string, std::string> &Original);

/// A unified diff of every changed file, with paths relative to \p BaseDir.
std::string diffFiles(const std::map<std::string, std::string> &Original,
                      const std::map<std::string, std::string> &Patched,
                      llvm::StringRef BaseDir);

} // namespace patch
} // namespace adrs

#endif
