//===- adrs/Generate/PromptVariants.h - Evolving system prompts -*- C++ -*-===//
//
// With `prompts evolve every M [variants K]`, the system prompt evolves
// beside the programs (prompt co-evolution): an archive of system-prompt
// variants, variant 0 being the spec's own, each scored by how often the
// candidates its prompts produced improved on their parent. Every proposal
// takes the variant UCB1 chooses; every M finished candidates a model is
// shown the best variants with their scores and the run's summary, and
// proposes a new one. At most K variants are in use: a new one retires the
// worst (never variant 0).
//
// The reply is hostile like any other: a variant is plain text of bounded
// size that cannot carry a reply format of its own. The format
// instructions stay a fixed part of the prompt outside the evolved text
// (the user message's "How to answer"), and a variant of a system
// template must keep every placeholder the template has ({{format}} among
// them).
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_PROMPTVARIANTS_H
#define ADRS_GENERATE_PROMPTVARIANTS_H

#include "adrs/Core/Status.h"
#include "adrs/Generate/Chat.h"
#include "adrs/Generate/Prompt.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace generate {

/// A variant is at most this long; a longer reply is refused, not cut (a
/// cut prompt says something else than what was written).
constexpr size_t MaxVariantBytes = 4000;

/// How the candidates of a variant's prompts did.
struct VariantTally {
  uint64_t Finished = 0; ///< Candidates finished, failures included.
  uint64_t Improved = 0; ///< Of those, the ones scored above their parent.
};

/// A variant's score: (improved + 1) / (finished + 2), the improvement rate
/// with a uniform prior, so that a new variant starts at 1/2.
double variantScore(const VariantTally &T);

/// Whether a candidate of status \p S and score \p Score improved on a
/// parent that scored \p ParentScore.
bool improvedOnParent(adrs::Status S, std::optional<double> Score,
                      std::optional<double> ParentScore);

/// A variant as the request for a new one shows it.
struct ShownVariant {
  int64_t Number = 0;
  std::string Text;
  VariantTally Tally;
};

/// What a generator is given to propose a new system prompt.
struct VariantRequest {
  uint64_t Iteration = 0; ///< Finished candidates so far.
  uint64_t Seed = 0;
  const spec::Spec *Spec = nullptr;
  /// The run's facts, from its database (as for a scratchpad).
  std::string Report;
  /// The variants in use, the best first.
  std::vector<ShownVariant> Best;
  /// The placeholders the spec's system template has, which a variant must
  /// keep; empty for the built-in system message.
  std::vector<std::string> Placeholders;
};

/// The spec's system prompt: variant 0.
std::string baseSystemPrompt(const PromptSettings &P);

/// The {{placeholders}} of a template, in order, each once.
std::vector<std::string> placeholdersOf(llvm::StringRef Template);

/// The messages that ask a model for a new system prompt.
std::vector<ChatMessage> buildVariantPrompt(const VariantRequest &R);

/// The variant a reply to \p R holds, or why it is refused: empty, too
/// long, control characters, a reply format of its own, placeholders
/// dropped or added, or the text of a variant there is.
llvm::Expected<std::string> variantFromReply(llvm::StringRef Reply,
                                             const VariantRequest &R);

/// The variants of a run and how their candidates did.
class PromptArchive {
public:
  struct Variant {
    int64_t Number = 0;
    std::optional<int64_t> Parent;
    std::string Text; ///< Empty for variant 0: the spec's prompt.
    VariantTally Tally;
    bool InUse = true;
  };

  /// An archive that holds variant 0 only.
  PromptArchive();

  void add(int64_t Number, std::optional<int64_t> Parent, std::string Text);
  void retire(int64_t Number);
  /// Counts a finished candidate of variant \p Number.
  void observe(int64_t Number, bool Improved);

  /// The variant for the next proposal: UCB1 over the variants in use
  /// (score plus sqrt(2 ln(N + 1) / (n + 1)), N the candidates of them
  /// all, n the variant's), the lower number on a tie. No random draw: a
  /// -j1 run chooses the same whatever the timing.
  const Variant &choose() const;
  /// The variant that makes room for one more when \p Capacity are in use:
  /// the lowest score, the oldest on a tie, never variant 0.
  std::optional<int64_t> toRetire(unsigned Capacity) const;
  /// The variants in use, the best score first (the lower number on a tie).
  std::vector<const Variant *> bestFirst() const;
  const std::vector<Variant> &variants() const { return All; }
  const Variant *find(int64_t Number) const;
  int64_t nextNumber() const;

private:
  Variant *findMutable(int64_t Number);
  std::vector<Variant> All;
};

} // namespace generate
} // namespace adrs

#endif
