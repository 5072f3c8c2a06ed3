// EVOLVE-BLOCK-START weights
static const double kUrgencyWeight = 2.0;
static const double kSizeWeight = 0.5;
// EVOLVE-BLOCK-END
//===- scheduler.cpp - Orders the queue and decides what runs -------------===//

#include "sim/types.h"

#include <algorithm>
#include <vector>

namespace sim {

double gTickSeconds = 600;

double estimateRuntime(const Job &J, const Machine &M) {
  return J.size / M.speed;
}

/// Orders the queue so that the job to run next comes first.
void orderQueue(JobQueue &Queue, double Now) {
  const double Horizon = Now + 10 * gTickSeconds;
  // EVOLVE-BLOCK-START order
  auto Urgency = [&](const Job &J) {
    double Slack = J.deadline - Horizon;
    return kUrgencyWeight * clampTo(-Slack, 0.0, 1e9) - kSizeWeight * J.size;
  };
  std::stable_sort(Queue.begin(), Queue.end(),
                   [&](const Job &A, const Job &B) {
                     return Urgency(A) > Urgency(B);
                   });
  // EVOLVE-BLOCK-END
}

Action decide(const Job &J, const Machine &M, double Now) {
  if (J.retries >= kMaxRetries)
    return Action::Wait;
  double Finish = Now + estimateRuntime(J, M);
  return Finish <= J.deadline ? Action::Run : Action::Preempt;
}

} // namespace sim

// EVOLVE-BLOCK-START tiebreak
bool tieBreak(const sim::Job &A, const sim::Job &B) { return A.id < B.id; }
// EVOLVE-BLOCK-END