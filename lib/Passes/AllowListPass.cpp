//===- AllowListPass.cpp - The candidate language, default deny -----------===//
//
// A deny-list always misses one (`fopen64`, `fdopen`, `_Exit`, `sigqueue`,
// ...), so this pass decides what region code may use by where each
// declaration it names comes from:
//
//   - the region itself, and the project's own files outside the regions:
//     allowed (adrsc's own namespaces and the evaluator's files excepted);
//   - the C++ standard library: allowed when the public header the
//     declaration belongs to is one of spec::defaultAllowedHeaders() or an
//     `allow headers` of the spec;
//   - the C library and other system headers: the C math functions only;
//   - compiler builtins: allowlist::isAllowedBuiltin();
//   - and whatever the spec's `allow calls` and `allow namespaces` name.
//
// Names are not enough where memory is concerned, so the pass also refuses
// what lets a region reach memory it did not create or read it as another
// type, and what would change how the rest of the file is compiled. Region
// code is what the regions' bytes say: nodes written there, and nodes that
// a macro of a system header expands to there; the body of one of the
// project's own macros is the project's.
//
//===----------------------------------------------------------------------===//

#include "RegionVisitor.h"

#include "adrs/Passes/AllowList.h"
#include "adrs/Patch/RegionText.h"
#include "adrs/Spec/CandidateLanguage.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/Expr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/Stmt.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/Path.h"

#include <map>
#include <set>

using namespace llvm;

namespace adrs {
namespace passes {

// ---- rule tables
// -------------------------------------------------------------

namespace allowlist {

namespace {

/// C99's <math.h> functions, each also with an `f` and an `l` suffix.
const char *const CMathBase[] = {
    "acos",   "asin",     "atan",      "atan2",     "cos",        "sin",
    "tan",    "acosh",    "asinh",     "atanh",     "cosh",       "sinh",
    "tanh",   "exp",      "exp2",      "expm1",     "frexp",      "ilogb",
    "ldexp",  "log",      "log10",     "log1p",     "log2",       "logb",
    "modf",   "scalbn",   "scalbln",   "cbrt",      "fabs",       "hypot",
    "pow",    "sqrt",     "erf",       "erfc",      "lgamma",     "tgamma",
    "ceil",   "floor",    "nearbyint", "rint",      "lrint",      "llrint",
    "round",  "lround",   "llround",   "trunc",     "fmod",       "remainder",
    "remquo", "copysign", "nan",       "nextafter", "nexttoward", "fdim",
    "fmax",   "fmin",     "fma"};

const char *const BuiltinNames[] = {
    "popcount",     "popcountl",    "popcountll",    "clz",
    "clzl",         "clzll",        "ctz",           "ctzl",
    "ctzll",        "ffs",          "ffsl",          "ffsll",
    "parity",       "parityl",      "parityll",      "clrsb",
    "clrsbl",       "clrsbll",      "bswap16",       "bswap32",
    "bswap64",      "expect",       "inf",           "inff",
    "infl",         "huge_val",     "huge_valf",     "huge_vall",
    "nans",         "nansf",        "nansl",         "isnan",
    "isinf",        "isfinite",     "isnormal",      "isinf_sign",
    "signbit",      "fpclassify",   "isgreater",     "isgreaterequal",
    "isless",       "islessequal",  "islessgreater", "isunordered",
    "add_overflow", "sub_overflow", "mul_overflow",  "abs",
    "labs",         "llabs",        "constant_p",    "is_constant_evaluated"};

} // namespace

bool isCMathFunction(StringRef Name) {
  static const StringSet<> Names = [] {
    StringSet<> S;
    for (const char *Base : CMathBase) {
      S.insert(Base);
      S.insert((Twine(Base) + "f").str());
      S.insert((Twine(Base) + "l").str());
    }
    for (const char *Abs : {"abs", "labs", "llabs"})
      S.insert(Abs);
    return S;
  }();
  return Names.contains(Name);
}

bool isAllowedBuiltin(StringRef Name) {
  if (!Name.consume_front("__builtin_"))
    return false;
  return isCMathFunction(Name) || is_contained(BuiltinNames, Name);
}

LibraryFile classifyLibraryFile(StringRef Path, StringRef Text) {
  LibraryFile F;
  // .../include/c++/12/bits/stl_vector.h, .../c++/v1/__algorithm/sort.h,
  // and the target's .../x86_64-linux-gnu/c++/12/bits/c++config.h.
  size_t At = Path.rfind("/c++/");
  if (At == StringRef::npos)
    return F;
  StringRef Rest = Path.drop_front(At + 5).split('/').second;
  if (Rest.empty())
    return F;
  F.IsCxxLibrary = true;
  auto [First, Inner] = Rest.split('/');
  if (Inner.empty()) {
    if (!First.startswith("__"))
      F.Headers.push_back(First.str());
    return F;
  }
  if (First.startswith("__") && First.size() > 2) {
    F.Headers.push_back(First.drop_front(2).str());
    return F;
  }
  size_t Tag = Text.take_front(16384).find("@headername{");
  if (Tag == StringRef::npos)
    return F;
  StringRef List = Text.drop_front(Tag + 12);
  List = List.take_until([](char C) { return C == '}'; });
  SmallVector<StringRef, 4> Names;
  List.split(Names, ',');
  for (StringRef N : Names) {
    N = N.trim(" \t\r\n*");
    if (!N.empty())
      F.Headers.push_back(N.str());
  }
  return F;
}

} // namespace allowlist

// ---- the pass
// ----------------------------------------------------------------

namespace {

using clang::SourceLocation;

const char *const LanguageSummary =
    "region code has the standard library's algorithms, containers, "
    "numerics and math, not I/O, files, processes, threads, signals, "
    "clocks, randomness or raw memory";

/// The namespace a declaration sits in at the top, "" at file scope.
std::string topNamespace(const clang::Decl *D) {
  const clang::NamespaceDecl *Top = nullptr;
  for (const clang::DeclContext *C = D->getDeclContext(); C; C = C->getParent())
    if (const auto *N = dyn_cast<clang::NamespaceDecl>(C))
      Top = N;
  return Top ? Top->getName().str() : "";
}

bool isAdrscNamespace(StringRef Name) {
  return Name == "adrs" || Name == "llvm" || Name == "clang";
}

/// The part of a header's path after its include directory, without the
/// target's directory: `bits/types/FILE.h`, `stdio.h`.
std::string relativeHeaderPath(StringRef Path) {
  size_t At = Path.rfind("/include/");
  StringRef Rel = At == StringRef::npos ? sys::path::filename(Path)
                                        : Path.drop_front(At + 9);
  auto [First, Rest] = Rel.split('/');
  if (!Rest.empty() && First.contains("-linux-"))
    Rel = Rest;
  return Rel.str();
}

/// Where a declaration comes from, as far as region code is concerned.
struct Origin {
  enum class Kind {
    Region,     ///< Written in a region of this file.
    Project,    ///< The project's files (and the main file outside regions).
    Adrsc,      ///< adrsc's own namespaces.
    Evaluator,  ///< The spec's evaluator files.
    CxxLibrary, ///< The C++ standard library's headers.
    System,     ///< Any other system header: the C library, intrinsics...
    Builtin,    ///< Declared by the compiler itself.
  };
  Kind K = Kind::Project;
  /// CxxLibrary: the public headers; System: the header and every system
  /// header that included it, as paths.
  const std::vector<std::string> *Headers = nullptr;
  /// The header, for messages: `<chrono>`, `<stdio.h>`.
  std::string Display;
};

class AllowVisitor : public RegionVisitor<AllowVisitor> {
  using Base = RegionVisitor<AllowVisitor>;

public:
  explicit AllowVisitor(PassContext &Ctx) : Base(Ctx) {
    const spec::CandidateRules &Rules = Ctx.spec().Rules;
    for (StringRef H : spec::defaultAllowedHeaders())
      AllowedHeaders.insert(H);
    for (StringRef H : Rules.AllowedHeaders) {
      StringRef Bare = H;
      Bare.consume_front("<");
      Bare.consume_back(">");
      SpecHeaders.push_back(Bare.str());
      AllowedHeaders.insert(spec::cxxHeaderName(Bare));
      // <cstdio> is the C library's <stdio.h>, whose file is stdio.h.
      std::string CName =
          Bare.startswith("c") ? (Bare.drop_front() + ".h").str() : "";
      if (!CName.empty() && is_contained(spec::standardHeaders(), CName))
        SpecHeaders.push_back(CName);
    }
    for (const std::string &Pattern : Rules.AllowedCalls)
      if (Expected<GlobPattern> G = GlobPattern::create(Pattern))
        SpecCalls.push_back(std::move(*G));
      else
        consumeError(G.takeError());
    for (const std::string &F : Ctx.spec().Evaluator.Files)
      EvaluatorFiles.insert(F);
  }

  bool shouldVisitTemplateInstantiations() const { return true; }

  // ---- what region code names

  bool VisitDeclRefExpr(clang::DeclRefExpr *E) {
    if (regionCode(E->getLocation()))
      checkUse(E->getDecl(), E->getBeginLoc());
    return true;
  }

  bool VisitMemberExpr(clang::MemberExpr *E) {
    if (regionCode(E->getMemberLoc()))
      checkUse(E->getMemberDecl(), E->getBeginLoc());
    return true;
  }

  bool VisitCXXConstructExpr(clang::CXXConstructExpr *E) {
    if (!regionCode(E->getLocation()))
      return true;
    checkUse(E->getConstructor(), E->getBeginLoc(), /*Implicit=*/true);
    checkPointerArguments(E->getConstructor(), {E->getArgs(), E->getNumArgs()});
    return true;
  }

  bool VisitCallExpr(clang::CallExpr *E) {
    if (const clang::FunctionDecl *F = E->getDirectCallee())
      if (regionCode(E->getExprLoc()))
        checkPointerArguments(F, {E->getArgs(), E->getNumArgs()});
    return true;
  }

  bool VisitTypedefTypeLoc(clang::TypedefTypeLoc TL) {
    checkType(TL.getTypedefNameDecl(), TL.getNameLoc());
    return true;
  }
  bool VisitUsingTypeLoc(clang::UsingTypeLoc TL) {
    if (const auto *T =
            dyn_cast<clang::TypeDecl>(TL.getFoundDecl()->getTargetDecl()))
      checkType(T, TL.getNameLoc());
    return true;
  }
  bool VisitRecordTypeLoc(clang::RecordTypeLoc TL) {
    checkType(TL.getDecl(), TL.getNameLoc());
    return true;
  }
  bool VisitEnumTypeLoc(clang::EnumTypeLoc TL) {
    checkType(TL.getDecl(), TL.getNameLoc());
    return true;
  }
  bool
  VisitTemplateSpecializationTypeLoc(clang::TemplateSpecializationTypeLoc TL) {
    if (clang::TemplateDecl *T =
            TL.getTypePtr()->getTemplateName().getAsTemplateDecl())
      checkType(T, TL.getTemplateNameLoc());
    return true;
  }
  bool VisitDeducedTemplateSpecializationTypeLoc(
      clang::DeducedTemplateSpecializationTypeLoc TL) {
    if (clang::TemplateDecl *T =
            TL.getTypePtr()->getTemplateName().getAsTemplateDecl())
      checkType(T, TL.getTemplateNameLoc());
    return true;
  }

  /// The scope a name is qualified with (`std::chrono::steady_clock::` in
  /// `std::chrono::steady_clock::now()`) only names it; what is named is
  /// judged.
  bool TraverseNestedNameSpecifierLoc(clang::NestedNameSpecifierLoc) {
    return true;
  }

  // ---- memory

  bool VisitExplicitCastExpr(clang::ExplicitCastExpr *E) {
    SourceLocation Loc = E->getBeginLoc();
    if (!regionCode(Loc))
      return true;
    if (isa<clang::CXXReinterpretCastExpr>(E))
      return report(Loc, "reinterpret_cast is not part of the candidate "
                         "language: it reads memory as another type. "
                         "Convert values instead (static_cast<double>(n))");
    if (isa<clang::CXXConstCastExpr>(E))
      return report(Loc, "const_cast is not part of the candidate language: "
                         "what the region is given read-only stays "
                         "read-only; copy it into a variable of its own");
    if (isa<clang::BuiltinBitCastExpr>(E) ||
        isa<clang::CXXAddrspaceCastExpr>(E))
      return report(Loc, "this cast is not part of the candidate language: "
                         "it reads memory as another type");
    // A C-style cast may be several conversions in one; the implicit ones it
    // is made of hang below it.
    const clang::Expr *Source = E->getSubExpr();
    std::vector<clang::CastKind> Kinds = {E->getCastKind()};
    while (const auto *I = dyn_cast<clang::ImplicitCastExpr>(Source)) {
      if (!I->isPartOfExplicitCast())
        break;
      Kinds.push_back(I->getCastKind());
      Source = I->getSubExpr();
    }
    std::string From = Source->getType().getAsString();
    std::string To = E->getTypeAsWritten().getAsString();
    for (clang::CastKind K : Kinds)
      switch (K) {
      case clang::CK_BitCast:
      case clang::CK_LValueBitCast:
      case clang::CK_LValueToRValueBitCast:
      case clang::CK_ReinterpretMemberPointer:
      case clang::CK_AddressSpaceConversion:
        return report(Loc, "the cast from '" + From + "' to '" + To +
                               "' reads memory as another type, which is "
                               "not part of the candidate language");
      case clang::CK_IntegralToPointer:
      case clang::CK_PointerToIntegral:
        return report(Loc, "the cast from '" + From + "' to '" + To +
                               "' converts between an address and a "
                               "number, which is not part of the candidate "
                               "language");
      case clang::CK_BaseToDerived:
      case clang::CK_BaseToDerivedMemberPointer:
        return report(Loc, "the cast from '" + From + "' to '" + To +
                               "' is an unchecked downcast; use "
                               "dynamic_cast, or a std::variant");
      case clang::CK_ToUnion:
        return report(Loc, "a cast to a union reads memory as another type, "
                           "which is not part of the candidate language");
      default:
        break;
      }
    if (castsAwayQualifiers(Source->getType(), E->getTypeAsWritten()))
      return report(Loc, "the cast from '" + From + "' to '" + To +
                             "' casts away const: what the region is given "
                             "read-only stays read-only");
    return true;
  }

  // Pointer arithmetic and subscripts are refused on pointers to writable
  // memory: that is how a region would write where it was never given a
  // place to write (the simulator's frame above its own, the heap next to
  // its vector). Through a pointer to const the region only reads, as it
  // reads what it is given, and const cannot be cast away.

  bool VisitBinaryOperator(clang::BinaryOperator *B) {
    clang::BinaryOperatorKind Op = B->getOpcode();
    if (Op != clang::BO_Add && Op != clang::BO_Sub &&
        Op != clang::BO_AddAssign && Op != clang::BO_SubAssign)
      return true;
    for (const clang::Expr *Side : {B->getLHS(), B->getRHS()})
      if (isWritablePointer(Side->getType()) &&
          regionCode(B->getOperatorLoc())) {
        pointerArithmetic(B->getOperatorLoc(), B->getOpcodeStr(),
                          Side->getType());
        break;
      }
    return true;
  }

  bool VisitUnaryOperator(clang::UnaryOperator *U) {
    if (U->isIncrementDecrementOp() &&
        isWritablePointer(U->getSubExpr()->getType()) &&
        regionCode(U->getOperatorLoc()))
      pointerArithmetic(U->getOperatorLoc(),
                        clang::UnaryOperator::getOpcodeStr(U->getOpcode()),
                        U->getSubExpr()->getType());
    return true;
  }

  bool VisitArraySubscriptExpr(clang::ArraySubscriptExpr *A) {
    const clang::Expr *Base = A->getBase();
    if (!isWritablePointer(Base->getType()) || !regionCode(A->getExprLoc()))
      return true;
    // An array of known size decays to a pointer to be indexed; its bound
    // is the compiler's to check (candidate units trap out-of-bounds
    // indices).
    if (Ctx.ast().getAsConstantArrayType(
            Base->IgnoreParenImpCasts()->getType()))
      return true;
    return report(A->getExprLoc(),
                  "subscript on a pointer to writable memory ('" +
                      Base->getType().getAsString() +
                      "') is not part of the candidate language: it writes "
                      "where the region was given no place. Index a "
                      "std::vector, a std::array or an array of known size");
  }

  bool VisitCXXNewExpr(clang::CXXNewExpr *E) {
    if (regionCode(E->getBeginLoc()))
      report(E->getBeginLoc(),
             "'new' is not part of the candidate language: keep data in "
             "standard containers (std::vector, std::deque, std::map), "
             "which own their memory; link nodes by index, not by pointer");
    return true;
  }

  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr *E) {
    if (regionCode(E->getBeginLoc()))
      report(E->getBeginLoc(),
             "'delete' is not part of the candidate language: freeing "
             "memory the region did not create would corrupt the "
             "evaluator's; keep data in standard containers");
    return true;
  }

  bool VisitVAArgExpr(clang::VAArgExpr *E) {
    if (regionCode(E->getBeginLoc()))
      report(E->getBeginLoc(), "va_arg is not part of the candidate "
                               "language: it reads the stack past the "
                               "arguments; use a template or a container");
    return true;
  }

  bool VisitAddrLabelExpr(clang::AddrLabelExpr *E) {
    if (regionCode(E->getBeginLoc()))
      report(E->getBeginLoc(), "the address of a label is not part of the "
                               "candidate language");
    return true;
  }

  bool VisitIndirectGotoStmt(clang::IndirectGotoStmt *S) {
    if (regionCode(S->getBeginLoc()))
      report(S->getBeginLoc(),
             "a computed goto is not part of the candidate language");
    return true;
  }

  bool VisitGCCAsmStmt(clang::GCCAsmStmt *S) { return asmStatement(S); }
  bool VisitMSAsmStmt(clang::MSAsmStmt *S) { return asmStatement(S); }

  bool VisitFileScopeAsmDecl(clang::FileScopeAsmDecl *D) {
    if (regionCode(D->getBeginLoc()))
      report(D->getBeginLoc(),
             "assembly at file scope is not part of the candidate language: "
             "it can define any symbol of the process");
    return true;
  }

  bool VisitAttributedStmt(clang::AttributedStmt *S) {
    for (const clang::Attr *A : S->getAttrs())
      if (!isa<clang::LikelyAttr, clang::UnlikelyAttr, clang::FallThroughAttr>(
              A) &&
          regionCode(A->getLocation()))
        report(A->getLocation(), "the attribute '" + spelling(A) +
                                     "' is not part of the candidate "
                                     "language");
    return true;
  }

  // ---- what region code declares

  bool VisitDecl(clang::Decl *D) {
    if (D->isImplicit() || !D->hasAttrs() || !regionCode(D->getLocation()))
      return true;
    for (const clang::Attr *A : D->attrs()) {
      if (A->isImplicit() || A->isInherited() || !regionCode(A->getLocation()))
        continue;
      if (const auto *Label = dyn_cast<clang::AsmLabelAttr>(A)) {
        const auto *N = dyn_cast<clang::NamedDecl>(D);
        report(A->getLocation(),
               "the asm label binds '" + (N ? N->getName() : "") +
                   "' to the symbol '" + Label->getLabel() +
                   "' of the process, which is not part of the candidate "
                   "language");
        continue;
      }
      if (!isa<clang::UnusedAttr, clang::WarnUnusedResultAttr,
               clang::DeprecatedAttr, clang::AlwaysInlineAttr,
               clang::NoInlineAttr, clang::ConstAttr, clang::PureAttr,
               clang::ColdAttr, clang::HotAttr, clang::AlignedAttr,
               clang::FinalAttr, clang::OverrideAttr,
               clang::NoUniqueAddressAttr, clang::FlattenAttr,
               clang::CXX11NoReturnAttr, clang::AnnotateAttr>(A))
        report(A->getLocation(), "the attribute '" + spelling(A) +
                                     "' is not part of the candidate "
                                     "language");
    }
    return true;
  }

  bool VisitNamedDecl(clang::NamedDecl *D) {
    if (D->isImplicit() || !D->getIdentifier() || !regionCode(D->getLocation()))
      return true;
    if (D->isReserved(Ctx.ast().getLangOpts()) !=
        clang::ReservedIdentifierStatus::NotReserved)
      return report(D->getLocation(),
                    "'" + D->getName() +
                        "' is a name reserved for the compiler and its "
                        "library; choose another");
    const clang::DeclContext *DC = D->getDeclContext()->getRedeclContext();
    std::string Top = topNamespace(D);
    if (DC->isFileContext() && (Top == "std" || isAdrscNamespace(Top)))
      return report(D->getLocation(),
                    "a region may not add declarations to namespace " + Top +
                        ", which belongs to " +
                        (Top == "std" ? "the standard library" : "adrsc"));
    return true;
  }

  bool VisitNamespaceDecl(clang::NamespaceDecl *N) {
    if (!N->isAnonymousNamespace() && regionCode(N->getLocation()) &&
        (N->getName() == "std" || isAdrscNamespace(N->getName())) &&
        N->getDeclContext()->getRedeclContext()->isTranslationUnit())
      report(N->getLocation(),
             "a region may not open namespace " + N->getName() +
                 ", which belongs to " +
                 (N->getName() == "std" ? "the standard library" : "adrsc"));
    return true;
  }

  bool VisitLinkageSpecDecl(clang::LinkageSpecDecl *D) {
    if (regionCode(D->getBeginLoc()))
      report(D->getBeginLoc(),
             "a linkage specification (extern \"C\") is not part of the "
             "candidate language: a region's declarations are C++ and its "
             "own");
    return true;
  }

  bool VisitRecordDecl(clang::RecordDecl *R) {
    if (R->isUnion() && !R->isImplicit() && regionCode(R->getLocation()))
      report(R->getLocation(), "a union reads one member's memory as another "
                               "type, which is not part of the candidate "
                               "language; use std::variant");
    return true;
  }

  bool VisitFunctionDecl(clang::FunctionDecl *F) {
    if (F->isImplicit() || F->isTemplateInstantiation() ||
        !regionCode(F->getLocation()))
      return true;
    clang::OverloadedOperatorKind Op = F->getOverloadedOperator();
    if (Op == clang::OO_New || Op == clang::OO_Array_New ||
        Op == clang::OO_Delete || Op == clang::OO_Array_Delete)
      return report(F->getLocation(),
                    "a region may not declare its own operator new or "
                    "delete: memory is the standard containers' business");
    checkRedeclaration(F, F->getLocation());
    if (F->isThisDeclarationADefinition() || F->isPure() || F->isDeleted() ||
        F->isDefaulted())
      return true;
    const clang::FunctionDecl *Definition = nullptr;
    if (!F->isDefined(Definition) && originOf(F).K != Origin::Kind::Project)
      report(F->getLocation(),
             "'" + F->getQualifiedNameAsString() +
                 "' is declared but defined nowhere: a region may declare "
                 "only what it defines, or a name would be bound to "
                 "whatever symbol of the process has it");
    return true;
  }

  bool VisitVarDecl(clang::VarDecl *V) {
    if (V->isImplicit() || isa<clang::ParmVarDecl>(V) ||
        !regionCode(V->getLocation()))
      return true;
    if (V->getType()->isVariableArrayType())
      report(V->getLocation(), "variable-length array '" + V->getName() +
                                   "' is not part of the candidate language; "
                                   "use a std::vector");
    if (V->hasLocalStorage() && !V->hasInit() &&
        Ctx.ast().getBaseElementType(V->getType())->isPointerType())
      report(V->getLocation(),
             "pointer '" + V->getName() +
                 "' has no initial value: it would point wherever the stack "
                 "left it; initialise it");
    if (V->isFileVarDecl() || V->isStaticDataMember() ||
        V->hasExternalStorage()) {
      checkRedeclaration(V, V->getLocation());
      if (V->hasExternalStorage() && !V->getDefinition() &&
          originOf(V).K != Origin::Kind::Project)
        report(V->getLocation(),
               "'extern " + V->getName() +
                   "' declares a variable the region does not define: a "
                   "region may declare only what it defines, or a name "
                   "would be bound to whatever symbol of the process has "
                   "it");
    }
    return true;
  }

  // ---- what region text says

  /// Directives, line markers, pragmas, digraphs and trigraphs, lexed
  /// with the options the code was compiled with.
  void checkText(const PassRegion &R) {
    StringRef Main = SM.getBufferData(Ctx.mainFile());
    if (R.Begin > R.End || R.End > Main.size())
      return;
    SourceLocation Start =
        SM.getLocForStartOfFile(Ctx.mainFile()).getLocWithOffset(R.Begin);
    for (const patch::TextProblem &P : patch::regionTextProblems(
             Main.slice(R.Begin, R.End), Ctx.ast().getLangOpts()))
      report(Start.getLocWithOffset(unsigned(P.Offset)), P.Message);
  }

private:
  // ---- region code

  /// The region a node at \p Loc belongs to as region code, or null.
  const PassRegion *regionCode(SourceLocation Loc) const {
    if (Loc.isInvalid())
      return nullptr;
    const PassRegion *R = regionOf(Loc);
    if (!R || Loc.isFileID())
      return R;
    SourceLocation Spelling = SM.getSpellingLoc(Loc);
    if (regionOf(Spelling))
      return R; // a macro argument written in the region
    clang::FileID F = SM.getFileID(Spelling);
    if (F == Ctx.mainFile())
      return nullptr; // a macro of the file itself, outside the regions
    if (SM.isInSystemHeader(Spelling) || SM.isWrittenInScratchSpace(Spelling) ||
        SM.isWrittenInBuiltinFile(Spelling))
      return R; // a library macro does what its expansion says
    // The project's own macros (and the spec's defines) are the project's.
    return nullptr;
  }

  // ---- origins

  struct FileInfo {
    bool CxxLibrary = false;
    std::vector<std::string> Headers;
    std::string Display;
  };

  const FileInfo &fileInfo(clang::FileID F) {
    auto [It, New] = Files.try_emplace(F.getHashValue());
    if (!New)
      return It->second;
    FileInfo &I = It->second;
    std::string Path;
    if (auto Entry = SM.getFileEntryRefForID(F))
      Path = Entry->getName().str();
    allowlist::LibraryFile L =
        allowlist::classifyLibraryFile(Path, SM.getBufferData(F));
    if (L.IsCxxLibrary) {
      I.CxxLibrary = true;
      I.Headers = L.Headers;
      I.Display = L.Headers.empty() ? "<" + relativeHeaderPath(Path) + ">"
                                    : "<" + L.Headers.front() + ">";
      return I;
    }
    // The file and the system headers that brought it in: `allow headers
    // "<cstdio>"` covers what <stdio.h> declares, and <stdio.h> what its
    // bits/ files declare.
    for (clang::FileID Cur = F; Cur.isValid();) {
      auto Entry = SM.getFileEntryRefForID(Cur);
      if (!Entry)
        break;
      I.Headers.push_back(Entry->getName().str());
      SourceLocation Includer = SM.getIncludeLoc(Cur);
      if (Includer.isInvalid() || !SM.isInSystemHeader(Includer))
        break;
      Cur = SM.getFileID(Includer);
    }
    for (const std::string &H : I.Headers) {
      std::string Rel = relativeHeaderPath(H);
      if (I.Display.empty() && !StringRef(Rel).contains("bits/"))
        I.Display = "<" + Rel + ">";
    }
    if (I.Display.empty())
      I.Display = "<" + relativeHeaderPath(Path) + ">";
    return I;
  }

  Origin originOf(const clang::Decl *D) {
    Origin O;
    const clang::Decl *C = D->getCanonicalDecl();
    if (const auto *F = dyn_cast<clang::FunctionDecl>(C))
      if (F->getBuiltinID() && F->isImplicit()) {
        O.K = Origin::Kind::Builtin;
        return O;
      }
    SourceLocation Loc = SM.getExpansionLoc(C->getLocation());
    if (Loc.isInvalid()) {
      O.K = Origin::Kind::Builtin;
      return O;
    }
    clang::FileID F = SM.getFileID(Loc);
    if (F == Ctx.mainFile() && Ctx.regionAt(SM.getFileOffset(Loc))) {
      O.K = Origin::Kind::Region;
      return O;
    }
    if (isAdrscNamespace(topNamespace(C))) {
      O.K = Origin::Kind::Adrsc;
      return O;
    }
    clang::PresumedLoc P = SM.getPresumedLoc(Loc);
    if (!EvaluatorFiles.empty() && P.isValid() &&
        EvaluatorFiles.count(P.getFilename())) {
      O.K = Origin::Kind::Evaluator;
      return O;
    }
    if (F == Ctx.mainFile() || !SM.isInSystemHeader(Loc)) {
      O.K = Origin::Kind::Project;
      return O;
    }
    const FileInfo &I = fileInfo(F);
    O.K = I.CxxLibrary ? Origin::Kind::CxxLibrary : Origin::Kind::System;
    O.Headers = &I.Headers;
    O.Display = I.Display;
    return O;
  }

  bool allowedBySpec(const clang::NamedDecl *D, const Origin &O) const {
    if (!SpecCalls.empty()) {
      std::string Name = D->getQualifiedNameAsString();
      for (const GlobPattern &G : SpecCalls)
        if (G.match(Name))
          return true;
    }
    if (!Ctx.spec().Rules.AllowedNamespaces.empty()) {
      std::string Name = D->getQualifiedNameAsString();
      for (const std::string &N : Ctx.spec().Rules.AllowedNamespaces)
        if (StringRef(Name).startswith(N + "::"))
          return true;
    }
    if (O.K == Origin::Kind::System && O.Headers)
      for (const std::string &Path : *O.Headers)
        for (const std::string &H : SpecHeaders)
          if (StringRef(Path).endswith("/" + H))
            return true;
    return false;
  }

  /// Why region code may not use \p D, or "".
  std::string refusal(const clang::NamedDecl *D, const Origin &O) {
    std::string Name = D->getQualifiedNameAsString();
    switch (O.K) {
    case Origin::Kind::Region:
    case Origin::Kind::Project:
      return "";
    case Origin::Kind::Adrsc:
      return "'" + Name + "' belongs to adrsc, not to the problem";
    case Origin::Kind::Evaluator:
      return "'" + Name +
             "' belongs to the evaluator; a region may not read or change "
             "it";
    default:
      break;
    }
    if (allowedBySpec(D, O))
      return "";
    if (O.K == Origin::Kind::CxxLibrary) {
      for (const std::string &H : *O.Headers)
        if (AllowedHeaders.contains(spec::cxxHeaderName(H)))
          return "";
      if (isStandardException(D))
        return "";
      if (O.Headers->empty())
        return "'" + Name + "' is an internal part of the standard library (" +
               O.Display + "), not part of the candidate language";
      return "'" + Name + "' comes from " + O.Display +
             ", which is not part of the candidate language: " +
             LanguageSummary + ". A spec that needs it adds `allow headers \"" +
             O.Display + "\"`";
    }
    const clang::DeclContext *DC = D->getDeclContext()->getRedeclContext();
    bool AtFileScope = DC->isTranslationUnit() || DC->isStdNamespace();
    if (O.K == Origin::Kind::System) {
      if (AtFileScope && isa<clang::FunctionDecl>(D) &&
          (allowlist::isCMathFunction(D->getName()) ||
           // assert(): a failed one ends the evaluation as a crash.
           D->getName() == "__assert_fail"))
        return "";
      return "'" + Name + "' (" + O.Display +
             ") is not part of the candidate language: " + LanguageSummary +
             ", and of the C library only the math functions. A spec that "
             "needs it adds `allow calls \"" +
             Name + "\"`";
    }
    if (allowlist::isAllowedBuiltin(D->getName()))
      return "";
    return "the compiler builtin '" + Name +
           "' is not part of the candidate language";
  }

  /// \p Implicit: a constructor the code did not name, which says no more
  /// than its class's refusal on the same line.
  void checkUse(const clang::ValueDecl *D, SourceLocation Loc,
                bool Implicit = false) {
    if (!D || D->getParentFunctionOrMethod()) // the region's own locals
      return;
    Origin O = originOf(D);
    std::string Why = refusal(D, O);
    if (!Why.empty())
      report(Loc, Why, keyOf(D, O), Implicit);
  }

  void checkType(const clang::NamedDecl *D, SourceLocation Loc) {
    if (!D || !regionCode(Loc))
      return;
    if (isa<clang::TemplateTypeParmDecl>(D) || D->getParentFunctionOrMethod())
      return;
    // A name for a number type (size_t, uint64_t, pthread_t) does nothing
    // by itself, wherever it is declared; any other alias is judged by the
    // type it names (std::ofstream is <fstream>'s, not <iosfwd>'s).
    const clang::Decl *Named = D;
    if (const auto *T = dyn_cast<clang::TypedefNameDecl>(D)) {
      clang::QualType U = T->getUnderlyingType().getCanonicalType();
      if (U->isBuiltinType())
        return;
      if (const clang::TagDecl *Tag = U->getAsTagDecl())
        Named = Tag;
    }
    Origin O = originOf(Named);
    std::string Why = refusal(D, O);
    if (!Why.empty())
      report(Loc, Why, keyOf(D, O), /*IsType=*/true);
  }

  /// Standard library functions walk whatever a raw pointer points to:
  /// `std::fill_n(&local, 1 << 20, 0)` is pointer arithmetic by proxy.
  /// (A pointer to const only lets them read.)
  void checkPointerArguments(const clang::FunctionDecl *F,
                             ArrayRef<const clang::Expr *> Arguments) {
    if (!F)
      return;
    Origin O = originOf(F);
    if (O.K != Origin::Kind::CxxLibrary && O.K != Origin::Kind::System)
      return;
    // The math functions' out-parameters (modf, frexp, remquo) hold one
    // value; what the spec allows by name it vouches for.
    if (allowlist::isCMathFunction(F->getName()) || allowedBySpec(F, O))
      return;
    if (!refusal(F, O).empty())
      return; // refused by name already

    for (const clang::Expr *A : Arguments) {
      clang::QualType T = A->getType();
      if (!isWritablePointer(T))
        continue;
      if (isa<clang::StringLiteral>(A->IgnoreParenImpCasts()) ||
          A->isNullPointerConstant(Ctx.ast(),
                                   clang::Expr::NPC_ValueDependentIsNotNull))
        continue;
      report(A->getBeginLoc(),
             "a pointer to writable memory ('" + T.getAsString() +
                 "') passed to '" + F->getQualifiedNameAsString() +
                 "' lets the library write past what the region was "
                 "given; pass a container, or its begin() and end()");
    }
  }

  void checkRedeclaration(const clang::NamedDecl *D, SourceLocation Loc) {
    const clang::Decl *First = D->getCanonicalDecl();
    if (First == D)
      return;
    Origin O = originOf(First);
    if (O.K == Origin::Kind::CxxLibrary || O.K == Origin::Kind::System ||
        O.K == Origin::Kind::Builtin || O.K == Origin::Kind::Adrsc)
      report(Loc,
             "'" + D->getQualifiedNameAsString() + "' redeclares " +
                 (O.K == Origin::Kind::Adrsc ? "adrsc's" : "the library's") +
                 " declaration" +
                 (O.Display.empty() ? "" : " in " + O.Display) +
                 "; a region may not declare or define library "
                 "functions");
  }

  // ---- helpers

  /// The standard library's exceptions (std::exception and what derives
  /// from it: bad_alloc in <new>, runtime_error in <stdexcept>) are values
  /// to throw and catch, whatever header declares them.
  static bool isStandardException(const clang::NamedDecl *D) {
    const auto *Class = dyn_cast<clang::CXXRecordDecl>(D);
    if (!Class)
      Class = dyn_cast<clang::CXXRecordDecl>(D->getDeclContext());
    if (Class)
      Class = Class->getDefinition();
    if (!Class)
      return false;
    auto IsException = [](const clang::CXXRecordDecl *C) {
      return C->getName() == "exception" &&
             C->getDeclContext()->getRedeclContext()->isStdNamespace();
    };
    if (IsException(Class))
      return true;
    return !Class->forallBases(
        [&](const clang::CXXRecordDecl *Base) { return !IsException(Base); });
  }

  static bool castsAwayQualifiers(clang::QualType From, clang::QualType To) {
    From = From.getCanonicalType();
    To = To.getCanonicalType();
    if (const auto *R = To->getAs<clang::ReferenceType>()) {
      To = R->getPointeeType().getCanonicalType();
    } else {
      if (!From->isPointerType() || !To->isPointerType())
        return false;
      From = From->getPointeeType().getCanonicalType();
      To = To->getPointeeType().getCanonicalType();
    }
    for (;;) {
      if (From.getCVRQualifiers() & ~To.getCVRQualifiers())
        return true;
      if (!From->isPointerType() || !To->isPointerType())
        return false;
      From = From->getPointeeType().getCanonicalType();
      To = To->getPointeeType().getCanonicalType();
    }
  }

  static std::string spelling(const clang::Attr *A) {
    const char *S = A->getSpelling();
    return S && *S ? S : "attribute";
  }

  bool asmStatement(clang::Stmt *S) {
    if (regionCode(S->getBeginLoc()))
      report(S->getBeginLoc(), "inline assembly is not part of the candidate "
                               "language");
    return true;
  }

  /// A pointer through which memory can be written; a function pointer is
  /// not one.
  static bool isWritablePointer(clang::QualType T) {
    if (!T->isPointerType())
      return false;
    clang::QualType P = T->getPointeeType();
    return !P.isConstQualified() && !P->isFunctionType();
  }

  void pointerArithmetic(SourceLocation Loc, StringRef Op, clang::QualType T) {
    report(Loc, "pointer arithmetic ('" + Op + "' on '" + T.getAsString() +
                    "') on a pointer to writable memory is not part of the "
                    "candidate language: it writes where the region was "
                    "given no place. Use an index into a std::vector or "
                    "std::array, or a container's iterators");
  }

  /// What a refusal by origin is about: a type and its member named on one
  /// line (`std::chrono::steady_clock::now()`) are one refusal.
  static std::string keyOf(const clang::NamedDecl *D, const Origin &O) {
    switch (O.K) {
    case Origin::Kind::Evaluator:
      return "belongs to the evaluator";
    case Origin::Kind::Adrsc:
      return "belongs to adrsc";
    default:
      return O.Display.empty() ? "'" + D->getQualifiedNameAsString() + "'"
                               : O.Display;
    }
  }

  /// Records a rejection, once per place (another pass may have refused the
  /// same construct already). With a \p Key, a type named on a line where
  /// a function or variable of the same origin is refused says nothing
  /// more (`std::chrono::steady_clock::now()` is one refusal).
  bool report(SourceLocation Loc, const Twine &Message, StringRef Key = "",
              bool IsType = false) { // or an implicit constructor
    const PassRegion *R = regionOf(Loc);
    Pending P{lineOf(SM, Loc),
              SM.getExpansionColumnNumber(Loc),
              R ? R->Info->Name : "",
              Key.str(),
              IsType,
              Loc,
              Message.str()};
    auto SamePlace = [&](unsigned Line, unsigned Column, StringRef Region) {
      return Line == P.Line && Column == P.Column && Region == P.Region;
    };
    for (const PassRejection &Prior : Ctx.results().Rejections)
      if (SamePlace(Prior.Line, Prior.Column, Prior.Region) ||
          (Prior.Line == P.Line && Prior.Region == P.Region && !Key.empty() &&
           StringRef(Prior.Message).contains(Key)))
        return true;
    // The same words twice on one line (two subscripts) say nothing more.
    for (const Pending &Mine : Reports)
      if (SamePlace(Mine.Line, Mine.Column, Mine.Region) ||
          (Mine.Line == P.Line && Mine.Message == P.Message))
        return true;
    Reports.push_back(std::move(P));
    return true;
  }

public:
  /// Hands the rejections over, in the order of the file.
  void finish() {
    auto Covered = [&](const Pending &T) {
      for (const Pending &Other : Reports)
        if (&Other != &T && Other.Line == T.Line && Other.Region == T.Region &&
            Other.Key == T.Key && (!Other.IsType || Other.Column < T.Column))
          return true;
      return false;
    };
    std::vector<const Pending *> Kept;
    for (const Pending &P : Reports)
      if (!P.IsType || P.Key.empty() || !Covered(P))
        Kept.push_back(&P);
    llvm::stable_sort(Kept, [](const Pending *A, const Pending *B) {
      return std::tie(A->Line, A->Column) < std::tie(B->Line, B->Column);
    });
    for (const Pending *P : Kept)
      reject("allow", P->Loc, P->Message);
    Reports.clear();
  }

private:
  struct Pending {
    unsigned Line, Column;
    std::string Region, Key;
    bool IsType;
    SourceLocation Loc;
    std::string Message;
  };
  std::vector<Pending> Reports;

  llvm::StringSet<> AllowedHeaders;
  /// The spec's headers as file names (`random`, `cstdio`, `stdio.h`).
  std::vector<std::string> SpecHeaders;
  std::vector<GlobPattern> SpecCalls;
  std::set<std::string> EvaluatorFiles;
  /// By FileID; a std::map, because origins keep pointers into it.
  std::map<unsigned, FileInfo> Files;
};

} // namespace

void AllowListPass::run(PassContext &Ctx) {
  AllowVisitor V(Ctx);
  for (const PassRegion &R : Ctx.regions())
    V.checkText(R);
  Ctx.traverse(V);
  V.finish();
}

} // namespace passes
} // namespace adrs
