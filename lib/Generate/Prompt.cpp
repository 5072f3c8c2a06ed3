//===- Prompt.cpp - What a model is asked ---------------------------------===//

#include "adrs/Generate/Prompt.h"
#include "adrs/Generate/PromptVariants.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace adrs {
namespace generate {

namespace {

std::string number(double V) { return formatv("{0}", format("%.6g", V)).str(); }

std::string cut(StringRef Text, size_t Max) {
  if (Text.size() <= Max)
    return Text.str();
  return Text.take_front(Max).str() + "\n[... " +
         std::to_string(Text.size() - Max) + " more characters left out]";
}

std::string problemPart(const spec::Spec &S) {
  std::string Out = "## The problem\n\n";
  Out += S.Title.empty() ? S.Name : S.Title;
  Out += "\n";
  if (!S.Description.empty())
    Out += "\n" + StringRef(S.Description).trim().str() + "\n";
  return Out;
}

std::string hintsPart(const spec::Spec &S, ArrayRef<std::string> Hints,
                      unsigned Boldness) {
  std::vector<std::string> All;
  if (!StringRef(S.Hints).trim().empty())
    All.push_back(StringRef(S.Hints).trim().str());
  for (const std::string &H : Hints)
    if (!StringRef(H).trim().empty())
      All.push_back(StringRef(H).trim().str());
  // A stalled search (search::Selection::Boldness) asks a model for what
  // the built-in generator does with stacked edits: a bigger step.
  if (Boldness > 1)
    All.push_back("The search has stopped improving (stall level " +
                  std::to_string(Boldness - 1) +
                  "): small tweaks of this program no longer help. Propose a "
                  "bolder change: a different idea, or several changes at "
                  "once.");
  if (All.empty())
    return "";
  std::string Out = "## Hints\n\n";
  for (const std::string &H : All)
    Out += "- " + H + "\n";
  return Out;
}

std::string insightPart(const ProposalRequest &R) {
  StringRef Text = StringRef(R.Insight).trim();
  if (Text.empty())
    return "";
  return "## What the search has learnt so far\n\n" +
         cut(Text, MaxInsightBytes) + "\n";
}

std::string objectivesPart(const spec::Spec &S) {
  std::string Out = "## What counts\n\n";
  if (S.Score)
    Out += "The score is " + S.Score->str() + "; higher is better.\n";
  for (const spec::Objective &O : S.Objectives)
    Out += std::string(O.Dir == spec::Direction::Maximize ? "Maximize "
                                                          : "Minimize ") +
           O.Metric + ".\n";
  for (const spec::Constraint &C : S.Constraints)
    Out += "A program is feasible only if " + C.Condition->str() +
           " (an infeasible program never wins).\n";
  if (!S.Metrics.empty()) {
    Out += "\nThe metrics:\n";
    for (const spec::Metric &M : S.Metrics)
      Out += "- " + M.Name +
             (M.Description.empty() ? "" : ": " + M.Description) + "\n";
  }
  return Out;
}

std::string regionsPart(const ProposalRequest &R) {
  std::string Out = "## The code you may change\n\n";
  Out += "Only the code of these regions may change; everything around them "
         "is fixed.\n";
  for (const regions::Region &Reg : *R.Regions) {
    auto It = R.Parent.Regions.find(Reg.Name);
    const std::string &Text =
        It != R.Parent.Regions.end() ? It->second : Reg.Text;
    Out += "\n### Region `" + Reg.Name + "`";
    if (!Reg.Function.empty())
      Out += ", inside `" + StringRef(Reg.Function).trim().str() + "`";
    Out += "\n\n```cpp " + Reg.Name + "\n" + Text +
           (StringRef(Text).endswith("\n") ? "" : "\n") + "```\n";
  }
  return Out;
}

std::string contextPart(const ProposalRequest &R) {
  std::string Out;
  for (const regions::Region &Reg : *R.Regions) {
    std::string Decls;
    for (const regions::ContextDecl &D : Reg.Context)
      if (D.Kind != "local" && !StringRef(D.Text).trim().empty())
        Decls += StringRef(D.Text).trim().str() + "\n";
    if (!Decls.empty())
      Out += "\nWhat region `" + Reg.Name +
             "` uses from outside it:\n\n```cpp\n" + Decls + "```\n";
  }
  return Out.empty() ? ""
                     : "## Declarations the regions use (read-only)\n" + Out;
}

std::string describe(const ScoredProgram &P) {
  std::string Out;
  if (P.Score)
    Out += "score " + number(*P.Score) + (P.Feasible ? "" : " (infeasible)");
  else
    Out += toString(P.Status).str();
  if (!P.Reason.empty())
    Out += ": " + P.Reason;
  return Out;
}

std::string parentPart(const ProposalRequest &R) {
  const ScoredProgram &P = R.Parent;
  std::string Out = "## How the program above did\n\n";
  Out += describe(P) + "\n";
  if (!P.Metrics.empty()) {
    Out += "\n";
    for (const auto &[K, V] : P.Metrics)
      Out += "- " + K + " = " + number(V) + "\n";
  }
  return Out;
}

/// How many workloads the prompt shows, the worst first.
constexpr size_t ShownWorkloads = 12;

/// The parent's workloads, the worst first by the spec's first objective
/// when the evaluator reported it per workload (otherwise by name): what a
/// model should reason about is where the program does badly.
std::vector<std::string> worstWorkloads(const ProposalRequest &R,
                                        std::string *Metric) {
  const ScoredProgram &P = R.Parent;
  std::vector<std::string> Names;
  for (const auto &[W, Ms] : P.PerWorkload)
    Names.push_back(W);
  if (R.Spec->Objectives.empty())
    return Names;
  const spec::Objective &O = R.Spec->Objectives.front();
  auto ValueOf = [&](const std::string &W) -> std::optional<double> {
    const auto &Ms = P.PerWorkload.at(W);
    auto It = Ms.find(O.Metric);
    if (It == Ms.end() || !std::isfinite(It->second))
      return std::nullopt;
    return It->second;
  };
  if (!llvm::any_of(Names, [&](const std::string &W) { return ValueOf(W); }))
    return Names;
  *Metric = O.Metric;
  bool Maximize = O.Dir == spec::Direction::Maximize;
  std::stable_sort(Names.begin(), Names.end(),
                   [&](const std::string &A, const std::string &B) {
                     std::optional<double> VA = ValueOf(A), VB = ValueOf(B);
                     if (!VA || !VB)
                       return VA.has_value() < VB.has_value();
                     return Maximize ? *VA < *VB : *VA > *VB;
                   });
  return Names;
}

std::string workloadsPart(const ProposalRequest &R) {
  const ScoredProgram &P = R.Parent;
  if (P.PerWorkload.empty())
    return "";
  std::string Metric;
  std::vector<std::string> Names = worstWorkloads(R, &Metric);
  std::string Out = "### Per workload";
  Out += Metric.empty() ? "\n\n" : " (the worst " + Metric + " first)\n\n";
  for (size_t K = 0; K < Names.size() && K < ShownWorkloads; ++K) {
    Out += "- " + Names[K] + ":";
    for (const auto &[Name, V] : P.PerWorkload.at(Names[K]))
      Out += " " + Name + "=" + number(V);
    Out += "\n";
  }
  if (Names.size() > ShownWorkloads)
    Out += "(" + std::to_string(Names.size() - ShownWorkloads) +
           " more workloads not shown)\n";
  return Out;
}

/// Whether artifact \p Key is about workload \p W: it is named after the
/// workload or its file.
bool aboutWorkload(StringRef Key, StringRef W) {
  StringRef File = W.rsplit('/').second.empty() ? W : W.rsplit('/').second;
  return Key == W || Key.contains(W) || (!File.empty() && Key.contains(File));
}

std::string feedbackPart(const ProposalRequest &R, size_t Max) {
  if (R.Parent.Artifacts.empty())
    return "";
  // The worst workloads' own artifacts first, so that the model reasons
  // about concrete failures before the rest (and they survive a cut).
  std::string Metric;
  std::vector<std::string> Worst = worstWorkloads(R, &Metric);
  if (Worst.size() > ShownWorkloads)
    Worst.resize(ShownWorkloads);
  std::vector<std::pair<std::string, std::string>> First, Rest;
  for (const auto &Artifact : R.Parent.Artifacts) {
    const std::string &K = Artifact.first;
    const std::string &V = Artifact.second;
    auto W = llvm::find_if(
        Worst, [&](const std::string &N) { return aboutWorkload(K, N); });
    if (W != Worst.end())
      First.push_back({K, V});
    else
      Rest.push_back({K, V});
  }
  auto Rank = [&](const std::string &K) {
    return llvm::find_if(
               Worst,
               [&](const std::string &N) { return aboutWorkload(K, N); }) -
           Worst.begin();
  };
  std::stable_sort(First.begin(), First.end(),
                   [&](const auto &A, const auto &B) {
                     return Rank(A.first) < Rank(B.first);
                   });
  std::string Out = "### The evaluator's feedback\n";
  if (!First.empty())
    Out += "\nOn the worst workloads first:\n";
  for (const auto *List : {&First, &Rest})
    for (const auto &[K, V] : *List)
      Out += "\n" + K + ":\n```\n" + cut(StringRef(V).rtrim(), Max) + "\n```\n";
  return Out;
}

std::string attemptsPart(const ProposalRequest &R) {
  if (R.Recent.empty())
    return "";
  std::string Out = "## Recent attempts and how they ended\n\n";
  for (const Attempt &A : R.Recent) {
    Out += "- " + (A.Description.empty() ? "an edit" : A.Description) + ": " +
           toString(A.Status).str();
    if (A.ScoreChange)
      Out += formatv(" ({0}{1} against its parent)",
                     *A.ScoreChange >= 0 ? "+" : "", number(*A.ScoreChange))
                 .str();
    if (!A.Reason.empty())
      Out += " — " + cut(StringRef(A.Reason).split('\n').first, 300);
    Out += "\n";
  }
  return Out;
}

std::string inspirationsPart(const ProposalRequest &R) {
  if (R.Inspirations.empty())
    return "";
  std::string Out = "## Other programs of this search, for ideas\n";
  for (const ScoredProgram &P : R.Inspirations) {
    Out +=
        "\n### Program #" + std::to_string(P.Id) + " (" + describe(P) + ")\n";
    for (const auto &[Name, Text] : P.Regions)
      Out += "\n```cpp " + Name + "\n" + Text +
             (StringRef(Text).endswith("\n") ? "" : "\n") + "```\n";
  }
  return Out;
}

std::string formatPart(const ProposalRequest &R, spec::EditMode Edit) {
  std::string First = R.Regions->empty() ? "policy" : R.Regions->front().Name;
  if (Edit == spec::EditMode::Rewrite)
    return "## How to answer\n\nThink about why the program scores as it does, "
           "then propose one improvement. Answer with the complete new code "
           "of each region you change, in a fenced block named after the "
           "region:\n\n```cpp " +
           First +
           "\n...the region's new code...\n```\n\nWrite only the code between "
           "the region's markers: no #include, #define or other directives, "
           "no code outside the region.\n";
  return "## How to answer\n\nThink about why the program scores as it does, "
         "then propose one improvement as SEARCH/REPLACE blocks:\n\n"
         "<<<<<<< SEARCH\nlines copied exactly from a region\n=======\n"
         "the lines that replace them\n>>>>>>> REPLACE\n\nEach SEARCH must "
         "match exactly one place inside a region. No #include, #define or "
         "other directives, and no code outside the regions. To rewrite a "
         "whole region instead, send its complete new code in a fenced "
         "block named after it (```cpp " +
         First + ").\n";
}

std::string substitute(StringRef Template,
                       const std::map<std::string, std::string> &Parts) {
  std::string Out;
  while (!Template.empty()) {
    size_t Open = Template.find("{{");
    if (Open == StringRef::npos) {
      Out += Template.str();
      break;
    }
    Out += Template.take_front(Open).str();
    Template = Template.drop_front(Open);
    size_t Close = Template.find("}}");
    if (Close == StringRef::npos) {
      Out += Template.str();
      break;
    }
    std::string Name = Template.slice(2, Close).trim().str();
    auto It = Parts.find(Name);
    Out +=
        It != Parts.end() ? It->second : Template.take_front(Close + 2).str();
    Template = Template.drop_front(Close + 2);
  }
  return Out;
}

constexpr const char *SystemMessage =
    "You are an expert systems researcher and C++ programmer. You improve a "
    "policy inside a simulator: you are shown the code that may change, how "
    "it scores, and what was tried before, and you propose one edit at a "
    "time. The edit is compiled and scored automatically; only a better "
    "score counts. Code that does not compile, touches anything outside the "
    "regions, reads files, starts processes or tries to reach the "
    "evaluator is refused.";

} // namespace

Expected<PromptSettings> promptSettings(const spec::Spec &S) {
  PromptSettings P;
  P.Edit = S.Generator.Edit;
  P.ContextTokens = S.Generator.ContextTokens;
  for (auto [Path, Out] :
       {std::pair{&S.Generator.SystemPrompt, &P.SystemTemplate},
        std::pair{&S.Generator.UserPrompt, &P.UserTemplate}}) {
    if (Path->empty())
      continue;
    ErrorOr<std::unique_ptr<MemoryBuffer>> B = MemoryBuffer::getFile(*Path);
    if (!B)
      return createStringError(B.getError(), "cannot read the prompt '%s'",
                               Path->c_str());
    *Out = (*B)->getBuffer().str();
  }
  return P;
}

std::vector<ChatMessage> buildPrompt(const ProposalRequest &R,
                                     const PromptSettings &P) {
  const spec::Spec &S = *R.Spec;
  size_t Budget = size_t(P.ContextTokens) * 4;
  // The parts that are always there, then the ones left out first when the
  // prompt would be too long, the least useful first.
  std::map<std::string, std::string> Parts = {
      {"problem", problemPart(S)},
      {"hints", hintsPart(S, R.Hints, R.Boldness)},
      {"insight", insightPart(R)},
      {"objectives", objectivesPart(S)},
      {"regions", regionsPart(R)},
      {"parent", parentPart(R)},
      {"format", formatPart(R, P.Edit)},
      {"context", contextPart(R)},
      {"workloads", workloadsPart(R)},
      {"feedback", feedbackPart(R, 4000)},
      {"attempts", attemptsPart(R)},
      {"inspirations", inspirationsPart(R)},
  };
  const char *DropOrder[] = {"inspirations", "attempts", "insight",
                             "workloads",    "feedback", "context"};
  const char *Order[] = {"problem",  "hints",    "insight",      "objectives",
                         "regions",  "context",  "parent",       "workloads",
                         "feedback", "attempts", "inspirations", "format"};
  // An evolved variant stands for the system message (or the template it
  // evolved from).
  const std::string &System =
      R.SystemPrompt.empty() ? P.SystemTemplate : R.SystemPrompt;
  auto Size = [&] {
    size_t N = R.SystemPrompt.empty() ? std::strlen(SystemMessage)
                                      : R.SystemPrompt.size();
    for (const auto &[K, V] : Parts)
      N += V.size();
    return N;
  };
  std::vector<std::string> LeftOut;
  for (const char *Name : DropOrder) {
    if (Size() <= Budget)
      break;
    if (Parts[Name].empty())
      continue;
    if (StringRef(Name) == "feedback" && Parts[Name].size() > 2000) {
      // Feedback is cut before it is dropped: its beginning says most.
      Parts[Name] = feedbackPart(R, 500);
      if (Size() <= Budget)
        break;
    }
    Parts[Name].clear();
    LeftOut.push_back(Name);
  }
  std::string User;
  if (!P.UserTemplate.empty()) {
    User = substitute(P.UserTemplate, Parts);
  } else {
    for (const char *Name : Order)
      if (!Parts[Name].empty())
        User += Parts[Name] + "\n";
  }
  if (!LeftOut.empty())
    User +=
        "(Left out to fit the context budget: " + join(LeftOut, ", ") + ".)\n";
  std::vector<ChatMessage> Messages;
  Messages.push_back(
      {ChatMessage::Role::System, System.empty() ? std::string(SystemMessage)
                                                 : substitute(System, Parts)});
  Messages.push_back({ChatMessage::Role::User, User});
  for (const FixRound &F : R.Fixes) {
    Messages.push_back({ChatMessage::Role::Assistant, F.Reply});
    Messages.push_back(
        {ChatMessage::Role::User,
         "That edit did not work:\n\n" + cut(F.Problem, 6000) +
             "\n\nSend a corrected edit of the same program, in the same "
             "format."});
  }
  return Messages;
}

std::vector<ChatMessage> buildInsightPrompt(const InsightRequest &R) {
  const spec::Spec &S = *R.Spec;
  std::string User = problemPart(S) + "\n" + objectivesPart(S) +
                     "\n## The search so far (after " +
                     std::to_string(R.Iteration) + " candidates)\n\n" +
                     cut(StringRef(R.Report).trim(), 16000) + "\n";
  if (!StringRef(R.Previous).trim().empty())
    User += "\n## Your previous scratchpad\n\n" +
            cut(StringRef(R.Previous).trim(), MaxInsightBytes) + "\n";
  User += "\n## What to write\n\nA short scratchpad (at most 15 lines of "
          "plain text, no code) for the model that proposes the next edits: "
          "what has worked and why, what keeps failing and how to avoid it, "
          "which directions are exhausted, and what to try next. Update the "
          "previous scratchpad rather than repeat it.\n";
  return {{ChatMessage::Role::System,
           "You keep the scratchpad of an automated search that improves a "
           "program: you read what the search has tried and sum up what it "
           "has learnt, briefly and concretely."},
          {ChatMessage::Role::User, User}};
}

std::string baseSystemPrompt(const PromptSettings &P) {
  return P.SystemTemplate.empty() ? std::string(SystemMessage)
                                  : P.SystemTemplate;
}

std::vector<ChatMessage> buildVariantPrompt(const VariantRequest &R) {
  const spec::Spec &S = *R.Spec;
  std::string User = problemPart(S) + "\n" + objectivesPart(S) +
                     "\n## The search so far (after " +
                     std::to_string(R.Iteration) + " candidates)\n\n" +
                     cut(StringRef(R.Report).trim(), 16000) + "\n";
  User += "\n## The system prompts in use, the best first\n\nEach proposal "
          "of the search is asked with one of these system prompts. A "
          "prompt's score is (improved + 1) / (candidates + 2): how often "
          "the candidates it produced scored above their parent.\n";
  for (const ShownVariant &V : R.Best)
    User += formatv("\n### Variant {0}: score {1}, {2} of {3} candidates "
                    "improved\n\n",
                    V.Number, number(variantScore(V.Tally)), V.Tally.Improved,
                    V.Tally.Finished)
                .str() +
            cut(StringRef(V.Text).trim(), MaxVariantBytes) + "\n";
  User += "\n## What to write\n\nA new system prompt that would make the "
          "model propose better edits than the prompts above: build on what "
          "the best ones say and on what the search has learnt. Answer with "
          "the prompt's text alone: plain text, at most " +
          std::to_string(MaxVariantBytes) +
          " characters, no code and no code fences. Do not describe how to "
          "format the answer: the instructions on the edit format are fixed "
          "and always follow the prompt.";
  if (!R.Placeholders.empty()) {
    User += " Keep each of these placeholders exactly once, as they are:";
    for (const std::string &P : R.Placeholders)
      User += " {{" + P + "}}";
    User += "; add no other.";
  }
  User += "\n";
  return {{ChatMessage::Role::System,
           "You improve the system prompt of an automated search that asks "
           "a model for edits of a program: you read how each prompt did "
           "and write a better one."},
          {ChatMessage::Role::User, User}};
}

} // namespace generate
} // namespace adrs
