//===- Event.cpp - What happened in a run ---------------------------------===//

#include "adrs/Core/Event.h"

#include "llvm/Support/ErrorHandling.h"

using namespace llvm;

namespace adrs {

StringRef toString(EventKind K) {
  switch (K) {
  case EventKind::Start:
    return "start";
  case EventKind::Resume:
    return "resume";
  case EventKind::Stop:
    return "stop";
  case EventKind::Migration:
    return "migration";
  case EventKind::Tune:
    return "tune";
  case EventKind::Stall:
    return "stall";
  case EventKind::Hint:
    return "hint";
  case EventKind::Pin:
    return "pin";
  case EventKind::Rollback:
    return "rollback";
  case EventKind::Insight:
    return "insight";
  case EventKind::Prompt:
    return "prompt";
  }
  llvm_unreachable("an event kind without a spelling");
}

std::optional<EventKind> eventKindNamed(StringRef Name) {
  for (EventKind K : {EventKind::Start, EventKind::Resume, EventKind::Stop,
                      EventKind::Migration, EventKind::Tune, EventKind::Stall,
                      EventKind::Hint, EventKind::Pin, EventKind::Rollback,
                      EventKind::Insight, EventKind::Prompt})
    if (toString(K) == Name)
      return K;
  return std::nullopt;
}

} // namespace adrs
