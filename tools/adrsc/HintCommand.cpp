//===- HintCommand.cpp - adrsc hint ---------------------------------------===//
//
// A hint is a line of advice for the model, added to a run's prompts from
// its next proposal on: `adrsc hint RUNDIR "TEXT"`, or `--file F` for a
// longer one; `--list` shows them with their numbers, `--remove N` takes
// one out.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"
#include "Steering.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> HintDir(cl::Positional, cl::Required,
                                    cl::desc("<run directory>"),
                                    cl::sub(HintCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> HintText(cl::Positional, cl::desc("<text>"),
                                     cl::sub(HintCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> HintFile("file",
                                     cl::desc("Read the hint from a file"),
                                     cl::value_desc("path"), cl::sub(HintCmd),
                                     cl::cat(AdrsCategory));

static cl::opt<bool> HintList("list",
                              cl::desc("List the hints in force, numbered"),
                              cl::sub(HintCmd), cl::cat(AdrsCategory));

static cl::opt<std::string> HintRemove("remove",
                                       cl::desc("Remove hint N (see --list)"),
                                       cl::value_desc("N"), cl::sub(HintCmd),
                                       cl::cat(AdrsCategory));

/// A hint goes into every prompt: long ones would crowd out the code.
constexpr size_t MaxHintBytes = 4000;

static int fail(const Twine &Message, int Code = ExitFailed) {
  WithColor::error(errs(), "adrsc") << Message << "\n";
  return Code;
}

static int listHints(store::RunStore &Store) {
  Expected<std::vector<store::Steering>> All = Store.steerings();
  if (!All)
    return fail(toString(All.takeError()));
  store::SteeringState State;
  std::map<int64_t, bool> Taken;
  for (const store::Steering &S : *All) {
    State.apply(S);
    if (S.Kind == EventKind::Hint && !S.Undo)
      Taken[S.Id] = S.AppliedAfter.has_value();
  }
  if (State.Hints.empty()) {
    outs() << "no hints\n";
    return ExitOK;
  }
  for (const auto &[Number, Text] : State.Hints)
    outs() << Number << ": " << Text
           << (Taken[Number] ? "" : "  (not taken by the run yet)") << "\n";
  return ExitOK;
}

int runHint() {
  unsigned Modes =
      !HintText.empty() + !HintFile.empty() + HintList + !HintRemove.empty();
  if (Modes != 1)
    return fail("give a hint's text, --file F, --list or --remove N (one of "
                "them)",
                ExitUsage);
  std::string Text = HintText;
  if (!HintFile.empty()) {
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(HintFile);
    if (!B)
      return fail("cannot read the hint '" + HintFile +
                  "': " + B.getError().message());
    Text = (*B)->getBuffer().str();
  }
  std::optional<int64_t> Remove;
  if (!HintRemove.empty()) {
    Expected<int64_t> N = parseCandidateId(HintRemove, "hint");
    if (!N)
      return fail(toString(N.takeError()), ExitUsage);
    Remove = *N;
  }
  if (!HintList && !Remove) {
    Text = StringRef(Text).trim().str();
    if (Text.empty())
      return fail("the hint is empty", ExitUsage);
    if (Text.find('\0') != std::string::npos)
      return fail("the hint holds a NUL byte: a hint is text", ExitUsage);
    if (Text.size() > MaxHintBytes)
      return fail(formatv("the hint has {0} characters; a hint is at most "
                          "{1} (it goes into every prompt)",
                          Text.size(), MaxHintBytes),
                  ExitUsage);
  }

  Expected<std::unique_ptr<store::RunStore>> Store = openRunToSteer(HintDir);
  if (!Store)
    return fail(toString(Store.takeError()));
  if (HintList)
    return listHints(**Store);

  store::Steering S;
  S.Kind = EventKind::Hint;
  if (Remove) {
    Expected<store::SteeringState> State = steeringState(**Store);
    if (!State)
      return fail(toString(State.takeError()));
    if (!State->Hints.count(*Remove))
      return fail(formatv("the run has no hint {0}{1}", *Remove,
                          State->Hints.empty()
                              ? std::string(" (it has none)")
                              : " (see 'adrsc hint " + HintDir + " --list')"));
    S.Undo = true;
    S.Subject = *Remove;
  } else {
    S.Text = Text;
  }
  Expected<int64_t> Id = (*Store)->addSteering(S);
  if (!Id)
    return fail(toString(Id.takeError()));
  if (Remove)
    outs() << "hint " << *Remove << " removed; " << whenTaken(HintDir) << "\n";
  else
    outs() << "hint " << *Id << " added; " << whenTaken(HintDir) << "\n";
  return ExitOK;
}

} // namespace driver
} // namespace adrs
