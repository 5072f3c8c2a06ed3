//===- SpecParserFuzzer.cpp - libFuzzer target for the spec parser --------===//
//
// Feeds arbitrary bytes to adrs::spec::parseSpec, the whole front end of
// `adrsc check` (UTF-8 and size checks, the ANTLR lexer and parser, the tree
// builder, Sema), and a spec that passes to the JSON dump of
// `adrsc check --dump json`, without touching the file system. Whatever the
// bytes, the result must be a Spec or diagnostics: never a crash, a hang, a
// leak or undefined behaviour. See fuzz/README.md for how to build and run it.
//
//===----------------------------------------------------------------------===//

#include "adrs/Spec/SpecJSON.h"
#include "adrs/Spec/SpecLoader.h"
#include "adrs/Support/Diagnostics.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

// Undefined behaviour is a finding like any crash: stop at the first report
// rather than print it and carry on. UBSAN_OPTIONS in the environment still
// overrides this (e.g. to add a suppressions file).
extern "C" const char *__ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  llvm::SourceMgr SM;
  adrs::DiagnosticEngine Diags(SM, llvm::nulls());
  // adrsc's default error limit, which cancels the parse at the 20th error,
  // for half the inputs; none for the other half, so that recovery after the
  // 20th error is exercised too (MaxSpecBytes bounds the work). Chosen by
  // the size so that a given input always runs the same way.
  Diags.setErrorLimit(Size % 2 ? 0 : 20);
  adrs::spec::LoadOptions Options;
  Options.CheckFiles = false;
  llvm::Expected<adrs::spec::Spec> Result =
      adrs::spec::parseSpec(Text, "fuzz.adrs", "/fuzz", Diags, Options);
  if (!Result) {
    llvm::consumeError(Result.takeError());
    return 0;
  }
  llvm::raw_null_ostream Out;
  Out << adrs::spec::toJSON(*Result);
  return 0;
}
