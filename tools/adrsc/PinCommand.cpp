//===- PinCommand.cpp - adrsc pin -----------------------------------------===//
//
// `adrsc pin RUNDIR ID` keeps a program among the parents: every other
// proposal starts from a pinned program, and in an island search it stays
// in every island's archive. `--remove ID` unpins, `--list` shows them.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"
#include "Steering.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> PinDir(cl::Positional, cl::Required,
                                   cl::desc("<run directory>"), cl::sub(PinCmd),
                                   cl::cat(AdrsCategory));

static cl::opt<std::string> PinId(cl::Positional, cl::desc("<candidate>"),
                                  cl::sub(PinCmd), cl::cat(AdrsCategory));

static cl::opt<bool> PinRemove("remove", cl::desc("Unpin the candidate"),
                               cl::sub(PinCmd), cl::cat(AdrsCategory));

static cl::opt<bool> PinList("list", cl::desc("List the pinned candidates"),
                             cl::sub(PinCmd), cl::cat(AdrsCategory));

static int fail(const Twine &Message, int Code = ExitFailed) {
  WithColor::error(errs(), "adrsc") << Message << "\n";
  return Code;
}

int runPin() {
  if (PinList == !PinId.empty() || (PinList && PinRemove))
    return fail("give a candidate to pin (or --remove it), or --list",
                ExitUsage);
  std::optional<int64_t> Id;
  if (!PinList) {
    Expected<int64_t> N = parseCandidateId(PinId, "candidate");
    if (!N)
      return fail(toString(N.takeError()), ExitUsage);
    Id = *N;
  }
  Expected<std::unique_ptr<store::RunStore>> Store = openRunToSteer(PinDir);
  if (!Store)
    return fail(toString(Store.takeError()));
  Expected<store::SteeringState> State = steeringState(**Store);
  if (!State)
    return fail(toString(State.takeError()));
  if (PinList) {
    if (State->Pins.empty())
      outs() << "no pinned candidates\n";
    for (int64_t P : State->Pins) {
      Expected<std::optional<store::Candidate>> C = (*Store)->candidate(P);
      if (!C)
        return fail(toString(C.takeError()));
      outs() << "#" << P;
      if (*C && (*C)->Score)
        outs() << formatv(": score {0:F4}{1}", *(*C)->Score,
                          (*C)->Feasible ? "" : " (infeasible)");
      outs() << "\n";
    }
    return ExitOK;
  }
  bool Pinned = is_contained(State->Pins, *Id);
  if (PinRemove && !Pinned)
    return fail(formatv("candidate #{0} is not pinned", *Id));
  if (!PinRemove) {
    if (Pinned)
      return fail(formatv("candidate #{0} is pinned already", *Id));
    Expected<store::Candidate> C = scoredCandidate(**Store, *Id);
    if (!C)
      return fail(toString(C.takeError()));
  }
  store::Steering S;
  S.Kind = EventKind::Pin;
  S.Undo = PinRemove;
  S.Subject = *Id;
  if (Expected<int64_t> Added = (*Store)->addSteering(S); !Added)
    return fail(toString(Added.takeError()));
  outs() << "#" << *Id << (PinRemove ? " unpinned; " : " pinned; ")
         << whenTaken(PinDir) << "\n";
  return ExitOK;
}

} // namespace driver
} // namespace adrs
