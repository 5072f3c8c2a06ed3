//===- adrs/Generate/Pricing.h - What a model's tokens cost -----*- C++ -*-===//
//
// USD per million input and output tokens, for the cost of each request and
// the run's `budget cost`. The defaults are list prices of common models;
// prices change, so a spec can override any of them and add others. A model
// the table does not know costs 0 and is flagged unpriced, so that the run
// can say its cost budget cannot see it.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_PRICING_H
#define ADRS_GENERATE_PRICING_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace adrs {
namespace generate {

struct ModelPrice {
  double InputPerMillion = 0;  ///< USD per 1,000,000 prompt tokens.
  double OutputPerMillion = 0; ///< USD per 1,000,000 completion tokens.
};

struct Cost {
  double USD = 0;
  bool Priced = false;
};

class PriceTable {
public:
  /// An empty table: every model is unpriced.
  PriceTable() = default;

  /// List prices (standard tier, uncached input, no batch discount) of
  /// OpenAI's gpt-4o, gpt-4.1, o1/o3/o4-mini and gpt-5 families,
  /// Anthropic's Claude 3 to 4.5 (OpenAI-compatible names such as
  /// claude-sonnet-4-20250514, and OpenRouter's such as claude-3.5-sonnet),
  /// Google's Gemini 2.0 and 2.5, and DeepSeek's deepseek-chat and
  /// deepseek-reasoner, as published in 2025. Gemini 2.5 Pro's higher price
  /// for prompts over 200k tokens is not modelled.
  static PriceTable defaults();

  /// Adds or replaces a model's price (a spec's override).
  void set(llvm::StringRef Model, ModelPrice Price);

  /// The price of \p Model: an exact entry; else, after dropping any
  /// "provider/" prefixes (OpenRouter's "openai/gpt-4o", Gemini's
  /// "models/gemini-2.5-pro"), an exact entry, or the longest entry the name
  /// extends with a date or a tag: "-" and a digit ("gpt-4o-2024-08-06"),
  /// "-latest", or ':' or '@' and anything ("deepseek-chat:latest"). Other
  /// suffixes are other models (gpt-5-pro): unpriced, not priced wrongly.
  /// Names are compared without regard to case.
  std::optional<ModelPrice> lookup(llvm::StringRef Model) const;

  Cost cost(llvm::StringRef Model, uint64_t PromptTokens,
            uint64_t CompletionTokens) const;

  size_t size() const { return Prices.size(); }

private:
  std::map<std::string, ModelPrice, std::less<>> Prices; ///< Lower case.
};

} // namespace generate
} // namespace adrs

#endif
