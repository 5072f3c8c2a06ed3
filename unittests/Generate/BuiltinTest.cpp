//===- BuiltinTest.cpp - The built-in generator ---------------------------===//
//
// Every proposal takes the road a search gives it: parseEdit and applyEdit
// onto regions built by hand in a file. Then the change itself is checked
// against what its operator may do, token by token or line by line, so a
// proposal that applies but edits the wrong thing (a string, a comment, a
// case label, half a statement) fails here.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/Builtin.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Patch/Edit.h"
#include "adrs/Regions/Markers.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Lex/Lexer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <map>
#include <random>
#include <set>

using namespace adrs;
using namespace adrs::generate;
using adrs::regions::Region;
using llvm::StringRef;

namespace {

//===----------------------------------------------------------------------===//
// Region texts
//===----------------------------------------------------------------------===//

const char *Scheduler = R"(  int budget = 12;
  for (int i = 0; i < n; ++i) {
    if (jobs[i].size > budget) {
      deferred.push_back(i);
      continue;
    } else if (jobs[i].size == 0) {
      ++idle;
    } else {
      budget -= jobs[i].size;
      order.push_back(i);
    }
    while (budget < 0 && !order.empty()) {
      budget += jobs[order.back()].size / 2;
      order.pop_back();
    }
    switch (jobs[i].kind) {
    case 0:
      weight[i] = 1.5;
      break;
    case 1:
      weight[i] = 2.0 * jobs[i].size;
      break;
    default:
      weight[i] = 0.25f;
    }
  }
  int k = 0;
  do {
    k += 2;
  } while (k < 10);
  std::vector<int> picks(3);
  int last[4] = {0, 1, 2, 3};
  if (!(k > 4))
    return picks.size() + last[0];
)";

const char *Strings = R"(  // Thresholds: x < 3 * 2.5 + 1, see "notes"
  const char *msg = "if (a < b) return 1 + 2;";
  std::string tag = "7 > 6 && -1";
  /* 4 - 5 * 6
     multi-line comment with 8 / 2 */
  log("%d > %d", n - 1, 2); // trailing: 9 <= 10
  char c = '7';
  auto raw = R"x(y < 5 - 3
  z >= 4)x";
  total += n * 3;
  total -= msg[0] + c;
)";

const char *Weight = "double tierWeight(Tier T) {\n"
                     "  switch (T) {\n"
                     "  case Tier::Gold:\n"
                     "    return 4.0;\n"
                     "  case Tier::Silver:\n"
                     "    return 2.0;\n"
                     "  case Tier::Bronze:\n"
                     "    break;\n"
                     "  }\n"
                     "  if (T == Tier::None)\n"
                     "    return 0.5 * base(T);\n"
                     "  return 1.0;\n"
                     "}";

/// The policy region of examples/cant-be-late, read from the example.
std::string cantBeLate() {
  auto Buffer = llvm::MemoryBuffer::getFile(
      ADRS_SOURCE_DIR "/examples/cant-be-late/policy/greedy.cpp");
  if (!Buffer)
    return "";
  StringRef Text = (*Buffer)->getBuffer();
  for (const regions::MarkedBlock &B : regions::scanMarkers(Text).Blocks)
    if (B.Name == "policy")
      return Text.slice(B.Begin, B.End).str();
  return "";
}

//===----------------------------------------------------------------------===//
// A file with regions, and applying proposals to it
//===----------------------------------------------------------------------===//

struct Source {
  std::map<std::string, std::string> Files;
  std::vector<Region> Regions;
  Program Prog;

  const Region &region(StringRef Name) const {
    for (const Region &R : Regions)
      if (R.Name == Name)
        return R;
    static Region None;
    ADD_FAILURE() << "no region " << Name.str();
    return None;
  }
};

struct RegionSpec {
  std::string Name;
  std::string Text;
  spec::RegionKind Kind = spec::RegionKind::Block;
};

/// Block regions each inside a function between markers, function regions
/// as whole definitions, all in one file, with code around them that must
/// never change.
Source makeSource(const std::vector<RegionSpec> &Specs,
                  StringRef Newline = "\n") {
  Source S;
  std::string File = "/p/src/policy.cpp";
  std::string Text = "#include \"sim.h\"" + Newline.str();
  auto NL = [&](StringRef T) {
    std::string Out;
    for (char C : T) {
      if (C == '\n')
        Out += Newline.str();
      else
        Out += C;
    }
    return Out;
  };
  for (const RegionSpec &Spec : Specs) {
    Region R;
    R.Kind = Spec.Kind;
    R.Name = Spec.Name;
    R.File = R.Unit = File;
    std::string Body = NL(Spec.Text);
    if (Spec.Kind == spec::RegionKind::Block)
      Text += NL("int host_" + Spec.Name +
                 "(int n) {\n  int keep = n * 2;\n"
                 "  // EVOLVE-BLOCK-START " +
                 Spec.Name + "\n");
    else
      Text += "ADRS_EVOLVE ";
    R.Begin = Text.size();
    Text += Body;
    R.End = Text.size();
    R.Text = Body;
    R.FirstLine = regions::lineOf(Text, R.Begin);
    R.LastLine = regions::lineOf(Text, R.End ? R.End - 1 : 0);
    if (Spec.Kind == spec::RegionKind::Block)
      Text += NL("  // EVOLVE-BLOCK-END\n  return keep - 1;\n}\n");
    else
      Text += NL("\nint after() { return 3 < 4; }\n");
    S.Regions.push_back(R);
    S.Prog[Spec.Name] = Body;
  }
  S.Files[File] = Text;
  return S;
}

/// What a proposal did to its region, once applied.
struct Applied {
  bool Ok = false;
  std::string Why;
  std::string Old, New; ///< The region before and after.
};

Applied applyProposal(const Source &S, const Proposal &P) {
  Applied A;
  llvm::Expected<patch::Edit> E = patch::parseEdit(P.Reply);
  if (!E) {
    A.Why = "parseEdit: " + llvm::toString(E.takeError());
    return A;
  }
  patch::PatchResult R = patch::applyEdit(*E, S.Regions, S.Files);
  if (!R.accepted()) {
    for (const patch::Rejection &J : R.Rejections)
      A.Why += J.Message + "\n";
    return A;
  }
  if (R.Changed != std::vector<std::string>{P.Region}) {
    A.Why = "changed " + llvm::join(R.Changed, ",") + " instead of " + P.Region;
    return A;
  }
  const Region &Old = S.region(P.Region);
  const Region *New = nullptr;
  for (const Region &X : R.Regions)
    if (X.Name == P.Region)
      New = &X;
  const std::string &Before = S.Files.at(Old.File);
  const std::string &After = R.Files.at(Old.File);
  // Not a byte outside the region changes.
  if (!New || After.compare(0, Old.Begin, Before, 0, Old.Begin) != 0 ||
      After.size() !=
          Before.size() - (Old.End - Old.Begin) + New->Text.size() ||
      After.compare(New->End, std::string::npos, Before, Old.End,
                    std::string::npos) != 0) {
    A.Why = "text outside the region changed";
    return A;
  }
  A.Ok = true;
  A.Old = Old.Text;
  A.New = New->Text;
  return A;
}

//===----------------------------------------------------------------------===//
// What each operator may change
//===----------------------------------------------------------------------===//

struct Tok {
  clang::tok::TokenKind Kind;
  std::string Text;
  bool operator==(const Tok &O) const { return Text == O.Text; }
};

/// Tokens with comments kept, so that a comment that changed shows.
std::vector<Tok> lexAll(const std::string &Text) {
  clang::LangOptions LO;
  LO.CPlusPlus = LO.CPlusPlus11 = LO.CPlusPlus14 = LO.CPlusPlus17 = true;
  LO.LineComment = true;
  clang::Lexer L(clang::SourceLocation(), LO, Text.data(), Text.data(),
                 Text.data() + Text.size());
  L.SetCommentRetentionState(true);
  std::vector<Tok> Out;
  clang::Token T;
  for (;;) {
    L.LexFromRawLexer(T);
    if (T.is(clang::tok::eof))
      break;
    const char *End = L.getBufferLocation();
    Out.push_back({T.getKind(), std::string(End - T.getLength(), End)});
  }
  return Out;
}

std::vector<std::string> linesOf(StringRef Text) {
  std::vector<std::string> Out;
  llvm::SmallVector<StringRef, 32> Parts;
  Text.split(Parts, '\n');
  if (!Parts.empty() && Parts.back().empty())
    Parts.pop_back();
  for (StringRef P : Parts)
    Out.push_back(P.rtrim('\r').str());
  return Out;
}

bool isNumber(const Tok &T) { return T.Kind == clang::tok::numeric_constant; }

bool isFloatSpelling(StringRef S) {
  return !S.startswith_insensitive("0x") &&
         S.find_first_of(".eE") != StringRef::npos;
}

StringRef suffixOf(StringRef S) {
  if (S.startswith_insensitive("0x"))
    return S.drop_front(2).drop_while(llvm::isHexDigit);
  return S.drop_while([](char C) {
    return llvm::isDigit(C) || C == '.' || C == '\'' || C == 'e' || C == 'E' ||
           C == '+' || C == '-';
  });
}

/// Old and new differ only where \p Old[At] became \p Repl.
bool replacedAt(const std::vector<Tok> &Old, const std::vector<Tok> &New,
                size_t At, size_t Repl) {
  if (New.size() + 1 != Old.size() + Repl)
    return false;
  for (size_t K = 0; K < At; ++K)
    if (!(Old[K] == New[K]))
      return false;
  for (size_t K = At + 1; K < Old.size(); ++K)
    if (!(Old[K] == New[K + Repl - 1]))
      return false;
  return true;
}

size_t firstDifference(const std::vector<Tok> &A, const std::vector<Tok> &B) {
  size_t K = 0;
  while (K < A.size() && K < B.size() && A[K] == B[K])
    ++K;
  return K;
}

std::string checkConstant(const std::string &Old, const std::string &New) {
  std::vector<Tok> O = lexAll(Old), N = lexAll(New);
  size_t D = firstDifference(O, N);
  if (D >= O.size() || !isNumber(O[D]))
    return "the first changed token is not a number";
  size_t Repl = N.size() - O.size() + 1;
  const Tok *Lit = nullptr;
  if (Repl == 1 && isNumber(N[D]))
    Lit = &N[D];
  else if (Repl == 4 && N[D].Text == "(" && N[D + 1].Text == "-" &&
           isNumber(N[D + 2]) && N[D + 3].Text == ")")
    Lit = &N[D + 2];
  if (!Lit || !replacedAt(O, N, D, Repl))
    return "not exactly one literal replaced by a literal";
  if (isFloatSpelling(O[D].Text) != isFloatSpelling(Lit->Text))
    return "literal changed type: " + O[D].Text + " -> " + Lit->Text;
  if (suffixOf(O[D].Text) != suffixOf(Lit->Text))
    return "literal lost its suffix: " + O[D].Text + " -> " + Lit->Text;
  return "";
}

bool isComparison(StringRef S) {
  return S == "<" || S == "<=" || S == ">" || S == ">=" || S == "==" ||
         S == "!=";
}
bool isArithmetic(StringRef S) {
  return S == "+" || S == "-" || S == "*" || S == "/";
}

std::string checkOperator(const std::string &Old, const std::string &New) {
  std::vector<Tok> O = lexAll(Old), N = lexAll(New);
  size_t D = firstDifference(O, N);
  if (D >= O.size() || !replacedAt(O, N, D, 1))
    return "not exactly one token replaced";
  StringRef A = O[D].Text, B = N[D].Text;
  if (!((isComparison(A) && isComparison(B)) ||
        (isArithmetic(A) && isArithmetic(B))))
    return ("operator changed class: " + A + " -> " + B).str();
  return "";
}

/// \p Short is \p Long without the tokens at \p Gone (sorted).
bool withoutTokens(const std::vector<Tok> &Long, const std::vector<Tok> &Short,
                   const std::vector<size_t> &Gone) {
  if (Long.size() != Short.size() + Gone.size())
    return false;
  size_t J = 0;
  for (size_t K = 0; K < Long.size(); ++K) {
    if (llvm::is_contained(Gone, K))
      continue;
    if (!(Long[K] == Short[J++]))
      return false;
  }
  return true;
}

std::string checkNegate(const std::string &Old, const std::string &New) {
  std::vector<Tok> O = lexAll(Old), N = lexAll(New);
  bool Wrapped = N.size() == O.size() + 3;
  const std::vector<Tok> &Long = Wrapped ? N : O, &Short = Wrapped ? O : N;
  if (Long.size() != Short.size() + 3)
    return "not three tokens added or removed";
  // Some '!(' ... ')' of the longer text, wrapping a whole condition, is
  // all that differs.
  for (size_t D = 1; D + 1 < Long.size(); ++D) {
    if (Long[D].Text != "!" || Long[D + 1].Text != "(" ||
        (Long[D - 1].Text != "(" && Long[D - 1].Text != ";"))
      continue;
    int Depth = 0;
    for (size_t K = D + 1; K < Long.size(); ++K) {
      Depth += Long[K].Text == "(";
      Depth -= Long[K].Text == ")";
      if (Depth != 0)
        continue;
      if (K + 1 < Long.size() && Long[K + 1].Text == ")" &&
          withoutTokens(Long, Short, {D, D + 1, K}))
        return "";
      break;
    }
  }
  return "not a condition wrapped in or unwrapped from '!(' ... ')'";
}

bool balancedStatement(const std::vector<std::string> &Lines) {
  std::string Text;
  for (const std::string &L : Lines)
    Text += L + "\n";
  std::vector<Tok> T = lexAll(Text);
  std::vector<char> Open;
  const Tok *Last = nullptr;
  for (const Tok &X : T) {
    if (X.Kind == clang::tok::comment)
      continue;
    Last = &X;
    if (X.Text == "(" || X.Text == "[" || X.Text == "{")
      Open.push_back(X.Text[0]);
    if (X.Text == ")" || X.Text == "]" || X.Text == "}") {
      char Want = X.Text == ")" ? '(' : X.Text == "]" ? '[' : '{';
      if (Open.empty() || Open.back() != Want)
        return false;
      Open.pop_back();
    }
  }
  return Open.empty() && Last && (Last->Text == ";" || Last->Text == "}");
}

using Lines = std::vector<std::string>;

Lines slice(const Lines &L, size_t From, size_t To) {
  return Lines(L.begin() + From, L.begin() + To);
}

Lines concat(std::initializer_list<Lines> Parts) {
  Lines Out;
  for (const Lines &P : Parts)
    Out.insert(Out.end(), P.begin(), P.end());
  return Out;
}

std::string checkDelete(const Lines &O, const Lines &N) {
  if (N.size() >= O.size())
    return "nothing deleted";
  size_t K = O.size() - N.size();
  for (size_t At = 0; At + K <= O.size(); ++At)
    if (concat({slice(O, 0, At), slice(O, At + K, O.size())}) == N &&
        balancedStatement(slice(O, At, At + K)))
      return "";
  return "not one whole statement deleted";
}

std::string checkDuplicate(const Lines &O, const Lines &N) {
  if (N.size() <= O.size())
    return "nothing added";
  size_t K = N.size() - O.size();
  for (size_t At = K; At <= O.size(); ++At)
    if (concat({slice(O, 0, At), slice(O, At - K, At),
                slice(O, At, O.size())}) == N &&
        balancedStatement(slice(O, At - K, At)))
      return "";
  return "not one whole statement duplicated in place";
}

/// Calls \p Fn with every window [From, To) of two line lists of the same
/// length outside which they are equal. The smallest such window may cut
/// into a statement whose first or last line is unchanged (a `}` that a
/// neighbour also ends with), so the checks try the larger ones too.
template <typename Fn> bool anyWindow(const Lines &O, const Lines &N, Fn F) {
  size_t P = 0;
  while (P < O.size() && O[P] == N[P])
    ++P;
  size_t S = 0;
  while (S < O.size() - P && O[O.size() - 1 - S] == N[N.size() - 1 - S])
    ++S;
  for (size_t From = P + 1; From-- > 0;)
    for (size_t To = O.size() - S; To <= O.size(); ++To)
      if (F(slice(O, From, To), slice(N, From, To)))
        return true;
  return false;
}

std::string checkSwap(const Lines &O, const Lines &N) {
  if (O.size() != N.size() || O == N)
    return "not a swap";
  // Some window X G Y of the old lines became Y G X.
  bool Found = anyWindow(O, N, [](const Lines &W, const Lines &V) {
    for (size_t XL = 1; XL < W.size(); ++XL)
      for (size_t YL = 1; XL + YL <= W.size(); ++YL) {
        Lines X = slice(W, 0, XL), G = slice(W, XL, W.size() - YL),
              Y = slice(W, W.size() - YL, W.size());
        if (concat({Y, G, X}) == V && balancedStatement(X) &&
            balancedStatement(Y))
          return true;
      }
    return false;
  });
  return Found ? "" : "not two statements swapped";
}

std::string checkMove(const Lines &O, const Lines &N) {
  if (O.size() != N.size() || O == N)
    return "not a move";
  // Some window A B became B A, where A or B is one statement.
  bool Found = anyWindow(O, N, [](const Lines &W, const Lines &V) {
    for (size_t K = 1; K < W.size(); ++K)
      if (concat({slice(W, K, W.size()), slice(W, 0, K)}) == V &&
          (balancedStatement(slice(W, 0, K)) ||
           balancedStatement(slice(W, K, W.size()))))
        return true;
    return false;
  });
  return Found ? "" : "the changed lines are not a statement moved";
}

std::string trimmed(const Lines &L) {
  std::string Out;
  for (const std::string &X : L)
    Out += StringRef(X).trim().str() + "\n";
  return Out;
}

std::string checkCrossover(const Lines &O, const Lines &N,
                           const std::vector<std::string> &DonorTexts) {
  if (N.size() <= O.size())
    return "nothing inserted";
  size_t K = N.size() - O.size();
  for (size_t At = 0; At <= O.size(); ++At) {
    if (concat({slice(N, 0, At), slice(N, At + K, N.size())}) != O)
      continue;
    Lines Inserted = slice(N, At, At + K);
    if (!balancedStatement(Inserted))
      continue;
    std::string Want = trimmed(Inserted);
    for (const std::string &D : DonorTexts) {
      Lines DL = linesOf(D);
      for (size_t F = 0; F + K <= DL.size(); ++F)
        if (trimmed(slice(DL, F, F + K)) == Want)
          return "";
    }
  }
  return "the inserted lines are not a donor's statement";
}

/// Why the change from \p Old to \p New is not what \p Op may do, or "".
std::string checkChange(Operator Op, const std::string &Old,
                        const std::string &New,
                        const std::vector<std::string> &DonorTexts) {
  Lines O = linesOf(Old), N = linesOf(New);
  // A region keeps its last newline, or its lack of one; REPLACE can only
  // give a last line a newline when that line itself changes.
  bool OldNL = !Old.empty() && Old.back() == '\n';
  bool NewNL = !New.empty() && New.back() == '\n';
  if (OldNL != NewNL &&
      (OldNL || O.empty() || N.empty() || O.back() == N.back()))
    return "the final newline changed";
  switch (Op) {
  case Operator::Constant:
    return checkConstant(Old, New);
  case Operator::BinaryOperator:
    return checkOperator(Old, New);
  case Operator::Negate:
    return checkNegate(Old, New);
  case Operator::Delete:
    return checkDelete(O, N);
  case Operator::Duplicate:
    return checkDuplicate(O, N);
  case Operator::Swap:
    return checkSwap(O, N);
  case Operator::Move:
    return checkMove(O, N);
  case Operator::Crossover:
    return checkCrossover(O, N, DonorTexts);
  }
  return "unknown operator";
}

/// Strings and comments are never edited: each one in the new text is one
/// of the old text's (or a donor's, for crossover), as a whole.
std::string checkStringsAndComments(const std::string &Old,
                                    const std::string &New,
                                    const std::vector<std::string> &Donors) {
  std::multiset<std::string> Known;
  auto Collect = [&](const std::string &Text) {
    for (const Tok &T : lexAll(Text))
      if (T.Kind == clang::tok::comment ||
          clang::tok::isStringLiteral(T.Kind) ||
          T.Kind == clang::tok::char_constant)
        Known.insert(T.Text);
  };
  Collect(Old);
  for (const std::string &D : Donors)
    Collect(D);
  for (const Tok &T : lexAll(New))
    if ((T.Kind == clang::tok::comment || clang::tok::isStringLiteral(T.Kind) ||
         T.Kind == clang::tok::char_constant) &&
        !Known.count(T.Text))
      return "a string or comment changed: " + T.Text;
  return "";
}

//===----------------------------------------------------------------------===//
// Running the generator
//===----------------------------------------------------------------------===//

struct Batch {
  std::vector<Proposal> Proposals;
  std::vector<Applied> Results;
  unsigned Failures = 0;
};

/// \p Count proposals from one generator state, each applied and checked;
/// failures are reported with the proposal.
Batch generate(const Source &S, const std::vector<Operator> &Ops,
               const std::vector<const Program *> &Donors, uint64_t Seed,
               unsigned Count, bool StopAtNone = true) {
  BuiltinGenerator G(Ops);
  std::mt19937_64 Rng(Seed);
  Batch Out;
  for (unsigned I = 0; I < Count; ++I) {
    std::optional<Proposal> P = G.propose(S.Prog, Donors, Rng);
    if (!P) {
      if (StopAtNone)
        break;
      continue;
    }
    std::vector<std::string> DonorTexts;
    for (const Program *D : Donors)
      if (D->count(P->Region))
        DonorTexts.push_back(D->at(P->Region));
    Applied A = applyProposal(S, *P);
    std::string Why = A.Ok ? checkChange(P->Op, A.Old, A.New, DonorTexts)
                           : "refused: " + A.Why;
    if (Why.empty())
      Why = checkStringsAndComments(A.Old, A.New, DonorTexts);
    if (!Why.empty()) {
      ++Out.Failures;
      ADD_FAILURE() << toString(P->Op).str() << " on " << P->Region << ": "
                    << Why << "\n"
                    << P->Description << "\n"
                    << P->Reply;
    }
    Out.Proposals.push_back(*P);
    Out.Results.push_back(A);
  }
  return Out;
}

std::optional<Proposal>
proposeOne(const Source &S, Operator Op, uint64_t Seed,
           const std::vector<const Program *> &Donors = {}) {
  std::mt19937_64 Rng(Seed);
  return BuiltinGenerator({Op}).propose(S.Prog, Donors, Rng);
}

/// The new region texts \p Op makes of a one-region source over many seeds.
std::set<std::string>
outcomes(const Source &S, Operator Op, unsigned Seeds,
         const std::vector<const Program *> &Donors = {}) {
  std::set<std::string> Out;
  std::vector<std::string> DonorTexts;
  for (const Program *D : Donors)
    for (auto &[Name, Text] : *D)
      DonorTexts.push_back(Text);
  for (unsigned Seed = 0; Seed < Seeds; ++Seed) {
    std::optional<Proposal> P = proposeOne(S, Op, Seed, Donors);
    if (!P) {
      ADD_FAILURE() << "no " << toString(Op).str() << " proposal";
      continue;
    }
    EXPECT_EQ(P->Op, Op);
    Applied A = applyProposal(S, *P);
    EXPECT_TRUE(A.Ok) << A.Why << P->Reply;
    EXPECT_EQ("", checkChange(Op, A.Old, A.New, DonorTexts))
        << P->Description << "\n"
        << P->Reply;
    Out.insert(A.New);
  }
  return Out;
}

Source one(StringRef Text, StringRef Name = "policy") {
  return makeSource({{Name.str(), Text.str()}});
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, OperatorNames) {
  std::vector<std::string> Names;
  for (Operator Op : allOperators()) {
    Names.push_back(toString(Op).str());
    EXPECT_EQ(operatorNamed(toString(Op)), Op);
  }
  EXPECT_EQ(Names, (std::vector<std::string>{"constant", "operator", "negate",
                                             "delete", "duplicate", "swap",
                                             "move", "crossover"}));
  EXPECT_FALSE(operatorNamed("mutate"));
  EXPECT_FALSE(operatorNamed("Constant"));
  EXPECT_FALSE(operatorNamed(""));
}

//===----------------------------------------------------------------------===//
// The reply
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, ReplyIsOneNamedBlockWithTheSmallestUniqueSearch) {
  Source S = one("  int a = 1;\n  x = 7;\n  int b = 2;\n");
  std::optional<Proposal> P = proposeOne(S, Operator::Constant, 1);
  ASSERT_TRUE(P);
  EXPECT_EQ(P->Region, "policy");
  EXPECT_TRUE(StringRef(P->Reply).startswith("policy\n<<<<<<< SEARCH\n"))
      << P->Reply;
  EXPECT_TRUE(StringRef(P->Reply).endswith(">>>>>>> REPLACE\n"));
  llvm::Expected<patch::Edit> E = patch::parseEdit(P->Reply);
  ASSERT_TRUE(bool(E));
  ASSERT_EQ(E->Blocks.size(), 1u);
  EXPECT_EQ(E->Blocks[0].Target, "policy");
  // One literal changes, on one line, and that line is unique.
  EXPECT_EQ(linesOf(E->Blocks[0].Search).size(), 1u) << P->Reply;
  EXPECT_EQ(linesOf(E->Blocks[0].Replace).size(), 1u);
  EXPECT_TRUE(StringRef(P->Description).startswith("constant "))
      << P->Description;
  EXPECT_TRUE(StringRef(P->Description).contains("(policy line "))
      << P->Description;
}

TEST(BuiltinTest, SearchGrowsUntilItMatchesOnePlace) {
  // The same line three times: the SEARCH needs a neighbour that tells
  // them apart, and each proposal still lands where it says.
  std::string Text = "  a = 1;\n  x += 1;\n  b = 2;\n  x += 1;\n  c = 3;\n"
                     "  x += 1;\n";
  Source S = one(Text);
  Batch R = generate(S, {Operator::Constant}, {}, 5, 60);
  ASSERT_EQ(R.Proposals.size(), 60u);
  EXPECT_EQ(R.Failures, 0u);
  bool Grew = false;
  for (const Proposal &P : R.Proposals) {
    llvm::Expected<patch::Edit> E = patch::parseEdit(P.Reply);
    ASSERT_TRUE(bool(E));
    if (StringRef(E->Blocks[0].Search).contains("x += 1")) {
      EXPECT_GE(linesOf(E->Blocks[0].Search).size(), 2u) << P.Reply;
      Grew = true;
    }
  }
  EXPECT_TRUE(Grew);
}

TEST(BuiltinTest, IdenticalLinesEverywhereStillApply) {
  std::string Text;
  for (int I = 0; I < 40; ++I)
    Text += "  x += 1;\n";
  Source S = one(Text);
  Batch R = generate(S, {}, {}, 3, 40);
  EXPECT_EQ(R.Proposals.size(), 40u);
  EXPECT_EQ(R.Failures, 0u);
}

TEST(BuiltinTest, UnnamableRegionGetsASearchUniqueAcrossRegions) {
  // A name the reply cannot carry (parseEdit trims '_' off a target) is
  // left out, and the SEARCH must then match in no other region.
  Source S = makeSource(
      {{"_p_", "  x = 5;\n  y = 1;\n"}, {"other", "  x = 5;\n  z = 2;\n"}});
  BuiltinGenerator G({Operator::Constant});
  for (uint64_t Seed = 0; Seed < 100; ++Seed) {
    std::mt19937_64 Rng(Seed);
    std::optional<Proposal> P = G.propose(S.Prog, {}, Rng);
    ASSERT_TRUE(P);
    Applied A = applyProposal(S, *P);
    EXPECT_TRUE(A.Ok) << A.Why << P->Reply;
    if (P->Region == "_p_") {
      EXPECT_TRUE(StringRef(P->Reply).startswith("<<<<<<< SEARCH"));
    }
  }
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

/// The literal that replaced \p Old in each outcome.
std::set<std::string> literalsFor(const std::set<std::string> &Outcomes,
                                  const std::string &Old, StringRef Was) {
  std::set<std::string> Out;
  std::vector<Tok> O = lexAll(Old);
  for (const std::string &New : Outcomes) {
    std::vector<Tok> N = lexAll(New);
    size_t D = firstDifference(O, N);
    if (D < O.size() && O[D].Text == Was) {
      std::string Lit;
      for (size_t K = D; K < D + N.size() - O.size() + 1; ++K)
        Lit += N[K].Text;
      Out.insert(Lit);
    }
  }
  return Out;
}

TEST(BuiltinTest, ConstantIntegerMutations) {
  std::string Text = "  int n = 10;\n";
  Source S = one(Text);
  std::set<std::string> Lits =
      literalsFor(outcomes(S, Operator::Constant, 300), Text, "10");
  for (const char *Want : {"11", "9", "20", "5", "15"})
    EXPECT_TRUE(Lits.count(Want)) << Want;
  // And some random value in [0, 20] besides those.
  unsigned Random = 0;
  for (const std::string &L : Lits) {
    unsigned V;
    ASSERT_FALSE(StringRef(L).getAsInteger(10, V)) << L;
    EXPECT_LE(V, 20u);
    EXPECT_NE(V, 10u);
    Random += !std::set<std::string>{"11", "9", "20", "5", "15"}.count(L);
  }
  EXPECT_GT(Random, 0u);
}

TEST(BuiltinTest, ConstantFloatMutationsStayFloating) {
  std::string Text = "  double w = 2.0;\n";
  Source S = one(Text);
  std::set<std::string> Lits =
      literalsFor(outcomes(S, Operator::Constant, 300), Text, "2.0");
  for (const char *Want : {"3.0", "1.0", "4.0", "1.0", "3.0"})
    EXPECT_TRUE(Lits.count(Want)) << Want;
  for (const std::string &L : Lits) {
    EXPECT_TRUE(isFloatSpelling(L)) << L;
    EXPECT_NE(std::strtod(L.c_str(), nullptr), 2.0) << L;
  }
}

TEST(BuiltinTest, ConstantNegativeResultsAreParenthesised) {
  std::string Text = "  double t = left - 0.5;\n";
  Source S = one(Text);
  std::set<std::string> Lits =
      literalsFor(outcomes(S, Operator::Constant, 200), Text, "0.5");
  EXPECT_TRUE(Lits.count("(-0.5)"));
  EXPECT_TRUE(Lits.count("0.25"));
  EXPECT_TRUE(Lits.count("0.75"));
  EXPECT_TRUE(Lits.count("1.0"));
  EXPECT_TRUE(Lits.count("1.5"));
}

TEST(BuiltinTest, ConstantKeepsSuffixesAndWritesDecimal) {
  for (auto [Lit, Check] :
       std::vector<std::pair<std::string, std::string>>{{"0.5f", "f"},
                                                        {"10u", "u"},
                                                        {"7ll", "ll"},
                                                        {"1e-9", ""},
                                                        {"0x10", ""},
                                                        {"1'000", ""},
                                                        {"3.0L", "L"}}) {
    std::string Text = "  v = " + Lit + ";\n";
    Source S = one(Text);
    for (const std::string &New :
         literalsFor(outcomes(S, Operator::Constant, 60), Text, Lit)) {
      StringRef N = StringRef(New).trim("()");
      EXPECT_TRUE(N.endswith(Check)) << Lit << " -> " << New;
      if (Lit == "0x10" || Lit == "1'000") {
        // Integers come back in decimal, without separators.
        EXPECT_TRUE(llvm::all_of(N.ltrim('-'), llvm::isDigit))
            << Lit << " -> " << New;
      }
      if (Check == "u") {
        EXPECT_NE(New.front(), '(') << "an unsigned literal went negative";
      }
      if (isFloatSpelling(Lit)) {
        EXPECT_TRUE(isFloatSpelling(New)) << Lit << " -> " << New;
      }
    }
  }
}

TEST(BuiltinTest, ConstantSkipsLabelsBoundsTemplatesStringsCommentsDirectives) {
  const char *Text = "  switch (k) {\n"
                     "  case 1:\n"
                     "    break;\n"
                     "  case Kind::Two + 2:\n"
                     "    break;\n"
                     "  }\n"
                     "  int a[4];\n"
                     "  b[2] = a[0];\n"
                     "  std::array<int, 3> c;\n"
                     "  auto d = std::get<0>(t);\n"
                     "  const char *s = \"7 + 8\";\n"
                     "  char e = '9';\n"
                     "  // 9 < 10\n"
                     "  /* 11 */\n"
                     "#if 12\n"
                     "#define N 13\n"
                     "#endif\n";
  Source S = one(Text);
  for (uint64_t Seed = 0; Seed < 50; ++Seed)
    EXPECT_FALSE(proposeOne(S, Operator::Constant, Seed));
  // With one literal that may change, it is always that one.
  Source T = one(std::string(Text) + "  x = f(42);\n");
  for (const std::string &New : outcomes(T, Operator::Constant, 40))
    EXPECT_FALSE(StringRef(New).contains("f(42)"));
}

//===----------------------------------------------------------------------===//
// Operator
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, OperatorSwapsWithinItsClass) {
  std::string Text = "  if (a < b)\n    x = y + z;\n";
  Source S = one(Text);
  std::set<std::string> Seen;
  for (const std::string &New : outcomes(S, Operator::BinaryOperator, 300)) {
    std::vector<Tok> O = lexAll(Text), N = lexAll(New);
    Seen.insert(N[firstDifference(O, N)].Text);
  }
  EXPECT_EQ(Seen, (std::set<std::string>{"<=", ">", ">=", "==", "!=", "-", "*",
                                         "/"}));
}

TEST(BuiltinTest, OperatorSkipsTemplatesArrowsShiftsUnaryAndPointers) {
  const char *Text = "#include <vector>\n"
                     "  std::vector<int> v;\n"
                     "  std::map<std::string, std::vector<int>> m;\n"
                     "  p->q = -r;\n"
                     "  x = y << 2 >> 1;\n"
                     "  int *ptr = nullptr;\n"
                     "  Foo *f = make();\n"
                     "  ns::Bar *g;\n"
                     "  auto h = static_cast<double *>(nullptr);\n"
                     "  const char *s = \"a < b\";\n"
                     "  // a + b\n"
                     "  switch (k) { case A + 1: break; }\n";
  Source S = one(Text);
  for (uint64_t Seed = 0; Seed < 50; ++Seed) {
    std::optional<Proposal> P = proposeOne(S, Operator::BinaryOperator, Seed);
    ASSERT_FALSE(P) << P->Description;
  }
  // `-x + (+y)`: the binary '+' is there; only it may change.
  Source T = one("  return -x + (+y) * *p;\n");
  for (const std::string &New : outcomes(T, Operator::BinaryOperator, 60)) {
    EXPECT_TRUE(StringRef(New).startswith("  return -x ")) << New;
    EXPECT_TRUE(StringRef(New).contains("(+y)")) << New;
    EXPECT_TRUE(StringRef(New).endswith("*p;\n")) << New;
  }
}

TEST(BuiltinTest, OperatorNeverMakesANewToken) {
  // `a+-b` -> `a--b` would be a decrement, `c-*d` -> `c/*d` a comment.
  Source S = one("  x = a+-b;\n  y = c-*d;\n");
  for (const std::string &New : outcomes(S, Operator::BinaryOperator, 100)) {
    EXPECT_FALSE(StringRef(New).contains("--")) << New;
    EXPECT_FALSE(StringRef(New).contains("/*")) << New;
  }
}

//===----------------------------------------------------------------------===//
// Negate
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, NegateWrapsAndUnwraps) {
  Source S = one("  if (x > 0)\n    y = 1;\n");
  std::optional<Proposal> P = proposeOne(S, Operator::Negate, 0);
  ASSERT_TRUE(P);
  Applied A = applyProposal(S, *P);
  ASSERT_TRUE(A.Ok) << A.Why;
  EXPECT_EQ(A.New, "  if (!(x > 0))\n    y = 1;\n");
  EXPECT_EQ(P->Description, "negate the if condition (policy line 1)");

  Source T = one("  while (!(done))\n    step();\n");
  P = proposeOne(T, Operator::Negate, 0);
  ASSERT_TRUE(P);
  A = applyProposal(T, *P);
  ASSERT_TRUE(A.Ok) << A.Why;
  EXPECT_EQ(A.New, "  while (done)\n    step();\n");

  Source U = one("  do {\n    k += 2;\n  } while (k < 10);\n");
  P = proposeOne(U, Operator::Negate, 0);
  ASSERT_TRUE(P);
  A = applyProposal(U, *P);
  ASSERT_TRUE(A.Ok) << A.Why;
  EXPECT_EQ(A.New, "  do {\n    k += 2;\n  } while (!(k < 10));\n");
}

TEST(BuiltinTest, NegateConditionsOnly) {
  // The condition after an init-statement; never a declaration, a for
  // loop or a switch; `!(a) && b` is not an unwrap.
  Source S = one("  if (int v = f(); v > 2)\n    g();\n");
  std::optional<Proposal> P = proposeOne(S, Operator::Negate, 0);
  ASSERT_TRUE(P);
  EXPECT_EQ(applyProposal(S, *P).New,
            "  if (int v = f(); !(v > 2))\n    g();\n");

  Source T = one("  if (auto *p = get())\n    use(p);\n"
                 "  for (int i = 0; i < 3; ++i)\n    g();\n"
                 "  switch (k) {\n  }\n");
  EXPECT_FALSE(proposeOne(T, Operator::Negate, 0));

  Source U = one("  if (!(a) && b)\n    g();\n");
  P = proposeOne(U, Operator::Negate, 0);
  ASSERT_TRUE(P);
  EXPECT_EQ(applyProposal(U, *P).New, "  if (!(!(a) && b))\n    g();\n");
}

//===----------------------------------------------------------------------===//
// Delete, duplicate, swap, move
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, DeleteRemovesOneWholeStatement) {
  std::string Text = "  a();\n  if (x) {\n    b();\n    c();\n  }\n  d();\n";
  Source S = one(Text);
  std::set<std::string> Got = outcomes(S, Operator::Delete, 200);
  EXPECT_EQ(Got, (std::set<std::string>{
                     "  if (x) {\n    b();\n    c();\n  }\n  d();\n",
                     "  a();\n  d();\n",
                     "  a();\n  if (x) {\n    c();\n  }\n  d();\n",
                     "  a();\n  if (x) {\n    b();\n  }\n  d();\n",
                     "  a();\n  if (x) {\n    b();\n    c();\n  }\n"}));
}

TEST(BuiltinTest, DeleteKeepsTheOnlyStatementAndSharedLines) {
  EXPECT_FALSE(proposeOne(one("  return 1;\n"), Operator::Delete, 0));
  EXPECT_FALSE(proposeOne(one("  // why\n  return 1; // because\n"),
                          Operator::Delete, 0));
  // Two statements on a line are not whole lines; the unbraced body of an
  // if is not a statement of a block.
  EXPECT_FALSE(proposeOne(one("  a(); b();\n"), Operator::Delete, 0));
  std::set<std::string> Got =
      outcomes(one("  if (x)\n    y();\n  z();\n"), Operator::Delete, 50);
  EXPECT_EQ(Got, (std::set<std::string>{"  z();\n", "  if (x)\n    y();\n"}));
  // A declaration that is used later stays.
  Got = outcomes(one("  int a = 1;\n  f(a);\n  g();\n"), Operator::Delete, 50);
  EXPECT_EQ(Got, (std::set<std::string>{"  int a = 1;\n  g();\n",
                                        "  int a = 1;\n  f(a);\n"}));
}

/// Every region text Delete makes of \p S over \p Seeds seeds, with the
/// regions in \p MustReturn ending a function that returns a value.
std::set<std::string> deletions(const Source &S,
                                const std::set<std::string> &MustReturn,
                                unsigned Seeds) {
  std::set<std::string> Out;
  for (unsigned Seed = 0; Seed < Seeds; ++Seed) {
    std::mt19937_64 Rng(Seed);
    std::optional<Proposal> P = BuiltinGenerator({Operator::Delete})
                                    .propose(S.Prog, {}, Rng, MustReturn);
    if (!P)
      continue;
    Applied A = applyProposal(S, *P);
    EXPECT_TRUE(A.Ok) << A.Why << P->Reply;
    Out.insert(A.New);
  }
  return Out;
}

TEST(BuiltinTest, DeleteLeavesTheReturnAFunctionEndsWith) {
  // The region ends a function that returns a value: its last return stays
  // (without it the function would run off its end, undefined behaviour).
  Source Tail = one("  int a = f();\n  if (a > 0)\n    return 1;\n  g();\n"
                    "  return a;\n");
  std::set<std::string> Kept = {
      "  int a = f();\n  g();\n  return a;\n",
      "  int a = f();\n  if (a > 0)\n    return 1;\n  return a;\n"};
  EXPECT_EQ(deletions(Tail, {"policy"}, 100), Kept);
  // Elsewhere the same deletion is an ordinary one.
  Kept.insert("  int a = f();\n  if (a > 0)\n    return 1;\n  g();\n");
  EXPECT_EQ(deletions(Tail, {}, 100), Kept);

  // Both branches of a final if/else return: neither return, nor the if,
  // may go.
  Source Branches = one("  g();\n  if (x) {\n    return 1;\n  } else {\n"
                        "    return 2;\n  }\n");
  EXPECT_EQ(
      deletions(Branches, {"policy"}, 100),
      (std::set<std::string>{
          "  if (x) {\n    return 1;\n  } else {\n    return 2;\n  }\n"}));
  // A return after a return may go, and so may the first.
  EXPECT_EQ(
      deletions(one("  g();\n  return 1;\n  return 2;\n"), {"policy"}, 100),
      (std::set<std::string>{"  return 1;\n  return 2;\n",
                             "  g();\n  return 2;\n",
                             "  g();\n  return 1;\n"}));
  // A function region: its body's last return stays.
  Source Function = makeSource({{"f", "int f(int x) {\n  g();\n  return x;\n}",
                                 spec::RegionKind::Function}});
  EXPECT_EQ(deletions(Function, {"f"}, 100),
            (std::set<std::string>{"int f(int x) {\n  return x;\n}"}));
}

TEST(BuiltinTest, DuplicateCopiesAStatementBelowItself) {
  std::string Text = "  const int a = 1;\n  f(a);\n  while (x) {\n    g();\n"
                     "  }\n";
  std::set<std::string> Got = outcomes(one(Text), Operator::Duplicate, 200);
  EXPECT_EQ(
      Got, (std::set<std::string>{
               "  const int a = 1;\n  f(a);\n  f(a);\n  while (x) {\n    g();\n"
               "  }\n",
               "  const int a = 1;\n  f(a);\n  while (x) {\n    g();\n  }\n"
               "  while (x) {\n    g();\n  }\n",
               "  const int a = 1;\n  f(a);\n  while (x) {\n    g();\n"
               "    g();\n  }\n"}));
}

TEST(BuiltinTest, SwapExchangesAdjacentSiblings) {
  std::string Text = "  a();\n  b();\n  {\n    c();\n    d();\n  }\n";
  std::set<std::string> Got = outcomes(one(Text), Operator::Swap, 200);
  EXPECT_EQ(Got, (std::set<std::string>{
                     "  b();\n  a();\n  {\n    c();\n    d();\n  }\n",
                     "  a();\n  {\n    c();\n    d();\n  }\n  b();\n",
                     "  a();\n  b();\n  {\n    d();\n    c();\n  }\n"}));
  // Not a use above its declaration.
  EXPECT_FALSE(
      proposeOne(one("  int a = 1;\n  int b = a;\n"), Operator::Swap, 0));
}

TEST(BuiltinTest, MoveStaysInItsBlock) {
  std::string Text = "  a();\n  if (x) {\n    b();\n    c();\n    d();\n  }\n"
                     "  e();\n";
  std::set<std::string> Got = outcomes(one(Text), Operator::Move, 300);
  EXPECT_TRUE(Got.count("  a();\n  if (x) {\n    c();\n    d();\n    b();\n"
                        "  }\n  e();\n"));
  EXPECT_TRUE(Got.count("  if (x) {\n    b();\n    c();\n    d();\n  }\n"
                        "  e();\n  a();\n"));
  for (const std::string &New : Got) {
    // b, c and d stay inside the braces, a and e outside.
    size_t Open = New.find('{'), Close = New.find('}');
    for (const char *In : {"b()", "c()", "d()"}) {
      size_t At = New.find(In);
      EXPECT_TRUE(At > Open && At < Close) << New;
    }
    for (const char *Out : {"a()", "e()"}) {
      size_t At = New.find(Out);
      EXPECT_TRUE(At < Open || At > Close) << New;
    }
  }
  // Not past a preprocessor line.
  EXPECT_FALSE(
      proposeOne(one("  a();\n#ifdef X\n  b();\n#endif\n"), Operator::Move, 0));
}

//===----------------------------------------------------------------------===//
// Crossover
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, CrossoverCopiesANewStatementFromADonor) {
  Source S = one("  a();\n  if (x) {\n    b();\n  }\n");
  Program Donor = {
      {"policy", "  a();\n  b();\n  if (y)\n    c(1,\n      2);\n"},
      {"unrelated", "  z();\n"}};
  std::set<std::string> Got = outcomes(S, Operator::Crossover, 200, {&Donor});
  // Only the if, which the parent lacks, re-indented where it lands.
  EXPECT_EQ(Got,
            (std::set<std::string>{
                "  if (y)\n    c(1,\n      2);\n  a();\n  if (x) {\n    b();\n"
                "  }\n",
                "  a();\n  if (y)\n    c(1,\n      2);\n  if (x) {\n    b();\n"
                "  }\n",
                "  a();\n  if (x) {\n    if (y)\n      c(1,\n        2);\n"
                "    b();\n  }\n",
                "  a();\n  if (x) {\n    b();\n    if (y)\n      c(1,\n"
                "        2);\n  }\n",
                "  a();\n  if (x) {\n    b();\n  }\n  if (y)\n    c(1,\n"
                "      2);\n"}));
  // Nothing new in the donor, or no donor: nothing to cross over.
  Program Same = {{"policy", "    a();\n  if (x) { b(); }\n"}};
  EXPECT_FALSE(proposeOne(S, Operator::Crossover, 0, {&Same}));
  EXPECT_FALSE(proposeOne(S, Operator::Crossover, 0));
}

TEST(BuiltinTest, CrossoverKeepsLocalsInScope) {
  Source S = one("  x();\n  int a = f();\n  g(a);\n  {\n    y();\n  }\n");
  Program Donor = {{"policy", "  int c = 1;\n  k(a);\n  m(c);\n  p();\n"}};
  std::set<std::string> Got = outcomes(S, Operator::Crossover, 300, {&Donor});
  // int c and p() go to any of the seven places between statements, k(a)
  // only to the five after a's declaration, m(c) nowhere: the parent has no
  // c.
  EXPECT_EQ(Got.size(), 7u + 7u + 5u);
  for (const std::string &New : Got) {
    EXPECT_FALSE(StringRef(New).contains("m(c)")) << New;
    size_t K = New.find("k(a)");
    if (K != std::string::npos) {
      EXPECT_GT(K, New.find("int a = f();")) << New;
    }
  }
}

TEST(BuiltinTest, CrossoverSkipsDeclarationsOfNamesTheParentHas) {
  Source S = one("  int a = 1;\n  f(a);\n");
  Program Donor = {{"policy", "  int a = 2;\n  f(a);\n"}};
  EXPECT_FALSE(proposeOne(S, Operator::Crossover, 0, {&Donor}));
}

//===----------------------------------------------------------------------===//
// Odd input
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, EmptyAndBlankRegionsGiveNothing) {
  Program Donor = {{"policy", "  f();\n  g(1 + 2);\n"}};
  for (const char *Text :
       {"", "\n", "   \n\n", "  // only a comment\n", "  /* a\n     b */\n"}) {
    Source S = one(Text);
    for (uint64_t Seed = 0; Seed < 20; ++Seed) {
      std::mt19937_64 Rng(Seed);
      std::optional<Proposal> P = BuiltinGenerator().propose(S.Prog, {}, Rng);
      EXPECT_FALSE(P) << "'" << Text << "': " << P->Description;
    }
  }
  // An empty region with a donor: there is no line to anchor a SEARCH.
  Source S = one("");
  std::mt19937_64 Rng(1);
  EXPECT_FALSE(BuiltinGenerator().propose(S.Prog, {&Donor}, Rng));
  // A comment-only region takes a donor's statement.
  Source C = one("  // nothing yet\n");
  Batch R = generate(C, {}, {&Donor}, 4, 20);
  EXPECT_EQ(R.Failures, 0u);
  EXPECT_EQ(R.Proposals.size(), 20u);
}

TEST(BuiltinTest, GarbageNeverCrashesAndWhatComesApplies) {
  std::vector<std::string> Texts = {
      "{{{ if (\n",
      "}}} x = 1;\n",
      "  if (a) { b(); \n  c = 2 * 3;\n",
      "  )) ] x < 3 ((\n  y = 4 - 5;\n",
      "  \"unterminated < 3\n  z = 7;\n",
      "  /* unterminated 1 + 2\n",
      "  R\"(raw\n",
      "  if\n",
      "  else x;\n  do\n",
      "  case:\n  default\n  :\n",
      "  for (;;) for (;;) while (1) if (2) {}\n",
      "<<<<<<< SEARCH\n  x = 1;\n=======\n  y = 2 + 2;\n>>>>>>> REPLACE\n",
      "  x = 1; // EVOLVE-BLOCK-START other\n  y = 2;\n",
      "\\\n  x = 3;\n",
      "#define X(a) a + \\\n  1\n  y = X(2) * 4;\n",
      std::string(3, '\0') + "  x = 1 + 2;\n",
      "  a = 1;\r  b = 2;\n",
  };
  // Random bytes and random tokens.
  std::mt19937_64 Gen(99);
  const char *Pieces[] = {"if",   "(",     ")",  "{",  "}", ";",  "x",
                          "1",    "2.5",   "+",  "<",  ">", "\n", " ",
                          "else", "case",  ":",  "\"", "'", "/*", "//",
                          "#",    "while", "do", "[",  "]"};
  for (int I = 0; I < 40; ++I) {
    std::string T;
    for (int K = 0; K < 60; ++K)
      T += Pieces[Gen() % (sizeof(Pieces) / sizeof(*Pieces))];
    Texts.push_back(T + "\n");
    std::string B;
    for (int K = 0; K < 80; ++K)
      B += char(Gen() % 256);
    Texts.push_back(B);
  }
  // Deep nesting must not exhaust the stack.
  Texts.push_back(std::string(5000, '{') + "x = 1;" + std::string(5000, '}') +
                  "\n");
  std::string Ifs;
  for (int I = 0; I < 3000; ++I)
    Ifs += "if (a) ";
  Texts.push_back(Ifs + "b = 2;\n  c();\n");

  Program Donor = {{"policy", "  f(3);\n  if (x) {\n    g();\n  }\n"}};
  for (const std::string &T : Texts) {
    Source S = one(T);
    BuiltinGenerator G;
    std::mt19937_64 Rng(7);
    for (int K = 0; K < 8; ++K) {
      std::optional<Proposal> P = G.propose(S.Prog, {&Donor}, Rng);
      if (!P)
        continue;
      Applied A = applyProposal(S, *P);
      EXPECT_TRUE(A.Ok) << "text:\n" << T << "\nreply:\n" << P->Reply << A.Why;
    }
  }
}

TEST(BuiltinTest, CRLFRegionsApply) {
  Source S = makeSource({{"policy", Scheduler}}, "\r\n");
  Batch R = generate(S, {}, {}, 11, 200);
  EXPECT_EQ(R.Proposals.size(), 200u);
  EXPECT_EQ(R.Failures, 0u);
}

TEST(BuiltinTest, FunctionRegionsKeepTheirShape) {
  Source S = makeSource({{"weight", Weight, spec::RegionKind::Function}});
  Batch R = generate(S, {}, {}, 5, 300);
  EXPECT_EQ(R.Proposals.size(), 300u);
  EXPECT_EQ(R.Failures, 0u);
  for (const Applied &A : R.Results) {
    // Still one definition, ending at its brace.
    EXPECT_TRUE(StringRef(A.New).startswith("double tierWeight(Tier T) {\n"))
        << A.New;
    EXPECT_TRUE(StringRef(A.New).endswith("\n}")) << A.New;
  }
  // Its only statement stays.
  Source One = makeSource(
      {{"f", "int f() {\n  return 1;\n}", spec::RegionKind::Function}});
  EXPECT_FALSE(proposeOne(One, Operator::Delete, 0));
  // A one-line function: its line is the SEARCH, and the REPLACE, which
  // ends in a newline, gives it one.
  Source Line =
      makeSource({{"g", "int g() { return 7; }", spec::RegionKind::Function}});
  for (const std::string &New : outcomes(Line, Operator::Constant, 20)) {
    EXPECT_TRUE(StringRef(New).startswith("int g() { return ")) << New;
    EXPECT_TRUE(StringRef(New).endswith("; }\n")) << New;
  }
  // Nothing goes after the brace: that would need the newline it lacks.
  Program Donor = {{"g", "int g() {\n  h();\n  return 7;\n}"}};
  Source Two = makeSource(
      {{"g", "int g() {\n  return 7;\n}", spec::RegionKind::Function}});
  EXPECT_EQ(outcomes(Two, Operator::Crossover, 20, {&Donor}),
            (std::set<std::string>{"int g() {\n  h();\n  return 7;\n}",
                                   "int g() {\n  return 7;\n  h();\n}"}));
}

TEST(BuiltinTest, DamagedFunctionRegionsApply) {
  // Headers the statement view cannot read as a definition: statements
  // still never land at the top level of what may be a function region.
  Program Donor = {{"f", "  if (T == Tier::Gold)\n    return 8.0;\n  g(3);\n"}};
  for (const char *Header :
       {"double tierWeight(Tier T)d: {\n", "do<uble tierWeight(Tier T) {\n",
        "double tierWeight(Tier T {\n", "auto f = [](Tier T) {\n"}) {
    std::string Text = Weight;
    Text.replace(0, Text.find('\n') + 1, Header);
    Source S = makeSource({{"f", Text, spec::RegionKind::Function}});
    Batch R = generate(S, {}, {&Donor}, 8, 100, /*StopAtNone=*/false);
    EXPECT_EQ(R.Failures, 0u) << Header;
  }
}

//===----------------------------------------------------------------------===//
// Many proposals
//===----------------------------------------------------------------------===//

TEST(BuiltinTest, SameSeedSameProposals) {
  Source S = makeSource({{"policy", cantBeLate()}, {"sched", Scheduler}});
  Program Donor = {{"policy", "  return ClusterType::Spot;\n"},
                   {"sched", "  idle = 0;\n"}};
  Batch A = generate(S, {}, {&Donor}, 2024, 300);
  Batch B = generate(S, {}, {&Donor}, 2024, 300);
  Batch C = generate(S, {}, {&Donor}, 2025, 300);
  ASSERT_EQ(A.Proposals.size(), 300u);
  ASSERT_EQ(B.Proposals.size(), 300u);
  bool Differs = false;
  for (size_t I = 0; I < 300; ++I) {
    EXPECT_EQ(A.Proposals[I].Op, B.Proposals[I].Op);
    EXPECT_EQ(A.Proposals[I].Region, B.Proposals[I].Region);
    EXPECT_EQ(A.Proposals[I].Reply, B.Proposals[I].Reply);
    EXPECT_EQ(A.Proposals[I].Description, B.Proposals[I].Description);
    Differs |= A.Proposals[I].Reply != C.Proposals[I].Reply;
  }
  EXPECT_TRUE(Differs);
}

TEST(BuiltinTest, CantBeLateProposalsAllApply) {
  std::string Policy = cantBeLate();
  ASSERT_FALSE(Policy.empty()) << "examples/cant-be-late has no policy region";
  Source S = one(Policy);
  Program Donor = {{"policy",
                    "  const double slack = ticksLeft - needWithOneRestart;\n"
                    "  if (slack > 4 && s.hasSpot)\n"
                    "    return ClusterType::Spot;\n"
                    "  if (s.cluster() == ClusterType::OnDemand)\n"
                    "    return ClusterType::OnDemand;\n"}};
  Batch R = generate(S, {}, {&Donor}, 1, 1000);
  ASSERT_EQ(R.Proposals.size(), 1000u);
  unsigned Applied = 0;
  std::map<std::string, unsigned> PerOp;
  for (size_t I = 0; I < R.Results.size(); ++I) {
    Applied += R.Results[I].Ok;
    ++PerOp[toString(R.Proposals[I].Op).str()];
  }
  EXPECT_EQ(Applied, 1000u);
  EXPECT_EQ(R.Failures, 0u);
  // Every operator has sites in this region, and each gets its turn.
  for (Operator Op : allOperators())
    EXPECT_GT(PerOp[toString(Op).str()], 50u) << toString(Op).str();
  std::string Summary;
  for (auto &[Op, N] : PerOp)
    Summary += " " + Op + "=" + std::to_string(N);
  std::printf("cant-be-late: %u/1000 proposals applied;%s\n", Applied,
              Summary.c_str());
}

TEST(BuiltinTest, RandomProposalsAllApplyAndDoWhatTheySay) {
  Source S = makeSource({{"policy", cantBeLate()},
                         {"sched", Scheduler},
                         {"strings", Strings},
                         {"weight", Weight, spec::RegionKind::Function}});
  Program D1 = {{"policy", "  if (left > 3 * s.gapSeconds)\n"
                           "    return ClusterType::None;\n"},
                {"sched", "  for (int j = 0; j < n; ++j) {\n"
                          "    weight[j] *= 0.9;\n"
                          "  }\n"
                          "  idle = 0;\n"},
                {"strings", "  log(\"%s\", msg); /* x + 1 */\n"},
                {"weight", "double tierWeight(Tier T) {\n"
                           "  if (T == Tier::Gold)\n"
                           "    return 8.0;\n"
                           "  return 1.0;\n"
                           "}"}};
  Program D2 = {{"sched", "  budget = budget / 2;\n"}};
  std::map<std::string, unsigned> PerOp, PerRegion;
  unsigned Total = 0;
  for (uint64_t Seed = 0; Seed < 4; ++Seed) {
    Batch R = generate(S, {}, {&D1, &D2}, 1000 + Seed, 500);
    ASSERT_EQ(R.Proposals.size(), 500u);
    EXPECT_EQ(R.Failures, 0u);
    for (const Proposal &P : R.Proposals) {
      ++PerOp[toString(P.Op).str()];
      ++PerRegion[P.Region];
      ++Total;
    }
  }
  EXPECT_EQ(Total, 2000u);
  for (Operator Op : allOperators())
    EXPECT_GT(PerOp[toString(Op).str()], 100u) << toString(Op).str();
  for (const char *R : {"policy", "sched", "strings", "weight"})
    EXPECT_GT(PerRegion[R], 200u) << R;
}

TEST(BuiltinTest, OnlyTheChosenOperators) {
  Source S = makeSource({{"policy", cantBeLate()}, {"sched", Scheduler}});
  for (Operator Op : allOperators()) {
    if (Op == Operator::Crossover)
      continue;
    Batch R = generate(S, {Op}, {}, 3, 50);
    EXPECT_EQ(R.Proposals.size(), 50u) << toString(Op).str();
    for (const Proposal &P : R.Proposals)
      EXPECT_EQ(P.Op, Op);
  }
}

} // namespace
