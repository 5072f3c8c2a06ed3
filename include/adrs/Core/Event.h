//===- adrs/Core/Event.h - What happened in a run ---------------*- C++ -*-===//
//
// A run's events, beside its candidates: sessions starting and stopping,
// migrations, tunings, minimisations, and what a person does to a running
// search. Each kind is spelled once, here; the run database stores the
// spelling.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_CORE_EVENT_H
#define ADRS_CORE_EVENT_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace adrs {

enum class EventKind {
  Start,     ///< A session started a new run.
  Resume,    ///< A session continued a run.
  Stop,      ///< A session ended; the detail says why.
  Migration, ///< Programs moved between islands.
  Tune,      ///< A CMA-ES tuning ended; its subject is the tuned candidate.
  Stall,     ///< The search saw no progress and changed course.
  Hint,      ///< A person added or removed a hint.
  Pin,       ///< A person pinned a candidate as a parent.
  Rollback,  ///< A person rolled the search back to a candidate.
  Insight,   ///< A summary of what the run learnt so far.
  /// The best program was minimised (RUNDIR/minimize.json); its subject is
  /// the best candidate.
  Minimize,
  Prompt, ///< A new system-prompt variant, or a refused one.
  /// An evaluation worker (a SLURM step) was started again or lost.
  Worker,
};

llvm::StringRef toString(EventKind K);
std::optional<EventKind> eventKindNamed(llvm::StringRef Name);

struct Event {
  double At = 0; ///< Seconds of run time.
  unsigned Session = 0;
  EventKind Kind = EventKind::Start;
  std::string Detail;
  /// The candidate the event is about, if it is about one.
  std::optional<int64_t> Subject;
};

} // namespace adrs

#endif
