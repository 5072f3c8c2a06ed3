//===- PromptVariants.cpp - Evolving system prompts -----------------------===//

#include "adrs/Generate/PromptVariants.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace llvm;

namespace adrs {
namespace generate {

double variantScore(const VariantTally &T) {
  return (double(T.Improved) + 1) / (double(T.Finished) + 2);
}

bool improvedOnParent(adrs::Status S, std::optional<double> Score,
                      std::optional<double> ParentScore) {
  return ranToTheEnd(S) && Score && ParentScore && *Score > *ParentScore;
}

std::vector<std::string> placeholdersOf(StringRef Template) {
  std::vector<std::string> Out;
  for (;;) {
    size_t Open = Template.find("{{");
    if (Open == StringRef::npos)
      return Out;
    Template = Template.drop_front(Open + 2);
    size_t Close = Template.find("}}");
    if (Close == StringRef::npos)
      return Out;
    std::string Name = Template.take_front(Close).trim().str();
    if (!is_contained(Out, Name))
      Out.push_back(std::move(Name));
    Template = Template.drop_front(Close + 2);
  }
}

Expected<std::string> variantFromReply(StringRef Reply,
                                       const VariantRequest &R) {
  auto Refuse = [](const Twine &Why) {
    return createStringError(inconvertibleErrorCode(), "%s", Why.str().c_str());
  };
  StringRef Text = Reply.trim();
  // A model often fences what it was asked for; the fence is not the
  // prompt. Anything else around a fence is.
  if (Text.startswith("```") && Text.endswith("```") && Text.size() > 6) {
    StringRef Inner = Text.drop_front(3).drop_back(3);
    if (!Inner.contains("```"))
      Text = Inner.drop_until([](char C) { return C == '\n'; }).trim();
  }
  if (Text.empty())
    return Refuse("the reply is empty");
  if (Text.size() > MaxVariantBytes)
    return Refuse("the reply is " + Twine(Text.size()) +
                  " bytes long; a system prompt may have at most " +
                  Twine(MaxVariantBytes));
  if (any_of(Text, [](char C) {
        return (unsigned char)C < 0x20 && C != '\n' && C != '\t' && C != '\r';
      }))
    return Refuse("the reply holds control characters");
  // The edit format is stated once, by the fixed part of the prompt; a
  // variant that states one of its own would contradict it.
  for (StringRef Marker : {"<<<<<<<", ">>>>>>>", "=======", "```"})
    if (Text.contains(Marker))
      return Refuse("the reply states a reply format of its own ('" + Marker +
                    "'): the format instructions are fixed and not part of "
                    "the system prompt");
  std::vector<std::string> Has = placeholdersOf(Text);
  for (const std::string &P : R.Placeholders)
    if (!is_contained(Has, P))
      return Refuse("the reply drops {{" + P +
                    "}}, which the spec's system prompt has");
  for (const std::string &P : Has)
    if (!is_contained(R.Placeholders, P))
      return Refuse("the reply adds the placeholder {{" + P +
                    "}}, which the spec's system prompt does not have");
  for (const ShownVariant &V : R.Best)
    if (StringRef(V.Text).trim() == Text)
      return Refuse("the reply is the text of variant " + Twine(V.Number));
  return Text.str();
}

PromptArchive::PromptArchive() { All.push_back(Variant()); }

void PromptArchive::add(int64_t Number, std::optional<int64_t> Parent,
                        std::string Text) {
  if (find(Number))
    return;
  Variant V;
  V.Number = Number;
  V.Parent = Parent;
  V.Text = std::move(Text);
  All.push_back(std::move(V));
}

void PromptArchive::retire(int64_t Number) {
  if (Variant *V = findMutable(Number); V && Number != 0)
    V->InUse = false;
}

void PromptArchive::observe(int64_t Number, bool Improved) {
  if (Variant *V = findMutable(Number)) {
    ++V->Tally.Finished;
    V->Tally.Improved += Improved;
  }
}

const PromptArchive::Variant &PromptArchive::choose() const {
  double Total = 0;
  for (const Variant &V : All)
    if (V.InUse)
      Total += double(V.Tally.Finished);
  const Variant *Best = &All.front();
  double BestValue = -1;
  for (const Variant &V : All) {
    if (!V.InUse)
      continue;
    double Value =
        variantScore(V.Tally) +
        std::sqrt(2 * std::log(Total + 1) / (double(V.Tally.Finished) + 1));
    if (Value > BestValue) {
      BestValue = Value;
      Best = &V;
    }
  }
  return *Best;
}

std::optional<int64_t> PromptArchive::toRetire(unsigned Capacity) const {
  std::vector<const Variant *> InUse = bestFirst();
  if (InUse.size() < Capacity)
    return std::nullopt;
  const Variant *Worst = nullptr;
  for (const Variant *V : InUse)
    if (V->Number != 0 &&
        (!Worst || variantScore(V->Tally) < variantScore(Worst->Tally) ||
         (variantScore(V->Tally) == variantScore(Worst->Tally) &&
          V->Number < Worst->Number)))
      Worst = V;
  if (!Worst)
    return std::nullopt;
  return Worst->Number;
}

std::vector<const PromptArchive::Variant *> PromptArchive::bestFirst() const {
  std::vector<const Variant *> Out;
  for (const Variant &V : All)
    if (V.InUse)
      Out.push_back(&V);
  std::stable_sort(Out.begin(), Out.end(),
                   [](const Variant *A, const Variant *B) {
                     return variantScore(A->Tally) > variantScore(B->Tally);
                   });
  return Out;
}

const PromptArchive::Variant *PromptArchive::find(int64_t Number) const {
  for (const Variant &V : All)
    if (V.Number == Number)
      return &V;
  return nullptr;
}

PromptArchive::Variant *PromptArchive::findMutable(int64_t Number) {
  return const_cast<Variant *>(find(Number));
}

int64_t PromptArchive::nextNumber() const {
  int64_t Max = 0;
  for (const Variant &V : All)
    Max = std::max(Max, V.Number);
  return Max + 1;
}

} // namespace generate
} // namespace adrs
