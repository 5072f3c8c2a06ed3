//===- Status.cpp - How a candidate ended ---------------------------------===//

#include "adrs/Core/Status.h"

#include "adrs/Support/EnumNames.h"

using namespace llvm;

namespace adrs {

namespace {
constexpr EnumName<Status> StatusNames[] = {
    {Status::OK, "ok"},
    {Status::Infeasible, "infeasible"},
    {Status::CompileError, "compile_error"},
    {Status::Rejected, "rejected"},
    {Status::Duplicate, "duplicate"},
    {Status::Timeout, "timeout"},
    {Status::Crashed, "crashed"},
    {Status::OutOfMemory, "out_of_memory"},
    {Status::AbnormalExit, "abnormal_exit"},
    {Status::InvalidOutput, "invalid_output"},
    {Status::RewardHacking, "reward_hacking"},
};
} // namespace

StringRef toString(Status S) { return nameOf(StatusNames, S); }

std::optional<Status> statusNamed(StringRef Name) {
  return valueNamed(StatusNames, Name);
}

} // namespace adrs
