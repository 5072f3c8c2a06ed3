//===- ChatSettingsTest.cpp - Prices, settings, and the plain prompt ------===//

#include "adrs/Generate/Chat.h"
#include "adrs/Generate/Pricing.h"
#include "adrs/Spec/Spec.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdlib>

using namespace adrs;
using namespace adrs::generate;

namespace {

TEST(PricingTest, ExactDatedAndProviderNames) {
  PriceTable T = PriceTable::defaults();
  std::optional<ModelPrice> P = T.lookup("gpt-4o");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 2.50);
  EXPECT_EQ(P->OutputPerMillion, 10.00);
  // A dated snapshot takes its model's price, not a shorter name's.
  P = T.lookup("gpt-4o-mini-2024-07-18");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 0.15);
  P = T.lookup("claude-sonnet-4-20250514");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->OutputPerMillion, 15.00);
  P = T.lookup("claude-opus-4-5-20251101");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 5.00);
  P = T.lookup("claude-opus-4-1-20250805");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 15.00);
  // OpenRouter's and Gemini's prefixes, tags, case.
  P = T.lookup("openai/o3");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->OutputPerMillion, 8.00);
  P = T.lookup("anthropic/claude-3.5-sonnet");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 3.00);
  P = T.lookup("models/gemini-2.5-flash");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->OutputPerMillion, 2.50);
  P = T.lookup("deepseek-chat:latest");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 0.28);
  P = T.lookup("GPT-4.1-Mini");
  ASSERT_TRUE(P);
  EXPECT_EQ(P->InputPerMillion, 0.40);
}

TEST(PricingTest, OtherModelsStayUnpriced) {
  PriceTable T = PriceTable::defaults();
  // Another model of the family, with another price: not guessed.
  EXPECT_FALSE(T.lookup("gpt-5-pro"));
  EXPECT_FALSE(T.lookup("o3-deep-research"));
  EXPECT_FALSE(T.lookup("gpt-4"));
  EXPECT_FALSE(T.lookup("qwen2.5-coder:7b"));
  EXPECT_FALSE(T.lookup(""));
  Cost C = T.cost("llama-3.1-8b-instruct", 1000, 1000);
  EXPECT_FALSE(C.Priced);
  EXPECT_EQ(C.USD, 0);
}

TEST(PricingTest, CostAndOverrides) {
  PriceTable T = PriceTable::defaults();
  Cost C = T.cost("gpt-4.1", 1'000'000, 500'000);
  EXPECT_TRUE(C.Priced);
  EXPECT_DOUBLE_EQ(C.USD, 2.00 + 4.00);
  T.set("gpt-4.1", {1.0, 4.0});
  EXPECT_DOUBLE_EQ(T.cost("gpt-4.1-2025-04-14", 1'000'000, 0).USD, 1.0);
  T.set("qwen2.5-coder", {0, 0});
  C = T.cost("qwen2.5-coder:7b", 5000, 5000);
  EXPECT_TRUE(C.Priced);
  EXPECT_EQ(C.USD, 0);
  PriceTable Empty;
  EXPECT_EQ(Empty.size(), 0u);
  EXPECT_FALSE(Empty.cost("gpt-4o", 1, 1).Priced);
}

TEST(ChatTest, PlainTextPrompt) {
  std::vector<ChatMessage> M = {{ChatMessage::Role::System, "Be brief."},
                                {ChatMessage::Role::User, "Fix it.\n"},
                                {ChatMessage::Role::Assistant, "Done"},
                                {ChatMessage::Role::User, ""}};
  EXPECT_EQ(renderPlainText(M), "### System\n\nBe brief.\n\n"
                                "### User\n\nFix it.\n\n"
                                "### Assistant\n\nDone\n\n"
                                "### User\n\n");
  EXPECT_EQ(renderPlainText({}), "");
}

TEST(ChatTest, Redaction) {
  std::string Key = "sk-abcdefghijklmnop";
  EXPECT_EQ(redact("key " + Key + " and " + Key + ".", Key),
            "key [redacted] and [redacted].");
  EXPECT_EQ(redact("nothing here", Key), "nothing here");
  // Too short to be a key worth hiding, too common to replace.
  EXPECT_EQ(redact("a b c", "a"), "a b c");
  EXPECT_EQ(redact("text", ""), "text");
}

TEST(ChatTest, ReasoningParameters) {
  ModelSettings M;
  for (const char *Name : {"o1", "o3", "o3-mini", "o4-mini", "openai/o3",
                           "gpt-5", "gpt-5-mini", "O3-2025-04-16"}) {
    M.Name = Name;
    EXPECT_TRUE(usesReasoningParameters(M)) << Name;
  }
  for (const char *Name : {"gpt-4o", "gpt-4.1", "orca-mini", "o", "claude-3",
                           "deepseek-reasoner", "gpt-50x"}) {
    M.Name = Name;
    EXPECT_FALSE(usesReasoningParameters(M)) << Name;
  }
  M.Name = "deepseek-reasoner";
  M.ReasoningEffort = "low";
  EXPECT_TRUE(usesReasoningParameters(M));
}

TEST(ChatTest, FailureKinds) {
  EXPECT_TRUE(isRetryable(ChatFailure::Timeout));
  EXPECT_TRUE(isRetryable(ChatFailure::Connection));
  EXPECT_TRUE(isRetryable(ChatFailure::RateLimited));
  EXPECT_TRUE(isRetryable(ChatFailure::ServerError));
  for (ChatFailure F : {ChatFailure::BadResponse, ChatFailure::ReplyTooLarge,
                        ChatFailure::Truncated, ChatFailure::Unauthorized,
                        ChatFailure::Forbidden, ChatFailure::NotFound,
                        ChatFailure::BadRequest, ChatFailure::Cancelled})
    EXPECT_FALSE(isRetryable(F)) << toString(F).str();
  EXPECT_TRUE(isFatal(ChatFailure::Unauthorized));
  EXPECT_TRUE(isFatal(ChatFailure::Forbidden));
  EXPECT_TRUE(isFatal(ChatFailure::NotFound));
  EXPECT_FALSE(isFatal(ChatFailure::BadRequest));
  EXPECT_FALSE(isFatal(ChatFailure::RateLimited));
  EXPECT_EQ(toString(ChatFailure::RateLimited), "rate_limited");

  llvm::Error E = llvm::make_error<ChatError>(
      ChatFailure::NotFound, "model 'x' at y: HTTP 404", ChatResponse());
  EXPECT_EQ(llvm::toString(std::move(E)), "model 'x' at y: HTTP 404");
}

TEST(ChatTest, SettingsFromTheSpec) {
  spec::GeneratorSpec G;
  G.Kind = spec::GeneratorKind::LLM;
  G.Endpoint = "http://127.0.0.1:8080/v1";
  G.ApiKeyEnv = "ADRS_TEST_CHAT_KEY";
  G.Models = {{"o3", 0.2, std::nullopt}, {"gemini-2.5-pro", 0.8, 0.9}};
  G.Temperature = 0.6;
  G.MaxTokens = 8192;
  G.Concurrency = 16;
  G.Retries = 5;
  G.RequestTimeoutSeconds = 3;

  EndpointSettings E = endpointSettings(G, "secret-key-123456");
  EXPECT_EQ(E.URL, "http://127.0.0.1:8080/v1");
  EXPECT_EQ(E.ApiKey, "secret-key-123456");
  EXPECT_EQ(E.RequestTimeoutSeconds, 3);
  EXPECT_EQ(E.ConnectTimeoutSeconds, 3);
  EXPECT_EQ(E.Retries, 5u);
  EXPECT_EQ(E.MaxInFlight, 16u);
  EXPECT_EQ(E.Proxy, "");

  std::vector<ModelSettings> M = modelSettings(G);
  ASSERT_EQ(M.size(), 2u);
  EXPECT_EQ(M[0].Name, "o3");
  EXPECT_EQ(M[0].Weight, 0.2);
  EXPECT_EQ(M[0].Temperature, 0.6);
  EXPECT_EQ(M[0].MaxTokens, 8192u);
  EXPECT_FALSE(M[0].ReasoningEffort);
  EXPECT_EQ(M[1].Temperature, 0.9);

  ::unsetenv("ADRS_TEST_CHAT_KEY");
  EXPECT_FALSE(readApiKey(G));
  ::setenv("ADRS_TEST_CHAT_KEY", "  ", 1);
  EXPECT_FALSE(readApiKey(G));
  ::setenv("ADRS_TEST_CHAT_KEY", "sk-from-the-environment\n", 1);
  EXPECT_EQ(readApiKey(G).value_or(""), "sk-from-the-environment");
  ::unsetenv("ADRS_TEST_CHAT_KEY");
}

// Runs in a child started by TakeApiKeyWipesTheEnvironmentBlock, with the
// key in its initial environment: the bytes /proc/self/environ shows.
TEST(ChatTest, DISABLED_TakeApiKeyInAFreshProcess) {
  // Given reversed, so that only the variable taken holds the key itself.
  const char *Reversed = std::getenv("ADRS_TEST_EXPECTED_KEY");
  ASSERT_TRUE(Reversed);
  std::string Key(Reversed);
  std::reverse(Key.begin(), Key.end());
  const char *Expected = Key.c_str();
  spec::GeneratorSpec G;
  G.ApiKeyEnv = "ADRS_TEST_TAKEN_KEY";
  auto Environ = [] {
    auto Buffer = llvm::MemoryBuffer::getFileAsStream("/proc/self/environ");
    return Buffer ? (*Buffer)->getBuffer().str() : std::string();
  };
  ASSERT_NE(Environ().find(Expected), std::string::npos);
  EXPECT_EQ(takeApiKey(G).value_or(""), Expected);
  EXPECT_FALSE(std::getenv("ADRS_TEST_TAKEN_KEY"));
  EXPECT_EQ(Environ().find(Expected), std::string::npos);
  // Other variables are untouched.
  EXPECT_NE(std::getenv("ADRS_TEST_EXPECTED_KEY"), nullptr);
}

TEST(ChatTest, TakeApiKeyWipesTheEnvironmentBlock) {
  std::string Self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  ASSERT_FALSE(Self.empty());
  std::string Key = "sk-taken-0123456789abcdef";
  std::string Taken = "ADRS_TEST_TAKEN_KEY=" + Key;
  std::string Expected =
      "ADRS_TEST_EXPECTED_KEY=" + std::string(Key.rbegin(), Key.rend());
  llvm::StringRef Args[] = {Self,
                            "--gtest_filter=ChatTest.DISABLED_"
                            "TakeApiKeyInAFreshProcess",
                            "--gtest_also_run_disabled_tests"};
  llvm::StringRef Env[] = {Taken, Expected};
  std::string Error;
  std::optional<llvm::StringRef> Quiet[] = {
      llvm::StringRef(""), llvm::StringRef(""), llvm::StringRef("")};
  int Code = llvm::sys::ExecuteAndWait(Self, Args, llvm::ArrayRef(Env), Quiet,
                                       60, 0, &Error);
  EXPECT_EQ(Code, 0) << Error;
}

} // namespace
