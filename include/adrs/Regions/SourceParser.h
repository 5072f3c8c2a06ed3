//===- adrs/Regions/SourceParser.h - Parsing a source in-process -*- C++
//-*-===//
//
// Parses one translation unit of the researcher's sources with Clang, in
// process, and parses it again with edited contents. The first parse
// precompiles the preamble (the leading #includes), so a re-parse after an
// edit inside a region only pays for the file's own code, as in clangd.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_REGIONS_SOURCEPARSER_H
#define ADRS_REGIONS_SOURCEPARSER_H

#include "adrs/Spec/Spec.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace clang {
class ASTUnit;
} // namespace clang

namespace adrs {
namespace regions {

/// A compiler diagnostic as data: it becomes feedback for the next proposal.
struct SourceDiagnostic {
  enum class Level { Error, Warning, Note };
  Level Severity = Level::Error;
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Message;
  std::string SourceLine;
};

/// Compiler diagnostics as data and back (they cross process boundaries).
llvm::json::Value toJSON(const std::vector<SourceDiagnostic> &Diagnostics);
std::vector<SourceDiagnostic> diagnosticsFromJSON(const llvm::json::Array *A);

/// File path -> contents that replace what is on disk.
using FileOverrides = std::map<std::string, std::string>;

/// What a compile is of: the researcher's sources, whose warnings are their
/// business, or a candidate's unit, where code that compiles but has no
/// meaning must not get as far as running.
enum class UnitRole { Sources, Candidate };

/// The compiler driver command line (without the action) for \p File: the
/// standard, adrsc's own headers and Clang's resource directory, then, with
/// a compilation database (Build.CompilationDatabase), the flags of the
/// file's entry (or of the entry Clang infers for a file without one, less
/// its -std: such a file keeps the spec's standard), then the spec's include
/// paths, defines and flags. Constructors and destructors are never emitted
/// as aliases of one another. A candidate's unit also
/// treats falling off the end of a function that returns a value as an
/// error (-Werror=return-type): it compiles, and then its behaviour is
/// undefined. Fails only when the database cannot be loaded.
llvm::Expected<std::vector<std::string>>
compilerArguments(const spec::BuildSettings &Build, llvm::StringRef File,
                  UnitRole Role = UnitRole::Sources);

/// Loads the compile_commands.json in \p BuildDir, once per process (a
/// sandboxed child may not read it: it uses what its parent loaded).
/// Returns how many entries it has; an empty database is an error, since
/// no file could take its flags from it.
llvm::Expected<size_t> loadCompilationDatabase(llvm::StringRef BuildDir);

/// What the database in \p BuildDir says about compiling \p File.
struct DatabaseFlags {
  /// The entry's arguments, less the compiler, the action, the input and
  /// every output (object, dependency files and the like); relative paths
  /// made absolute against the entry's directory.
  std::vector<std::string> Arguments;
  /// Empty when \p File has its own entry; else how Clang inferred one
  /// (from the entry of the nearest file by path).
  std::string Inferred;
};
llvm::Expected<DatabaseFlags> databaseFlags(llvm::StringRef BuildDir,
                                            llvm::StringRef File);

class SourceParser {
public:
  /// Parses \p File as it is on disk. Fails only when Clang cannot run at
  /// all; compile errors are diagnostics().
  static llvm::Expected<std::unique_ptr<SourceParser>>
  create(const spec::BuildSettings &Build, llvm::StringRef File,
         UnitRole Role = UnitRole::Sources);
  ~SourceParser();

  /// Parses again with \p Overrides in place of the files on disk (an empty
  /// map restores them).
  llvm::Error reparse(const FileOverrides &Overrides);

  clang::ASTUnit &ast() { return *AST; }
  llvm::StringRef file() const { return File; }
  const std::vector<SourceDiagnostic> &diagnostics() const { return Diags; }
  bool hasErrors() const;

private:
  SourceParser() = default;
  void collectDiagnostics();

  std::string File;
  std::unique_ptr<clang::ASTUnit> AST;
  std::vector<SourceDiagnostic> Diags;
};

} // namespace regions
} // namespace adrs

#endif
