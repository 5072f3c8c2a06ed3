//===- RollbackCommand.cpp - adrsc rollback -------------------------------===//
//
// `adrsc rollback RUNDIR ID`: the search goes on from candidate ID as if
// nothing after it had improved on it. The better programs found since stay
// in the database (and `adrsc best` still names the best ever found); the
// search just no longer draws from them.
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

static cl::opt<std::string> RollbackDir(cl::Positional, cl::Required,
                                        cl::desc("<run directory>"),
                                        cl::sub(RollbackCmd),
                                        cl::cat(AdrsCategory));

static cl::opt<std::string> RollbackId(cl::Positional, cl::Required,
                                       cl::desc("<candidate>"),
                                       cl::sub(RollbackCmd),
                                       cl::cat(AdrsCategory));

int runRollback() {
  auto Fail = [](const Twine &Message, int Code) {
    WithColor::error(errs(), "adrsc") << Message << "\n";
    return Code;
  };
  Expected<int64_t> Id = parseCandidateId(RollbackId, "candidate");
  if (!Id)
    return Fail(toString(Id.takeError()), ExitUsage);
  Expected<std::unique_ptr<store::RunStore>> Store =
      openRunToSteer(RollbackDir);
  if (!Store)
    return Fail(toString(Store.takeError()), ExitFailed);
  Expected<store::Candidate> C = scoredCandidate(**Store, *Id);
  if (!C)
    return Fail(toString(C.takeError()), ExitFailed);
  store::Steering S;
  S.Kind = EventKind::Rollback;
  S.Subject = *Id;
  if (Expected<int64_t> Added = (*Store)->addSteering(S); !Added)
    return Fail(toString(Added.takeError()), ExitFailed);
  outs() << formatv("rolled back to #{0} (score {1:F4}); {2}\n", *Id,
                    C->Score.value_or(0), whenTaken(RollbackDir));
  return ExitOK;
}

} // namespace driver
} // namespace adrs
