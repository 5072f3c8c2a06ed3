//===- Driver.h - What the subcommands share --------------------*- C++ -*-===//

#ifndef ADRS_TOOLS_ADRSC_DRIVER_H
#define ADRS_TOOLS_ADRSC_DRIVER_H

#include "adrs/Regions/Region.h"
#include "adrs/Spec/Spec.h"
#include "adrs/Store/RunStore.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace adrs {
namespace eval {
class Executor;
} // namespace eval
namespace driver {

enum ExitCode { ExitOK = 0, ExitFailed = 1, ExitUsage = 2 };

extern llvm::cl::OptionCategory AdrsCategory;
extern llvm::cl::SubCommand CheckCmd;
extern llvm::cl::SubCommand RegionsCmd;
extern llvm::cl::SubCommand PatchCmd;
extern llvm::cl::SubCommand EvalCmd;
extern llvm::cl::SubCommand RunCmd;
extern llvm::cl::SubCommand BestCmd;
extern llvm::cl::SubCommand ApplyCmd;
extern llvm::cl::SubCommand VerifyCmd;
extern llvm::cl::SubCommand HintCmd;
extern llvm::cl::SubCommand PinCmd;
extern llvm::cl::SubCommand RollbackCmd;
extern llvm::cl::SubCommand LogCmd;
extern llvm::cl::SubCommand ReportCmd;
extern llvm::cl::SubCommand ServeCmd;
extern llvm::cl::SubCommand PromptsCmd;
extern llvm::cl::SubCommand WorkerCmd;

enum class OutputFormat { Text, JSON };

/// Diagnostics to stderr, configured by the shared options (-Werror, -w,
/// --error-limit, --color).
void configure(DiagnosticEngine &Diags);
bool useColor();

/// Loads and checks a spec; on errors prints "N errors generated." and
/// returns nullopt.
std::optional<spec::Spec> loadSpecOrReport(llvm::StringRef Path,
                                           DiagnosticEngine &Diags);

/// Finds the spec's regions; on errors prints them and the count and
/// returns nullopt.
std::optional<std::vector<regions::Region>>
findRegionsOrReport(const spec::Spec &S, DiagnosticEngine &Diags);

/// Whether every name is a registered candidate pass; the first that is not
/// is reported with the list of passes.
bool checkPassNames(llvm::ArrayRef<std::string> Names);
/// The passes a --passes option asks for: the default ones when it is
/// empty, none for 'none'; an unknown name is reported and gives nothing.
std::optional<std::vector<std::string>>
passListOrReport(llvm::ArrayRef<std::string> Given);

/// Starts the zygote that evaluates C++ candidates; \p Exec stays null for
/// an evaluator command. False (reported) when it cannot start.
bool startExecutor(const spec::Spec &S,
                   const std::vector<regions::Region> &Regions,
                   std::unique_ptr<eval::Executor> &Exec);

/// "N errors generated." after diagnostics, as clang ends.
void printErrorCount(const DiagnosticEngine &Diags);
/// One line per model (requests, tokens, dollars) and the total, as the run
/// summary and `adrsc best` print them.
void printModelUsage(llvm::raw_ostream &OS,
                     const std::map<std::string, store::ModelUsage> &Models);

std::string plural(size_t N, llvm::StringRef Word);

int runCheck();
int runRegions();
int runPatch();
int runEval();
int runRun();
int runBest();
int runApply();
int runVerify();
int runHint();
int runPin();
int runRollback();
int runLog();
int runReport();
int runServe();
int runPrompts();
int runWorker();

} // namespace driver
} // namespace adrs

#endif
