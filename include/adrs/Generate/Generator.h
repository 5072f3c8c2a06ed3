//===- adrs/Generate/Generator.h - Who proposes edits -----------*- C++ -*-===//
//
// A generator is asked for an edit of a parent program and answers with a
// reply in the format a model writes (SEARCH/REPLACE blocks or fenced
// rewrites), plus what produced it. The reply then takes the one road every
// candidate takes (candidate::prepare, the passes, the sandbox), so a
// generator never touches sources, files or processes itself.
//
// Generators register themselves, like passes, so a plugin loaded with
// `--load` adds one:
//
//   static adrs::generate::GeneratorRegistry::Add<MyFactory> X("mine", "...");
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_GENERATOR_H
#define ADRS_GENERATE_GENERATOR_H

#include "adrs/Core/Program.h"
#include "adrs/Core/Status.h"
#include "adrs/Regions/Region.h"
#include "adrs/Spec/Spec.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/Registry.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace adrs {
namespace generate {

/// A program the search shows a generator, with how it did.
struct ScoredProgram {
  int64_t Id = 0;
  Program Regions;
  adrs::Status Status = adrs::Status::OK;
  std::string Reason; ///< Why it failed, when it did.
  bool Feasible = false;
  std::optional<double> Score;
  std::map<std::string, double> Metrics;
  std::map<std::string, std::map<std::string, double>> PerWorkload;
  /// The evaluator's text feedback (by artifact name).
  std::map<std::string, std::string> Artifacts;
};

/// An earlier attempt from the parent's line, and how it ended.
struct Attempt {
  int64_t Id = 0;
  std::string Description; ///< One line: what the edit did.
  adrs::Status Status = adrs::Status::OK;
  std::string Reason;
  std::optional<double> ScoreChange; ///< Against its parent.
};

/// A reply of this proposal that did not work, and why: what a fix loop
/// sends back to the model that wrote it.
struct FixRound {
  std::string Reply;
  std::string Problem;
};

/// Everything a generator may use for one proposal.
struct ProposalRequest {
  uint64_t Iteration = 0;
  /// For generators that draw random numbers of their own (a model's
  /// sampling seed); the built-in one uses the stream given to propose().
  uint64_t Seed = 0;
  const spec::Spec *Spec = nullptr;
  /// The regions as the baseline has them, with their context (signature
  /// and the declarations they use from outside).
  const std::vector<regions::Region> *Regions = nullptr;
  ScoredProgram Parent;
  /// Top and diverse programs from the search.
  std::vector<ScoredProgram> Inspirations;
  /// Recent attempts from the parent's line, failures included.
  std::vector<Attempt> Recent;
  /// The spec's hints, and any given while the run goes on.
  std::vector<std::string> Hints;
  /// Replies of this very proposal that failed, oldest first.
  std::vector<FixRound> Fixes;
  /// The model to ask (a fix goes to the model that wrote the reply);
  /// empty: the generator chooses.
  std::string Model;
  /// The run's latest scratchpad: what a model made of the run so far.
  std::string Insight;
  /// An evolved system prompt (`prompts evolve`) to use instead of the
  /// spec's; empty: the spec's.
  std::string SystemPrompt;
  /// How far to move from the parent (search::Selection::Boldness): 1
  /// normally, more while the search is stalled.
  unsigned Boldness = 1;
};

struct VariantRequest;

/// What a generator is given to sum up a run in a scratchpad.
struct InsightRequest {
  uint64_t Iteration = 0; ///< Finished candidates so far.
  uint64_t Seed = 0;
  const spec::Spec *Spec = nullptr;
  /// The run's facts, from its database: the best lineage, frequent
  /// failures, duplicates, regressions.
  std::string Report;
  /// The scratchpad it replaces, if there is one.
  std::string Previous;
};

/// What a generator answers.
struct GeneratedEdit {
  std::string Reply;       ///< The edit, as a model would write it.
  std::string Generator;   ///< Its registered name.
  std::string Operator;    ///< The built-in operator, if one.
  std::string Description; ///< One line.
  std::string Model;       ///< The model that wrote it, if one.
  std::string Prompt;      ///< The request as sent, without any key.
  uint64_t PromptTokens = 0, CompletionTokens = 0;
  double CostUSD = 0;
  /// Wall-clock time of the proposal. The run times each propose() call
  /// whole and sets it (a model's own figure is its request alone).
  double Seconds = 0;
};

/// How a proposal ended, for a generator that learns from it.
struct EditOutcome {
  llvm::StringRef Model;    ///< The model that wrote it, if one.
  llvm::StringRef Operator; ///< The built-in operator, if one.
  adrs::Status Status = adrs::Status::OK;
  /// How much it improved on its parent; none if it was not scored.
  std::optional<double> Improvement;
  double CostUSD = 0;
};

class Generator {
public:
  virtual ~Generator();

  /// One edit of \p R.Parent; none when the generator has nothing to
  /// propose (the built-in one: no operator can change the program). An
  /// error is a failure to propose at all (a model that cannot be reached),
  /// which the run reports; \p Rng is this proposal's own random stream.
  virtual llvm::Expected<std::optional<GeneratedEdit>>
  propose(const ProposalRequest &R, std::mt19937_64 &Rng) = 0;

  /// How many proposals may be in flight at once. 0: propose() is cheap and
  /// deterministic and runs on the run's own thread, in order.
  virtual unsigned concurrency() const { return 0; }

  /// How every proposal ended, in the order the run recorded them (a
  /// resumed run replays them all): generators that learn which model or
  /// operator to use use it.
  virtual void observe(const EditOutcome &Outcome) {}

  /// Ends every proposal in flight at once (a stopping run must not wait
  /// for a model); they fail with a ProposalError.
  virtual void cancel() {}

  /// A scratchpad of \p R, written by the generator's model: the reply is
  /// its text. None: this generator has no model to ask. A failure is a
  /// ProposalError, as for propose().
  virtual llvm::Expected<std::optional<GeneratedEdit>>
  summarise(const InsightRequest &R) {
    return std::nullopt;
  }

  /// A new system prompt from the best ones of \p R, written by the
  /// generator's model: the reply is its text, as the model wrote it (the
  /// run checks it). None: this generator has no model to ask. A failure
  /// is a ProposalError, as for propose().
  virtual llvm::Expected<std::optional<GeneratedEdit>>
  proposeVariant(const VariantRequest &R) {
    return std::nullopt;
  }
};

/// A proposal that could not be made. A fatal one (a wrong key, an endpoint
/// or model that does not exist) stops the run; any other costs this
/// proposal only. What it was charged, if anything, is in it.
class ProposalError : public llvm::ErrorInfo<ProposalError> {
public:
  static char ID;
  ProposalError(std::string Message, bool Fatal, GeneratedEdit Record)
      : Message(std::move(Message)), Fatal(Fatal), Record(std::move(Record)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  std::string Message;
  bool Fatal;
  GeneratedEdit Record;
};

/// Makes a generator for a spec.
class GeneratorFactory {
public:
  virtual ~GeneratorFactory();
  virtual llvm::Expected<std::unique_ptr<Generator>>
  create(const spec::Spec &S) = 0;
};

using GeneratorRegistry = llvm::Registry<GeneratorFactory>;

/// The registered generator \p Name for \p S, or an error that lists the
/// generators there are.
llvm::Expected<std::unique_ptr<Generator>> createGenerator(llvm::StringRef Name,
                                                           const spec::Spec &S);

/// Every registered generator name, sorted.
std::vector<std::string> registeredGenerators();

/// Force the registered generators into a statically linked binary.
void linkBuiltinGenerator();
void linkModelGenerators();

} // namespace generate
} // namespace adrs

#endif
