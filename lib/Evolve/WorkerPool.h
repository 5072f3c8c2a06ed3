//===- WorkerPool.h - Evaluations beside the loop ---------------*- C++ -*-===//
//
// One worker thread per evaluation slot (`-j`), each with its own evaluator
// and zygote. The loop submits jobs and collects what is done; it never
// waits on an evaluation itself.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_EVOLVE_WORKERPOOL_H
#define ADRS_LIB_EVOLVE_WORKERPOOL_H

#include "adrs/Candidate/Candidate.h"
#include "adrs/Eval/Evaluation.h"
#include "adrs/Tune/Tuning.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace adrs {
namespace evolve {

enum class JobKind {
  Train, ///< Evaluate a candidate on the training workloads, passes first.
  Test,  ///< Score a program on the held-out workloads (a new best).
  Tune,  ///< Tune a program's constants with CMA-ES.
  /// Evaluate a would-be best again with the candidate in a process of its
  /// own, and compare with what it reported (Evaluator::confirm).
  Confirm,
};

struct Job {
  JobKind Kind = JobKind::Train;
  int64_t Id = 0;
  Program Regions;
  /// For Train: run the candidate passes; for Test: confirm the figures
  /// (Evaluator::confirm). Off for the researcher's own programs.
  bool Check = true;
  /// For Test and Train of a reference program: files standing in for the
  /// program's, instead of Regions laid out.
  std::optional<regions::FileOverrides> Files;
  unsigned TuneEvaluations = 0;
  uint64_t TuneSeed = 0;
  /// For Confirm: the result to confirm.
  std::optional<eval::Evaluation> Reported;
  /// How often the job went back to the queue because its worker was lost.
  unsigned Resends = 0;
};

struct Done {
  Job J;
  std::optional<eval::Evaluation> Evaluated;
  std::optional<tune::Tuning> Tuned;
  /// adrsc's own failure (a lost executor): the job did not happen.
  std::string Failure;
};

class WorkerPool {
public:
  /// One worker per executor; with none (an evaluator command), one worker
  /// that runs the command.
  WorkerPool(const spec::Spec &S, const candidate::Sources &Sources,
             std::vector<std::string> Passes,
             std::vector<std::unique_ptr<eval::Executor>> Executors);
  ~WorkerPool();

  size_t size() const { return Evaluators.size(); }
  void start();
  /// Waits for the jobs being worked on; queued ones are dropped.
  void stop();

  void setBaselineSeconds(double Seconds);
  /// The per-candidate time limit the evaluators use.
  double timeLimit() const;

  /// Runs \p J on the calling thread, before the workers start.
  Done runNow(Job J);
  /// The first live worker's evaluator, warm, for work on the calling
  /// thread once the workers have stopped.
  eval::Evaluator &evaluator() { return *Evaluators[firstLive()]; }

  void submit(Job J);
  /// Programs (fingerprints) whose duplicates the evaluators refuse from
  /// now on.
  void remember(const std::string &Program);
  /// A finished job, waiting up to \p Ms for one.
  std::optional<Done> wait(unsigned Ms);
  size_t inFlight();
  /// What happened to the workers since the last call (a worker restarted,
  /// one lost), one line each, for the run's log and events.
  std::vector<std::string> takeNotices();

private:
  size_t firstLive() const;
  Done work(eval::Evaluator &Ev, Job J);
  void loop(size_t I);
  /// Mutex held: hands worker \p I's queued fingerprints to its evaluator.
  void flushInbox(size_t I);

  const candidate::Sources &Sources;
  std::vector<std::string> Passes;
  std::vector<std::unique_ptr<eval::Executor>> Executors;
  std::vector<std::unique_ptr<eval::Evaluator>> Evaluators;
  std::vector<std::vector<std::string>> Inboxes;
  std::vector<std::thread> Threads;
  std::mutex Mutex;
  std::condition_variable JobReady, DoneReady;
  std::deque<Job> Queue;
  std::deque<Done> Finished;
  size_t InFlight = 0;
  size_t Lost = 0;
  std::vector<std::string> Notices;
  bool Stopping = false;
};

} // namespace evolve
} // namespace adrs

#endif
