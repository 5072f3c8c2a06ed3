//===- ChatThroughput.cpp - Requests per second through the chat client ---===//
//
// Sends N requests through OpenAIClient to test/Inputs/fake-llm-server.py,
// which answers each after a fixed delay, once for every concurrency given
// (the client's MaxInFlight), and prints requests per second side by side.
// With a 1s delay, concurrency C should approach C requests/s: the client
// waits on the server, never on itself. The same for CommandTransport with
// `sleep DELAY; echo ok` as the command, unless --no-command. "threads" is
// the process's thread count while the requests are in flight: the main
// thread and one driver thread, however many requests run.
//
//   build/bin/adrs-bench-chat [--requests 32] [--delay 1.0]
//                             [--concurrency 1,16] [--no-command]
//
//===----------------------------------------------------------------------===//

#include "adrs/Generate/ChatCommand.h"
#include "adrs/Generate/ChatOpenAI.h"

#include "../unittests/Common/FakeLLMServer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

using namespace llvm;
using namespace adrs;
using namespace adrs::generate;

// Only these in --help, not the hundreds LLVM registers.
static cl::OptionCategory BenchOptions("adrs-bench-chat options");

static cl::opt<unsigned> Requests("requests", cl::init(32),
                                  cl::desc("Requests per concurrency level"),
                                  cl::cat(BenchOptions));
static cl::opt<double> Delay("delay", cl::init(1.0),
                             cl::desc("Seconds the server waits per reply"),
                             cl::cat(BenchOptions));
static cl::list<unsigned> Concurrency("concurrency", cl::CommaSeparated,
                                      cl::desc("Requests in flight (1,16)"));
static cl::opt<bool> NoCommand("no-command",
                               cl::desc("Skip the command transport"),
                               cl::cat(BenchOptions));

namespace {

/// The process's thread count, from /proc.
unsigned threads() {
  std::ifstream Status("/proc/self/status");
  std::string Line;
  while (std::getline(Status, Line))
    if (Line.rfind("Threads:", 0) == 0)
      return unsigned(std::stoul(Line.substr(8)));
  return 0;
}

struct Run {
  double Seconds = 0;
  unsigned Threads = 0; ///< While requests were in flight.
  unsigned Failed = 0;
  std::string FirstError;
};

Run measure(ChatTransport &T, unsigned N) {
  std::mutex M;
  std::condition_variable CV;
  unsigned Done = 0;
  Run R;
  auto Start = std::chrono::steady_clock::now();
  for (unsigned I = 0; I < N; ++I) {
    ChatRequest Q;
    Q.Id = I;
    Q.Model.Name = "gpt-4o-mini";
    Q.Model.MaxTokens = 1024;
    Q.Messages = {{ChatMessage::Role::System, "You improve C++ code."},
                  {ChatMessage::Role::User, std::string(4000, 'p')}};
    T.submit(std::move(Q), [&](Expected<ChatResponse> Got) {
      std::lock_guard<std::mutex> Lock(M);
      if (!Got) {
        ++R.Failed;
        std::string Text = toString(Got.takeError());
        if (R.FirstError.empty())
          R.FirstError = Text;
      }
      ++Done;
      CV.notify_all();
    });
  }
  // Halfway through the first replies, every request allowed is in flight.
  std::this_thread::sleep_for(std::chrono::duration<double>(Delay / 2));
  R.Threads = threads();
  std::unique_lock<std::mutex> Lock(M);
  CV.wait(Lock, [&] { return Done == N; });
  R.Seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  return R;
}

void report(StringRef What, unsigned C, const Run &R) {
  outs() << format("%-9s %11u %9u %9.2f %12.2f %7u %8u\n", What.str().c_str(),
                   C, unsigned(Requests), R.Seconds, Requests / R.Seconds,
                   R.Failed, R.Threads);
  if (!R.FirstError.empty())
    outs() << "  first error: " << R.FirstError << "\n";
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(BenchOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "Chat client throughput against a fake server\n");
  std::vector<unsigned> Levels;
  for (unsigned C : Concurrency)
    Levels.push_back(C);
  if (Levels.empty())
    Levels = {1, 16};

  char Script[128];
  std::snprintf(Script, sizeof(Script),
                R"({"default": {"reply": "ok", "delay": %g}})", double(Delay));
  std::string Error;
  auto Server = testing::FakeLLMServer::start(Script, Error);
  if (!Server) {
    errs() << "adrs-bench-chat: " << Error << "\n";
    return 1;
  }
  outs() << format("%u requests, reply delay %.2fs\n", unsigned(Requests),
                   double(Delay));
  outs() << "transport concurrency  requests   seconds   requests/s  failed "
            " threads\n";
  for (unsigned C : Levels) {
    EndpointSettings E;
    E.URL = Server->url();
    E.ApiKey = "sk-bench-0000000000000000";
    E.RequestTimeoutSeconds = 60 + Delay;
    E.Retries = 0;
    E.MaxInFlight = C;
    auto Client = OpenAIClient::create(E);
    if (!Client) {
      errs() << "adrs-bench-chat: " << toString(Client.takeError()) << "\n";
      return 1;
    }
    report("http", C, measure(**Client, Requests));
  }
  if (!NoCommand) {
    for (unsigned C : Levels) {
      CommandSettings S;
      char Command[64];
      std::snprintf(Command, sizeof(Command),
                    "cat >/dev/null; sleep %g; "
                    "echo ok",
                    double(Delay));
      S.Command = Command;
      S.TimeoutSeconds = 60 + Delay;
      S.Retries = 0;
      S.MaxInFlight = C;
      auto Commands = CommandTransport::create(S);
      if (!Commands) {
        errs() << "adrs-bench-chat: " << toString(Commands.takeError()) << "\n";
        return 1;
      }
      report("command", C, measure(**Commands, Requests));
    }
  }
  return 0;
}
