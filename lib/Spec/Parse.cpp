//===- Parse.cpp - From spec text to syntax with ANTLR --------------------===//
//
// The only translation unit that includes ANTLR headers. ANTLR reports
// errors through exceptions internally, so this file and the generated
// parser are built with exceptions; nothing escapes parseSyntax().
//
//===----------------------------------------------------------------------===//

#include "Syntax.h"

#include "AdrsLexer.h"
#include "AdrsParser.h"
#include "antlr4-runtime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ConvertUTF.h"

#include <cmath>
#include <cstdlib>

using namespace llvm;
using namespace adrs_dsl;

namespace adrs {
namespace spec {
namespace syntax {

namespace {

/// Deeper nesting than this is rejected before parsing: the parser recurses
/// on parentheses, and a hostile spec must not overflow the stack.
constexpr unsigned MaxNesting = 64;

/// The most nodes one expression may have. Everything that walks an
/// expression recurses, so its size is capped where it is built; a real
/// score or constraint has a few dozen nodes.
constexpr unsigned MaxExprNodes = 1000;

/// The most tokens the parser is given. ANTLR keeps the whole parse tree,
/// a dozen nodes for a token deep in an expression: a 1 MB spec of
/// `max(a, a, ...)` took a gigabyte, and adrsc died under a memory limit.
/// A real spec has a few thousand tokens.
constexpr unsigned MaxTokens = 100000;

/// Maps ANTLR's code-point positions back to bytes of the buffer.
class PositionMap {
public:
  explicit PositionMap(StringRef Text) : Text(Text) {
    // ANTLRInputStream drops a leading UTF-8 byte order mark before it
    // counts code points; skip it here too, or every column on the first
    // line would be one code point early.
    size_t First = Text.startswith("\xEF\xBB\xBF") ? 3 : 0;
    for (size_t I = First; I < Text.size(); ++I)
      if ((static_cast<unsigned char>(Text[I]) & 0xC0) != 0x80)
        CodePointToByte.push_back(I);
    CodePointToByte.push_back(Text.size());
  }

  SMLoc loc(size_t CodePoint) const {
    size_t Byte = CodePoint < CodePointToByte.size()
                      ? CodePointToByte[CodePoint]
                      : Text.size();
    return SMLoc::getFromPointer(Text.data() + Byte);
  }

  SMRange range(antlr4::Token *T) const {
    if (!T || T->getType() == antlr4::Token::EOF)
      return SMRange(loc(CodePointToByte.size() - 1),
                     loc(CodePointToByte.size() - 1));
    return SMRange(loc(T->getStartIndex()), loc(T->getStopIndex() + 1));
  }

  SMRange range(antlr4::ParserRuleContext *Ctx) const {
    if (!Ctx || !Ctx->getStart())
      return SMRange();
    SMRange Start = range(Ctx->getStart());
    antlr4::Token *Stop = Ctx->getStop();
    if (!Stop || Stop->getTokenIndex() < Ctx->getStart()->getTokenIndex())
      return Start;
    return SMRange(Start.Start, range(Stop).End);
  }

private:
  StringRef Text;
  std::vector<size_t> CodePointToByte;
};

std::string describeCodePoint(StringRef Spelling) {
  if (Spelling.size() == 1) {
    unsigned char C = Spelling[0];
    if (isPrint(C))
      return (Twine("'") + Spelling + "'").str();
    return "byte 0x" + utohexstr(C, /*LowerCase=*/false, 2);
  }
  return (Twine("'") + Spelling + "'").str();
}

/// Human names for token types in "expected ..." messages.
class TokenNames {
public:
  explicit TokenNames(const antlr4::dfa::Vocabulary &Vocab) : Vocab(Vocab) {}

  std::string describeToken(antlr4::Token *T) const {
    if (!T)
      return "end of file";
    switch (T->getType()) {
    case antlr4::Token::EOF:
      return "end of file";
    case AdrsLexer::NL:
      return "end of line";
    case AdrsLexer::STRING:
    case AdrsLexer::TEXT_OR_STRING:
      return "string " + shorten(T->getText());
    case AdrsLexer::UNEXPECTED_CHAR:
      return "character " + describeCodePoint(T->getText());
    case AdrsLexer::IDENT:
      return "'" + shorten(T->getText()) + "'";
    default:
      return "'" + shorten(T->getText()) + "'";
    }
  }

  /// The keywords in \p Set, for a "did you mean" (the statement keywords
  /// when the set holds them all).
  std::vector<std::string>
  keywordsIn(const antlr4::misc::IntervalSet &Set) const {
    std::vector<std::string> Words;
    for (ssize_t Type : Set.toList()) {
      std::string Literal = Type > 0 ? Vocab.getLiteralName(Type) : "";
      if (Literal.size() > 2 && isalpha(Literal[1]))
        Words.push_back(Literal.substr(1, Literal.size() - 2));
    }
    return Words;
  }

  /// \p InSettings: where a statement's settings go (`budget ...`), whose
  /// names are words like the statements' keywords.
  std::string describeSet(const antlr4::misc::IntervalSet &Set,
                          bool InSettings = false) const {
    std::vector<ssize_t> Types = Set.toList();
    bool HasIdent = false;
    unsigned StatementKeywords = 0;
    for (ssize_t Type : Types) {
      if (Type == AdrsLexer::IDENT)
        HasIdent = true;
      if (Type > 0 && isStatementKeyword(Vocab.getLiteralName(Type)))
        ++StatementKeywords;
    }
    std::vector<std::string> Items;
    auto Add = [&](std::string Item) {
      if (std::find(Items.begin(), Items.end(), Item) == Items.end())
        Items.push_back(std::move(Item));
    };
    // After a separator nearly everything may follow; naming each keyword
    // would drown the message.
    // Statement keywords are expected after a separator, and also wherever
    // a name is (keywords double as names); '(' tells the second case.
    bool InExpression = false;
    for (ssize_t Type : Types)
      if (Type > 0 && Vocab.getLiteralName(Type) == "'('")
        InExpression = true;
    if (StatementKeywords > 8 && !InExpression)
      Add(InSettings ? "a setting" : "a statement");
    for (ssize_t Type : Types) {
      std::string Literal = Type > 0 ? Vocab.getLiteralName(Type) : "";
      bool IsKeyword = Literal.size() > 2 && isalpha(Literal[1]);
      if (IsKeyword && (HasIdent || StatementKeywords > 8))
        continue;
      if (Type == AdrsLexer::IDENT && StatementKeywords > 8 && !InExpression)
        continue;
      if (Type == -1) { // antlr4::Token::EOF, which does not fit a case label
        Add("end of file");
        continue;
      }
      switch (Type) {
      case AdrsLexer::NL:
        Add("end of line");
        break;
      case AdrsLexer::STRING:
      case AdrsLexer::TEXT_OR_STRING:
        Add("a string");
        break;
      case AdrsLexer::NUMBER:
      case AdrsLexer::QUANTITY:
      case AdrsLexer::MONEY:
        Add("a number");
        break;
      case AdrsLexer::IDENT:
        Add("a name");
        break;
      case AdrsLexer::STD_VERSION:
        Add("a language standard such as c++17");
        break;
      default:
        if (!Literal.empty())
          Add(Literal);
        break;
      }
    }
    if (Items.empty())
      return "something else";
    if (Items.size() > 6) {
      Items.resize(5);
      Items.push_back("...");
    }
    std::string Result;
    for (size_t I = 0; I < Items.size(); ++I) {
      if (I)
        Result += I + 1 == Items.size() ? " or " : ", ";
      Result += Items[I];
    }
    return Result;
  }

private:
  static std::string shorten(std::string Text) {
    if (Text.size() > 40) {
      // Cut between code points, or the message ends in broken UTF-8.
      size_t Cut = 37;
      while (Cut > 0 && (static_cast<unsigned char>(Text[Cut]) & 0xC0) == 0x80)
        --Cut;
      Text = Text.substr(0, Cut) + "...";
    }
    for (char &C : Text)
      if (C == '\n' || C == '\r')
        C = ' ';
    return Text;
  }

  static bool isStatementKeyword(StringRef Literal) {
    if (Literal.size() < 3)
      return false;
    StringRef Word = Literal.drop_front().drop_back();
    return is_contained(statementKeywords(), Word);
  }

  const antlr4::dfa::Vocabulary &Vocab;
};

/// Rewrites ANTLR's messages into the project's wording, and recovers the
/// way a line-oriented language should: a broken statement is skipped up to
/// its end (newline, ';' or '}'), never glued to the next line by deleting
/// the newline, so one mistake gives one error.
class ErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  ErrorStrategy(const TokenNames &Names, const antlr4::dfa::Vocabulary &Vocab)
      : Names(Names), CloseBrace(literalType(Vocab, "'}'")),
        Semicolon(literalType(Vocab, "';'")) {}

  /// In the body, a token that can neither begin a statement nor end one --
  /// junk after a complete statement, or a line such as `= 3` -- is skipped
  /// with the rest of the statement, and the parser stays in the body.
  /// ANTLR's own sync would leave the body there, and every statement after
  /// it would be reported as junk after the problem. The skipped tokens stay
  /// in the tree, as terminals of the body, and the tree builder reports
  /// them in order with the other statement-level errors.
  void sync(antlr4::Parser *P) override {
    if (Abandoned || AfterProblem)
      return;
    if (P->getContext()->getRuleIndex() != AdrsParser::RuleBody) {
      DefaultErrorStrategy::sync(P);
      return;
    }
    antlr4::TokenStream *Input = P->getTokenStream();
    size_t Type = Input->LA(1);
    if (isStatementEnd(Type) || P->getExpectedTokens().contains(Type))
      return;
    while (!isStatementEnd(Input->LA(1)))
      P->consume();
  }

  antlr4::Token *recoverInline(antlr4::Parser *P) override {
    throw antlr4::InputMismatchException(P);
  }

  void recover(antlr4::Parser *P, std::exception_ptr) override {
    antlr4::TokenStream *Input = P->getTokenStream();
    if (Abandoned || AfterProblem) {
      while (Input->LA(1) != antlr4::Token::EOF)
        P->consume();
      return;
    }
    // Guarantee progress when the error is at a statement's end already and
    // the same state fails again.
    if (lastErrorIndex == static_cast<int>(Input->index()) &&
        !isStatementEnd(Input->LA(1)))
      P->consume();
    lastErrorIndex = static_cast<int>(Input->index());
    while (!isStatementEnd(Input->LA(1)))
      P->consume();
  }

protected:
  // ANTLR would drop one token to resync, and the token it drops is often
  // the newline that ends the statement; the rule-level recover() above is
  // the only recovery.
  antlr4::Token *singleTokenDeletion(antlr4::Parser *) override {
    return nullptr;
  }

protected:
  void
  reportNoViableAlternative(antlr4::Parser *P,
                            const antlr4::NoViableAltException &E) override {
    antlr4::Token *T = E.getOffendingToken();
    std::string Message = unexpected(T);
    notify(P, T, situate(P, T, Message));
  }

  void reportInputMismatch(antlr4::Parser *P,
                           const antlr4::InputMismatchException &E) override {
    antlr4::Token *T = E.getOffendingToken();
    std::string Message;
    if (T && T->getType() == AdrsLexer::UNEXPECTED_CHAR)
      Message = unexpected(T);
    else
      Message = "expected " +
                Names.describeSet(E.getExpectedTokens(), inSettings(P)) +
                ", found " + Names.describeToken(T) +
                suggestion(T, E.getExpectedTokens());
    notify(P, T, situate(P, T, Message));
  }

  void
  reportFailedPredicate(antlr4::Parser *P,
                        const antlr4::FailedPredicateException &E) override {
    notify(
        P, E.getOffendingToken(),
        situate(P, E.getOffendingToken(), unexpected(E.getOffendingToken())));
  }

  void reportUnwantedToken(antlr4::Parser *P) override {
    if (inErrorRecoveryMode(P))
      return;
    beginErrorCondition(P);
    antlr4::Token *T = P->getCurrentToken();
    std::string Message = unexpected(T);
    if (!T || T->getType() != AdrsLexer::UNEXPECTED_CHAR)
      Message += "; expected " +
                 Names.describeSet(getExpectedTokens(P), inSettings(P)) +
                 suggestion(T, getExpectedTokens(P));
    notify(P, T, situate(P, T, Message));
  }

  void reportMissingToken(antlr4::Parser *P) override {
    if (inErrorRecoveryMode(P))
      return;
    beginErrorCondition(P);
    antlr4::Token *T = P->getCurrentToken();
    notify(P, T,
           situate(P, T,
                   "expected " +
                       Names.describeSet(getExpectedTokens(P), inSettings(P)) +
                       " before " + Names.describeToken(T)));
  }

public:
  /// An error before the problem's body began (no `problem`, no '{'): what
  /// follows cannot be read as the problem, so nothing more is reported.
  bool abandoned() const { return Abandoned; }

private:
  /// Where the error is decides what comes of it: outside the problem, the
  /// rest of the file is skipped with one error.
  std::string situate(antlr4::Parser *P, antlr4::Token *T,
                      std::string Message) {
    // The one error has been given; the rest of the file is skipped.
    if (Abandoned || AfterProblem)
      return "";
    antlr4::ParserRuleContext *Ctx = P->getContext();
    if (auto *Spec = dynamic_cast<AdrsParser::SpecContext *>(Ctx)) {
      if (!Spec->problem()) {
        Abandoned = true;
        return Message;
      }
      AfterProblem = true;
      if (T && T->getText() == "problem")
        return "a spec holds one problem; a second one begins here";
      return unexpected(T) + " after the problem's closing '}'";
    }
    if (auto *Problem = dynamic_cast<AdrsParser::ProblemContext *>(Ctx))
      if (!Problem->body())
        Abandoned = true;
    return Message;
  }

  /// Inside settings (a settingList), where "a statement" reads "a setting".
  static bool inSettings(antlr4::Parser *P) {
    for (antlr4::RuleContext *C = P->getContext(); C;
         C = dynamic_cast<antlr4::RuleContext *>(C->parent))
      if (C->getRuleIndex() == AdrsParser::RuleSettingList ||
          C->getRuleIndex() == AdrsParser::RuleSetting)
        return true;
    return false;
  }

  /// "; did you mean 'block'?" for a misspelt keyword.
  std::string suggestion(antlr4::Token *T,
                         const antlr4::misc::IntervalSet &Expected) const {
    if (!T || T->getType() != AdrsLexer::IDENT)
      return "";
    return didYouMean(T->getText(), Names.keywordsIn(Expected));
  }

  bool Abandoned = false;
  bool AfterProblem = false;

  bool isStatementEnd(size_t Type) const {
    return Type == antlr4::Token::EOF || Type == AdrsLexer::NL ||
           Type == CloseBrace || Type == Semicolon;
  }

  static size_t literalType(const antlr4::dfa::Vocabulary &V,
                            StringRef Literal) {
    for (size_t T = 1; T <= V.getMaxTokenType(); ++T)
      if (V.getLiteralName(T) == Literal.str())
        return T;
    return 0;
  }

  std::string unexpected(antlr4::Token *T) const {
    if (T && T->getType() == AdrsLexer::UNEXPECTED_CHAR)
      return "unexpected " + Names.describeToken(T);
    if (T && T->getType() == AdrsLexer::STRING && T->getText().size() > 1 &&
        T->getText().back() != '"')
      return "unterminated string";
    return "unexpected " + Names.describeToken(T);
  }

  void notify(antlr4::Parser *P, antlr4::Token *T, const std::string &Message) {
    if (!Message.empty())
      P->notifyErrorListeners(T, Message, nullptr);
  }

  const TokenNames &Names;
  size_t CloseBrace;
  size_t Semicolon;
};

/// Forwards syntax errors to the diagnostic engine and stops the parse once
/// the error limit is reached (a binary file would otherwise produce one
/// error per byte).
class DiagnosticListener : public antlr4::BaseErrorListener {
public:
  DiagnosticListener(DiagnosticEngine &Diags, const PositionMap &Positions)
      : Diags(Diags), Positions(Positions) {}

  void syntaxError(antlr4::Recognizer *, antlr4::Token *Offending, size_t,
                   size_t, const std::string &Message,
                   std::exception_ptr) override {
    SMRange Range = Positions.range(Offending);
    Diags.error(Range.Start, Message);
    if (Diags.reachedErrorLimit())
      throw antlr4::ParseCancellationException();
  }

private:
  DiagnosticEngine &Diags;
  const PositionMap &Positions;
};

/// Collapses a `"""` text to what the user meant: common indentation and
/// blank edge lines removed.
std::string dedent(StringRef Text) {
  SmallVector<StringRef, 16> Lines;
  Text.split(Lines, '\n');
  while (!Lines.empty() && Lines.front().trim().empty())
    Lines.erase(Lines.begin());
  while (!Lines.empty() && Lines.back().trim().empty())
    Lines.pop_back();
  size_t Indent = StringRef::npos;
  for (StringRef Line : Lines) {
    Line = Line.rtrim("\r");
    if (Line.trim().empty())
      continue;
    Indent = std::min(Indent, Line.find_first_not_of(" \t"));
  }
  std::string Result;
  for (size_t I = 0; I < Lines.size(); ++I) {
    StringRef Line = Lines[I].rtrim("\r").rtrim(" \t");
    if (I)
      Result += '\n';
    if (Indent != StringRef::npos && Line.size() >= Indent)
      Result += Line.drop_front(Indent).str();
  }
  return Result;
}

std::string unescape(StringRef Body) {
  std::string Result;
  for (size_t I = 0; I < Body.size(); ++I) {
    char C = Body[I];
    if (C != '\\' || I + 1 == Body.size()) {
      Result += C;
      continue;
    }
    char Next = Body[++I];
    switch (Next) {
    case 'n':
      Result += '\n';
      break;
    case 't':
      Result += '\t';
      break;
    default:
      Result += Next;
      break;
    }
  }
  return Result;
}

/// Splits `512MB` into 512 and "MB"; `1.5e3` stays a plain number.
void splitQuantity(StringRef Spelling, std::string &Number, std::string &Unit) {
  size_t I = 0;
  auto Digits = [&] {
    while (I < Spelling.size() && (isDigit(Spelling[I]) || Spelling[I] == '_'))
      ++I;
  };
  Digits();
  if (I < Spelling.size() && Spelling[I] == '.') {
    ++I;
    Digits();
  }
  if (I + 1 < Spelling.size() && (Spelling[I] == 'e' || Spelling[I] == 'E')) {
    size_t J = I + 1;
    if (J < Spelling.size() && (Spelling[J] == '+' || Spelling[J] == '-'))
      ++J;
    if (J < Spelling.size() && isDigit(Spelling[J])) {
      I = J;
      Digits();
    }
  }
  Number.clear();
  for (char C : Spelling.take_front(I))
    if (C != '_')
      Number += C;
  Unit = Spelling.drop_front(I).str();
}

class Builder {
public:
  Builder(const PositionMap &Positions, const TokenNames &Names,
          DiagnosticEngine &Diags)
      : Positions(Positions), Names(Names), Diags(Diags) {}

  SpecSyntax build(AdrsParser::SpecContext *Ctx) {
    SpecSyntax Result;
    AdrsParser::ProblemContext *Problem = Ctx->problem();
    if (!Problem || !Problem->getStart())
      return Result;
    Result.ProblemKeyword = word(Problem->getStart());
    if (Problem->name())
      Result.ProblemName = name(Problem->name());
    if (Problem->title)
      Result.Title = string(Problem->title);
    if (AdrsParser::BodyContext *Body = Problem->body()) {
      // Statements alternate with separators. Tokens directly in the body
      // are junk the error strategy skipped (see ErrorStrategy::sync): after
      // a statement on its line, or where no statement can begin.
      const std::vector<antlr4::tree::ParseTree *> &Children = Body->children;
      for (size_t I = 0; I < Children.size(); ++I) {
        if (auto *Junk =
                dynamic_cast<antlr4::tree::TerminalNode *>(Children[I])) {
          size_t End = I + 1;
          while (End < Children.size() &&
                 dynamic_cast<antlr4::tree::TerminalNode *>(Children[End]))
            ++End;
          antlr4::Token *First = Junk->getSymbol();
          antlr4::Token *Last =
              static_cast<antlr4::tree::TerminalNode *>(Children[End - 1])
                  ->getSymbol();
          bool AfterStatement =
              I > 0 &&
              dynamic_cast<AdrsParser::StatementContext *>(Children[I - 1]);
          // Skipped while recovering from an error reported already.
          bool Reported = dynamic_cast<antlr4::tree::ErrorNode *>(Junk);
          if (!Reported && AfterStatement)
            Diags.error(Positions.range(First).Start,
                        "expected end of line or ';' after the statement, "
                        "found " +
                            Names.describeToken(First),
                        SMRange(Positions.range(First).Start,
                                Positions.range(Last).End));
          else if (!Reported)
            Diags.error(Positions.range(First).Start,
                        First->getType() == AdrsLexer::UNEXPECTED_CHAR
                            ? "unexpected " + Names.describeToken(First)
                            : "expected a statement, found " +
                                  Names.describeToken(First),
                        Positions.range(First));
          I = End - 1;
          continue;
        }
        auto *S = dynamic_cast<AdrsParser::StatementContext *>(Children[I]);
        if (!S || !S->getStart())
          continue;
        antlr4::Token *Head = S->getStart();
        if (dynamic_cast<AdrsParser::UnknownStmtContext *>(S) &&
            !isWord(Head)) {
          Diags.error(Positions.range(Head).Start,
                      Head->getType() == AdrsLexer::UNEXPECTED_CHAR
                          ? "unexpected " + Names.describeToken(Head)
                          : "expected a statement, found " +
                                Names.describeToken(Head),
                      Positions.range(Head));
          continue;
        }
        Result.Statements.push_back(statement(S));
      }
    }
    return Result;
  }

private:
  /// Identifiers and keywords; what a misspelt statement keyword is.
  static bool isWord(antlr4::Token *T) {
    std::string Text = T->getText();
    return T->getType() == AdrsLexer::IDENT ||
           (!Text.empty() && isAlpha(Text[0]) &&
            T->getType() != AdrsLexer::STD_VERSION &&
            T->getType() != AdrsLexer::UNEXPECTED_CHAR);
  }

  Value word(antlr4::Token *T) {
    Value V;
    V.K = Value::Kind::Word;
    V.Text = V.Spelling = T->getText();
    V.Range = Positions.range(T);
    return V;
  }

  Value name(AdrsParser::NameContext *Ctx) { return word(Ctx->getStart()); }

  Value string(antlr4::Token *T) {
    Value V;
    V.K = Value::Kind::String;
    V.Spelling = T->getText();
    V.Range = Positions.range(T);
    StringRef S = V.Spelling;
    if (S.startswith("\"\"\"")) {
      V.IsTripleQuoted = true;
      V.Unterminated = S.size() < 6 || !S.endswith("\"\"\"");
      StringRef Body = S.drop_front(3);
      if (!V.Unterminated)
        Body = Body.drop_back(3);
      V.Text = dedent(Body);
    } else {
      V.Unterminated = S.size() < 2 || !S.endswith("\"") ||
                       (S.size() >= 3 && S.drop_back().endswith("\\") &&
                        !S.drop_back().endswith("\\\\"));
      StringRef Body = S.drop_front();
      if (!V.Unterminated)
        Body = Body.drop_back();
      V.Text = unescape(Body);
    }
    return V;
  }

  Value number(antlr4::Token *Sign, antlr4::Token *T) {
    Value V;
    V.Spelling = (Sign ? Sign->getText() : std::string()) + T->getText();
    V.Range = Positions.range(T);
    if (Sign)
      V.Range.Start = Positions.range(Sign).Start;
    std::string Digits, Unit;
    std::string TextStorage = T->getText();
    StringRef Text = TextStorage;
    switch (T->getType()) {
    case AdrsLexer::MONEY:
      V.K = Value::Kind::Money;
      splitQuantity(Text.drop_front(), Digits, Unit);
      break;
    case AdrsLexer::QUANTITY:
      V.K = Value::Kind::Quantity;
      splitQuantity(Text, Digits, Unit);
      break;
    default:
      V.K = Value::Kind::Number;
      splitQuantity(Text, Digits, Unit);
      break;
    }
    V.Unit = Unit;
    V.Number = std::strtod(Digits.c_str(), nullptr);
    if (Sign && Sign->getText() == "-")
      V.Number = -V.Number;
    return V;
  }

  Value signedNumber(AdrsParser::SignedNumberContext *Ctx) {
    antlr4::Token *T = Ctx->NUMBER()     ? Ctx->NUMBER()->getSymbol()
                       : Ctx->QUANTITY() ? Ctx->QUANTITY()->getSymbol()
                       : Ctx->MONEY()    ? Ctx->MONEY()->getSymbol()
                                         : Ctx->getStart();
    return number(Ctx->sign, T);
  }

  Value value(AdrsParser::ValueContext *Ctx) {
    if (Ctx->signedNumber())
      return signedNumber(Ctx->signedNumber());
    if (Ctx->STRING())
      return string(Ctx->STRING()->getSymbol());
    if (Ctx->TEXT_OR_STRING())
      return string(Ctx->TEXT_OR_STRING()->getSymbol());
    if (Ctx->name())
      return name(Ctx->name());
    // Nothing matched: a syntax error was reported here already.
    return word(Ctx->getStart());
  }

  std::vector<Value> strings(AdrsParser::StringListContext *Ctx) {
    std::vector<Value> Result;
    if (Ctx)
      for (antlr4::tree::TerminalNode *S : Ctx->STRING())
        Result.push_back(string(S->getSymbol()));
    return Result;
  }

  Setting setting(AdrsParser::SettingContext *Ctx) {
    Setting S;
    S.Key = name(Ctx->name());
    for (AdrsParser::ValueContext *V : Ctx->value())
      S.Values.push_back(value(V));
    S.Range = Positions.range(Ctx);
    return S;
  }

  void settings(AdrsParser::SettingListContext *Ctx, Statement &S) {
    if (!Ctx)
      return;
    for (AdrsParser::SettingContext *Item : Ctx->setting())
      if (Item->name())
        S.Settings.push_back(setting(Item));
  }

  void settings(AdrsParser::SettingBlockContext *Ctx, Statement &S) {
    if (!Ctx)
      return;
    S.HasBlock = true;
    for (AdrsParser::SettingListContext *List : Ctx->settingList())
      settings(List, S);
  }

  // ---- Expressions --------------------------------------------------------

  static bool isOperator(antlr4::tree::ParseTree *Child) {
    return dynamic_cast<antlr4::tree::TerminalNode *>(Child) != nullptr;
  }

  SMRange rangeOf(antlr4::ParserRuleContext *Ctx) {
    return Positions.range(Ctx);
  }

  ExprPtr expr(AdrsParser::ExprContext *Ctx) {
    return leftAssociative(Ctx, [&](antlr4::tree::ParseTree *Child) {
      return andExpr(static_cast<AdrsParser::AndExprContext *>(Child));
    });
  }

  ExprPtr andExpr(AdrsParser::AndExprContext *Ctx) {
    return leftAssociative(Ctx, [&](antlr4::tree::ParseTree *Child) {
      return notExpr(static_cast<AdrsParser::NotExprContext *>(Child));
    });
  }

  ExprPtr notExpr(AdrsParser::NotExprContext *Ctx) {
    if (!Ctx->cmpExpr())
      return nullptr;
    ExprPtr Operand = cmpExpr(Ctx->cmpExpr());
    size_t Nots = Ctx->children.size() - 1;
    // As with signs, `not not c` is c.
    if (Operand && Nots % 2 && countNode(Ctx))
      Operand = Expr::unary(Expr::Kind::Not, Operand, rangeOf(Ctx));
    return Operand;
  }

  ExprPtr cmpExpr(AdrsParser::CmpExprContext *Ctx) {
    return leftAssociative(Ctx, [&](antlr4::tree::ParseTree *Child) {
      return addExpr(static_cast<AdrsParser::AddExprContext *>(Child));
    });
  }

  ExprPtr addExpr(AdrsParser::AddExprContext *Ctx) {
    return leftAssociative(Ctx, [&](antlr4::tree::ParseTree *Child) {
      return mulExpr(static_cast<AdrsParser::MulExprContext *>(Child));
    });
  }

  ExprPtr mulExpr(AdrsParser::MulExprContext *Ctx) {
    return leftAssociative(Ctx, [&](antlr4::tree::ParseTree *Child) {
      return unaryExpr(static_cast<AdrsParser::UnaryExprContext *>(Child));
    });
  }

  ExprPtr unaryExpr(AdrsParser::UnaryExprContext *Ctx) {
    if (!Ctx->primary())
      return nullptr;
    ExprPtr Operand = primary(Ctx->primary());
    // `- - x` is x: only the parity of the signs matters, which also keeps
    // a hostile run of signs from building a deep tree.
    size_t Minuses =
        count_if(Ctx->op, [](antlr4::Token *T) { return T->getText() == "-"; });
    if (Operand && Minuses % 2 && countNode(Ctx))
      Operand = Expr::unary(Expr::Kind::Negate, Operand, rangeOf(Ctx));
    return Operand;
  }

  /// Counts one more node of the expression being built; false (and one
  /// error) once it is too large.
  bool countNode(antlr4::ParserRuleContext *Ctx) {
    if (++ExprNodes <= MaxExprNodes)
      return true;
    if (ExprNodes == MaxExprNodes + 1)
      Diags.error(Positions.range(Ctx).Start,
                  "expression is too large (more than " + Twine(MaxExprNodes) +
                      " terms)");
    return false;
  }

public:
  /// Starts the node count of a new top-level expression.
  ExprPtr topExpr(AdrsParser::ExprContext *Ctx) {
    ExprNodes = 0;
    ExprPtr E = expr(Ctx);
    return ExprNodes > MaxExprNodes ? nullptr : E;
  }

private:
  ExprPtr primary(AdrsParser::PrimaryContext *Ctx) {
    if (auto *P = dynamic_cast<AdrsParser::NumberPrimaryContext *>(Ctx)) {
      Value V = number(nullptr, P->getStart());
      if (V.K != Value::Kind::Number || !V.Unit.empty()) {
        if (V.Unit == "%") {
          V.Number /= 100;
        } else {
          Diags.error(V.loc(),
                      "expressions compare plain numbers; write '" +
                          Twine(formatNumber(V.Number)) +
                          "' and mind the metric's own unit",
                      V.Range);
        }
      }
      return Expr::number(V.Number, V.Range);
    }
    if (auto *P = dynamic_cast<AdrsParser::CallPrimaryContext *>(Ctx)) {
      std::vector<ExprPtr> Args;
      for (AdrsParser::ExprContext *A : P->expr()) {
        ExprPtr Arg = expr(A);
        if (!Arg)
          return nullptr;
        Args.push_back(Arg);
      }
      return Expr::call(P->name()->getText(), std::move(Args), rangeOf(P));
    }
    if (auto *P = dynamic_cast<AdrsParser::NamePrimaryContext *>(Ctx))
      return Expr::metric(P->name()->getText(), rangeOf(P));
    if (auto *P = dynamic_cast<AdrsParser::ParenPrimaryContext *>(Ctx))
      return P->expr() ? expr(P->expr()) : nullptr;
    return nullptr;
  }

  static std::string formatNumber(double N) {
    std::string S = std::to_string(N);
    if (S.find('.') != std::string::npos) {
      while (!S.empty() && S.back() == '0')
        S.pop_back();
      if (!S.empty() && S.back() == '.')
        S.pop_back();
    }
    return S;
  }

  template <typename Fn>
  ExprPtr leftAssociative(antlr4::ParserRuleContext *Ctx, Fn Operand) {
    ExprPtr Result;
    std::string PendingOp;
    for (antlr4::tree::ParseTree *Child : Ctx->children) {
      if (isOperator(Child)) {
        PendingOp = Child->getText();
        continue;
      }
      if (!countNode(Ctx))
        return nullptr;
      ExprPtr Next = Operand(Child);
      if (!Next)
        return nullptr;
      if (!Result) {
        Result = Next;
        continue;
      }
      SMRange Range(Result->getRange().Start, Next->getRange().End);
      Result = Expr::binary(binaryOp(PendingOp), Result, Next, Range);
    }
    return Result;
  }

  static Expr::BinaryOp binaryOp(StringRef Op) {
    return StringSwitch<Expr::BinaryOp>(Op)
        .Case("+", Expr::BinaryOp::Add)
        .Case("-", Expr::BinaryOp::Sub)
        .Case("*", Expr::BinaryOp::Mul)
        .Case("/", Expr::BinaryOp::Div)
        .Case("==", Expr::BinaryOp::EQ)
        .Case("!=", Expr::BinaryOp::NE)
        .Case("<", Expr::BinaryOp::LT)
        .Case("<=", Expr::BinaryOp::LE)
        .Case(">", Expr::BinaryOp::GT)
        .Case(">=", Expr::BinaryOp::GE)
        .Case("and", Expr::BinaryOp::And)
        .Default(Expr::BinaryOp::Or);
  }

  // ---- Statements ---------------------------------------------------------

  Statement statement(AdrsParser::StatementContext *Ctx) {
    Statement S;
    S.Keyword = word(Ctx->getStart());
    S.Range = Positions.range(Ctx);

    if (auto *C = dynamic_cast<AdrsParser::DescribeStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Describe;
      if (C->TEXT_OR_STRING())
        S.Strings.push_back(string(C->TEXT_OR_STRING()->getSymbol()));
      else if (C->STRING())
        S.Strings.push_back(string(C->STRING()->getSymbol()));
    } else if (auto *C = dynamic_cast<AdrsParser::HintsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Hints;
      if (C->TEXT_OR_STRING())
        S.Strings.push_back(string(C->TEXT_OR_STRING()->getSymbol()));
      else if (C->STRING())
        S.Strings.push_back(string(C->STRING()->getSymbol()));
    } else if (auto *C = dynamic_cast<AdrsParser::SourcesStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Sources;
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::IncludeStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Include;
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::LinkStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Link;
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::DefineStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Define;
      for (AdrsParser::MacroContext *M : C->macro()) {
        if (!M->name())
          continue;
        Macro Def;
        Def.Name = name(M->name());
        if (M->value())
          Def.Val = value(M->value());
        S.Macros.push_back(std::move(Def));
      }
    } else if (auto *C = dynamic_cast<AdrsParser::FlagsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Flags;
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::StdStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Std;
      if (C->STD_VERSION())
        S.Name = word(C->STD_VERSION()->getSymbol());
      else if (C->STRING())
        S.Name = string(C->STRING()->getSymbol());
    } else if (auto *C = dynamic_cast<AdrsParser::CompdbStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Compdb;
      if (C->STRING())
        S.Strings.push_back(string(C->STRING()->getSymbol()));
    } else if (auto *C = dynamic_cast<AdrsParser::EvolveStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Evolve;
      if (C->kind)
        S.Modifier = word(C->kind);
      if (C->name())
        S.Name = name(C->name());
      if (C->STRING())
        S.Strings.push_back(string(C->STRING()->getSymbol()));
    } else if (auto *C =
                   dynamic_cast<AdrsParser::EvaluatorCommandStmtContext *>(
                       Ctx)) {
      S.Kind = StmtKind::EvaluatorCommand;
      if (C->STRING())
        S.Strings.push_back(string(C->STRING()->getSymbol()));
    } else if (auto *C =
                   dynamic_cast<AdrsParser::EvaluatorStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Evaluator;
      if (C->name())
        S.Name = name(C->name());
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::BaselineStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Baseline;
      if (C->name())
        S.Name = name(C->name());
      S.Strings = strings(C->stringList());
    } else if (auto *C =
                   dynamic_cast<AdrsParser::WorkloadsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Workloads;
      if (C->name())
        S.Name = name(C->name());
      S.Strings = strings(C->stringList());
      if (auto *As =
              dynamic_cast<AdrsParser::RoleAsContext *>(C->workloadRole())) {
        S.Modifier = word(As->getStart());
        if (As->name())
          S.Role = name(As->name());
      } else if (auto *Split = dynamic_cast<AdrsParser::RoleSplitContext *>(
                     C->workloadRole())) {
        S.Modifier = word(Split->getStart());
        if (Split->name())
          S.Role = name(Split->name());
        std::vector<AdrsParser::SignedNumberContext *> Numbers =
            Split->signedNumber();
        if (!Numbers.empty())
          S.Number = signedNumber(Numbers[0]);
        if (Numbers.size() > 1)
          S.Seed = signedNumber(Numbers[1]);
      }
    } else if (auto *C = dynamic_cast<AdrsParser::MetricsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Metrics;
      for (AdrsParser::MetricDeclContext *M : C->metricDecl()) {
        if (!M->name())
          continue;
        MetricDecl Decl;
        Decl.Name = name(M->name());
        if (M->STRING())
          Decl.Description = string(M->STRING()->getSymbol());
        S.Metrics.push_back(std::move(Decl));
      }
    } else if (auto *C =
                   dynamic_cast<AdrsParser::ObjectiveStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Objective;
      if (C->direction)
        S.Modifier = word(C->direction);
      if (C->name())
        S.Name = name(C->name());
      if (C->signedNumber())
        S.Number = signedNumber(C->signedNumber());
    } else if (auto *C = dynamic_cast<AdrsParser::ScoreStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Score;
      if (C->expr())
        S.Expression = topExpr(C->expr());
    } else if (auto *C = dynamic_cast<AdrsParser::RequireStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Require;
      if (C->expr())
        S.Expression = topExpr(C->expr());
    } else if (auto *C = dynamic_cast<AdrsParser::VerifyStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Verify;
      // Each condition counts its own nodes, like a require of its own.
      for (AdrsParser::ExprContext *E : C->expr())
        if (ExprPtr Condition = topExpr(E))
          S.Conditions.push_back(std::move(Condition));
    } else if (auto *C = dynamic_cast<AdrsParser::ForbidStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Forbid;
      if (C->name())
        S.Name = name(C->name());
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::AllowStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Allow;
      if (C->name())
        S.Name = name(C->name());
      S.Strings = strings(C->stringList());
    } else if (auto *C = dynamic_cast<AdrsParser::LimitsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Limits;
      settings(C->settingList(), S);
    } else if (auto *C = dynamic_cast<AdrsParser::StageStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Stage;
      if (C->name())
        S.Name = name(C->name());
      if (auto *Part =
              dynamic_cast<AdrsParser::StagePartContext *>(C->stageSet())) {
        if (Part->signedNumber())
          S.Number = signedNumber(Part->signedNumber());
        if (Part->name())
          S.Role = name(Part->name());
      } else if (auto *All = dynamic_cast<AdrsParser::StageAllContext *>(
                     C->stageSet())) {
        if (All->name())
          S.Role = name(All->name());
      }
      if (C->expr())
        S.Expression = topExpr(C->expr());
    } else if (auto *C = dynamic_cast<AdrsParser::RepeatsStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Repeats;
      if (C->signedNumber())
        S.Number = signedNumber(C->signedNumber());
    } else if (auto *C =
                   dynamic_cast<AdrsParser::GeneratorStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Generator;
      if (C->name())
        S.Name = name(C->name());
      settings(C->settingList(), S);
      settings(C->settingBlock(), S);
    } else if (auto *C = dynamic_cast<AdrsParser::ExecutorStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Executor;
      if (C->name())
        S.Name = name(C->name());
      settings(C->settingList(), S);
      settings(C->settingBlock(), S);
    } else if (auto *C = dynamic_cast<AdrsParser::SearchStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Search;
      if (C->name())
        S.Name = name(C->name());
      if (C->signedNumber())
        S.Number = signedNumber(C->signedNumber());
      settings(C->settingList(), S);
      settings(C->settingBlock(), S);
    } else if (auto *C = dynamic_cast<AdrsParser::SeedStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Seed;
      if (C->signedNumber())
        S.Number = signedNumber(C->signedNumber());
    } else if (auto *C = dynamic_cast<AdrsParser::BudgetStmtContext *>(Ctx)) {
      S.Kind = StmtKind::Budget;
      settings(C->settingList(), S);
    } else {
      S.Kind = StmtKind::Unknown;
    }
    return S;
  }

  const PositionMap &Positions;
  const TokenNames &Names;
  DiagnosticEngine &Diags;
  unsigned ExprNodes = 0;
};

/// Reports what the lexer leaves to us: unterminated comments and texts,
/// and nesting too deep to parse safely. False means: do not parse.
bool checkTokens(antlr4::CommonTokenStream &Tokens,
                 const PositionMap &Positions, DiagnosticEngine &Diags) {
  unsigned Depth = 0;
  unsigned Parsed = 0;
  for (antlr4::Token *T : Tokens.getTokens()) {
    if (T->getChannel() == antlr4::Token::DEFAULT_CHANNEL &&
        ++Parsed > MaxTokens) {
      Diags.error(Positions.range(T).Start,
                  "spec is too long (more than " + Twine(MaxTokens) +
                      " tokens); a spec is a page of text");
      return false;
    }
    switch (T->getType()) {
    case AdrsLexer::BLOCK_COMMENT: {
      std::string TextStorage = T->getText();
      StringRef Text = TextStorage;
      if (Text.size() < 4 || !Text.endswith("*/")) {
        // It swallows the rest of the file, '}' included: whatever the
        // parser said next would be a consequence.
        Diags.error(Positions.range(T).Start,
                    "unterminated /* comment; it runs to the end of the file");
        return false;
      }
      break;
    }
    case AdrsLexer::TEXT_OR_STRING: {
      std::string TextStorage = T->getText();
      StringRef Text = TextStorage;
      if (Text.size() < 6 || !Text.endswith("\"\"\"")) {
        Diags.error(Positions.range(T).Start,
                    "unterminated \"\"\" text; it runs to the end of the file");
        return false;
      }
      break;
    }
    default: {
      std::string TextStorage = T->getText();
      StringRef Text = TextStorage;
      if (Text == "(" || Text == "{") {
        if (++Depth > MaxNesting) {
          Diags.error(Positions.range(T).Start,
                      "nesting is too deep (more than " + Twine(MaxNesting) +
                          " levels)");
          return false;
        }
      } else if ((Text == ")" || Text == "}") && Depth > 0) {
        --Depth;
      }
      break;
    }
    }
  }
  return true;
}

} // namespace

ArrayRef<StringRef> statementKeywords() {
  static const StringRef Keywords[] = {
      "describe",  "hints",   "sources",  "include",  "link",      "define",
      "flags",     "std",     "compdb",   "evolve",   "evaluator", "baseline",
      "workloads", "metrics", "maximize", "minimize", "score",     "require",
      "verify",    "forbid",  "allow",    "limits",   "stage",     "repeats",
      "generator", "search",  "seed",     "budget",   "executor"};
  return Keywords;
}

std::optional<SpecSyntax> parseSyntax(SourceMgr &SM, unsigned BufferID,
                                      DiagnosticEngine &Diags) {
  StringRef Text = SM.getMemoryBuffer(BufferID)->getBuffer();
  PositionMap Positions(Text);
  try {
    antlr4::ANTLRInputStream Input(Text.data(), Text.size());
    AdrsLexer Lexer(&Input);
    Lexer.removeErrorListeners();
    antlr4::CommonTokenStream Tokens(&Lexer);
    Tokens.fill();
    if (!checkTokens(Tokens, Positions, Diags))
      return std::nullopt;

    AdrsParser Parser(&Tokens);
    TokenNames Names(Parser.getVocabulary());
    DiagnosticListener Listener(Diags, Positions);
    Parser.removeErrorListeners();
    Parser.addErrorListener(&Listener);
    auto Strategy =
        std::make_shared<ErrorStrategy>(Names, Parser.getVocabulary());
    Parser.setErrorHandler(Strategy);
    AdrsParser::SpecContext *Tree = Parser.spec();
    if (Strategy->abandoned())
      return std::nullopt;
    Builder B(Positions, Names, Diags);
    return B.build(Tree);
  } catch (antlr4::ParseCancellationException &) {
    return std::nullopt;
  } catch (std::exception &E) {
    // The runtime should not throw past its own recovery; if it does, the
    // spec is still only rejected, never the process brought down.
    Diags.error(SMLoc::getFromPointer(Text.data()),
                Twine("internal parser error: ") + E.what());
    return std::nullopt;
  }
}

} // namespace syntax
} // namespace spec
} // namespace adrs
