//===- BuiltinPasses.cpp - forbid, fingerprint, features, lift-constants --===//
//
// Four of the built-in candidate passes share this one translation unit, so
// that the project has few files that pay for Clang's AST headers; the
// allow pass (AllowListPass.cpp) has a file of its own and is registered
// here with the others.
//
//===----------------------------------------------------------------------===//

#include "RegionVisitor.h"

#include "adrs/Passes/AllowList.h"
#include "adrs/Passes/Pass.h"
#include "adrs/Patch/RegionText.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ParentMapContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/Stmt.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/SHA1.h"

#include <cmath>
#include <set>

using namespace llvm;

namespace adrs {
namespace passes {

namespace {

// ---- forbid
// ------------------------------------------------------------------

/// Calls that never belong in a policy: processes, files, sockets, and ways
/// out of the evaluation. The spec's `forbid calls` adds to these; the
/// sandbox is the real fence, this is the early and explained one.
const char *const DefaultForbiddenCalls[] = {
    "system",  "popen",   "fork",   "vfork",  "exec*",  "posix_spawn*",
    "socket",  "connect", "bind",   "listen", "accept", "fopen",
    "freopen", "open",    "openat", "creat",  "unlink", "remove",
    "rename",  "kill",    "dlopen", "dlsym",  "mmap",   "mprotect",
    "ptrace",  "syscall", "setenv", "putenv", "chdir"};

/// Why a call is forbidden: the list above, the spec's `forbid calls`, or
/// its `forbid threads`.
enum class CallRule { System, Spec, Threads };

const char *const ThreadCalls[] = {"pthread_create", "std::async",
                                   "std::thread::thread",
                                   "std::jthread::jthread"};

class ForbidVisitor : public RegionVisitor<ForbidVisitor> {
public:
  explicit ForbidVisitor(PassContext &Ctx) : RegionVisitor(Ctx) {
    const spec::CandidateRules &Rules = Ctx.spec().Rules;
    // The spec's own rules first: a call it names is refused as its rule.
    for (const std::string &Name : Rules.ForbiddenCalls)
      addCall(Name, CallRule::Spec);
    for (const char *Name : DefaultForbiddenCalls)
      addCall(Name, CallRule::System);
    Constructs = std::set<std::string>(Rules.ForbiddenConstructs.begin(),
                                       Rules.ForbiddenConstructs.end());
    if (Constructs.count("threads"))
      for (const char *Name : ThreadCalls)
        addCall(Name, CallRule::Threads);
    for (const std::string &F : Ctx.spec().Evaluator.Files)
      EvaluatorFiles.insert(F);
  }

  bool VisitDeclRefExpr(clang::DeclRefExpr *E) {
    if (!regionOf(E->getBeginLoc()))
      return true;
    const clang::ValueDecl *D = E->getDecl();
    if (const auto *F = dyn_cast<clang::FunctionDecl>(D))
      checkFunction(F, E->getBeginLoc());
    checkEvaluatorInternal(D, E->getBeginLoc());
    return true;
  }

  bool VisitCXXConstructExpr(clang::CXXConstructExpr *E) {
    if (regionOf(E->getBeginLoc()))
      checkFunction(E->getConstructor(), E->getBeginLoc());
    return true;
  }

  bool VisitMemberExpr(clang::MemberExpr *E) {
    if (regionOf(E->getBeginLoc()))
      checkEvaluatorInternal(E->getMemberDecl(), E->getBeginLoc());
    return true;
  }

  bool VisitGCCAsmStmt(clang::GCCAsmStmt *S) { return asmStmt(S); }
  bool VisitMSAsmStmt(clang::MSAsmStmt *S) { return asmStmt(S); }

  bool VisitGotoStmt(clang::GotoStmt *S) {
    if (Constructs.count("goto") && regionOf(S->getBeginLoc()))
      reject("forbid", S->getBeginLoc(), "goto is forbidden by the spec");
    return true;
  }

  bool VisitVarDecl(clang::VarDecl *V) {
    if (!Constructs.count("static") || !regionOf(V->getLocation()))
      return true;
    // A block at file or namespace scope can define state there too; only
    // constants are not state.
    if (!V->hasGlobalStorage() ||
        V->isThisDeclarationADefinition() == clang::VarDecl::DeclarationOnly)
      return true;
    std::optional<std::string> Why = whyState(V);
    if (!Why)
      return true;
    reject(
        "forbid", V->getLocation(),
        (V->isStaticLocal() ? "static local variable '" : "global variable '") +
            V->getName() +
            "' is forbidden by the spec: state must not survive from "
            "one evaluation to the next" +
            *Why);
    return true;
  }

  bool VisitFileScopeAsmDecl(clang::FileScopeAsmDecl *D) {
    if (Constructs.count("asm") && regionOf(D->getBeginLoc()))
      reject("forbid", D->getBeginLoc(), "assembly is forbidden by the spec");
    return true;
  }

  bool VisitDecl(clang::Decl *D) {
    if (const auto *Label = D->getAttr<clang::AsmLabelAttr>())
      if (Constructs.count("asm") && !Label->isImplicit() &&
          !Label->isInherited() && regionOf(Label->getLocation()))
        reject("forbid", Label->getLocation(),
               "an asm label is forbidden by the spec");
    return true;
  }

  /// The #includes written in the regions, found by Clang's raw lexer as
  /// the compiler finds them: `#include <fstream> // c`, `# include`,
  /// `%:include` and a line splice inside `include` all count.
  void checkIncludes() {
    const std::vector<std::string> &Forbidden =
        Ctx.spec().Rules.ForbiddenIncludes;
    if (Forbidden.empty())
      return;
    StringRef Main = SM.getBufferData(Ctx.mainFile());
    for (const PassRegion &R : Ctx.regions()) {
      if (R.Begin > R.End || R.End > Main.size())
        continue;
      clang::SourceLocation Start =
          SM.getLocForStartOfFile(Ctx.mainFile()).getLocWithOffset(R.Begin);
      for (const patch::Directive &D : patch::regionDirectives(
               Main.slice(R.Begin, R.End), Ctx.ast().getLangOpts())) {
        StringRef Header = StringRef(D.Operand).trim("<>\"");
        if (D.Operand.empty())
          continue;
        for (const std::string &F : Forbidden)
          if (StringRef(F).trim("<>\"") == Header)
            reject("forbid", Start.getLocWithOffset(unsigned(D.Offset)),
                   "#include " + D.Operand + " is forbidden by the spec");
      }
    }
  }

private:
  /// Why a variable with static or thread storage is state (nullopt if it
  /// is a constant; "" when being a variable says it all): a constant is
  /// constexpr, or const with a constant initializer and reaching no
  /// memory that can change.
  std::optional<std::string> whyState(const clang::VarDecl *V) {
    if (V->isConstexpr())
      return std::nullopt;
    clang::ASTContext &AST = Ctx.ast();
    clang::QualType T = V->getType();
    if (T->isReferenceType()) {
      T = T->getPointeeType();
      if (!T.isConstQualified())
        return ": it refers to memory that can change";
    }
    if (!AST.getBaseElementType(T).isConstQualified())
      return "";
    if (!V->hasConstantInitialization())
      return " (its value is computed when the program starts, and can "
             "hold state, like a pointer to memory from 'new')";
    if (std::string Why = reachesMutable(AST.getBaseElementType(T), 0);
        !Why.empty())
      return ": " + Why;
    return std::nullopt;
  }

  /// Whether a constant of type \p T reaches memory that can change: a
  /// pointer to non-const, or a mutable member.
  static std::string reachesMutable(clang::QualType T, unsigned Depth) {
    if (Depth > 8)
      return "";
    if (T->isPointerType()) {
      clang::QualType P = T->getPointeeType();
      if (P->isFunctionType())
        return "";
      if (!P.isConstQualified())
        return "it points to memory that can change";
      return reachesMutable(P, Depth + 1);
    }
    if (const auto *R = T->getAsRecordDecl())
      for (const clang::FieldDecl *F : R->fields()) {
        if (F->isMutable())
          return "its member '" + F->getName().str() + "' is mutable";
        if (std::string Why = reachesMutable(F->getType(), Depth + 1);
            !Why.empty())
          return Why;
      }
    return "";
  }

  void addCall(StringRef Pattern, CallRule Rule) {
    if (Expected<GlobPattern> G = GlobPattern::create(Pattern))
      Calls.push_back({Rule, std::move(*G)});
    else
      consumeError(G.takeError());
  }

  void checkFunction(const clang::FunctionDecl *F, clang::SourceLocation Loc) {
    if (!F)
      return;
    std::string Name = F->getNameAsString();
    std::string Qualified = F->getQualifiedNameAsString();
    // The toolchain's own code shares the process with a candidate; a
    // region that names it is reaching for its results, not computing one.
    for (StringRef Internal : {"adrs::", "llvm::", "clang::"})
      if (StringRef(Qualified).startswith(Internal) &&
          Qualified != "adrs::EvalContext") {
        reject("forbid", Loc,
               "'" + Qualified + "' belongs to adrsc, not to the problem");
        return;
      }
    // A function the region declares itself and nobody defines can only be
    // something found by name in the process at link time.
    // (A builtin is declared implicitly where it is first used.)
    if (!F->isDefined() && !F->getBuiltinID() &&
        regionOf(F->getFirstDecl()->getLocation()) &&
        !SM.isInSystemHeader(SM.getExpansionLoc(F->getLocation()))) {
      reject("forbid", Loc,
             "'" + Qualified +
                 "' is declared inside the region and defined "
                 "nowhere; a region may call what the sources declare, not "
                 "declare its own way out");
      return;
    }
    // Calls are judged by what they are, so only functions declared outside
    // the project (the C and C++ libraries) match the built-in list; the
    // researcher's own `open()` is fine unless the spec names it.
    bool FromSystem = SM.isInSystemHeader(SM.getExpansionLoc(F->getLocation()));
    for (const auto &[Rule, Glob] : Calls) {
      if (!FromSystem && Rule != CallRule::Spec)
        continue;
      if (Glob.match(Name) || Glob.match(Qualified) ||
          (StringRef(Qualified).startswith("std::") &&
           Glob.match(StringRef(Qualified).drop_front(5)))) {
        // The spec gives no reason for what it names, and adrsc does not
        // make one up (`rand` has nothing to do with the system).
        switch (Rule) {
        case CallRule::System:
          reject("forbid", Loc,
                 "call to '" + Qualified +
                     "' is forbidden; a policy computes a decision and has "
                     "no business with processes, files or the network");
          break;
        case CallRule::Spec:
          reject("forbid", Loc,
                 "call to '" + Qualified +
                     "' is forbidden by the spec ('forbid calls')");
          break;
        case CallRule::Threads:
          reject("forbid", Loc,
                 "call to '" + Qualified +
                     "' starts a thread, which the spec forbids ('forbid "
                     "threads')");
          break;
        }
        return;
      }
    }
  }

  void checkEvaluatorInternal(const clang::ValueDecl *D,
                              clang::SourceLocation Loc) {
    if (EvaluatorFiles.empty() || !D)
      return;
    clang::SourceLocation DLoc = SM.getExpansionLoc(D->getLocation());
    clang::PresumedLoc P = SM.getPresumedLoc(DLoc);
    if (P.isValid() && EvaluatorFiles.count(P.getFilename()))
      reject("forbid", Loc,
             "'" + D->getQualifiedNameAsString() +
                 "' belongs to the evaluator; a region may not read or "
                 "change it");
  }

  bool asmStmt(clang::Stmt *S) {
    // Like goto, static and threads, asm is the spec's to forbid
    // (`forbid asm`); it is not on the built-in list.
    if (Constructs.count("asm") && regionOf(S->getBeginLoc()))
      reject("forbid", S->getBeginLoc(),
             "inline assembly is forbidden by the spec");
    return true;
  }

  std::vector<std::pair<CallRule, GlobPattern>> Calls;
  std::set<std::string> Constructs;
  std::set<std::string> EvaluatorFiles;
};

class ForbidPass : public CandidatePass {
public:
  void run(PassContext &Ctx) override {
    ForbidVisitor V(Ctx);
    Ctx.traverse(V);
    V.checkIncludes();
  }
};

// ---- fingerprint
// ---------------------------------------------------------------

/// Names of variables and parameters declared inside each region.
class LocalNames : public RegionVisitor<LocalNames> {
public:
  using RegionVisitor::RegionVisitor;

  bool VisitVarDecl(clang::VarDecl *V) {
    if (const PassRegion *R = regionOf(V->getLocation()))
      Names[R->Info->Name].insert(V->getName().str());
    return true;
  }

  std::map<std::string, std::set<std::string>> Names;
};

std::string fingerprint(StringRef Text, const std::set<std::string> &Locals,
                        const clang::LangOptions &LO, unsigned *Tokens) {
  std::string Buffer = Text.str();
  clang::Lexer L(clang::SourceLocation(), LO, Buffer.data(), Buffer.data(),
                 Buffer.data() + Buffer.size());
  L.SetCommentRetentionState(false);
  std::map<std::string, unsigned> Renamed;
  std::string Canonical;
  unsigned Count = 0;
  clang::Token Tok;
  // After `.`, `->` or `::` a name is a member or a qualified name, never
  // the local it may share its spelling with: `E.Hits * Hits` and
  // `E.LastUse * LastUse` are different programs.
  bool AfterAccess = false;
  for (;;) {
    L.LexFromRawLexer(Tok);
    if (Tok.is(clang::tok::eof))
      break;
    // The raw lexer stops right after the token it returns.
    const char *TokEnd = L.getBufferLocation();
    std::string Spelling(TokEnd - Tok.getLength(), Tok.getLength());
    bool IsMember = AfterAccess;
    AfterAccess = Tok.isOneOf(clang::tok::period, clang::tok::arrow,
                              clang::tok::coloncolon);
    if (Tok.is(clang::tok::raw_identifier) && !IsMember &&
        Locals.count(Spelling)) {
      auto It = Renamed.emplace(Spelling, Renamed.size()).first;
      Spelling = "$" + std::to_string(It->second);
    }
    Canonical += Spelling;
    Canonical += '\x1f';
    ++Count;
  }
  if (Tokens)
    *Tokens = Count;
  SHA1 Hash;
  Hash.update(Canonical);
  std::array<uint8_t, 20> Digest = Hash.final();
  return toHex(ArrayRef<uint8_t>(Digest).take_front(8), /*LowerCase=*/true);
}

class FingerprintPass : public CandidatePass {
public:
  void run(PassContext &Ctx) override {
    LocalNames Locals(Ctx);
    Ctx.traverse(Locals);
    for (const PassRegion &R : Ctx.regions())
      Ctx.results().Fingerprints[R.Info->Name] =
          fingerprint(R.Info->Text, Locals.Names[R.Info->Name],
                      Ctx.ast().getLangOpts(), nullptr);
  }
};

// ---- features
// -------------------------------------------------------------------

class ComplexityVisitor : public RegionVisitor<ComplexityVisitor> {
public:
  using RegionVisitor::RegionVisitor;

  bool TraverseStmt(clang::Stmt *S) {
    if (!S)
      return true;
    bool IsLoop = isa<clang::ForStmt>(S) || isa<clang::WhileStmt>(S) ||
                  isa<clang::DoStmt>(S) || isa<clang::CXXForRangeStmt>(S);
    const PassRegion *R = regionOf(S->getBeginLoc());
    if (R) {
      Stats &St = Per[R->Info->Name];
      if (IsLoop || isa<clang::IfStmt>(S) || isa<clang::CaseStmt>(S) ||
          isa<clang::ConditionalOperator>(S) || isa<clang::CXXCatchStmt>(S))
        ++St.Decisions;
      if (const auto *B = dyn_cast<clang::BinaryOperator>(S))
        if (B->getOpcode() == clang::BO_LAnd || B->getOpcode() == clang::BO_LOr)
          ++St.Decisions;
      if (IsLoop)
        St.MaxLoopDepth = std::max(St.MaxLoopDepth, LoopDepth + 1);
    }
    if (IsLoop && R)
      ++LoopDepth;
    bool Result = RegionVisitor::TraverseStmt(S);
    if (IsLoop && R)
      --LoopDepth;
    return Result;
  }

  struct Stats {
    unsigned Decisions = 0;
    unsigned MaxLoopDepth = 0;
  };
  std::map<std::string, Stats> Per;

private:
  unsigned LoopDepth = 0;
};

class FeaturesPass : public CandidatePass {
public:
  void run(PassContext &Ctx) override {
    ComplexityVisitor V(Ctx);
    Ctx.traverse(V);
    std::map<std::string, double> &F = Ctx.results().Features;
    for (const PassRegion &R : Ctx.regions()) {
      unsigned Tokens = 0;
      fingerprint(R.Info->Text, {}, Ctx.ast().getLangOpts(), &Tokens);
      const ComplexityVisitor::Stats &S = V.Per[R.Info->Name];
      std::string P = R.Info->Name + ".";
      F[P + "length"] = Tokens;
      F[P + "complexity"] = 1 + S.Decisions;
      F[P + "loop_depth"] = S.MaxLoopDepth;
      F["length"] += Tokens;
      F["complexity"] += 1 + S.Decisions;
      F["loop_depth"] = std::max(F["loop_depth"], double(S.MaxLoopDepth));
    }
  }
};

// ---- lift-constants
// ------------------------------------------------------------

/// Numeric literals that can become reads of a parameter table: not in a
/// macro, not where the language wants a constant expression.
class LiteralFinder : public RegionVisitor<LiteralFinder> {
public:
  using RegionVisitor::RegionVisitor;

  bool VisitIntegerLiteral(clang::IntegerLiteral *L) {
    consider(L, L->getValue().getLimitedValue(), true);
    return true;
  }

  bool VisitFloatingLiteral(clang::FloatingLiteral *L) {
    consider(L, L->getValueAsApproximateDouble(), false);
    return true;
  }

  struct Found {
    const clang::Expr *E;
    double Value;
    bool IsInteger;
    unsigned Begin, End;
    std::string Region;
  };
  std::vector<Found> Literals;

private:
  void consider(const clang::Expr *E, double Value, bool IsInteger) {
    if (E->getBeginLoc().isMacroID())
      return;
    const PassRegion *R = regionOf(E->getBeginLoc());
    if (!R || needsConstant(E))
      return;
    std::optional<unsigned> B =
        mainOffset(SM, Ctx.mainFile(), E->getBeginLoc());
    clang::SourceLocation EndLoc = clang::Lexer::getLocForEndOfToken(
        E->getEndLoc(), 0, SM, Ctx.ast().getLangOpts());
    std::optional<unsigned> End = mainOffset(SM, Ctx.mainFile(), EndLoc);
    if (!B || !End)
      return;
    Literals.push_back({E, Value, IsInteger, *B, *End, R->Info->Name});
  }

  /// True where C++ demands a constant: case labels, array bounds, template
  /// arguments, enumerators, static_assert, constexpr and bit-fields; and
  /// where a tuned value makes no sense: an array index.
  bool needsConstant(const clang::Expr *E) {
    clang::DynTypedNode Node = clang::DynTypedNode::create(*E);
    for (int Depth = 0; Depth < 16; ++Depth) {
      auto Parents = Ctx.ast().getParents(Node);
      if (Parents.empty())
        return false;
      Node = Parents[0];
      // A case label is a ConstantExpr; the statements after it are not.
      if (Node.get<clang::ConstantExpr>() ||
          Node.get<clang::StaticAssertDecl>() ||
          Node.get<clang::EnumConstantDecl>() || Node.get<clang::TypeLoc>() ||
          Node.get<clang::TemplateArgumentLoc>() ||
          Node.get<clang::FieldDecl>())
        return true;
      // A tuner that moves an index reads out of bounds.
      if (const auto *A = Node.get<clang::ArraySubscriptExpr>())
        if (A->getIdx()->IgnoreParenImpCasts() == E)
          return true;
      if (const auto *V = Node.get<clang::VarDecl>())
        return V->isConstexpr();
      // Past the expression: a statement (return, if, a case's body...).
      if (Node.get<clang::FunctionDecl>() ||
          (Node.get<clang::Stmt>() && !Node.get<clang::Expr>()))
        return false;
    }
    return false;
  }
};

class LiftConstantsPass : public CandidatePass {
public:
  void run(PassContext &Ctx) override {
    LiteralFinder Finder(Ctx);
    Ctx.traverse(Finder);
    std::vector<LiteralFinder::Found> &L = Finder.Literals;
    llvm::sort(L,
               [](const auto &A, const auto &B) { return A.Begin < B.Begin; });
    // Drop duplicates a traversal can report twice (a literal in a default
    // argument seen from two places).
    L.erase(std::unique(L.begin(), L.end(),
                        [](const auto &A, const auto &B) {
                          return A.Begin == B.Begin;
                        }),
            L.end());

    unsigned Next = Ctx.results().Constants.size();
    const clang::SourceManager &SM = Ctx.ast().getSourceManager();
    StringRef Main = SM.getBufferData(Ctx.mainFile());
    for (const PassRegion &R : Ctx.regions()) {
      std::string Text;
      unsigned Pos = R.Begin;
      for (const LiteralFinder::Found &F : L) {
        if (F.Region != R.Info->Name || F.Begin < Pos || F.End > R.End)
          continue;
        std::string Spelling = Main.slice(F.Begin, F.End).str();
        Text += Main.slice(Pos, F.Begin).str();
        Text += "ADRS_PARAM(" + std::to_string(Next) + ", " + Spelling + ")";
        Pos = F.End;
        LiftedConstant C;
        C.Region = R.Info->Name;
        C.Index = Next++;
        C.Spelling = Spelling;
        C.Value = F.Value;
        C.IsInteger = F.IsInteger;
        // The literal's own scale bounds the search: a quarter to four
        // times it, or [-1, 1] around a zero.
        double Mag = std::fabs(F.Value);
        C.Lower = Mag == 0 ? -1 : F.Value / 4;
        C.Upper = Mag == 0 ? 1 : F.Value * 4;
        if (C.Lower > C.Upper)
          std::swap(C.Lower, C.Upper);
        C.Line = SM.getLineNumber(Ctx.mainFile(), F.Begin);
        Ctx.results().Constants.push_back(C);
      }
      Text += Main.slice(Pos, R.End).str();
      if (Text != R.Info->Text)
        Ctx.results().Transformed[R.Info->Name] = Text;
    }
  }
};

PassRegistry::Add<ForbidPass>
    Forbid("forbid", "reject forbidden calls, includes and constructs");
PassRegistry::Add<AllowListPass>
    Allow("allow", "refuse what is outside the candidate language: names "
                   "from outside the allowed headers, pointer arithmetic and "
                   "casts, asm, directives");
PassRegistry::Add<FingerprintPass>
    Fingerprint("fingerprint", "hash a region's tokens, blind to layout, "
                               "comments and local names");
PassRegistry::Add<FeaturesPass>
    Features("features", "length, complexity and loop depth of each region");
PassRegistry::Add<LiftConstantsPass>
    LiftConstants("lift-constants", "turn numeric literals into reads of a "
                                    "parameter table for tuning");

} // namespace

void linkBuiltinPasses() {}

} // namespace passes
} // namespace adrs
