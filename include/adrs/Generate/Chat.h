//===- adrs/Generate/Chat.h - Talking to a model ----------------*- C++ -*-===//
//
// The transport under the LLM generator: a chat request goes in, a reply or a
// classified failure comes back through a callback. Two transports share
// this interface: OpenAIClient (ChatOpenAI.h) speaks Chat Completions over
// HTTP, CommandTransport (ChatCommand.h) runs a user's program with the
// prompt on stdin. Both run any number of requests at once on one driver
// thread of their own, enforce a hard timeout on every attempt, retry what
// is worth retrying, and end every request at once on cancelAll() or
// destruction.
//
// The API key is held in memory only: it is sent as the Authorization
// header and nowhere else -- not in the recorded request body, not in a
// recorded reply (a server echoing it gets it replaced), not in an error.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_CHAT_H
#define ADRS_GENERATE_CHAT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/FunctionExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace spec {
struct GeneratorSpec;
} // namespace spec

namespace generate {

struct ChatMessage {
  enum class Role { System, User, Assistant };
  Role From = Role::User;
  std::string Content;
};

/// "system", "user", "assistant": the wire format's spelling.
llvm::StringRef toString(ChatMessage::Role R);

/// One model of an ensemble. Unset options are not sent, so the server's
/// defaults apply.
struct ModelSettings {
  std::string Name;
  double Weight = 1.0;
  std::optional<double> Temperature;
  std::optional<unsigned> MaxTokens;
  /// "low", "medium", "high" (or whatever the server accepts). Setting it
  /// makes the request use the reasoning models' parameters; see
  /// usesReasoningParameters().
  std::optional<std::string> ReasoningEffort;
};

/// Whether a request for \p M is sent with the parameters OpenAI's
/// reasoning models require: `max_completion_tokens` instead of
/// `max_tokens`, no `temperature` (they accept only the default), and
/// `reasoning_effort` when set. True when ReasoningEffort is set, or when
/// the name (after any "provider/" prefix) is of the o1, o3, o4 or gpt-5
/// families.
bool usesReasoningParameters(const ModelSettings &M);

struct EndpointSettings {
  /// The base URL; requests go to URL + "/chat/completions".
  std::string URL = "https://api.openai.com/v1";
  /// Sent as "Authorization: Bearer KEY" when not empty; never written
  /// anywhere. Local servers (llama.cpp, Ollama, vLLM) need none.
  std::string ApiKey;
  /// Hard limit on one attempt, connecting included; always in force.
  double RequestTimeoutSeconds = 120;
  double ConnectTimeoutSeconds = 10;
  /// Further attempts after the first, for failures worth retrying
  /// (ChatError::retryable()).
  unsigned Retries = 3;
  /// Replies larger than this fail with ReplyTooLarge.
  uint64_t MaxReplyBytes = 8ull << 20;
  /// Requests in flight at once; more wait in a queue (their timeout has
  /// not started). 0: no limit.
  unsigned MaxInFlight = 0;
  /// The delay before retry N (1-based) is drawn uniformly from
  /// [d/2, d] with d = min(BackoffMaxSeconds, BackoffBaseSeconds * 2^(N-1)).
  double BackoffBaseSeconds = 1;
  double BackoffMaxSeconds = 30;
  /// A Retry-After is honoured (plus a little jitter) up to this; a server
  /// asking for longer ends the request with RateLimited instead.
  double MaxRetryAfterSeconds = 120;
  /// Empty: no proxy, whatever the environment says (http_proxy and
  /// friends are ignored: a variable set for other tools would otherwise
  /// route prompts -- and, for an http:// endpoint, the key -- through a
  /// machine nobody chose for this, or break a 127.0.0.1 server). "env":
  /// honour http_proxy, https_proxy, all_proxy and no_proxy. Anything else
  /// is the proxy's URL.
  std::string Proxy;
};

struct ChatRequest {
  /// The caller's identifier, returned in the response and the error.
  uint64_t Id = 0;
  ModelSettings Model;
  std::vector<ChatMessage> Messages;
  /// Sent to a server as its low 31 bits, which every server accepts
  /// (llama.cpp takes 32 bits, OpenAI a signed 64-bit number); a command
  /// gets the whole value in ADRS_SEED.
  std::optional<uint64_t> Seed;
};

/// What one request produced, also what a failure carries (ChatError::
/// record()): what was sent and received on the last attempt, for the run
/// database's record and replay.
struct ChatResponse {
  uint64_t Id = 0;
  std::string Model;        ///< The model asked for.
  std::string ServedModel;  ///< The `model` the server said it used.
  std::string Content;      ///< The reply's text, the key redacted.
  std::string FinishReason; ///< "stop", "length", ...; empty if not sent.
  /// From the replies' `usage`, summed over the attempts that reported it
  /// (each such reply was billed). 0 for a command.
  uint64_t PromptTokens = 0;
  uint64_t CompletionTokens = 0;
  bool HasUsage = false; ///< A reply reported `usage`.
  double CostUSD = 0;
  /// False when the model is not in the price table: CostUSD is then 0
  /// whatever the tokens, and a cost budget cannot see this request.
  bool Priced = false;
  double Seconds = 0; ///< From submit to completion, backoff included.
  unsigned Attempts = 0;
  long HttpStatus = 0; ///< Of the last attempt; 0 if none arrived.
  /// The request exactly as sent, without the key: for the OpenAI client
  /// the JSON body, for a command the text on its stdin.
  std::string RequestBody;
  /// The last attempt's reply body (a command's stdout), capped at the
  /// transport's reply limit, any occurrence of the key replaced by
  /// "[redacted]".
  std::string ResponseBody;
};

enum class ChatFailure {
  Timeout,       ///< The attempt ran out of time (or HTTP 408).
  Connection,    ///< Refused, reset, closed early, TLS or DNS failure.
  RateLimited,   ///< HTTP 429.
  ServerError,   ///< HTTP 5xx; for a command, a non-zero exit or a signal.
  BadResponse,   ///< Not JSON, no content, an empty reply, a refusal.
  ReplyTooLarge, ///< Over the reply limit; the transfer was stopped.
  Truncated,     ///< finish_reason "length": the model hit max tokens.
  Unauthorized,  ///< HTTP 401: the key is missing or wrong.
  Forbidden,     ///< HTTP 402/403: no access, or no credit (exit 126).
  NotFound,      ///< HTTP 404 or a redirect: wrong endpoint or model; a
                 ///< command that is not found (exit status 127).
  BadRequest,    ///< Other HTTP 4xx: the server refused what was sent.
  Cancelled,     ///< cancelAll() or the transport's destruction.
};

llvm::StringRef toString(ChatFailure F);

/// A request that ended without a usable reply.
class ChatError : public llvm::ErrorInfo<ChatError> {
public:
  static char ID;

  ChatError(ChatFailure Failure, std::string Message, ChatResponse Record);

  ChatFailure failure() const { return Failure; }
  long httpStatus() const { return Record.HttpStatus; }
  /// Whether the transport retries it: timeouts, connection errors, 429
  /// and 5xx (and a command's non-zero exit). Replies that arrived but are
  /// unusable are not retried here: the generator's fix loop decides.
  bool retryable() const;
  /// 401, 403 and 404 will not get better: the run should stop.
  bool fatal() const;
  /// The last attempt. A Truncated reply's text is in record().Content,
  /// its tokens and cost are counted as for any reply: they were paid for.
  const ChatResponse &record() const { return Record; }

  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

private:
  ChatFailure Failure;
  /// Names the model and the endpoint, never the key.
  std::string Message;
  ChatResponse Record;
};

bool isRetryable(ChatFailure F);
bool isFatal(ChatFailure F);

using ChatCallback = llvm::unique_function<void(llvm::Expected<ChatResponse>)>;

/// Where requests go. submit() never blocks on the network or a process:
/// requests run on the transport's own thread, and each one's callback is
/// called exactly once, on that thread, with the response or a ChatError.
/// Callbacks should return quickly; they may call submit() and cancelAll()
/// but must not destroy the transport.
class ChatTransport {
public:
  virtual ~ChatTransport();
  virtual void submit(ChatRequest Request, ChatCallback Done) = 0;
  /// Ends every request submitted so far, in flight, queued or waiting to
  /// retry, with ChatFailure::Cancelled. From any other thread it returns
  /// once their callbacks have run; from a callback it only requests it.
  /// The transport stays usable.
  virtual void cancelAll() = 0;
};

/// The prompt as plain text, for programs that read one: each message
/// under a heading line naming its role, a blank line between messages:
///
///   ### System
///
///   You improve C++ code ...
///
///   ### User
///
///   The region to change ...
///
/// The headings are "### System", "### User" and "### Assistant"; the text
/// ends with a newline.
std::string renderPlainText(llvm::ArrayRef<ChatMessage> Messages);

/// \p Text with every occurrence of \p Secret replaced by "[redacted]".
/// Secrets shorter than 8 characters are left alone: replacing a short
/// string everywhere would mangle the text and hide nothing worth hiding.
std::string redact(std::string Text, llvm::StringRef Secret);

/// The largest reply a generator takes from a model or a command. A region
/// is at most a few hundred lines and max_tokens a few ten thousand tokens,
/// so a reply of a mebibyte is already a fault; a larger one is refused
/// instead of being parsed and stored (twice) in the run database.
constexpr uint64_t GeneratorReplyLimitBytes = 1ull << 20;

/// The spec's generator settings as the transport's: the endpoint, the
/// timeout, the retries and (as MaxInFlight) the concurrency. \p ApiKey is
/// what readApiKey() returned.
EndpointSettings endpointSettings(const spec::GeneratorSpec &G,
                                  std::string ApiKey);
/// The spec's models, each with the generator's temperature unless it has
/// its own, and the generator's max_tokens.
std::vector<ModelSettings> modelSettings(const spec::GeneratorSpec &G);
/// The key from the environment variable the spec names, or none when it is
/// unset or empty (a local server needs no key).
std::optional<std::string> readApiKey(const spec::GeneratorSpec &G);
/// readApiKey(), then the variable's value is overwritten with zeros where
/// it lies and the variable removed, so that nothing started afterwards
/// inherits it and /proc/self/environ no longer shows it (unsetenv alone
/// leaves the bytes there for a forked child to read). Call it at start,
/// before any thread or child process exists. A command generator that is
/// to be passed the variable (CommandSettings::Environment) must be created
/// before.
std::optional<std::string> takeApiKey(const spec::GeneratorSpec &G);

} // namespace generate
} // namespace adrs

#endif
