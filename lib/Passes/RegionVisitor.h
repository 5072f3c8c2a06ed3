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

protected:
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
