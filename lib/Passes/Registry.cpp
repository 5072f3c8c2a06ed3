//===- Registry.cpp - The pass registry and plugins -----------------------===//

#include "adrs/Passes/Pass.h"

#include "clang/AST/ASTContext.h"

#include "llvm/ADT/STLExtras.h"
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
    Key += (Key.empty() ? "" : " ") + Region + ":" + Fingerprint;
  return Key;
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

Error loadPlugin(StringRef Path) {
  std::string Message;
  if (sys::DynamicLibrary::LoadLibraryPermanently(Path.str().c_str(), &Message))
    return createStringError(inconvertibleErrorCode(),
                             "cannot load plugin '%s': %s", Path.str().c_str(),
                             Message.c_str());
  return Error::success();
}

} // namespace passes
} // namespace adrs
