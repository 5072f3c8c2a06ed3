//===- ServeCommand.cpp - adrsc serve -------------------------------------===//
//
// A live dashboard of a run: the report's page and its JSON, collected
// again for each request from the database opened read-only (WAL lets a
// reader see every committed candidate while the run writes). Bound to
// 127.0.0.1 unless --host says otherwise: a run's page holds its code.
// SIGINT and SIGTERM are taken by one thread (sigwait), which stops the
// server, so Ctrl-C ends it cleanly.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Report/Report.h"
#include "adrs/Report/Server.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <mutex>
#include <pthread.h>
#include <thread>

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> ServeDir(cl::Positional, cl::Required,
                                     cl::desc("<run directory>"),
                                     cl::sub(ServeCmd), cl::cat(AdrsCategory));

static cl::opt<int> ServePort("port",
                              cl::desc("The port to listen on (0: a free "
                                       "one, printed; default 8080)"),
                              cl::init(8080), cl::sub(ServeCmd),
                              cl::cat(AdrsCategory));

static cl::opt<std::string>
    ServeHost("host",
              cl::desc("The address to listen on (default 127.0.0.1: this "
                       "machine only; the page shows the run's code)"),
              cl::init("127.0.0.1"), cl::sub(ServeCmd), cl::cat(AdrsCategory));

static cl::opt<unsigned>
    ServeRefresh("refresh",
                 cl::desc("Seconds between the page's reloads (default 5)"),
                 cl::init(5), cl::sub(ServeCmd), cl::cat(AdrsCategory));

namespace {

report::HTTPReply answer(const std::string &Path) {
  bool JSON = Path == "/report.json";
  if (!JSON && Path != "/" && Path != "/index.html")
    return {404, "text/plain; charset=utf-8",
            "not found: the dashboard has / and /report.json\n"};
  Expected<report::RunResult> Run = report::loadRun(ServeDir);
  Expected<report::ReportData> Data =
      Run ? report::collectReport(*Run, ServeDir)
          : Expected<report::ReportData>(Run.takeError());
  if (!Data) {
    // A run that has not scored its baseline yet has no report: say so,
    // and look again at the next refresh.
    std::string Why = toString(Data.takeError());
    if (JSON)
      return {503, "application/json",
              formatv("{0}", json::Value(json::Object{{"error", Why}})).str()};
    return {503, "text/html; charset=utf-8",
            report::renderMessageHTML("adrsc serve: no report yet", Why,
                                      ServeRefresh)};
  }
  if (JSON)
    return {200, "application/json",
            formatv("{0:2}", report::toJSON(*Data)).str() + "\n"};
  return {200, "text/html; charset=utf-8",
          report::renderHTML(*Data, ServeRefresh)};
}

} // namespace

int runServe() {
  if (ServePort < 0 || ServePort > 65535) {
    WithColor::error(errs(), "adrsc")
        << "--port must be between 0 and 65535, not " << ServePort << "\n";
    return ExitUsage;
  }
  // Every thread the server starts inherits the blocked signals; only the
  // waiter below takes them.
  sigset_t Stops;
  sigemptyset(&Stops);
  sigaddset(&Stops, SIGINT);
  sigaddset(&Stops, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &Stops, nullptr);

  // Reports are collected one at a time: each opens the database anew.
  std::mutex OneAtATime;
  report::HTTPServer Server([&](const std::string &Path) {
    std::lock_guard<std::mutex> L(OneAtATime);
    return answer(Path);
  });
  std::string Why;
  int Port = Server.bind(ServeHost, ServePort, Why);
  if (Port < 0) {
    WithColor::error(errs(), "adrsc") << Why << "\n";
    return ExitFailed;
  }
  std::string Host = ServeHost;
  if (Host.find(':') != std::string::npos)
    Host = "[" + Host + "]";
  outs() << "serving " << ServeDir << " at http://" << Host << ":" << Port
         << "/ (Ctrl-C stops)\n";
  outs().flush();

  std::thread Waiter([&] {
    int Signal = 0;
    sigwait(&Stops, &Signal);
    Server.stop();
  });
  bool Served = Server.listen();
  // listen() also ends on its own error: wake the waiter so it can be
  // joined.
  pthread_kill(Waiter.native_handle(), SIGTERM);
  Waiter.join();
  if (!Served) {
    WithColor::error(errs(), "adrsc") << "the server stopped on an error\n";
    return ExitFailed;
  }
  return ExitOK;
}

} // namespace driver
} // namespace adrs
