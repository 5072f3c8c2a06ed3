//===- ProposalPool.cpp - Proposals beside the loop -----------------------===//

#include "ProposalPool.h"

#include <chrono>

using namespace llvm;

namespace adrs {
namespace evolve {

ProposalPool::ProposalPool(generate::Generator &G,
                           const candidate::Sources &Sources, unsigned Threads)
    : G(G), Sources(Sources) {
  for (unsigned I = 0; I < std::max(1u, Threads); ++I)
    this->Threads.emplace_back([this] { loop(); });
}

ProposalPool::~ProposalPool() { stop(); }

void ProposalPool::submit(ProposalJob J) {
  {
    std::lock_guard<std::mutex> L(Mutex);
    Queue.push_back(std::move(J));
    ++InFlight;
  }
  JobReady.notify_one();
}

std::optional<ProposalDone> ProposalPool::poll() {
  std::lock_guard<std::mutex> L(Mutex);
  if (Finished.empty())
    return std::nullopt;
  ProposalDone D = std::move(Finished.front());
  Finished.pop_front();
  --InFlight;
  return D;
}

size_t ProposalPool::inFlight() {
  std::lock_guard<std::mutex> L(Mutex);
  // Once stopped, nothing more is coming that anyone should wait for.
  return Stopping ? 0 : InFlight;
}

void ProposalPool::stop() {
  {
    std::lock_guard<std::mutex> L(Mutex);
    if (Stopping && Threads.empty())
      return;
    Stopping = true;
    Queue.clear();
  }
  JobReady.notify_all();
  // Requests in flight end now, as failures nobody waits for.
  G.cancel();
  for (std::thread &T : Threads)
    T.join();
  Threads.clear();
}

ProposalDone ProposalPool::work(ProposalJob J) {
  ProposalDone D;
  for (;;) {
    // The whole call, prompt and request, whatever the generator: each
    // reply (a fix is one) is timed on its own.
    auto Started = std::chrono::steady_clock::now();
    Expected<std::optional<generate::GeneratedEdit>> E =
        G.propose(J.Request, J.Rng);
    double Seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - Started)
                         .count();
    if (!E) {
      handleAllErrors(
          E.takeError(),
          [&](generate::ProposalError &P) { D.Failure.emplace(std::move(P)); },
          [&](const ErrorInfoBase &Other) {
            D.Failure.emplace(Other.message(), /*Fatal=*/false,
                              generate::GeneratedEdit());
          });
      D.Failure->Record.Seconds = Seconds;
      break;
    }
    if (!*E) {
      D.Nothing = true;
      break;
    }
    (*E)->Seconds = Seconds;
    Expected<candidate::Prepared> Ready =
        candidate::prepare(Sources, (*E)->Reply, J.Request.Parent.Regions);
    if (Ready) {
      D.Edit = std::move(**E);
      D.Ready = std::move(*Ready);
      break;
    }
    std::string Why;
    handleAllErrors(
        Ready.takeError(),
        [&](const candidate::EditRefused &R) {
          raw_string_ostream OS(Why);
          R.log(OS);
        },
        [&](const ErrorInfoBase &Other) { Why = Other.message(); });
    D.Refused.push_back({**E, Why});
    bool Stop;
    {
      std::lock_guard<std::mutex> L(Mutex);
      Stop = Stopping;
    }
    if (J.FixesLeft == 0 || Stop)
      break;
    --J.FixesLeft;
    J.Request.Fixes.push_back({(*E)->Reply, Why});
    J.Request.Model = (*E)->Model;
  }
  D.Job = std::move(J);
  return D;
}

void ProposalPool::loop() {
  for (;;) {
    ProposalJob J;
    {
      std::unique_lock<std::mutex> L(Mutex);
      JobReady.wait(L, [&] { return Stopping || !Queue.empty(); });
      if (Stopping)
        return;
      J = std::move(Queue.front());
      Queue.pop_front();
    }
    ProposalDone D = work(std::move(J));
    std::lock_guard<std::mutex> L(Mutex);
    if (!Stopping)
      Finished.push_back(std::move(D));
  }
}

} // namespace evolve
} // namespace adrs
