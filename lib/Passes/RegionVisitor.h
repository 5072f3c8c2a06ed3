//===- RegionVisitor.h - Visiting what lies inside the regions --*- C++ -*-===//
//
// Shared by the built-in passes: where a location is in the main file, the
// line a person would look at, and a RecursiveASTVisitor base that knows
// the regions and records rejections.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_PASSES_REGIONVISITOR_H
#define ADRS_LIB_PASSES_REGIONVISITOR_H

#include "adrs/Passes/Pass.h"

#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"

#include <optional>

namespace adrs {
namespace passes {

/// Offsets in the main file, after macro expansion; nullopt elsewhere.
inline std::optional<unsigned> mainOffset(const clang::SourceManager &SM,
                                          const clang::FileID &Main,
                                          clang::SourceLocation Loc) {
  Loc = SM.getExpansionLoc(Loc);
  if (Loc.isInvalid() || SM.getFileID(Loc) != Main)
    return std::nullopt;
  return SM.getFileOffset(Loc);
}

/// The line a person would look at: #line directives (which the candidate's
/// incremental parse uses) are honoured.
inline unsigned lineOf(const clang::SourceManager &SM,
                       clang::SourceLocation Loc) {
  clang::PresumedLoc P = SM.getPresumedLoc(SM.getExpansionLoc(Loc));
  return P.isValid() ? P.getLine() : SM.getExpansionLineNumber(Loc);
}

/// Visits what lies inside the regions of the main file.
template <typename Derived>
class RegionVisitor : public clang::RecursiveASTVisitor<Derived> {
public:
  explicit RegionVisitor(PassContext &Ctx)
      : Ctx(Ctx), SM(Ctx.ast().getSourceManager()) {}

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }

  /// Skips declarations that hold no region: every header, and the file's
  /// code around the regions. (Most of a translation unit is headers.)
  bool TraverseDecl(clang::Decl *D) {
    if (!D || !mayHoldRegion(D))
      return true;
    return clang::RecursiveASTVisitor<Derived>::TraverseDecl(D);
  }

protected:
  bool mayHoldRegion(const clang::Decl *D) const {
    if (llvm::isa<clang::TranslationUnitDecl>(D))
      return true;
    clang::SourceRange Range = D->getSourceRange();
    if (Range.isInvalid())
      return true;
    std::optional<unsigned> B =
        mainOffset(SM, Ctx.mainFile(), Range.getBegin());
    std::optional<unsigned> E = mainOffset(SM, Ctx.mainFile(), Range.getEnd());
    if (!B && !E)
      return false; // in another file
    if (!B || !E)
      return true;
    for (const PassRegion &R : Ctx.regions())
      if (*B < R.End && *E >= R.Begin)
        return true;
    return false;
  }

  const PassRegion *regionOf(clang::SourceLocation Loc) const {
    std::optional<unsigned> Offset = mainOffset(SM, Ctx.mainFile(), Loc);
    return Offset ? Ctx.regionAt(*Offset) : nullptr;
  }

  void reject(llvm::StringRef Pass, clang::SourceLocation Loc,
              const llvm::Twine &Message) {
    const PassRegion *R = regionOf(Loc);
    Ctx.results().Rejections.push_back(
        {Pass.str(), R ? R->Info->Name : "", lineOf(SM, Loc),
         SM.getExpansionColumnNumber(Loc), Message.str()});
  }

  PassContext &Ctx;
  const clang::SourceManager &SM;
};

} // namespace passes
} // namespace adrs

#endif
