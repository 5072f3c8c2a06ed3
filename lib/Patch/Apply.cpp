//===- Apply.cpp - Edits onto regions -------------------------------------===//

#include "adrs/Patch/Apply.h"

#include "adrs/Patch/Match.h"
#include "adrs/Patch/RegionText.h"
#include "adrs/Regions/Markers.h"
#include "adrs/Support/Diagnostics.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Lex/Lexer.h"
#include "clang/Tooling/Core/Replacement.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace llvm;

namespace adrs {
namespace patch {

namespace {

std::string where(const regions::Region &R) {
  return "'" + R.Name + "' (" + sys::path::filename(R.File).str() + ", lines " +
         std::to_string(R.FirstLine) + "-" + std::to_string(R.LastLine) + ")";
}

std::string regionList(const std::vector<regions::Region> &Regions) {
  std::vector<std::string> Names;
  for (const regions::Region &R : Regions)
    Names.push_back(where(R));
  return join(Names, ", ");
}

std::vector<std::string> regionNames(const std::vector<regions::Region> &Rs) {
  std::vector<std::string> Names;
  for (const regions::Region &R : Rs)
    Names.push_back(R.Name);
  return Names;
}

/// The file's text outside its regions, as trimmed non-blank lines.
std::vector<std::string> outsideLines(StringRef Text,
                                      const std::vector<regions::Region> &Rs,
                                      StringRef File) {
  std::vector<std::pair<size_t, size_t>> Cuts;
  for (const regions::Region &R : Rs)
    if (R.File == File)
      Cuts.push_back({R.Begin, R.End});
  llvm::sort(Cuts);
  std::string Outside;
  size_t Pos = 0;
  for (auto [B, E] : Cuts) {
    Outside += Text.slice(Pos, B).str();
    Pos = E;
  }
  Outside += Text.drop_front(Pos).str();
  std::vector<std::string> Lines;
  SmallVector<StringRef, 64> Split;
  StringRef(Outside).split(Split, '\n');
  for (StringRef L : Split)
    if (!L.trim().empty())
      Lines.push_back(L.trim().str());
  return Lines;
}

std::string withNewline(std::string S) {
  if (!S.empty() && S.back() != '\n')
    S += '\n';
  return S;
}

/// Whether \p Text ends its lines with CRLF (judged by its first line).
bool usesCRLF(StringRef Text) {
  size_t NL = Text.find('\n');
  return NL != StringRef::npos && NL > 0 && Text[NL - 1] == '\r';
}

/// \p Text with every line ending in CRLF.
std::string toCRLF(StringRef Text) {
  std::string Out;
  for (size_t I = 0; I < Text.size(); ++I) {
    if (Text[I] == '\n' && (I == 0 || Text[I - 1] != '\r'))
      Out += '\r';
    Out += Text[I];
  }
  return Out;
}

/// Why \p Text cannot stand where a region stands, or "". A block holds
/// whole statements or declarations, so an edit must not close a brace it
/// did not open: `return true; }  static int Calls; bool f() {` would move
/// code out of the enclosing function and past every rule about regions
/// (no byte outside the region changes, yet the code is outside it). A
/// function region must stay one definition: no `;` outside its brackets.
/// Brackets are counted as the compiler sees them, by token kind: `%>` and
/// `??>` close a brace as surely as `}` does, and one in a comment, a
/// string or a character literal closes nothing.
std::string structureProblem(StringRef Text, spec::RegionKind Kind,
                             bool Trigraphs) {
  clang::LangOptions LO;
  LO.CPlusPlus = LO.CPlusPlus11 = LO.CPlusPlus14 = LO.CPlusPlus17 = true;
  LO.Digraphs = true;
  LO.Trigraphs = Trigraphs;
  std::string Buffer = Text.str(); // the raw lexer wants a NUL at the end
  clang::Lexer L(clang::SourceLocation(), LO, Buffer.data(), Buffer.data(),
                 Buffer.data() + Buffer.size());
  const char *Begin = Buffer.data();
  auto LineAt = [&](const char *P) {
    return std::to_string(1 + std::count(Begin, P, '\n'));
  };
  auto Written = [](StringRef Spelling, char Plain) {
    std::string S(1, Plain);
    return Spelling == S ? "'" + S + "'"
                         : "'" + S + "' (written '" + Spelling.str() + "')";
  };
  std::vector<clang::tok::TokenKind> Open;
  clang::Token Tok;
  for (;;) {
    L.LexFromRawLexer(Tok);
    if (Tok.is(clang::tok::eof))
      break;
    const char *At = L.getBufferLocation() - Tok.getLength();
    StringRef Spelling(At, Tok.getLength());
    switch (Tok.getKind()) {
    case clang::tok::l_brace:
    case clang::tok::l_paren:
    case clang::tok::l_square:
      Open.push_back(Tok.getKind());
      continue;
    case clang::tok::r_brace:
    case clang::tok::r_paren:
    case clang::tok::r_square: {
      clang::tok::TokenKind Want =
          Tok.is(clang::tok::r_brace)   ? clang::tok::l_brace
          : Tok.is(clang::tok::r_paren) ? clang::tok::l_paren
                                        : clang::tok::l_square;
      if (Open.empty() || Open.back() != Want)
        return "line " + LineAt(At) + " closes a " +
               Written(Spelling,
                       *clang::tok::getPunctuatorSpelling(Tok.getKind())) +
               " that the region did not open";
      Open.pop_back();
      continue;
    }
    case clang::tok::semi:
      if (Open.empty() && Kind == spec::RegionKind::Function)
        return "line " + LineAt(At) +
               " has a ';' outside the function's braces, which would add a "
               "declaration after the function";
      continue;
    default:
      continue;
    }
  }
  if (!Open.empty())
    return std::string("it leaves a '") +
           clang::tok::getPunctuatorSpelling(Open.back()) + "' open at its end";
  return "";
}

/// structureProblem() under every language the region may be compiled
/// with: trigraphs are brackets before C++17 and plain characters since.
std::string structureProblem(StringRef Text, spec::RegionKind Kind) {
  std::string Why = structureProblem(Text, Kind, /*Trigraphs=*/false);
  if (Why.empty() && Text.contains("??"))
    Why = structureProblem(Text, Kind, /*Trigraphs=*/true);
  return Why;
}

/// What \p New holds that a region may not, beyond what \p Old held
/// already (a region may have had an #if before adrsc saw it).
std::vector<TextProblem> newTextProblems(StringRef Old, StringRef New) {
  std::multiset<std::string> Before;
  for (TextProblem &P : regionTextProblems(Old))
    Before.insert(std::move(P.What));
  std::vector<TextProblem> Added;
  for (TextProblem &P : regionTextProblems(New)) {
    auto It = Before.find(P.What);
    if (It != Before.end())
      Before.erase(It);
    else
      Added.push_back(std::move(P));
  }
  return Added;
}

} // namespace

PatchResult applyEdit(const Edit &E,
                      const std::vector<regions::Region> &Regions,
                      const std::map<std::string, std::string> &Original) {
  PatchResult Result;
  auto Reject = [&](unsigned Line, std::string Message) {
    Result.Rejections.push_back({Line, std::move(Message)});
  };
  std::vector<std::string> NewText;
  for (const regions::Region &R : Regions)
    NewText.push_back(R.Text);
  std::vector<unsigned> RewrittenAt(Regions.size(), 0);
  std::vector<unsigned> EditedAt(Regions.size(), 0); // last reply line
  // A copy of a file with several blocks gives one rewrite per block, all
  // with the same surroundings: check (and report) those once per file.
  std::set<std::pair<unsigned, std::string>> OutsideChecked;

  auto FindRegion = [&](StringRef Name,
                        unsigned Line) -> std::optional<size_t> {
    if (Name.empty()) {
      if (Regions.size() == 1)
        return 0;
      Reject(Line, "the code block does not say which region it replaces; "
                   "there are " +
                       std::to_string(Regions.size()) + " regions (" +
                       regionList(Regions) + "): open it with ```cpp NAME");
      return std::nullopt;
    }
    for (size_t I = 0; I < Regions.size(); ++I)
      if (Regions[I].Name == Name)
        return I;
    Reject(Line, "there is no region '" + Name.str() + "'" +
                     didYouMean(Name, regionNames(Regions)) +
                     "; the regions are " + regionList(Regions));
    return std::nullopt;
  };

  // Whole-region rewrites.
  for (const Rewrite &W : E.Rewrites) {
    std::optional<size_t> I = FindRegion(W.Region, W.Line);
    if (!I)
      continue;
    const regions::Region &R = Regions[*I];
    if (RewrittenAt[*I]) {
      Reject(W.Line, "region '" + R.Name +
                         "' is rewritten twice (also at "
                         "reply line " +
                         std::to_string(RewrittenAt[*I]) + ")");
      continue;
    }
    RewrittenAt[*I] = W.Line;
    EditedAt[*I] = W.Line;
    if (W.HadMarkers && OutsideChecked.insert({W.Line, R.File}).second) {
      // The code around the markers must be the file's own: a reply that
      // echoes the file with changes outside the region is refused whole.
      auto It = Original.find(R.File);
      std::vector<std::string> Expected =
          It == Original.end() ? std::vector<std::string>{}
                               : outsideLines(It->second, Regions, R.File);
      SmallVector<StringRef, 64> Lines;
      StringRef(W.Outside).split(Lines, '\n');
      size_t Next = 0;
      for (StringRef L : Lines) {
        StringRef T = L.trim();
        if (T.empty() || T == "\x01")
          continue;
        while (Next < Expected.size() && Expected[Next] != T)
          ++Next;
        if (Next == Expected.size()) {
          Reject(W.Line, "the code block changes code outside the regions: '" +
                             T.str() + "' is not in " +
                             sys::path::filename(R.File).str() +
                             " outside the regions. Only the code between "
                             "the EVOLVE-BLOCK markers of " +
                             regionList(Regions) + " may change");
          break;
        }
        ++Next;
      }
    }
    NewText[*I] =
        R.Kind == spec::RegionKind::Block ? withNewline(W.Code) : W.Code;
    // A function region ends at its closing brace, not a newline.
    if (R.Kind == spec::RegionKind::Function)
      NewText[*I] = StringRef(W.Code).rtrim("\n").str();
  }

  // SEARCH/REPLACE blocks, in order, each on the text left by the previous.
  for (const SearchReplace &SR : E.Blocks) {
    std::vector<size_t> Candidates;
    for (size_t I = 0; I < Regions.size(); ++I) {
      const regions::Region &R = Regions[I];
      if (SR.Target.empty() || SR.Target == R.Name ||
          StringRef(R.File).endswith(SR.Target))
        Candidates.push_back(I);
    }
    // The "target" is only the reply's last line of prose before the block;
    // a word like "Fix:" or "Change:" names no region and must not refuse
    // the block, which is then looked for in every region.
    bool Named = !Candidates.empty() && !SR.Target.empty();
    if (Candidates.empty())
      for (size_t I = 0; I < Regions.size(); ++I)
        Candidates.push_back(I);
    std::vector<std::pair<size_t, TextMatch>> Matches;
    // A block may quote a region that the reply also rewrites; that is an
    // error only when the block goes there (it names that region, or its
    // text is found nowhere else): another region's edit is fine.
    std::vector<size_t> Rewritten;
    for (size_t I : Candidates) {
      if (RewrittenAt[I]) {
        Rewritten.push_back(I);
        continue;
      }
      for (const TextMatch &M : findMatches(NewText[I], SR.Search))
        Matches.push_back({I, M});
    }
    Named = Named && Candidates.size() == 1;
    if (Matches.empty() || Named) {
      bool Conflict = false;
      for (size_t I : Rewritten) {
        if (!Named && findMatches(Regions[I].Text, SR.Search).empty() &&
            findMatches(NewText[I], SR.Search).empty())
          continue;
        Conflict = true;
        Reject(SR.Line, "region '" + Regions[I].Name +
                            "' is both rewritten (reply line " +
                            std::to_string(RewrittenAt[I]) +
                            ") and edited by SEARCH/REPLACE; use one or the "
                            "other");
      }
      if (Conflict)
        continue;
    }
    if (Matches.size() == 1) {
      auto &[I, M] = Matches.front();
      std::string &T = NewText[I];
      T = T.substr(0, M.Begin) + reindent(SR.Replace, M) + T.substr(M.End);
      EditedAt[I] = SR.Line;
      continue;
    }
    if (Matches.size() > 1) {
      std::vector<std::string> Places;
      for (auto &[I, M] : Matches)
        Places.push_back(
            "'" + Regions[I].Name + "' line " +
            std::to_string(Regions[I].FirstLine +
                           std::count(NewText[I].begin(),
                                      NewText[I].begin() + M.Begin, '\n')));
      Reject(SR.Line, "the SEARCH text matches " +
                          std::to_string(Matches.size()) + " places (" +
                          join(Places, ", ") +
                          "); include more lines so that it matches one");
      continue;
    }
    // Nothing matched: outside a region, or not at all.
    bool Outside = false;
    for (size_t I : Candidates) {
      auto It = Original.find(Regions[I].File);
      if (It != Original.end() && !findMatches(It->second, SR.Search).empty())
        Outside = true;
    }
    if (Outside) {
      Reject(SR.Line, "the SEARCH text is outside the regions, which is code "
                      "that may not change; only " +
                          regionList(Regions) + " may change");
      continue;
    }
    std::string Best;
    std::string BestRegion;
    for (size_t I : Candidates) {
      std::string Diff = closestMatchDiff(NewText[I], SR.Search);
      if (!Diff.empty() && (Best.empty() || Diff.size() < Best.size())) {
        Best = Diff;
        BestRegion = Regions[I].Name;
      }
    }
    if (Best.empty())
      Reject(SR.Line, "the SEARCH text matches nothing in " +
                          regionList(Regions) +
                          "; SEARCH must quote the region's current lines "
                          "exactly");
    else
      Reject(SR.Line, "the SEARCH text matches nothing in region '" +
                          BestRegion +
                          "'; did you mean these lines? (diff "
                          "from your SEARCH to the region)\n" +
                          Best);
  }

  for (size_t I = 0; I < Regions.size(); ++I) {
    if (NewText[I] == Regions[I].Text)
      continue;
    // A marker written into a region would move its end, or open another
    // region, in the patched file.
    regions::MarkerScan Markers = regions::scanMarkers(NewText[I]);
    std::optional<size_t> Marker;
    for (const regions::MarkedBlock &B : Markers.Blocks)
      Marker = std::min(Marker.value_or(B.StartMarker), B.StartMarker);
    for (const regions::MarkerError &M : Markers.Errors)
      Marker = std::min(Marker.value_or(M.Offset), M.Offset);
    if (Marker) {
      Reject(EditedAt[I],
             "the new text of region '" + Regions[I].Name +
                 "' has an EVOLVE-BLOCK marker (on line " +
                 std::to_string(regions::lineOf(NewText[I], *Marker)) +
                 " of the new text); the markers are not part of the "
                 "region and may not be added, moved or removed");
      continue;
    }
    // What the compiler would act on before any pass sees the code: a
    // directive, a line marker, a pragma (`_Pragma("clang __debug
    // crash")` stops the parser itself), and the spellings that hide them.
    std::vector<TextProblem> Lexical =
        newTextProblems(Regions[I].Text, NewText[I]);
    for (const TextProblem &P : Lexical)
      Reject(EditedAt[I],
             "in the new text of region '" + Regions[I].Name + "', line " +
                 std::to_string(regions::lineOf(NewText[I], P.Offset)) + ": " +
                 P.Message);
    std::string Why = structureProblem(NewText[I], Regions[I].Kind);
    // Judge only what the edit broke (a block may balance its braces
    // across #if branches, say, and was accepted as it is).
    if (!Why.empty() &&
        structureProblem(Regions[I].Text, Regions[I].Kind).empty())
      Reject(EditedAt[I], "the new text of region '" + Regions[I].Name +
                              "' does not stand on its own: in the new text, " +
                              Why +
                              ". A region holds whole statements or "
                              "declarations and may not reach outside itself");
  }

  if (!Result.Rejections.empty()) {
    // Rewrites were judged before SEARCH/REPLACE blocks; report in the
    // reply's order.
    llvm::stable_sort(Result.Rejections,
                      [](const Rejection &A, const Rejection &B) {
                        return A.ReplyLine < B.ReplyLine;
                      });
    return Result;
  }

  // Replies come with LF (parseEdit normalises them); a file written with
  // CRLF keeps its line endings in the lines an edit brings.
  for (size_t I = 0; I < Regions.size(); ++I) {
    auto It = Original.find(Regions[I].File);
    if (It != Original.end() && usesCRLF(It->second))
      NewText[I] = toCRLF(NewText[I]);
  }

  // Replacements over the original files, one per changed region.
  std::map<std::string, clang::tooling::Replacements> PerFile;
  for (size_t I = 0; I < Regions.size(); ++I) {
    const regions::Region &R = Regions[I];
    if (NewText[I] == R.Text)
      continue;
    Result.Changed.push_back(R.Name);
    clang::tooling::Replacement Rep(R.File, R.Begin, R.End - R.Begin,
                                    NewText[I]);
    if (Error Err = PerFile[R.File].add(Rep)) {
      Reject(0, "internal error: overlapping regions: " +
                    toString(std::move(Err)));
      return Result;
    }
  }
  if (Result.Changed.empty()) {
    Reject(0, "the edit changes nothing; the regions would stay as they are");
    return Result;
  }

  Result.Regions = Regions;
  for (auto &[File, Reps] : PerFile) {
    auto It = Original.find(File);
    if (It == Original.end()) {
      Reject(0, "internal error: no contents for '" + File + "'");
      return Result;
    }
    Expected<std::string> Patched =
        clang::tooling::applyAllReplacements(It->second, Reps);
    if (!Patched) {
      Reject(0, "internal error: " + toString(Patched.takeError()));
      return Result;
    }
    Result.Files[File] = *Patched;
    for (size_t I = 0; I < Regions.size(); ++I) {
      regions::Region &R = Result.Regions[I];
      if (R.File != File)
        continue;
      size_t Begin = Reps.getShiftedCodePosition(Regions[I].Begin);
      R.Begin = Begin;
      R.End = Begin + NewText[I].size();
      R.Text = NewText[I];
      StringRef P = *Patched;
      R.FirstLine = 1 + std::count(P.begin(), P.begin() + R.Begin, '\n');
      R.LastLine = R.FirstLine +
                   std::count(R.Text.begin(), R.Text.end(), '\n') -
                   (StringRef(R.Text).endswith("\n") ? 1 : 0);
    }
  }
  return Result;
}

std::string diffFiles(const std::map<std::string, std::string> &Original,
                      const std::map<std::string, std::string> &Patched,
                      StringRef BaseDir) {
  std::string Out;
  for (const auto &[File, New] : Patched) {
    auto It = Original.find(File);
    if (It == Original.end())
      continue;
    std::string Name = File;
    if (!BaseDir.empty() && StringRef(File).startswith(BaseDir))
      Name = StringRef(File).drop_front(BaseDir.size()).ltrim('/').str();
    Out += unifiedDiff(It->second, New, "a/" + Name, "b/" + Name);
  }
  return Out;
}

} // namespace patch
} // namespace adrs
