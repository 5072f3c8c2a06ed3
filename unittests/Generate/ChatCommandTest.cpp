//===- ChatCommandTest.cpp - The command generator's transport ------------===//
//
// Real shell commands stand in for a user's program: what it reads, what
// it sees of adrsc's environment, and each way it can end -- a reply,
// silence, a failing exit, a hang, a flood of output, a background child
// left behind, cancellation.
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/ChatCommand.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <signal.h>
#include <thread>

using namespace adrs;
using namespace adrs::generate;
using llvm::StringRef;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point Start) {
  return std::chrono::duration<double>(Clock::now() - Start).count();
}

ChatRequest request(std::string Prompt = "Improve the region.") {
  ChatRequest R;
  R.Id = 9;
  R.Model.Name = "local-agent";
  R.Model.Temperature = 0.25;
  R.Model.MaxTokens = 512;
  R.Seed = 11;
  R.Messages = {{ChatMessage::Role::System, "You improve C++ code."},
                {ChatMessage::Role::User, std::move(Prompt)}};
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

struct Failure {
  bool Succeeded = false;
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
        F.Kind = E.failure();
        F.Fatal = E.fatal();
        F.Message = E.message();
        F.Record = E.record();
      },
      [&](const llvm::ErrorInfoBase &E) { F.Message = E.message(); });
  return F;
}

class ChatCommandTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("adrs-chat-command", Dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }

  std::string file(StringRef Name) {
    llvm::SmallString<256> P(Dir);
    llvm::sys::path::append(P, Name);
    return std::string(P);
  }

  CommandSettings settings(std::string Command) {
    CommandSettings S;
    S.Command = std::move(Command);
    S.TimeoutSeconds = 20;
    S.Retries = 0;
    S.BackoffBaseSeconds = 0.01;
    S.BackoffMaxSeconds = 0.02;
    S.WorkingDirectory = std::string(Dir);
    return S;
  }

  std::unique_ptr<CommandTransport> transport(CommandSettings S) {
    auto T = CommandTransport::create(std::move(S));
    if (!T) {
      ADD_FAILURE() << llvm::toString(T.takeError());
      return nullptr;
    }
    return std::move(*T);
  }

  llvm::SmallString<256> Dir;
};

TEST_F(ChatCommandTest, ThePromptOnStdinTheReplyFromStdout) {
  auto T = transport(settings("cat"));
  ASSERT_TRUE(T);
  llvm::Expected<ChatResponse> R = call(*T, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "### System\n\nYou improve C++ code.\n\n"
                        "### User\n\nImprove the region.\n");
  EXPECT_EQ(R->RequestBody, R->Content);
  EXPECT_EQ(R->ResponseBody, R->Content);
  EXPECT_EQ(R->Id, 9u);
  EXPECT_EQ(R->Model, "local-agent");
  EXPECT_EQ(R->Attempts, 1u);
  EXPECT_FALSE(R->Priced);
  EXPECT_EQ(R->CostUSD, 0);
}

TEST_F(ChatCommandTest, LargePromptAndACommandThatDoesNotRead) {
  std::string Big(3 << 20, 'x');
  auto Count = transport(settings("wc -c"));
  ASSERT_TRUE(Count);
  llvm::Expected<ChatResponse> R = call(*Count, request(Big));
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(StringRef(R->Content).trim(),
            std::to_string(renderPlainText(request(Big).Messages).size()));

  auto Ignore = transport(settings("echo ignored"));
  ASSERT_TRUE(Ignore);
  llvm::Expected<ChatResponse> I = call(*Ignore, request(Big));
  ASSERT_TRUE(bool(I)) << llvm::toString(I.takeError());
  EXPECT_EQ(I->Content, "ignored\n");
}

TEST_F(ChatCommandTest, MinimalEnvironment) {
  ::setenv("ADRS_TEST_SECRET_KEY", "sk-should-never-be-seen-1234567890", 1);
  ::setenv("ADRS_TEST_PASSED_ON", "passed-on-value", 1);
  CommandSettings S = settings("env");
  S.Environment = {"EXTRA=set here", "ADRS_TEST_PASSED_ON",
                   "ADRS_TEST_UNSET_VARIABLE"};
  auto T = transport(S);
  ::unsetenv("ADRS_TEST_SECRET_KEY");
  ::unsetenv("ADRS_TEST_PASSED_ON");
  ASSERT_TRUE(T);
  llvm::Expected<ChatResponse> R = call(*T, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  StringRef Env = R->Content;
  EXPECT_EQ(Env.find("sk-should-never-be-seen"), StringRef::npos) << Env.str();
  EXPECT_NE(Env.find("PATH="), StringRef::npos) << Env.str();
  EXPECT_NE(Env.find("ADRS_MODEL=local-agent\n"), StringRef::npos);
  EXPECT_NE(Env.find("ADRS_REQUEST_ID=9\n"), StringRef::npos);
  EXPECT_NE(Env.find("ADRS_TEMPERATURE=0.25\n"), StringRef::npos);
  EXPECT_NE(Env.find("ADRS_MAX_TOKENS=512\n"), StringRef::npos);
  EXPECT_NE(Env.find("ADRS_SEED=11\n"), StringRef::npos);
  EXPECT_NE(Env.find("EXTRA=set here\n"), StringRef::npos);
  EXPECT_NE(Env.find("ADRS_TEST_PASSED_ON=passed-on-value\n"), StringRef::npos);
  EXPECT_EQ(Env.find("ADRS_TEST_UNSET_VARIABLE"), StringRef::npos);
  // Nothing beyond what is listed.
  llvm::SmallVector<StringRef, 16> Lines;
  Env.split(Lines, '\n', -1, false);
  for (StringRef Line : Lines) {
    StringRef Name = Line.split('=').first;
    bool Known = Name == "PATH" || Name == "HOME" || Name == "LANG" ||
                 Name == "PWD" || Name == "SHLVL" || Name == "_" ||
                 Name == "EXTRA" || Name.startswith("ADRS_");
    EXPECT_TRUE(Known) << Line.str();
  }
}

TEST_F(ChatCommandTest, FailingExitIsRetriedWithStderr) {
  std::string Counter = file("count");
  CommandSettings S = settings("echo run >> '" + Counter +
                               "'; echo 'boom: no model' >&2; exit 3");
  S.Retries = 2;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  ASSERT_FALSE(F.Succeeded);
  EXPECT_EQ(F.Kind, ChatFailure::ServerError);
  EXPECT_FALSE(F.Fatal);
  EXPECT_NE(F.Message.find("exited with status 3: boom: no model"),
            std::string::npos)
      << F.Message;
  EXPECT_NE(F.Message.find("(model 'local-agent')"), std::string::npos);
  EXPECT_NE(F.Message.find("after 3 attempts"), std::string::npos);
  EXPECT_EQ(F.Record.Attempts, 3u);
  auto Runs = llvm::MemoryBuffer::getFile(Counter);
  ASSERT_TRUE(bool(Runs));
  EXPECT_EQ((*Runs)->getBuffer(), "run\nrun\nrun\n");
}

TEST_F(ChatCommandTest, SucceedsOnTheSecondAttempt) {
  std::string Flag = file("flag");
  CommandSettings S =
      settings("if [ -e '" + Flag + "' ]; then echo fixed; else touch '" +
               Flag + "'; exit 1; fi");
  S.Retries = 1;
  auto T = transport(S);
  ASSERT_TRUE(T);
  llvm::Expected<ChatResponse> R = call(*T, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "fixed\n");
  EXPECT_EQ(R->Attempts, 2u);
}

TEST_F(ChatCommandTest, SilenceIsABadResponse) {
  auto T = transport(settings("echo 'thinking...' >&2"));
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  EXPECT_EQ(F.Kind, ChatFailure::BadResponse);
  EXPECT_NE(F.Message.find("printed nothing on stdout: thinking..."),
            std::string::npos)
      << F.Message;
}

TEST_F(ChatCommandTest, MissingCommandIsFatal) {
  CommandSettings S = settings("adrs-no-such-program-anywhere");
  S.Retries = 3;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  EXPECT_EQ(F.Kind, ChatFailure::NotFound);
  EXPECT_TRUE(F.Fatal);
  EXPECT_EQ(F.Record.Attempts, 1u);
  EXPECT_NE(F.Message.find("not found"), std::string::npos) << F.Message;
}

TEST_F(ChatCommandTest, MissingWorkingDirectoryIsFatal) {
  CommandSettings S = settings("cat");
  S.WorkingDirectory = file("no-such-directory");
  S.Retries = 3;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  EXPECT_EQ(F.Kind, ChatFailure::NotFound);
  EXPECT_TRUE(F.Fatal);
  EXPECT_EQ(F.Record.Attempts, 1u);
  EXPECT_NE(F.Message.find("no-such-directory"), std::string::npos)
      << F.Message;
}

TEST_F(ChatCommandTest, HangIsKilledAtTheTimeout) {
  std::string Pids = file("pids");
  CommandSettings S = settings("sleep 60 & echo $! > '" + Pids + "'; sleep 60");
  S.TimeoutSeconds = 0.5;
  S.Retries = 1;
  auto T = transport(S);
  ASSERT_TRUE(T);
  auto Start = Clock::now();
  Failure F = failure(call(*T, request()));
  double Took = since(Start);
  EXPECT_EQ(F.Kind, ChatFailure::Timeout);
  EXPECT_NE(F.Message.find("within 0.5s"), std::string::npos) << F.Message;
  EXPECT_EQ(F.Record.Attempts, 2u);
  EXPECT_GE(Took, 0.95);
  EXPECT_LT(Took, 30);
  // The background sleep of the last attempt went with its group: it is
  // gone or a zombie waiting for its new parent.
  auto Pid = llvm::MemoryBuffer::getFile(Pids);
  ASSERT_TRUE(bool(Pid));
  int Number = 0;
  ASSERT_FALSE((*Pid)->getBuffer().trim().getAsInteger(10, Number));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::ifstream Stat("/proc/" + std::to_string(Number) + "/stat");
  std::string Line;
  if (std::getline(Stat, Line)) {
    EXPECT_NE(Line.find(") Z"), std::string::npos) << Line;
  }
}

TEST_F(ChatCommandTest, BackgroundChildDoesNotHoldTheReply) {
  auto T = transport(settings("sleep 60 & echo done"));
  ASSERT_TRUE(T);
  auto Start = Clock::now();
  llvm::Expected<ChatResponse> R = call(*T, request());
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Content, "done\n");
  EXPECT_LT(since(Start), 30);
}

TEST_F(ChatCommandTest, FloodOfOutputIsStopped) {
  CommandSettings S = settings("yes 'many lines'");
  S.MaxReplyBytes = 1 << 20;
  S.Retries = 2;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  EXPECT_EQ(F.Kind, ChatFailure::ReplyTooLarge);
  EXPECT_EQ(F.Record.Attempts, 1u);
  EXPECT_LE(F.Record.ResponseBody.size(), size_t(1 << 20));
  EXPECT_NE(F.Message.find("more than 1048576 bytes"), std::string::npos)
      << F.Message;
}

TEST_F(ChatCommandTest, StderrIsCapped) {
  CommandSettings S = settings("head -c 500000 /dev/zero | tr '\\0' e >&2; "
                               "echo 'the end' >&2; exit 1");
  S.MaxStderrBytes = 1000;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Failure F = failure(call(*T, request()));
  EXPECT_EQ(F.Kind, ChatFailure::ServerError);
  EXPECT_LT(F.Message.size(), 1000u);
  EXPECT_NE(F.Message.find("the end"), std::string::npos) << F.Message;
}

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

TEST_F(ChatCommandTest, CommandsRunConcurrently) {
  auto T = transport(settings("sleep 1; echo ok"));
  ASSERT_TRUE(T);
  Results All;
  auto Start = Clock::now();
  for (int I = 0; I < 8; ++I)
    T->submit(request(), All.callback());
  ASSERT_TRUE(All.waitFor(8, 60));
  for (const Failure &F : All.Got)
    EXPECT_TRUE(F.Succeeded) << F.Message;
  EXPECT_LT(since(Start), 6) << "8 commands of 1s, one at a time, take 8s";
}

TEST_F(ChatCommandTest, CancelAllKillsRunningCommands) {
  std::string Started = file("started");
  CommandSettings S = settings("echo x >> '" + Started + "'; sleep 60");
  S.TimeoutSeconds = 120;
  auto T = transport(S);
  ASSERT_TRUE(T);
  Results All;
  for (int I = 0; I < 3; ++I)
    T->submit(request(), All.callback());
  for (int Tries = 0; Tries < 500; ++Tries) {
    auto Buffer = llvm::MemoryBuffer::getFile(Started);
    if (Buffer && (*Buffer)->getBuffer().size() >= 6)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto Start = Clock::now();
  T->cancelAll();
  EXPECT_LT(since(Start), 5);
  ASSERT_EQ(All.size(), 3u);
  for (const Failure &F : All.Got)
    EXPECT_EQ(F.Kind, ChatFailure::Cancelled) << F.Message;
  EXPECT_EQ(T->pending(), 0u);

  // Destruction with commands running ends them the same way.
  Results More;
  T->submit(request(), More.callback());
  T->submit(request(), More.callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Start = Clock::now();
  T.reset();
  EXPECT_LT(since(Start), 5);
  ASSERT_EQ(More.size(), 2u);
  for (const Failure &F : More.Got)
    EXPECT_EQ(F.Kind, ChatFailure::Cancelled) << F.Message;
}

TEST_F(ChatCommandTest, BadSettings) {
  auto Empty = CommandTransport::create(settings("  "));
  ASSERT_FALSE(bool(Empty));
  EXPECT_NE(llvm::toString(Empty.takeError()).find("empty"), std::string::npos);
  CommandSettings S = settings("cat");
  S.Environment = {"=value"};
  auto Malformed = CommandTransport::create(S);
  ASSERT_FALSE(bool(Malformed));
  EXPECT_NE(llvm::toString(Malformed.takeError()).find("'=value'"),
            std::string::npos);
  S = settings("cat");
  S.TimeoutSeconds = 0;
  auto NoTimeout = CommandTransport::create(S);
  ASSERT_FALSE(bool(NoTimeout));
  llvm::consumeError(NoTimeout.takeError());
}

} // namespace
