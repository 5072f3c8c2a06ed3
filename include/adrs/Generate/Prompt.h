//===- adrs/Generate/Prompt.h - What a model is asked -----------*- C++ -*-===//
//
// The prompt for one proposal, built from everything the run knows: the
// problem and its hints, the objectives and constraints in words, each
// region with its context, how the parent did (metrics, per-workload
// results, the evaluator's feedback), recent attempts and how they ended,
// other good programs, and the edit format. It is capped to a context
// budget by leaving out the least useful parts first, and says what it left
// out. A reply that did not work comes back to the model as a conversation:
// its reply, then the exact problem.
//
// The spec may replace either message with a template (`prompt system
// "FILE"`, `prompt user "FILE"`) in which {{problem}}, {{hints}},
// {{insight}}, {{objectives}}, {{regions}}, {{context}}, {{parent}},
// {{attempts}}, {{inspirations}} and {{format}} stand for those parts.
//
// With `insight every N`, a model also writes a scratchpad of the run every
// N candidates (buildInsightPrompt); later prompts show the latest one.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_PROMPT_H
#define ADRS_GENERATE_PROMPT_H

#include "adrs/Generate/Chat.h"
#include "adrs/Generate/Generator.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace adrs {
namespace generate {

struct PromptSettings {
  spec::EditMode Edit = spec::EditMode::Diff;
  /// About four characters a token.
  unsigned ContextTokens = 24000;
  /// Template texts; empty: the built-in messages.
  std::string SystemTemplate, UserTemplate;
};

/// Reads the spec's templates, if it names any.
llvm::Expected<PromptSettings> promptSettings(const spec::Spec &S);

/// The messages of one proposal, the fix rounds included as turns of the
/// conversation.
std::vector<ChatMessage> buildPrompt(const ProposalRequest &R,
                                     const PromptSettings &P);

/// The messages that ask a model for a scratchpad of the run.
std::vector<ChatMessage> buildInsightPrompt(const InsightRequest &R);

/// A scratchpad goes into every later prompt: a longer reply is cut.
constexpr size_t MaxInsightBytes = 4000;

} // namespace generate
} // namespace adrs

#endif
