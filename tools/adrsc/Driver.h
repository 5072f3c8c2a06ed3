//===- Driver.h - What the subcommands share --------------------*- C++ -*-===//

#ifndef ADRS_TOOLS_ADRSC_DRIVER_H
#define ADRS_TOOLS_ADRSC_DRIVER_H

#include "adrs/Spec/Spec.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace adrs {
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

enum class OutputFormat { Text, JSON };

/// Diagnostics to stderr, configured by the shared options (-Werror, -w,
/// --error-limit, --color).
void configure(DiagnosticEngine &Diags);
bool useColor();

/// Loads and checks a spec; on errors prints "N errors generated." and
/// returns nullopt.
std::optional<spec::Spec> loadSpecOrReport(llvm::StringRef Path,
                                           DiagnosticEngine &Diags);

/// "N errors generated." after diagnostics, as clang ends.
void printErrorCount(const DiagnosticEngine &Diags);

std::string plural(size_t N, llvm::StringRef Word);

int runCheck();
int runRegions();
int runPatch();
int runEval();
int runRun();
int runBest();
int runApply();
int runVerify();

} // namespace driver
} // namespace adrs

#endif
