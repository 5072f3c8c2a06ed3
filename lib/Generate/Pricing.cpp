//===- Pricing.cpp - What a model's tokens cost ---------------------------===//

#include "adrs/Generate/Pricing.h"

#include "llvm/ADT/StringExtras.h"

using namespace llvm;

namespace adrs {
namespace generate {

PriceTable PriceTable::defaults() {
  // USD per million tokens, input then output: the providers' published
  // list prices in 2025, standard tier, uncached input.
  static const struct {
    const char *Name;
    double In, Out;
  } Table[] = {
      // OpenAI.
      {"gpt-4o", 2.50, 10.00},
      {"gpt-4o-mini", 0.15, 0.60},
      {"gpt-4.1", 2.00, 8.00},
      {"gpt-4.1-mini", 0.40, 1.60},
      {"gpt-4.1-nano", 0.10, 0.40},
      {"gpt-5", 1.25, 10.00},
      {"gpt-5-mini", 0.25, 2.00},
      {"gpt-5-nano", 0.05, 0.40},
      {"o1", 15.00, 60.00},
      {"o1-mini", 1.10, 4.40},
      {"o3", 2.00, 8.00},
      {"o3-mini", 1.10, 4.40},
      {"o3-pro", 20.00, 80.00},
      {"o4-mini", 1.10, 4.40},
      // Anthropic, by the names of its OpenAI-compatible endpoint (dated
      // snapshots match by prefix) and OpenRouter's dotted ones.
      {"claude-3-haiku", 0.25, 1.25},
      {"claude-3-5-haiku", 0.80, 4.00},
      {"claude-3.5-haiku", 0.80, 4.00},
      {"claude-haiku-4-5", 1.00, 5.00},
      {"claude-haiku-4.5", 1.00, 5.00},
      {"claude-3-5-sonnet", 3.00, 15.00},
      {"claude-3.5-sonnet", 3.00, 15.00},
      {"claude-3-7-sonnet", 3.00, 15.00},
      {"claude-3.7-sonnet", 3.00, 15.00},
      {"claude-sonnet-4", 3.00, 15.00},
      {"claude-sonnet-4-5", 3.00, 15.00},
      {"claude-sonnet-4.5", 3.00, 15.00},
      {"claude-3-opus", 15.00, 75.00},
      {"claude-opus-4", 15.00, 75.00},
      {"claude-opus-4-1", 15.00, 75.00},
      {"claude-opus-4.1", 15.00, 75.00},
      {"claude-opus-4-5", 5.00, 25.00},
      {"claude-opus-4.5", 5.00, 25.00},
      // Google (prompts up to 200k tokens).
      {"gemini-2.0-flash", 0.10, 0.40},
      {"gemini-2.0-flash-lite", 0.075, 0.30},
      {"gemini-2.5-flash", 0.30, 2.50},
      {"gemini-2.5-flash-lite", 0.10, 0.40},
      {"gemini-2.5-pro", 1.25, 10.00},
      // DeepSeek (V3.2 behind both names since September 2025).
      {"deepseek-chat", 0.28, 0.42},
      {"deepseek-reasoner", 0.28, 0.42},
  };
  PriceTable T;
  for (const auto &E : Table)
    T.set(E.Name, {E.In, E.Out});
  return T;
}

void PriceTable::set(StringRef Model, ModelPrice Price) {
  Prices[Model.lower()] = Price;
}

std::optional<ModelPrice> PriceTable::lookup(StringRef Model) const {
  std::string Name = Model.trim().lower();
  auto Exact = Prices.find(Name);
  if (Exact != Prices.end())
    return Exact->second;
  StringRef Short = Name;
  size_t Slash = Short.rfind('/');
  if (Slash != StringRef::npos)
    Short = Short.drop_front(Slash + 1);
  Exact = Prices.find(Short);
  if (Exact != Prices.end())
    return Exact->second;
  // A dated snapshot or a tag of a known model: the longest entry followed
  // by "-" and a digit ("gpt-4o-2024-08-06", "claude-sonnet-4-20250514"),
  // "-latest", or ':' or '@' and anything ("deepseek-chat:latest",
  // "claude-3-5-sonnet@20240620"). Other suffixes name other models with
  // other prices (gpt-5-pro, o3-deep-research): those stay unpriced rather
  // than priced wrongly.
  for (size_t Len = Short.size(); Len-- > 1;) {
    StringRef Rest = Short.drop_front(Len);
    bool Suffix = Rest.startswith(":") || Rest.startswith("@") ||
                  Rest == "-latest" ||
                  (Rest.size() > 1 && Rest[0] == '-' && isDigit(Rest[1]));
    if (!Suffix)
      continue;
    auto It = Prices.find(Short.take_front(Len));
    if (It != Prices.end())
      return It->second;
  }
  return std::nullopt;
}

Cost PriceTable::cost(StringRef Model, uint64_t PromptTokens,
                      uint64_t CompletionTokens) const {
  std::optional<ModelPrice> P = lookup(Model);
  if (!P)
    return {0, false};
  return {(double(PromptTokens) * P->InputPerMillion +
           double(CompletionTokens) * P->OutputPerMillion) /
              1e6,
          true};
}

} // namespace generate
} // namespace adrs
