//===- adrs/Generate/ChatOpenAI.h - Chat Completions over HTTP --*- C++ -*-===//
//
// A client of the OpenAI Chat Completions API (`POST {URL}/chat/completions`),
// which OpenAI, Gemini's and Anthropic's compatible endpoints, OpenRouter,
// vLLM, Ollama and llama.cpp's server all speak. One driver thread runs
// libcurl's multi interface: any number of requests in flight, none of them
// holding a thread.
//
// How each outcome ends:
//   - 200 with choices[0].message.content: the response (content, finish
//     reason, usage tokens, cost from the price table).
//   - finish_reason "length": ChatFailure::Truncated; the partial text,
//     tokens and cost are in the error's record().
//   - 200 that is not JSON, has no content, an empty content, or a
//     refusal: BadResponse (not retried).
//   - A reply over MaxReplyBytes: ReplyTooLarge (the transfer is stopped,
//     not retried).
//   - Timeout (the hard per-attempt limit, or 408), connection refused,
//     reset, closed without a reply or in the middle of the body: Timeout
//     or Connection; 429: RateLimited; 5xx: ServerError. These are retried
//     up to Retries times with exponential backoff and jitter, waiting at
//     least what a Retry-After header asks for (seconds or an HTTP date).
//   - 401 Unauthorized, 402/403 Forbidden, 404 (and redirects) NotFound:
//     fatal, not retried. Other 4xx: BadRequest, not retried. The message
//     names the model, the endpoint and what the server said.
//
// libcurl never prints (no verbose mode, no progress meter) and never uses a
// proxy the settings do not ask for (EndpointSettings::Proxy). Only http and
// https are spoken; redirects are not followed.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_CHATOPENAI_H
#define ADRS_GENERATE_CHATOPENAI_H

#include "adrs/Generate/Chat.h"
#include "adrs/Generate/Pricing.h"

#include <memory>

namespace adrs {
namespace generate {

class OpenAIClient final : public ChatTransport {
public:
  /// Fails when libcurl cannot be set up or the driver thread cannot
  /// start. \p Prices gives each response's CostUSD.
  static llvm::Expected<std::unique_ptr<OpenAIClient>>
  create(EndpointSettings Settings, PriceTable Prices = PriceTable::defaults());

  /// Ends every request with Cancelled (their callbacks run before it
  /// returns), then stops the driver thread. Never waits for a server.
  ~OpenAIClient() override;

  void submit(ChatRequest Request, ChatCallback Done) override;
  void cancelAll() override;

  /// Requests submitted and not yet finished.
  size_t pending() const;

  struct Impl;

private:
  explicit OpenAIClient(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace generate
} // namespace adrs

#endif
