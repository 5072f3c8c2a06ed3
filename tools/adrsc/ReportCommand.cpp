//===- ReportCommand.cpp - adrsc report -----------------------------------===//
//
// A run's report as one HTML file that opens from disk, or the same figures
// as JSON. The run is read only, so a report can be made while it runs.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Report/Report.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> ReportDir(cl::Positional, cl::Required,
                                      cl::desc("<run directory>"),
                                      cl::sub(ReportCmd),
                                      cl::cat(AdrsCategory));

static cl::opt<std::string>
    ReportOutput("o",
                 cl::desc("Write the report to this file (default: "
                          "RUNDIR/report.html, or stdout for --format=json)"),
                 cl::value_desc("file"), cl::sub(ReportCmd),
                 cl::cat(AdrsCategory));

enum class ReportFormat { HTML, JSON };
static cl::opt<ReportFormat> Format(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(ReportFormat::HTML, "html",
                          "one self-contained page: plots, the winner's "
                          "lineage and diff, failure taxonomy, search "
                          "health (default)"),
               clEnumValN(ReportFormat::JSON, "json",
                          "the same figures as data: series, baseline, "
                          "references, best, lineage, failures, health, ...")),
    cl::init(ReportFormat::HTML), cl::sub(ReportCmd), cl::cat(AdrsCategory));

static cl::opt<unsigned> ReportWindow(
    "window",
    cl::desc("Candidates per window of the convergence and health figures "
             "(0: a tenth of the run, at least 5)"),
    cl::init(0), cl::sub(ReportCmd), cl::cat(AdrsCategory));

int runReport() {
  auto Fail = [](const Twine &Message) {
    WithColor::error(errs(), "adrsc") << Message << "\n";
    return int(ExitFailed);
  };
  Expected<report::RunResult> Run = report::loadRun(ReportDir);
  if (!Run)
    return Fail(toString(Run.takeError()));
  report::Parameters P;
  P.Window = ReportWindow;
  Expected<report::ReportData> Data = report::collectReport(*Run, ReportDir, P);
  if (!Data)
    return Fail(toString(Data.takeError()));
  std::string Text = Format == ReportFormat::JSON
                         ? formatv("{0:2}", report::toJSON(*Data)).str() + "\n"
                         : report::renderHTML(*Data);
  std::string Output = ReportOutput;
  if (Output.empty() && Format == ReportFormat::HTML)
    Output = ReportDir + "/report.html";
  if (Output.empty() || Output == "-") {
    outs() << Text;
    return ExitOK;
  }
  if (Error E = writeToOutput(Output, [&](raw_ostream &OS) {
        OS << Text;
        return Error::success();
      }))
    return Fail("cannot write '" + Output + "': " + toString(std::move(E)));
  if (Format == ReportFormat::HTML)
    outs() << "wrote " << Output << "\n";
  return ExitOK;
}

} // namespace driver
} // namespace adrs
