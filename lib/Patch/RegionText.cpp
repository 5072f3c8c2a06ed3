//===- RegionText.cpp - What a region's text may hold ---------------------===//

#include "adrs/Patch/RegionText.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/TokenKinds.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace adrs {
namespace patch {

namespace {

struct Lexed {
  clang::Token Tok;
  size_t Offset;
  StringRef Spelling;  ///< As written.
  std::string Cleaned; ///< As the compiler reads it: line splices removed.
};

/// \p Spelling without its line splices (a backslash, optional blanks, a
/// line break): `_Pra\<newline>gma` is `_Pragma` to the compiler.
std::string withoutSplices(StringRef Spelling) {
  std::string Out;
  for (size_t I = 0; I < Spelling.size(); ++I) {
    if (Spelling[I] == '\\') {
      size_t J = I + 1;
      while (J < Spelling.size() && (Spelling[J] == ' ' || Spelling[J] == '\t'))
        ++J;
      if (J < Spelling.size() && (Spelling[J] == '\n' || Spelling[J] == '\r')) {
        if (Spelling[J] == '\r' && J + 1 < Spelling.size() &&
            Spelling[J + 1] == '\n')
          ++J;
        I = J;
        continue;
      }
    }
    Out += Spelling[I];
  }
  return Out;
}

/// Every token of \p Text (which must end in a NUL), comments left out.
std::vector<Lexed> lex(const std::string &Text, const clang::LangOptions &LO) {
  std::vector<Lexed> Tokens;
  const char *Begin = Text.data();
  clang::Lexer L(clang::SourceLocation(), LO, Begin, Begin,
                 Begin + Text.size());
  L.SetCommentRetentionState(false);
  for (;;) {
    clang::Token Tok;
    L.LexFromRawLexer(Tok);
    if (Tok.is(clang::tok::eof))
      break;
    // The raw lexer stops right after the token it returns.
    const char *At = L.getBufferLocation() - Tok.getLength();
    StringRef Spelling(At, Tok.getLength());
    Tokens.push_back(
        {Tok, size_t(At - Begin), Spelling,
         Tok.needsCleaning() ? withoutSplices(Spelling) : Spelling.str()});
  }
  return Tokens;
}

std::string restOfLine(StringRef Text, size_t Offset) {
  StringRef Line = Text.drop_front(Offset);
  Line = Line.take_until([](char C) { return C == '\n' || C == '\r'; });
  Line = Line.rtrim();
  return Line.size() > 60 ? (Line.take_front(57) + "...").str() : Line.str();
}

std::vector<Directive> directives(const std::string &Text,
                                  const std::vector<Lexed> &Tokens) {
  std::vector<Directive> Out;
  for (size_t I = 0; I < Tokens.size(); ++I) {
    if (!Tokens[I].Tok.isOneOf(clang::tok::hash, clang::tok::hashhash))
      continue;
    Directive D;
    D.Offset = Tokens[I].Offset;
    D.Line = restOfLine(Text, D.Offset);
    // The rest of the directive: the tokens on the same line.
    size_t J = I + 1;
    auto OnLine = [&](size_t K) {
      return K < Tokens.size() && !Tokens[K].Tok.isAtStartOfLine();
    };
    if (OnLine(J))
      D.Name = Tokens[J].Cleaned;
    if (D.Name == "include" || D.Name == "include_next" || D.Name == "import") {
      for (size_t K = J + 1; OnLine(K); ++K) {
        D.Operand += Tokens[K].Cleaned;
        if (Tokens[K].Tok.isNot(clang::tok::less) &&
            (D.Operand[0] != '<' || Tokens[K].Tok.is(clang::tok::greater)))
          break;
      }
    }
    Out.push_back(std::move(D));
  }
  return Out;
}

} // namespace

std::vector<Directive> regionDirectives(StringRef Input,
                                        const clang::LangOptions &LO) {
  std::string Text = Input.str(); // the raw lexer wants a NUL at the end
  return directives(Text, lex(Text, LO));
}

std::vector<TextProblem> regionTextProblems(StringRef Input,
                                            const clang::LangOptions &LO) {
  std::vector<TextProblem> Problems;
  std::string Text = Input.str(); // the raw lexer wants a NUL at the end
  std::vector<Lexed> Tokens = lex(Text, LO);
  for (const Lexed &T : Tokens) {
    if (T.Tok.isOneOf(clang::tok::l_brace, clang::tok::r_brace,
                      clang::tok::l_square, clang::tok::r_square,
                      clang::tok::hash, clang::tok::hashhash) &&
        (T.Spelling.startswith("<") || T.Spelling.startswith("%") ||
         T.Spelling.startswith(":")))
      Problems.push_back(
          {T.Offset,
           "the digraph '" + T.Spelling.str() + "' (for '" +
               clang::tok::getPunctuatorSpelling(T.Tok.getKind()) +
               "') is not part of the candidate language: write "
               "the punctuation itself",
           "digraph " + T.Spelling.str()});
    if (T.Tok.is(clang::tok::raw_identifier) &&
        (T.Cleaned == "_Pragma" || T.Cleaned == "__pragma"))
      Problems.push_back({T.Offset,
                          "'" + T.Cleaned +
                              "' is not part of the candidate "
                              "language: a pragma changes how the "
                              "compiler treats the code",
                          T.Cleaned});
  }
  for (const Directive &D : directives(Text, Tokens)) {
    std::string Message, What = "directive " + D.Name;
    if (!D.Name.empty() && isDigit(D.Name[0])) {
      What = "line marker";
      Message = "the line marker '" + D.Line +
                "' is not part of the candidate language: it would make the "
                "code after it look like another file's (a system header's)";
    } else if (D.Name == "line")
      Message = "the directive '" + D.Line +
                "' is not part of the candidate language: it would make the "
                "code after it look like another file's";
    else
      Message = "the preprocessor directive '" + D.Line +
                "' is not part of the candidate language: a region holds C++ "
                "declarations and statements; the file's #includes are "
                "outside the regions";
    Problems.push_back({D.Offset, std::move(Message), std::move(What)});
  }
  // Where trigraphs are on (-std=c++14 and before), `??/` continues a
  // comment onto the next line and `??>` is a closing brace; in a comment
  // or a string as much as in code.
  if (LO.Trigraphs)
    for (size_t I = Text.find("??"); I != std::string::npos;
         I = Text.find("??", I + 1))
      if (I + 2 < Text.size() && StringRef("=/'()!<>-").contains(Text[I + 2]))
        Problems.push_back({I,
                            "the trigraph '" + Text.substr(I, 3) +
                                "' is not part of the candidate language: "
                                "write the character itself",
                            "trigraph " + Text.substr(I, 3)});
  llvm::stable_sort(Problems, [](const TextProblem &A, const TextProblem &B) {
    return A.Offset < B.Offset;
  });
  return Problems;
}

std::vector<TextProblem> regionTextProblems(StringRef Text) {
  clang::LangOptions LO;
  LO.CPlusPlus = LO.CPlusPlus11 = LO.CPlusPlus14 = LO.CPlusPlus17 = true;
  LO.Digraphs = true;
  LO.Trigraphs = true;
  return regionTextProblems(Text, LO);
}

} // namespace patch
} // namespace adrs
