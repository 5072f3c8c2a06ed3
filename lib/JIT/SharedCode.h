//===- SharedCode.h - Code a candidate unit's candidates share ---*- C++
//-*-===//
//
// A candidate's unit is parsed by an incremental compiler whose code
// generator emits again, in every candidate's module, each inline function
// and template instantiation the candidate uses: std::vector's members,
// std::unordered_map's, the algorithms. Optimizing those at -O2 is most of a
// template-heavy candidate's compile. The unit's own code is compiled once
// at setup (the warm-up); what it instantiated is kept there, optimized and
// compiled once, and a candidate calls it instead of its own copies.
//
// Those copies are not inlined either: letting the optimizer inline even
// the small ones (up to 15 instructions, a vector's operator[]) brings their
// optimization back: about 550 ms of compile per candidate instead of 200
// on bench/Inputs/templated. A candidate's code runs the same functions,
// with the same results (one definition rule), at the cost of a call each.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_JIT_SHAREDCODE_H
#define ADRS_LIB_JIT_SHAREDCODE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace adrs {
namespace jit {

/// The -O2 pipeline clang runs, run here instead so that a module can be
/// changed between code generation and optimization.
class ModuleOptimizer {
public:
  static llvm::Expected<std::unique_ptr<ModuleOptimizer>> create();
  ~ModuleOptimizer();
  void optimize(llvm::Module &M);

private:
  explicit ModuleOptimizer(std::unique_ptr<llvm::TargetMachine> TM);
  std::unique_ptr<llvm::TargetMachine> Target;
};

/// The inline functions and template instantiations a warm-up module
/// defines, by IR name, that every later module of the same unit may use
/// instead of its own copy.
class SharedCode {
public:
  /// Takes \p Warm's inline and template code (not what mentions
  /// \p PrivateNamespace, the warm-up's own code) as shared, and keeps it in
  /// \p Warm whether or not \p Warm itself still needs it after inlining.
  void take(llvm::Module &Warm, llvm::StringRef PrivateNamespace);
  /// Turns \p Candidate's copies of shared code into declarations of it.
  /// Returns how many copies it replaced.
  unsigned share(llvm::Module &Candidate) const;
  bool empty() const { return Names.empty(); }
  size_t size() const { return Names.size(); }
  /// One shared function's name, to make the JIT compile the warm-up.
  llvm::StringRef any() const { return Names.begin()->first(); }

private:
  llvm::StringSet<> Names;
};

} // namespace jit
} // namespace adrs

#endif
