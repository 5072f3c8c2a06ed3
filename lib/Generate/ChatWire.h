//===- ChatWire.h - The Chat Completions wire format -----------*- C++ -*-===//
//
// The JSON of a request and of a reply, built and read with nlohmann/json.
// Only ChatWire.cpp sees that library (it throws, so it alone is built with
// exceptions); nothing it is given, however malformed, gets past it as an
// exception.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_LIB_GENERATE_CHATWIRE_H
#define ADRS_LIB_GENERATE_CHATWIRE_H

#include "adrs/Generate/Chat.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace adrs {
namespace generate {
namespace wire {

/// The body of `POST /chat/completions` for \p R. Text that is not valid
/// UTF-8 is sent with U+FFFD in place of the bad bytes.
std::string requestBody(const ChatRequest &R);

struct Reply {
  enum class Kind {
    OK,          ///< choices[0].message.content is text (maybe empty).
    NotJSON,     ///< Not a JSON object.
    ErrorObject, ///< {"error": ...} and no choices.
    NoContent,   ///< No choices[0].message.content text.
    Refusal,     ///< choices[0].message.refusal instead of content.
  };
  Kind K = Kind::NotJSON;
  std::string Content;
  std::string FinishReason;
  std::string ServedModel;
  uint64_t PromptTokens = 0;
  uint64_t CompletionTokens = 0;
  bool HasUsage = false;
  /// The refusal, the error's message, or what was found instead of
  /// content.
  std::string Detail;
  /// An error object's numeric `code` (OpenRouter puts the HTTP status
  /// there), or 0.
  long ErrorCode = 0;
};

Reply parseReply(llvm::StringRef Body);

/// What an error reply says: `error.message`, `error` as a string,
/// `message` or `detail`; empty when the body is not such JSON.
std::string errorMessage(llvm::StringRef Body);

} // namespace wire
} // namespace generate
} // namespace adrs

#endif
