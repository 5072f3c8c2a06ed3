//===- NoFloatEquality.cpp - Example candidate pass plugin ----------------===//
//
// Refuses candidates that compare floating-point values with == or !=, a
// classic way for an evolved policy to work on the training traces by
// accident and fail on others. Build it as a shared object and load it:
//
//   adrsc patch spec.adrs --edit reply.txt --passes=forbid,no-float-equality
//       --load libNoFloatEquality.so
//
// It shows the whole plugin interface: a CandidatePass registered under a
// name, Clang AST matchers over the candidate's translation unit, and
// rejections limited to what lies inside the regions.
//
//===----------------------------------------------------------------------===//

#include "adrs/Passes/Pass.h"

#include "clang/AST/ASTContext.h"
#include "clang/ASTMatchers/ASTMatchFinder.h"
#include "clang/ASTMatchers/ASTMatchers.h"
#include "clang/Basic/SourceManager.h"

using namespace clang::ast_matchers;

namespace {

class Callback : public MatchFinder::MatchCallback {
public:
  explicit Callback(adrs::passes::PassContext &Ctx) : Ctx(Ctx) {}

  void run(const MatchFinder::MatchResult &Result) override {
    const auto *Cmp = Result.Nodes.getNodeAs<clang::BinaryOperator>("cmp");
    const clang::SourceManager &SM = *Result.SourceManager;
    clang::SourceLocation Loc = SM.getExpansionLoc(Cmp->getOperatorLoc());
    if (SM.getFileID(Loc) != Ctx.mainFile())
      return;
    const adrs::passes::PassRegion *R = Ctx.regionAt(SM.getFileOffset(Loc));
    if (!R)
      return; // code outside the regions is the researcher's, not ours
    Ctx.results().Rejections.push_back(
        {"no-float-equality", R->Info->Name, SM.getExpansionLineNumber(Loc),
         SM.getExpansionColumnNumber(Loc),
         "floating-point values compared with '" + Cmp->getOpcodeStr().str() +
             "'; compare with a tolerance instead"});
  }

private:
  adrs::passes::PassContext &Ctx;
};

class NoFloatEqualityPass : public adrs::passes::CandidatePass {
public:
  void run(adrs::passes::PassContext &Ctx) override {
    auto FloatOperand =
        ignoringParenImpCasts(expr(hasType(realFloatingPointType())));
    MatchFinder Finder;
    Callback CB(Ctx);
    Finder.addMatcher(traverse(clang::TK_IgnoreUnlessSpelledInSource,
                               binaryOperator(hasAnyOperatorName("==", "!="),
                                              hasEitherOperand(FloatOperand))
                                   .bind("cmp")),
                      &CB);
    Finder.matchAST(Ctx.ast());
  }
};

adrs::passes::PassRegistry::Add<NoFloatEqualityPass>
    X("no-float-equality", "refuse == and != between floating-point values");

} // namespace
