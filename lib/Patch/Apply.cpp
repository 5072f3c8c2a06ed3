//===- Apply.cpp - Edits onto regions -------------------------------------===//

#include "adrs/Patch/Apply.h"

#include "adrs/Patch/Match.h"
#include "adrs/Support/Diagnostics.h"

#include "clang/Tooling/Core/Replacement.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

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

} // namespace

PatchResult applyEdit(const Edit &E, const std::vector<regions::Region> &Regions,
                      const std::map<std::string, std::string> &Original) {
  PatchResult Result;
  auto Reject = [&](unsigned Line, std::string Message) {
    Result.Rejections.push_back({Line, std::move(Message)});
  };
  std::vector<std::string> NewText;
  for (const regions::Region &R : Regions)
    NewText.push_back(R.Text);
  std::vector<unsigned> RewrittenAt(Regions.size(), 0);

  auto FindRegion = [&](StringRef Name, unsigned Line) -> std::optional<size_t> {
    if (Name.empty()) {
      if (Regions.size() == 1)
        return 0;
      Reject(Line, "the code block does not say which region it replaces; "
                   "there are " + std::to_string(Regions.size()) +
                       " regions (" + regionList(Regions) +
                       "): open it with ```cpp NAME");
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
      Reject(W.Line, "region '" + R.Name + "' is rewritten twice (also at "
                     "reply line " + std::to_string(RewrittenAt[*I]) + ")");
      continue;
    }
    RewrittenAt[*I] = W.Line;
    if (W.HadMarkers) {
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
    NewText[*I] = R.Kind == spec::RegionKind::Block ? withNewline(W.Code)
                                                    : W.Code;
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
    if (Candidates.empty()) {
      Reject(SR.Line, "the block names '" + SR.Target +
                          "', which is no region or file with a region; the "
                          "regions are " + regionList(Regions));
      continue;
    }
    std::vector<std::pair<size_t, TextMatch>> Matches;
    for (size_t I : Candidates) {
      if (RewrittenAt[I]) {
        Reject(SR.Line, "region '" + Regions[I].Name +
                            "' is both rewritten (reply line " +
                            std::to_string(RewrittenAt[I]) +
                            ") and edited by SEARCH/REPLACE; use one or the "
                            "other");
        continue;
      }
      for (const TextMatch &M : findMatches(NewText[I], SR.Search))
        Matches.push_back({I, M});
    }
    if (Matches.size() == 1) {
      auto &[I, M] = Matches.front();
      std::string &T = NewText[I];
      T = T.substr(0, M.Begin) + reindent(SR.Replace, M) + T.substr(M.End);
      continue;
    }
    if (Matches.size() > 1) {
      std::vector<std::string> Places;
      for (auto &[I, M] : Matches)
        Places.push_back("'" + Regions[I].Name + "' line " +
                         std::to_string(Regions[I].FirstLine +
                                        std::count(NewText[I].begin(),
                                                   NewText[I].begin() + M.Begin,
                                                   '\n')));
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
                          BestRegion + "'; did you mean these lines? (diff "
                          "from your SEARCH to the region)\n" + Best);
  }

  if (!Result.Rejections.empty())
    return Result;

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
