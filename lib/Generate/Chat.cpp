//===- Chat.cpp - What every chat transport shares ------------------------===//

#include "adrs/Generate/Chat.h"
#include "adrs/Spec/Spec.h"

#include "ChatSupport.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <signal.h>
#include <unistd.h>

using namespace llvm;

namespace adrs {
namespace generate {

StringRef toString(ChatMessage::Role R) {
  switch (R) {
  case ChatMessage::Role::System:
    return "system";
  case ChatMessage::Role::User:
    return "user";
  case ChatMessage::Role::Assistant:
    return "assistant";
  }
  return "user";
}

bool usesReasoningParameters(const ModelSettings &M) {
  if (M.ReasoningEffort)
    return true;
  StringRef Name = M.Name;
  size_t Slash = Name.rfind('/');
  if (Slash != StringRef::npos)
    Name = Name.drop_front(Slash + 1);
  std::string Lower = Name.lower();
  StringRef L = Lower;
  // o1, o3, o4-mini, o3-2025-04-16 ... but not "o" followed by letters
  // (a local model named "orca" is not one of them).
  if (L.size() >= 2 && L[0] == 'o' && isDigit(L[1]) &&
      (L.size() == 2 || L[2] == '-'))
    return true;
  return L == "gpt-5" || L.startswith("gpt-5-") || L.startswith("gpt-5.");
}

StringRef toString(ChatFailure F) {
  switch (F) {
  case ChatFailure::Timeout:
    return "timeout";
  case ChatFailure::Connection:
    return "connection";
  case ChatFailure::RateLimited:
    return "rate_limited";
  case ChatFailure::ServerError:
    return "server_error";
  case ChatFailure::BadResponse:
    return "bad_response";
  case ChatFailure::ReplyTooLarge:
    return "reply_too_large";
  case ChatFailure::Truncated:
    return "truncated";
  case ChatFailure::Unauthorized:
    return "unauthorized";
  case ChatFailure::Forbidden:
    return "forbidden";
  case ChatFailure::NotFound:
    return "not_found";
  case ChatFailure::BadRequest:
    return "bad_request";
  case ChatFailure::Cancelled:
    return "cancelled";
  }
  return "unknown";
}

bool isRetryable(ChatFailure F) {
  return F == ChatFailure::Timeout || F == ChatFailure::Connection ||
         F == ChatFailure::RateLimited || F == ChatFailure::ServerError;
}

bool isFatal(ChatFailure F) {
  return F == ChatFailure::Unauthorized || F == ChatFailure::Forbidden ||
         F == ChatFailure::NotFound;
}

char ChatError::ID = 0;

ChatError::ChatError(ChatFailure Failure, std::string Message,
                     ChatResponse Record)
    : Failure(Failure), Message(std::move(Message)), Record(std::move(Record)) {
}

bool ChatError::retryable() const { return isRetryable(Failure); }

bool ChatError::fatal() const { return isFatal(Failure); }

void ChatError::log(raw_ostream &OS) const { OS << Message; }

std::error_code ChatError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

ChatTransport::~ChatTransport() = default;

std::string renderPlainText(ArrayRef<ChatMessage> Messages) {
  std::string Text;
  for (const ChatMessage &M : Messages) {
    if (!Text.empty())
      Text += "\n";
    switch (M.From) {
    case ChatMessage::Role::System:
      Text += "### System\n\n";
      break;
    case ChatMessage::Role::User:
      Text += "### User\n\n";
      break;
    case ChatMessage::Role::Assistant:
      Text += "### Assistant\n\n";
      break;
    }
    Text += M.Content;
    if (Text.empty() || Text.back() != '\n')
      Text += "\n";
  }
  return Text;
}

std::string redact(std::string Text, StringRef Secret) {
  if (Secret.size() < 8)
    return Text;
  size_t At = 0;
  while ((At = Text.find(Secret.data(), At, Secret.size())) !=
         std::string::npos) {
    Text.replace(At, Secret.size(), "[redacted]");
    At += 10;
  }
  return Text;
}

EndpointSettings endpointSettings(const spec::GeneratorSpec &G,
                                  std::string ApiKey) {
  EndpointSettings E;
  E.URL = G.Endpoint;
  E.ApiKey = std::move(ApiKey);
  E.RequestTimeoutSeconds = G.RequestTimeoutSeconds;
  // Connecting never needs the whole request's time; a dead host should
  // fail fast enough to be retried within it.
  E.ConnectTimeoutSeconds = std::min(10.0, G.RequestTimeoutSeconds);
  E.Retries = G.Retries;
  E.MaxInFlight = G.Concurrency;
  E.MaxReplyBytes = GeneratorReplyLimitBytes;
  return E;
}

std::vector<ModelSettings> modelSettings(const spec::GeneratorSpec &G) {
  std::vector<ModelSettings> Models;
  for (const spec::LLMModel &M : G.Models) {
    ModelSettings S;
    S.Name = M.Name;
    S.Weight = M.Weight;
    S.Temperature = M.Temperature ? *M.Temperature : G.Temperature;
    S.ReasoningEffort = M.ReasoningEffort;
    S.MaxTokens = G.MaxTokens;
    Models.push_back(std::move(S));
  }
  return Models;
}

std::optional<std::string> readApiKey(const spec::GeneratorSpec &G) {
  if (G.ApiKeyEnv.empty())
    return std::nullopt;
  const char *Value = std::getenv(G.ApiKeyEnv.c_str());
  if (!Value)
    return std::nullopt;
  std::string Key = StringRef(Value).trim().str();
  if (Key.empty())
    return std::nullopt;
  return Key;
}

std::optional<std::string> takeApiKey(const spec::GeneratorSpec &G) {
  std::optional<std::string> Key = readApiKey(G);
  if (G.ApiKeyEnv.empty())
    return Key;
  size_t Length = G.ApiKeyEnv.size();
  for (char **Entry = environ; Entry && *Entry; ++Entry)
    if (std::strncmp(*Entry, G.ApiKeyEnv.c_str(), Length) == 0 &&
        (*Entry)[Length] == '=')
      explicit_bzero(*Entry + Length + 1, std::strlen(*Entry + Length + 1));
  ::unsetenv(G.ApiKeyEnv.c_str());
  return Key;
}

double backoffSeconds(unsigned Retry, double Base, double Max,
                      std::mt19937_64 &Rng) {
  double Limit = std::min(
      Max,
      Base * std::pow(2.0, double(std::min(std::max(Retry, 1u), 30u)) - 1));
  std::uniform_real_distribution<double> Jitter(Limit / 2, Limit);
  return Jitter(Rng);
}

Error startDriverThread(pthread_t &Thread, void *(*Main)(void *), void *Arg,
                        StringRef Who) {
  sigset_t All, Old;
  sigfillset(&All);
  for (int Sync : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS})
    sigdelset(&All, Sync);
  // The new thread inherits the mask in force when it is created.
  pthread_sigmask(SIG_SETMASK, &All, &Old);
  int Err = pthread_create(&Thread, nullptr, Main, Arg);
  pthread_sigmask(SIG_SETMASK, &Old, nullptr);
  if (Err != 0)
    return createStringError(std::error_code(Err, std::generic_category()),
                             "cannot start the %s's thread: %s",
                             Who.str().c_str(), std::strerror(Err));
  return Error::success();
}

} // namespace generate
} // namespace adrs
