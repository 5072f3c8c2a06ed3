//===- Steering.cpp - What hint, pin, rollback and log share --------------===//

#include "Steering.h"

#include "adrs/Evolve/Run.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace adrs {
namespace driver {

Expected<std::unique_ptr<store::RunStore>> openRunToSteer(StringRef Dir) {
  std::string DB = evolve::databasePath(Dir);
  if (!sys::fs::exists(DB))
    return createStringError(inconvertibleErrorCode(),
                             "'%s' holds no run (no run.db); start one with "
                             "'adrsc run SPEC -o %s'",
                             Dir.str().c_str(), Dir.str().c_str());
  return store::RunStore::open(DB);
}

Expected<int64_t> parseCandidateId(StringRef Text, StringRef What) {
  StringRef Digits = Text.trim();
  Digits.consume_front("#");
  int64_t Id = 0;
  if (Digits.empty() || Digits.getAsInteger(10, Id) || Id < 0)
    return createStringError(inconvertibleErrorCode(),
                             "'%s' is not a %s number (write 12 or #12)",
                             Text.str().c_str(), What.str().c_str());
  return Id;
}

Expected<store::Candidate> scoredCandidate(store::RunStore &Store, int64_t Id) {
  Expected<std::optional<store::Candidate>> C = Store.candidate(Id);
  if (!C)
    return C.takeError();
  if (!*C) {
    Expected<int64_t> Max = Store.maxId();
    if (!Max)
      return Max.takeError();
    std::string Why =
        Id <= *Max ? formatv("candidate #{0} has not finished yet", Id).str()
                   : formatv("the run has no candidate #{0} (the last is #{1})",
                             Id, *Max)
                         .str();
    return createStringError(inconvertibleErrorCode(), "%s", Why.c_str());
  }
  if (!ranToTheEnd((*C)->Status) || !(*C)->Score)
    return createStringError(
        inconvertibleErrorCode(),
        "candidate #%lld was not scored (%s%s%s); only a scored program can "
        "be a parent",
        (long long)Id, toString((*C)->Status).str().c_str(),
        (*C)->Reason.empty() ? "" : ": ",
        StringRef((*C)->Reason).split('\n').first.str().c_str());
  return std::move(**C);
}

Expected<store::SteeringState> steeringState(store::RunStore &Store) {
  Expected<std::vector<store::Steering>> All = Store.steerings();
  if (!All)
    return All.takeError();
  store::SteeringState State;
  for (const store::Steering &S : *All)
    State.apply(S);
  return State;
}

std::string whenTaken(StringRef Dir) {
  return evolve::runInProgress(Dir)
             ? "the run takes it within a second"
             : "the run is not going on: its next session takes it";
}

} // namespace driver
} // namespace adrs
