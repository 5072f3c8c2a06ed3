//===- WorkerPool.cpp - Evaluations beside the loop -----------------------===//

#include "WorkerPool.h"

#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace adrs {
namespace evolve {

WorkerPool::WorkerPool(const spec::Spec &S, const candidate::Sources &Sources,
                       std::vector<std::string> Passes,
                       std::vector<std::unique_ptr<eval::Executor>> Executors)
    : Sources(Sources), Passes(std::move(Passes)),
      Executors(std::move(Executors)) {
  for (auto &E : this->Executors)
    Evaluators.push_back(std::make_unique<eval::Evaluator>(S, E.get()));
  if (Evaluators.empty())
    Evaluators.push_back(std::make_unique<eval::Evaluator>(S, nullptr));
  Inboxes.resize(Evaluators.size());
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  for (size_t I = 0; I < Evaluators.size(); ++I)
    Threads.emplace_back([this, I] { loop(I); });
}

void WorkerPool::stop() {
  {
    std::lock_guard<std::mutex> L(Mutex);
    Stopping = true;
  }
  JobReady.notify_all();
  for (std::thread &T : Threads)
    T.join();
  Threads.clear();
}

void WorkerPool::setBaselineSeconds(double Seconds) {
  for (auto &E : Evaluators)
    E->setBaselineSeconds(Seconds);
}

double WorkerPool::timeLimit() const { return Evaluators.front()->timeLimit(); }

Done WorkerPool::work(eval::Evaluator &Ev, Job J) {
  Done D;
  auto Failed = [&](Error E) {
    D.Failure = toString(std::move(E));
    D.J = std::move(J);
    return std::move(D);
  };
  if (J.Kind == JobKind::Tune) {
    Expected<tune::Tuning> T = tune::tuneConstants(
        Ev, Sources, J.Regions, J.TuneEvaluations, J.TuneSeed);
    if (!T)
      return Failed(T.takeError());
    D.Tuned = std::move(*T);
    D.J = std::move(J);
    return D;
  }
  candidate::Materialized M = Sources.materialize(J.Regions);
  const regions::FileOverrides &Files = J.Files ? *J.Files : M.Overrides;
  // Where the candidate's regions are, when its files are the ones
  // materialised: a held-out evaluation or a confirmation then compiles the
  // program as its training evaluation did, and links the compile the
  // worker's zygote kept from it when there is one.
  const std::vector<regions::Region> *Where = J.Files ? nullptr : &M.Regions;
  eval::Checks RegionsOnly{M.Regions, {}};
  if (J.Kind == JobKind::Confirm) {
    Expected<eval::Evaluation> E =
        Ev.confirm(Files, eval::Side::Train, *J.Reported, Where);
    if (!E)
      return Failed(E.takeError());
    D.Evaluated = std::move(*E);
    D.J = std::move(J);
    return D;
  }
  eval::Checks Checks{M.Regions, Passes};
  bool WithChecks = J.Kind == JobKind::Train && J.Check;
  const eval::Checks *With = WithChecks ? &Checks
                             : Where    ? &RegionsOnly
                                        : nullptr;
  Expected<eval::Evaluation> E = Ev.evaluate(
      Files, J.Kind == JobKind::Test ? eval::Side::Test : eval::Side::Train,
      With);
  if (!E)
    return Failed(E.takeError());
  // A best's figures on the held-out workloads are confirmed like its
  // training score: they are what `best` and the report show.
  if (J.Kind == JobKind::Test && J.Check && ranToTheEnd(E->Status)) {
    E = Ev.confirm(Files, eval::Side::Test, *E, Where);
    if (!E)
      return Failed(E.takeError());
  }
  D.Evaluated = std::move(*E);
  D.J = std::move(J);
  return D;
}

/// A job whose worker was lost goes to another this often, at most: a job
/// that takes down every worker it meets must not take down the run.
constexpr unsigned MaxResends = 2;

size_t WorkerPool::firstLive() const {
  for (size_t I = 0; I < Executors.size(); ++I)
    if (!Executors[I]->lost())
      return I;
  return 0;
}

std::vector<std::string> WorkerPool::takeNotices() {
  std::lock_guard<std::mutex> L(Mutex);
  return std::move(Notices);
}

Done WorkerPool::runNow(Job J) {
  size_t I = firstLive();
  {
    std::lock_guard<std::mutex> L(Mutex);
    flushInbox(I);
  }
  return work(*Evaluators[I], std::move(J));
}

void WorkerPool::submit(Job J) {
  {
    std::lock_guard<std::mutex> L(Mutex);
    // A new best's test run goes first: the result a user waits for.
    if (J.Kind == JobKind::Test)
      Queue.push_front(std::move(J));
    else
      Queue.push_back(std::move(J));
    ++InFlight;
  }
  JobReady.notify_one();
}

void WorkerPool::remember(const std::string &Program) {
  if (Program.empty())
    return;
  std::lock_guard<std::mutex> L(Mutex);
  for (auto &Inbox : Inboxes)
    Inbox.push_back(Program);
}

void WorkerPool::flushInbox(size_t I) {
  for (std::string &P : Inboxes[I])
    Evaluators[I]->remember(P);
  Inboxes[I].clear();
}

std::optional<Done> WorkerPool::wait(unsigned Ms) {
  std::unique_lock<std::mutex> L(Mutex);
  if (Finished.empty())
    DoneReady.wait_for(L, std::chrono::milliseconds(Ms),
                       [&] { return !Finished.empty(); });
  if (Finished.empty())
    return std::nullopt;
  Done D = std::move(Finished.front());
  Finished.pop_front();
  --InFlight;
  return D;
}

size_t WorkerPool::inFlight() {
  std::lock_guard<std::mutex> L(Mutex);
  return InFlight;
}

void WorkerPool::loop(size_t I) {
  for (;;) {
    Job J;
    {
      std::unique_lock<std::mutex> L(Mutex);
      JobReady.wait(L, [&] { return Stopping || !Queue.empty(); });
      if (Stopping || Queue.empty())
        return;
      J = std::move(Queue.front());
      Queue.pop_front();
      flushInbox(I);
    }
    eval::Executor *Exec = I < Executors.size() ? Executors[I].get() : nullptr;
    unsigned RestartsBefore = Exec ? Exec->restarts() : 0;
    Done D = work(*Evaluators[I], std::move(J));
    std::unique_lock<std::mutex> L(Mutex);
    if (Exec && Exec->restarts() > RestartsBefore && !Exec->lost())
      Notices.push_back(formatv("{0} was started again ({1} restarts so far)",
                                Exec->describe(), Exec->restarts()));
    if (Exec && Exec->lost()) {
      // This worker is done; the job goes to another, never lost.
      ++Lost;
      size_t Live = Evaluators.size() - Lost;
      Notices.push_back(formatv("{0} is lost; {1} of {2} workers go on: {3}",
                                Exec->describe(), Live, Evaluators.size(),
                                D.Failure));
      if (Live > 0 && D.J.Resends < MaxResends) {
        ++D.J.Resends;
        Queue.push_front(std::move(D.J));
        L.unlock();
        JobReady.notify_one();
        return;
      }
      Finished.push_back(std::move(D));
      // With no worker left, nothing queued will run: say so for each.
      if (Live == 0)
        while (!Queue.empty()) {
          Done Orphan;
          Orphan.J = std::move(Queue.front());
          Queue.pop_front();
          Orphan.Failure = "every evaluation worker is lost";
          Finished.push_back(std::move(Orphan));
        }
      L.unlock();
      DoneReady.notify_all();
      return;
    }
    Finished.push_back(std::move(D));
    L.unlock();
    DoneReady.notify_one();
  }
}

} // namespace evolve
} // namespace adrs
