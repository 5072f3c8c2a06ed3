//===- ReusableCode.cpp - A candidate unit's code no region reaches -------===//
//
// Which functions of a unit a candidate's parse may leave out (see the
// header), found on the baseline's AST at setup:
//
// 1. The regions' sources: the functions a region is in or holds, and the
//    variables it holds. A region that holds a type, or is in a template, a
//    virtual function or a destructor (reached without a call the AST
//    shows), makes the whole unit ineligible.
// 2. Every function and variable of the translation unit (headers and
//    template instantiations too) that names a source, directly or through
//    others, is tainted: in a candidate it may do something else. A
//    destructor is named where it runs (a variable, a temporary, a delete);
//    a tainted virtual function, destructor or member initializer taints
//    its class's constructors, since it runs wherever their objects go.
// 3. The rest of the unit's own out-of-line, non-inline, non-template
//    functions with external linkage are reusable. A unit whose mutable
//    variables could be seen by both the baseline's code and a candidate's
//    (two copies, two states) has none.
//
//===----------------------------------------------------------------------===//

#include "ReusableCode.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Mangle.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>

using namespace llvm;

namespace adrs {
namespace jit {

namespace {

using Range = std::pair<size_t, size_t>;

bool overlaps(Range A, Range B) {
  return A.first < B.second && B.first < A.second;
}

const clang::Decl *canonical(const clang::Decl *D) {
  if (auto *FD = dyn_cast<clang::FunctionDecl>(D))
    return FD->getCanonicalDecl();
  if (auto *VD = dyn_cast<clang::VarDecl>(D))
    return VD->getCanonicalDecl();
  return D;
}

/// Who names whom: for every function and every variable with static
/// storage, the functions and variables whose code names it (a call, an
/// address, a read, a construction, an operator new). On the way, the
/// mutable variables with static storage the main file defines.
class UseGraph : public clang::RecursiveASTVisitor<UseGraph> {
public:
  explicit UseGraph(const clang::SourceManager &SM) : SM(SM) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  bool TraverseDecl(clang::Decl *D) {
    if (!D)
      return true;
    const clang::Decl *Saved = Current;
    if (isa<clang::FunctionDecl>(D))
      Current = canonical(D);
    else if (auto *VD = dyn_cast<clang::VarDecl>(D);
             VD && VD->hasGlobalStorage())
      Current = canonical(D);
    // A member's default initializer runs in the class's constructors,
    // which do not name it (propagated in findReusableCode).
    else if (auto *FD = dyn_cast<clang::FieldDecl>(D);
             FD && FD->hasInClassInitializer())
      Current = FD;
    bool Result = RecursiveASTVisitor::TraverseDecl(D);
    Current = Saved;
    return Result;
  }

  bool VisitDeclRefExpr(clang::DeclRefExpr *E) {
    use(E->getDecl());
    return true;
  }
  bool VisitMemberExpr(clang::MemberExpr *E) {
    use(E->getMemberDecl());
    return true;
  }
  bool VisitCXXConstructExpr(clang::CXXConstructExpr *E) {
    use(E->getConstructor());
    return true;
  }
  bool VisitCXXNewExpr(clang::CXXNewExpr *E) {
    use(E->getOperatorNew());
    use(E->getOperatorDelete());
    return true;
  }
  bool VisitLambdaExpr(clang::LambdaExpr *E) {
    use(E->getCallOperator());
    return true;
  }
  // Destructors run where the AST shows no call: at the end of a
  // variable's scope, of a temporary's full expression, in a delete.
  bool VisitVarDecl(clang::VarDecl *VD) {
    useDestructorOf(VD->getType());
    if (VD->hasGlobalStorage() && VD->isThisDeclarationADefinition() &&
        !VD->isConstexpr() && !VD->getType().isConstQualified() &&
        VD->getLocation().isValid() &&
        SM.isInMainFile(SM.getExpansionLoc(VD->getLocation())))
      MutableStatics.push_back(VD);
    return true;
  }
  bool VisitCXXBindTemporaryExpr(clang::CXXBindTemporaryExpr *E) {
    if (const clang::CXXTemporary *T = E->getTemporary())
      use(T->getDestructor());
    return true;
  }
  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr *E) {
    use(E->getOperatorDelete());
    useDestructorOf(E->getDestroyedType());
    return true;
  }

  DenseMap<const clang::Decl *, SmallVector<const clang::Decl *, 4>> UsedBy;
  std::vector<const clang::VarDecl *> MutableStatics;

private:
  void useDestructorOf(clang::QualType T) {
    if (T.isNull())
      return;
    const clang::CXXRecordDecl *RD =
        T->getBaseElementTypeUnsafe()->getAsCXXRecordDecl();
    if (RD && RD->hasDefinition())
      use(RD->getDestructor());
  }

  void use(const clang::Decl *D) {
    if (!Current || !D)
      return;
    if (auto *VD = dyn_cast<clang::VarDecl>(D)) {
      if (!VD->hasGlobalStorage())
        return;
    } else if (!isa<clang::FunctionDecl>(D)) {
      return;
    }
    UsedBy[canonical(D)].push_back(Current);
  }

  const clang::SourceManager &SM;
  const clang::Decl *Current = nullptr;
};

/// The main file's byte ranges of declarations, and the regions' sources.
class RegionScan {
public:
  RegionScan(clang::ASTContext &Ctx, const std::vector<Range> &Regions,
             const std::map<std::string, std::vector<Range>> &HeaderRegions)
      : Ctx(Ctx), SM(Ctx.getSourceManager()) {
    this->Regions[SM.getMainFileID()] = Regions;
    for (const auto &[Header, Ranges] : HeaderRegions) {
      auto Ref = SM.getFileManager().getOptionalFileRef(Header,
                                                        /*OpenFile=*/false);
      clang::FileID FID = Ref ? SM.translateFile(*Ref) : clang::FileID();
      if (FID.isInvalid())
        block("a region's header '" + Header + "' is not in the unit");
      else
        this->Regions[FID] = Ranges;
    }
  }

  /// [Begin, End) of \p D in the main file, if all of it is there, written
  /// out (not from a macro).
  std::optional<Range> rangeOf(const clang::Decl *D) const {
    return rangeOf(D->getSourceRange());
  }
  std::optional<Range> rangeOf(clang::SourceRange R) const {
    clang::SourceLocation B = R.getBegin(), E = R.getEnd();
    if (B.isInvalid() || E.isInvalid() || !B.isFileID() || !E.isFileID() ||
        !SM.isInMainFile(B) || !SM.isInMainFile(E))
      return std::nullopt;
    size_t End = SM.getFileOffset(E) +
                 clang::Lexer::MeasureTokenLength(E, SM, Ctx.getLangOpts());
    return Range{SM.getFileOffset(B), End};
  }

  void scan(const clang::DeclContext *DC) {
    for (const clang::Decl *D : DC->decls()) {
      if (D->isImplicit())
        continue;
      // In the main file or a header with regions, written out there.
      clang::SourceLocation B = D->getBeginLoc(), E = D->getEndLoc();
      if (B.isInvalid() || E.isInvalid() || !B.isFileID() || !E.isFileID())
        continue;
      clang::FileID FID = SM.getFileID(B);
      auto In = Regions.find(FID);
      if (In == Regions.end() || SM.getFileID(E) != FID)
        continue;
      Range R{SM.getFileOffset(B),
              SM.getFileOffset(E) +
                  clang::Lexer::MeasureTokenLength(E, SM, Ctx.getLangOpts())};
      for (const Range &Region : In->second)
        if (overlaps(R, Region))
          visit(D, R, Region);
    }
  }

  std::vector<const clang::Decl *> Sources;
  std::string Why;

private:
  void block(const Twine &Reason) {
    if (Why.empty())
      Why = Reason.str();
  }

  void visit(const clang::Decl *D, Range R, Range Region) {
    bool Contains = R.first <= Region.first && Region.second <= R.second;
    if (isa<clang::NamespaceDecl, clang::LinkageSpecDecl>(D)) {
      if (Contains)
        scan(cast<clang::DeclContext>(D));
      else
        block("a region holds a namespace's boundary");
      return;
    }
    if (auto *RD = dyn_cast<clang::CXXRecordDecl>(D)) {
      if (Contains)
        scan(RD);
      else
        block("a region holds a class definition");
      return;
    }
    if (auto *FD = dyn_cast<clang::FunctionDecl>(D)) {
      if (FD->isTemplated())
        return block("a region is in a template");
      if (isa<clang::CXXDestructorDecl>(FD))
        return block("a region is in a destructor");
      if (auto *MD = dyn_cast<clang::CXXMethodDecl>(FD); MD && MD->isVirtual())
        return block("a region is in a virtual function");
      Sources.push_back(canonical(FD));
      return;
    }
    if (isa<clang::VarDecl>(D)) {
      Sources.push_back(canonical(D));
      return;
    }
    if (isa<clang::EmptyDecl, clang::StaticAssertDecl>(D))
      return;
    block(Twine("a region holds a ") + D->getDeclKindName() + " declaration");
  }

  clang::ASTContext &Ctx;
  const clang::SourceManager &SM;
  /// The regions, by the file they are in: the main file's and its
  /// headers'.
  std::map<clang::FileID, std::vector<Range>> Regions;
};

/// Every declaration in the main file's namespaces (not in classes or
/// functions), in the order of the text.
void fileScopeDecls(const clang::DeclContext *DC,
                    std::vector<const clang::Decl *> &Out) {
  for (const clang::Decl *D : DC->decls()) {
    if (isa<clang::NamespaceDecl, clang::LinkageSpecDecl>(D))
      fileScopeDecls(cast<clang::DeclContext>(D), Out);
    else
      Out.push_back(D);
  }
}

} // namespace

ReusableCode findReusableCode(
    clang::ASTContext &Ctx, const std::vector<Range> &Regions,
    const std::map<std::string, std::vector<Range>> &HeaderRegions) {
  ReusableCode Out;
  const clang::SourceManager &SM = Ctx.getSourceManager();
  RegionScan Scan(Ctx, Regions, HeaderRegions);
  Scan.scan(Ctx.getTranslationUnitDecl());
  if (!Scan.Why.empty()) {
    Out.WhyNone = Scan.Why;
    return Out;
  }

  UseGraph Graph(SM);
  Graph.TraverseDecl(Ctx.getTranslationUnitDecl());
  SmallPtrSet<const clang::Decl *, 32> Tainted;
  SmallVector<const clang::Decl *, 64> Work;
  for (const clang::Decl *D : Scan.Sources)
    if (Tainted.insert(D).second)
      Work.push_back(D);
  while (!Work.empty()) {
    const clang::Decl *D = Work.pop_back_val();
    // A virtual function or a destructor runs wherever an object of its
    // class goes, whoever names it, and a member's default initializer
    // wherever one is made: the class's constructors, which make such
    // objects (and install the vtable), are tainted with it.
    const clang::CXXRecordDecl *Made = nullptr;
    if (auto *MD = dyn_cast<clang::CXXMethodDecl>(D);
        MD && (MD->isVirtual() || isa<clang::CXXDestructorDecl>(MD)))
      Made = MD->getParent();
    else if (auto *FD = dyn_cast<clang::FieldDecl>(D))
      Made = dyn_cast<clang::CXXRecordDecl>(FD->getParent());
    if (Made)
      for (const clang::CXXConstructorDecl *Ctor : Made->ctors())
        if (Tainted.insert(canonical(Ctor)).second)
          Work.push_back(canonical(Ctor));
    auto It = Graph.UsedBy.find(D);
    if (It == Graph.UsedBy.end())
      continue;
    for (const clang::Decl *User : It->second)
      if (Tainted.insert(User).second)
        Work.push_back(User);
  }

  std::vector<const clang::Decl *> Decls;
  fileScopeDecls(Ctx.getTranslationUnitDecl(), Decls);
  clang::ASTNameGenerator Names(Ctx);
  SmallPtrSet<const clang::Decl *, 32> Reused;
  StringRef Text = SM.getBufferData(SM.getMainFileID());
  for (const clang::Decl *D : Decls) {
    auto *FD = dyn_cast<clang::FunctionDecl>(D);
    if (!FD || !FD->doesThisDeclarationHaveABody() || FD->isTemplated() ||
        FD->getTemplatedKind() != clang::FunctionDecl::TK_NonTemplate ||
        FD->isInlined() || FD->isConstexpr() || FD->isMain() ||
        FD->isDefaulted() || FD->isDeleted() || !FD->isExternallyVisible() ||
        FD->isInAnonymousNamespace() ||
        isa<clang::CXXConstructorDecl, clang::CXXDestructorDecl>(FD) ||
        FD->getReturnType()->getContainedDeducedType() ||
        Tainted.count(canonical(FD)))
      continue;
    auto *Body = dyn_cast_or_null<clang::CompoundStmt>(FD->getBody());
    std::optional<Range> Whole = Scan.rangeOf(FD);
    std::optional<Range> BodyRange =
        Body ? Scan.rangeOf(Body->getSourceRange()) : std::nullopt;
    if (!Whole || !BodyRange)
      continue;
    if (any_of(Regions, [&](Range R) { return overlaps(*Whole, R); }))
      continue;
    // An attribute written before the definition would be left to the next
    // declaration.
    bool AttributeBefore = false;
    for (const clang::Attr *A : FD->attrs())
      if (A->getLocation().isValid() &&
          SM.isInMainFile(SM.getExpansionLoc(A->getLocation())) &&
          SM.getFileOffset(SM.getExpansionLoc(A->getLocation())) < Whole->first)
        AttributeBefore = true;
    if (AttributeBefore)
      continue;
    ReusableFunction F;
    F.KeepsDeclaration = !isa<clang::CXXMethodDecl>(FD);
    F.Begin = F.KeepsDeclaration ? BodyRange->first : Whole->first;
    F.End = BodyRange->second;
    // A preprocessor line inside would go with the body.
    StringRef Bytes = Text.slice(F.Begin, F.End);
    if (Bytes.contains("\n#") || Bytes.contains("\n #") ||
        Bytes.contains("\n\t#"))
      continue;
    F.Name = Names.getName(FD);
    if (F.Name.empty())
      continue;
    Reused.insert(canonical(FD));
    Out.Functions.push_back(std::move(F));
  }

  // Two copies of a mutable variable, the baseline's and a candidate's,
  // would each be seen by some code: the unit cannot be split.
  for (const clang::VarDecl *VD : Graph.MutableStatics) {
    const auto *Owner =
        dyn_cast_or_null<clang::FunctionDecl>(VD->getParentFunctionOrMethod());
    if (Owner && Reused.count(canonical(Owner)))
      continue;
    Out.Functions.clear();
    Out.WhyNone = "the unit defines the variable '" + VD->getNameAsString() +
                  "', which a candidate would have a copy of";
    return Out;
  }
  std::sort(Out.Functions.begin(), Out.Functions.end(),
            [](const ReusableFunction &A, const ReusableFunction &B) {
              return A.Begin < B.Begin;
            });
  if (Out.Functions.empty())
    Out.WhyNone = "every function of the unit reaches a region";
  return Out;
}

bool sameOutsideRegions(StringRef Text, StringRef Baseline,
                        const std::vector<Range> &From,
                        const std::vector<Range> &To) {
  if (From.size() != To.size())
    return false;
  size_t BaseAt = 0, At = 0;
  for (size_t I = 0; I <= From.size(); ++I) {
    size_t BaseEnd = I < From.size() ? From[I].first : Baseline.size();
    size_t End = I < To.size() ? To[I].first : Text.size();
    if (BaseEnd < BaseAt || End < At || End > Text.size() ||
        BaseEnd > Baseline.size() ||
        Baseline.slice(BaseAt, BaseEnd) != Text.slice(At, End))
      return false;
    if (I < From.size()) {
      BaseAt = From[I].second;
      At = To[I].second;
    }
  }
  return true;
}

std::optional<std::string>
withoutReusableCode(StringRef Text, StringRef Baseline,
                    const ReusableCode &Code, const std::vector<Range> &From,
                    const std::vector<Range> &To, std::set<std::string> &Left) {
  // The text between the regions must be the baseline's, byte for byte:
  // the reused code was compiled from it.
  if (Code.Functions.empty() || !sameOutsideRegions(Text, Baseline, From, To))
    return std::nullopt;
  std::string Out = Text.str();
  std::set<std::string> Names;
  for (const ReusableFunction &F : Code.Functions) {
    // Regions wholly before the function move it by their growth.
    long Shift = 0;
    bool InRegion = false;
    for (size_t I = 0; I < From.size(); ++I) {
      if (From[I].second <= F.Begin)
        Shift = long(To[I].second) - long(From[I].second);
      else if (From[I].first < F.End)
        InRegion = true;
    }
    if (InRegion)
      return std::nullopt;
    size_t Begin = size_t(long(F.Begin) + Shift);
    for (size_t I = Begin; I < Begin + (F.End - F.Begin); ++I)
      if (Out[I] != '\n' && Out[I] != '\r')
        Out[I] = ' ';
    if (F.KeepsDeclaration)
      Out[Begin] = ';';
    Names.insert(F.Name);
  }
  Left = std::move(Names);
  return Out;
}

} // namespace jit
} // namespace adrs
