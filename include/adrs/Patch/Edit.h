//===- adrs/Patch/Edit.h - What a generator proposes ------------*- C++ -*-===//
//
// An edit is a generator's reply, LLM prose and all, reduced to what it asks
// to change: SEARCH/REPLACE blocks, whole-region rewrites, or both. Nothing
// here knows about files or regions yet; Apply.h decides where edits land.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PATCH_EDIT_H
#define ADRS_PATCH_EDIT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace adrs {
namespace patch {

/// `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`.
struct SearchReplace {
  std::string Search;
  std::string Replace;
  /// A region or file the reply named right before the block, if any.
  std::string Target;
  unsigned Line = 0; ///< 1-based line of the SEARCH marker in the reply.
};

/// A fenced code block that replaces a region's whole text.
struct Rewrite {
  /// The region named in the fence info (```cpp policy), by the markers
  /// inside the block, or empty: the only region there is.
  std::string Region;
  std::string Code;
  /// The block carried EVOLVE-BLOCK markers; Code is what was between them
  /// and Outside what surrounded them, which must match the original file.
  bool HadMarkers = false;
  std::string Outside;
  unsigned Line = 0; ///< 1-based line of the opening fence in the reply.
  /// The fence named no language (``` alone): as likely a sketch as code.
  bool Untyped = false;
};

struct Edit {
  std::vector<SearchReplace> Blocks;
  std::vector<Rewrite> Rewrites;

  bool empty() const { return Blocks.empty() && Rewrites.empty(); }
};

/// A reply that cannot be read as an edit, at a line of the reply.
class EditError : public llvm::ErrorInfo<EditError> {
public:
  static char ID;
  EditError(unsigned Line, std::string Message)
      : Line(Line), Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  unsigned Line; ///< 1-based; 0 for the reply as a whole.
  std::string Message;
};

/// Reads a reply: CRLF or LF, tabs or spaces, prose around the code, several
/// fenced blocks. Fences tagged as another language (```text, ```diff,
/// ```json, ```sh) are prose. Errors name the reply line: an unterminated
/// SEARCH block, a REPLACE without a SEARCH, a reply with no code at all.
llvm::Expected<Edit> parseEdit(llvm::StringRef Reply);

/// Whether \p Line is a SEARCH/REPLACE block line: 5 to 9 times \p C (as
/// models write them), then \p Word (`<<<<<<< SEARCH`, `=======`,
/// `>>>>>>> REPLACE`).
bool isBlockMarker(llvm::StringRef Line, char C, llvm::StringRef Word);

/// Normalises line endings to LF.
std::string normalizeNewlines(llvm::StringRef Text);

} // namespace patch
} // namespace adrs

#endif
