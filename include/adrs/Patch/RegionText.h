//===- adrs/Patch/RegionText.h - What a region's text may hold --*- C++ -*-===//
//
// The lexical rules of the candidate language, judged on a region's raw
// text with Clang's raw lexer (so that comments, strings and line splices
// count as the compiler counts them): no preprocessor directives, line
// markers, pragmas, digraphs or trigraphs. The patcher refuses an edit that
// writes one before anything parses it (`_Pragma("clang __debug crash")`
// would stop the parser itself); the allow pass refuses them in whatever
// it checks.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PATCH_REGIONTEXT_H
#define ADRS_PATCH_REGIONTEXT_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace clang {
class LangOptions;
} // namespace clang

namespace adrs {
namespace patch {

/// Something in a region's text that a region may not hold.
struct TextProblem {
  size_t Offset = 0;   ///< In the text.
  std::string Message; ///< Names the construct and says why.
  /// The construct alone (`digraph %>`, `line marker`, `directive
  /// include`), to tell whether an edit added one.
  std::string What;
};

/// A preprocessor directive (or line marker) written in a region.
struct Directive {
  size_t Offset = 0; ///< Of its `#` (or `%:`).
  /// The word after the `#`: `include`, `define`, `line`; the number of a
  /// line marker; empty for a `#` alone.
  std::string Name;
  /// For `include`, `include_next` and `import`: the header as written,
  /// spaces dropped (`<fstream>`, `"local.h"`).
  std::string Operand;
  std::string Line; ///< The directive's line, for messages.
};

/// The directives in \p Text, found as the compiler would find them.
std::vector<Directive> regionDirectives(llvm::StringRef Text,
                                        const clang::LangOptions &LO);

/// The problems of \p Text lexed as \p LO says (digraphs as in C++;
/// trigraphs only where \p LO enables them).
std::vector<TextProblem> regionTextProblems(llvm::StringRef Text,
                                            const clang::LangOptions &LO);

/// The same for a text whose language options are not known: C++17 with
/// digraphs, and every trigraph refused.
std::vector<TextProblem> regionTextProblems(llvm::StringRef Text);

} // namespace patch
} // namespace adrs

#endif
