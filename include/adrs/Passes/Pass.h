//===- adrs/Passes/Pass.h - Checks and rewrites of a candidate --*- C++ -*-===//
//
// A candidate pass sees the AST of a patched translation unit together with
// the regions in it. It may reject the candidate (with a reason that becomes
// feedback), annotate it with numeric features (MAP-Elites dimensions), or
// transform a region (returning its new text). Passes register themselves
// in a registry, so a plugin loaded with `adrsc --load lib.so` adds passes
// the same way the built-in ones are added:
//
//   static adrs::passes::PassRegistry::Add<MyPass> X("my-pass", "what it
//   does");
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_PASSES_PASS_H
#define ADRS_PASSES_PASS_H

#include "adrs/Regions/Region.h"
#include "adrs/Spec/Spec.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Registry.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "clang/Basic/SourceLocation.h"

namespace clang {
class ASTContext;
class Decl;
} // namespace clang

namespace adrs {
namespace passes {

/// A region as a pass sees it: where it is in the parsed main file.
struct PassRegion {
  const regions::Region *Info; ///< Name, kind, text (the patched text).
  unsigned Begin, End;         ///< Byte offsets in the main file.
};

/// A reason to refuse the candidate, at a place in a region.
struct PassRejection {
  std::string Pass;
  std::string Region;
  unsigned Line = 0;   ///< 1-based line in the file, 0 if none.
  unsigned Column = 0; ///< 1-based column, 0 if none.
  std::string Message;
  /// 1-based line counted from the region's first line, as generator
  /// descriptions count ("policy line 3"); 0 if none.
  unsigned RegionLine = 0;
};

/// One numeric constant of a region that lift-constants made tunable.
struct LiftedConstant {
  std::string Region;
  unsigned Index = 0;   ///< Position in the parameter table.
  std::string Spelling; ///< As written (`0.5`, `3`).
  double Value = 0;
  bool IsInteger = false;
  double Lower = 0, Upper = 0; ///< Bounds the tuner keeps to.
  unsigned Line = 0;
};

/// What passes learn about a candidate.
struct PassResults {
  std::vector<PassRejection> Rejections;
  std::map<std::string, double> Features;
  /// Region name -> fingerprint (hex); equal for programs that differ only
  /// in comments, layout and local names.
  std::map<std::string, std::string> Fingerprints;
  /// Region name -> transformed text, for passes that rewrite.
  std::map<std::string, std::string> Transformed;
  std::vector<LiftedConstant> Constants;
};

/// The program's identity: its regions' fingerprints joined with '-' in
/// the order of their names; empty without them. Two candidates with the
/// same fingerprint are the same program, wherever the question is asked
/// (the run's duplicates, `adrsc patch`, the Result JSON, the database).
std::string programFingerprint(const PassResults &Results);

/// Pass results as data, and back. They come back from a candidate's
/// process, so the reader trusts nothing: it caps how many entries and how
/// much text it keeps, and refuses what is not shaped like pass results.
llvm::json::Value toJSON(const PassResults &Results);
llvm::Expected<PassResults> passResultsFromJSON(const llvm::json::Value &V);

class PassContext {
public:
  PassContext(clang::ASTContext &Ctx, const clang::FileID &MainFile,
              std::vector<PassRegion> Regions, const spec::Spec &S,
              PassResults &Results)
      : Ctx(Ctx), MainFile(MainFile), Regions(std::move(Regions)), S(S),
        Results(Results) {}

  clang::ASTContext &ast() const { return Ctx; }
  const clang::FileID &mainFile() const { return MainFile; }
  const std::vector<PassRegion> &regions() const { return Regions; }
  const spec::Spec &spec() const { return S; }
  PassResults &results() { return Results; }

  /// The region holding \p Offset of the main file, or null.
  const PassRegion *regionAt(unsigned Offset) const;

  /// Limits traversal to these top-level declarations (an incremental
  /// parse's new ones), instead of the whole translation unit with every
  /// header in it.
  void setTopLevelDecls(std::vector<clang::Decl *> Decls) {
    TopLevel = std::move(Decls);
  }

  /// Runs a RecursiveASTVisitor over what this context covers.
  template <typename Visitor> void traverse(Visitor &V) const {
    if (TopLevel.empty()) {
      V.TraverseDecl(translationUnit());
      return;
    }
    for (clang::Decl *D : TopLevel)
      V.TraverseDecl(D);
  }

private:
  clang::Decl *translationUnit() const;

  std::vector<clang::Decl *> TopLevel;
  clang::ASTContext &Ctx;
  const clang::FileID &MainFile;
  std::vector<PassRegion> Regions;
  const spec::Spec &S;
  PassResults &Results;
};

class CandidatePass {
public:
  virtual ~CandidatePass();
  /// Runs on one translation unit; results go to \p Ctx.results().
  virtual void run(PassContext &Ctx) = 0;
};

using PassRegistry = llvm::Registry<CandidatePass>;

/// The regions of one file of a parse, where its bytes are in that file's
/// buffer.
struct FileRegions {
  clang::FileID File;
  std::vector<PassRegion> Regions;
};

/// The passes a candidate goes through, instantiated once from their names.
/// Every parse of candidate code -- the evaluation child's and the checker's
/// -- runs its passes through one of these, so they judge alike.
class PassPipeline {
public:
  /// An error naming the registered passes when a name is not one of them.
  static llvm::Expected<PassPipeline> create(llvm::ArrayRef<std::string> Names);
  PassPipeline(PassPipeline &&);
  PassPipeline &operator=(PassPipeline &&);
  ~PassPipeline();

  /// Runs every pass, in order, over the regions of each file of one parse.
  /// With \p TopLevel, only those declarations are traversed (an incremental
  /// parse's own), not every header's.
  void run(clang::ASTContext &Ctx, llvm::ArrayRef<FileRegions> Files,
           const spec::Spec &S, PassResults &Results,
           llvm::ArrayRef<clang::Decl *> TopLevel = {}) const;

  llvm::ArrayRef<std::string> names() const { return Names; }
  bool empty() const { return Names.empty(); }

private:
  PassPipeline() = default;
  std::vector<std::string> Names;
  std::vector<std::unique_ptr<CandidatePass>> Passes;
};

/// The built-in passes run on every candidate, in order: forbid, allow,
/// fingerprint, features. lift-constants runs when asked for.
std::vector<std::string> defaultPasses();

/// Every registered pass name (built-in and loaded), sorted.
std::vector<std::string> registeredPasses();

/// Loads a plugin shared object whose static constructors register passes.
llvm::Error loadPlugin(llvm::StringRef Path);

/// The plugins loaded so far, in order (a fresh process, such as the
/// evaluation zygote, loads the same ones).
std::vector<std::string> loadedPlugins();

/// Forces the built-in passes into a statically linked binary.
void linkBuiltinPasses();

} // namespace passes
} // namespace adrs

#endif
