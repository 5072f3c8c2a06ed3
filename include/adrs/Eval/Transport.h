//===- adrs/Eval/Transport.h - How an executor reaches its zygote -*- C++
//-*-===//
//
// An eval::Executor speaks framed JSON to a zygote; the transport is how the
// zygote is started and where its two ends are. `local` forks adrs-zygote on
// this machine over a socket pair; `slurm` starts `adrsc worker SPEC` as a
// SLURM job step and speaks to it over srun's stdin and stdout. Everything
// else -- the set-up message, the requests, reading answers as hostile --
// is the executor's, whatever the transport. Transports register
// themselves, as child tasks do:
//
//   static adrs::eval::TransportRegistry::Add<SlurmTransport> X("slurm",
//   "...");
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_EVAL_TRANSPORT_H
#define ADRS_EVAL_TRANSPORT_H

#include "adrs/Spec/Spec.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/Registry.h"

#include <memory>
#include <string>

namespace adrs {
namespace eval {

/// Transport::maxRestarts of a transport that may always start again.
constexpr unsigned UnboundedRestarts = ~0u;

/// What a transport needs to start a zygote.
struct TransportOptions {
  const spec::Spec *Spec = nullptr;
  /// The executor's place among the run's workers, for names and messages.
  unsigned Index = 0;
  /// Names what one run starts (SLURM's job name), so that a later run in
  /// the same directory finds what a dead one left behind. Empty: the
  /// transport makes one up.
  std::string RunTag;
};

class Transport {
public:
  virtual ~Transport();
  /// Starts a fresh zygote; on success readFd() and writeFd() reach it.
  virtual llvm::Error open(const TransportOptions &O) = 0;
  /// Ends the zygote, if one runs, and closes both ends. Never blocks for
  /// long.
  virtual void close() = 0;
  /// How often the zygote may be started again over the executor's life:
  /// a local one always (a dead one is a fork away); a cluster's within a
  /// bound, since a node that is gone stays gone.
  virtual unsigned maxRestarts() const = 0;
  /// Ends what runs under \p O's tag: the workers of a run that died
  /// without cleaning up, or, at a run's end, any left by this one.
  virtual llvm::Error sweep(const TransportOptions &O) = 0;
  /// What the far end said on its way down (srun's errors), for messages;
  /// empty when there is nothing to add.
  virtual std::string lastWords() { return ""; }
  /// The zygote's process on this machine (local), or the process that
  /// speaks to it (srun): what tests kill.
  int pid() const { return Pid; }
  int readFd() const { return ReadFd; }
  int writeFd() const { return WriteFd; }
  /// Names the far end in messages: "the zygote", "SLURM step adrsc-x #1".
  virtual std::string describe() const = 0;

protected:
  int ReadFd = -1, WriteFd = -1, Pid = -1;
};
using TransportRegistry = llvm::Registry<Transport>;

/// The transport registered for \p Kind.
llvm::Expected<std::unique_ptr<Transport>>
createTransport(spec::ExecutorKind Kind);

/// Keeps the slurm transport's registration in programs that link adrsEval
/// statically (its entry is otherwise never referenced).
void linkSlurmTransport();

} // namespace eval
} // namespace adrs

#endif
