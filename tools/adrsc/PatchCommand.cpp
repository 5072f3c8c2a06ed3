//===- PatchCommand.cpp - adrsc patch -------------------------------------===//
//
// The whole front half of a candidate's life, on demand: read a reply,
// apply it to the regions, re-parse with Clang, run the passes, and show the
// diff or every reason for refusal. The same path runs for every candidate
// of a search, so what this prints is what a generator gets as feedback.
//
//===----------------------------------------------------------------------===//

#include "Driver.h"

#include "adrs/Candidate/Candidate.h"
#include "adrs/Passes/CandidateChecker.h"
#include "adrs/Patch/Apply.h"
#include "adrs/Patch/Edit.h"
#include "adrs/Regions/RegionFinder.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace adrs {
namespace driver {

static cl::opt<std::string> PatchSpec(cl::Positional, cl::Required,
                                      cl::desc("<spec.adrs>"),
                                      cl::sub(PatchCmd), cl::cat(AdrsCategory));

static cl::opt<std::string>
    PatchEdit("edit", cl::Required,
              cl::desc("The edit: a reply with SEARCH/REPLACE blocks or "
                       "fenced code ('-' reads stdin)"),
              cl::value_desc("file"), cl::sub(PatchCmd), cl::cat(AdrsCategory));

static cl::opt<std::string>
    PatchOut("o",
             cl::desc("Write the patched files into this directory "
                      "(same paths as under the spec's directory)"),
             cl::value_desc("dir"), cl::sub(PatchCmd), cl::cat(AdrsCategory));

static cl::opt<OutputFormat> PatchFormat(
    "format", cl::desc("Output format"),
    cl::values(clEnumValN(OutputFormat::Text, "text",
                          "a unified diff, or diagnostics (default)"),
               clEnumValN(OutputFormat::JSON, "json", "the same as data")),
    cl::init(OutputFormat::Text), cl::sub(PatchCmd), cl::cat(AdrsCategory));

static cl::list<std::string> PatchPasses(
    "passes",
    cl::desc(
        "Passes to run, in order (default: forbid,allow,fingerprint,features; "
        "add lift-constants to make numeric literals tunable)"),
    cl::CommaSeparated, cl::sub(PatchCmd), cl::cat(AdrsCategory));

static cl::opt<bool>
    PatchVerbose("v", cl::desc("Print the fingerprint and features"),
                 cl::sub(PatchCmd), cl::cat(AdrsCategory));

namespace {

/// Reports diagnostics inside files that exist only in memory (the patched
/// sources) or on disk, at their line and column.
class BufferReporter {
public:
  BufferReporter(DiagnosticEngine &Diags,
                 const std::map<std::string, std::string> &Patched)
      : Diags(Diags), Patched(Patched) {}

  SMLoc at(StringRef File, unsigned Line, unsigned Column) {
    if (File.empty() || Line == 0)
      return SMLoc();
    unsigned ID = buffer(File);
    if (!ID)
      return SMLoc();
    return Diags.getSourceMgr().FindLocForLineAndColumn(ID, Line,
                                                        std::max(1u, Column));
  }

private:
  unsigned buffer(StringRef File) {
    auto It = Ids.find(File.str());
    if (It != Ids.end())
      return It->second;
    std::unique_ptr<MemoryBuffer> B;
    auto P = Patched.find(File.str());
    if (P != Patched.end()) {
      B = MemoryBuffer::getMemBufferCopy(P->second, File);
    } else if (auto Disk = MemoryBuffer::getFile(File)) {
      B = std::move(*Disk);
    } else {
      return Ids[File.str()] = 0;
    }
    return Ids[File.str()] =
               Diags.getSourceMgr().AddNewSourceBuffer(std::move(B), SMLoc());
  }

  DiagnosticEngine &Diags;
  const std::map<std::string, std::string> &Patched;
  std::map<std::string, unsigned> Ids;
};

int emitJSON(json::Object O) {
  // Read the status before O is moved into the value that prints it.
  bool OK = O.getString("status") == StringRef("ok");
  outs() << formatv("{0:2}", json::Value(std::move(O))) << "\n";
  return OK ? ExitOK : ExitFailed;
}

std::string relativeTo(StringRef Path, StringRef Base) {
  if (Path.startswith(Base) && Path.size() > Base.size() &&
      Path[Base.size()] == '/')
    return Path.drop_front(Base.size() + 1).str();
  return Path.str();
}

} // namespace

int runPatch() {
  SourceMgr SM;
  DiagnosticEngine Diags(SM, errs(), useColor());
  configure(Diags);
  bool AsJSON = PatchFormat == OutputFormat::JSON;

  std::optional<spec::Spec> Spec = loadSpecOrReport(PatchSpec, Diags);
  if (!Spec)
    return ExitFailed;
  std::optional<std::vector<regions::Region>> Regions =
      findRegionsOrReport(*Spec, Diags);
  if (!Regions)
    return ExitFailed;

  Expected<candidate::Sources> Sources = candidate::Sources::read(*Regions);
  if (!Sources) {
    WithColor::error(errs(), "adrsc") << toString(Sources.takeError()) << "\n";
    return ExitFailed;
  }
  const std::map<std::string, std::string> &Original = Sources->files();

  ErrorOr<std::unique_ptr<MemoryBuffer>> Reply =
      MemoryBuffer::getFileOrSTDIN(PatchEdit, /*IsText=*/true);
  if (!Reply) {
    Diags.fileError(PatchEdit,
                    "cannot read the edit: " + Reply.getError().message());
    printErrorCount(Diags);
    return ExitFailed;
  }
  std::string ReplyName = PatchEdit == "-" ? "<stdin>" : PatchEdit.getValue();
  unsigned ReplyID = SM.AddNewSourceBuffer(
      MemoryBuffer::getMemBufferCopy((*Reply)->getBuffer(), ReplyName),
      SMLoc());
  auto ReplyLoc = [&](unsigned Line) {
    return Line ? SM.FindLocForLineAndColumn(ReplyID, Line, 1) : SMLoc();
  };
  auto ReportReply = [&](unsigned Line, const Twine &Message) {
    SMLoc Loc = ReplyLoc(Line);
    if (Loc.isValid())
      Diags.error(Loc, Message);
    else
      Diags.fileError(ReplyName, Message);
  };

  // 1-2. Read the edit and apply it to the regions, and nowhere else: the
  // road every candidate takes.
  Expected<candidate::Prepared> Ready =
      candidate::prepare(*Sources, (*Reply)->getBuffer(), Sources->baseline());
  if (!Ready) {
    std::vector<patch::Rejection> Why;
    handleAllErrors(
        Ready.takeError(),
        [&](const candidate::EditRefused &R) { Why = R.Rejections; },
        [&](const ErrorInfoBase &E) {
          Why.push_back({0, E.message()});
        });
    if (AsJSON) {
      json::Array A;
      for (const patch::Rejection &R : Why)
        A.push_back(
            json::Object{{"line", R.ReplyLine}, {"message", R.Message}});
      return emitJSON(json::Object{{"status", "invalid_edit"},
                                   {"rejections", std::move(A)}});
    }
    for (const patch::Rejection &R : Why)
      ReportReply(R.ReplyLine, R.Message);
    printErrorCount(Diags);
    return ExitFailed;
  }
  patch::PatchResult Patch;
  Patch.Files = Ready->Layout.Overrides; // the files the edit touched
  Patch.Regions = Ready->Layout.Regions;
  Patch.Changed = Ready->Changed;

  // 3. Re-parse and run the passes, through the same pipeline as the
  // evaluation child's.
  std::vector<std::string> Passes(PatchPasses.begin(), PatchPasses.end());
  if (Passes.empty())
    Passes = passes::defaultPasses();
  Expected<passes::PassPipeline> Pipeline =
      passes::PassPipeline::create(Passes);
  if (!Pipeline) {
    WithColor::error(errs(), "adrsc") << toString(Pipeline.takeError()) << "\n";
    return ExitUsage;
  }
  Expected<std::unique_ptr<passes::CandidateChecker>> Checker =
      passes::CandidateChecker::create(*Spec, *Regions);
  if (!Checker) {
    Diags.fileError(Spec->SpecFile, toString(Checker.takeError()));
    printErrorCount(Diags);
    return ExitFailed;
  }
  Expected<passes::CheckResult> Checked =
      (*Checker)->check(Ready->Layout.Overrides, Patch.Regions, *Pipeline);
  if (!Checked) {
    WithColor::error(errs(), "adrsc") << toString(Checked.takeError()) << "\n";
    return ExitFailed;
  }

  // Constants lifted into a parameter table rewrite their regions once more.
  if (!Checked->Passes.Transformed.empty() && Checked->Result == Status::OK) {
    patch::Edit Lifted;
    for (const auto &[Name, Text] : Checked->Passes.Transformed)
      Lifted.Rewrites.push_back({Name, Text, false, "", 0});
    patch::PatchResult Again =
        patch::applyEdit(Lifted, Patch.Regions, Ready->Layout.Files);
    if (Again.accepted())
      for (auto &[File, Text] : Again.Files)
        Patch.Files[File] = std::move(Text);
  }

  std::string Diff = patch::diffFiles(Original, Patch.Files, Spec->BaseDir);
  json::Value PassJSON = passes::toJSON(Checked->Passes);
  json::Object &PassData = *PassJSON.getAsObject();

  if (AsJSON)
    return emitJSON(
        json::Object{{"status", toString(Checked->Result)},
                     {"changed_regions", json::Array(Patch.Changed)},
                     {"diagnostics", regions::toJSON(Checked->Diagnostics)},
                     {"rejections", std::move(PassData["rejections"])},
                     {"fingerprint", Checked->fingerprint()},
                     {"features", std::move(PassData["features"])},
                     {"constants", std::move(PassData["constants"])},
                     {"diff", Checked->Result == Status::OK ? Diff : ""}});

  BufferReporter Patched(Diags, Patch.Files);
  if (Checked->Result == Status::CompileError) {
    for (const regions::SourceDiagnostic &D : Checked->Diagnostics) {
      SMLoc Loc = Patched.at(D.File, D.Line, D.Column);
      bool IsNote = D.Severity == regions::SourceDiagnostic::Level::Note;
      if (!Loc.isValid())
        Diags.fileError(D.File.empty() ? "<unknown>" : D.File, D.Message);
      else if (IsNote)
        Diags.note(Loc, D.Message);
      else
        Diags.error(Loc, D.Message);
    }
    errs() << "the patched sources do not compile; the edit is refused\n";
    printErrorCount(Diags);
    return ExitFailed;
  }
  if (Checked->Result == Status::Rejected) {
    for (const passes::PassRejection &R : Checked->Passes.Rejections) {
      const regions::Region *In = nullptr;
      for (const regions::Region &Reg : Patch.Regions)
        if (Reg.Name == R.Region)
          In = &Reg;
      SMLoc Loc = In ? Patched.at(In->File, R.Line, R.Column) : SMLoc();
      std::string Message = R.Message + " [" + R.Pass + "]";
      if (Loc.isValid())
        Diags.error(Loc, Message);
      else
        Diags.fileError(Spec->SpecFile, Message);
    }
    errs() << "the passes refuse the candidate\n";
    printErrorCount(Diags);
    return ExitFailed;
  }

  outs() << Diff;
  if (PatchVerbose) {
    errs() << "fingerprint " << Checked->fingerprint() << "\n";
    for (const auto &[Name, Value] : Checked->Passes.Features)
      errs() << "feature " << Name << " = " << format("%g", Value) << "\n";
  }
  if (!Checked->Passes.Constants.empty()) {
    errs() << "lifted constants (ADRS_PARAM index, value, bounds):\n";
    for (const passes::LiftedConstant &C : Checked->Passes.Constants)
      errs() << formatv("  {0,3}  {1}:{2}  {3}  ", C.Index, C.Region, C.Line,
                        C.Spelling)
             << format("[%g, %g]\n", C.Lower, C.Upper);
  }
  if (!PatchOut.empty()) {
    for (const auto &[File, Text] : Patch.Files) {
      SmallString<256> Target(PatchOut);
      sys::path::append(Target, relativeTo(File, Spec->BaseDir));
      if (std::error_code EC =
              sys::fs::create_directories(sys::path::parent_path(Target))) {
        Diags.fileError(Target, "cannot create directory: " + EC.message());
        return ExitFailed;
      }
      std::error_code EC;
      raw_fd_ostream OS(Target, EC);
      if (EC) {
        Diags.fileError(Target, "cannot write: " + EC.message());
        return ExitFailed;
      }
      OS << Text;
    }
    errs() << "wrote " << plural(Patch.Files.size(), "file") << " to "
           << PatchOut << "\n";
  }
  return ExitOK;
}

} // namespace driver
} // namespace adrs
