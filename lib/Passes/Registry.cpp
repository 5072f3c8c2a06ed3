//===- Registry.cpp - The pass registry and plugins -----------------------===//

#include "adrs/Passes/Pass.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/DynamicLibrary.h"

using namespace llvm;

LLVM_INSTANTIATE_REGISTRY(adrs::passes::PassRegistry)

namespace adrs {
namespace passes {

CandidatePass::~CandidatePass() = default;

clang::Decl *PassContext::translationUnit() const {
  return Ctx.getTranslationUnitDecl();
}

const PassRegion *PassContext::regionAt(unsigned Offset) const {
  for (const PassRegion &R : Regions)
    if (Offset >= R.Begin && Offset < R.End)
      return &R;
  return nullptr;
}

std::string programFingerprint(const PassResults &Results) {
  std::string Key;
  for (const auto &[Region, Fingerprint] : Results.Fingerprints)
    Key += (Key.empty() ? "" : "-") + Fingerprint;
  return Key;
}

PassPipeline::PassPipeline(PassPipeline &&) = default;
PassPipeline &PassPipeline::operator=(PassPipeline &&) = default;
PassPipeline::~PassPipeline() = default;

Expected<PassPipeline> PassPipeline::create(ArrayRef<std::string> Names) {
  linkBuiltinPasses();
  PassPipeline P;
  for (const std::string &Name : Names) {
    std::unique_ptr<CandidatePass> Pass;
    for (const PassRegistry::entry &E : PassRegistry::entries())
      if (E.getName() == Name)
        Pass = E.instantiate();
    if (!Pass)
      return createStringError(
          inconvertibleErrorCode(), "unknown pass '%s'; the passes are: %s",
          Name.c_str(), join(registeredPasses(), ", ").c_str());
    P.Names.push_back(Name);
    P.Passes.push_back(std::move(Pass));
  }
  return std::move(P);
}

void PassPipeline::run(clang::ASTContext &Ctx, ArrayRef<FileRegions> Files,
                       const spec::Spec &S, PassResults &Results,
                       ArrayRef<clang::Decl *> TopLevel) const {
  const clang::SourceManager &SM = Ctx.getSourceManager();
  for (const FileRegions &F : Files) {
    PassContext PC(Ctx, F.File, F.Regions, S, Results);
    if (!TopLevel.empty())
      PC.setTopLevelDecls(TopLevel.vec());
    size_t Before = Results.Rejections.size();
    for (const std::unique_ptr<CandidatePass> &P : Passes)
      P->run(PC);
    // Lines as the file has them (#line directives honoured), and as the
    // region has them, which is how generators describe their edits.
    for (PassRejection &R : drop_begin(Results.Rejections, Before)) {
      const PassRegion *In = nullptr;
      for (const PassRegion &Region : F.Regions)
        if (Region.Info && Region.Info->Name == R.Region)
          In = &Region;
      if (!In || R.Line == 0)
        continue;
      clang::PresumedLoc First =
          SM.getPresumedLoc(SM.getComposedLoc(F.File, In->Begin));
      if (First.isValid() && R.Line >= First.getLine())
        R.RegionLine = R.Line - First.getLine() + 1;
    }
  }
}

std::vector<std::string> defaultPasses() {
  return {"forbid", "allow", "fingerprint", "features"};
}

std::vector<std::string> registeredPasses() {
  linkBuiltinPasses();
  std::vector<std::string> Names;
  for (const PassRegistry::entry &E : PassRegistry::entries())
    Names.push_back(E.getName().str());
  llvm::sort(Names);
  return Names;
}

static std::vector<std::string> &plugins() {
  static std::vector<std::string> Loaded;
  return Loaded;
}

Error loadPlugin(StringRef Path) {
  std::string Message;
  if (sys::DynamicLibrary::LoadLibraryPermanently(Path.str().c_str(), &Message))
    return createStringError(inconvertibleErrorCode(),
                             "cannot load plugin '%s': %s", Path.str().c_str(),
                             Message.c_str());
  plugins().push_back(Path.str());
  return Error::success();
}

std::vector<std::string> loadedPlugins() { return plugins(); }

} // namespace passes
} // namespace adrs
