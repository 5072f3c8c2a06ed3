//===- ChatWire.cpp - The Chat Completions wire format --------------------===//

#include "ChatWire.h"

#include <nlohmann/json.hpp>

#include <cmath>

using llvm::StringRef;
using Json = nlohmann::ordered_json;

namespace adrs {
namespace generate {
namespace wire {

namespace {

std::string dump(const Json &J) {
  // Invalid UTF-8 in a prompt (a file, an earlier reply) must not stop the
  // request: replace the bad bytes instead of throwing.
  return J.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// A member of object \p J, or null when absent or \p J is no object.
const Json *member(const Json &J, const char *Name) {
  if (!J.is_object())
    return nullptr;
  auto It = J.find(Name);
  return It == J.end() ? nullptr : &*It;
}

const std::string *stringMember(const Json &J, const char *Name) {
  const Json *M = member(J, Name);
  return M && M->is_string() ? M->get_ptr<const std::string *>() : nullptr;
}

/// A token count: a non-negative number, however the server spelled it.
bool count(const Json *J, uint64_t &Out) {
  if (!J || !J->is_number())
    return false;
  double V = J->get<double>();
  if (!std::isfinite(V) || V < 0)
    return false;
  Out = V > 1e18 ? uint64_t(1e18) : uint64_t(V);
  return true;
}

std::string excerpt(StringRef Text) {
  Text = Text.trim();
  if (Text.size() <= 200)
    return Text.str();
  return Text.take_front(200).str() + "...";
}

Reply parse(StringRef Body) {
  Reply R;
  Json J = Json::parse(Body.begin(), Body.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (J.is_discarded() || !J.is_object()) {
    R.K = Reply::Kind::NotJSON;
    R.Detail = Body.trim().empty() ? "an empty body" : excerpt(Body);
    return R;
  }
  if (const std::string *Model = stringMember(J, "model"))
    R.ServedModel = *Model;
  if (const Json *Usage = member(J, "usage")) {
    bool In = count(member(*Usage, "prompt_tokens"), R.PromptTokens);
    bool Out = count(member(*Usage, "completion_tokens"), R.CompletionTokens);
    R.HasUsage = In || Out;
  }
  const Json *Choices = member(J, "choices");
  if (!Choices || !Choices->is_array() || Choices->empty()) {
    if (const Json *Error = member(J, "error")) {
      R.K = Reply::Kind::ErrorObject;
      R.Detail = errorMessage(Body);
      if (const Json *Code = member(*Error, "code"); Code && Code->is_number())
        R.ErrorCode = long(Code->get<double>());
      return R;
    }
    R.K = Reply::Kind::NoContent;
    R.Detail = "the reply has no choices";
    return R;
  }
  const Json &Choice = Choices->front();
  if (const std::string *Finish = stringMember(Choice, "finish_reason"))
    R.FinishReason = *Finish;
  const Json *Message = member(Choice, "message");
  if (!Message || !Message->is_object()) {
    R.K = Reply::Kind::NoContent;
    R.Detail = "choices[0] has no message";
    return R;
  }
  const Json *Content = member(*Message, "content");
  if (Content && Content->is_string()) {
    R.K = Reply::Kind::OK;
    R.Content = Content->get<std::string>();
    return R;
  }
  if (Content && Content->is_array()) {
    // Some servers send content as parts: [{"type": "text", "text": ...}].
    bool Any = false;
    for (const Json &Part : *Content) {
      if (const std::string *Text = stringMember(Part, "text")) {
        R.Content += *Text;
        Any = true;
      }
    }
    if (Any) {
      R.K = Reply::Kind::OK;
      return R;
    }
  }
  if (const std::string *Refusal = stringMember(*Message, "refusal")) {
    R.K = Reply::Kind::Refusal;
    R.Detail = excerpt(*Refusal);
    return R;
  }
  R.K = Reply::Kind::NoContent;
  R.Detail = Content && !Content->is_null()
                 ? "choices[0].message.content is not text"
                 : "choices[0].message has no content";
  return R;
}

} // namespace

std::string requestBody(const ChatRequest &Request) {
  try {
    Json Body = Json::object();
    Body["model"] = Request.Model.Name;
    Json Messages = Json::array();
    for (const ChatMessage &M : Request.Messages)
      Messages.push_back(
          Json{{"role", toString(M.From).str()}, {"content", M.Content}});
    Body["messages"] = std::move(Messages);
    bool Reasoning = usesReasoningParameters(Request.Model);
    if (Request.Model.MaxTokens)
      Body[Reasoning ? "max_completion_tokens" : "max_tokens"] =
          *Request.Model.MaxTokens;
    if (Request.Model.Temperature && !Reasoning)
      Body["temperature"] = *Request.Model.Temperature;
    if (Request.Model.ReasoningEffort)
      Body["reasoning_effort"] = *Request.Model.ReasoningEffort;
    if (Request.Seed)
      Body["seed"] = *Request.Seed & 0x7fffffffu;
    return dump(Body);
  } catch (const std::exception &) {
    // Only allocation can fail here: the replace handler takes care of
    // encoding. An empty body is refused by every server as a bad request.
    return std::string();
  }
}

Reply parseReply(StringRef Body) {
  try {
    return parse(Body);
  } catch (const std::exception &E) {
    Reply R;
    R.K = Reply::Kind::NotJSON;
    R.Detail = std::string("unreadable reply: ") + E.what();
    return R;
  }
}

std::string errorMessage(StringRef Body) {
  try {
    Json J = Json::parse(Body.begin(), Body.end(), nullptr, false);
    if (J.is_discarded() || !J.is_object())
      return std::string();
    const Json *Error = member(J, "error");
    if (Error && Error->is_string())
      return excerpt(Error->get<std::string>());
    if (Error)
      if (const std::string *Text = stringMember(*Error, "message"))
        return excerpt(*Text);
    for (const char *Name : {"message", "detail"})
      if (const std::string *Text = stringMember(J, Name))
        return excerpt(*Text);
    return std::string();
  } catch (const std::exception &) {
    return std::string();
  }
}

} // namespace wire
} // namespace generate
} // namespace adrs
