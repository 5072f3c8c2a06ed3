//===- ModelGenerator.cpp - Edits from models -----------------------------===//
//
// The "llm" generator asks an ensemble of models behind an OpenAI-compatible
// endpoint; the "command" generator asks a program (a local coding agent,
// a script) that reads the prompt on stdin and writes its reply on stdout.
// Both build the prompt the same way (Prompt.h) and go through a
// ChatTransport, which owns timeouts, retries and cancellation.
//
// Which model is asked: by the spec's weights, or, with `bandit on`, by UCB
// over the models' improvement per dollar with a floor of random choices. A
// model that keeps failing is benched for a while and the others go on.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/Chat.h"
#include "adrs/Generate/ChatCommand.h"
#include "adrs/Generate/ChatOpenAI.h"
#include "adrs/Generate/Generator.h"
#include "adrs/Generate/Pricing.h"
#include "adrs/Generate/Prompt.h"
#include "adrs/Generate/PromptVariants.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>

using namespace llvm;

namespace adrs {
namespace generate {

namespace {

using Clock = std::chrono::steady_clock;

/// The models of an ensemble and what the run has learnt of each.
class Ensemble {
public:
  Ensemble(std::vector<ModelSettings> Models, bool Bandit)
      : Models(std::move(Models)), Bandit(Bandit), Arms(this->Models.size()) {}

  /// The model for a proposal: \p Preferred if it is one of them, else by
  /// weight (or the bandit), skipping benched ones while others are not.
  const ModelSettings &choose(StringRef Preferred, std::mt19937_64 &Rng) {
    std::lock_guard<std::mutex> L(Mutex);
    for (const ModelSettings &M : Models)
      if (!Preferred.empty() && M.Name == Preferred)
        return M;
    auto Now = Clock::now();
    std::vector<size_t> Ready;
    for (size_t I = 0; I < Models.size(); ++I)
      if (Arms[I].BenchedUntil <= Now && Models[I].Weight > 0)
        Ready.push_back(I);
    if (Ready.empty()) {
      // Everyone is benched: the one whose bench ends first.
      size_t First = 0;
      for (size_t I = 1; I < Models.size(); ++I)
        if (Arms[I].BenchedUntil < Arms[First].BenchedUntil)
          First = I;
      return Models[First];
    }
    double Floor = std::uniform_real_distribution<double>(0, 1)(Rng);
    if (Bandit && Floor >= 0.1) {
      // UCB1 over improvement per dollar (per request when unpriced); a
      // model not tried yet goes first.
      double Total = 0;
      for (size_t I : Ready)
        Total += Arms[I].Pulls;
      size_t Best = Ready.front();
      double BestValue = -1;
      for (size_t I : Ready) {
        const Arm &A = Arms[I];
        double Value = A.Pulls == 0
                           ? std::numeric_limits<double>::infinity()
                           : A.Reward / A.Pulls +
                                 std::sqrt(2 * std::log(Total + 1) / A.Pulls);
        if (Value > BestValue) {
          BestValue = Value;
          Best = I;
        }
      }
      return Models[Best];
    }
    double Sum = 0;
    for (size_t I : Ready)
      Sum += Models[I].Weight;
    double Pick = std::uniform_real_distribution<double>(0, Sum)(Rng);
    for (size_t I : Ready) {
      Pick -= Models[I].Weight;
      if (Pick < 0)
        return Models[I];
    }
    return Models[Ready.back()];
  }

  /// When every model with a weight is benched, the time the first bench
  /// ends: a proposal waits for it instead of failing at once, so that an
  /// endpoint that is down does not use up the run's budget in failures.
  std::optional<Clock::time_point> allBenchedUntil() {
    std::lock_guard<std::mutex> L(Mutex);
    std::optional<Clock::time_point> First;
    auto Now = Clock::now();
    for (size_t I = 0; I < Models.size(); ++I) {
      if (Models[I].Weight <= 0)
        continue;
      if (Arms[I].BenchedUntil <= Now)
        return std::nullopt;
      if (!First || Arms[I].BenchedUntil < *First)
        First = Arms[I].BenchedUntil;
    }
    return First;
  }

  void succeeded(StringRef Model) {
    std::lock_guard<std::mutex> L(Mutex);
    if (Arm *A = arm(Model)) {
      A->Failures = 0;
      A->Bench = 0;
    }
  }

  /// A request that failed; the third in a row benches the model, for
  /// longer each time.
  void failed(StringRef Model) {
    std::lock_guard<std::mutex> L(Mutex);
    Arm *A = arm(Model);
    if (!A || ++A->Failures < 3)
      return;
    A->Failures = 0;
    A->Bench = std::min(A->Bench ? A->Bench * 2 : 30.0, 600.0);
    A->BenchedUntil =
        Clock::now() + std::chrono::milliseconds(int64_t(A->Bench * 1000));
  }

  void observe(StringRef Model, std::optional<double> Improvement,
               double CostUSD) {
    std::lock_guard<std::mutex> L(Mutex);
    Arm *A = arm(Model);
    if (!A)
      return;
    ++A->Pulls;
    // Improvement per cent, or per request when the model is unpriced;
    // squashed into [0, 1] so that one lucky jump does not dominate.
    double Gain = std::max(0.0, Improvement.value_or(0));
    double PerUnit = CostUSD > 0 ? Gain / (CostUSD * 100) : Gain;
    A->Reward += PerUnit / (1 + PerUnit);
  }

private:
  struct Arm {
    unsigned Failures = 0;
    double Bench = 0;
    Clock::time_point BenchedUntil;
    double Pulls = 0, Reward = 0;
  };
  Arm *arm(StringRef Model) {
    for (size_t I = 0; I < Models.size(); ++I)
      if (Models[I].Name == Model)
        return &Arms[I];
    return nullptr;
  }

  std::vector<ModelSettings> Models;
  bool Bandit;
  std::vector<Arm> Arms;
  std::mutex Mutex;
};

/// Proposals from a ChatTransport: the prompt in, the reply out.
class ModelGenerator : public Generator {
public:
  ModelGenerator(std::string Name, std::unique_ptr<ChatTransport> Transport,
                 std::vector<ModelSettings> Models, bool Bandit,
                 PromptSettings Prompts, unsigned Concurrency,
                 std::string Where)
      : Name(std::move(Name)), Transport(std::move(Transport)),
        Models(std::move(Models), Bandit), Prompts(std::move(Prompts)),
        Concurrency(Concurrency), Where(std::move(Where)) {
    WhereName = StringRef(this->Where).split(' ').second.trim("'").str();
  }

  Expected<std::optional<GeneratedEdit>>
  propose(const ProposalRequest &R, std::mt19937_64 &Rng) override {
    if (std::optional<Clock::time_point> Until = Models.allBenchedUntil()) {
      std::unique_lock<std::mutex> L(CancelMutex);
      CancelWake.wait_until(L, *Until, [&] { return Cancelled; });
    }
    {
      std::lock_guard<std::mutex> L(CancelMutex);
      if (Cancelled)
        return make_error<ProposalError>("the run is stopping", /*Fatal=*/false,
                                         GeneratedEdit());
    }
    const ModelSettings &M = Models.choose(R.Model, Rng);
    Expected<GeneratedEdit> E = ask(M, buildPrompt(R, Prompts), R.Iteration,
                                    R.Seed * 1000003 + R.Iteration);
    if (!E)
      return E.takeError();
    E->Description = "an edit by " + M.Name;
    return std::optional<GeneratedEdit>(std::move(*E));
  }

  Expected<std::optional<GeneratedEdit>>
  summarise(const InsightRequest &R) override {
    // Its own random stream: the proposals' streams stay as they were.
    std::mt19937_64 Rng(R.Seed * 7919 + R.Iteration);
    const ModelSettings &M = Models.choose("", Rng);
    Expected<GeneratedEdit> E = ask(M, buildInsightPrompt(R), R.Iteration,
                                    R.Seed * 1000003 + R.Iteration + 1);
    if (!E)
      return E.takeError();
    E->Description = "a scratchpad by " + M.Name;
    return std::optional<GeneratedEdit>(std::move(*E));
  }

  Expected<std::optional<GeneratedEdit>>
  proposeVariant(const VariantRequest &R) override {
    // A stream apart from the proposals' and the scratchpads'.
    std::mt19937_64 Rng((R.Seed * 7919 + R.Iteration) ^ 0x5052'4F4D'5054ULL);
    const ModelSettings &M = Models.choose("", Rng);
    Expected<GeneratedEdit> E = ask(M, buildVariantPrompt(R), R.Iteration,
                                    R.Seed * 1000003 + R.Iteration + 2);
    if (!E)
      return E.takeError();
    E->Description = "a system prompt by " + M.Name;
    return std::optional<GeneratedEdit>(std::move(*E));
  }

  unsigned concurrency() const override { return std::max(1u, Concurrency); }

  void observe(const EditOutcome &O) override {
    Models.observe(O.Model, O.Improvement, O.CostUSD);
  }

  void cancel() override {
    {
      std::lock_guard<std::mutex> L(CancelMutex);
      Cancelled = true;
    }
    CancelWake.notify_all();
    Transport->cancelAll();
  }

private:
  /// Sends \p Messages to \p M and waits for the reply; a failure is a
  /// ProposalError that carries what was charged.
  Expected<GeneratedEdit> ask(const ModelSettings &M,
                              std::vector<ChatMessage> Messages, uint64_t Id,
                              uint64_t Seed) {
    ChatRequest Request;
    Request.Id = Id;
    Request.Model = M;
    Request.Messages = std::move(Messages);
    Request.Seed = Seed;
    auto Start = Clock::now();

    // The transport calls back on its own thread; this proposal's thread
    // waits. Its timeouts bound the wait, and cancel() ends it at once.
    std::mutex Mutex;
    std::condition_variable Ready;
    std::optional<Expected<ChatResponse>> Answer;
    Transport->submit(std::move(Request), [&](Expected<ChatResponse> A) {
      std::lock_guard<std::mutex> L(Mutex);
      Answer.emplace(std::move(A));
      Ready.notify_one();
    });
    std::unique_lock<std::mutex> L(Mutex);
    Ready.wait(L, [&] { return Answer.has_value(); });
    Expected<ChatResponse> Response = std::move(*Answer);
    L.unlock();

    GeneratedEdit E;
    E.Generator = Name;
    E.Model = M.Name;
    E.Seconds = std::chrono::duration<double>(Clock::now() - Start).count();
    auto Fill = [&](const ChatResponse &C) {
      E.Prompt = C.RequestBody;
      E.Reply = C.Content;
      E.PromptTokens = C.PromptTokens;
      E.CompletionTokens = C.CompletionTokens;
      E.CostUSD = C.CostUSD;
    };
    if (!Response) {
      Models.failed(M.Name);
      std::string Message;
      bool Fatal = false;
      handleAllErrors(
          Response.takeError(),
          [&](const ChatError &C) {
            Fill(C.record());
            Fatal = C.fatal();
            Message = C.message();
          },
          [&](const ErrorInfoBase &Other) { Message = Other.message(); });
      // The client's messages name the model and the endpoint already; a
      // command's may not.
      if (Fatal && Message.find(WhereName) == std::string::npos)
        Message += " (" + Where + ")";
      return make_error<ProposalError>(Message, Fatal, std::move(E));
    }
    Models.succeeded(M.Name);
    Fill(*Response);
    return std::move(E);
  }

  std::string Name;
  std::unique_ptr<ChatTransport> Transport;
  Ensemble Models;
  PromptSettings Prompts;
  unsigned Concurrency;
  std::string Where;     ///< The endpoint or command, for fatal messages.
  std::string WhereName; ///< Its URL or command line alone.
  std::mutex CancelMutex;
  std::condition_variable CancelWake;
  bool Cancelled = false;
};

bool isLocal(StringRef URL) {
  URL.consume_front("http://") || URL.consume_front("https://");
  return URL.startswith("127.") || URL.startswith("localhost") ||
         URL.startswith("[::1]");
}

class LLMFactory : public GeneratorFactory {
public:
  Expected<std::unique_ptr<Generator>> create(const spec::Spec &S) override {
    const spec::GeneratorSpec &G = S.Generator;
    if (G.Models.empty())
      return createStringError(inconvertibleErrorCode(),
                               "the llm generator needs at least one model");
    // Read once and taken out of the environment: from here on the key is
    // only in the client's memory and the Authorization header.
    std::optional<std::string> Key = takeApiKey(G);
    if (!Key && !isLocal(G.Endpoint))
      return createStringError(
          inconvertibleErrorCode(),
          "the environment variable %s, which the spec names for the API key "
          "of %s, is not set (a local server needs none: use an endpoint on "
          "127.0.0.1)",
          G.ApiKeyEnv.c_str(), G.Endpoint.c_str());
    PriceTable Prices = PriceTable::defaults();
    for (const auto &[Model, Price] : G.Prices)
      Prices.set(Model, {Price.first, Price.second});
    Expected<std::unique_ptr<OpenAIClient>> Client = OpenAIClient::create(
        endpointSettings(G, Key.value_or("")), std::move(Prices));
    if (!Client)
      return Client.takeError();
    Expected<PromptSettings> P = promptSettings(S);
    if (!P)
      return P.takeError();
    return std::make_unique<ModelGenerator>(
        "llm", std::move(*Client), modelSettings(G), G.Bandit, std::move(*P),
        G.Concurrency, "endpoint " + G.Endpoint);
  }
};

class CommandFactory : public GeneratorFactory {
public:
  Expected<std::unique_ptr<Generator>> create(const spec::Spec &S) override {
    const spec::GeneratorSpec &G = S.Generator;
    if (G.Command.empty())
      return createStringError(inconvertibleErrorCode(),
                               "the command generator needs a command");
    CommandSettings C;
    C.Command = G.Command;
    C.TimeoutSeconds = G.RequestTimeoutSeconds;
    C.Retries = G.Retries;
    C.MaxInFlight = G.Concurrency;
    C.MaxReplyBytes = GeneratorReplyLimitBytes;
    C.WorkingDirectory = S.BaseDir;
    Expected<std::unique_ptr<CommandTransport>> T =
        CommandTransport::create(std::move(C));
    if (!T)
      return T.takeError();
    Expected<PromptSettings> P = promptSettings(S);
    if (!P)
      return P.takeError();
    ModelSettings Only;
    Only.Name = "command";
    Only.Temperature = G.Temperature;
    Only.MaxTokens = G.MaxTokens;
    return std::make_unique<ModelGenerator>(
        "command", std::move(*T), std::vector<ModelSettings>{Only},
        /*Bandit=*/false, std::move(*P), G.Concurrency,
        "command '" + G.Command + "'");
  }
};

GeneratorRegistry::Add<LLMFactory>
    LLMEntry("llm", "an ensemble of models behind an OpenAI-compatible "
                    "endpoint");
GeneratorRegistry::Add<CommandFactory>
    CommandEntry("command", "a program that reads the prompt on stdin and "
                            "writes its reply on stdout");

} // namespace

void linkModelGenerators() {}

} // namespace generate
} // namespace adrs
