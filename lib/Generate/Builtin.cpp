//===- Builtin.cpp - Edits without a model --------------------------------===//
//
// The built-in generator reads a region the way a careful editor would:
// Clang's raw lexer gives the tokens, bracket matching and a handful of
// keywords give the statements, and every edit is made on whole tokens or
// whole lines. There is no Sema here on purpose: a region is a fragment of a
// translation unit, and each proposal is parsed by Clang anyway when it is
// patched and compiled, so an edit that does not compile costs one
// evaluation. What must hold is that every proposal is an edit the patcher
// accepts and that it changes exactly what its description says.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/Builtin.h"
#include "adrs/Core/Bandit.h"
#include "adrs/Generate/Generator.h"

#include "adrs/Patch/Edit.h"
#include "adrs/Patch/Match.h"
#include "adrs/Support/EnumNames.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/TokenKinds.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

using namespace llvm;
namespace tok = clang::tok;

namespace adrs {
namespace generate {

namespace {
constexpr EnumName<Operator> OperatorNames[] = {
    {Operator::Constant, "constant"},   {Operator::BinaryOperator, "operator"},
    {Operator::Negate, "negate"},       {Operator::Delete, "delete"},
    {Operator::Duplicate, "duplicate"}, {Operator::Swap, "swap"},
    {Operator::Move, "move"},           {Operator::Crossover, "crossover"},
};
} // namespace

StringRef toString(Operator Op) { return nameOf(OperatorNames, Op); }

std::vector<Operator> allOperators() {
  std::vector<Operator> All;
  for (const EnumName<Operator> &E : OperatorNames)
    All.push_back(E.Value);
  return All;
}

std::optional<Operator> operatorNamed(StringRef Name) {
  return valueNamed(OperatorNames, Name);
}

namespace {

using Rng = std::mt19937_64;

size_t pick(Rng &R, size_t N) {
  return std::uniform_int_distribution<size_t>(0, N - 1)(R);
}

// Regions are a screenful of code; a text this large is not one, and the
// quadratic corners below (uniqueness of a SEARCH) should not meet it.
constexpr size_t MaxRegionSize = 1 << 20;
// Statement nesting followed by recursion; deeper text is kept opaque.
constexpr unsigned MaxDepth = 64;
// Sites tried per operator and region before giving up on the pair.
constexpr size_t MaxAttempts = 256;

//===----------------------------------------------------------------------===//
// Tokens
//===----------------------------------------------------------------------===//

clang::LangOptions cxx17() {
  clang::LangOptions LO;
  LO.CPlusPlus = LO.CPlusPlus11 = LO.CPlusPlus14 = LO.CPlusPlus17 = true;
  // Without it the raw lexer reads `//*` as a division and a comment.
  LO.LineComment = true;
  LO.Digraphs = true;
  return LO;
}

struct RawToken {
  tok::TokenKind Kind;
  unsigned Begin, End;
};

/// Every token of \p Text, comments dropped. A std::string, because the raw
/// lexer wants a NUL after the last byte.
std::vector<RawToken> lexRaw(const std::string &Text) {
  clang::LangOptions LO = cxx17();
  const char *B = Text.data();
  clang::Lexer L(clang::SourceLocation(), LO, B, B, B + Text.size());
  std::vector<RawToken> Out;
  clang::Token Tok;
  for (;;) {
    L.LexFromRawLexer(Tok);
    if (Tok.is(tok::eof))
      break;
    unsigned End = unsigned(L.getBufferLocation() - B);
    Out.push_back({Tok.getKind(), End - Tok.getLength(), End});
  }
  return Out;
}

/// Whether \p Text has a ';' outside all brackets: the patcher refuses an
/// edit that adds one to a function region, where it would declare
/// something after the function.
bool topLevelSemicolon(const std::string &Text) {
  int Depth = 0;
  for (const RawToken &T : lexRaw(Text)) {
    if (T.Kind == tok::l_paren || T.Kind == tok::l_square ||
        T.Kind == tok::l_brace)
      ++Depth;
    else if (T.Kind == tok::r_paren || T.Kind == tok::r_square ||
             T.Kind == tok::r_brace)
      --Depth;
    else if (T.Kind == tok::semi && Depth == 0)
      return true;
  }
  return false;
}

struct Token {
  tok::TokenKind Kind;
  unsigned Begin, End;
  unsigned Line, EndLine; ///< 0-based lines of the first and the last byte.
  bool InSquare = false;  ///< The innermost bracket around it is a '['.
  bool InCase = false;    ///< Between `case` and its ':'.
  bool InTemplate = false;
  bool TemplateBracket = false;
  int TemplateClose = -1; ///< For a template '<', its '>'.

  bool is(tok::TokenKind K) const { return Kind == K; }
};

enum class StmtKind {
  Simple,
  Decl,
  Compound,
  If,
  While,
  For,
  Switch,
  Do,
  Try,
  Label,
  Definition, ///< Something with a body that is not a statement: a function.
};

struct Stmt {
  StmtKind Kind = StmtKind::Simple;
  unsigned First = 0, Last = 0;      ///< Token indices, inclusive.
  int CondOpen = -1, CondClose = -1; ///< An if/while/do condition's parens.
  int Declares = -1; ///< The token naming what a declaration declares.
  int List = -1;     ///< The statement list it is an item of, if any.
};

/// The statements of a `{}` block, or of the region itself.
struct StmtList {
  int Open = -1, Close = -1; ///< The braces; -1 for the region.
  int Owner = -1;            ///< The statement whose block it is.
  std::vector<unsigned> Items;
};

/// A place between sibling statements where whole lines may go.
struct Boundary {
  unsigned Line; ///< Lines go before this one.
  std::string Indent;
};

bool oneOf(StringRef W, std::initializer_list<StringRef> Words) {
  return is_contained(Words, W);
}

/// Words that begin a declaration.
bool isDeclKeyword(StringRef W) {
  return oneOf(W,
               {"const",    "constexpr", "static",   "thread_local", "auto",
                "register", "volatile",  "unsigned", "signed",       "int",
                "long",     "short",     "char",     "bool",         "float",
                "double",   "void",      "wchar_t",  "char8_t",      "char16_t",
                "char32_t", "using",     "typedef",  "struct",       "class",
                "enum",     "union",     "extern",   "inline",       "mutable",
                "typename", "decltype"});
}

/// Words after which an operator has no left operand (or is not an
/// operator at all), and that cannot name a variable.
bool isNonOperandWord(StringRef W) {
  return isDeclKeyword(W) ||
         oneOf(W,
               {"return",      "throw",        "co_return",  "co_yield",
                "co_await",    "case",         "default",    "else",
                "do",          "new",          "delete",     "sizeof",
                "alignof",     "typeid",       "and",        "or",
                "not",         "xor",          "bitand",     "bitor",
                "compl",       "not_eq",       "and_eq",     "or_eq",
                "xor_eq",      "operator",     "template",   "goto",
                "break",       "continue",     "if",         "while",
                "for",         "switch",       "try",        "catch",
                "static_cast", "dynamic_cast", "const_cast", "reinterpret_cast",
                "noexcept",    "static_assert"});
}

class Analysis;
void parseStatements(Analysis &A);

class Analysis {
public:
  explicit Analysis(StringRef Original);
  Analysis(const Analysis &) = delete;
  Analysis &operator=(const Analysis &) = delete;

  /// False for text this generator does not edit (a lone CR, which the
  /// patcher and the reply reader would split into lines differently).
  bool Usable = false;
  /// The region with LF line ends and always a final newline.
  std::string Text;
  bool AddedNewline = false;
  std::vector<unsigned> LineStart;
  std::vector<bool> DirectiveLine;
  std::vector<unsigned> DirectivesBefore; ///< Directive lines before a line.
  std::vector<Token> Toks;                ///< Without preprocessor lines.
  std::vector<int> Match; ///< The other bracket of a bracket, or -1.
  bool Balanced = false;
  std::vector<Stmt> Stmts;
  std::vector<StmtList> Lists;
  std::set<std::string> Locals; ///< Names the region's declarations declare.
  /// The text may be a function region (the generator is not told): it has
  /// no top-level ';' and is not a list of well-formed statements.
  bool MaybeFunction = false;

  unsigned numLines() const { return LineStart.size(); }
  StringRef spell(unsigned I) const {
    return StringRef(Text).slice(Toks[I].Begin, Toks[I].End);
  }
  bool word(unsigned I, StringRef W) const {
    return I < Toks.size() && Toks[I].is(tok::raw_identifier) && spell(I) == W;
  }
  /// An identifier that can name something (not a keyword).
  bool name(unsigned I) const {
    return I < Toks.size() && Toks[I].is(tok::raw_identifier) &&
           !isNonOperandWord(spell(I)) &&
           !oneOf(spell(I), {"this", "true", "false", "nullptr"});
  }
  unsigned lineOf(unsigned Offset) const {
    return unsigned(
               std::upper_bound(LineStart.begin(), LineStart.end(), Offset) -
               LineStart.begin()) -
           1;
  }
  StringRef lineText(unsigned L) const { return lines(L, L + 1).drop_back(); }
  /// Lines [From, To), with their newlines.
  StringRef lines(unsigned From, unsigned To) const {
    size_t B = From < numLines() ? LineStart[From] : Text.size();
    size_t E = To < numLines() ? LineStart[To] : Text.size();
    return StringRef(Text).slice(B, E);
  }
  StringRef indentOf(unsigned L) const {
    if (L >= numLines())
      return "";
    StringRef T = lineText(L);
    return T.take_front(T.find_first_not_of(" \t"));
  }
  bool continues(unsigned L) const {
    return L < numLines() && lineText(L).rtrim(" \t").endswith("\\");
  }
  bool firstOnLine(unsigned I) const;
  bool lastOnLine(unsigned I) const;

  unsigned firstLine(const Stmt &S) const { return Toks[S.First].Line; }
  /// One past the statement's last line.
  unsigned endLine(const Stmt &S) const { return Toks[S.Last].EndLine + 1; }
  bool anyDirective(unsigned From, unsigned To) const {
    From = std::min(From, numLines());
    To = std::min(std::max(To, From), numLines());
    return DirectivesBefore[To] != DirectivesBefore[From];
  }
  /// The statement alone on its lines, so that line edits move exactly it.
  bool wholeLines(const Stmt &S) const {
    return firstOnLine(S.First) && lastOnLine(S.Last) &&
           !anyDirective(firstLine(S), endLine(S)) &&
           !(firstLine(S) > 0 && continues(firstLine(S) - 1));
  }
  /// May be deleted, duplicated, swapped or moved as lines.
  bool movable(const Stmt &S) const {
    return S.List >= 0 && S.Kind != StmtKind::Label &&
           S.Kind != StmtKind::Definition && wholeLines(S);
  }
  bool uses(unsigned First, unsigned Last, StringRef Name) const {
    for (unsigned I = First; I <= Last && I < Toks.size(); ++I)
      if (Toks[I].is(tok::raw_identifier) && spell(I) == Name)
        return true;
    return false;
  }
  StringRef declared(const Stmt &S) const {
    return S.Declares < 0 ? StringRef() : spell(unsigned(S.Declares));
  }
  /// The statement's tokens, spaced: equal for the same code however laid
  /// out.
  std::string key(const Stmt &S) const {
    std::string K;
    for (unsigned I = S.First; I <= S.Last; ++I) {
      if (I != S.First)
        K += ' ';
      K += spell(I).str();
    }
    return K;
  }
  /// Whether some token of the statement spans lines (a raw string), so
  /// that its lines cannot be re-indented.
  bool spansLines(const Stmt &S) const {
    for (unsigned I = S.First; I <= S.Last; ++I)
      if (Toks[I].Line != Toks[I].EndLine)
        return true;
    return false;
  }
  std::vector<Boundary> boundaries(unsigned List) const;
  bool insertable(unsigned List) const;
  std::set<std::string> namesUsed(const Stmt &S) const;
  bool visibleAt(StringRef Name, unsigned Line) const;
  bool isDeclaration(unsigned First, unsigned Last) const;
  int declaredName(unsigned First, unsigned Last) const;

private:
  void markDirectives(const std::vector<RawToken> &Raw);
  void matchBrackets();
  void markCaseLabels();
  void markTemplates();
};

bool Analysis::firstOnLine(unsigned I) const {
  const Token &T = Toks[I];
  StringRef Before = StringRef(Text).slice(LineStart[T.Line], T.Begin);
  return Before.find_first_not_of(" \t\f\v") == StringRef::npos;
}

bool Analysis::lastOnLine(unsigned I) const {
  size_t P = Toks[I].End;
  StringRef T(Text);
  for (;;) {
    while (P < T.size() && StringRef(" \t\f\v").contains(T[P]))
      ++P;
    if (P >= T.size() || T[P] == '\n')
      return true;
    if (T.substr(P).startswith("//")) {
      // A line comment ending in a backslash swallows the next line too.
      return !continues(lineOf(unsigned(P)));
    }
    if (T.substr(P).startswith("/*")) {
      size_t Close = T.find("*/", P + 2);
      size_t NL = T.find('\n', P);
      if (Close == StringRef::npos || (NL != StringRef::npos && NL < Close))
        return false;
      P = Close + 2;
      continue;
    }
    return false;
  }
}

Analysis::Analysis(StringRef Original) {
  if (Original.size() > MaxRegionSize)
    return;
  for (size_t I = 0; I < Original.size(); ++I)
    if (Original[I] == '\r' &&
        (I + 1 == Original.size() || Original[I + 1] != '\n'))
      return;
  Usable = true;
  Text = patch::normalizeNewlines(Original);
  if (!Text.empty() && Text.back() != '\n') {
    Text += '\n';
    AddedNewline = true;
  }
  for (size_t I = 0; I < Text.size(); ++I)
    if (I == 0 || Text[I - 1] == '\n')
      LineStart.push_back(unsigned(I));
  DirectiveLine.assign(numLines(), false);

  std::vector<RawToken> Raw = lexRaw(Text);
  markDirectives(Raw);
  DirectivesBefore.assign(numLines() + 1, 0);
  for (unsigned L = 0; L < numLines(); ++L)
    DirectivesBefore[L + 1] = DirectivesBefore[L] + DirectiveLine[L];
  for (const RawToken &R : Raw) {
    Token T;
    T.Kind = R.Kind;
    T.Begin = R.Begin;
    T.End = R.End;
    T.Line = lineOf(R.Begin);
    T.EndLine = lineOf(R.End > R.Begin ? R.End - 1 : R.Begin);
    if (!DirectiveLine[T.Line])
      Toks.push_back(T);
  }
  matchBrackets();
  markCaseLabels();
  markTemplates();
  if (Balanced)
    parseStatements(*this);
  for (const Stmt &S : Stmts)
    if (!declared(S).empty())
      Locals.insert(declared(S).str());
  if (Balanced && !topLevelSemicolon(Text))
    for (unsigned I : Lists[0].Items) {
      const Stmt &S = Stmts[I];
      bool Statement = S.Kind == StmtKind::Compound || S.Kind == StmtKind::If ||
                       S.Kind == StmtKind::While || S.Kind == StmtKind::For ||
                       S.Kind == StmtKind::Switch || S.Kind == StmtKind::Try ||
                       (S.Kind == StmtKind::Do && S.CondOpen >= 0);
      MaybeFunction |= !Statement;
    }
}

/// The names \p S uses, except those it declares itself: what it needs in
/// scope wherever it goes.
std::set<std::string> Analysis::namesUsed(const Stmt &S) const {
  std::set<std::string> Own;
  for (const Stmt &X : Stmts)
    if (X.First >= S.First && X.Last <= S.Last && !declared(X).empty())
      Own.insert(declared(X).str());
  std::set<std::string> Out;
  for (unsigned I = S.First; I <= S.Last; ++I)
    if (name(I) && !Own.count(spell(I).str()))
      Out.insert(spell(I).str());
  return Out;
}

/// Whether a declaration of \p Name is in scope at the start of \p Line:
/// after it, and before the end of its block.
bool Analysis::visibleAt(StringRef Name, unsigned Line) const {
  for (const Stmt &X : Stmts) {
    if (X.Kind != StmtKind::Decl || X.List < 0 || declared(X) != Name)
      continue;
    const StmtList &L = Lists[unsigned(X.List)];
    unsigned End = L.Close >= 0 ? Toks[unsigned(L.Close)].Line : numLines();
    if (endLine(X) <= Line && Line <= End)
      return true;
  }
  return false;
}

void Analysis::markDirectives(const std::vector<RawToken> &Raw) {
  for (const RawToken &R : Raw) {
    if (R.Kind != tok::hash)
      continue;
    unsigned L = lineOf(R.Begin);
    StringRef Before = StringRef(Text).slice(LineStart[L], R.Begin);
    if (Before.find_first_not_of(" \t\f\v") != StringRef::npos ||
        (L > 0 && continues(L - 1)))
      continue;
    DirectiveLine[L] = true;
    while (continues(L) && L + 1 < numLines())
      DirectiveLine[++L] = true;
  }
}

void Analysis::matchBrackets() {
  Match.assign(Toks.size(), -1);
  Balanced = true;
  std::vector<unsigned> Open;
  for (unsigned I = 0; I < Toks.size(); ++I) {
    Token &T = Toks[I];
    T.InSquare = !Open.empty() && Toks[Open.back()].is(tok::l_square);
    tok::TokenKind Want;
    switch (T.Kind) {
    case tok::l_paren:
    case tok::l_square:
    case tok::l_brace:
      Open.push_back(I);
      continue;
    case tok::r_paren:
      Want = tok::l_paren;
      break;
    case tok::r_square:
      Want = tok::l_square;
      break;
    case tok::r_brace:
      Want = tok::l_brace;
      break;
    default:
      continue;
    }
    if (Open.empty() || !Toks[Open.back()].is(Want)) {
      Balanced = false;
      continue;
    }
    Match[I] = int(Open.back());
    Match[Open.back()] = int(I);
    Open.pop_back();
  }
  if (!Open.empty())
    Balanced = false;
}

bool isOpener(tok::TokenKind K) {
  return K == tok::l_paren || K == tok::l_square || K == tok::l_brace;
}

void Analysis::markCaseLabels() {
  for (unsigned I = 0; I < Toks.size(); ++I) {
    if (!word(I, "case"))
      continue;
    for (unsigned J = I + 1, Steps = 0; J < Toks.size() && Steps < 256;
         ++Steps) {
      const Token &T = Toks[J];
      if (T.is(tok::colon)) {
        for (unsigned K = I + 1; K < J; ++K)
          Toks[K].InCase = true;
        break;
      }
      if (T.is(tok::semi) || T.is(tok::l_brace) || T.is(tok::r_brace))
        break;
      if (isOpener(T.Kind)) {
        if (Match[J] < 0)
          break;
        J = unsigned(Match[J]) + 1;
        continue;
      }
      ++J;
    }
  }
}

/// Finds `name<...>`: a '<' right after a name whose '>' comes before
/// anything a template argument list cannot hold. `a < b && c > d` stops at
/// `&&`, `i < n;` at the ';'; `f(a < b, c > d)` is taken for a template,
/// which only means neither comparison is mutated.
void Analysis::markTemplates() {
  for (unsigned I = 1; I < Toks.size(); ++I) {
    if (!Toks[I].is(tok::less) || Toks[I].InTemplate)
      continue;
    const Token &Prev = Toks[I - 1];
    if (!Prev.is(tok::raw_identifier))
      continue;
    StringRef W = spell(I - 1);
    if (W != "template" && isNonOperandWord(W) && !W.endswith("_cast"))
      continue;
    int Depth = 1;
    int Close = -1;
    for (unsigned J = I + 1, Steps = 0; J < Toks.size() && Steps < 256;
         ++Steps) {
      const Token &T = Toks[J];
      if (T.is(tok::l_paren) || T.is(tok::l_square)) {
        if (Match[J] < 0)
          break;
        J = unsigned(Match[J]) + 1;
        continue;
      }
      if (T.is(tok::less)) {
        ++Depth;
      } else if (T.is(tok::greater)) {
        --Depth;
      } else if (T.is(tok::greatergreater)) {
        Depth -= 2;
        if (Depth < 0)
          break;
      } else if (!(T.is(tok::raw_identifier) || T.is(tok::numeric_constant) ||
                   T.is(tok::coloncolon) || T.is(tok::comma) ||
                   T.is(tok::star) || T.is(tok::amp) || T.is(tok::ellipsis) ||
                   T.is(tok::plus) || T.is(tok::minus) || T.is(tok::period) ||
                   T.is(tok::char_constant))) {
        break;
      }
      if (Depth == 0) {
        Close = int(J);
        break;
      }
      ++J;
    }
    if (Close < 0)
      continue;
    Toks[I].TemplateBracket = Toks[unsigned(Close)].TemplateBracket = true;
    Toks[I].TemplateClose = Close;
    for (unsigned K = I + 1; K < unsigned(Close); ++K)
      Toks[K].InTemplate = true;
  }
}

/// `T x`, `ns::T<U> *x`, `const auto &x`: a statement that starts with a
/// type. Two names in a row never start an expression.
bool Analysis::isDeclaration(unsigned First, unsigned Last) const {
  if (Toks[First].is(tok::raw_identifier) && isDeclKeyword(spell(First)))
    return true;
  unsigned J = First;
  if (Toks[J].is(tok::coloncolon))
    ++J;
  if (J > Last || !name(J))
    return false;
  ++J;
  for (;;) {
    if (J <= Last && Toks[J].TemplateClose >= 0) {
      J = unsigned(Toks[J].TemplateClose) + 1;
      continue;
    }
    if (J + 1 <= Last && Toks[J].is(tok::coloncolon) && name(J + 1)) {
      J += 2;
      continue;
    }
    break;
  }
  while (J <= Last &&
         (Toks[J].is(tok::star) || Toks[J].is(tok::amp) ||
          Toks[J].is(tok::ampamp) || word(J, "const") || word(J, "volatile")))
    ++J;
  return J <= Last && name(J);
}

/// The name a declaration declares: the one before its first `=`, `;`,
/// `(`, `{`, `[` or `,`.
int Analysis::declaredName(unsigned First, unsigned Last) const {
  for (unsigned J = First; J <= Last; ++J) {
    const Token &T = Toks[J];
    if (T.TemplateClose >= 0) {
      J = unsigned(T.TemplateClose);
      continue;
    }
    if (T.is(tok::equal) || T.is(tok::semi) || T.is(tok::l_paren) ||
        T.is(tok::l_brace) || T.is(tok::l_square) || T.is(tok::comma) ||
        T.is(tok::colon))
      return J > First && name(J - 1) ? int(J - 1) : -1;
  }
  return -1;
}

bool Analysis::insertable(unsigned List) const {
  if (List != 0)
    return true;
  // A function region: statements at its top level would land outside the
  // function.
  for (unsigned S : Lists[0].Items)
    if (Stmts[S].Kind == StmtKind::Definition)
      return false;
  return true;
}

std::vector<Boundary> Analysis::boundaries(unsigned List) const {
  const StmtList &L = Lists[List];
  std::map<unsigned, std::string> At; // line -> indentation; first one wins
  auto Add = [&](unsigned Line, StringRef Indent) {
    // Not inside a directive or a line continued with a backslash.
    if (Line > numLines() || (Line > 0 && continues(Line - 1)))
      return;
    At.emplace(Line, Indent.str());
  };
  const std::vector<unsigned> &Items = L.Items;
  for (size_t K = 0; K < Items.size(); ++K) {
    const Stmt &S = Stmts[Items[K]];
    if (firstOnLine(S.First))
      Add(firstLine(S), indentOf(firstLine(S)));
    if (lastOnLine(S.Last)) {
      unsigned From = firstLine(S);
      // After a label, lines go where the labelled statements are.
      if (S.Kind == StmtKind::Label && K + 1 < Items.size() &&
          firstOnLine(Stmts[Items[K + 1]].First))
        From = firstLine(Stmts[Items[K + 1]]);
      Add(endLine(S), indentOf(From));
    }
  }
  if (L.Open >= 0) {
    unsigned Open = unsigned(L.Open), Close = unsigned(L.Close);
    std::string Unit = indentOf(Toks[Open].Line).contains('\t') ? "\t" : "  ";
    std::string Inner =
        Items.empty() ? (firstOnLine(Close) ? indentOf(Toks[Close].Line).str()
                                            : indentOf(Toks[Open].Line).str()) +
                            Unit
                      : indentOf(firstLine(Stmts[Items.front()])).str();
    if (lastOnLine(Open) &&
        (Items.empty() || firstOnLine(Stmts[Items.front()].First)))
      Add(Toks[Open].EndLine + 1, Inner);
    if (firstOnLine(Close) && Toks[Close].Line > Toks[Open].EndLine &&
        (Items.empty() || lastOnLine(Stmts[Items.back()].Last)))
      Add(Toks[Close].Line,
          Items.empty() ? Inner
                        : indentOf(firstLine(Stmts[Items.back()])).str());
  } else {
    Add(0, Items.empty() ? indentOf(0)
                         : indentOf(firstLine(Stmts[Items.front()])));
    // The region's last line without its newline cannot have lines after it.
    if (!AddedNewline)
      Add(numLines(), Items.empty() ? indentOf(0)
                                    : indentOf(firstLine(Stmts[Items.back()])));
  }
  std::vector<Boundary> Out;
  for (auto &[Line, Indent] : At)
    Out.push_back({Line, Indent});
  return Out;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

/// Statements from tokens with balanced brackets: a statement ends at a ';'
/// outside brackets or is a `{}` block; if, else, for, while, do, switch,
/// try and labels are recognised so that their parts are known.
class StmtParser {
public:
  explicit StmtParser(Analysis &A) : A(A), T(A.Toks) {}

  void run() { parseList(0, unsigned(T.size()), -1, -1, -1, 0); }

private:
  Analysis &A;
  const std::vector<Token> &T;

  unsigned close(unsigned I) const { return unsigned(A.Match[I]); }
  bool is(unsigned I, unsigned End, tok::TokenKind K) const {
    return I < End && T[I].is(K);
  }
  bool word(unsigned I, unsigned End, StringRef W) const {
    return I < End && A.word(I, W);
  }
  bool paren(unsigned I, unsigned End) const {
    return is(I, End, tok::l_paren) && close(I) < End;
  }
  void set(unsigned S, StmtKind K) { A.Stmts[S].Kind = K; }

  void parseList(unsigned I, unsigned End, int Open, int Close, int Owner,
                 unsigned Depth) {
    unsigned L = unsigned(A.Lists.size());
    A.Lists.push_back({Open, Close, Owner, {}});
    while (I < End) {
      unsigned S;
      I = parseStmt(I, End, Depth, S);
      A.Stmts[S].List = int(L);
      A.Lists[L].Items.push_back(S);
    }
  }

  unsigned sub(unsigned I, unsigned End, unsigned Depth) {
    unsigned S;
    return parseStmt(I, End, Depth + 1, S);
  }

  /// Parses the statement at \p I < \p End; returns the index after it.
  unsigned parseStmt(unsigned I, unsigned End, unsigned Depth, unsigned &Out) {
    Out = unsigned(A.Stmts.size());
    A.Stmts.emplace_back();
    A.Stmts[Out].First = I;
    unsigned Next = parseKind(I, End, Depth, Out);
    Stmt &S = A.Stmts[Out];
    S.Last = Next - 1;
    if (S.Kind == StmtKind::Simple && A.isDeclaration(S.First, S.Last)) {
      S.Kind = StmtKind::Decl;
      S.Declares = A.declaredName(S.First, S.Last);
    }
    return Next;
  }

  unsigned parseKind(unsigned I, unsigned End, unsigned Depth, unsigned S) {
    const Token &Tk = T[I];
    if (Tk.is(tok::l_brace)) {
      set(S, StmtKind::Compound);
      if (Depth <= MaxDepth)
        parseList(I + 1, close(I), int(I), int(close(I)), int(S), Depth + 1);
      return close(I) + 1;
    }
    if (Tk.is(tok::raw_identifier) && Depth <= MaxDepth) {
      StringRef W = A.spell(I);
      if (W == "if") {
        unsigned J = I + 1;
        if (word(J, End, "constexpr"))
          ++J;
        if (paren(J, End)) {
          set(S, StmtKind::If);
          A.Stmts[S].CondOpen = int(J);
          A.Stmts[S].CondClose = int(close(J));
          J = close(J) + 1;
          if (J < End)
            J = sub(J, End, Depth);
          if (word(J, End, "else")) {
            ++J;
            if (J < End)
              J = sub(J, End, Depth);
          }
          return J;
        }
      } else if (W == "while" || W == "for" || W == "switch") {
        unsigned J = I + 1;
        if (paren(J, End)) {
          set(S, W == "while" ? StmtKind::While
                 : W == "for" ? StmtKind::For
                              : StmtKind::Switch);
          if (W == "while") {
            A.Stmts[S].CondOpen = int(J);
            A.Stmts[S].CondClose = int(close(J));
          }
          J = close(J) + 1;
          if (J < End)
            J = sub(J, End, Depth);
          return J;
        }
      } else if (W == "do") {
        set(S, StmtKind::Do);
        unsigned J = I + 1;
        if (J < End)
          J = sub(J, End, Depth);
        if (word(J, End, "while") && paren(J + 1, End)) {
          A.Stmts[S].CondOpen = int(J + 1);
          A.Stmts[S].CondClose = int(close(J + 1));
          J = close(J + 1) + 1;
          if (is(J, End, tok::semi))
            ++J;
        }
        return J;
      } else if (W == "try" && is(I + 1, End, tok::l_brace)) {
        set(S, StmtKind::Try);
        unsigned J = sub(I + 1, End, Depth);
        while (word(J, End, "catch") && paren(J + 1, End)) {
          J = close(J + 1) + 1;
          if (is(J, End, tok::l_brace))
            J = sub(J, End, Depth);
        }
        return J;
      } else if (W == "case") {
        for (unsigned J = I + 1; J < End;) {
          if (T[J].is(tok::colon)) {
            set(S, StmtKind::Label);
            return J + 1;
          }
          if (T[J].is(tok::semi) || T[J].is(tok::l_brace))
            break;
          J = isOpener(T[J].Kind) ? close(J) + 1 : J + 1;
        }
      } else if (is(I + 1, End, tok::colon)) {
        // `default:`, a goto label.
        set(S, StmtKind::Label);
        return I + 2;
      }
    }
    // Anything else runs to its ';'. A body after `...)` with no '=' before
    // it is a function's (in a function region); braces after '=' or a
    // name are an initializer or a class body, part of the statement.
    bool SawEqual = false, SawParen = false;
    for (unsigned J = I; J < End;) {
      const Token &K = T[J];
      if (K.is(tok::semi)) {
        set(S, StmtKind::Simple);
        return J + 1;
      }
      if (K.is(tok::l_brace)) {
        unsigned C = close(J);
        const Token &P = T[J > 0 ? J - 1 : 0];
        bool BodyIntro =
            J > I && (P.is(tok::r_paren) || P.is(tok::raw_identifier) ||
                      P.is(tok::greater) || P.is(tok::greatergreater));
        bool Starts = T[I].is(tok::raw_identifier) ||
                      T[I].is(tok::coloncolon) || T[I].is(tok::tilde);
        if (!SawEqual && SawParen && BodyIntro && Starts && Depth <= MaxDepth) {
          set(S, StmtKind::Definition);
          parseList(J + 1, C, int(J), int(C), int(S), Depth + 1);
          return C + 1;
        }
        J = C + 1;
        continue;
      }
      if (K.is(tok::l_paren) || K.is(tok::l_square)) {
        SawParen |= K.is(tok::l_paren);
        J = close(J) + 1;
        continue;
      }
      if (K.is(tok::equal))
        SawEqual = true;
      ++J;
    }
    set(S, StmtKind::Simple);
    return End;
  }
};

void parseStatements(Analysis &A) { StmtParser(A).run(); }

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

struct Literal {
  bool IsFloat = false;
  uint64_t Int = 0;
  double Float = 0;
  std::string Suffix;
};

bool intSuffix(StringRef S) {
  return S.size() <= 3 && S.find_first_not_of("uUlLzZ") == StringRef::npos;
}

bool unsignedSuffix(StringRef S) {
  return S.find_first_of("uU") != StringRef::npos;
}

/// A numeric literal as written: integers in any base, decimal floats.
/// Hexadecimal floats and user-defined literals are left alone.
std::optional<Literal> parseLiteral(StringRef Spelling) {
  std::string S;
  for (char C : Spelling)
    if (C != '\'')
      S += C;
  StringRef R(S);
  Literal L;
  if (R.size() > 2 && R[0] == '0' && StringRef("xXbB").contains(R[1])) {
    bool Hex = R[1] == 'x' || R[1] == 'X';
    StringRef Body = R.drop_front(2);
    size_t N = 0;
    while (N < Body.size() &&
           (Hex ? isHexDigit(Body[N]) : (Body[N] == '0' || Body[N] == '1')))
      ++N;
    StringRef Digits = Body.take_front(N), Suffix = Body.drop_front(N);
    if (Digits.empty() || !intSuffix(Suffix) ||
        Digits.getAsInteger(Hex ? 16 : 2, L.Int))
      return std::nullopt;
    L.Suffix = Suffix.str();
    return L;
  }
  size_t I = 0, Digits = 0;
  auto Run = [&] {
    while (I < R.size() && isDigit(R[I])) {
      ++I;
      ++Digits;
    }
  };
  Run();
  if (I < R.size() && R[I] == '.') {
    L.IsFloat = true;
    ++I;
    Run();
  }
  if (Digits == 0)
    return std::nullopt;
  if (I < R.size() && (R[I] == 'e' || R[I] == 'E')) {
    L.IsFloat = true;
    ++I;
    if (I < R.size() && (R[I] == '+' || R[I] == '-'))
      ++I;
    size_t Before = Digits;
    Run();
    if (Digits == Before)
      return std::nullopt;
  }
  StringRef Body = R.take_front(I), Suffix = R.drop_front(I);
  L.Suffix = Suffix.str();
  if (L.IsFloat) {
    if (Suffix.size() > 1 ||
        Suffix.find_first_not_of("fFlL") != StringRef::npos)
      return std::nullopt;
    L.Float = std::strtod(Body.str().c_str(), nullptr);
    if (!std::isfinite(L.Float))
      return std::nullopt;
    return L;
  }
  if (!intSuffix(Suffix))
    return std::nullopt;
  unsigned Radix = Body.size() > 1 && Body[0] == '0' ? 8 : 10;
  if (Body.getAsInteger(Radix, L.Int))
    return std::nullopt;
  return L;
}

/// A negative value in parentheses: `x - (-1)` must not become `x --1`.
std::string signedSpelling(bool Negative, StringRef Magnitude,
                           StringRef Suffix) {
  std::string S = Magnitude.str() + Suffix.str();
  return Negative ? "(-" + S + ")" : S;
}

std::optional<std::string> floatSpelling(double V, double Old,
                                         StringRef Suffix) {
  if (!std::isfinite(V) || V == Old)
    return std::nullopt;
  double M = std::fabs(V);
  for (int Prec = 6; Prec <= 17; ++Prec) {
    char Buf[64];
    std::snprintf(Buf, sizeof Buf, "%.*g", Prec, M);
    std::string S = Buf;
    double Back = std::strtod(Buf, nullptr) * (V < 0 ? -1 : 1);
    if (Back == Old)
      continue;
    // `2` would be an int: the literal keeps its type.
    if (S.find_first_of(".eE") == std::string::npos)
      S += ".0";
    return signedSpelling(V < 0, S, Suffix);
  }
  return std::nullopt;
}

/// One of +1, -1, x2, /2, x3/2 or a random value of the same scale, chosen
/// at random among those that change the value.
/// A new spelling for literal \p L. \p Widen > 1 (a stalled search) draws
/// the random replacement from a range that many times wider, on both
/// sides of the value.
std::optional<std::string> mutateLiteral(const Literal &L, Rng &R,
                                         unsigned Widen) {
  std::vector<int> Ways = {0, 1, 2, 3, 4, 5};
  std::shuffle(Ways.begin(), Ways.end(), R);
  for (int Way : Ways) {
    if (L.IsFloat) {
      double V = L.Float, New = V;
      switch (Way) {
      case 0:
        New = V + 1;
        break;
      case 1:
        New = V - 1;
        break;
      case 2:
        New = V * 2;
        break;
      case 3:
        New = V / 2;
        break;
      case 4:
        New = V * 1.5;
        break;
      default: {
        double Hi = V == 0 ? 1 : 2 * std::fabs(V);
        if (!std::isfinite(Hi))
          continue;
        if (Widen > 1) {
          double Reach = Widen * std::max(std::fabs(V), 1.0);
          if (!std::isfinite(V - Reach) || !std::isfinite(V + Reach))
            continue;
          New = std::uniform_real_distribution<double>(V - Reach, V + Reach)(R);
        } else {
          New = std::uniform_real_distribution<double>(0, Hi)(R);
        }
      }
      }
      if (std::optional<std::string> S = floatSpelling(New, V, L.Suffix))
        return S;
      continue;
    }
    using Wide = __int128;
    const uint64_t Max = std::numeric_limits<uint64_t>::max();
    uint64_t V = L.Int;
    Wide New = V;
    switch (Way) {
    case 0:
      New = Wide(V) + 1;
      break;
    case 1:
      New = Wide(V) - 1;
      break;
    case 2:
      New = Wide(V) * 2;
      break;
    case 3:
      New = V / 2;
      break;
    case 4:
      New = Wide(V) + V / 2;
      break;
    default: {
      uint64_t Hi = V == 0 ? 1 : V > Max / 2 ? Max : 2 * V;
      if (Widen > 1)
        Hi = Hi > Max / Widen ? Max : Hi * Widen;
      New = std::uniform_int_distribution<uint64_t>(0, Hi)(R);
    }
    }
    bool Unsigned = unsignedSuffix(L.Suffix);
    Wide Limit =
        Unsigned ? Wide(Max) : Wide(std::numeric_limits<int64_t>::max());
    if (New == Wide(V) || New > Limit ||
        (New < 0 && (Unsigned || -New > Limit)))
      continue;
    Wide Mag = New < 0 ? -New : New;
    return signedSpelling(New < 0, std::to_string(uint64_t(Mag)), L.Suffix);
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Replies
//===----------------------------------------------------------------------===//

/// A line parseEdit would take for a marker of the block around it.
bool looksLikeMarker(StringRef Line) {
  return patch::isBlockMarker(Line, '<', "SEARCH") ||
         patch::isBlockMarker(Line, '=', "") ||
         patch::isBlockMarker(Line, '>', "REPLACE");
}

/// Whether parseEdit reads the line \p Name as naming exactly this region
/// (the rule of its targetName); otherwise the reply names no region and
/// its SEARCH must be unique among all of them.
bool namesItself(StringRef Name) {
  if (Name.empty() || Name.size() > 200 || Name.trim().trim("`*_:# ") != Name)
    return false;
  for (char C : Name)
    if (!isAlnum(C) && !StringRef("_./-").contains(C))
      return false;
  return true;
}

/// Splits into lines without their newlines; returns whether the last line
/// had one.
bool splitLines(StringRef Text, std::vector<StringRef> &Out) {
  Out.clear();
  if (Text.empty())
    return true;
  SmallVector<StringRef, 64> Parts;
  Text.split(Parts, '\n');
  bool Final = Text.back() == '\n';
  if (Final)
    Parts.pop_back();
  Out.assign(Parts.begin(), Parts.end());
  return Final;
}

std::string joinWithNewlines(ArrayRef<StringRef> Lines) {
  std::string S;
  for (StringRef L : Lines) {
    S += L.str();
    S += '\n';
  }
  return S;
}

//===----------------------------------------------------------------------===//
// The proposer
//===----------------------------------------------------------------------===//

/// Where an operator may act: a token (constant, operator), a statement
/// (negate, delete, duplicate, move), two statements (swap), or a donor and
/// its statement (crossover).
struct Site {
  unsigned A = 0, B = 0;
};

struct Change {
  std::string NewText; ///< The region's whole new text (Analysis form).
  std::string Description;
};

struct RegionState {
  std::string Name;
  bool MustReturn =
      false; ///< Its end is the end of a value-returning function.
  const std::string *Original;
  std::string Norm; ///< The region's text with LF line ends.
  std::unique_ptr<Analysis> A;
  std::optional<std::vector<Boundary>> Points; ///< Where crossover inserts.
};

class Proposer {
public:
  Proposer(const Program &Parent, ArrayRef<const Program *> Donors, Rng &R,
           const std::set<std::string> &MustReturn, unsigned Widen = 1)
      : Donors(Donors), R(R), Widen(Widen) {
    for (const auto &[Name, Text] : Parent) {
      RegionState S;
      S.Name = Name;
      S.MustReturn = MustReturn.count(Name) != 0;
      S.Original = &Text;
      S.A = std::make_unique<Analysis>(Text);
      if (S.A->Usable) {
        S.Norm = S.A->Text;
        if (S.A->AddedNewline)
          S.Norm.pop_back();
      }
      Regions.push_back(std::move(S));
    }
  }

  /// Tries \p First (when it is one of \p Ops), then the others in a
  /// random order, until one applies.
  std::optional<Proposal> run(std::vector<Operator> Ops,
                              std::optional<Operator> First = std::nullopt) {
    std::shuffle(Ops.begin(), Ops.end(), R);
    if (First) {
      auto It = llvm::find(Ops, *First);
      if (It != Ops.end())
        std::rotate(Ops.begin(), It, It + 1);
    }
    for (Operator Op : Ops) {
      std::vector<std::pair<unsigned, std::vector<Site>>> Candidates;
      for (unsigned I = 0; I < Regions.size(); ++I) {
        if (!Regions[I].A->Usable)
          continue;
        std::vector<Site> S = sites(Op, I);
        if (!S.empty())
          Candidates.push_back({I, std::move(S)});
      }
      while (!Candidates.empty()) {
        size_t K = pick(R, Candidates.size());
        unsigned Region = Candidates[K].first;
        std::vector<Site> &Sites = Candidates[K].second;
        std::shuffle(Sites.begin(), Sites.end(), R);
        size_t Tries = std::min(Sites.size(), MaxAttempts);
        for (size_t T = 0; T < Tries; ++T)
          if (std::optional<Proposal> P = attempt(Op, Region, Sites[T]))
            return P;
        Candidates.erase(Candidates.begin() + K);
      }
    }
    return std::nullopt;
  }

  /// One reply that turns region \p Name of the parent into \p NewText
  /// (several edits composed); none when it cannot be said unambiguously.
  std::optional<std::string> replyFor(StringRef Name, StringRef NewText) {
    for (unsigned I = 0; I < Regions.size(); ++I)
      if (Regions[I].Name == Name && Regions[I].A->Usable)
        return reply(I, NewText);
    return std::nullopt;
  }

private:
  ArrayRef<const Program *> Donors;
  Rng &R;
  unsigned Widen;
  std::vector<RegionState> Regions;
  /// Donor analyses, by donor and region: parsed once per proposal.
  std::map<std::pair<unsigned, std::string>, std::unique_ptr<Analysis>>
      DonorCache;

  std::vector<Site> sites(Operator Op, unsigned Region);
  std::optional<Change> build(Operator Op, unsigned Region, const Site &S);
  std::optional<std::string> reply(unsigned Region, StringRef NewText);

  std::optional<Proposal> attempt(Operator Op, unsigned Region, const Site &S) {
    std::optional<Change> C = build(Op, Region, S);
    if (!C)
      return std::nullopt;
    const Analysis &A = *Regions[Region].A;
    if (A.AddedNewline && !C->NewText.empty() && C->NewText.back() == '\n')
      C->NewText.pop_back();
    // A marker written into the region would move or open a region.
    if (StringRef(C->NewText).contains("EVOLVE-BLOCK-"))
      return std::nullopt;
    if (A.MaybeFunction && topLevelSemicolon(C->NewText))
      return std::nullopt;
    std::optional<std::string> Reply = reply(Region, C->NewText);
    if (!Reply)
      return std::nullopt;
    Proposal P;
    P.Op = Op;
    P.Region = Regions[Region].Name;
    P.Reply = std::move(*Reply);
    P.Description = std::move(C->Description);
    P.NewText = std::move(C->NewText);
    return P;
  }

  std::string where(unsigned Region, unsigned Line) const {
    return Regions[Region].Name + " line " + std::to_string(Line + 1);
  }

  const Analysis *donor(unsigned D, const std::string &Name) {
    auto Key = std::make_pair(D, Name);
    auto It = DonorCache.find(Key);
    if (It == DonorCache.end()) {
      std::unique_ptr<Analysis> A;
      auto Found =
          Donors[D] ? Donors[D]->find(Name) : Program::const_iterator();
      if (Donors[D] && Found != Donors[D]->end())
        A = std::make_unique<Analysis>(Found->second);
      It = DonorCache.emplace(Key, std::move(A)).first;
    }
    return It->second.get();
  }

  // Sites of each operator.
  bool constantSite(const Analysis &A, unsigned I) const;
  bool operatorSite(const Analysis &A, unsigned I) const;
  bool pointerDeclarator(const Analysis &A, unsigned I) const;
  std::optional<std::pair<unsigned, unsigned>> condition(const Analysis &A,
                                                         const Stmt &S) const;
  bool deletable(const Analysis &A, unsigned S) const;
  bool endsReturning(const Analysis &A, int Without) const;
  bool moveAllowed(const Analysis &A, unsigned S, unsigned Line) const;
  const std::vector<Boundary> &insertionPoints(unsigned Region);

  std::optional<std::string> retokenized(const Analysis &A, unsigned Tok,
                                         StringRef Replacement,
                                         unsigned ExpectedTokens) const;
};

/// Whether the token before \p I ends an operand, so that an operator at
/// \p I is binary.
bool valueBefore(const Analysis &A, unsigned I) {
  if (I == 0)
    return false;
  const Token &P = A.Toks[I - 1];
  if (P.is(tok::numeric_constant) || P.is(tok::char_constant) ||
      tok::isStringLiteral(P.Kind) || P.is(tok::r_paren) || P.is(tok::r_square))
    return true;
  if (P.is(tok::raw_identifier))
    return !isNonOperandWord(A.spell(I - 1));
  if ((P.is(tok::plusplus) || P.is(tok::minusminus)) && I >= 2) {
    const Token &PP = A.Toks[I - 2];
    return PP.is(tok::raw_identifier) || PP.is(tok::r_paren) ||
           PP.is(tok::r_square);
  }
  return false;
}

bool isComparison(tok::TokenKind K) {
  return K == tok::less || K == tok::lessequal || K == tok::greater ||
         K == tok::greaterequal || K == tok::equalequal ||
         K == tok::exclaimequal;
}

bool isArithmetic(tok::TokenKind K) {
  return K == tok::plus || K == tok::minus || K == tok::star || K == tok::slash;
}

bool Proposer::constantSite(const Analysis &A, unsigned I) const {
  const Token &T = A.Toks[I];
  return T.is(tok::numeric_constant) && !T.InCase && !T.InSquare &&
         !T.InTemplate && parseLiteral(A.spell(I)).has_value();
}

/// `T *x = ...`, `ns::T *x;` at the start of a statement: a declarator, not
/// a multiplication.
bool Proposer::pointerDeclarator(const Analysis &A, unsigned I) const {
  const std::vector<Token> &T = A.Toks;
  if (I + 2 >= T.size() || !A.name(I + 1))
    return false;
  const Token &After = T[I + 2];
  if (!(After.is(tok::equal) || After.is(tok::semi) || After.is(tok::comma) ||
        After.is(tok::l_paren) || After.is(tok::l_brace) ||
        After.is(tok::l_square) || After.is(tok::colon)))
    return false;
  unsigned J = I - 1; // a name: valueBefore holds
  while (J >= 2 && T[J - 1].is(tok::coloncolon) &&
         T[J - 2].is(tok::raw_identifier))
    J -= 2;
  if (J >= 1 && T[J - 1].is(tok::coloncolon))
    --J;
  if (J == 0)
    return true;
  const Token &Before = T[J - 1];
  return Before.is(tok::semi) || Before.is(tok::l_brace) ||
         Before.is(tok::r_brace) || Before.is(tok::colon) ||
         (Before.is(tok::l_paren) && J >= 2 && A.word(J - 2, "for")) ||
         A.word(J - 1, "const") || A.word(J - 1, "static") ||
         A.word(J - 1, "constexpr");
}

bool Proposer::operatorSite(const Analysis &A, unsigned I) const {
  const Token &T = A.Toks[I];
  if (!isComparison(T.Kind) && !isArithmetic(T.Kind))
    return false;
  if (T.InCase || T.InTemplate || T.TemplateBracket)
    return false;
  // No left operand: unary + - * (and `operator<` names a function).
  if (!valueBefore(A, I))
    return false;
  if (T.is(tok::star) && A.Toks[I - 1].is(tok::raw_identifier)) {
    if (I + 1 >= A.Toks.size())
      return false;
    const Token &N = A.Toks[I + 1];
    // `(T *)`, `T *,`, `T **`: a type.
    if (N.is(tok::r_paren) || N.is(tok::comma) || N.is(tok::greater) ||
        N.is(tok::greatergreater) || N.is(tok::amp) || N.is(tok::ampamp) ||
        N.is(tok::star) || N.is(tok::r_square) || N.is(tok::semi))
      return false;
    if (pointerDeclarator(A, I))
      return false;
  }
  return true;
}

/// The tokens of an if/while/do condition that a '!' may wrap: after an
/// init-statement, and not a declaration (`if (auto *p = f())`).
std::optional<std::pair<unsigned, unsigned>>
Proposer::condition(const Analysis &A, const Stmt &S) const {
  if (S.CondOpen < 0 || S.CondClose <= S.CondOpen + 1)
    return std::nullopt;
  unsigned C0 = unsigned(S.CondOpen) + 1, C1 = unsigned(S.CondClose) - 1;
  bool Assigns = false;
  for (unsigned J = C0; J <= C1;) {
    const Token &T = A.Toks[J];
    if (isOpener(T.Kind)) {
      J = unsigned(A.Match[J]) + 1;
      continue;
    }
    if (T.is(tok::semi)) {
      C0 = J + 1;
      Assigns = false;
    }
    Assigns |= T.is(tok::equal);
    ++J;
  }
  if (C0 > C1 || Assigns || A.isDeclaration(C0, C1))
    return std::nullopt;
  return std::make_pair(C0, C1);
}

/// The number of statements (not labels) of a list.
unsigned statementCount(const Analysis &A, unsigned List) {
  unsigned N = 0;
  for (unsigned S : A.Lists[List].Items)
    N += A.Stmts[S].Kind != StmtKind::Label;
  return N;
}

bool Proposer::deletable(const Analysis &A, unsigned S) const {
  const Stmt &St = A.Stmts[S];
  if (!A.movable(St))
    return false;
  // The region's only statement, or a function region's only statement,
  // stays: deleting it leaves nothing to evolve.
  unsigned L = unsigned(St.List);
  if (statementCount(A, L) == 1) {
    if (L == 0)
      return false;
    int Owner = A.Lists[L].Owner;
    if (Owner >= 0 && A.Stmts[Owner].Kind == StmtKind::Definition &&
        A.Stmts[Owner].List == 0 && statementCount(A, 0) == 1)
      return false;
  }
  // A declaration whose name is used later would only fail to compile.
  StringRef Name = A.declared(St);
  return Name.empty() ||
         !A.uses(St.Last + 1, unsigned(A.Toks.size()) - 1, Name);
}

/// Whether control can run past the end of statement \p S, or of list \p L,
/// with the list item \p Without taken out (-1: none). Read from tokens, so
/// it errs towards "can": a loop that never ends or a call that does not
/// return counts as running past.
class FallThrough {
public:
  FallThrough(const Analysis &A, int Without) : A(A), Without(Without) {}

  bool list(unsigned L, unsigned Depth) const {
    const std::vector<unsigned> &Items = A.Lists[L].Items;
    for (auto It = Items.rbegin(); It != Items.rend(); ++It)
      if (int(*It) != Without)
        return stmt(*It, Depth);
    return true;
  }

  bool stmt(unsigned S, unsigned Depth) const {
    const Stmt &St = A.Stmts[S];
    if (Depth > MaxDepth)
      return true;
    switch (St.Kind) {
    case StmtKind::Simple:
      return !(A.word(St.First, "return") || A.word(St.First, "throw") ||
               A.word(St.First, "co_return"));
    case StmtKind::Compound:
      return body(S, Depth);
    case StmtKind::If: {
      // The branches are the statements that start right after the
      // condition and right after `else`.
      std::optional<unsigned> Then = startingAt(S, unsigned(St.CondClose) + 1);
      if (!Then)
        return true;
      unsigned Else = A.Stmts[*Then].Last + 1;
      if (Else > St.Last || !A.word(Else, "else"))
        return true;
      std::optional<unsigned> ElseStmt = startingAt(*Then, Else + 1);
      return !ElseStmt || stmt(*Then, Depth + 1) || stmt(*ElseStmt, Depth + 1);
    }
    default:
      return true;
    }
  }

private:
  const Analysis &A;
  int Without;

  /// The list a compound statement holds.
  bool body(unsigned S, unsigned Depth) const {
    for (unsigned L = 0; L < A.Lists.size(); ++L)
      if (A.Lists[L].Owner == int(S))
        return list(L, Depth + 1);
    return true;
  }

  /// The statement after \p After (statements are numbered in the order
  /// they start) whose first token is \p Tok.
  std::optional<unsigned> startingAt(unsigned After, unsigned Tok) const {
    for (unsigned S = After + 1; S < A.Stmts.size(); ++S)
      if (A.Stmts[S].First == Tok)
        return S;
    return std::nullopt;
  }
};

/// Whether every path through the region's code (a function region's body)
/// ends in a return, with the list item \p Without deleted (-1: as it is).
bool Proposer::endsReturning(const Analysis &A, int Without) const {
  if (A.Lists.empty())
    return false;
  FallThrough F(A, Without);
  unsigned Body = 0;
  for (unsigned S : A.Lists[0].Items)
    if (A.Stmts[S].Kind == StmtKind::Definition)
      for (unsigned L = 1; L < A.Lists.size(); ++L)
        if (A.Lists[L].Owner == int(S))
          Body = L;
  return !F.list(Body, 0);
}

/// Whether statement \p S may move to before line \p Line of its block:
/// not past a preprocessor line, not above the declaration of a name it
/// uses, not below a use of the name it declares.
bool Proposer::moveAllowed(const Analysis &A, unsigned S, unsigned Line) const {
  const Stmt &St = A.Stmts[S];
  unsigned From = A.firstLine(St), To = A.endLine(St);
  if (Line >= From && Line <= To)
    return false;
  bool Up = Line < From;
  unsigned Lo = Up ? Line : To, Hi = Up ? From : Line;
  if (A.anyDirective(Lo, Hi))
    return false;
  for (unsigned K : A.Lists[unsigned(St.List)].Items) {
    if (K == S)
      continue;
    const Stmt &O = A.Stmts[K];
    unsigned At = A.firstLine(O);
    if (At < Lo || At >= Hi)
      continue;
    StringRef Name = Up ? A.declared(O) : A.declared(St);
    if (!Name.empty() &&
        (Up ? A.uses(St.First, St.Last, Name) : A.uses(O.First, O.Last, Name)))
      return false;
  }
  return true;
}

const std::vector<Boundary> &Proposer::insertionPoints(unsigned Region) {
  RegionState &RS = Regions[Region];
  if (!RS.Points) {
    const Analysis &A = *RS.A;
    std::vector<Boundary> Points;
    for (unsigned L = 0; L < A.Lists.size(); ++L)
      if (A.insertable(L))
        append_range(Points, A.boundaries(L));
    RS.Points = std::move(Points);
  }
  return *RS.Points;
}

/// The region with token \p Tok replaced, if the raw lexer reads the result
/// as the same tokens except \p ExpectedTokens new ones for it: `a+-b` must
/// not become `a--b`, nor `a-*p` a comment.
std::optional<std::string>
Proposer::retokenized(const Analysis &A, unsigned Tok, StringRef Replacement,
                      unsigned ExpectedTokens) const {
  const Token &T = A.Toks[Tok];
  std::string New =
      A.Text.substr(0, T.Begin) + Replacement.str() + A.Text.substr(T.End);
  std::vector<RawToken> Old = lexRaw(A.Text), Now = lexRaw(New);
  size_t At = 0;
  while (At < Old.size() && Old[At].Begin != T.Begin)
    ++At;
  if (At == Old.size() || Now.size() + 1 != Old.size() + ExpectedTokens)
    return std::nullopt;
  auto Spell = [](StringRef Text, const RawToken &R) {
    return Text.slice(R.Begin, R.End);
  };
  for (size_t K = 0; K < At; ++K)
    if (Spell(A.Text, Old[K]) != Spell(New, Now[K]))
      return std::nullopt;
  size_t Lead = Replacement.find_first_not_of(' ');
  size_t Trail = Replacement.rtrim(' ').size();
  if (Now[At].Begin != T.Begin + Lead ||
      Now[At + ExpectedTokens - 1].End != T.Begin + Trail)
    return std::nullopt;
  for (size_t K = At + 1; K < Old.size(); ++K)
    if (Spell(A.Text, Old[K]) != Spell(New, Now[K + ExpectedTokens - 1]))
      return std::nullopt;
  return New;
}

std::vector<Site> Proposer::sites(Operator Op, unsigned Region) {
  const Analysis &A = *Regions[Region].A;
  std::vector<Site> Out;
  unsigned NumToks = unsigned(A.Toks.size());
  unsigned NumStmts = unsigned(A.Stmts.size());
  switch (Op) {
  case Operator::Constant:
    for (unsigned I = 0; I < NumToks; ++I)
      if (constantSite(A, I))
        Out.push_back({I});
    break;
  case Operator::BinaryOperator:
    for (unsigned I = 0; I < NumToks; ++I)
      if (operatorSite(A, I))
        Out.push_back({I});
    break;
  case Operator::Negate:
    for (unsigned S = 0; S < NumStmts; ++S)
      if (condition(A, A.Stmts[S]))
        Out.push_back({S});
    break;
  case Operator::Delete:
    for (unsigned S = 0; S < NumStmts; ++S)
      if (deletable(A, S) &&
          !(Regions[Region].MustReturn && endsReturning(A, -1) &&
            !endsReturning(A, int(S))))
        Out.push_back({S});
    break;
  case Operator::Duplicate:
    // A declaration twice is a redefinition.
    for (unsigned S = 0; S < NumStmts; ++S)
      if (A.movable(A.Stmts[S]) && A.Stmts[S].Kind != StmtKind::Decl)
        Out.push_back({S});
    break;
  case Operator::Swap:
    for (const StmtList &L : A.Lists)
      for (size_t K = 0; K + 1 < L.Items.size(); ++K) {
        unsigned X = L.Items[K], Y = L.Items[K + 1];
        if (A.movable(A.Stmts[X]) && A.movable(A.Stmts[Y]) &&
            moveAllowed(A, Y, A.firstLine(A.Stmts[X])))
          Out.push_back({X, Y});
      }
    break;
  case Operator::Move:
    // Where each goes is chosen when building: checking every place of
    // every statement up front costs a cube of the region's size.
    for (unsigned S = 0; S < NumStmts; ++S)
      if (A.movable(A.Stmts[S]) &&
          A.Lists[unsigned(A.Stmts[S].List)].Items.size() > 1)
        Out.push_back({S});
    break;
  case Operator::Crossover: {
    const std::vector<Boundary> &Points = insertionPoints(Region);
    if (Points.empty() || !A.Balanced)
      break;
    // Code the parent already has, and names it declares: a copy of
    // either adds nothing or a redefinition.
    std::set<std::string> Known, Declared;
    for (const Stmt &S : A.Stmts) {
      Known.insert(A.key(S));
      if (!A.declared(S).empty())
        Declared.insert(A.declared(S).str());
    }
    for (unsigned D = 0; D < Donors.size(); ++D) {
      const Analysis *DA = donor(D, Regions[Region].Name);
      if (!DA || !DA->Usable)
        continue;
      for (unsigned S = 0; S < DA->Stmts.size(); ++S) {
        const Stmt &St = DA->Stmts[S];
        if (!DA->movable(St) || Declared.count(DA->declared(St).str()))
          continue;
        // A statement that needs a local the parent does not declare would
        // only fail to compile.
        std::set<std::string> Needs = DA->namesUsed(St);
        if (any_of(Needs, [&](const std::string &Name) {
              return DA->Locals.count(Name) && !A.Locals.count(Name);
            }))
          continue;
        // Known also collects the donors' statements already taken.
        if (Known.insert(DA->key(St)).second)
          Out.push_back({D, S});
      }
    }
    break;
  }
  }
  return Out;
}

/// \p Lines (whole lines) moved from indentation \p From to \p To.
std::string reindentLines(StringRef Lines, StringRef From, StringRef To) {
  std::vector<StringRef> Split;
  splitLines(Lines, Split);
  std::string Out;
  for (StringRef L : Split) {
    if (!L.trim().empty()) {
      Out += To.str();
      Out += (L.startswith(From) ? L.drop_front(From.size()) : L.ltrim(" \t"))
                 .str();
    }
    Out += '\n';
  }
  return Out;
}

std::optional<Change> Proposer::build(Operator Op, unsigned Region,
                                      const Site &S) {
  const Analysis &A = *Regions[Region].A;
  auto Lines = [&](unsigned From, unsigned To) {
    return A.lines(From, To).str();
  };
  unsigned N = A.numLines();
  Change C;
  switch (Op) {
  case Operator::Constant: {
    std::optional<Literal> L = parseLiteral(A.spell(S.A));
    if (!L)
      return std::nullopt;
    std::optional<std::string> New = mutateLiteral(*L, R, Widen);
    if (!New)
      return std::nullopt;
    std::optional<std::string> Text =
        retokenized(A, S.A, *New, New->front() == '(' ? 4 : 1);
    if (!Text)
      return std::nullopt;
    C.NewText = std::move(*Text);
    C.Description = "constant " + A.spell(S.A).str() + " -> " + *New + " (" +
                    where(Region, A.Toks[S.A].Line) + ")";
    return C;
  }
  case Operator::BinaryOperator: {
    tok::TokenKind K = A.Toks[S.A].Kind;
    std::vector<StringRef> Others;
    for (StringRef Op :
         isComparison(K)
             ? std::vector<StringRef>{"<", "<=", ">", ">=", "==", "!="}
             : std::vector<StringRef>{"+", "-", "*", "/"})
      if (Op != A.spell(S.A))
        Others.push_back(Op);
    std::shuffle(Others.begin(), Others.end(), R);
    for (StringRef Op : Others)
      for (const std::string &Form : {Op.str(), " " + Op.str() + " "})
        if (std::optional<std::string> Text = retokenized(A, S.A, Form, 1)) {
          C.NewText = std::move(*Text);
          C.Description = "operator " + A.spell(S.A).str() + " -> " + Op.str() +
                          " (" + where(Region, A.Toks[S.A].Line) + ")";
          return C;
        }
    return std::nullopt;
  }
  case Operator::Negate: {
    const Stmt &St = A.Stmts[S.A];
    std::optional<std::pair<unsigned, unsigned>> Cond = condition(A, St);
    if (!Cond)
      return std::nullopt;
    auto [C0, C1] = *Cond;
    const Token &First = A.Toks[C0], &Last = A.Toks[C1];
    StringRef Text(A.Text);
    StringRef What = St.Kind == StmtKind::If      ? "if"
                     : St.Kind == StmtKind::While ? "while"
                                                  : "do-while";
    std::string At = where(Region, First.Line);
    if (First.is(tok::exclaim) && C0 + 1 < C1 &&
        A.Toks[C0 + 1].is(tok::l_paren) && A.Match[C0 + 1] == int(C1)) {
      C.NewText = (Text.take_front(First.Begin) +
                   Text.slice(A.Toks[C0 + 1].End, Last.Begin) +
                   Text.drop_front(Last.End))
                      .str();
      C.Description = "negate: drop the '!' of the " + What.str() +
                      " condition (" + At + ")";
    } else {
      C.NewText =
          (Text.take_front(First.Begin) + "!(" +
           Text.slice(First.Begin, Last.End) + ")" + Text.drop_front(Last.End))
              .str();
      C.Description = "negate the " + What.str() + " condition (" + At + ")";
    }
    return C;
  }
  case Operator::Delete: {
    const Stmt &St = A.Stmts[S.A];
    unsigned From = A.firstLine(St), To = A.endLine(St);
    C.NewText = Lines(0, From) + Lines(To, N);
    C.Description = "delete statement at " + where(Region, From);
    return C;
  }
  case Operator::Duplicate: {
    const Stmt &St = A.Stmts[S.A];
    unsigned From = A.firstLine(St), To = A.endLine(St);
    C.NewText = Lines(0, To) + Lines(From, To) + Lines(To, N);
    C.Description = "duplicate statement at " + where(Region, From);
    return C;
  }
  case Operator::Swap: {
    const Stmt &X = A.Stmts[S.A], &Y = A.Stmts[S.B];
    unsigned XF = A.firstLine(X), XT = A.endLine(X);
    unsigned YF = A.firstLine(Y), YT = A.endLine(Y);
    C.NewText = Lines(0, XF) + Lines(YF, YT) + Lines(XT, YF) + Lines(XF, XT) +
                Lines(YT, N);
    C.Description = "swap statements at " + Regions[Region].Name + " lines " +
                    std::to_string(XF + 1) + " and " + std::to_string(YF + 1);
    return C;
  }
  case Operator::Move: {
    const Stmt &St = A.Stmts[S.A];
    std::vector<unsigned> Places;
    for (const Boundary &B : A.boundaries(unsigned(St.List)))
      if (moveAllowed(A, S.A, B.Line))
        Places.push_back(B.Line);
    if (Places.empty())
      return std::nullopt;
    unsigned From = A.firstLine(St), To = A.endLine(St);
    unsigned P = Places[pick(R, Places.size())];
    unsigned NewLine;
    if (P < From) {
      C.NewText = Lines(0, P) + Lines(From, To) + Lines(P, From) + Lines(To, N);
      NewLine = P;
    } else {
      C.NewText = Lines(0, From) + Lines(To, P) + Lines(From, To) + Lines(P, N);
      NewLine = P - (To - From);
    }
    C.Description = "move statement at " + where(Region, From) + " to line " +
                    std::to_string(NewLine + 1);
    return C;
  }
  case Operator::Crossover: {
    const Analysis *DA = donor(S.A, Regions[Region].Name);
    const std::vector<Boundary> &Points = insertionPoints(Region);
    if (!DA || Points.empty())
      return std::nullopt;
    const Stmt &St = DA->Stmts[S.B];
    unsigned From = DA->firstLine(St), To = DA->endLine(St);
    // Only where the parent's declarations of its locals are in scope.
    std::set<std::string> Needs = DA->namesUsed(St);
    std::vector<const Boundary *> Places;
    for (const Boundary &P : Points)
      if (all_of(Needs, [&](const std::string &Name) {
            return !A.Locals.count(Name) || A.visibleAt(Name, P.Line);
          }))
        Places.push_back(&P);
    if (Places.empty())
      return std::nullopt;
    const Boundary &B = *Places[pick(R, Places.size())];
    StringRef Copied = DA->lines(From, To);
    std::string Inserted =
        DA->spansLines(St)
            ? Copied.str()
            : reindentLines(Copied, DA->indentOf(From), B.Indent);
    C.NewText = Lines(0, B.Line) + Inserted + Lines(B.Line, N);
    C.Description = "crossover: donor " + std::to_string(S.A + 1) +
                    "'s statement at line " + std::to_string(From + 1) +
                    " inserted at " + where(Region, B.Line);
    return C;
  }
  }
  return std::nullopt;
}

/// The change from the region's text to \p NewText as one SEARCH/REPLACE
/// block: the changed lines, with as few neighbours as make the SEARCH
/// match only there.
std::optional<std::string> Proposer::reply(unsigned Region, StringRef NewText) {
  const RegionState &RS = Regions[Region];
  StringRef Old = RS.Norm;
  if (Old == NewText)
    return std::nullopt;
  std::vector<StringRef> O, N;
  bool OldFinal = splitLines(Old, O), NewFinal = splitLines(NewText, N);
  if (OldFinal != NewFinal)
    return std::nullopt;
  size_t P = 0;
  while (P < O.size() && P < N.size() && O[P] == N[P])
    ++P;
  size_t S = 0;
  while (S < O.size() - P && S < N.size() - P &&
         O[O.size() - 1 - S] == N[N.size() - 1 - S])
    ++S;
  size_t Begin = P, End = O.size() - S;
  ptrdiff_t Delta = ptrdiff_t(N.size()) - ptrdiff_t(O.size());
  for (size_t K = Begin; K < End; ++K)
    if (looksLikeMarker(O[K]))
      return std::nullopt;
  for (size_t K = Begin; ptrdiff_t(K) < ptrdiff_t(End) + Delta; ++K)
    if (looksLikeMarker(N[K]))
      return std::nullopt;

  std::vector<size_t> Offset(O.size() + 1, 0);
  for (size_t K = 0; K < O.size(); ++K)
    Offset[K + 1] = Offset[K] + O[K].size() + 1;
  bool Named = namesItself(RS.Name);

  auto Try = [&](size_t From, size_t To) -> std::optional<std::string> {
    if (From >= To)
      return std::nullopt;
    ArrayRef<StringRef> Search = ArrayRef<StringRef>(O).slice(From, To - From);
    if (all_of(Search, [](StringRef L) { return L.trim().empty(); }) ||
        any_of(Search, looksLikeMarker))
      return std::nullopt;
    // A cheap exact count first; the patcher's matcher has the last word.
    unsigned Count = 0;
    for (size_t St = 0; St + Search.size() <= O.size() && Count < 2; ++St)
      Count += std::equal(Search.begin(), Search.end(), O.begin() + St);
    if (Count != 1)
      return std::nullopt;
    std::string SearchText = joinWithNewlines(Search);
    std::string ReplaceText = joinWithNewlines(ArrayRef<StringRef>(N).slice(
        From, size_t(ptrdiff_t(To) + Delta) - From));
    std::vector<patch::TextMatch> M = patch::findMatches(Old, SearchText);
    if (M.size() != 1 || M.front().Begin != Offset[From])
      return std::nullopt;
    if (!Named)
      for (const RegionState &Other : Regions)
        if (&Other != &RS &&
            !patch::findMatches(Other.A->Usable ? StringRef(Other.Norm)
                                                : StringRef(*Other.Original),
                                SearchText)
                 .empty())
          return std::nullopt;
    std::string Reply = Named ? RS.Name + "\n" : "";
    Reply += "<<<<<<< SEARCH\n" + SearchText + "=======\n" + ReplaceText +
             ">>>>>>> REPLACE\n";
    // Read back the way the patcher will read it.
    Expected<patch::Edit> E = patch::parseEdit(Reply);
    if (!E) {
      consumeError(E.takeError());
      return std::nullopt;
    }
    if (E->Blocks.size() != 1 || !E->Rewrites.empty() ||
        E->Blocks[0].Search != SearchText ||
        E->Blocks[0].Replace != ReplaceText ||
        E->Blocks[0].Target != (Named ? RS.Name : ""))
      return std::nullopt;
    return Reply;
  };

  // A region's last line without its newline (a function region's brace)
  // gets one from REPLACE, so it is quoted only when it changes itself.
  size_t Limit = O.size();
  if (!OldFinal && !(End == O.size() && Begin < End)) {
    if (Begin == O.size())
      return std::nullopt; // lines after it would need that newline
    Limit = O.size() - 1;
  }
  // Every split of a few neighbouring lines, context above first.
  constexpr size_t MaxExtra = 6;
  for (size_t Extra = 0; Extra <= MaxExtra; ++Extra)
    for (size_t Up = Extra + 1; Up-- > 0;) {
      size_t Down = Extra - Up;
      if (Up > Begin || End + Down > Limit)
        continue;
      if (std::optional<std::string> R = Try(Begin - Up, End + Down))
        return R;
    }
  // Repetitive text: grow both ways, by half the window each time, until
  // the SEARCH is unique; at the latest the whole region is.
  size_t From = Begin, To = End;
  while (From > 0 || To < Limit) {
    size_t Step = std::max<size_t>(1, (To - From) / 2);
    From = From > Step ? From - Step : 0;
    To = std::min(Limit, To + Step);
    if (std::optional<std::string> R = Try(From, To))
      return R;
  }
  return std::nullopt;
}

} // namespace

BuiltinGenerator::BuiltinGenerator(std::vector<Operator> Ops) {
  if (Ops.empty())
    Ops = allOperators();
  for (Operator Op : Ops)
    if (!is_contained(Operators, Op))
      Operators.push_back(Op);
}

std::optional<Proposal> BuiltinGenerator::propose(
    const Program &Parent, ArrayRef<const Program *> Donors,
    std::mt19937_64 &Rng, const std::set<std::string> &MustReturn,
    const ProposalShape &Shape) const {
  unsigned Edits = std::max(1u, Shape.Edits);
  if (Edits == 1)
    return Proposer(Parent, Donors, Rng, MustReturn, Shape.Widen)
        .run(Operators, Shape.First);
  // Several edits, each on the program the one before made; the reply
  // says all of them at once, against the parent.
  Program Current = Parent;
  std::vector<Proposal> Steps;
  for (unsigned K = 0; K < Edits; ++K) {
    std::optional<Proposal> P =
        Proposer(Current, Donors, Rng, MustReturn, Shape.Widen)
            .run(Operators, K == 0 ? Shape.First : std::nullopt);
    if (!P)
      break;
    Current[P->Region] = P->NewText;
    Steps.push_back(std::move(*P));
  }
  if (Steps.size() <= 1)
    return Steps.empty() ? std::nullopt
                         : std::optional<Proposal>(std::move(Steps.front()));
  Proposer Base(Parent, Donors, Rng, MustReturn);
  std::string Reply;
  for (const auto &[Name, Text] : Current) {
    auto Was = Parent.find(Name);
    if (Was != Parent.end() && Was->second == Text)
      continue;
    std::optional<std::string> R = Base.replyFor(Name, Text);
    if (!R) // not sayable at once: the first edit alone
      return std::move(Steps.front());
    Reply += *R;
  }
  if (Reply.empty()) // the edits undid each other
    return std::move(Steps.front());
  Proposal P = std::move(Steps.front());
  P.Reply = std::move(Reply);
  for (size_t K = 1; K < Steps.size(); ++K)
    P.Description += "; " + Steps[K].Description;
  P.NewText.clear();
  return P;
}

namespace {

/// The built-in generator behind the Generator interface: proposals are
/// cheap and deterministic, so they run on the run's own thread. With the
/// spec's bandit on, the operator tried first is the one that recently
/// produced improvements (a floor share stays uniform).
class Builtin : public Generator {
public:
  Builtin(std::vector<Operator> Ops, bool UseBandit, double Floor)
      : Engine(Ops), Ops(Ops.empty() ? allOperators() : std::move(Ops)),
        Arms(unsigned(this->Ops.size())), UseBandit(UseBandit), Floor(Floor) {}

  Expected<std::optional<GeneratedEdit>>
  propose(const ProposalRequest &R, std::mt19937_64 &Rng) override {
    std::vector<const Program *> Donors;
    for (const ScoredProgram &P : R.Inspirations)
      Donors.push_back(&P.Regions);
    std::set<std::string> MustReturn;
    if (R.Regions)
      for (const regions::Region &Reg : *R.Regions)
        if (Reg.MustReturn)
          MustReturn.insert(Reg.Name);
    ProposalShape Shape;
    if (UseBandit)
      Shape.First = Ops[Arms.choose(Floor)];
    Shape.Edits = std::max(1u, R.Boldness);
    Shape.Widen = std::max(1u, R.Boldness);
    std::optional<Proposal> P =
        Engine.propose(R.Parent.Regions, Donors, Rng, MustReturn, Shape);
    if (!P)
      return std::nullopt;
    GeneratedEdit E;
    E.Reply = std::move(P->Reply);
    E.Generator = "builtin";
    E.Operator = toString(P->Op).str();
    E.Description = std::move(P->Description);
    return std::optional<GeneratedEdit>(std::move(E));
  }

  void observe(const EditOutcome &O) override {
    std::optional<Operator> Op = operatorNamed(O.Operator);
    if (!Op)
      return;
    auto It = llvm::find(Ops, *Op);
    if (It == Ops.end())
      return;
    // Paid for a program better than its parent; a duplicate, a failure
    // or a worse program earns nothing.
    Arms.pay(unsigned(It - Ops.begin()),
             O.Improvement && *O.Improvement > 0 ? 1 : 0);
  }

private:
  BuiltinGenerator Engine;
  std::vector<Operator> Ops;
  Bandit Arms;
  bool UseBandit;
  double Floor;
};

class BuiltinFactory : public GeneratorFactory {
public:
  Expected<std::unique_ptr<Generator>> create(const spec::Spec &S) override {
    std::vector<Operator> Ops;
    for (const std::string &Name : S.Generator.Operators) {
      std::optional<Operator> Op = operatorNamed(Name);
      if (!Op)
        return createStringError(inconvertibleErrorCode(),
                                 "unknown built-in operator '%s'",
                                 Name.c_str());
      if (!is_contained(Ops, *Op))
        Ops.push_back(*Op);
    }
    // The random strategy is the control a search must beat: it keeps
    // the plain operator draw.
    bool UseBandit =
        S.Search.Bandit && S.Search.Strategy != spec::SearchStrategy::Random;
    return std::make_unique<Builtin>(std::move(Ops), UseBandit,
                                     S.Search.BanditFloor);
  }
};

GeneratorRegistry::Add<BuiltinFactory>
    BuiltinEntry("builtin", "genetic-improvement edits without a model");

} // namespace

void linkBuiltinGenerator() {}

} // namespace generate
} // namespace adrs
