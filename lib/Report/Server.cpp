//===- Server.cpp - The dashboard's HTTP server ---------------------------===//

#include "adrs/Report/Server.h"

#include <httplib.h>

namespace adrs {
namespace report {

struct HTTPServer::Impl {
  httplib::Server Server;
  Handler Handle;
};

HTTPServer::HTTPServer(Handler H) : I(std::make_unique<Impl>()) {
  I->Handle = std::move(H);
  I->Server.Get(".*",
                [this](const httplib::Request &Req, httplib::Response &Res) {
                  HTTPReply Reply;
                  try {
                    Reply = I->Handle(Req.path);
                  } catch (const std::exception &E) {
                    Reply = {500, "text/plain; charset=utf-8",
                             std::string("cannot answer: ") + E.what() + "\n"};
                  }
                  Res.status = Reply.Status;
                  // The pages are made of a run's data: they must not be cached
                  // or framed.
                  Res.set_header("Cache-Control", "no-store");
                  Res.set_header("X-Content-Type-Options", "nosniff");
                  Res.set_header("X-Frame-Options", "DENY");
                  Res.set_content(Reply.Body, Reply.ContentType.c_str());
                });
}

HTTPServer::~HTTPServer() = default;

int HTTPServer::bind(const std::string &Host, int Port, std::string &Error) {
  try {
    int Bound = Port == 0
                    ? I->Server.bind_to_any_port(Host.c_str())
                    : (I->Server.bind_to_port(Host.c_str(), Port) ? Port : -1);
    if (Bound < 0)
      Error = "cannot listen on " + Host + ":" + std::to_string(Port) +
              " (in use, or not an address of this machine)";
    return Bound;
  } catch (const std::exception &E) {
    Error = E.what();
    return -1;
  }
}

bool HTTPServer::listen() {
  try {
    return I->Server.listen_after_bind();
  } catch (const std::exception &) {
    return false;
  }
}

void HTTPServer::stop() { I->Server.stop(); }

} // namespace report
} // namespace adrs
