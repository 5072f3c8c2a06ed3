//===- ChatOpenAI.cpp - Chat Completions over libcurl multi ---------------===//
//
// One driver thread owns the curl multi handle and every transfer. Other
// threads only append to Incoming, raise a cancel mark or the stop flag
// under the mutex, and wake the driver with curl_multi_wakeup(). Callbacks
// run on the driver thread with no lock held, so they may submit again.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/ChatOpenAI.h"
#include "adrs/Config.h"

#include "ChatSupport.h"
#include "ChatWire.h"

#include "llvm/ADT/StringExtras.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <pthread.h>
#include <random>
#include <signal.h>

using namespace llvm;
using Clock = std::chrono::steady_clock;

namespace adrs {
namespace generate {

namespace {

/// One request, from submit() to its callback.
struct Transfer {
  uint64_t Seq = 0; ///< Submission order, for cancelAll()'s mark.
  ChatRequest Request;
  ChatCallback Done;
  std::string Body;
  Clock::time_point Submitted;
  ChatResponse Record;
  // The attempt in flight.
  CURL *Easy = nullptr;
  std::string Reply;
  uint64_t ReplyCap = 0;
  bool TooLarge = false;
  char CurlError[CURL_ERROR_SIZE] = {};
  // A retry's due time.
  Clock::time_point RetryAt;
};

size_t onReplyData(char *Data, size_t Size, size_t Count, void *User) {
  auto *T = static_cast<Transfer *>(User);
  size_t Bytes = Size * Count;
  if (T->Reply.size() + Bytes > T->ReplyCap) {
    T->TooLarge = true;
    return CURL_WRITEFUNC_ERROR;
  }
  T->Reply.append(Data, Bytes);
  return Bytes;
}

/// The endpoint as messages show it: without user:password@.
std::string displayed(StringRef URL) {
  size_t Scheme = URL.find("://");
  if (Scheme == StringRef::npos)
    return URL.str();
  size_t HostStart = Scheme + 3;
  size_t HostEnd = URL.find('/', HostStart);
  size_t At = URL.slice(HostStart, HostEnd).rfind('@');
  if (At == StringRef::npos)
    return URL.str();
  return (URL.take_front(HostStart) + URL.drop_front(HostStart + At + 1)).str();
}

std::string seconds(double S) {
  char Text[32];
  std::snprintf(Text, sizeof(Text), "%gs", S);
  return Text;
}

/// What one attempt came to, before deciding whether to retry.
struct Outcome {
  bool OK = false;
  ChatFailure Failure = ChatFailure::BadResponse;
  std::string Problem;
  double RetryAfterSeconds = 0;
};

} // namespace

struct OpenAIClient::Impl {
  EndpointSettings Settings;
  PriceTable Prices;
  std::string Endpoint; ///< For messages.
  std::string URL;      ///< Where requests go.
  CURLM *Multi = nullptr;
  curl_slist *Headers = nullptr;
  pthread_t Driver;
  bool DriverStarted = false;
  std::atomic<size_t> Pending{0};

  // Shared with other threads, under M.
  std::mutex M;
  std::condition_variable CancelHandled;
  std::deque<std::unique_ptr<Transfer>> Incoming;
  uint64_t NextSeq = 0;
  bool Stopping = false;
  /// cancelAll(): every transfer with Seq below this ends.
  uint64_t CancelBelow = 0;
  /// The largest CancelBelow the driver has carried out.
  uint64_t CancelledBelow = 0;

  // The driver's own.
  std::deque<std::unique_ptr<Transfer>> Queue;    ///< Waiting for a slot.
  std::vector<std::unique_ptr<Transfer>> Backoff; ///< Waiting to retry.
  std::map<Transfer *, std::unique_ptr<Transfer>> Active;
  std::mt19937_64 Rng{std::random_device{}()};

  ~Impl();
  void run();
  void cancelBelow(uint64_t Mark);
  void startAttempt(std::unique_ptr<Transfer> T);
  void finishAttempt(CURL *Easy, CURLcode Result);
  Outcome classify(Transfer &T, CURLcode Result, long Status,
                   curl_off_t RetryAfter, const char *Location);
  void retryOrFail(std::unique_ptr<Transfer> T, Outcome O);
  void fail(std::unique_ptr<Transfer> T, ChatFailure F, StringRef Problem);
  void complete(std::unique_ptr<Transfer> T, Expected<ChatResponse> Result);
  std::string describe(const Transfer &T, StringRef Problem) const;
};

OpenAIClient::Impl::~Impl() {
  if (Multi)
    curl_multi_cleanup(Multi);
  // The key's copies in the header list are wiped before they are freed,
  // so that freed memory does not keep them.
  for (curl_slist *H = Headers; H; H = H->next)
    if (H->data)
      explicit_bzero(H->data, std::strlen(H->data));
  curl_slist_free_all(Headers);
  if (!Settings.ApiKey.empty())
    explicit_bzero(Settings.ApiKey.data(), Settings.ApiKey.size());
}

std::string OpenAIClient::Impl::describe(const Transfer &T,
                                         StringRef Problem) const {
  std::string Text = "model '" + T.Request.Model.Name + "' at " + Endpoint +
                     ": " + Problem.str();
  if (T.Record.Attempts > 1)
    Text += " (after " + std::to_string(T.Record.Attempts) + " attempts)";
  return redact(std::move(Text), Settings.ApiKey);
}

void OpenAIClient::Impl::complete(std::unique_ptr<Transfer> T,
                                  Expected<ChatResponse> Result) {
  ChatCallback Done = std::move(T->Done);
  T.reset();
  --Pending;
  Done(std::move(Result));
}

void OpenAIClient::Impl::fail(std::unique_ptr<Transfer> T, ChatFailure F,
                              StringRef Problem) {
  T->Record.Seconds =
      std::chrono::duration<double>(Clock::now() - T->Submitted).count();
  std::string Message = describe(*T, Problem);
  ChatResponse Record = T->Record;
  complete(std::move(T),
           make_error<ChatError>(F, std::move(Message), std::move(Record)));
}

void OpenAIClient::Impl::startAttempt(std::unique_ptr<Transfer> T) {
  ++T->Record.Attempts;
  if (T->Body.empty()) {
    fail(std::move(T), ChatFailure::BadRequest,
         "the request could not be encoded (out of memory?)");
    return;
  }
  T->Reply.clear();
  T->TooLarge = false;
  T->CurlError[0] = 0;
  T->ReplyCap = Settings.MaxReplyBytes;
  CURL *E = curl_easy_init();
  if (!E) {
    fail(std::move(T), ChatFailure::Connection,
         "libcurl could not create a transfer (out of memory?)");
    return;
  }
  auto Ms = [](double S) { return long(std::max(1.0, std::ceil(S * 1000))); };
  curl_easy_setopt(E, CURLOPT_URL, URL.c_str());
  curl_easy_setopt(E, CURLOPT_POST, 1L);
  curl_easy_setopt(E, CURLOPT_POSTFIELDS, T->Body.data());
  curl_easy_setopt(E, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(T->Body.size()));
  curl_easy_setopt(E, CURLOPT_HTTPHEADER, Headers);
  curl_easy_setopt(E, CURLOPT_USERAGENT, "adrsc/" ADRS_VERSION);
  curl_easy_setopt(E, CURLOPT_WRITEFUNCTION, onReplyData);
  curl_easy_setopt(E, CURLOPT_WRITEDATA, T.get());
  curl_easy_setopt(E, CURLOPT_PRIVATE, T.get());
  curl_easy_setopt(E, CURLOPT_ERRORBUFFER, T->CurlError);
  // Quiet and thread-safe: no verbose output, no progress meter, no signals
  // (timeouts must not use SIGALRM in a threaded program).
  curl_easy_setopt(E, CURLOPT_VERBOSE, 0L);
  curl_easy_setopt(E, CURLOPT_NOPROGRESS, 1L);
  curl_easy_setopt(E, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(E, CURLOPT_TIMEOUT_MS, Ms(Settings.RequestTimeoutSeconds));
  curl_easy_setopt(E, CURLOPT_CONNECTTIMEOUT_MS,
                   Ms(std::min(Settings.ConnectTimeoutSeconds,
                               Settings.RequestTimeoutSeconds)));
  curl_easy_setopt(E, CURLOPT_MAXFILESIZE_LARGE,
                   curl_off_t(Settings.MaxReplyBytes));
  curl_easy_setopt(E, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(E, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(E, CURLOPT_TCP_KEEPALIVE, 1L);
  // Compressed replies are decoded; the cap applies to the decoded bytes.
  curl_easy_setopt(E, CURLOPT_ACCEPT_ENCODING, "");
  if (Settings.Proxy != "env")
    curl_easy_setopt(E, CURLOPT_PROXY, Settings.Proxy.c_str());
  T->Easy = E;
  if (curl_multi_add_handle(Multi, E) != CURLM_OK) {
    curl_easy_cleanup(E);
    T->Easy = nullptr;
    fail(std::move(T), ChatFailure::Connection,
         "libcurl could not start the transfer");
    return;
  }
  Transfer *Key = T.get();
  Active.emplace(Key, std::move(T));
}

Outcome OpenAIClient::Impl::classify(Transfer &T, CURLcode Result, long Status,
                                     curl_off_t RetryAfter,
                                     const char *Location) {
  Outcome O;
  O.RetryAfterSeconds = RetryAfter > 0 ? double(RetryAfter) : 0;
  auto Fail = [&](ChatFailure F, std::string Problem) {
    O.Failure = F;
    O.Problem = std::move(Problem);
    return O;
  };
  if (T.TooLarge || Result == CURLE_FILESIZE_EXCEEDED)
    return Fail(ChatFailure::ReplyTooLarge,
                "the reply is larger than the limit of " +
                    std::to_string(Settings.MaxReplyBytes) + " bytes");
  if (Result == CURLE_OPERATION_TIMEDOUT)
    return Fail(ChatFailure::Timeout,
                "no complete reply within the request timeout of " +
                    seconds(Settings.RequestTimeoutSeconds));
  if (Result != CURLE_OK) {
    std::string Detail =
        T.CurlError[0] ? std::string(T.CurlError) : curl_easy_strerror(Result);
    return Fail(ChatFailure::Connection, StringRef(Detail).rtrim().str());
  }

  std::string ServerSays = wire::errorMessage(T.Reply);
  auto Http = [&](StringRef What) {
    std::string Text = "HTTP " + std::to_string(Status) + " " + What.str();
    if (!ServerSays.empty())
      Text += ": " + ServerSays;
    return Text;
  };
  if (Status >= 300 && Status < 400)
    return Fail(ChatFailure::NotFound,
                Http("redirect") +
                    (Location ? std::string("; the endpoint has moved to ") +
                                    Location + ", use that URL"
                              : std::string()));
  if (Status == 401)
    return Fail(ChatFailure::Unauthorized,
                Http("Unauthorized") + (Settings.ApiKey.empty()
                                            ? " (no API key was sent)"
                                            : " (the API key was refused)"));
  if (Status == 402)
    return Fail(ChatFailure::Forbidden, Http("Payment Required"));
  if (Status == 403)
    return Fail(ChatFailure::Forbidden, Http("Forbidden"));
  if (Status == 404)
    return Fail(ChatFailure::NotFound,
                Http("Not Found") +
                    " (check the endpoint URL and the model's name)");
  if (Status == 408)
    return Fail(ChatFailure::Timeout, Http("Request Timeout"));
  if (Status == 429)
    return Fail(ChatFailure::RateLimited, Http("Too Many Requests"));
  if (Status >= 500)
    return Fail(ChatFailure::ServerError, Http("server error"));
  if (Status >= 400)
    return Fail(ChatFailure::BadRequest, Http("the request was refused"));
  if (Status < 200 || Status >= 300)
    return Fail(ChatFailure::BadResponse,
                "unexpected HTTP status " + std::to_string(Status));

  wire::Reply R = wire::parseReply(T.Reply);
  ChatResponse &Rec = T.Record;
  if (R.HasUsage) {
    // Summed over attempts: every reply that reports usage was billed.
    Rec.HasUsage = true;
    Rec.PromptTokens += R.PromptTokens;
    Rec.CompletionTokens += R.CompletionTokens;
  }
  Cost C =
      Prices.cost(T.Request.Model.Name, Rec.PromptTokens, Rec.CompletionTokens);
  Rec.CostUSD = C.USD;
  Rec.Priced = C.Priced;
  switch (R.K) {
  case wire::Reply::Kind::NotJSON:
    return Fail(ChatFailure::BadResponse, "the reply is not JSON: " + R.Detail);
  case wire::Reply::Kind::ErrorObject: {
    std::string Problem = "the server reported an error";
    if (R.ErrorCode)
      Problem += " (code " + std::to_string(R.ErrorCode) + ")";
    if (!R.Detail.empty())
      Problem += ": " + R.Detail;
    if (R.ErrorCode == 429)
      return Fail(ChatFailure::RateLimited, Problem);
    if (R.ErrorCode >= 500 && R.ErrorCode < 600)
      return Fail(ChatFailure::ServerError, Problem);
    if (R.ErrorCode == 401)
      return Fail(ChatFailure::Unauthorized, Problem);
    if (R.ErrorCode == 402 || R.ErrorCode == 403)
      return Fail(ChatFailure::Forbidden, Problem);
    return Fail(ChatFailure::BadResponse, Problem);
  }
  case wire::Reply::Kind::NoContent:
    return Fail(ChatFailure::BadResponse, R.Detail);
  case wire::Reply::Kind::Refusal:
    return Fail(ChatFailure::BadResponse, "the model refused: " + R.Detail);
  case wire::Reply::Kind::OK:
    break;
  }
  // A server cannot know the key unless it was sent one; if it echoes it,
  // the reply must not carry it into the run's records.
  Rec.Content = redact(std::move(R.Content), Settings.ApiKey);
  Rec.FinishReason = R.FinishReason;
  Rec.ServedModel = R.ServedModel;
  if (R.FinishReason == "length")
    return Fail(ChatFailure::Truncated,
                "the reply was cut off at the token limit" +
                    (T.Request.Model.MaxTokens
                         ? " of " + std::to_string(*T.Request.Model.MaxTokens)
                         : std::string()) +
                    " (finish_reason \"length\")");
  if (R.FinishReason == "content_filter")
    return Fail(ChatFailure::BadResponse,
                "the provider's content filter stopped the reply");
  if (StringRef(Rec.Content).trim().empty())
    return Fail(ChatFailure::BadResponse, "the reply is empty");
  O.OK = true;
  return O;
}

void OpenAIClient::Impl::finishAttempt(CURL *Easy, CURLcode Result) {
  Transfer *Raw = nullptr;
  curl_easy_getinfo(Easy, CURLINFO_PRIVATE, reinterpret_cast<char **>(&Raw));
  auto It = Active.find(Raw);
  long Status = 0;
  curl_easy_getinfo(Easy, CURLINFO_RESPONSE_CODE, &Status);
  curl_off_t RetryAfter = 0;
  curl_easy_getinfo(Easy, CURLINFO_RETRY_AFTER, &RetryAfter);
  char *Location = nullptr;
  curl_easy_getinfo(Easy, CURLINFO_REDIRECT_URL, &Location);
  std::string Moved = Location ? std::string(Location) : std::string();
  curl_multi_remove_handle(Multi, Easy);
  curl_easy_cleanup(Easy);
  if (It == Active.end())
    return;
  std::unique_ptr<Transfer> T = std::move(It->second);
  Active.erase(It);
  T->Easy = nullptr;
  T->Record.HttpStatus = Status;
  T->Record.ResponseBody = redact(T->Reply, Settings.ApiKey);
  Outcome O = classify(*T, Result, Status, RetryAfter,
                       Moved.empty() ? nullptr : Moved.c_str());
  if (!O.OK) {
    retryOrFail(std::move(T), std::move(O));
    return;
  }
  T->Record.Seconds =
      std::chrono::duration<double>(Clock::now() - T->Submitted).count();
  ChatResponse Response = std::move(T->Record);
  complete(std::move(T), std::move(Response));
}

void OpenAIClient::Impl::retryOrFail(std::unique_ptr<Transfer> T, Outcome O) {
  if (!isRetryable(O.Failure) || T->Record.Attempts > Settings.Retries) {
    fail(std::move(T), O.Failure, O.Problem);
    return;
  }
  double Delay;
  if (O.RetryAfterSeconds > 0) {
    if (O.RetryAfterSeconds > Settings.MaxRetryAfterSeconds) {
      fail(std::move(T), O.Failure,
           O.Problem + "; the server asks to wait " +
               seconds(O.RetryAfterSeconds) + ", longer than the limit of " +
               seconds(Settings.MaxRetryAfterSeconds));
      return;
    }
    // Clients told the same time would all come back at once.
    std::uniform_real_distribution<double> Jitter(
        0, std::min(1.0, 0.1 * O.RetryAfterSeconds));
    Delay = O.RetryAfterSeconds + Jitter(Rng);
  } else {
    Delay = backoffSeconds(T->Record.Attempts, Settings.BackoffBaseSeconds,
                           Settings.BackoffMaxSeconds, Rng);
  }
  T->RetryAt = Clock::now() + std::chrono::microseconds(int64_t(Delay * 1e6));
  Backoff.push_back(std::move(T));
}

void OpenAIClient::Impl::cancelBelow(uint64_t Mark) {
  std::vector<std::unique_ptr<Transfer>> Ending;
  for (auto It = Active.begin(); It != Active.end();) {
    if (It->first->Seq >= Mark) {
      ++It;
      continue;
    }
    curl_multi_remove_handle(Multi, It->first->Easy);
    curl_easy_cleanup(It->first->Easy);
    It->first->Easy = nullptr;
    Ending.push_back(std::move(It->second));
    It = Active.erase(It);
  }
  auto Take = [&](auto &From) {
    for (auto &T : From)
      if (T && T->Seq < Mark)
        Ending.push_back(std::move(T));
    From.erase(std::remove(From.begin(), From.end(), nullptr), From.end());
  };
  Take(Queue);
  Take(Backoff);
  std::sort(Ending.begin(), Ending.end(),
            [](const auto &A, const auto &B) { return A->Seq < B->Seq; });
  for (auto &T : Ending)
    fail(std::move(T), ChatFailure::Cancelled, "cancelled");
}

void OpenAIClient::Impl::run() {
  for (;;) {
    std::deque<std::unique_ptr<Transfer>> New;
    bool Stop;
    uint64_t Mark;
    {
      std::lock_guard<std::mutex> Lock(M);
      New.swap(Incoming);
      Stop = Stopping;
      Mark = CancelBelow;
    }
    for (auto &T : New)
      Queue.push_back(std::move(T));
    if (Mark > CancelledBelow || Stop) {
      cancelBelow(Stop ? ~uint64_t(0) : Mark);
      {
        std::lock_guard<std::mutex> Lock(M);
        CancelledBelow = std::max(CancelledBelow, Mark);
      }
      CancelHandled.notify_all();
      if (Stop)
        break;
    }

    // Retries that are due go ahead of new requests.
    Clock::time_point Now = Clock::now();
    for (auto It = Backoff.begin(); It != Backoff.end();) {
      if ((*It)->RetryAt <= Now) {
        Queue.push_front(std::move(*It));
        It = Backoff.erase(It);
      } else {
        ++It;
      }
    }
    while (!Queue.empty() && (Settings.MaxInFlight == 0 ||
                              Active.size() < Settings.MaxInFlight)) {
      std::unique_ptr<Transfer> T = std::move(Queue.front());
      Queue.pop_front();
      startAttempt(std::move(T));
    }

    int Running = 0;
    curl_multi_perform(Multi, &Running);
    bool Finished = false;
    int Left = 0;
    while (CURLMsg *Msg = curl_multi_info_read(Multi, &Left)) {
      if (Msg->msg != CURLMSG_DONE)
        continue;
      finishAttempt(Msg->easy_handle, Msg->data.result);
      Finished = true;
    }
    if (Finished)
      continue; // freed slots and retries first, then wait

    int WaitMs = 1000;
    for (const auto &T : Backoff) {
      auto Due = std::chrono::duration_cast<std::chrono::milliseconds>(
                     T->RetryAt - Clock::now())
                     .count() +
                 1;
      WaitMs = int(std::max<int64_t>(0, std::min<int64_t>(WaitMs, Due)));
    }
    curl_multi_poll(Multi, nullptr, 0, WaitMs, nullptr);
  }

  // Callbacks of cancelled requests may have submitted more; end those too.
  for (;;) {
    std::deque<std::unique_ptr<Transfer>> New;
    {
      std::lock_guard<std::mutex> Lock(M);
      New.swap(Incoming);
    }
    if (New.empty())
      break;
    for (auto &T : New)
      fail(std::move(T), ChatFailure::Cancelled, "cancelled");
  }
}

static void *driverMain(void *Arg) {
  static_cast<OpenAIClient::Impl *>(Arg)->run();
  return nullptr;
}

OpenAIClient::OpenAIClient(std::unique_ptr<Impl> I) : I(std::move(I)) {}

Expected<std::unique_ptr<OpenAIClient>>
OpenAIClient::create(EndpointSettings Settings, PriceTable Prices) {
  static const CURLcode GlobalInit = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (GlobalInit != CURLE_OK)
    return createStringError(inconvertibleErrorCode(),
                             "libcurl could not be initialised: %s",
                             curl_easy_strerror(GlobalInit));
  if (!(Settings.RequestTimeoutSeconds > 0))
    return createStringError(inconvertibleErrorCode(),
                             "the request timeout must be positive");
  auto I = std::make_unique<Impl>();
  I->Settings = std::move(Settings);
  I->Prices = std::move(Prices);
  I->Endpoint = displayed(I->Settings.URL);
  I->URL = StringRef(I->Settings.URL).rtrim('/').str() + "/chat/completions";
  I->Multi = curl_multi_init();
  if (!I->Multi)
    return createStringError(inconvertibleErrorCode(),
                             "libcurl could not create a multi handle");
  for (const char *H :
       {"Content-Type: application/json", "Accept: application/json",
        // Large prompts must not wait for 100-continue.
        "Expect:"})
    I->Headers = curl_slist_append(I->Headers, H);
  if (!I->Settings.ApiKey.empty()) {
    std::string Auth = "Authorization: Bearer " + I->Settings.ApiKey;
    I->Headers = curl_slist_append(I->Headers, Auth.c_str());
    explicit_bzero(Auth.data(), Auth.size());
  }
  if (!I->Headers)
    return createStringError(inconvertibleErrorCode(),
                             "out of memory building the request headers");

  if (Error E =
          startDriverThread(I->Driver, driverMain, I.get(), "chat client"))
    return E;
  I->DriverStarted = true;
  return std::unique_ptr<OpenAIClient>(new OpenAIClient(std::move(I)));
}

OpenAIClient::~OpenAIClient() {
  if (!I->DriverStarted)
    return;
  {
    std::lock_guard<std::mutex> Lock(I->M);
    I->Stopping = true;
  }
  curl_multi_wakeup(I->Multi);
  pthread_join(I->Driver, nullptr);
}

void OpenAIClient::submit(ChatRequest Request, ChatCallback Done) {
  auto T = std::make_unique<Transfer>();
  T->Submitted = Clock::now();
  T->Body = wire::requestBody(Request);
  T->Record.Id = Request.Id;
  T->Record.Model = Request.Model.Name;
  T->Record.RequestBody = T->Body;
  T->Request = std::move(Request);
  T->Done = std::move(Done);
  ++I->Pending;
  {
    std::lock_guard<std::mutex> Lock(I->M);
    T->Seq = I->NextSeq++;
    I->Incoming.push_back(std::move(T));
  }
  curl_multi_wakeup(I->Multi);
}

void OpenAIClient::cancelAll() {
  std::unique_lock<std::mutex> Lock(I->M);
  uint64_t Mark = I->NextSeq;
  I->CancelBelow = std::max(I->CancelBelow, Mark);
  bool OnDriver = pthread_equal(pthread_self(), I->Driver);
  Lock.unlock();
  curl_multi_wakeup(I->Multi);
  if (OnDriver)
    return;
  Lock.lock();
  I->CancelHandled.wait(Lock, [&] { return I->CancelledBelow >= Mark; });
}

size_t OpenAIClient::pending() const { return I->Pending.load(); }

} // namespace generate
} // namespace adrs
