//===- DiagnosticCollector.h - Compiler diagnostics as data -----*- C++ -*-===//

#ifndef ADRS_LIB_JIT_DIAGNOSTICCOLLECTOR_H
#define ADRS_LIB_JIT_DIAGNOSTICCOLLECTOR_H

#include "adrs/Regions/SourceParser.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"

namespace adrs {
namespace jit {

/// Keeps compiler diagnostics as data: they become a candidate's feedback.
class DiagnosticCollector : public clang::DiagnosticConsumer {
public:
  explicit DiagnosticCollector(std::vector<regions::SourceDiagnostic> *Out)
      : Out(Out) {}

  /// Where the next diagnostics go (null: dropped).
  void setOutput(std::vector<regions::SourceDiagnostic> *NewOut) {
    Out = NewOut;
  }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                        const clang::Diagnostic &Info) override {
    DiagnosticConsumer::HandleDiagnostic(Level, Info);
    if (!Out || Level < clang::DiagnosticsEngine::Note ||
        Level == clang::DiagnosticsEngine::Warning)
      return;
    regions::SourceDiagnostic D;
    D.Severity = Level >= clang::DiagnosticsEngine::Error
                     ? regions::SourceDiagnostic::Level::Error
                     : regions::SourceDiagnostic::Level::Note;
    llvm::SmallString<256> Message;
    Info.FormatDiagnostic(Message);
    D.Message = std::string(Message);
    if (Info.getLocation().isValid() && Info.hasSourceManager()) {
      const clang::SourceManager &SM = Info.getSourceManager();
      clang::SourceLocation Loc = SM.getSpellingLoc(Info.getLocation());
      clang::PresumedLoc P = SM.getPresumedLoc(Loc);
      if (P.isValid()) {
        D.File = P.getFilename();
        D.Line = P.getLine();
        D.Column = P.getColumn();
        bool Invalid = false;
        llvm::StringRef Buffer = SM.getBufferData(SM.getFileID(Loc), &Invalid);
        if (!Invalid) {
          unsigned Offset = SM.getFileOffset(Loc);
          size_t Begin = Offset == 0 ? llvm::StringRef::npos
                                     : Buffer.rfind('\n', Offset - 1);
          Begin = Begin == llvm::StringRef::npos ? 0 : Begin + 1;
          D.SourceLine = Buffer.slice(Begin, Buffer.find('\n', Offset)).str();
        }
      }
    }
    Out->push_back(std::move(D));
  }

private:
  std::vector<regions::SourceDiagnostic> *Out;
};

} // namespace jit
} // namespace adrs

#endif
