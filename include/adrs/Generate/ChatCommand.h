//===- adrs/Generate/ChatCommand.h - A program as the model -----*- C++ -*-===//
//
// The transport of `generator command "CMD"`: every request runs
// `/bin/sh -c CMD` in a process group of its own, with the prompt on stdin
// (renderPlainText(): each message under a "### System", "### User" or
// "### Assistant" heading) and the reply read from stdout. It is how a run
// uses a tool adrsc does not speak to, such as a local coding agent.
//
// The program sees a minimal environment, so that keys in adrsc's own
// environment reach it only when asked for:
//   PATH, HOME, LANG  as adrsc has them (PATH defaults to
//                     /usr/local/bin:/usr/bin:/bin);
//   ADRS_MODEL        the request's model name;
//   ADRS_REQUEST_ID   the request's Id;
//   ADRS_TEMPERATURE, ADRS_MAX_TOKENS, ADRS_REASONING_EFFORT, ADRS_SEED
//                     when the request sets them;
//   and CommandSettings::Environment: "NAME=VALUE" sets a variable, a bare
//   "NAME" copies it from adrsc's environment (read when the transport is
//   created) if it is set there.
//
// How each run ends:
//   - exit status 0 with something on stdout: the response (Content is
//     stdout as printed; no tokens, unpriced);
//   - exit status 0 and nothing but white space: BadResponse;
//   - more than MaxReplyBytes on stdout: the group is killed, ReplyTooLarge;
//   - not finished within TimeoutSeconds: the group is killed, Timeout;
//   - another exit status, or killed by a signal: ServerError; exit status
//     127 (command not found): NotFound; 126 (not executable): Forbidden.
// Timeout and ServerError are retried up to Retries times with backoff.
// Error messages carry the end of stderr (at most MaxStderrBytes are kept).
// When the shell exits, whatever it left running in its group is killed.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_GENERATE_CHATCOMMAND_H
#define ADRS_GENERATE_CHATCOMMAND_H

#include "adrs/Generate/Chat.h"

#include <memory>

namespace adrs {
namespace generate {

struct CommandSettings {
  std::string Command;
  /// Hard limit on one run; the process group is killed when it passes.
  double TimeoutSeconds = 120;
  unsigned Retries = 3;
  uint64_t MaxReplyBytes = 8ull << 20;
  uint64_t MaxStderrBytes = 64 << 10;
  /// Runs at once; more wait in a queue. 0: no limit.
  unsigned MaxInFlight = 0;
  double BackoffBaseSeconds = 1;
  double BackoffMaxSeconds = 30;
  /// "NAME=VALUE", or "NAME" to pass adrsc's own value on.
  std::vector<std::string> Environment;
  /// Where the command runs; empty: adrsc's working directory.
  std::string WorkingDirectory;
};

class CommandTransport final : public ChatTransport {
public:
  /// Fails when the settings are unusable (no command, a timeout that is
  /// not positive, a malformed environment entry) or the driver thread
  /// cannot start.
  static llvm::Expected<std::unique_ptr<CommandTransport>>
  create(CommandSettings Settings);

  /// Kills every running command's group and ends every request with
  /// Cancelled (their callbacks run before it returns).
  ~CommandTransport() override;

  void submit(ChatRequest Request, ChatCallback Done) override;
  void cancelAll() override;

  /// Requests submitted and not yet finished.
  size_t pending() const;

  struct Impl;

private:
  explicit CommandTransport(std::unique_ptr<Impl> I);
  std::unique_ptr<Impl> I;
};

} // namespace generate
} // namespace adrs

#endif
