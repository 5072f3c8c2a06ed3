//===- ChatClientTest.cpp - The OpenAI-compatible client ------------------===//
//
// Every outcome the client documents, produced by the scripted server of
// test/Inputs/fake-llm-server.py: replies, faults, retries, timeouts,
// cancellation, concurrency, and where the API key may and may not appear.
// Timings are checked with generous bounds only: they tell a retry that
// waited from one that did not, a hung request that ended from one that did
// not, never how fast the machine is.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/ChatOpenAI.h"

#include "../Common/FakeLLMServer.h"

#include "llvm/ADT/StringExtras.h"

#include "gtest/gtest.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace adrs;
using namespace adrs::generate;
using adrs::testing::FakeLLMServer;
using llvm::StringRef;

namespace {

const char *Key = "sk-test-4f9a8c7e6d5b4a39281706f5e4d3c2b1";

using Clock = std::chrono::steady_clock;

double since(Clock::time_point Start) {
  return std::chrono::duration<double>(Clock::now() - Start).count();
}

ChatRequest request(std::string Model = "gpt-4o-mini",
                    std::string Prompt = "Improve the region.") {
  ChatRequest R;
  R.Id = 42;
  R.Model.Name = std::move(Model);
  R.Model.Temperature = 0.5;
  R.Model.MaxTokens = 256;
  R.Messages = {{ChatMessage::Role::System, "You improve C++ code."},
                {ChatMessage::Role::User, std::move(Prompt)}};
  R.Seed = 7;
  return R;
}

llvm::Expected<ChatResponse> call(ChatTransport &T, ChatRequest R) {
  std::promise<llvm::Expected<ChatResponse>> Result;
  auto Future = Result.get_future();
  T.submit(std::move(R), [&](llvm::Expected<ChatResponse> Got) {
    Result.set_value(std::move(Got));
  });
  return Future.get();
}

/// What a failed request came to.
struct Failure {
  bool Succeeded = false;
  bool IsChatError = false;
  ChatFailure Kind = ChatFailure::Cancelled;
  bool Fatal = false;
  std::string Message;
  ChatResponse Record;
};

Failure failure(llvm::Expected<ChatResponse> R) {
  Failure F;
  if (R) {
    F.Succeeded = true;
    F.Message = "succeeded with: " + R->Content;
    return F;
  }
  llvm::handleAllErrors(
      R.takeError(),
      [&](const ChatError &E) {
        F.IsChatError = true;
        F.Kind = E.failure();
        F.Fatal = E.fatal();
        F.Message = E.message();
        F.Record = E.record();
      },
      [&](const llvm::ErrorInfoBase &E) { F.Message = E.message(); });
  return F;
}

void expectNoKey(const ChatResponse &R, const std::string &Message = "") {
  EXPECT_EQ(R.RequestBody.find(Key), std::string::npos) << R.RequestBody;
  EXPECT_EQ(R.ResponseBody.find(Key), std::string::npos) << R.ResponseBody;
  EXPECT_EQ(Message.find(Key), std::string::npos) << Message;
}

const llvm::json::Object *headersOf(const llvm::json::Value &Request) {
  const llvm::json::Object *O = Request.getAsObject();
  return O ? O->getObject("headers") : nullptr;
}

class ChatClientTest : public ::testing::Test {
protected:
  /// One server for the whole suite: each test loads its own script, which
  /// also empties the request log.
  static std::unique_ptr<FakeLLMServer> Shared;

  static void TearDownTestSuite() { Shared.reset(); }

  FakeLLMServer *serve(StringRef Script) {
    std::string Error;
    if (!Shared) {
      Shared = FakeLLMServer::start(Script, Error);
      if (!Shared)
        ADD_FAILURE() << Error;
      return Shared.get();
    }
    if (!Shared->load(Script, Error)) {
      ADD_FAILURE() << Error;
      return nullptr;
    }
    return Shared.get();
  }

  EndpointSettings settings(const FakeLLMServer &S) {
    EndpointSettings E;
    E.URL = S.url();
    E.ApiKey = Key;
    E.RequestTimeoutSeconds = 10;
    E.ConnectTimeoutSeconds = 5;
    E.Retries = 0;
    E.BackoffBaseSeconds = 0.01;
    E.BackoffMaxSeconds = 0.05;
    return E;
  }

  std::unique_ptr<OpenAIClient> client(EndpointSettings E) {
    auto C = OpenAIClient::create(std::move(E));
    if (!C) {
      ADD_FAILURE() << llvm::toString(C.takeError());
      return nullptr;
    }
    return std::move(*C);
  }
};

std::unique_ptr<FakeLLMServer> ChatClientTest::Shared;

//===----------------------------------------------------------------------===//
// Replies
//===----------------------------------------------------------------------===//

TEST_F(ChatClientTest, ReplyWithUsageAndCost) {
  auto S =
      serve(R"({"steps": [{"reply": "<<<<<<< SEARCH", "usage": [1000, 2000],
                     "model": "gpt-4o-mini-2024-07-18"}]})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Id, 42u);
  EXPECT_EQ(R->Model, "gpt-4o-mini");
  EXPECT_EQ(R->ServedModel, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(R->Content, "<<<<<<< SEARCH");
  EXPECT_EQ(R->FinishReason, "stop");
  EXPECT_TRUE(R->HasUsage);
  EXPECT_EQ(R->PromptTokens, 1000u);
  EXPECT_EQ(R->CompletionTokens, 2000u);
  // gpt-4o-mini: $0.15 in, $0.60 out per million.
  EXPECT_TRUE(R->Priced);
  EXPECT_NEAR(R->CostUSD, (1000 * 0.15 + 2000 * 0.60) / 1e6, 1e-12);
  EXPECT_EQ(R->Attempts, 1u);
  EXPECT_EQ(R->HttpStatus, 200);
  EXPECT_GT(R->Seconds, 0);
  EXPECT_NE(R->ResponseBody.find("<<<<<<< SEARCH"), std::string::npos);
  expectNoKey(*R);

  // The body as recorded is the body the server got.
  std::vector<llvm::json::Value> Log = S->requests();
  ASSERT_EQ(Log.size(), 1u);
  const llvm::json::Object *Entry = Log[0].getAsObject();
  ASSERT_TRUE(Entry);
  EXPECT_EQ(Entry->getString("method").value_or(""), "POST");
  EXPECT_EQ(Entry->getString("path").value_or(""), "/v1/chat/completions");
  const llvm::json::Object *Body = Entry->getObject("body");
  ASSERT_TRUE(Body);
  llvm::Expected<llvm::json::Value> Recorded =
      llvm::json::parse(R->RequestBody);
  ASSERT_TRUE(bool(Recorded)) << llvm::toString(Recorded.takeError());
  EXPECT_EQ(*Recorded, llvm::json::Value(llvm::json::Object(*Body)));
  EXPECT_EQ(Body->getString("model").value_or(""), "gpt-4o-mini");
  EXPECT_EQ(Body->getNumber("temperature").value_or(-1), 0.5);
  EXPECT_EQ(Body->getInteger("max_tokens").value_or(-1), 256);
  EXPECT_EQ(Body->getInteger("seed").value_or(-1), 7);
  EXPECT_FALSE(Body->get("max_completion_tokens"));
  const llvm::json::Array *Messages = Body->getArray("messages");
  ASSERT_TRUE(Messages);
  ASSERT_EQ(Messages->size(), 2u);
  EXPECT_EQ((*Messages)[0].getAsObject()->getString("role").value_or(""),
            "system");
  EXPECT_EQ((*Messages)[1].getAsObject()->getString("content").value_or(""),
            "Improve the region.");

  // The key went as the Authorization header, and only there.
  const llvm::json::Object *Headers = headersOf(Log[0]);
  ASSERT_TRUE(Headers);
  EXPECT_EQ(Headers->getString("Authorization").value_or(""),
            std::string("Bearer ") + Key);
  EXPECT_EQ(Headers->getString("Content-Type").value_or(""),
            "application/json");
}

TEST_F(ChatClientTest, NoKeyNoAuthorizationHeader) {
  auto S = serve(R"({"default": {"reply": "ok"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.ApiKey.clear();
  auto C = client(E);
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  std::vector<llvm::json::Value> Log = S->requests();
  ASSERT_EQ(Log.size(), 1u);
  ASSERT_TRUE(headersOf(Log[0]));
  EXPECT_FALSE(headersOf(Log[0])->get("Authorization"));
}

TEST_F(ChatClientTest, ReasoningModelsGetTheirParameters) {
  auto S = serve(R"({"default": {"reply": "ok"}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  ChatRequest R = request("o4-mini");
  R.Model.ReasoningEffort = "high";
  ASSERT_TRUE(bool(call(*C, std::move(R))));
  std::vector<llvm::json::Value> Log = S->requests();
  ASSERT_EQ(Log.size(), 1u);
  const llvm::json::Object *Body = Log[0].getAsObject()->getObject("body");
  ASSERT_TRUE(Body);
  EXPECT_EQ(Body->getInteger("max_completion_tokens").value_or(-1), 256);
  EXPECT_FALSE(Body->get("max_tokens"));
  EXPECT_FALSE(Body->get("temperature"));
  EXPECT_EQ(Body->getString("reasoning_effort").value_or(""), "high");
}

TEST_F(ChatClientTest, UnpricedModelAndMissingUsage) {
  auto S = serve(R"({"steps": [{"reply": "a", "usage": [100, 50]},
                               {"reply": "b", "usage": null}]})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> A = call(*C, request("my-local-model"));
  ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
  EXPECT_FALSE(A->Priced);
  EXPECT_EQ(A->CostUSD, 0);
  EXPECT_EQ(A->PromptTokens, 100u);
  EXPECT_EQ(A->CompletionTokens, 50u);
  llvm::Expected<ChatResponse> B = call(*C, request());
  ASSERT_TRUE(bool(B)) << llvm::toString(B.takeError());
  EXPECT_FALSE(B->HasUsage);
  EXPECT_EQ(B->PromptTokens, 0u);
  EXPECT_EQ(B->CostUSD, 0);
}

TEST_F(ChatClientTest, InvalidUTF8InThePromptIsSent) {
  auto S = serve(R"({"default": {"echo": true}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R =
      call(*C, request("gpt-4o", std::string("bad \xff\xfe bytes")));
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_NE(R->Content.find("bad \xef\xbf\xbd"), std::string::npos)
      << R->Content;
}

TEST_F(ChatClientTest, ContentAsParts) {
  auto S = serve(
      R"({"default": {"raw": "{\"choices\": [{\"message\": {\"content\": [{\"type\": \"text\", \"text\": \"one \"}, {\"type\": \"text\", \"text\": \"two\"}]}, \"finish_reason\": \"stop\"}]}"}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "one two");
}

//===----------------------------------------------------------------------===//
// Replies that arrive but cannot be used: not retried
//===----------------------------------------------------------------------===//

TEST_F(ChatClientTest, InvalidJSON) {
  auto S = serve(R"({"default": {"raw": "<html>Bad gateway</html>"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 3;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::BadResponse);
  EXPECT_FALSE(F.Fatal);
  EXPECT_NE(F.Message.find("not JSON"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("Bad gateway"), std::string::npos) << F.Message;
  EXPECT_EQ(F.Record.ResponseBody, "<html>Bad gateway</html>");
  EXPECT_EQ(F.Record.Attempts, 1u);
  EXPECT_EQ(S->requests().size(), 1u);
}

TEST_F(ChatClientTest, DeeplyNestedReply) {
  // Parsing and freeing 400,000 levels must not exhaust the stack.
  std::string Deep = std::string(400000, '[') + std::string(400000, ']');
  auto S = serve(std::string(R"({"default": {"raw": ")") + Deep + "\"}}");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::BadResponse);
}

TEST_F(ChatClientTest, EmptyReply) {
  auto S = serve(R"({"default": {"reply": "  \n", "usage": [30, 1]}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::BadResponse);
  EXPECT_NE(F.Message.find("empty"), std::string::npos) << F.Message;
  // The tokens were paid for, so they are counted.
  EXPECT_EQ(F.Record.PromptTokens, 30u);
  EXPECT_GT(F.Record.CostUSD, 0);
}

TEST_F(ChatClientTest, MissingContentAndRefusal) {
  auto S = serve(R"({"steps": [
      {"raw": "{\"choices\": [{\"message\": {\"role\": \"assistant\"}}]}"},
      {"raw": "{\"choices\": []}"},
      {"raw": "{\"choices\": [{\"message\": {\"content\": null, \"refusal\": \"I cannot help\"}}]}"}]})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  Failure A = failure(call(*C, request()));
  EXPECT_EQ(A.Kind, ChatFailure::BadResponse);
  EXPECT_NE(A.Message.find("no content"), std::string::npos) << A.Message;
  Failure B = failure(call(*C, request()));
  EXPECT_EQ(B.Kind, ChatFailure::BadResponse);
  EXPECT_NE(B.Message.find("no choices"), std::string::npos) << B.Message;
  Failure R = failure(call(*C, request()));
  EXPECT_EQ(R.Kind, ChatFailure::BadResponse);
  EXPECT_NE(R.Message.find("refused: I cannot help"), std::string::npos)
      << R.Message;
}

TEST_F(ChatClientTest, TruncatedAtTheTokenLimit) {
  auto S = serve(R"({"default": {"reply": "int f() { return",
                                  "finish_reason": "length",
                                  "usage": [100, 256]}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 2;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::Truncated);
  EXPECT_FALSE(F.Fatal);
  EXPECT_NE(F.Message.find("token limit of 256"), std::string::npos)
      << F.Message;
  // The partial text and what it cost come with the error.
  EXPECT_EQ(F.Record.Content, "int f() { return");
  EXPECT_EQ(F.Record.FinishReason, "length");
  EXPECT_EQ(F.Record.CompletionTokens, 256u);
  EXPECT_TRUE(F.Record.Priced);
  EXPECT_GT(F.Record.CostUSD, 0);
  EXPECT_EQ(S->requests().size(), 1u);
}

TEST_F(ChatClientTest, HugeReplyIsCapped) {
  auto S = serve(R"({"default": {"huge": 3000000}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.MaxReplyBytes = 64 << 10;
  E.Retries = 2;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::ReplyTooLarge);
  EXPECT_NE(F.Message.find("65536 bytes"), std::string::npos) << F.Message;
  EXPECT_LE(F.Record.ResponseBody.size(), size_t(64 << 10));
  EXPECT_EQ(F.Record.Attempts, 1u);
}

//===----------------------------------------------------------------------===//
// Failures worth retrying
//===----------------------------------------------------------------------===//

TEST_F(ChatClientTest, RetryAfterSecondsIsHonoured) {
  auto S = serve(R"({"steps": [{"status": 429, "retry_after": "1"},
                               {"reply": "after the wait"}]})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 2;
  auto C = client(E);
  ASSERT_TRUE(C);
  auto Start = Clock::now();
  llvm::Expected<ChatResponse> R = call(*C, request());
  double Took = since(Start);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "after the wait");
  EXPECT_EQ(R->Attempts, 2u);
  // The backoff alone would be 10-50ms; the server asked for a second.
  EXPECT_GE(Took, 0.95);
  EXPECT_LT(Took, 30);
  EXPECT_EQ(S->requests().size(), 2u);
}

TEST_F(ChatClientTest, RetryAfterDateIsHonoured) {
  auto S = serve(R"({"steps": [{"status": 503, "retry_after_in": 2.5},
                               {"reply": "after the date"}]})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  auto Start = Clock::now();
  llvm::Expected<ChatResponse> R = call(*C, request());
  double Took = since(Start);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Attempts, 2u);
  // An HTTP date has whole seconds: 2.5s from now is 1 to 3 seconds away.
  EXPECT_GE(Took, 0.95);
  EXPECT_LT(Took, 30);
}

TEST_F(ChatClientTest, RetryAfterBeyondTheLimitGivesUp) {
  auto S = serve(R"({"default": {"status": 429, "retry_after": "3600",
                                  "error": "quota exceeded"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 3;
  E.MaxRetryAfterSeconds = 60;
  auto C = client(E);
  ASSERT_TRUE(C);
  auto Start = Clock::now();
  Failure F = failure(call(*C, request()));
  EXPECT_LT(since(Start), 30);
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::RateLimited);
  EXPECT_NE(F.Message.find("HTTP 429"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("quota exceeded"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("3600s"), std::string::npos) << F.Message;
  EXPECT_EQ(S->requests().size(), 1u);
}

TEST_F(ChatClientTest, ServerErrorsAreRetried) {
  auto S = serve(R"({"steps": [{"status": 500}, {"status": 502},
                               {"status": 503}, {"reply": "fourth time"}]})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 3;
  auto C = client(E);
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "fourth time");
  EXPECT_EQ(R->Attempts, 4u);
  EXPECT_EQ(S->requests().size(), 4u);
}

TEST_F(ChatClientTest, RetriesRunOut) {
  auto S = serve(R"({"default": {"status": 500, "error": "overloaded"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 2;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::ServerError);
  EXPECT_FALSE(F.Fatal);
  EXPECT_EQ(F.Record.Attempts, 3u);
  EXPECT_EQ(F.Record.HttpStatus, 500);
  EXPECT_NE(F.Message.find("model 'gpt-4o-mini' at " + S->url()),
            std::string::npos)
      << F.Message;
  EXPECT_NE(F.Message.find("HTTP 500"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("overloaded"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("after 3 attempts"), std::string::npos) << F.Message;
  EXPECT_EQ(S->requests().size(), 3u);
}

TEST_F(ChatClientTest, ErrorObjectInA200) {
  auto S = serve(
      R"({"default": {"raw": "{\"error\": {\"message\": \"upstream down\", \"code\": 502}}"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  EXPECT_EQ(F.Kind, ChatFailure::ServerError);
  EXPECT_NE(F.Message.find("upstream down"), std::string::npos) << F.Message;
  EXPECT_EQ(F.Record.Attempts, 2u);
}

TEST_F(ChatClientTest, ClosedConnectionIsRetried) {
  auto S = serve(R"({"steps": [{"close": true}, {"reply": "second"}]})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "second");
  EXPECT_EQ(R->Attempts, 2u);
}

TEST_F(ChatClientTest, TruncatedBodyIsAConnectionFailure) {
  auto S = serve(R"({"default": {"truncate": true}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::Connection);
  EXPECT_EQ(F.Record.Attempts, 2u);
  EXPECT_EQ(S->requests().size(), 2u);
}

TEST_F(ChatClientTest, ConnectionRefused) {
  // A port that was free a moment ago and has no listener.
  int Sock = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(Sock, 0);
  sockaddr_in Addr = {};
  Addr.sin_family = AF_INET;
  Addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(Sock, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)), 0);
  socklen_t Len = sizeof(Addr);
  ASSERT_EQ(::getsockname(Sock, reinterpret_cast<sockaddr *>(&Addr), &Len), 0);
  unsigned Port = ntohs(Addr.sin_port);
  ::close(Sock);

  EndpointSettings E;
  E.URL = "http://127.0.0.1:" + std::to_string(Port) + "/v1";
  E.ApiKey = Key;
  E.Retries = 2;
  E.BackoffBaseSeconds = 0.01;
  E.BackoffMaxSeconds = 0.02;
  auto C = client(E);
  ASSERT_TRUE(C);
  auto Start = Clock::now();
  Failure F = failure(call(*C, request()));
  EXPECT_LT(since(Start), 30);
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::Connection);
  EXPECT_FALSE(F.Fatal);
  EXPECT_EQ(F.Record.Attempts, 3u);
  EXPECT_EQ(F.Record.HttpStatus, 0);
  EXPECT_NE(F.Message.find(E.URL), std::string::npos) << F.Message;
  expectNoKey(F.Record, F.Message);
}

TEST_F(ChatClientTest, HungServerTimesOut) {
  auto S = serve(R"({"default": {"hang": true}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.RequestTimeoutSeconds = 0.5;
  E.Retries = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  auto Start = Clock::now();
  Failure F = failure(call(*C, request()));
  double Took = since(Start);
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::Timeout);
  EXPECT_NE(F.Message.find("timeout of 0.5s"), std::string::npos) << F.Message;
  EXPECT_EQ(F.Record.Attempts, 2u);
  // Two attempts of 0.5s each, and nothing like forever.
  EXPECT_GE(Took, 0.95);
  EXPECT_LT(Took, 30);
}

TEST_F(ChatClientTest, SlowReplyWithinTheTimeout) {
  auto S = serve(R"({"default": {"reply": "slow", "delay": 0.3}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_GE(R->Seconds, 0.25);
}

//===----------------------------------------------------------------------===//
// Failures that will not get better: not retried
//===----------------------------------------------------------------------===//

TEST_F(ChatClientTest, UnauthorizedIsFatalAndTheEchoedKeyRedacted) {
  std::string Script = std::string(R"({"default": {"status": 401, "error": )") +
                       "\"Incorrect API key provided: " + Key + "\"}}";
  auto S = serve(Script);
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 3;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request("gpt-4.1")));
  ASSERT_TRUE(F.IsChatError) << F.Message;
  EXPECT_EQ(F.Kind, ChatFailure::Unauthorized);
  EXPECT_TRUE(F.Fatal);
  EXPECT_EQ(F.Record.HttpStatus, 401);
  EXPECT_NE(F.Message.find("model 'gpt-4.1'"), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find(S->url()), std::string::npos) << F.Message;
  EXPECT_NE(F.Message.find("[redacted]"), std::string::npos) << F.Message;
  expectNoKey(F.Record, F.Message);
  EXPECT_EQ(S->requests().size(), 1u);
}

TEST_F(ChatClientTest, KeyEchoedInAReplyIsRedacted) {
  std::string Script =
      std::string(R"({"default": {"reply": "your key is )") + Key + "\"}}";
  auto S = serve(Script);
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  llvm::Expected<ChatResponse> R = call(*C, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "your key is [redacted]");
  expectNoKey(*R);
}

TEST_F(ChatClientTest, ForbiddenNotFoundAndBadRequest) {
  auto S = serve(R"({"steps": [
      {"status": 403, "error": "no access to this model"},
      {"status": 404, "error": "The model 'gpt-9' does not exist"},
      {"status": 400, "error": "Unsupported parameter: 'max_tokens'"},
      {"status": 402, "error": "Insufficient credits"}]})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 3;
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure Forbidden = failure(call(*C, request()));
  EXPECT_EQ(Forbidden.Kind, ChatFailure::Forbidden);
  EXPECT_TRUE(Forbidden.Fatal);
  EXPECT_NE(Forbidden.Message.find("no access"), std::string::npos);
  Failure Missing = failure(call(*C, request("gpt-9")));
  EXPECT_EQ(Missing.Kind, ChatFailure::NotFound);
  EXPECT_TRUE(Missing.Fatal);
  EXPECT_NE(Missing.Message.find("model 'gpt-9'"), std::string::npos);
  EXPECT_NE(Missing.Message.find("does not exist"), std::string::npos);
  Failure Bad = failure(call(*C, request()));
  EXPECT_EQ(Bad.Kind, ChatFailure::BadRequest);
  EXPECT_FALSE(Bad.Fatal);
  EXPECT_NE(Bad.Message.find("Unsupported parameter"), std::string::npos);
  Failure Broke = failure(call(*C, request()));
  EXPECT_EQ(Broke.Kind, ChatFailure::Forbidden);
  EXPECT_NE(Broke.Message.find("Insufficient credits"), std::string::npos);
  // None was retried.
  EXPECT_EQ(S->requests().size(), 4u);
}

TEST_F(ChatClientTest, WrongEndpointPathIsNotFound) {
  auto S = serve(R"({"default": {"reply": "never"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.URL = "http://127.0.0.1:" + std::to_string(S->port()) + "/v2/";
  auto C = client(E);
  ASSERT_TRUE(C);
  Failure F = failure(call(*C, request()));
  EXPECT_EQ(F.Kind, ChatFailure::NotFound);
  EXPECT_TRUE(F.Fatal);
}

//===----------------------------------------------------------------------===//
// Many requests, cancellation, shutdown
//===----------------------------------------------------------------------===//

/// Collects the results of many requests.
struct Results {
  std::mutex M;
  std::condition_variable CV;
  std::vector<Failure> Got;

  ChatCallback callback() {
    return [this](llvm::Expected<ChatResponse> R) {
      Failure F = failure(std::move(R));
      std::lock_guard<std::mutex> Lock(M);
      Got.push_back(std::move(F));
      CV.notify_all();
    };
  }
  bool waitFor(size_t N, double Seconds) {
    std::unique_lock<std::mutex> Lock(M);
    return CV.wait_for(Lock, std::chrono::duration<double>(Seconds),
                       [&] { return Got.size() >= N; });
  }
  size_t size() {
    std::lock_guard<std::mutex> Lock(M);
    return Got.size();
  }
};

TEST_F(ChatClientTest, SixteenRequestsRunConcurrently) {
  auto S = serve(R"({"default": {"reply": "ok", "delay": 1.0}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  Results All;
  auto Start = Clock::now();
  for (unsigned I = 0; I < 16; ++I) {
    ChatRequest R = request();
    R.Id = I;
    C->submit(std::move(R), All.callback());
  }
  ASSERT_TRUE(All.waitFor(16, 60));
  double Took = since(Start);
  for (const Failure &F : All.Got)
    EXPECT_TRUE(F.Succeeded) << F.Message;
  // One after the other would take 16s.
  EXPECT_LT(Took, 8) << "16 requests of 1s took " << Took << "s";
  EXPECT_EQ(C->pending(), 0u);
}

TEST_F(ChatClientTest, MaxInFlightQueuesTheRest) {
  auto S = serve(R"({"default": {"reply": "ok", "delay": 0.5}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.MaxInFlight = 1;
  auto C = client(E);
  ASSERT_TRUE(C);
  Results All;
  auto Start = Clock::now();
  for (unsigned I = 0; I < 3; ++I)
    C->submit(request(), All.callback());
  ASSERT_TRUE(All.waitFor(3, 60));
  // One at a time: at least three delays.
  EXPECT_GE(since(Start), 1.45);
  for (const Failure &F : All.Got)
    EXPECT_TRUE(F.Succeeded) << F.Message;
}

TEST_F(ChatClientTest, CancelAllEndsHungRequestsAtOnce) {
  auto S = serve(R"({"default": {"hang": true}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.RequestTimeoutSeconds = 120;
  auto C = client(E);
  ASSERT_TRUE(C);
  Results All;
  for (unsigned I = 0; I < 4; ++I)
    C->submit(request(), All.callback());
  // Wait until the server has all four.
  for (int Tries = 0; Tries < 500 && S->requests().size() < 4; ++Tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(S->requests().size(), 4u);
  auto Start = Clock::now();
  C->cancelAll();
  EXPECT_LT(since(Start), 5);
  // The callbacks ran before cancelAll() returned.
  ASSERT_EQ(All.size(), 4u);
  for (const Failure &F : All.Got) {
    EXPECT_EQ(F.Kind, ChatFailure::Cancelled) << F.Message;
    EXPECT_FALSE(F.Fatal);
  }
  EXPECT_EQ(C->pending(), 0u);

  // The client still works afterwards.
  auto S2 = serve(R"({"default": {"reply": "again"}})");
  ASSERT_TRUE(S2);
  E.URL = S2->url();
  auto C2 = client(E);
  ASSERT_TRUE(C2);
  llvm::Expected<ChatResponse> R = call(*C2, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
}

TEST_F(ChatClientTest, CancelAllAlsoEndsRequestsWaitingToRetry) {
  auto S = serve(R"({"default": {"status": 503, "retry_after": "100"}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.Retries = 5;
  auto C = client(E);
  ASSERT_TRUE(C);
  Results All;
  C->submit(request(), All.callback());
  for (int Tries = 0; Tries < 500 && S->requests().empty(); ++Tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  C->cancelAll();
  ASSERT_EQ(All.size(), 1u);
  EXPECT_EQ(All.Got[0].Kind, ChatFailure::Cancelled);
}

TEST_F(ChatClientTest, DestructionEndsEverythingAtOnce) {
  auto S = serve(R"({"default": {"hang": true}})");
  ASSERT_TRUE(S);
  EndpointSettings E = settings(*S);
  E.RequestTimeoutSeconds = 120;
  E.MaxInFlight = 2;
  auto C = client(E);
  ASSERT_TRUE(C);
  Results All;
  for (unsigned I = 0; I < 5; ++I) // two in flight, three queued
    C->submit(request(), All.callback());
  for (int Tries = 0; Tries < 500 && S->requests().size() < 2; ++Tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto Start = Clock::now();
  C.reset();
  EXPECT_LT(since(Start), 5);
  ASSERT_EQ(All.size(), 5u);
  for (const Failure &F : All.Got)
    EXPECT_EQ(F.Kind, ChatFailure::Cancelled) << F.Message;
}

TEST_F(ChatClientTest, CallbacksMaySubmitAgain) {
  auto S = serve(R"({"default": {"reply": "ok"}})");
  ASSERT_TRUE(S);
  auto C = client(settings(*S));
  ASSERT_TRUE(C);
  std::promise<unsigned> Finished;
  std::atomic<unsigned> Count{0};
  std::function<void(llvm::Expected<ChatResponse>)> Next;
  Next = [&](llvm::Expected<ChatResponse> R) {
    EXPECT_TRUE(bool(R));
    llvm::consumeError(R.takeError());
    if (++Count == 5) {
      Finished.set_value(Count);
      return;
    }
    C->submit(request(),
              [&](llvm::Expected<ChatResponse> R2) { Next(std::move(R2)); });
  };
  C->submit(request(),
            [&](llvm::Expected<ChatResponse> R) { Next(std::move(R)); });
  auto F = Finished.get_future();
  ASSERT_EQ(F.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(F.get(), 5u);
}

//===----------------------------------------------------------------------===//
// Proxies
//===----------------------------------------------------------------------===//

TEST_F(ChatClientTest, ProxyVariablesAreIgnoredUnlessAsked) {
  auto S = serve(R"({"default": {"reply": "direct"}})");
  ASSERT_TRUE(S);
  // A proxy nobody listens on: using it fails.
  ::setenv("http_proxy", "http://127.0.0.1:9", 1);
  ::setenv("no_proxy", "", 1);
  {
    auto C = client(settings(*S));
    ASSERT_TRUE(C);
    llvm::Expected<ChatResponse> R = call(*C, request());
    EXPECT_TRUE(bool(R)) << llvm::toString(R.takeError());
  }
  {
    EndpointSettings E = settings(*S);
    E.Proxy = "env";
    auto C = client(E);
    ASSERT_TRUE(C);
    Failure F = failure(call(*C, request()));
    EXPECT_EQ(F.Kind, ChatFailure::Connection) << F.Message;
  }
  ::unsetenv("http_proxy");
  ::unsetenv("no_proxy");
}

} // namespace
