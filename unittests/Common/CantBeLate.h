//===- CantBeLate.h - The main example, loaded for tests --------*- C++ -*-===//

#ifndef ADRS_UNITTESTS_COMMON_CANTBELATE_H
#define ADRS_UNITTESTS_COMMON_CANTBELATE_H

#include "adrs/Evaluator.h"
#include "adrs/Regions/RegionFinder.h"
#include "adrs/Spec/SpecLoader.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace testing {

/// examples/cant-be-late, or the problem of another spec: its spec, loaded
/// and checked, and its regions. Problems end up in Errors, for the test's
/// failure message.
struct Example {
  llvm::SourceMgr SM;
  std::string Errors;
  llvm::raw_string_ostream OS{Errors};
  DiagnosticEngine Diags{SM, OS};
  std::optional<spec::Spec> S;
  std::vector<regions::Region> Regions;

  explicit Example(const char *SpecPath = ADRS_SOURCE_DIR
                   "/examples/cant-be-late/spec.adrs") {
    llvm::Expected<spec::Spec> Loaded = spec::loadSpec(SpecPath, Diags);
    if (!Loaded) {
      llvm::consumeError(Loaded.takeError());
      return;
    }
    S = std::move(*Loaded);
    llvm::Expected<std::vector<regions::Region>> R =
        regions::findRegions(*S, Diags);
    if (R)
      Regions = std::move(*R);
    else
      llvm::consumeError(R.takeError());
  }

  std::vector<Workload> train() const {
    std::vector<Workload> W;
    for (const std::string &F : S->trainFiles())
      W.push_back({F, F});
    return W;
  }
};

} // namespace testing
} // namespace adrs

#endif
