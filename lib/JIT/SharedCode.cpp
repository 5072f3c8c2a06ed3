//===- SharedCode.cpp - Code a candidate unit's candidates share ----------===//

#include "SharedCode.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LoopAnalysisManager.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;

namespace adrs {
namespace jit {

Expected<std::unique_ptr<ModuleOptimizer>> ModuleOptimizer::create() {
  Expected<orc::JITTargetMachineBuilder> Builder =
      orc::JITTargetMachineBuilder::detectHost();
  if (!Builder)
    return Builder.takeError();
  Builder->setCodeGenOptLevel(CodeGenOpt::Default);
  Expected<std::unique_ptr<TargetMachine>> TM = Builder->createTargetMachine();
  if (!TM)
    return TM.takeError();
  return std::unique_ptr<ModuleOptimizer>(new ModuleOptimizer(std::move(*TM)));
}

ModuleOptimizer::ModuleOptimizer(std::unique_ptr<TargetMachine> TM)
    : Target(std::move(TM)) {}

ModuleOptimizer::~ModuleOptimizer() = default;

void ModuleOptimizer::optimize(Module &M) {
  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager MAM;
  PassBuilder PB(Target.get());
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  ModulePassManager MPM =
      PB.buildPerModuleDefaultPipeline(OptimizationLevel::O2);
  MPM.run(M, MAM);
}

void SharedCode::take(Module &Warm, StringRef PrivateNamespace) {
  for (Function &F : Warm) {
    if (F.isDeclaration() || !F.hasLinkOnceODRLinkage() ||
        F.getName().contains(PrivateNamespace))
      continue;
    Names.insert(F.getName());
    // Kept even where the warm-up inlined every call: candidates call it.
    F.setLinkage(GlobalValue::WeakODRLinkage);
  }
}

unsigned SharedCode::share(Module &Candidate) const {
  unsigned Replaced = 0;
  for (Function &F : Candidate) {
    if (F.isDeclaration() || !F.hasLinkOnceODRLinkage())
      continue;
    if (!Names.contains(F.getName()))
      continue;
    // The same definition (one definition rule), compiled at setup.
    F.setComdat(nullptr);
    F.deleteBody();
    ++Replaced;
  }
  return Replaced;
}

} // namespace jit
} // namespace adrs
