//===- PromptsCommand.cpp - adrsc prompts ---------------------------------===//
//
// The system-prompt variants of a run whose prompts evolve: each with the
// variant it came from, when it was made, how many of its candidates
// finished and improved on their parent, its score, and whether it is
// still in use; then the replies that were refused as variants, and why.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Evolve/Run.h"
#include "adrs/Generate/PromptVariants.h"
#include "adrs/Store/RunStore.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> PromptsDir(cl::Positional, cl::Required,
                                       cl::desc("<run directory>"),
                                       cl::sub(PromptsCmd),
                                       cl::cat(AdrsCategory));

static cl::opt<bool> PromptsText("text",
                                 cl::desc("Print each variant's whole text"),
                                 cl::sub(PromptsCmd), cl::cat(AdrsCategory));

static cl::opt<OutputFormat> PromptsFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text",
                          "a table of the variants (default)"),
               clEnumValN(OutputFormat::JSON, "json",
                          "{variants: [{number, parent, after, candidates, "
                          "improved, score, in_use, text}], refused: "
                          "[{after, reason, reply}]}")),
    cl::init(OutputFormat::Text), cl::sub(PromptsCmd), cl::cat(AdrsCategory));

int runPrompts() {
  auto Fail = [](const Twine &Message) {
    WithColor::error(errs(), "adrsc") << Message << "\n";
    return int(ExitFailed);
  };
  std::string DB = evolve::databasePath(PromptsDir);
  if (!sys::fs::exists(DB))
    return Fail("'" + PromptsDir + "' holds no run (no run.db)");
  Expected<std::unique_ptr<store::RunStore>> Store =
      store::RunStore::openReadOnly(DB);
  if (!Store)
    return Fail(toString(Store.takeError()));
  Expected<std::vector<store::PromptVariant>> Rows = (*Store)->promptVariants();
  if (!Rows)
    return Fail(toString(Rows.takeError()));
  Expected<generate::PromptArchive> Archive =
      evolve::loadPromptArchive(**Store);
  if (!Archive)
    return Fail(toString(Archive.takeError()));
  std::map<int64_t, int64_t> MadeAfter;
  for (const store::PromptVariant &V : *Rows)
    if (V.Number)
      MadeAfter[*V.Number] = V.Iteration;
  const generate::PromptArchive::Variant &Base = Archive->variants().front();
  if (Rows->empty() && Base.Tally.Finished == 0)
    return Fail("the run in '" + PromptsDir +
                "' has no prompt variants (its spec does not say 'prompts "
                "evolve every M')");

  auto TextOf = [](const generate::PromptArchive::Variant &V) {
    return V.Number == 0 ? std::string("(the spec's system prompt)") : V.Text;
  };
  if (PromptsFormat == OutputFormat::JSON) {
    json::Array Variants, Refused;
    for (const generate::PromptArchive::Variant &V : Archive->variants())
      Variants.push_back(json::Object{
          {"number", V.Number},
          {"parent", V.Parent ? json::Value(*V.Parent) : json::Value(nullptr)},
          {"after", MadeAfter.count(V.Number) ? MadeAfter[V.Number] : 0},
          {"candidates", int64_t(V.Tally.Finished)},
          {"improved", int64_t(V.Tally.Improved)},
          {"score", generate::variantScore(V.Tally)},
          {"in_use", V.InUse},
          {"text",
           V.Number == 0 ? json::Value(nullptr) : json::Value(V.Text)}});
    for (const store::PromptVariant &V : *Rows)
      if (!V.Number)
        Refused.push_back(json::Object{
            {"after", V.Iteration}, {"reason", V.Refusal}, {"reply", V.Reply}});
    outs() << formatv("{0:2}", json::Value(json::Object{
                                   {"variants", std::move(Variants)},
                                   {"refused", std::move(Refused)}}))
           << "\n";
    return ExitOK;
  }
  outs() << formatv(
      "{0,-7}  {1,-6}  {2,-5}  {3,10}  {4,8}  {5,6}  {6,-7}  {7}\n", "variant",
      "parent", "after", "candidates", "improved", "score", "in use", "text");
  for (const generate::PromptArchive::Variant &V : Archive->variants()) {
    std::string Text = TextOf(V);
    StringRef Line = StringRef(Text).split('\n').first;
    std::string Shown = PromptsText ? Text : Line.take_front(60).str();
    if (!PromptsText && Shown.size() < Text.size())
      Shown += " ...";
    // A whole text's later lines stay in the text column.
    constexpr size_t TextColumn = 63;
    for (size_t At = 0; (At = Shown.find('\n', At)) != std::string::npos;
         At += 1 + TextColumn)
      Shown.insert(At + 1, std::string(TextColumn, ' '));
    outs() << formatv(
        "{0,-7}  {1,-6}  {2,-5}  {3,10}  {4,8}  {5,6:F3}  {6,-7}  "
        "{7}\n",
        V.Number, V.Parent ? std::to_string(*V.Parent) : "-",
        MadeAfter.count(V.Number) ? MadeAfter[V.Number] : 0, V.Tally.Finished,
        V.Tally.Improved, generate::variantScore(V.Tally),
        V.InUse ? "yes" : "retired", Shown);
  }
  bool Header = false;
  for (const store::PromptVariant &V : *Rows) {
    if (V.Number)
      continue;
    if (!Header)
      outs() << "\nRefused replies:\n";
    Header = true;
    outs() << formatv("  after {0} candidates: {1}\n", V.Iteration, V.Refusal);
  }
  outs() << "\nscore = (improved + 1) / (candidates + 2): the share of a "
            "variant's finished candidates that scored above their parent, "
            "with a prior of 1/2\n";
  return ExitOK;
}

} // namespace driver
} // namespace adrs
