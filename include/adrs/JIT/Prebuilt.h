//===- adrs/JIT/Prebuilt.h - The simulator's own build in the JIT -*- C++
//-*-===//
//
// A simulator is often built already by its own build system, as objects, a
// static archive or a shared library (the spec's `link` statement). This
// puts those binaries into the engine's LLJIT the way a linker would
// (archive members on demand) and says which symbols they reference, so the
// engine can give every function of the regions' unit they call a stub
// that reaches the candidate.
//
// The regions' unit may be built into the binaries too (libsim.a made of
// every file, the one with the regions included). That copy is left out:
// the candidate's definitions must be the only ones. A piece that mixes the
// unit's definitions with others cannot be left out and is an error, and so
// is a file that is both compiled from `sources` and linked prebuilt.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_JIT_PREBUILT_H
#define ADRS_JIT_PREBUILT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Triple;
namespace orc {
class LLJIT;
} // namespace orc
} // namespace llvm

namespace adrs {
namespace jit {

/// Checks that each of \p Files is an object, a static archive or a shared
/// library for \p Target, without loading anything.
llvm::Error checkPrebuilt(llvm::ArrayRef<std::string> Files,
                          const llvm::Triple &Target);

/// The files the engine compiles itself, for what prebuilt binaries must
/// not provide again.
struct CompiledFiles {
  /// The translation units with regions, each with the mangled names of
  /// its strong definitions: a binary's copy of one is left out.
  std::map<std::string, llvm::StringSet<>> Units;
  /// The other files compiled from source (`sources`, the evaluator), each
  /// with its strong definitions.
  std::map<std::string, llvm::StringSet<>> Sources;
};

/// Prebuilt binaries added to an LLJIT.
class PrebuiltBinaries {
public:
  /// Adds \p Files (objects, static archives, shared libraries, in the
  /// order given) to \p J's main JITDylib, less the copies of
  /// \p Compiled's units. \p J must outlive the result.
  static llvm::Expected<std::unique_ptr<PrebuiltBinaries>>
  add(llvm::orc::LLJIT &J, llvm::ArrayRef<std::string> Files,
      const CompiledFiles &Compiled);
  ~PrebuiltBinaries();

  /// Every symbol the binaries reference and do not define themselves (of
  /// every member of an archive, pulled in or not), mangled.
  const llvm::StringSet<> &referenced() const;

  /// The copies of the unit that were left out, as "lib.a(member.o)" or
  /// the object's path.
  llvm::ArrayRef<std::string> leftOut() const;

  /// Once \p J has linked the engine's code: points the shared libraries'
  /// calls into JIT code (the unit's stubs, the simulator's objects) at
  /// it, and runs the static initialisers of the objects loaded so far.
  /// Fails naming a symbol a shared library calls that nothing defines.
  llvm::Error initialize();

private:
  struct Impl;
  explicit PrebuiltBinaries(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace jit
} // namespace adrs

#endif
