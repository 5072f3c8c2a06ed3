//===- Candidate.cpp - From a reply to a candidate ------------------------===//

#include "adrs/Candidate/Candidate.h"

#include "adrs/Patch/Edit.h"
#include "adrs/Regions/Markers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <set>

using namespace llvm;

namespace adrs {
namespace candidate {

char EditRefused::ID = 0;

std::string EditRefused::reason(const patch::Rejection &R) const {
  if (Unreadable && R.ReplyLine)
    return "reply line " + std::to_string(R.ReplyLine) + ": " + R.Message;
  return R.Message;
}

void EditRefused::log(raw_ostream &OS) const {
  bool First = true;
  for (const patch::Rejection &R : Rejections) {
    OS << (First ? "" : "\n") << reason(R);
    First = false;
  }
}

Expected<Sources> Sources::read(std::vector<regions::Region> Regions) {
  Sources S;
  for (const regions::Region &R : Regions) {
    if (S.Files.count(R.File))
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(R.File);
    if (!B)
      return createStringError(B.getError(), "cannot read '%s'",
                               R.File.c_str());
    S.Files[R.File] = (*B)->getBuffer().str();
  }
  S.Regions = std::move(Regions);
  return std::move(S);
}

Expected<Sources> Sources::fromTexts(std::vector<regions::Region> Regions,
                                     std::map<std::string, std::string> Files) {
  Sources S;
  for (const regions::Region &R : Regions) {
    auto It = Files.find(R.File);
    if (It == Files.end())
      return createStringError(inconvertibleErrorCode(),
                               "no text recorded for '%s', which holds "
                               "region '%s'",
                               R.File.c_str(), R.Name.c_str());
    if (R.End > It->second.size() || R.Begin > R.End)
      return createStringError(inconvertibleErrorCode(),
                               "region '%s' lies outside the recorded '%s'",
                               R.Name.c_str(), R.File.c_str());
    S.Files[R.File] = It->second;
  }
  S.Regions = std::move(Regions);
  return std::move(S);
}

Program Sources::baseline() const {
  Program P;
  for (const regions::Region &R : Regions)
    P[R.Name] = R.Text;
  return P;
}

Expected<Program>
Sources::programIn(const regions::FileOverrides &Replaced) const {
  Program P = baseline();
  for (const regions::Region &R : Regions) {
    auto It = Replaced.find(R.File);
    if (It == Replaced.end())
      continue;
    regions::MarkerScan Scan = regions::scanMarkers(It->second);
    if (!Scan.Errors.empty())
      return createStringError(inconvertibleErrorCode(),
                               "its EVOLVE-BLOCK markers are broken: %s",
                               Scan.Errors.front().Message.c_str());
    const regions::MarkedBlock *Found = nullptr;
    for (const regions::MarkedBlock &B : Scan.Blocks)
      if (B.Name == R.Name || (B.Name.empty() && Scan.Blocks.size() == 1))
        Found = &B;
    if (!Found)
      return createStringError(
          inconvertibleErrorCode(),
          "it has no '// EVOLVE-BLOCK-START %s' ... '// EVOLVE-BLOCK-END' "
          "block",
          R.Name.c_str());
    P[R.Name] = StringRef(It->second).slice(Found->Begin, Found->End).str();
  }
  return P;
}

Expected<regions::FileOverrides>
referenceFiles(const spec::Baseline &Reference,
               const std::vector<regions::Region> &Regions) {
  std::set<std::string> Replaceable, Units;
  for (const regions::Region &R : Regions) {
    Replaceable.insert(R.File);
    Replaceable.insert(R.Unit);
    Units.insert(R.Unit);
  }
  regions::FileOverrides Out;
  for (const std::string &File : Reference.Files) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> Text = MemoryBuffer::getFile(File);
    if (!Text)
      return createStringError(Text.getError(), "cannot read '%s': %s",
                               File.c_str(), Text.getError().message().c_str());
    std::vector<std::string> Named;
    for (const std::string &Candidate : Replaceable)
      if (sys::path::filename(Candidate) == sys::path::filename(File))
        Named.push_back(Candidate);
    std::string Target;
    if (Named.size() == 1)
      Target = Named.front();
    else if (Named.empty() && Reference.Files.size() == 1 && Units.size() == 1)
      Target = *Units.begin();
    else {
      std::vector<std::string> Names;
      for (const std::string &Candidate : Replaceable)
        Names.push_back(sys::path::filename(Candidate).str());
      return createStringError(
          inconvertibleErrorCode(),
          "'%s' of reference '%s' %s; a reference's file takes the place of "
          "the file with a region of the same name (%s)",
          File.c_str(), Reference.Name.c_str(),
          Named.empty() ? "has the name of no file with a region"
                        : "has the name of several files with regions",
          join(Names, ", ").c_str());
    }
    if (Out.count(Target))
      return createStringError(
          inconvertibleErrorCode(),
          "reference '%s' has two files that take the place of '%s'",
          Reference.Name.c_str(), Target.c_str());
    Out[Target] = (*Text)->getBuffer().str();
  }
  return Out;
}

Materialized Sources::materialize(const Program &P) const {
  Materialized M;
  M.Regions = Regions;
  std::map<std::string, std::vector<size_t>> ByFile;
  for (size_t I = 0; I < Regions.size(); ++I)
    ByFile[Regions[I].File].push_back(I);
  for (auto &[File, Indices] : ByFile) {
    auto FileIt = Files.find(File);
    if (FileIt == Files.end())
      continue;
    const std::string &Old = FileIt->second;
    llvm::sort(Indices, [&](size_t A, size_t B) {
      return Regions[A].Begin < Regions[B].Begin;
    });
    std::string New;
    size_t At = 0;
    for (size_t I : Indices) {
      const regions::Region &R = Regions[I];
      New += Old.substr(At, R.Begin - At);
      auto It = P.find(R.Name);
      const std::string &Text = It != P.end() ? It->second : R.Text;
      regions::Region &Out = M.Regions[I];
      Out.Begin = New.size();
      New += Text;
      Out.End = New.size();
      Out.Text = Text;
      Out.FirstLine =
          1 + std::count(New.begin(), New.begin() + Out.Begin, '\n');
      Out.LastLine =
          Out.End > Out.Begin
              ? 1 + std::count(New.begin(), New.begin() + Out.End - 1, '\n')
              : Out.FirstLine;
      At = R.End;
    }
    New += Old.substr(At);
    if (New != Old)
      M.Overrides[File] = New;
    M.Files[File] = std::move(New);
  }
  return M;
}

Expected<Prepared> prepare(const Sources &S, StringRef Reply,
                           const Program &Parent) {
  Expected<patch::Edit> Edit = patch::parseEdit(Reply);
  if (!Edit) {
    std::vector<patch::Rejection> Why;
    handleAllErrors(
        Edit.takeError(),
        [&](const patch::EditError &E) {
          Why.push_back({E.Line, E.Message});
        },
        [&](const ErrorInfoBase &E) {
          Why.push_back({0, E.message()});
        });
    return make_error<EditRefused>(std::move(Why), /*Unreadable=*/true);
  }
  // The edit applies to the parent as it is laid out in the files.
  Materialized Base = S.materialize(Parent);
  patch::PatchResult Patched =
      patch::applyEdit(*Edit, Base.Regions, Base.Files);
  if (!Patched.accepted())
    return make_error<EditRefused>(std::move(Patched.Rejections),
                                   /*Unreadable=*/false);
  Prepared P;
  for (const regions::Region &R : Patched.Regions)
    P.Child[R.Name] = R.Text;
  P.Changed = Patched.Changed;
  P.Layout = S.materialize(P.Child);
  return std::move(P);
}

std::string refusalReason(Error E) {
  std::string Reason;
  handleAllErrors(
      std::move(E),
      [&](const EditRefused &R) {
        Reason = R.Rejections.empty() ? "the edit was refused"
                                      : R.reason(R.Rejections.front());
      },
      [&](const ErrorInfoBase &Other) { Reason = Other.message(); });
  return Reason;
}

} // namespace candidate
} // namespace adrs
