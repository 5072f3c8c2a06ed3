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

#include "llvm/Support/Registry.h"

#include <map>
#include <string>
#include <vector>

namespace clang {
class ASTContext;
class Decl;
class FileID;
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
  /// The program is one that was evaluated before (CandidateChecks::Known).
  bool Duplicate = false;
};

/// One key for the whole program from the per-region fingerprints; empty
/// without them.
std::string programFingerprint(const PassResults &Results);

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

/// The built-in passes run on every candidate, in order: forbid, allow,
/// fingerprint, features. lift-constants runs when asked for.
std::vector<std::string> defaultPasses();

/// Every registered pass name (built-in and loaded), sorted.
std::vector<std::string> registeredPasses();

/// Loads a plugin shared object whose static constructors register passes.
llvm::Error loadPlugin(llvm::StringRef Path);

/// Forces the built-in passes into a statically linked binary.
void linkBuiltinPasses();

} // namespace passes
} // namespace adrs

#endif
