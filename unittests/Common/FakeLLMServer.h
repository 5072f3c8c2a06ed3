//===- FakeLLMServer.h - test/Inputs/fake-llm-server.py from C++ -*- C++
//-*-===//
//
// Starts the scripted OpenAI-compatible server on 127.0.0.1 with a script,
// waits for its port, reads its request log, and stops it. Used by the chat
// client's tests and benchmark; needs ADRS_SOURCE_DIR.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_UNITTESTS_COMMON_FAKELLMSERVER_H
#define ADRS_UNITTESTS_COMMON_FAKELLMSERVER_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace adrs {
namespace testing {

class FakeLLMServer {
public:
  /// Starts the server with \p Script (the JSON text of a script, see the
  /// top of fake-llm-server.py). Null, with \p Error set, on failure.
  static std::unique_ptr<FakeLLMServer> start(llvm::StringRef Script,
                                              std::string &Error) {
    std::unique_ptr<FakeLLMServer> S(new FakeLLMServer());
    if (std::error_code EC =
            llvm::sys::fs::createUniqueDirectory("adrs-fake-llm", S->Dir)) {
      Error = "cannot create a temporary directory: " + EC.message();
      return nullptr;
    }
    std::string ScriptFile = S->file("script.json");
    std::string PortFile = S->file("port");
    S->LogFile = S->file("requests.jsonl");
    std::string ErrFile = S->file("stderr");
    {
      std::error_code EC;
      llvm::raw_fd_ostream OS(ScriptFile, EC);
      if (EC) {
        Error = "cannot write the script: " + EC.message();
        return nullptr;
      }
      OS << Script;
    }
    llvm::ErrorOr<std::string> Python = llvm::sys::findProgramByName("python3");
    if (!Python) {
      Error = "python3 is not on PATH";
      return nullptr;
    }
    std::string Server = ADRS_SOURCE_DIR "/test/Inputs/fake-llm-server.py";
    std::string Parent = std::to_string(getpid());
    llvm::StringRef Args[] = {*Python,        Server,   "--script", ScriptFile,
                              "--port-file",  PortFile, "--log",    S->LogFile,
                              "--parent-pid", Parent};
    std::optional<llvm::StringRef> Redirects[] = {llvm::StringRef(""),
                                                  llvm::StringRef(ErrFile),
                                                  llvm::StringRef(ErrFile)};
    std::string Why;
    bool Failed = false;
    S->Process = llvm::sys::ExecuteNoWait(*Python, Args, std::nullopt,
                                          Redirects, 0, &Why, &Failed);
    if (Failed || S->Process.Pid <= 0) {
      Error = "cannot start the fake server: " + Why;
      return nullptr;
    }
    S->Running = true;
    auto Give = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < Give) {
      auto Port = llvm::MemoryBuffer::getFile(PortFile);
      if (Port) {
        unsigned Value = 0;
        if (!(*Port)->getBuffer().trim().getAsInteger(10, Value) && Value) {
          S->Port = Value;
          return S;
        }
      }
      llvm::sys::ProcessInfo Done = llvm::sys::Wait(S->Process, 0, nullptr);
      if (Done.Pid == S->Process.Pid) {
        S->Running = false;
        auto Err = llvm::MemoryBuffer::getFile(ErrFile);
        Error = "the fake server exited: " +
                (Err ? (*Err)->getBuffer().str() : std::string("?"));
        return nullptr;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Error = "the fake server did not write its port within 30s";
    return nullptr;
  }

  ~FakeLLMServer() {
    if (Running) {
      ::kill(Process.Pid, SIGTERM);
      llvm::sys::Wait(Process, std::nullopt, nullptr);
    }
    if (!Dir.empty())
      llvm::sys::fs::remove_directories(Dir);
  }

  /// Replaces the script and empties the log (POST /_control/script), so
  /// that one server serves many tests. False, with \p Error set, on
  /// failure.
  bool load(llvm::StringRef Script, std::string &Error) {
    CURL *E = curl_easy_init();
    if (!E) {
      Error = "curl_easy_init failed";
      return false;
    }
    std::string URL =
        "http://127.0.0.1:" + std::to_string(Port) + "/_control/script";
    std::string Reply;
    curl_write_callback Append = [](char *Data, size_t Size, size_t Count,
                                    void *User) {
      static_cast<std::string *>(User)->append(Data, Size * Count);
      return Size * Count;
    };
    curl_easy_setopt(E, CURLOPT_URL, URL.c_str());
    curl_easy_setopt(E, CURLOPT_POSTFIELDS, Script.data());
    curl_easy_setopt(E, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(Script.size()));
    curl_easy_setopt(E, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(E, CURLOPT_PROXY, "");
    curl_easy_setopt(E, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(E, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(E, CURLOPT_WRITEDATA, &Reply);
    CURLcode Result = curl_easy_perform(E);
    long Status = 0;
    curl_easy_getinfo(E, CURLINFO_RESPONSE_CODE, &Status);
    curl_easy_cleanup(E);
    if (Result != CURLE_OK) {
      Error = std::string("cannot reach the fake server: ") +
              curl_easy_strerror(Result);
      return false;
    }
    if (Status != 200) {
      Error = "the fake server refused the script: " + Reply;
      return false;
    }
    return true;
  }

  unsigned port() const { return Port; }
  /// The base URL a client is given.
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(Port) + "/v1";
  }

  /// Every request logged so far, in order of arrival.
  std::vector<llvm::json::Value> requests() const {
    std::vector<llvm::json::Value> Out;
    auto Log = llvm::MemoryBuffer::getFile(LogFile);
    if (!Log)
      return Out;
    llvm::SmallVector<llvm::StringRef, 16> Lines;
    (*Log)->getBuffer().split(Lines, '\n', -1, false);
    for (llvm::StringRef Line : Lines) {
      llvm::Expected<llvm::json::Value> V = llvm::json::parse(Line);
      if (V)
        Out.push_back(std::move(*V));
      else
        llvm::consumeError(V.takeError());
    }
    return Out;
  }

  /// The raw log, for searching it for text.
  std::string logText() const {
    auto Log = llvm::MemoryBuffer::getFile(LogFile);
    return Log ? (*Log)->getBuffer().str() : std::string();
  }

  /// A file in the server's temporary directory.
  std::string file(llvm::StringRef Name) const {
    llvm::SmallString<256> P(Dir);
    llvm::sys::path::append(P, Name);
    return std::string(P);
  }

private:
  FakeLLMServer() = default;
  llvm::SmallString<256> Dir;
  std::string LogFile;
  llvm::sys::ProcessInfo Process;
  bool Running = false;
  unsigned Port = 0;
};

} // namespace testing
} // namespace adrs

#endif
