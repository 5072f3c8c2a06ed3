//===- RegionFinder.cpp - Finding the spec's regions ----------------------===//
//
// Markers are found in the text (they are comments, which the AST does not
// keep); Clang's AST then says whether a block cuts a declaration or a
// statement in half, which function encloses it, which functions carry
// ADRS_EVOLVE, and what each region refers to outside itself.
//
//===----------------------------------------------------------------------===//

#include "adrs/Regions/RegionFinder.h"

#include "adrs/Regions/Boundary.h"
#include "adrs/Regions/Markers.h"
#include "adrs/Regions/SourceParser.h"
#include "adrs/Support/Glob.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <map>
#include <set>

using namespace llvm;

namespace adrs {
namespace regions {

json::Value toJSON(const Region &R) {
  json::Array Context;
  for (const ContextDecl &C : R.Context)
    Context.push_back(json::Object{{"kind", C.Kind},
                                   {"name", C.Name},
                                   {"file", C.File},
                                   {"line", C.Line},
                                   {"text", C.Text}});
  return json::Object{{"name", R.Name},
                      {"kind", spec::toString(R.Kind)},
                      {"file", R.File},
                      {"unit", R.Unit},
                      {"units", json::Array(R.Units)},
                      {"begin", int64_t(R.Begin)},
                      {"end", int64_t(R.End)},
                      {"first_line", R.FirstLine},
                      {"last_line", R.LastLine},
                      {"function", R.Function},
                      {"boundary", R.Boundary},
                      {"must_return", R.MustReturn},
                      {"context", std::move(Context)},
                      {"text", R.Text}};
}

Region regionFromJSON(const json::Object &O) {
  Region R;
  R.Name = O.getString("name").value_or("").str();
  R.Kind = O.getString("kind").value_or("block") == "function"
               ? spec::RegionKind::Function
               : spec::RegionKind::Block;
  R.File = O.getString("file").value_or("").str();
  R.Unit = O.getString("unit").value_or("").str();
  if (const json::Array *Units = O.getArray("units"))
    for (const json::Value &U : *Units)
      if (std::optional<StringRef> S = U.getAsString())
        R.Units.push_back(S->str());
  if (R.Units.empty())
    R.Units.push_back(R.Unit);
  R.Begin = size_t(O.getInteger("begin").value_or(0));
  R.End = size_t(O.getInteger("end").value_or(0));
  R.FirstLine = unsigned(O.getInteger("first_line").value_or(0));
  R.LastLine = unsigned(O.getInteger("last_line").value_or(0));
  R.Function = O.getString("function").value_or("").str();
  R.Boundary = O.getString("boundary").value_or("").str();
  R.MustReturn = O.getBoolean("must_return").value_or(false);
  R.Text = O.getString("text").value_or("").str();
  if (const json::Array *Context = O.getArray("context"))
    for (const json::Value &V : *Context)
      if (const json::Object *C = V.getAsObject())
        R.Context.push_back({C->getString("kind").value_or("").str(),
                             C->getString("name").value_or("").str(),
                             C->getString("file").value_or("").str(),
                             unsigned(C->getInteger("line").value_or(0)),
                             C->getString("text").value_or("").str()});
  return R;
}

namespace {

constexpr size_t MaxContextText = 3000;

/// Byte offsets of an AST node in one file, after macro expansion.
struct FileRange {
  clang::FileID File;
  unsigned Begin = 0, End = 0;
  bool Valid = false;
};

class Locator {
public:
  Locator(clang::SourceManager &SM, const clang::LangOptions &LO)
      : SM(SM), LO(LO) {}

  FileRange range(clang::SourceRange R) const {
    FileRange Out;
    if (R.isInvalid())
      return Out;
    clang::SourceLocation B = SM.getExpansionLoc(R.getBegin());
    clang::SourceLocation E = SM.getExpansionLoc(R.getEnd());
    E = clang::Lexer::getLocForEndOfToken(E, 0, SM, LO);
    if (B.isInvalid() || E.isInvalid() || SM.getFileID(B) != SM.getFileID(E))
      return Out;
    Out.File = SM.getFileID(B);
    Out.Begin = SM.getFileOffset(B);
    Out.End = SM.getFileOffset(E);
    Out.Valid = Out.Begin <= Out.End;
    return Out;
  }

  std::string text(clang::SourceRange R) const {
    clang::CharSourceRange Chars = clang::CharSourceRange::getTokenRange(
        SM.getExpansionRange(R).getAsRange());
    return clang::Lexer::getSourceText(Chars, SM, LO).str();
  }

  clang::SourceManager &SM;
  const clang::LangOptions &LO;
};

/// Finds the first AST node that a block's range cuts in half.
class CutFinder : public clang::RecursiveASTVisitor<CutFinder> {
public:
  CutFinder(const Locator &L, clang::FileID File, unsigned Begin, unsigned End)
      : L(L), File(File), Begin(Begin), End(End) {}

  bool TraverseDecl(clang::Decl *D) {
    if (!D || Found)
      return !Found;
    if (!D->isImplicit() && !isa<clang::TranslationUnitDecl>(D))
      check(D->getSourceRange(), D->getDeclKindName());
    return Found || clang::RecursiveASTVisitor<CutFinder>::TraverseDecl(D);
  }

  bool TraverseStmt(clang::Stmt *S) {
    if (!S || Found)
      return !Found;
    check(S->getSourceRange(), S->getStmtClassName());
    return Found || clang::RecursiveASTVisitor<CutFinder>::TraverseStmt(S);
  }

  bool shouldVisitImplicitCode() const { return false; }
  bool shouldVisitTemplateInstantiations() const { return false; }

  std::optional<std::pair<unsigned, std::string>> Found;

private:
  void check(clang::SourceRange R, StringRef What) {
    FileRange F = L.range(R);
    if (!F.Valid || F.File != File)
      return;
    bool StartsBefore = F.Begin < Begin && F.End > Begin && F.End < End;
    bool EndsAfter = F.Begin >= Begin && F.Begin < End && F.End > End;
    if (StartsBefore || EndsAfter)
      Found = {F.Begin, describe(What)};
  }

  static std::string describe(StringRef Kind) {
    std::string K = Kind.str();
    if (StringRef(K).endswith("Stmt"))
      K = K.substr(0, K.size() - 4) + " statement";
    else if (StringRef(K).endswith("Expr"))
      K = K.substr(0, K.size() - 4) + " expression";
    else
      K += " declaration";
    return K;
  }

  const Locator &L;
  clang::FileID File;
  unsigned Begin, End;
};

/// Collects what a region refers to that is declared outside it.
class ContextCollector : public clang::RecursiveASTVisitor<ContextCollector> {
public:
  ContextCollector(const Locator &L, clang::FileID File, unsigned Begin,
                   unsigned End)
      : L(L), File(File), Begin(Begin), End(End) {}

  bool VisitDeclRefExpr(clang::DeclRefExpr *E) {
    if (inRegion(E->getBeginLoc()))
      consider(E->getDecl());
    return true;
  }

  bool VisitMemberExpr(clang::MemberExpr *E) {
    if (inRegion(E->getBeginLoc()))
      consider(E->getMemberDecl());
    return true;
  }

  bool VisitTypeLoc(clang::TypeLoc TL) {
    if (!inRegion(TL.getBeginLoc()))
      return true;
    const clang::Type *T = TL.getTypePtr();
    if (const auto *TT = T->getAs<clang::TypedefType>())
      consider(TT->getDecl());
    else if (const clang::TagDecl *Tag = T->getAsTagDecl())
      consider(Tag);
    return true;
  }

  bool shouldVisitTemplateInstantiations() const { return false; }

  std::vector<ContextDecl> Result;

private:
  bool inRegion(clang::SourceLocation Loc) const {
    Loc = L.SM.getExpansionLoc(Loc);
    if (Loc.isInvalid() || L.SM.getFileID(Loc) != File)
      return false;
    unsigned Offset = L.SM.getFileOffset(Loc);
    return Offset >= Begin && Offset < End;
  }

  void consider(const clang::Decl *D) {
    if (!D || D->isImplicit())
      return;
    // A member or an enumerator is explained by its enclosing type.
    if (isa<clang::FieldDecl>(D) || isa<clang::EnumConstantDecl>(D) ||
        (isa<clang::CXXMethodDecl>(D) &&
         !cast<clang::CXXMethodDecl>(D)->isStatic()))
      D = cast<clang::Decl>(D->getDeclContext());
    // Each use of a template names one of its specializations; the context
    // wants the template itself, once, however many specializations the
    // region uses (clampTo<int> and clampTo<double> are one entry).
    if (const auto *F = dyn_cast<clang::FunctionDecl>(D))
      if (const clang::FunctionTemplateDecl *T = F->getPrimaryTemplate())
        D = T->getTemplatedDecl();
    if (const auto *Spec = dyn_cast<clang::ClassTemplateSpecializationDecl>(D))
      D = Spec->getSpecializedTemplate()->getTemplatedDecl();
    if (const auto *Tag = dyn_cast<clang::TagDecl>(D))
      if (const clang::TagDecl *Def = Tag->getDefinition())
        D = Def;
    if (!Seen.insert(D->getCanonicalDecl()).second)
      return;
    clang::SourceLocation Loc = L.SM.getExpansionLoc(D->getLocation());
    if (Loc.isInvalid() || L.SM.isInSystemHeader(Loc) || inRegion(Loc))
      return;
    if (isa<clang::ParmVarDecl>(D))
      return; // part of the signature, which the context shows anyway

    ContextDecl C;
    const auto *ND = dyn_cast<clang::NamedDecl>(D);
    if (!ND)
      return;
    C.Name = ND->getQualifiedNameAsString();
    clang::PresumedLoc P = L.SM.getPresumedLoc(Loc);
    if (P.isValid()) {
      C.File = P.getFilename();
      C.Line = P.getLine();
    }
    if (const auto *F = dyn_cast<clang::FunctionDecl>(D)) {
      C.Kind = "function";
      C.Text = signature(F);
    } else if (const auto *V = dyn_cast<clang::VarDecl>(D)) {
      C.Kind = V->isLocalVarDeclOrParm() ? "local" : "variable";
      C.Text = L.text(V->getSourceRange());
    } else if (isa<clang::TagDecl>(D) || isa<clang::TypedefNameDecl>(D)) {
      C.Kind = "type";
      clang::SourceRange R = D->getSourceRange();
      if (const auto *RD = dyn_cast<clang::CXXRecordDecl>(D))
        if (const clang::ClassTemplateDecl *T = RD->getDescribedClassTemplate())
          R = T->getSourceRange(); // from its `template <...>`
      C.Text = L.text(R);
    } else if (isa<clang::UsingShadowDecl>(D) || isa<clang::UsingDecl>(D)) {
      return;
    } else {
      C.Kind = D->getDeclKindName();
      C.Text = L.text(D->getSourceRange());
    }
    if (C.Text.size() > MaxContextText)
      C.Text = C.Text.substr(0, MaxContextText) + "\n/* ... */";
    Result.push_back(std::move(C));
  }

public:
  std::string signature(const clang::FunctionDecl *F) const {
    // A template's signature starts at its `template <...>`.
    clang::SourceLocation Begin = F->getSourceRange().getBegin();
    if (const clang::FunctionTemplateDecl *T =
            F->getDescribedFunctionTemplate())
      Begin = T->getSourceRange().getBegin();
    if (F->hasBody()) {
      clang::SourceRange R(Begin, F->getBody()->getBeginLoc());
      std::string Text = L.text(R);
      // The range ends on the body's '{'; the signature stops before it.
      StringRef T = StringRef(Text).rtrim();
      if (T.endswith("{"))
        T = T.drop_back().rtrim();
      return T.str() + ";";
    }
    return L.text(clang::SourceRange(Begin, F->getSourceRange().getEnd())) +
           ";";
  }

private:
  const Locator &L;
  clang::FileID File;
  unsigned Begin, End;
  std::set<const clang::Decl *> Seen;
};

/// Functions carrying the ADRS_EVOLVE annotation, defined in one file.
class EvolveFunctionFinder
    : public clang::RecursiveASTVisitor<EvolveFunctionFinder> {
public:
  bool VisitFunctionDecl(clang::FunctionDecl *F) {
    if (!F->doesThisDeclarationHaveABody())
      return true;
    for (const auto *A : F->specific_attrs<clang::AnnotateAttr>())
      if (A->getAnnotation() == "adrs_evolve") {
        Found.push_back(F);
        break;
      }
    return true;
  }

  bool shouldVisitTemplateInstantiations() const { return false; }

  std::vector<clang::FunctionDecl *> Found;
};

/// The innermost function whose body contains [Begin, End).
class EnclosingFunctionFinder
    : public clang::RecursiveASTVisitor<EnclosingFunctionFinder> {
public:
  EnclosingFunctionFinder(const Locator &L, clang::FileID File, unsigned Begin,
                          unsigned End)
      : L(L), File(File), Begin(Begin), End(End) {}

  bool VisitFunctionDecl(clang::FunctionDecl *F) {
    if (!F->hasBody() || !F->doesThisDeclarationHaveABody())
      return true;
    FileRange R = L.range(F->getBody()->getSourceRange());
    if (R.Valid && R.File == File && R.Begin <= Begin && R.End >= End)
      if (!Found || R.End - R.Begin < Size) {
        Found = F;
        Size = R.End - R.Begin;
      }
    return true;
  }

  bool shouldVisitTemplateInstantiations() const { return false; }

  clang::FunctionDecl *Found = nullptr;

private:
  const Locator &L;
  clang::FileID File;
  unsigned Begin, End;
  unsigned Size = 0;
};

/// Whether \p F must return a value: control that reaches the end of its
/// body has none to give (main returns 0 there, a coroutine finishes).
bool returnsValue(const clang::FunctionDecl &F) {
  return !F.getReturnType()->isVoidType() && !F.isMain() &&
         !isa_and_nonnull<clang::CoroutineBodyStmt>(F.getBody());
}

/// Whether only comments, white space and closing braces come between
/// \p From and \p To of \p Text: code that runs past \p From ends the
/// function whose body closes at \p To. (A brace that closes a loop's body
/// would send it round again; taking it for the end only makes the
/// generator more careful.)
bool onlyClosingBetween(StringRef Text, size_t From, size_t To) {
  StringRef Rest = Text.slice(From, To);
  while (!Rest.empty()) {
    if (Rest.startswith("//")) {
      Rest = Rest.drop_until([](char C) { return C == '\n'; });
    } else if (Rest.startswith("/*")) {
      size_t Close = Rest.find("*/", 2);
      if (Close == StringRef::npos)
        return false;
      Rest = Rest.drop_front(Close + 2);
    } else if (isSpace(Rest.front()) || Rest.front() == '}') {
      Rest = Rest.drop_front();
    } else {
      return false;
    }
  }
  return true;
}

bool isSourceFile(StringRef Path) {
  StringRef Ext = sys::path::extension(Path);
  return is_contained(
      ArrayRef<StringRef>{".cpp", ".cc", ".cxx", ".c", ".C", ".c++"}, Ext);
}

/// Finds diagnostics locations in the SourceMgr, loading files on demand.
class Reporter {
public:
  explicit Reporter(DiagnosticEngine &Diags) : Diags(Diags) {}

  SMLoc at(StringRef File, size_t Offset) {
    SourceMgr &SM = Diags.getSourceMgr();
    unsigned ID = buffer(File);
    if (!ID)
      return SMLoc();
    const MemoryBuffer *B = SM.getMemoryBuffer(ID);
    return SMLoc::getFromPointer(B->getBufferStart() +
                                 std::min<size_t>(Offset, B->getBufferSize()));
  }

  SMLoc atLine(StringRef File, unsigned Line, unsigned Column) {
    unsigned ID = buffer(File);
    if (!ID || Line == 0)
      return SMLoc();
    return Diags.getSourceMgr().FindLocForLineAndColumn(ID, Line,
                                                        std::max(1u, Column));
  }

  void error(StringRef File, size_t Offset, const Twine &Message) {
    SMLoc Loc = at(File, Offset);
    if (Loc.isValid())
      Diags.error(Loc, Message);
    else
      Diags.fileError(File, Message);
  }

  void note(StringRef File, size_t Offset, const Twine &Message) {
    SMLoc Loc = at(File, Offset);
    if (Loc.isValid())
      Diags.note(Loc, Message);
  }

  void compileDiagnostics(const std::vector<SourceDiagnostic> &List) {
    for (const SourceDiagnostic &D : List) {
      if (D.Severity == SourceDiagnostic::Level::Warning)
        continue;
      SMLoc Loc = atLine(D.File, D.Line, D.Column);
      if (D.Severity == SourceDiagnostic::Level::Note) {
        if (Loc.isValid())
          Diags.note(Loc, D.Message);
        continue;
      }
      if (Loc.isValid())
        Diags.error(Loc, D.Message);
      else
        Diags.fileError(D.File.empty() ? "<command line>" : D.File, D.Message);
    }
  }

  std::optional<StringRef> contents(StringRef File) {
    unsigned ID = buffer(File);
    if (!ID)
      return std::nullopt;
    return Diags.getSourceMgr().getMemoryBuffer(ID)->getBuffer();
  }

private:
  unsigned buffer(StringRef File) {
    SourceMgr &SM = Diags.getSourceMgr();
    for (unsigned ID = 1; ID <= SM.getNumBuffers(); ++ID)
      if (SM.getMemoryBuffer(ID)->getBufferIdentifier() == File)
        return ID;
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(File);
    if (!B)
      return 0;
    return SM.AddNewSourceBuffer(std::move(*B), SMLoc());
  }

  DiagnosticEngine &Diags;
};

struct FileRegions {
  std::string File;
  std::vector<const spec::RegionRef *> Refs;
};

} // namespace

Expected<std::vector<Region>> findRegions(const spec::Spec &S,
                                          DiagnosticEngine &Diags) {
  Reporter Report(Diags);
  unsigned ErrorsBefore = Diags.getNumErrors();
  std::vector<Region> Found(S.Regions.size());
  std::vector<bool> Resolved(S.Regions.size(), false);

  auto SpecError = [&](const spec::RegionRef &Ref, const Twine &Message) {
    SMLoc Loc = Report.atLine(S.SpecFile, Ref.Loc.Line, Ref.Loc.Column);
    if (Loc.isValid())
      Diags.error(Loc, Message);
    else
      Diags.fileError(S.SpecFile, Message);
  };

  // One parse per file that holds regions.
  std::map<std::string, std::vector<size_t>> ByFile;
  for (size_t I = 0; I < S.Regions.size(); ++I)
    ByFile[S.Regions[I].File].push_back(I);

  // Named references, not structured bindings: the lambdas below capture
  // File, which C++17 does not allow for a binding.
  for (auto &Entry : ByFile) {
    const std::string &File = Entry.first;
    std::vector<size_t> &Indices = Entry.second;
    std::optional<StringRef> Text = Report.contents(File);
    if (!Text) {
      for (size_t I : Indices)
        SpecError(S.Regions[I], "cannot read '" + File + "'");
      continue;
    }
    MarkerScan Markers = scanMarkers(*Text);
    for (const MarkerError &E : Markers.Errors) {
      Report.error(File, E.Offset, E.Message);
      if (E.NoteOffset)
        Report.note(File, *E.NoteOffset, E.Note);
    }
    if (!Markers.Errors.empty())
      continue;

    // The translation unit to parse: the file itself, or for a header the
    // first source that includes it. A header's region is compiled in
    // every unit that includes it (the engine recompiles them all when a
    // candidate changes it); it is found and checked in the first.
    std::string Unit = File;
    std::vector<std::string> Includers;
    if (!isSourceFile(File)) {
      for (const std::string &Source : S.Build.Sources) {
        Expected<std::unique_ptr<SourceParser>> P =
            SourceParser::create(S.Build, Source);
        if (!P) {
          consumeError(P.takeError());
          continue;
        }
        clang::SourceManager &SM = (*P)->ast().getSourceManager();
        if (auto Ref = SM.getFileManager().getOptionalFileRef(File))
          if (SM.translateFile(*Ref).isValid())
            Includers.push_back(Source);
      }
      if (Includers.empty()) {
        for (size_t I : Indices)
          SpecError(S.Regions[I], "'" + File +
                                      "' is a header that no file "
                                      "in 'sources' includes; regions must be "
                                      "compiled");
        continue;
      }
      Unit = Includers.front();
    }

    Expected<std::unique_ptr<SourceParser>> Parser =
        SourceParser::create(S.Build, Unit);
    if (!Parser) {
      Report.error(File, 0, toString(Parser.takeError()));
      continue;
    }
    if ((*Parser)->hasErrors()) {
      Report.compileDiagnostics((*Parser)->diagnostics());
      Diags.fileError(Unit, "does not compile as it is; regions are found in "
                            "code that compiles");
      continue;
    }

    clang::ASTUnit &AST = (*Parser)->ast();
    clang::SourceManager &SM = AST.getSourceManager();
    Locator L(SM, AST.getLangOpts());
    clang::FileID FID;
    if (auto Ref = SM.getFileManager().getOptionalFileRef(File))
      FID = SM.translateFile(*Ref);
    if (FID.isInvalid()) {
      Report.error(File, 0,
                   "internal error: the parse does not contain this "
                   "file");
      continue;
    }
    clang::TranslationUnitDecl *TU =
        AST.getASTContext().getTranslationUnitDecl();

    auto Finish = [&](Region &R, clang::FunctionDecl *Enclosing) {
      R.File = File;
      R.Unit = Unit;
      R.Units = Includers.empty() ? std::vector<std::string>{Unit} : Includers;
      R.FirstLine = lineOf(*Text, R.Begin);
      R.LastLine = lineOf(*Text, R.End > R.Begin ? R.End - 1 : R.Begin);
      R.Text = Text->slice(R.Begin, R.End).str();
      ContextCollector Context(L, FID, R.Begin, R.End);
      Context.TraverseDecl(TU);
      if (Enclosing) {
        R.Function = Context.signature(Enclosing);
        R.Boundary = whyNotCallableAcross(*Enclosing).value_or("");
        if (returnsValue(*Enclosing)) {
          FileRange Body = L.range(Enclosing->getBody()->getSourceRange());
          R.MustReturn = R.Kind == spec::RegionKind::Function ||
                         (Body.Valid && Body.File == FID && Body.End > R.End &&
                          onlyClosingBetween(*Text, R.End, Body.End));
        }
      }
      R.Context = std::move(Context.Result);
    };

    // Regions already reported at the source, which the spec's line need
    // not report again as missing.
    std::vector<bool> Failed(S.Regions.size(), false);

    // Blocks.
    for (const MarkedBlock &B : Markers.Blocks) {
      CutFinder Cut(L, FID, B.Begin, B.End);
      Cut.TraverseDecl(TU);
      if (Cut.Found) {
        for (size_t I : Indices) {
          const spec::RegionRef &Ref = S.Regions[I];
          if (Ref.Kind == spec::RegionKind::Block &&
              (Ref.Name.empty() ? Markers.Blocks.size() == 1
                                : Ref.Name == B.Name))
            Failed[I] = true;
        }
        Report.error(File, Cut.Found->first,
                     "block '" +
                         (B.Name.empty() ? std::string("(unnamed)") : B.Name) +
                         "' cuts this " + Cut.Found->second +
                         " in half; a block holds whole statements or "
                         "declarations");
        Report.note(File, B.StartMarker, "the block starts here");
        Report.note(File, B.EndMarker, "and ends here");
        continue;
      }
      for (size_t I : Indices) {
        const spec::RegionRef &Ref = S.Regions[I];
        if (Ref.Kind != spec::RegionKind::Block)
          continue;
        bool Matches =
            Ref.Name.empty() ? Markers.Blocks.size() == 1 : Ref.Name == B.Name;
        if (!Matches)
          continue;
        Region R;
        R.Kind = spec::RegionKind::Block;
        R.Name = Ref.Name.empty() ? B.Name : Ref.Name;
        if (R.Name.empty())
          R.Name = sys::path::stem(File).str();
        R.Begin = B.Begin;
        R.End = B.End;
        EnclosingFunctionFinder Enclosing(L, FID, B.Begin, B.End);
        Enclosing.TraverseDecl(TU);
        Finish(R, Enclosing.Found);
        Found[I] = std::move(R);
        Resolved[I] = true;
      }
    }

    // Functions.
    EvolveFunctionFinder Functions;
    Functions.TraverseDecl(TU);
    std::vector<std::string> FunctionNames;
    for (clang::FunctionDecl *F : Functions.Found) {
      clang::SourceLocation Loc = F->getLocation();
      if (Loc.isMacroID()) {
        clang::SourceLocation Exp = SM.getExpansionLoc(Loc);
        if (SM.getFileID(Exp) == FID) {
          Report.error(File, SM.getFileOffset(Exp),
                       "function '" + F->getNameAsString() +
                           "' marked ADRS_EVOLVE comes from a macro "
                           "expansion; a region must be written out in the "
                           "file");
          for (size_t I : Indices)
            if (S.Regions[I].Kind == spec::RegionKind::Function &&
                S.Regions[I].Name == F->getNameAsString())
              Failed[I] = true;
        }
        continue;
      }
      FileRange Range = L.range(F->getSourceRange());
      if (!Range.Valid || Range.File != FID)
        continue;
      FunctionNames.push_back(F->getNameAsString());
      for (size_t I : Indices) {
        const spec::RegionRef &Ref = S.Regions[I];
        if (Ref.Kind != spec::RegionKind::Function)
          continue;
        if (Ref.Name != F->getNameAsString() &&
            Ref.Name != F->getQualifiedNameAsString())
          continue;
        if (Resolved[I]) {
          Report.error(File, Range.Begin,
                       "'" + Ref.Name +
                           "' names more than one ADRS_EVOLVE "
                           "function in this file; qualify the name or rename "
                           "one");
          continue;
        }
        Region R;
        R.Kind = spec::RegionKind::Function;
        R.Name = Ref.Name;
        R.Begin = Range.Begin;
        R.End = Range.End;
        Finish(R, F);
        Found[I] = std::move(R);
        Resolved[I] = true;
      }
    }

    // What the spec names but the file does not have.
    for (size_t I : Indices) {
      if (Resolved[I] || Failed[I])
        continue;
      const spec::RegionRef &Ref = S.Regions[I];
      std::vector<std::string> Candidates;
      if (Ref.Kind == spec::RegionKind::Block) {
        for (const MarkedBlock &B : Markers.Blocks)
          Candidates.push_back(B.Name);
        if (Markers.Blocks.empty())
          SpecError(Ref, "'" + File +
                             "' has no EVOLVE-BLOCK; mark the code "
                             "with // EVOLVE-BLOCK-START " +
                             (Ref.Name.empty() ? "name" : Ref.Name) +
                             " ... // EVOLVE-BLOCK-END");
        else if (Ref.Name.empty())
          SpecError(Ref, "'" + File + "' has " + Twine(Markers.Blocks.size()) +
                             " blocks; name the one to evolve");
        else
          SpecError(Ref, "no block '" + Ref.Name + "' in '" + File + "'" +
                             didYouMean(Ref.Name, Candidates));
      } else {
        SpecError(Ref, "no function '" + Ref.Name +
                           "' marked ADRS_EVOLVE in '" + File + "'" +
                           didYouMean(Ref.Name, FunctionNames));
        if (FunctionNames.empty())
          Diags.note(Report.atLine(S.SpecFile, Ref.Loc.Line, Ref.Loc.Column),
                     "include \"adrs/Evolve.h\" and write ADRS_EVOLVE before "
                     "the function's definition");
      }
    }
  }

  if (Diags.getNumErrors() != ErrorsBefore)
    return createStringError(inconvertibleErrorCode(),
                             "the regions of '%s' have errors", S.Name.c_str());
  return Found;
}

namespace {

/// Whether the problem says how to copy \p T with a specialization of
/// adrs::Crossing that has `write` and `read` (adrs/Crossing.h).
bool hasCrossing(clang::QualType T, const clang::ASTContext &Ctx) {
  const auto *Record = T->getAsCXXRecordDecl();
  if (!Record)
    return false;
  auto &Idents = const_cast<clang::ASTContext &>(Ctx).Idents;
  for (clang::NamedDecl *NS :
       Ctx.getTranslationUnitDecl()->lookup(&Idents.get("adrs"))) {
    const auto *Adrs = dyn_cast<clang::NamespaceDecl>(NS);
    if (!Adrs)
      continue;
    for (clang::NamedDecl *D : Adrs->lookup(&Idents.get("Crossing"))) {
      const auto *Template = dyn_cast<clang::ClassTemplateDecl>(D);
      if (!Template)
        continue;
      for (const clang::ClassTemplateSpecializationDecl *Spec :
           Template->specializations()) {
        const clang::TemplateArgumentList &Args = Spec->getTemplateArgs();
        if (Args.size() != 1 ||
            Args[0].getKind() != clang::TemplateArgument::Type ||
            !Ctx.hasSameType(Args[0].getAsType(), T) ||
            !Spec->isThisDeclarationADefinition())
          continue;
        bool Write = false, Read = false;
        for (const clang::CXXMethodDecl *M : Spec->methods()) {
          Write |= M->isStatic() && M->getName() == "write";
          Read |= M->isStatic() && M->getName() == "read";
        }
        if (Write && Read)
          return true;
      }
    }
  }
  return false;
}

/// Why a value of type \p T cannot be copied to another process byte for
/// byte and mean the same there; none when it can.
std::optional<std::string> whyNotPlainData(clang::QualType T,
                                           const clang::ASTContext &Ctx,
                                           unsigned Depth = 0) {
  T = T.getCanonicalType();
  std::string Name = T.getAsString(Ctx.getPrintingPolicy());
  if (Depth > 16)
    return "'" + Name + "' nests too deeply";
  if (T->isIncompleteType())
    return "'" + Name + "' is incomplete";
  if (T->isArithmeticType() || T->isEnumeralType())
    return std::nullopt;
  if (T->isAnyPointerType() || T->isReferenceType() ||
      T->isMemberPointerType() || T->isBlockPointerType())
    return "'" + Name + "' is a pointer or reference, which another process " +
           "could not follow";
  if (const clang::ArrayType *A = Ctx.getAsArrayType(T)) {
    if (!isa<clang::ConstantArrayType>(A))
      return "'" + Name + "' is an array of unknown size";
    return whyNotPlainData(A->getElementType(), Ctx, Depth + 1);
  }
  const clang::RecordDecl *RD = T->getAsRecordDecl();
  if (!RD)
    return "'" + Name + "' is not plain data";
  if (!T.isTriviallyCopyableType(Ctx))
    return "'" + Name + "' is not trivially copyable";
  if (const auto *CXX = dyn_cast<clang::CXXRecordDecl>(RD))
    for (const clang::CXXBaseSpecifier &B : CXX->bases())
      if (std::optional<std::string> Why =
              whyNotPlainData(B.getType(), Ctx, Depth + 1))
        return "'" + Name +
               "' derives from a type that is not plain data: " + *Why;
  for (const clang::FieldDecl *F : RD->fields())
    if (std::optional<std::string> Why =
            whyNotPlainData(F->getType(), Ctx, Depth + 1))
      return "'" + Name + "' has a field '" + F->getNameAsString() +
             "' that is not plain data: " + *Why;
  return std::nullopt;
}

clang::PrintingPolicy qualifiedPolicy(const clang::ASTContext &Ctx) {
  clang::PrintingPolicy P(Ctx.getLangOpts());
  P.FullyQualifiedName = true;
  P.SuppressScope = false;
  P.SuppressUnwrittenScope = true;
  P.PrintCanonicalTypes = true;
  return P;
}

} // namespace

std::optional<std::string> whyNotCallableAcross(const clang::FunctionDecl &F) {
  const clang::ASTContext &Ctx = F.getASTContext();
  std::string Name = F.getQualifiedNameAsString();
  if (const auto *M = dyn_cast<clang::CXXMethodDecl>(&F); M && !M->isStatic())
    return "'" + Name + "' is a member function: its object lives in the " +
           "simulator's memory";
  if (F.isVariadic())
    return "'" + Name + "' takes a variable number of arguments";
  if (F.getTemplatedKind() != clang::FunctionDecl::TK_NonTemplate)
    return "'" + Name + "' is a template or a template's instance";
  clang::QualType R = F.getReturnType();
  if (!R->isVoidType())
    if (std::optional<std::string> Why = whyNotPlainData(R, Ctx))
      return "'" + Name + "' returns " + *Why;
  for (const clang::ParmVarDecl *P : F.parameters()) {
    clang::QualType T = P->getType();
    std::string Param =
        P->getName().empty()
            ? "a parameter of '" + Name + "'"
            : "parameter '" + P->getNameAsString() + "' of '" + Name + "'";
    bool Writable = false;
    if (T->isReferenceType()) {
      Writable =
          T->isLValueReferenceType() && !T->getPointeeType().isConstQualified();
      T = T->getPointeeType();
    } else if (T->isPointerType()) {
      return Param + " is a pointer: what it points to cannot be copied " +
             "(pass a reference or a value)";
    }
    if (hasCrossing(T.getUnqualifiedType().getCanonicalType(), Ctx)) {
      if (Writable)
        return Param + " is a non-const reference to a type copied with " +
               "adrs::Crossing, which is copied one way only";
      continue;
    }
    if (std::optional<std::string> Why = whyNotPlainData(T, Ctx))
      return Param + ": " + *Why +
             " (specialize adrs::Crossing for it, see adrs/Crossing.h)";
  }
  return std::nullopt;
}

std::string qualifiedFunctionType(const clang::FunctionDecl &F) {
  return F.getType().getAsString(qualifiedPolicy(F.getASTContext()));
}

/// Whether \p F is the evaluator's signature: one parameter, a reference to
/// adrs::EvalContext.
static bool takesEvalContext(const clang::FunctionDecl &F) {
  if (F.getNumParams() != 1)
    return false;
  clang::QualType T = F.getParamDecl(0)->getType();
  if (!T->isLValueReferenceType())
    return false;
  const clang::CXXRecordDecl *R = T->getPointeeType()->getAsCXXRecordDecl();
  return R && R->getQualifiedNameAsString() == "adrs::EvalContext";
}

Expected<EvaluatorCheck> checkEvaluator(const spec::Spec &S,
                                        DiagnosticEngine &Diags) {
  if (S.Evaluator.Kind != spec::EvaluatorKind::Function)
    return EvaluatorCheck::NotApplicable;
  Reporter Report(Diags);
  SMLoc At =
      Report.atLine(S.SpecFile, S.Evaluator.Loc.Line, S.Evaluator.Loc.Column);
  auto Error = [&](const Twine &Message) {
    if (At.isValid())
      Diags.error(At, Message);
    else
      Diags.fileError(S.SpecFile, Message);
  };
  const std::string &Name = S.Evaluator.Function;
  std::string Wanted = "void " + Name + "(adrs::EvalContext &)";
  // Near misses, to name in the message: evaluator-shaped functions, and
  // functions of the name in the wrong shape or place.
  std::vector<std::string> Shaped, Misplaced;
  bool Parsed = false;
  for (const std::string &File : S.Evaluator.Files) {
    Expected<std::unique_ptr<SourceParser>> P =
        SourceParser::create(S.Build, File);
    if (!P)
      return P.takeError();
    if ((*P)->hasErrors())
      continue; // the commands that compile it say why
    Parsed = true;
    clang::ASTContext &Ctx = (*P)->ast().getASTContext();
    clang::SourceManager &SM = Ctx.getSourceManager();
    std::vector<const clang::DeclContext *> Work = {
        Ctx.getTranslationUnitDecl()};
    while (!Work.empty()) {
      const clang::DeclContext *DC = Work.back();
      Work.pop_back();
      for (const clang::Decl *D : DC->decls()) {
        if (const auto *NS = dyn_cast<clang::NamespaceDecl>(D)) {
          Work.push_back(NS);
          continue;
        }
        if (const auto *LS = dyn_cast<clang::LinkageSpecDecl>(D)) {
          Work.push_back(LS);
          continue;
        }
        const auto *F = dyn_cast<clang::FunctionDecl>(D);
        if (!F || !F->doesThisDeclarationHaveABody() ||
            !SM.isWrittenInMainFile(SM.getExpansionLoc(F->getLocation())))
          continue;
        bool AtTop = F->getDeclContext()->getRedeclContext()->isFileContext() &&
                     !F->isInAnonymousNamespace() &&
                     F->getEnclosingNamespaceContext()->isTranslationUnit();
        std::string Where =
            "'" + F->getQualifiedNameAsString() + "' (" +
            sys::path::filename(File).str() + ":" +
            std::to_string(SM.getExpansionLineNumber(F->getLocation())) + ")";
        if (F->getNameAsString() == Name) {
          if (!AtTop)
            Misplaced.push_back(Where + " is not at namespace scope");
          else if (!takesEvalContext(*F))
            Misplaced.push_back(Where + " has the type '" +
                                qualifiedFunctionType(*F) + "'");
          else if (F->getStorageClass() == clang::SC_Static)
            Misplaced.push_back(Where + " is static");
          else if (F->isExternC())
            Misplaced.push_back(Where + " is extern \"C\"");
          else
            return EvaluatorCheck::Found;
        } else if (takesEvalContext(*F) && AtTop) {
          Shaped.push_back(F->getNameAsString());
        }
      }
    }
  }
  if (!Parsed)
    return EvaluatorCheck::NotChecked;
  std::string Files;
  for (const std::string &File : S.Evaluator.Files)
    Files +=
        (Files.empty() ? "'" : ", '") + sys::path::filename(File).str() + "'";
  std::string Message = "no function '" + Wanted + "' is defined in " + Files;
  if (!Misplaced.empty())
    Message += ": " + join(Misplaced, "; ") +
               " (the evaluator is a function at namespace scope, outside "
               "any namespace, taking adrs::EvalContext &)";
  else if (!Shaped.empty())
    Message += "; did you mean '" + Shaped.front() + "'?";
  Error(Message);
  return EvaluatorCheck::Missing;
}

bool checkCompilationDatabase(const spec::Spec &S, DiagnosticEngine &Diags) {
  if (S.Build.CompilationDatabase.empty())
    return true;
  Expected<size_t> Entries =
      loadCompilationDatabase(S.Build.CompilationDatabase);
  if (Entries)
    return true;
  std::string Why = toString(Entries.takeError());
  const spec::SpecLoc &At = S.Build.CompilationDatabaseLoc;
  Reporter Report(Diags);
  SMLoc Loc = Report.atLine(S.SpecFile, At.Line, At.Column);
  if (Loc.isValid())
    Diags.error(Loc, Why);
  else
    Diags.fileError("-p", Why);
  return false;
}

Expected<std::optional<DatabaseUse>>
compilationDatabaseUse(const spec::Spec &S) {
  if (S.Build.CompilationDatabase.empty())
    return std::nullopt;
  Expected<size_t> Entries =
      loadCompilationDatabase(S.Build.CompilationDatabase);
  if (!Entries)
    return Entries.takeError();
  DatabaseUse Use;
  Use.Entries = *Entries;
  std::vector<std::string> Units = S.Build.Sources;
  for (const std::string &F : S.Evaluator.Files)
    if (!is_contained(Units, F))
      Units.push_back(F);
  // A region's file is a unit of its own when it is a source; a header's
  // region is compiled with the source that includes it.
  for (const spec::RegionRef &R : S.Regions)
    if (isSourceFile(R.File) && !is_contained(Units, R.File))
      Units.push_back(R.File);
  for (const std::string &Unit : Units) {
    Expected<DatabaseFlags> Flags =
        databaseFlags(S.Build.CompilationDatabase, Unit);
    if (!Flags)
      return Flags.takeError();
    if (Flags->Inferred.empty())
      Use.Own.push_back(Unit);
    else
      Use.Inferred.push_back({Unit, Flags->Inferred});
  }
  return std::optional<DatabaseUse>(std::move(Use));
}

} // namespace regions
} // namespace adrs
