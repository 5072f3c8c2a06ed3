//===- CandidateChecker.cpp - Before a candidate runs ---------------------===//

#include "adrs/Passes/CandidateChecker.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"

using namespace llvm;

namespace adrs {
namespace passes {

CandidateChecker::~CandidateChecker() = default;

Expected<std::unique_ptr<CandidateChecker>>
CandidateChecker::create(const spec::Spec &S,
                         const std::vector<regions::Region> &Regions) {
  std::unique_ptr<CandidateChecker> C(new CandidateChecker(S));
  for (const regions::Region &R : Regions) {
    if (C->Units.count(R.Unit))
      continue;
    Expected<std::unique_ptr<regions::SourceParser>> P =
        regions::SourceParser::create(S.Build, R.Unit,
                                      regions::UnitRole::Candidate);
    if (!P)
      return P.takeError();
    C->Units[R.Unit] = std::move(*P);
  }
  return std::move(C);
}

Expected<CheckResult>
CandidateChecker::check(const regions::FileOverrides &Overrides,
                        const std::vector<regions::Region> &Regions,
                        const PassPipeline &Passes) {
  CheckResult Result;
  for (auto &[Unit, Parser] : Units) {
    if (Error E = Parser->reparse(Overrides))
      return std::move(E);
    if (Parser->hasErrors()) {
      Result.Result = Status::CompileError;
      for (const regions::SourceDiagnostic &D : Parser->diagnostics())
        if (D.Severity != regions::SourceDiagnostic::Level::Warning)
          Result.Diagnostics.push_back(D);
      continue;
    }
    if (Result.Result == Status::CompileError)
      continue;

    clang::ASTUnit &AST = Parser->ast();
    clang::SourceManager &SM = AST.getSourceManager();
    // The regions of this unit, file by file: a region in a header is
    // judged in the unit that includes it.
    std::map<std::string, std::vector<PassRegion>> ByFile;
    for (const regions::Region &R : Regions)
      if (R.Unit == Unit)
        ByFile[R.File].push_back({&R, unsigned(R.Begin), unsigned(R.End)});
    std::vector<FileRegions> Files;
    for (auto &[File, InFile] : ByFile) {
      auto Ref = SM.getFileManager().getOptionalFileRef(File);
      clang::FileID FID = Ref ? SM.translateFile(*Ref) : clang::FileID();
      if (FID.isInvalid())
        return createStringError(inconvertibleErrorCode(),
                                 "'%s' is no longer part of '%s'", File.c_str(),
                                 Unit.c_str());
      Files.push_back({FID, std::move(InFile)});
    }
    Passes.run(AST.getASTContext(), Files, S, Result.Passes);
  }
  if (Result.Result == Status::CompileError)
    return Result;
  if (!Result.Passes.Rejections.empty())
    Result.Result = Status::Rejected;
  return Result;
}

} // namespace passes
} // namespace adrs
