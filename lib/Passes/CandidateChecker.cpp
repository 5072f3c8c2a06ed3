//===- CandidateChecker.cpp - Before a candidate runs ---------------------===//

#include "adrs/Passes/CandidateChecker.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace adrs {
namespace passes {

StringRef toString(CheckResult::Status S) {
  switch (S) {
  case CheckResult::Status::OK:
    return "ok";
  case CheckResult::Status::CompileError:
    return "compile_error";
  case CheckResult::Status::Rejected:
    return "rejected";
  }
  return "ok";
}

CandidateChecker::~CandidateChecker() = default;

Expected<std::unique_ptr<CandidateChecker>>
CandidateChecker::create(const spec::Spec &S,
                         const std::vector<regions::Region> &Regions) {
  std::unique_ptr<CandidateChecker> C(new CandidateChecker(S));
  C->Baseline = Regions;
  for (const regions::Region &R : Regions) {
    if (C->Units.count(R.Unit))
      continue;
    Expected<std::unique_ptr<regions::SourceParser>> P =
        regions::SourceParser::create(S.Build, R.Unit);
    if (!P)
      return P.takeError();
    C->Units[R.Unit] = std::move(*P);
  }
  return std::move(C);
}

Expected<CheckResult>
CandidateChecker::checkBaseline(ArrayRef<std::string> Passes) {
  return run({}, Baseline, Passes);
}

Expected<CheckResult> CandidateChecker::check(const patch::PatchResult &Patch,
                                              ArrayRef<std::string> Passes) {
  return run(Patch.Files, Patch.Regions, Passes);
}

Expected<CheckResult>
CandidateChecker::run(const regions::FileOverrides &Overrides,
                      const std::vector<regions::Region> &Regions,
                      ArrayRef<std::string> PassNames) {
  linkBuiltinPasses();
  std::vector<std::unique_ptr<CandidatePass>> Passes;
  for (const std::string &Name : PassNames) {
    std::unique_ptr<CandidatePass> P;
    for (const PassRegistry::entry &E : PassRegistry::entries())
      if (E.getName() == Name)
        P = E.instantiate();
    if (!P)
      return createStringError(
          inconvertibleErrorCode(), "unknown pass '%s'; the passes are: %s",
          Name.c_str(), join(registeredPasses(), ", ").c_str());
    Passes.push_back(std::move(P));
  }

  CheckResult Result;
  for (auto &[Unit, Parser] : Units) {
    if (Error E = Parser->reparse(Overrides))
      return std::move(E);
    if (Parser->hasErrors()) {
      Result.Result = CheckResult::Status::CompileError;
      for (const regions::SourceDiagnostic &D : Parser->diagnostics())
        if (D.Severity != regions::SourceDiagnostic::Level::Warning)
          Result.Diagnostics.push_back(D);
      continue;
    }
    if (Result.Result == CheckResult::Status::CompileError)
      continue;

    clang::ASTUnit &AST = Parser->ast();
    clang::SourceManager &SM = AST.getSourceManager();
    // One pass context per file with regions in this unit.
    std::map<std::string, std::vector<PassRegion>> ByFile;
    for (const regions::Region &R : Regions)
      if (R.Unit == Unit)
        ByFile[R.File].push_back({&R, unsigned(R.Begin), unsigned(R.End)});
    for (auto &[File, InFile] : ByFile) {
      auto Ref = SM.getFileManager().getOptionalFileRef(File);
      clang::FileID FID = Ref ? SM.translateFile(*Ref) : clang::FileID();
      if (FID.isInvalid())
        return createStringError(inconvertibleErrorCode(),
                                 "'%s' is no longer part of '%s'", File.c_str(),
                                 Unit.c_str());
      PassContext Ctx(AST.getASTContext(), FID, InFile, S, Result.Passes);
      for (std::unique_ptr<CandidatePass> &P : Passes)
        P->run(Ctx);
    }
  }
  if (Result.Result == CheckResult::Status::CompileError)
    return Result;
  if (!Result.Passes.Rejections.empty())
    Result.Result = CheckResult::Status::Rejected;
  std::string Combined;
  for (const regions::Region &R : Regions) {
    auto It = Result.Passes.Fingerprints.find(R.Name);
    if (It != Result.Passes.Fingerprints.end())
      Combined += (Combined.empty() ? "" : "-") + It->second;
  }
  Result.Fingerprint = Combined;
  return Result;
}

} // namespace passes
} // namespace adrs
