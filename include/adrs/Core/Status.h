//===- adrs/Core/Status.h - How a candidate ended ---------------*- C++ -*-===//
//
// One closed set of outcomes for a candidate, used by every component; the
// text forms exist only at the edges (the Result JSON, the run database, the
// output). Failures of adrsc's own machinery -- a lost executor, a database
// error -- are never a candidate's status: they travel as llvm::Error.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CORE_STATUS_H
#define ADRS_CORE_STATUS_H

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace adrs {

enum class Status {
  OK,            ///< Ran, was scored and met every constraint.
  Infeasible,    ///< Ran and was scored, but a constraint or stage failed.
  CompileError,  ///< The patched sources do not compile.
  Rejected,      ///< The edit, or a candidate pass, refused it.
  Duplicate,     ///< The same program as one evaluated before.
  Timeout,       ///< Killed at its time limit.
  Crashed,       ///< Killed by a signal.
  OutOfMemory,   ///< Ran out of its memory allowance.
  AbnormalExit,  ///< Exited without a result.
  InvalidOutput, ///< Reported something that is not a valid result.
  /// Its score could not be confirmed where the candidate cannot reach the
  /// evaluator: it tampered with the evaluation.
  RewardHacking,
};

/// The spelling of the Result JSON and the run database (`ok`,
/// `compile_error`, ...).
llvm::StringRef toString(Status S);

/// The status spelled \p Name, or none.
std::optional<Status> statusNamed(llvm::StringRef Name);

/// It ran to the end and was scored (it may still be infeasible).
inline bool ranToTheEnd(Status S) {
  return S == Status::OK || S == Status::Infeasible;
}

/// A failure of the candidate itself (not a duplicate or a success).
inline bool isFailure(Status S) {
  return S != Status::OK && S != Status::Duplicate;
}

} // namespace adrs

#endif
