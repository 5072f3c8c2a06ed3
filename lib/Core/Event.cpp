//===- Event.cpp - What happened in a run ---------------------------------===//

#include "adrs/Core/Event.h"

#include "adrs/Support/EnumNames.h"

using namespace llvm;

namespace adrs {

namespace {
constexpr EnumName<EventKind> EventKindNames[] = {
    {EventKind::Start, "start"},       {EventKind::Resume, "resume"},
    {EventKind::Stop, "stop"},         {EventKind::Migration, "migration"},
    {EventKind::Tune, "tune"},         {EventKind::Stall, "stall"},
    {EventKind::Hint, "hint"},         {EventKind::Pin, "pin"},
    {EventKind::Rollback, "rollback"}, {EventKind::Insight, "insight"},
    {EventKind::Minimize, "minimize"}, {EventKind::Prompt, "prompt"},
    {EventKind::Worker, "worker"},
};
} // namespace

StringRef toString(EventKind K) { return nameOf(EventKindNames, K); }

std::optional<EventKind> eventKindNamed(StringRef Name) {
  return valueNamed(EventKindNames, Name);
}

} // namespace adrs
