//===- adrs/JIT/Compiler.h - C++ to LLVM IR in process ----------*- C++ -*-===//

#ifndef ADRS_JIT_COMPILER_H
#define ADRS_JIT_COMPILER_H

#include "adrs/Regions/SourceParser.h"
#include "adrs/Spec/Spec.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace clang {
class ASTContext;
} // namespace clang

namespace adrs {
namespace jit {

/// Compiles translation units of the researcher's sources with Clang in this
/// process, straight to LLVM IR: no driver, no temporary files.
class Compiler {
public:
  Compiler(const spec::BuildSettings &Build, std::string OptLevel = "-O2");
  ~Compiler();

  /// Compiles \p File, with \p Overrides in place of files on disk. Compile
  /// errors go to \p Diagnostics and make the result an error. With
  /// \p UsePreamble, the file's leading #include block is precompiled on
  /// first use and reused while it stays the same, so a recompile after an
  /// edit further down pays only for the file's own code.
  /// \p OnAST, when given, sees the translation unit's AST once it is
  /// parsed (the AST does not outlive the compile).
  llvm::Expected<std::unique_ptr<llvm::Module>>
  compile(llvm::StringRef File, const regions::FileOverrides &Overrides,
          llvm::LLVMContext &Context,
          std::vector<regions::SourceDiagnostic> &Diagnostics,
          bool UsePreamble = false,
          llvm::function_ref<void(clang::ASTContext &)> OnAST = nullptr) const;

  /// The same for source text that exists only in memory.
  llvm::Expected<std::unique_ptr<llvm::Module>>
  compileText(llvm::StringRef Name, llvm::StringRef Text,
              llvm::LLVMContext &Context,
              std::vector<regions::SourceDiagnostic> &Diagnostics) const;

private:
  struct PreambleCache;
  spec::BuildSettings Build;
  std::string OptLevel;
  std::unique_ptr<PreambleCache> Preambles;
};

} // namespace jit
} // namespace adrs

#endif
