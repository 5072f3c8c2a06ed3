//===- Steering.h - What hint, pin, rollback and log share ------*- C++ -*-===//
//
// The commands that steer a run write to its database, beside the run if
// it is going on (SQLite's WAL lets both write; the run looks for new
// requests every second), or for its next session if it is stopped.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_TOOLS_ADRSC_STEERING_H
#define ADRS_TOOLS_ADRSC_STEERING_H

#include "adrs/Store/RunStore.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace adrs {
namespace driver {

/// The database of the run in \p Dir, for writing; an error when there is
/// no run there.
llvm::Expected<std::unique_ptr<store::RunStore>>
openRunToSteer(llvm::StringRef Dir);

/// The number in "12" or "#12", or an error naming \p What.
llvm::Expected<int64_t> parseCandidateId(llvm::StringRef Text,
                                         llvm::StringRef What);

/// Candidate \p Id of the run, if it can be a parent (finished and
/// scored); otherwise an error that says why.
llvm::Expected<store::Candidate> scoredCandidate(store::RunStore &Store,
                                                 int64_t Id);

/// The hints and pins in force, from every steering recorded.
llvm::Expected<store::SteeringState> steeringState(store::RunStore &Store);

/// When the run will take a request: "within a second" or at its resume.
std::string whenTaken(llvm::StringRef Dir);

} // namespace driver
} // namespace adrs

#endif
