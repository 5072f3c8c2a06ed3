//===- ProposalPool.h - Proposals beside the loop ---------------*- C++ -*-===//
//
// A generator that takes seconds per proposal (a model) runs in threads of
// its own, as many as its concurrency, apart from the evaluation workers.
// The loop selects parents on its own thread and collects what comes back;
// a slow or hung request never holds up results, progress or a stop.
//
// A reply that cannot be used -- no edit in it, or an edit that does not
// apply -- goes back to the model that wrote it with the exact problem, up
// to the spec's number of fixes, before the proposal is given up; every
// reply is kept for the record.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_EVOLVE_PROPOSALPOOL_H
#define ADRS_LIB_EVOLVE_PROPOSALPOOL_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Generate/Generator.h"
#include "adrs/Search/Strategy.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace adrs {
namespace evolve {

struct ProposalJob {
  int64_t Id = 0;
  search::Selection Selection;
  generate::ProposalRequest Request;
  std::mt19937_64 Rng;
  unsigned FixesLeft = 0;
  /// The system-prompt variant its prompt has, when prompts evolve.
  std::optional<int64_t> PromptVariant;
};

/// A reply that could not be used, and why.
struct RefusedReply {
  generate::GeneratedEdit Edit;
  std::string Reason;
};

struct ProposalDone {
  ProposalJob Job;
  /// Replies of this proposal that could not be used, oldest first.
  std::vector<RefusedReply> Refused;
  /// The reply that can be evaluated, and the candidate it makes.
  std::optional<generate::GeneratedEdit> Edit;
  std::optional<candidate::Prepared> Ready;
  /// The request itself failed: why, whether the run must stop, and what
  /// was charged for it.
  std::optional<generate::ProposalError> Failure;
  /// The generator had nothing to propose.
  bool Nothing = false;
};

class ProposalPool {
public:
  ProposalPool(generate::Generator &G, const candidate::Sources &Sources,
               unsigned Threads);
  ~ProposalPool();

  void submit(ProposalJob J);
  /// A finished proposal, if one is waiting.
  std::optional<ProposalDone> poll();
  size_t inFlight();
  /// Cancels the requests in flight and waits for the threads; proposals
  /// not finished are dropped.
  void stop();

private:
  ProposalDone work(ProposalJob J);
  void loop();

  generate::Generator &G;
  const candidate::Sources &Sources;
  std::vector<std::thread> Threads;
  std::mutex Mutex;
  std::condition_variable JobReady;
  std::deque<ProposalJob> Queue;
  std::deque<ProposalDone> Finished;
  size_t InFlight = 0;
  bool Stopping = false;
};

} // namespace evolve
} // namespace adrs

#endif
