//===- Status.cpp - How a candidate ended ---------------------------------===//

#include "adrs/Core/Status.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace llvm;

namespace adrs {

StringRef toString(Status S) {
  switch (S) {
  case Status::OK:
    return "ok";
  case Status::Infeasible:
    return "infeasible";
  case Status::CompileError:
    return "compile_error";
  case Status::Rejected:
    return "rejected";
  case Status::Duplicate:
    return "duplicate";
  case Status::Timeout:
    return "timeout";
  case Status::Crashed:
    return "crashed";
  case Status::OutOfMemory:
    return "out_of_memory";
  case Status::AbnormalExit:
    return "abnormal_exit";
  case Status::InvalidOutput:
    return "invalid_output";
  case Status::RewardHacking:
    return "reward_hacking";
  }
  llvm_unreachable("a status without a spelling");
}

std::optional<Status> statusNamed(StringRef Name) {
  return StringSwitch<std::optional<Status>>(Name)
      .Case("ok", Status::OK)
      .Case("infeasible", Status::Infeasible)
      .Case("compile_error", Status::CompileError)
      .Case("rejected", Status::Rejected)
      .Case("duplicate", Status::Duplicate)
      .Case("timeout", Status::Timeout)
      .Case("crashed", Status::Crashed)
      .Case("out_of_memory", Status::OutOfMemory)
      .Case("abnormal_exit", Status::AbnormalExit)
      .Case("invalid_output", Status::InvalidOutput)
      .Case("reward_hacking", Status::RewardHacking)
      .Default(std::nullopt);
}

} // namespace adrs
