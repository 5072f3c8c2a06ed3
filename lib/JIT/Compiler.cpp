//===- Compiler.cpp - C++ to LLVM IR in process ---------------------------===//

#include "adrs/JIT/Compiler.h"

#include "DiagnosticCollector.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/CodeGen/CodeGenAction.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/MultiplexConsumer.h"
#include "clang/Frontend/PrecompiledPreamble.h"
#include "clang/Frontend/Utils.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Serialization/PCHContainerOperations.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <map>

using namespace llvm;

namespace adrs {
namespace jit {

struct Compiler::PreambleCache {
  std::map<std::string, std::unique_ptr<clang::PrecompiledPreamble>> ByFile;
};

Compiler::Compiler(const spec::BuildSettings &Build, std::string OptLevel)
    : Build(Build), OptLevel(std::move(OptLevel)),
      Preambles(std::make_unique<PreambleCache>()) {}

Compiler::~Compiler() = default;

namespace {

/// Hands the AST to a callback once it is complete, beside code generation.
class ASTWatcher : public clang::ASTConsumer {
public:
  explicit ASTWatcher(function_ref<void(clang::ASTContext &)> OnAST)
      : OnAST(OnAST) {}
  void HandleTranslationUnit(clang::ASTContext &Ctx) override { OnAST(Ctx); }

private:
  function_ref<void(clang::ASTContext &)> OnAST;
};

class EmitWithAST : public clang::EmitLLVMOnlyAction {
public:
  EmitWithAST(LLVMContext *Context,
              function_ref<void(clang::ASTContext &)> OnAST)
      : EmitLLVMOnlyAction(Context), OnAST(OnAST) {}

protected:
  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI, StringRef File) override {
    std::unique_ptr<clang::ASTConsumer> CodeGen =
        EmitLLVMOnlyAction::CreateASTConsumer(CI, File);
    if (!CodeGen || !OnAST)
      return CodeGen;
    // The watcher goes first: code generation is done with the AST when it
    // sees the end of the translation unit.
    std::vector<std::unique_ptr<clang::ASTConsumer>> Consumers;
    Consumers.push_back(std::make_unique<ASTWatcher>(OnAST));
    Consumers.push_back(std::move(CodeGen));
    return std::make_unique<clang::MultiplexConsumer>(std::move(Consumers));
  }

private:
  function_ref<void(clang::ASTContext &)> OnAST;
};

} // namespace

Expected<std::unique_ptr<Module>> Compiler::compile(
    StringRef File, const regions::FileOverrides &Overrides,
    LLVMContext &Context, std::vector<regions::SourceDiagnostic> &Diagnostics,
    bool UsePreamble, function_ref<void(clang::ASTContext &)> OnAST) const {
  Expected<std::vector<std::string>> Arguments =
      regions::compilerArguments(Build, File);
  if (!Arguments)
    return Arguments.takeError();
  std::vector<std::string> &Args = *Arguments;
  Args.insert(Args.begin() + 1, {"-c", OptLevel, "-fno-omit-frame-pointer"});
  Args.push_back(File.str());
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());

  DiagnosticCollector Collect(&Diagnostics);
  IntrusiveRefCntPtr<clang::DiagnosticsEngine> Diags =
      clang::CompilerInstance::createDiagnostics(new clang::DiagnosticOptions(),
                                                 &Collect, false);
  clang::CreateInvocationOptions Opts;
  Opts.Diags = Diags;
  std::shared_ptr<clang::CompilerInvocation> Invocation =
      clang::createInvocation(Argv, Opts);
  if (!Invocation)
    return createStringError(inconvertibleErrorCode(),
                             "cannot build a compiler invocation for '%s'",
                             File.str().c_str());
  IntrusiveRefCntPtr<vfs::FileSystem> VFS = vfs::getRealFileSystem();
  // The main file's text, which a preamble is checked against.
  std::unique_ptr<MemoryBuffer> Main;
  if (UsePreamble) {
    auto It = Overrides.find(File.str());
    if (It != Overrides.end()) {
      Main = MemoryBuffer::getMemBufferCopy(It->second, File);
    } else if (auto Disk = MemoryBuffer::getFile(File)) {
      Main = std::move(*Disk);
    }
  }
  // Buffers are owned by the invocation's preprocessor options.
  Invocation->getPreprocessorOpts().RetainRemappedFileBuffers = false;
  for (const auto &[Path, Contents] : Overrides)
    if (!Main || Path != File)
      Invocation->getPreprocessorOpts().addRemappedFile(
          Path, MemoryBuffer::getMemBufferCopy(Contents, Path).release());

  if (Main) {
    clang::PreambleBounds Bounds = clang::ComputePreambleBounds(
        *Invocation->getLangOpts(), Main->getMemBufferRef(), 0);
    std::unique_ptr<clang::PrecompiledPreamble> &Cached =
        Preambles->ByFile[File.str()];
    if (Cached &&
        !Cached->CanReuse(*Invocation, Main->getMemBufferRef(), Bounds, *VFS))
      Cached.reset();
    if (!Cached) {
      clang::PreambleCallbacks Callbacks;
      llvm::ErrorOr<clang::PrecompiledPreamble> Built =
          clang::PrecompiledPreamble::Build(
              *Invocation, Main.get(), Bounds, *Diags, VFS,
              std::make_shared<clang::PCHContainerOperations>(),
              /*StoreInMemory=*/true, Callbacks);
      if (Built)
        Cached =
            std::make_unique<clang::PrecompiledPreamble>(std::move(*Built));
    }
    if (Cached) {
      // The main file is remapped to this buffer, and remapped buffers
      // belong to the compiler instance: ownership passes to it.
      Cached->AddImplicitPreamble(*Invocation, VFS, Main.release());
    } else {
      Invocation->getPreprocessorOpts().addRemappedFile(
          File,
          MemoryBuffer::getMemBufferCopy(Main->getBuffer(), File).release());
    }
  }

  clang::CompilerInstance CI;
  CI.setInvocation(std::move(Invocation));
  CI.createDiagnostics(&Collect, /*ShouldOwnClient=*/false);
  CI.getDiagnosticOpts().ShowCarets = false; // no "N errors generated." line
  CI.createFileManager(VFS);
  EmitWithAST Action(&Context, OnAST);
  bool OK = CI.ExecuteAction(Action);
  std::unique_ptr<Module> M = Action.takeModule();
  bool HasErrors = CI.getDiagnostics().hasErrorOccurred();
  if (!OK || !M || HasErrors)
    return createStringError(inconvertibleErrorCode(), "'%s' does not compile",
                             File.str().c_str());
  return std::move(M);
}

Expected<std::unique_ptr<Module>> Compiler::compileText(
    StringRef Name, StringRef Text, LLVMContext &Context,
    std::vector<regions::SourceDiagnostic> &Diagnostics) const {
  return compile(Name, {{Name.str(), Text.str()}}, Context, Diagnostics);
}

} // namespace jit
} // namespace adrs
