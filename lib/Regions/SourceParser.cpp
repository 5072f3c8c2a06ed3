//===- SourceParser.cpp - Parsing a source in-process ---------------------===//

#include "adrs/Regions/SourceParser.h"

#include "adrs/Config.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Serialization/PCHContainerOperations.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <algorithm>

using namespace llvm;

namespace adrs {
namespace regions {

/// adrsc's own public headers: ../include beside an installed binary, or the
/// source tree when run from the build directory.
static std::string adrsIncludeDir() {
  std::string Exe = sys::fs::getMainExecutable(nullptr, nullptr);
  if (!Exe.empty()) {
    SmallString<256> Installed(
        sys::path::parent_path(sys::path::parent_path(Exe)));
    sys::path::append(Installed, "include", "adrs", "Evolve.h");
    if (sys::fs::exists(Installed))
      return std::string(
          sys::path::parent_path(sys::path::parent_path(Installed)));
  }
  return ADRS_SOURCE_INCLUDE_DIR;
}

std::vector<std::string> compilerArguments(const spec::BuildSettings &Build,
                                           UnitRole Role) {
  std::vector<std::string> Args = {"clang++", "-std=" + Build.Standard,
                                   "-resource-dir", ADRS_CLANG_RESOURCE_DIR,
                                   "-I" + adrsIncludeDir()};
  // A candidate may index only containers and arrays whose bounds are
  // checked: the standard containers' operator[] asserts (libstdc++'s
  // cheap assertions, which leave the layout as it is) and an array index
  // out of its known bound traps. The candidate language (the allow pass)
  // leans on both.
  for (const char *Check : {"-D_GLIBCXX_ASSERTIONS", "-fsanitize=array-bounds",
                            "-fsanitize-trap=array-bounds"})
    Args.push_back(Check);
  for (const std::string &Dir : Build.IncludeDirs)
    Args.push_back("-I" + Dir);
  for (const spec::Define &D : Build.Defines)
    Args.push_back("-D" + D.Name + (D.Value ? "=" + *D.Value : ""));
  for (const std::string &Flag : Build.Flags)
    Args.push_back(Flag);
  if (Role == UnitRole::Sources) {
    // Warnings are the researcher's business; only errors stop a candidate.
    Args.push_back("-w");
    return Args;
  }
  // -w would silence the one warning a candidate's unit must obey, even
  // made an error, so warnings stay on (their diagnostics are dropped where
  // they are collected) and none but this one is an error, whatever the
  // spec's flags ask.
  Args.push_back("-Wno-error");
  Args.push_back("-Werror=return-type");
  return Args;
}

json::Value toJSON(const std::vector<SourceDiagnostic> &Diagnostics) {
  json::Array A;
  for (const SourceDiagnostic &D : Diagnostics)
    A.push_back(json::Object{
        {"level", D.Severity == SourceDiagnostic::Level::Error     ? "error"
                  : D.Severity == SourceDiagnostic::Level::Warning ? "warning"
                                                                   : "note"},
        {"file", D.File},
        {"line", D.Line},
        {"column", D.Column},
        {"message", D.Message},
        {"source_line", D.SourceLine}});
  return A;
}

std::vector<SourceDiagnostic> diagnosticsFromJSON(const json::Array *A) {
  std::vector<SourceDiagnostic> Out;
  if (!A)
    return Out;
  // Diagnostics come back from a candidate's process: keep what a person
  // or a prompt can use, and no more.
  constexpr size_t MaxDiagnostics = 200, MaxText = 4096;
  auto Text = [&](const json::Object *O, StringRef Key) {
    return O->getString(Key).value_or("").take_front(MaxText).str();
  };
  for (const json::Value &V : *A) {
    if (Out.size() == MaxDiagnostics)
      break;
    const json::Object *O = V.getAsObject();
    if (!O)
      continue;
    SourceDiagnostic D;
    StringRef Level = O->getString("level").value_or("error");
    D.Severity = Level == "note"      ? SourceDiagnostic::Level::Note
                 : Level == "warning" ? SourceDiagnostic::Level::Warning
                                      : SourceDiagnostic::Level::Error;
    D.File = Text(O, "file");
    D.Line = unsigned(
        std::clamp<int64_t>(O->getInteger("line").value_or(0), 0, UINT32_MAX));
    D.Column = unsigned(std::clamp<int64_t>(O->getInteger("column").value_or(0),
                                            0, UINT32_MAX));
    D.Message = Text(O, "message");
    D.SourceLine = Text(O, "source_line");
    Out.push_back(std::move(D));
  }
  return Out;
}

SourceParser::~SourceParser() = default;

Expected<std::unique_ptr<SourceParser>>
SourceParser::create(const spec::BuildSettings &Build, StringRef File,
                     UnitRole Role) {
  std::unique_ptr<SourceParser> P(new SourceParser());
  P->File = File.str();
  std::vector<std::string> Args = compilerArguments(Build, Role);
  Args.insert(Args.begin() + 1, "-fsyntax-only");
  Args.push_back(P->File);
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());

  IntrusiveRefCntPtr<clang::DiagnosticsEngine> Diags =
      clang::CompilerInstance::createDiagnostics(
          new clang::DiagnosticOptions(), new clang::IgnoringDiagConsumer());
  std::unique_ptr<clang::ASTUnit> ErrAST;
  P->AST.reset(clang::ASTUnit::LoadFromCommandLine(
      Argv.data(), Argv.data() + Argv.size(),
      std::make_shared<clang::PCHContainerOperations>(), Diags,
      ADRS_CLANG_RESOURCE_DIR, /*OnlyLocalDecls=*/false,
      clang::CaptureDiagsKind::All, /*RemappedFiles=*/{},
      /*RemappedFilesKeepOriginalName=*/true,
      /*PrecompilePreambleAfterNParses=*/1, clang::TU_Complete,
      /*CacheCodeCompletionResults=*/false,
      /*IncludeBriefCommentsInCodeCompletion=*/false,
      /*AllowPCHWithCompilerErrors=*/true, clang::SkipFunctionBodiesScope::None,
      /*SingleFileParse=*/false,
      /*UserFilesAreVolatile=*/true, /*ForSerialization=*/false,
      /*RetainExcludedConditionalBlocks=*/false, std::nullopt, &ErrAST));
  if (!P->AST) {
    std::string Why = "cannot parse '" + P->File + "'";
    if (ErrAST) {
      P->AST = std::move(ErrAST);
      P->collectDiagnostics();
      for (const SourceDiagnostic &D : P->Diags)
        if (D.Severity == SourceDiagnostic::Level::Error) {
          Why += ": " + D.Message;
          break;
        }
    }
    return createStringError(inconvertibleErrorCode(), Why);
  }
  P->collectDiagnostics();
  return std::move(P);
}

Error SourceParser::reparse(const FileOverrides &Overrides) {
  std::vector<clang::ASTUnit::RemappedFile> Remapped;
  for (const auto &[Path, Contents] : Overrides)
    // The ASTUnit owns remapped buffers and frees them on the next parse.
    Remapped.push_back(
        {Path, MemoryBuffer::getMemBufferCopy(Contents, Path).release()});
  if (AST->Reparse(std::make_shared<clang::PCHContainerOperations>(), Remapped))
    return createStringError(inconvertibleErrorCode(),
                             "cannot re-parse '" + File + "'");
  collectDiagnostics();
  return Error::success();
}

bool SourceParser::hasErrors() const {
  for (const SourceDiagnostic &D : Diags)
    if (D.Severity == SourceDiagnostic::Level::Error)
      return true;
  return false;
}

void SourceParser::collectDiagnostics() {
  Diags.clear();
  for (auto It = AST->stored_diag_begin(), End = AST->stored_diag_end();
       It != End; ++It) {
    SourceDiagnostic D;
    switch (It->getLevel()) {
    case clang::DiagnosticsEngine::Error:
    case clang::DiagnosticsEngine::Fatal:
      D.Severity = SourceDiagnostic::Level::Error;
      break;
    case clang::DiagnosticsEngine::Warning:
      D.Severity = SourceDiagnostic::Level::Warning;
      break;
    default:
      D.Severity = SourceDiagnostic::Level::Note;
      break;
    }
    D.Message = It->getMessage().str();
    clang::FullSourceLoc Loc = It->getLocation();
    if (Loc.isValid()) {
      clang::FullSourceLoc Spelling = Loc.getSpellingLoc();
      clang::PresumedLoc P = Spelling.getManager().getPresumedLoc(Spelling);
      if (P.isValid()) {
        D.File = P.getFilename();
        D.Line = P.getLine();
        D.Column = P.getColumn();
        bool Invalid = false;
        StringRef Buffer = Spelling.getBufferData(&Invalid);
        if (!Invalid) {
          unsigned Offset = Spelling.getManager().getFileOffset(Spelling);
          size_t Begin =
              Offset == 0 ? StringRef::npos : Buffer.rfind('\n', Offset - 1);
          Begin = Begin == StringRef::npos ? 0 : Begin + 1;
          size_t End = Buffer.find('\n', Offset);
          D.SourceLine = Buffer.slice(Begin, End).str();
        }
      }
    }
    Diags.push_back(std::move(D));
  }
}

} // namespace regions
} // namespace adrs
