//===- adrs/Support/Glob.h - File name patterns -----------------*- C++ -*-===//

#ifndef ADRS_SUPPORT_GLOB_H
#define ADRS_SUPPORT_GLOB_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace adrs {

/// True if \p Pattern has any of `*`, `?`, `[`: it names a set of files.
bool isGlobPattern(llvm::StringRef Pattern);

/// The regular files matching \p Pattern, relative patterns starting at
/// \p BaseDir; absolute, sorted and without duplicates. `*`, `?` and `[...]`
/// match within one path component, `**` matches any number of directories.
/// Hidden entries match only a component that itself starts with '.'.
llvm::Expected<std::vector<std::string>> expandGlob(llvm::StringRef Pattern,
                                                    llvm::StringRef BaseDir);

/// \p Path made absolute against \p BaseDir, with `.` and `..` removed.
std::string makeAbsolute(llvm::StringRef Path, llvm::StringRef BaseDir);

} // namespace adrs

#endif
