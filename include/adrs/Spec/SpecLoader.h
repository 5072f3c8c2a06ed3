//===- adrs/Spec/SpecLoader.h - Reading and checking a spec -----*- C++ -*-===//

#ifndef ADRS_SPEC_SPECLOADER_H
#define ADRS_SPEC_SPECLOADER_H

#include "adrs/Spec/Spec.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/Error.h"

namespace adrs {
namespace spec {

struct LoadOptions {
  /// Check that files and globs exist. Off only for tools that inspect the
  /// language itself (the fuzzer).
  bool CheckFiles = true;
  /// A build directory given on the command line (`-p`), relative to the
  /// current directory: it takes the place of the spec's `compdb`.
  std::string CompilationDatabase;
};

/// The largest spec read; a spec is a page of text, and a cap keeps hostile
/// input from costing gigabytes of tokens.
constexpr size_t MaxSpecBytes = 1 << 20;

/// Reads, parses and checks the spec at \p Path. Every problem is reported
/// to \p Diags (errors, then the rest, never stopping at the first); the
/// result is an error when any error was reported.
llvm::Expected<Spec> loadSpec(llvm::StringRef Path, DiagnosticEngine &Diags,
                              const LoadOptions &Options = {});

/// The same for text already in memory; relative paths start at \p BaseDir.
llvm::Expected<Spec> parseSpec(llvm::StringRef Text, llvm::StringRef Name,
                               llvm::StringRef BaseDir, DiagnosticEngine &Diags,
                               const LoadOptions &Options = {});

} // namespace spec
} // namespace adrs

#endif
