//===- Generator.cpp - The generator registry -----------------------------===//

#include "adrs/Generate/Generator.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

LLVM_INSTANTIATE_REGISTRY(adrs::generate::GeneratorRegistry)

namespace adrs {
namespace generate {

Generator::~Generator() = default;

char ProposalError::ID = 0;

void ProposalError::log(raw_ostream &OS) const { OS << Message; }
GeneratorFactory::~GeneratorFactory() = default;

std::vector<std::string> registeredGenerators() {
  linkBuiltinGenerator();
  linkModelGenerators();
  std::vector<std::string> Names;
  for (const GeneratorRegistry::entry &E : GeneratorRegistry::entries())
    Names.push_back(E.getName().str());
  llvm::sort(Names);
  return Names;
}

Expected<std::unique_ptr<Generator>> createGenerator(StringRef Name,
                                                     const spec::Spec &S) {
  linkBuiltinGenerator();
  linkModelGenerators();
  for (const GeneratorRegistry::entry &E : GeneratorRegistry::entries())
    if (E.getName() == Name)
      return E.instantiate()->create(S);
  return createStringError(inconvertibleErrorCode(),
                           "unknown generator '%s'; the generators are: %s",
                           Name.str().c_str(),
                           join(registeredGenerators(), ", ").c_str());
}

} // namespace generate
} // namespace adrs
