//===- adrs/Report/Server.h - The dashboard's HTTP server -------*- C++ -*-===//
//
// A small HTTP server (cpp-httplib) for `adrsc serve`: GET requests only,
// each answered by a handler. cpp-httplib may throw, so it lives in a
// library of its own built with exceptions, behind this interface that
// holds no library type.
//
//===----------------------------------------------------------------------===//

#ifndef ADRS_REPORT_SERVER_H
#define ADRS_REPORT_SERVER_H

#include <functional>
#include <memory>
#include <string>

namespace adrs {
namespace report {

struct HTTPReply {
  int Status = 200;
  std::string ContentType = "text/html; charset=utf-8";
  std::string Body;
};

class HTTPServer {
public:
  using Handler = std::function<HTTPReply(const std::string &Path)>;
  explicit HTTPServer(Handler H);
  ~HTTPServer();

  /// Binds \p Host : \p Port (0 = a free port); the port bound, or -1 with
  /// \p Error saying why.
  int bind(const std::string &Host, int Port, std::string &Error);
  /// Serves until stop(); false when it could not.
  bool listen();
  /// Ends listen() from another thread.
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> I;
};

} // namespace report
} // namespace adrs

#endif
